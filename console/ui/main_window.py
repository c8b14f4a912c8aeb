"""The workstation window, a frame: the city map in the middle under the drill-down breadcrumb, the
vital-sign board, the indicator chart and the incident queue in docks, the feed-health strip, the
menus, and the wiring of the state's changes to the views. Every view looks at one region inside the
console's scope (console/views/drill.py): a click on a district, a street or a tile drills down,
Backspace or a crumb goes back up. The decisions live elsewhere: alarms in console/alarms/alarm_desk.py (shown by
alarm_panel.py), dock arrangements in layout_controller.py, emergency mode in emergency_view.py, big
screens in wall_launcher.py, freshness in freshness_view.py; the map is any CityMap (city_map.py)."""

from __future__ import annotations

import logging
import math
import time
from pathlib import Path

import numpy as np
from PySide6.QtCore import QCoreApplication, QEvent, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDockWidget,
    QMainWindow,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from console.alarms.alarm_desk import AlarmDesk
from console.alarms.discovery_rules import RuleEngine
from console.feed.protocol import Level, Status
from console.feed.source import Source
from console.incidents.audit_log import AuditLog
from console.incidents.command_sender import CommandSender
from console.incidents.escalation import AutoEscalator
from console.incidents.levels import LevelView
from console.incidents.operator import Operator, Role
from console.incidents.sla import SlaBook
from console.incidents.stations import DispatchList
from console.model.areas import CITY_CODE, level_of
from console.model.city_state import Changes, CityState
from console.model.clock import Clock
from console.ui.alarm_panel import AlarmPanel
from console.ui.alert_sound import AlertSound
from console.ui.city_map import CityMap, NoMap
from console.ui.draw_pause import DrawPause
from console.ui.emergency_controller import EmergencyController
from console.ui.emergency_view import EmergencyView
from console.ui.freshness_view import FreshnessView
from console.ui.i18n import is_english
from console.ui.incident_actions import OP_ZH, IncidentActions
from console.ui.incident_model import IncidentTableModel
from console.ui.layout_controller import LayoutController
from console.ui.state_bridge import StateBridge
from console.ui.unit_view import UnitView
from console.ui.wall_launcher import WallLauncher
from console.ui.window_menu import retranslate_menus, setup_menus
from console.views.area_rollup import area_choices, child_statuses, place_name, rollup, rollup_text
from console.views.board_model import BoardModel
from console.views.drill import Drill
from console.views.forecast import forecast
from console.views.history import display_series
from console.views.incident_text import describe
from console.views.labels import DOMAIN_ZH, STATUS_COLOR, unit_text
from widgets.banner import Banner
from widgets.drill_bar import DrillBar
from widgets.feed_status_bar import FeedStatusBar
from widgets.fit_label import FitLabel
from widgets.incident_queue import IncidentQueue
from widgets.indicator_chart import IndicatorChart
from widgets.resource_panel import ResourcePanel
from widgets.unit_table import UnitTable
from widgets.vital_board import VitalBoard

log = logging.getLogger(__name__)


def _t(text: str) -> str:
    return QCoreApplication.translate("MainWindow", text)


def _label(text: str) -> str:
    return QCoreApplication.translate("Labels", text)


def _action_label(op) -> str:
    return QCoreApplication.translate("IncidentActions", OP_ZH[op])


# A drill's view (its ~20 tiles, a slice at a time, and the map's frame) is drawn before the feed's next
# frames are handed on and before the window's own periodic work, for at most this long
# (console/ui/draw_pause.py).
DRILL_HOLD_S = 0.2


class MainWindow(QMainWindow):
    closed = Signal()
    def __init__(self, state: CityState, source: Source | None, clock: Clock, settings: QSettings,
                 map_widget: QWidget | None = None, language=None, sender: CommandSender | None = None,
                 sla: SlaBook | None = None, audit: AuditLog | None = None, rules: RuleEngine | None = None,
                 bridge: StateBridge | None = None, operator: Operator | None = None,
                 emergency: EmergencyController | None = None, escalator: AutoEscalator | None = None,
                 scope: str = CITY_CODE, levels: LevelView | None = None, dispatch: DispatchList | None = None):
        super().__init__()
        self.setObjectName("CityOpsMainWindow")
        self.state, self.source, self.clock, self.settings = state, source, clock, settings
        self.language = language  # console.ui.i18n.Language, or None in tests that do not switch
        # one bridge per state: a wall opened from this window watches the same changes
        self.bridge = bridge or StateBridge(state, source, clock, parent=self)
        self.operator = operator or (sender.operator if sender is not None else Operator("operator", Role.ANALYST))
        self.sender = sender
        self.emergency = emergency
        self.timeshift = None  # console.recording.time_shift.TimeShift on a recorded live session
        self.freshness: dict = {}  # what every view last showed (FreshnessView.show)
        # where the views look: inside the console's scope (what it subscribes to), never above it
        self.drill = Drill(scope)
        self.board_model = BoardModel(state)
        self.board_model.region = scope
        # the alarm decisions; the window runs it on its timers and shows what it says (AlarmPanel)
        # the console's scope: the queue, the flood and the walls opened from here hold what its level handles
        self.levels = levels
        self.desk = AlarmDesk(state, rules, audit, sender.operator if sender is not None else None, escalator, levels)

        self.incident_model = IncidentTableModel(state, clock, self, sla=sla, levels=levels)
        self.sound = AlertSound(self)
        self._rules_timer = QTimer(self)
        self._rules_timer.setInterval(5000)
        self._rules_timer.timeout.connect(self._rules_due)
        if rules is not None:
            self._rules_timer.start()
        self.queue = IncidentQueue(self.incident_model, self._describe, self._district_choices,
                                   self._domain_choices)

        self.board = VitalBoard()
        self.draw_pause = DrawPause(self.source, DRILL_HOLD_S, self)
        self.board_scroll = QScrollArea()
        self.board_scroll.setWidget(self.board)
        self.board_scroll.setWidgetResizable(True)
        self.board_scroll.setMinimumWidth(2 * (self.board.tile_size.width() + 6) + 24)  # two tile columns
        self.chart = IndicatorChart()
        self.chart_key: tuple[str, str] | None = None  # the board's tile the chart is about
        self.chart_region = ""  # a region the operator picked in the chart instead of the tile's
        self._chart_sid: int | None = None  # the series last drawn
        self._n_series_seen = 0
        self._chart_drawn = 0.0
        self._chart_due = QTimer(self)  # a change held back by the once-a-second rule is drawn when it is up
        self._chart_due.setSingleShot(True)
        self._chart_due.timeout.connect(self._refresh_chart)

        # no map: a stand-in that takes every call, so nothing below asks whether there is one
        self.map: CityMap = map_widget if map_widget is not None else NoMap()
        self.drill_bar = DrillBar()
        central = QWidget()
        central_lay = QVBoxLayout(central)
        central_lay.setContentsMargins(0, 0, 0, 0)
        central_lay.setSpacing(0)
        central_lay.addWidget(self.drill_bar)
        central_lay.addWidget(self.map, 1)
        self.setCentralWidget(central)
        self.map.set_view(scope)  # the map frames the console's area from the start
        self.map.set_area(scope)  # and shows its area's incidents only
        # side docks run the full height; the chart sits under the map only
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        # the board's roll-up of the level below ("12 街镇均正常 · 1 处预警") heads its tiles
        self.board_rollup = FitLabel(13, bold=True)
        self.board_rollup.setObjectName("boardRollup")
        self.board_rollup.setContentsMargins(8, 2, 8, 2)
        board_panel = QWidget()
        board_lay = QVBoxLayout(board_panel)
        board_lay.setContentsMargins(0, 0, 0, 0)
        board_lay.setSpacing(0)
        board_lay.addWidget(self.board_rollup)
        board_lay.addWidget(self.board_scroll, 1)
        self.dock_board = self._dock("board", board_panel, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.dock_chart = self._dock("chart", self.chart, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.dock_queue = self._dock("queue", self.queue, Qt.DockWidgetArea.RightDockWidgetArea)
        self.resources = ResourcePanel()
        self.unit_table = UnitTable()  # the dispatch units (vehicles), under the stations' load
        resources_split = QSplitter(Qt.Orientation.Vertical)
        resources_split.addWidget(self.resources)
        resources_split.addWidget(self.unit_table)
        self.dock_resources = self._dock("resources", resources_split, Qt.DockWidgetArea.RightDockWidgetArea)
        self.dock_resources.hide()  # part of the emergency layout
        self.banner = Banner(18)
        self.banner_bar = QToolBar()
        self.banner_bar.setObjectName("emergencyBanner")
        self.banner_bar.setMovable(False)
        self.banner.show()  # inside a tool bar the bar's own visibility shows and hides it (Qt's rule)
        self.banner_bar.addWidget(self.banner)
        self.banner.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.banner_bar)
        self.banner_bar.hide()
        self.status = FeedStatusBar()
        self.statusBar().addPermanentWidget(self.status, 1)
        self.layouts = LayoutController(self, settings, self.operator.role.value,
                                        [self.dock_board, self.dock_chart, self.dock_queue], self.dock_resources,
                                        self.dock_queue, self.desk.record, self.queue.show_message)
        self.layouts.after_restore = self.banner_on_its_own_row
        self.wall_launcher = WallLauncher(state, source, clock, self.bridge, self.map, emergency,
                                          self._back_to_live, self.desk.record, scope, levels)
        self.walls: list[QWidget] = self.wall_launcher.walls
        setup_menus(self)
        self.actions = IncidentActions(self.queue, state, sender, self.refresh_pending, self, dispatch)
        self.alarm_panel = AlarmPanel(self.desk, state, clock, self.queue, self.incident_model, self.actions,
                                      self.sound, sender, self, self.refresh_pending)
        self.freshness_view = FreshnessView(self)

        self.bridge.changed.connect(self._on_changes)
        self.bridge.second.connect(self._on_second)
        self.board.tileActivated.connect(self.show_indicator)
        self.board.tileDrilled.connect(self._drill_to_tile)
        self.board.viewDrawn.connect(lambda: self.draw_pause.drawn("board"))
        self.board.tooltip_for = self._tile_tip
        self.map.areaClicked.connect(self.drill_to)
        self.drill_bar.areaChosen.connect(self.drill_to)
        self.drill_bar.followToggled.connect(self.queue.set_following)
        # Backspace goes up a level; a text field being typed in keeps its Backspace (Qt asks it first)
        self.back_shortcut = QShortcut(QKeySequence(Qt.Key.Key_Backspace), self, activated=self.drill_up)
        self.chart.rangeChanged.connect(lambda _s: self._refresh_chart())
        self.chart.regionChosen.connect(self._chart_region_chosen)
        self.queue.incidentSelected.connect(self.map.select_incident)
        self.map.incidentClicked.connect(self.select_incident)
        self._render_timer = QTimer(self)  # spreads tile re-renders over ticks (see VitalBoard)
        self._render_timer.setInterval(50)
        self._render_timer.timeout.connect(self.board.render_pending)
        self._render_timer.start()
        self.resize(1920, 1080)
        self.resizeDocks([self.dock_board, self.dock_queue], [430, 780], Qt.Orientation.Horizontal)
        self.resizeDocks([self.dock_chart], [300], Qt.Orientation.Vertical)
        self.retranslate()
        self.layouts.restore()
        self.unit_view = UnitView(state, self.map, self.unit_table, self.dock_resources)
        self.emergency_view = None if emergency is None else EmergencyView(
            emergency, self, state, self.layouts, self.act_emergency, self.banner_bar, self.banner,
            self.dock_resources, self.resources, self.map, self.show_indicator, self.queue.show_message,
            self.actions.dispatch)

    def banner_on_its_own_row(self) -> None:
        """The emergency banner spans the window on a row of its own, under any other tool bar: a saved
        arrangement (or a bar added later, the time-shift's) would put it beside another on one row,
        squeezed to a red sliver with its text gone."""
        shown = not self.banner_bar.isHidden()
        self.removeToolBar(self.banner_bar)
        self.addToolBarBreak(Qt.ToolBarArea.TopToolBarArea)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.banner_bar)
        self.banner_bar.setVisible(shown)

    # what the desk holds, under the window's names (tests and the app set a rule set, an audit log
    # or an escalator after construction)
    rules = property(lambda self: self.desk.rules, lambda self, v: setattr(self.desk, "rules", v))
    audit = property(lambda self: self.desk.audit, lambda self, v: setattr(self.desk, "audit", v))
    escalator = property(lambda self: self.desk.escalator, lambda self, v: setattr(self.desk, "escalator", v))
    flood = property(lambda self: self.desk.flood)
    sounds_held = property(lambda self: self.desk.sounds_held)

    # ---------------------------------------------------------------- building
    def _dock(self, name: str, widget: QWidget, area) -> QDockWidget:
        d = QDockWidget(self)
        d.setObjectName(f"dock_{name}")  # saveState keys docks by object name
        d.setWidget(widget)
        d.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                      | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                      | QDockWidget.DockWidgetFeature.DockWidgetClosable)
        self.addDockWidget(area, d)
        return d

    def retranslate(self) -> None:
        self.setWindowTitle(_t("城运态势台 CityOps Console"))
        retranslate_menus(self)
        self._title_board()
        self.dock_chart.setWindowTitle(_t("指标详情"))
        self.dock_queue.setWindowTitle(_t("事件队列"))
        self.dock_resources.setWindowTitle(_t("应急资源"))
        self.resources.set_headers([_t("处置单位"), _t("在办"), _t("最紧急事件")])
        if hasattr(self, "unit_view"):  # the first retranslate runs before it exists
            self.unit_view.retranslate()
        self.queue.retranslate()
        self.actions.retranslate()
        self.chart.retranslate()
        self.drill_bar.retranslate()
        self.board_model.english = self.english
        self._rebuild_board()
        self._show_drill_bar()
        self.incident_model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, self.incident_model.columnCount() - 1)
        self.incident_model.refresh_clocks()
        self.map.retranslate()

    def show_about(self):
        from console.ui.about_dialog import AboutDialog

        dlg = AboutDialog(lambda: self.source.health() if self.source is not None else [], self)
        dlg.setModal(False)
        dlg.show()
        return dlg

    def changeEvent(self, ev) -> None:
        if ev.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(ev)

    @property
    def english(self) -> bool:
        return is_english()

    def set_language(self, code: str) -> None:
        if self.language is not None:
            self.language.switch(code)  # installs the translator; Qt then sends LanguageChange
        (self.act_en if code == "en" else self.act_zh).setChecked(True)

    # ---------------------------------------------------------------- layouts and walls (their controllers)
    def save_layout(self) -> None:
        self.layouts.save()

    def reset_layout(self) -> None:
        self.layouts.reset()

    def export_layout(self, path: Path) -> None:
        self.layouts.export_file(path)

    def import_layout(self, path: Path) -> None:
        """Take a standard layout for this role (raises LayoutFileError with the reason)."""
        self.layouts.import_file(path)

    def open_wall(self, options=None) -> QWidget:
        """The big-screen wall from this console (on the second monitor when there is one)."""
        return self.wall_launcher.open(options)

    def _back_to_live(self) -> None:
        if self.timeshift is not None:
            self.timeshift.back_to_live()

    def closeEvent(self, ev) -> None:
        self.save_layout()
        self.wall_launcher.close_all()
        super().closeEvent(ev)
        self.closed.emit()

    # ---------------------------------------------------------------- live updates
    def _rebuild_board(self, same_view: bool = False) -> None:
        """Lay the view's tiles out anew (a drill, a catalog); `same_view`: new series came in, and when the
        tiles are the same ones they are only marked changed (their pixmaps and the chart stay)."""
        specs = self.board_model.specs(self.drill.current)
        self._n_series_seen = len(self.state.series_keys)
        if same_view and specs == self.board.specs:
            self.board.mark_changed([s.key for s in specs])
            return
        self.board.set_tiles(specs, self._tile_data, domain_title=lambda d: _label(DOMAIN_ZH.get(d, d)), keep=same_view)
        keys = [s.key for s in specs]
        if self.chart_key in keys:
            self.show_indicator(self.chart_key, self.chart_region)  # the same tile: the region picked stays
        elif keys:  # a new view: the same indicator when it has a tile here
            self.show_indicator(next((k for k in keys if self.chart_key and k[0] == self.chart_key[0]), keys[0]))

    # ---------------------------------------------------------------- drill-down
    def drill_to(self, code: str) -> bool:
        """Look at `code` (a district or street clicked on the map, a tile, a crumb): the map frames it, the
        board rolls up below it, the chart offers its regions, the queue may follow. False, with
        nothing moved, when it is outside the console's scope."""
        if not self.drill.drill_to(code):
            return False
        self._show_view()
        return True

    def drill_up(self) -> bool:
        """Back up one level (Backspace); never above the console's scope."""
        if not self.drill.up():
            return False
        self._show_view()
        return True

    def _show_view(self) -> None:
        view = self.drill.current
        # the feed (nothing dropped) and the periodic work wait while the new view is drawn
        shown = self.draw_pause.begin({"board", "map"})
        self.map.set_view(view, lambda: self.draw_pause.drawn("map", shown))
        self._rebuild_board()
        # the tiles in sight drawn over the next few frames, a slice at a time (widgets/vital_board.py)
        self.board.render_soon()
        self._title_board()
        self._show_drill_bar()
        self.queue.follow_area("" if level_of(view) is Level.CITY else view)

    def _title_board(self) -> None:
        view = self.drill.current
        where = "" if level_of(view) is Level.CITY else " · " + place_name(self.state, view, self.english)
        self.dock_board.setWindowTitle(_t("城市生命体征") + where)

    def _show_drill_bar(self) -> None:
        """The crumbs, the regions one level down with their colours, and their roll-up line over the board."""
        view, english = self.drill.current, self.english
        roll = self.state.region_status()
        below = child_statuses(self.state, view, roll)
        self.drill_bar.show_path([(c, place_name(self.state, c, english)) for c in self.drill.crumbs()],
                                 [(c, place_name(self.state, c, english), STATUS_COLOR[st]) for c, st in below.items()])
        r = rollup(self.state, view, roll)
        text = rollup_text(r, _label)
        self.board_rollup.setText(text)
        self.board_rollup.setToolTip(text)  # the whole line, when a narrow dock cuts it short
        self.board_rollup.setVisible(bool(text))
        self.board_rollup.set_color(STATUS_COLOR[r.worst if r.worst is not Status.NODATA else Status.NORMAL])

    def _drill_to_tile(self, key) -> None:
        region = self.board_model.region_shown(key)
        if region is not None and region != self.drill.current:
            self.drill_to(region)

    def _tile_tip(self, key) -> str:
        region = self.board_model.region_shown(key)
        if region is None or region == self.drill.current:
            return ""
        return _t("双击下钻到 {0}").format(place_name(self.state, region, self.english))

    def _on_changes(self, ch: Changes) -> None:
        if ch.reset:  # the state was rebuilt (a replay seek): every view starts over
            self.incident_model.reload()
            self.map.reload()
        if ch.catalog or len(self.state.series_keys) != self._n_series_seen:  # new tiles to lay out
            self._rebuild_board(same_view=not ch.catalog and not ch.reset)
            self.queue.refresh_choices()
        elif len(ch.series):
            keys = self.board_model.tiles_touched(ch.series)
            self.board.mark_changed(keys)
            drawn = self._chart_sid is not None and bool(np.any(ch.series == self._chart_sid))
            if self.chart_key in keys or drawn:
                # a chart of hours needs no more than one redraw a second (a time-shift's drag too: its
                # redraw was most of a step), and the last change is drawn when the second is up
                wait = 1.0 - (time.monotonic() - self._chart_drawn)
                if wait <= 0:
                    self._refresh_chart()
                elif not self._chart_due.isActive():
                    self._chart_due.start(int(wait * 1000) + 1)
        if ch.moved and not ch.reset:  # another instant: the rows that differ move, time-dependent levels again
            self.incident_model.reload()
        else:
            self.incident_model.apply_changes(ch)
        if ch.events:  # platform incidents here; console alarms count when announced (AlarmDesk.announce)
            self.desk.observe_incidents((self.state.incidents.open.get(eid) for eid in ch.events), self.clock.now())
        self.queue.refresh_selected_detail(ch.events)
        if ch.catalog:  # regions named (or new ones below the view)
            self._title_board()
            self._show_drill_bar()
        if self.queue.selected_id in ch.events:
            self.actions.refresh()
        self.map.apply_changes(ch)
        self.unit_view.apply_changes(ch)

    def _on_second(self) -> None:
        if self.draw_pause.defer("second", self._on_second):
            return
        health = self.source.health() if self.source is not None else []
        self.incident_model.refresh_clocks()
        self.status.show_health(health, self.clock.now(), self.english)
        self.freshness = self.freshness_view.show()
        self._show_drill_bar()  # the level below's colours and roll-up line
        # a past picture's breaches are not news
        self.alarm_panel.tick(live_picture=self.timeshift is None or not self.timeshift.shifted)
        if self.emergency_view is not None:
            self.emergency_view.tick()
        self.unit_view.tick()

    # ---------------------------------------------------------------- alarms (the desk decides, the panel shows)
    def _rules_due(self) -> None:
        if not self.draw_pause.defer("rules", self.evaluate_rules):
            self.evaluate_rules()

    def evaluate_rules(self) -> set[str]:
        """Run the console's discovery rules over the live city; returns the queue items changed."""
        if self.rules is None:
            return set()
        now = self.clock.live_now() if self.timeshift is not None else self.clock.now()
        health = self.source.health() if self.source is not None else []
        live = self.timeshift.live if self.timeshift is not None else self.state  # never a past picture
        return self.alarm_panel.evaluate(live, health, now)

    def silence(self, kind: str, target: str, reason: str, minutes: float):
        """Hold back new console items for a rule or a region, for a stated time, with a reason."""
        return self.alarm_panel.silence(kind, target, reason, minutes)

    def acknowledge_alarm(self, alarm_id: str) -> None:
        self.alarm_panel.acknowledge(alarm_id)

    def shelve_alarm(self, alarm_id: str, reason: str, minutes: float) -> None:
        self.alarm_panel.shelve(alarm_id, reason, minutes)

    def suppress_rules_by_design(self, rule_ids: set[str], reason: str) -> None:
        """Exactly these rules are suppressed by design (an empty set lifts it), e.g. by emergency mode."""
        self.desk.suppress_by_design(rule_ids, reason, self.clock.now())

    def set_muted(self, muted: bool) -> None:
        self.sound.muted = muted
        self.act_mute.setChecked(muted)
        self.desk.record("mute" if muted else "unmute", "breach_sound", {})

    def write_handover(self, hours: float = 8.0, path: Path | None = None) -> Path:
        """The shift report of the last `hours` as a PDF (in the data folder unless a path is given)."""
        import datetime as dt

        from console.incidents.handover import summarize
        from console.site.paths import data_dir
        from console.ui.handover_pdf import write_handover_pdf

        end = self.clock.now()
        stamp = dt.datetime.fromtimestamp(end, dt.timezone(dt.timedelta(hours=8))).strftime("%Y%m%d-%H%M")
        path = path or data_dir() / "reports" / f"handover-{stamp}.pdf"
        summary = summarize(self.state, self.incident_model.sla, end - hours * 3600, end, self.desk.operator_name,
                            self.rules, self.levels)
        if self.audit is not None:  # the next shift takes over a trail known to be whole (or told it is not)
            from console.incidents.audit_chain import verify

            summary.audit_chain = verify(self.audit.path).summary()
        write_handover_pdf(summary, path, self.state.region_label)
        self.desk.record("handover_report", str(path), {"opened": len(summary.opened), "open": len(summary.still_open),
                                                        "audit_chain": summary.audit_chain})
        self.queue.show_message(_t("交接班报告已生成：{0}").format(str(path)), "ok")
        return path

    # ---------------------------------------------------------------- the board and the chart
    def _tile_data(self, key):
        return self.board_model.data(key, self.clock.now())

    def show_indicator(self, key: tuple[str, str], region: str = "") -> None:
        """Select a tile and chart its indicator (a tile's click, the first tile, an emergency's hotline);
        the chart offers the view's regions that publish it, `region` the one picked ("": the tile's)."""
        self.chart_key, self.chart_region = key, region
        self.board.select(key)
        regions = self.board_model.series_in_view(key[0])
        self.chart.set_regions([(c, place_name(self.state, c, self.english)) for c in regions], region)
        self._refresh_chart()

    def _chart_region_chosen(self, region: str) -> None:
        self.chart_region = region
        self._refresh_chart()

    def _refresh_chart(self) -> None:
        if self.chart_key is None:
            return
        self._chart_due.stop()
        self._chart_drawn = time.monotonic()
        key = (self.chart_key[0], self.chart_region) if self.chart_region else self.chart_key
        d = self.board_model.data(key, self.clock.now())
        ind = self.state.indicators.get(key[0])
        self._chart_sid = d.sid
        if ind is None or d.sid is None:
            return
        last = float(self.state.rings.last_ts[d.sid])
        start = (last if math.isfinite(last) else self.clock.now()) - self.chart.range_s
        ts, vals = self.state.rings.series(d.sid, since=start)  # older minutes come as their min and max
        t, v = display_series(ts, vals, start, max_points=2 * max(400, self.chart.width()))
        fc = forecast(ts, vals, ind.warn, ind.alarm, ind.direction) if len(ts) >= 5 else None
        title = f"{ind.name_en if self.english else ind.name_zh} · {d.subtitle}"
        self.chart.show_series(title, unit_text(ind.unit, self.english), t, v, ind.warn, ind.alarm, ind.direction,
                               fc, d.forecast_text)
        usual = self.board_model.usual
        self.chart.show_usual(self.board_model.usual_band(d.sid, start, start + self.chart.range_s),
                              usual.basis_text(self.english) if usual is not None else "")

    # ---------------------------------------------------------------- incidents
    def _describe(self, event_id: str) -> str:
        ev = self.state.incidents.get(event_id) or self.state.console_alerts.get(event_id)
        if ev is None:
            return ""
        return describe(ev, lambda code: self.state.region_label(code, self.english), self.clock.now(),
                        unmask=self.operator.sees_personal_data, tr=_label, english=self.english)

    def refresh_pending(self) -> None:
        """Mark the incidents with commands awaiting the platform's answer (after a command, or back to live)."""
        if self.sender is not None:
            pending = self.sender.pending_by_event()
            self.incident_model.set_pending({eid: _action_label(op) for eid, op in pending.items()})

    def _district_choices(self) -> list[tuple[str, str]]:
        return area_choices(self.state, self.drill.crumbs(), self.english)

    def _domain_choices(self) -> list[tuple[str, str]]:
        domains = sorted({e.domain for e in self.state.incidents.open.values()} | set(DOMAIN_ZH) - {"other"})
        return [(d, _label(DOMAIN_ZH.get(d, d))) for d in domains]

    def select_incident(self, event_id: str) -> None:
        self.queue.select_incident(event_id)

    # ---------------------------------------------------------------- pictures
    def screenshot(self, path: Path) -> bool:
        path.parent.mkdir(parents=True, exist_ok=True)
        ok = self.grab().save(str(path), "PNG")
        log.info("screenshot %s: %s", "written" if ok else "FAILED", path)
        return ok
