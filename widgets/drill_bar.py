"""The breadcrumb above the map (上海市 › 徐汇区 › 天平路街道): each crumb above the view goes back to
it, a menu offers the regions one level down (each with its status colour), and a toggle lets the
incident queue follow the view. Handed names and colours; decides nothing."""

from __future__ import annotations

import functools

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QMenu, QSizePolicy, QToolButton, QWidget

from widgets import theme
from widgets.text import plain_label


def _t(text: str) -> str:
    return QCoreApplication.translate("DrillBar", text)


@functools.cache
def _dot(color: str, size: int = 10) -> QIcon:
    pix = QPixmap(size, size)
    pix.fill(Qt.GlobalColor.transparent)
    p = QPainter(pix)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(color))
    p.drawEllipse(0, 0, size, size)
    p.end()
    return QIcon(pix)


class DrillBar(QWidget):
    areaChosen = Signal(str)  # a crumb above the view, or a region from the menu below it
    followToggled = Signal(bool)  # the incident queue's area filter follows the view, or not

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("drillBar")
        self.setStyleSheet(f"QWidget#drillBar {{ background: {theme.PANEL_2}; }}"
                           " QToolButton[crumb=\"true\"] { border: none; background: transparent; padding: 2px 4px; }"
                           f" QToolButton[crumb=\"true\"]:hover {{ color: {theme.ACCENT}; }}")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(6, 2, 6, 2)
        lay.setSpacing(2)
        self.up = QToolButton()
        self.up.setObjectName("drillUp")
        self.up.clicked.connect(lambda: self._parent and self.areaChosen.emit(self._parent))
        lay.addWidget(self.up)
        self._crumb_row = QHBoxLayout()
        self._crumb_row.setSpacing(0)
        lay.addLayout(self._crumb_row)
        self.below = QToolButton()
        self.below.setObjectName("drillBelow")
        self.below.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.below.setMenu(QMenu(self.below))
        self.below.menu().triggered.connect(lambda a: self.areaChosen.emit(a.data()))
        lay.addWidget(self.below)
        lay.addStretch(1)
        self.follow = QToolButton()
        self.follow.setObjectName("drillFollow")
        self.follow.setCheckable(True)
        self.follow.toggled.connect(self.followToggled)
        lay.addWidget(self.follow)
        # one height whatever the crumbs: the map below must not resize (and re-frame) on a drill
        self.setFixedHeight(self.up.sizeHint().height() + 4)
        self.crumbs: list[QToolButton] = []  # the path's crumbs shown, from the scope down
        self._crumb_pool: list[tuple[QWidget, QToolButton]] = []  # (separator before, button), reused
        self._crumb_codes: list[str] = []
        self._shown: list[tuple[str, str]] = []
        self._below_shown: list[tuple[str, str, str]] = []
        self._parent: str | None = None
        self.retranslate()

    def retranslate(self) -> None:
        self.up.setText("↑ " + _t("上级"))
        self.below.setText(_t("下级"))  # Qt draws the menu's arrow beside it
        self.up.setToolTip(_t("返回上级 (Backspace)"))
        self.below.setToolTip(_t("下钻到下级区域"))
        self.follow.setText(_t("队列跟随"))
        self.follow.setToolTip(_t("事件队列的区域筛选跟随当前查看的区域"))

    def _crumb_buttons(self, crumbs: list[tuple[str, str]]) -> None:
        """The crumbs as buttons, those made for an earlier path reused (a drill made them anew: a styled
        button made and polished is a millisecond of a drill's frame)."""
        self._crumb_codes = [code for code, _ in crumbs]
        while len(self._crumb_pool) < len(crumbs):
            i = len(self._crumb_pool)
            sep = plain_label("›")
            sep.setStyleSheet(f"color: {theme.TEXT_DIM}; background: transparent; padding: 0 2px;")
            b = QToolButton()
            b.setProperty("crumb", True)
            b.clicked.connect(lambda _c=False, i=i: self._crumb_clicked(i))
            self._crumb_row.addWidget(sep)
            self._crumb_row.addWidget(b)
            self._crumb_pool.append((sep, b))
        self.crumbs = []
        for i, (sep, b) in enumerate(self._crumb_pool):
            shown = i < len(crumbs)
            sep.setVisible(shown and i > 0)
            b.setVisible(shown)
            if not shown:
                continue
            b.setText(crumbs[i][1])  # a QToolButton's text is never rich text
            last = i == len(crumbs) - 1
            if b.font().bold() != last:
                f = b.font()
                f.setBold(last)
                b.setFont(f)
            b.setCursor(Qt.CursorShape.ArrowCursor if last else Qt.CursorShape.PointingHandCursor)
            self.crumbs.append(b)

    def _crumb_clicked(self, i: int) -> None:
        """A crumb above the view goes back to it; the view's own crumb does nothing."""
        if i < len(self._crumb_codes) - 1:
            self.areaChosen.emit(self._crumb_codes[i])

    def show_path(self, crumbs: list[tuple[str, str]], below: list[tuple[str, str, str]]) -> None:
        """crumbs: (code, name) from the scope down to the view; below: (code, name, status colour) of
        the regions one level down."""
        if crumbs != self._shown:  # once a second the colours change, the crumbs seldom: keep the buttons
            self._shown = list(crumbs)
            self._crumb_buttons(crumbs)
        self._parent = crumbs[-2][0] if len(crumbs) > 1 else None
        self.up.setEnabled(self._parent is not None)
        menu = self.below.menu()
        # rebuilt when a colour or a name changed (asked once a second), never from under the operator's pointer
        if below != self._below_shown and not menu.isVisible():
            self._below_shown = list(below)
            menu.clear()
            for code, name, color in below:
                menu.addAction(_dot(color), name).setData(code)
        self.below.setEnabled(bool(below))
