"""The workstation's menu bar and keyboard shortcuts (View, Language, Help), set up on the window the
way Qt Designer's setupUi/retranslateUi do it: the menus and actions become the window's public
attributes (menu_*, act_*), each calls a public method of the window or of one of its controllers
(layouts, alarm_panel, emergency_view), and retranslate_menus gives them the current language's texts."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QAction, QActionGroup, QKeySequence


def _t(text: str) -> str:
    return QCoreApplication.translate("MainWindow", text)  # the window's strings, moved here with their translations


def setup_menus(win) -> None:
    """Build the menus of `win` (a MainWindow whose docks, queue and board exist)."""
    mb = win.menuBar()
    win.menu_view = view = mb.addMenu("")
    for d in (win.dock_board, win.dock_chart, win.dock_queue, win.dock_resources):
        view.addAction(d.toggleViewAction())
    view.addSeparator()
    win.act_reset = QAction(win, triggered=win.reset_layout)
    view.addAction(win.act_reset)
    # the controllers are made after the menus: the lambdas look them up when chosen
    win.act_export_layout = QAction(win, triggered=lambda: win.layouts.ask_file(export=True))
    win.act_import_layout = QAction(win, triggered=lambda: win.layouts.ask_file(export=False))
    view.addAction(win.act_export_layout)
    view.addAction(win.act_import_layout)
    view.addSeparator()
    win.act_wall = QAction(win, shortcut=QKeySequence("F11"), triggered=lambda: win.open_wall())
    view.addAction(win.act_wall)
    win.act_emergency = QAction(win, checkable=True, shortcut=QKeySequence("Ctrl+Shift+E"))
    win.act_emergency.triggered.connect(lambda: win.emergency_view.ask())  # shown only with an emergency mode
    win.act_emergency.setVisible(win.emergency is not None and win.operator.can_switch_emergency)
    view.addAction(win.act_emergency)
    win.menu_lang = mb.addMenu("")
    group = QActionGroup(win)
    win.act_zh = QAction("中文", win, checkable=True, checked=True)
    win.act_en = QAction("English", win, checkable=True)
    for a, code in ((win.act_zh, "zh"), (win.act_en, "en")):
        group.addAction(a)
        win.menu_lang.addAction(a)
        a.triggered.connect(lambda _c=False, code=code: win.set_language(code))
    win.act_mute = QAction(win, checkable=True, shortcut=QKeySequence("Ctrl+M"))
    win.act_mute.toggled.connect(win.set_muted)
    view.addAction(win.act_mute)
    win.act_silence = QAction(win, shortcut=QKeySequence("Ctrl+Shift+S"),
                              triggered=lambda: win.alarm_panel.ask_silence())
    view.addAction(win.act_silence)
    win.act_handover = QAction(win, shortcut=QKeySequence("Ctrl+Shift+H"))
    win.act_handover.triggered.connect(lambda: win.write_handover())
    view.addAction(win.act_handover)
    win.act_shelve = QAction(win, shortcut=QKeySequence("Ctrl+Shift+V"),
                             triggered=lambda: win.alarm_panel.ask_shelve())
    view.addAction(win.act_shelve)
    win.act_focus_queue = QAction(win, shortcut=QKeySequence("F2"), triggered=win.queue.table.setFocus)
    win.act_focus_board = QAction(win, shortcut=QKeySequence("F3"), triggered=win.board.setFocus)
    win.addAction(win.act_focus_queue)
    win.addAction(win.act_focus_board)
    win.menu_help = mb.addMenu("")
    win.act_about = QAction(win, triggered=win.show_about)
    win.menu_help.addAction(win.act_about)


def retranslate_menus(win) -> None:
    win.menu_view.setTitle(_t("视图"))
    win.menu_lang.setTitle(_t("语言"))
    win.menu_help.setTitle(_t("帮助"))
    win.act_about.setText(_t("关于与诊断信息…"))
    win.act_reset.setText(_t("恢复默认布局"))
    win.act_mute.setText(_t("红色超时提示音静音"))
    win.act_silence.setText(_t("静默规则或区域…"))
    win.act_handover.setText(_t("生成交接班报告（最近 8 小时）"))
    win.act_export_layout.setText(_t("导出布局…"))
    win.act_import_layout.setText(_t("导入布局…"))
    win.act_wall.setText(_t("大屏模式"))
    win.act_emergency.setText(_t("紧急状态模式…"))
    win.act_shelve.setText(_t("搁置所选报警…"))
