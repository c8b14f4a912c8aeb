"""The big-screen wall (大屏模式): the whole city at a glance for the command hall, read from across
the room and left alone for days. No window chrome, no cursor, no dialogs; sizes come from the
panel's real size and the viewing distance (console/views/wall_scale.py); what it shows comes from
console/views/wall_model.py. A district or street centre's wall shows its own area: its views are about
the scope (views_for_scope), the map frames the view's region with its streets, and a line above the
map rolls up the level below ("12 街镇均正常 · 1 处预警"). The window only lays out and draws."""

from __future__ import annotations

import datetime as dt
import logging
import weakref
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QElapsedTimer, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QHBoxLayout, QSizePolicy, QStackedLayout, QVBoxLayout, QWidget

from console.feed.protocol import Level, Severity, Status
from console.feed.source import Source
from console.incidents.levels import LevelView
from console.model.areas import CITY_CODE, level_of
from console.model.city_state import Changes, CityState
from console.model.clock import Clock
from console.site.heap import collect_and_give_back
from console.ui.i18n import is_english
from console.views.area_rollup import place_name, rollup, rollup_text
from console.views.board_model import BoardModel
from console.views.labels import SEVERITY_COLOR, SEVERITY_ZH, STATUS_COLOR, format_age
from console.views.wall_model import (
    Carousel,
    WallConfig,
    WallView,
    count_open,
    freshness,
    headline_specs,
    top_incidents,
    views_for_scope,
)
from console.views.wall_scale import WallScale, panel_width_mm, wall_scale
from widgets.banner import Banner
from widgets.fit_label import FitLabel
from widgets.theme import BG, TEXT
from widgets.wall_headline import WallHeadline
from widgets.wall_incident_list import WallIncidentList, WallRow
from widgets.wall_top_bar import WallTopBar

log = logging.getLogger(__name__)
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
# body-text lines stacked top to bottom (line height included by wall_scale): two banners, the top
# line, the headline (caption, number, place), the list's header and three incidents of two lines
ROWS_NEEDED = 14.0
MAP_SHARE = 42  # percent of the width: the map's column; the headline and the list share the rest
RENEW_SETTLE_MS = 3000  # a renewed map page draws this long after it is ready before it is shown
RENEW_GIVE_UP_MS = 120_000  # ... and is dropped if it is not ready in this long
RENEW_GIVE_BACK_MS = 5000  # after the old page went: what its teardown freed is handed back to the system
LIST_ROWS_MIN = 2  # the incident list keeps room for this many rows before the headline takes a second row
# ... or for as many as it has to list, one at least (its "none" line): with no red or orange incident the
# list's empty room left two thirds of a 4K wall's right column blank under a single row of tiles
DEFAULT_DIAGONAL_IN = 55.0  # when the panel does not say how big it is


def _t(text: str) -> str:
    return QCoreApplication.translate("WallWindow", text)


def _label(text: str) -> str:
    return QCoreApplication.translate("Labels", text)


@dataclass(frozen=True, slots=True)
class WallOptions:
    screen: int | None = None  # which monitor (None: the primary)
    span: bool = False  # cover every monitor as one wall
    width_mm: float | None = None  # the glass width, when the panel misreports it
    diagonal_in: float | None = None  # or its diagonal
    distance_m: float = 5.0
    rotate: bool = True
    windowed: bool = False  # tests and screenshots: a plain window ...
    size: tuple[int, int] | None = None  # ... of this size
    renew_map_min: float = 30.0  # a new map page (and page process) this often; 0: never


def _hhmmss(ts: float | None) -> str:
    return "—" if ts is None else dt.datetime.fromtimestamp(ts, SHANGHAI).strftime("%H:%M:%S")


class WallWindow(QWidget):
    closed = Signal()

    def __init__(self, state: CityState, source: Source | None, clock: Clock, bridge, config: WallConfig,
                 options: WallOptions | None = None, map_widget: QWidget | None = None, scope: str = CITY_CODE,
                 levels: LevelView | None = None):
        super().__init__()
        self.setObjectName("CityOpsWall")
        self.scope = scope
        self.state, self.source, self.clock = state, source, clock
        self.config = views_for_scope(config, scope)
        self.levels = levels  # the console's level: the list holds what it handles (None: every incident)
        self.options = options or WallOptions()
        self.board = BoardModel(state)
        self.carousel = Carousel(self.config.views, self.config.dwell_s, self.options.rotate)
        self.emergency_text = ""
        self.emergency_regions: tuple[str, ...] = ()
        self._specs = []
        self._headline_rows = 2
        self._listed = 0  # incidents the list has to show (before it is cut to what fits)
        self.scale: WallScale | None = None

        # its own colours: a wall may run in a process without the workstation's style sheet
        self.setStyleSheet(f"QWidget#CityOpsWall {{ background: {BG}; }} QWidget {{ color: {TEXT}; }}")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setWindowFlag(Qt.WindowType.FramelessWindowHint, True)
        self.setCursor(Qt.CursorShape.BlankCursor)  # nobody points at a wall
        self.banner_emergency = Banner()
        self.banner_data = Banner()
        self.top = WallTopBar()
        self.headline = WallHeadline()
        self.incidents = WallIncidentList()
        self.map = map_widget
        # the list and the map take what height is left (never pushing the window past the screen)
        self.incidents.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Ignored)
        # the map's place holds the map on show and, while a renewed page loads, the new one under it
        self._map_slot = QWidget()
        self._map_slot.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Ignored)
        self._map_slot.setMinimumSize(0, 0)
        self._map_stack = QStackedLayout(self._map_slot)
        self._map_stack.setStackingMode(QStackedLayout.StackingMode.StackAll)
        self._renewing: QWidget | None = None
        self.rollup_line = FitLabel(12, TEXT, bold=True, shrink=True)  # its counts are never cut short
        self.rollup_line.setObjectName("wallRollup")
        # the map first: it takes the whole height below the top bar, beside the headline's two rows of
        # tiles and the incident list. Below a headline row across the screen it was a short, wide box
        # (1760x660 at 4K) where the city, taller than wide, filled a third and the names outgrew it
        left = QVBoxLayout()
        left.setContentsMargins(0, 0, 0, 0)
        left.addWidget(self.rollup_line)
        left.addWidget(self._map_slot, 1)
        self._left = left
        right = QVBoxLayout()
        right.setContentsMargins(0, 0, 0, 0)
        right.addWidget(self.headline)
        right.addWidget(self.incidents, 1)
        self._right = right
        body = QHBoxLayout()
        body.addLayout(left, MAP_SHARE)
        body.addLayout(right, 100 - MAP_SHARE)
        self._body = body
        lay = QVBoxLayout(self)
        for w in (self.banner_emergency, self.banner_data, self.top):
            lay.addWidget(w)
        lay.addLayout(body, 1)
        if map_widget is not None:
            self._adopt_map(map_widget)

        bridge.changed.connect(self._on_changes)
        bridge.second.connect(self.refresh_status)
        self._elapsed = QElapsedTimer()
        self._elapsed.start()
        self._tick = QTimer(self)  # the carousel's progress mark moves smoothly
        self._tick.setInterval(250)
        self._tick.timeout.connect(self._advance)
        self._tick.start()
        # Chromium's page process grows over hours of markers coming and going (docs/benchmarks.md, the
        # soak), in its own native memory, not in anything the page holds: a wall left for days is given
        # a new page, in a new process, swapped in when it has drawn, with no blank between
        self._renew_timer = QTimer(self)
        self._renew_timer.timeout.connect(self.renew_map)
        if self.options.renew_map_min > 0 and map_widget is not None and hasattr(map_widget, "twin"):
            self._renew_timer.start(int(self.options.renew_map_min * 60_000))
        self.show_view(self.carousel.current)

    # ---------------------------------------------------------------- the map's page, renewed
    def _adopt_map(self, m: QWidget) -> None:
        """Make `m` the wall's kind of map (no controls, the wall's area, no cursor) in the map's place."""
        m.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Ignored)
        m.setMinimumSize(0, 0)
        if hasattr(m, "set_wall_mode"):
            m.set_wall_mode(True)
        if hasattr(m, "set_area"):
            m.set_area(self.scope)  # the wall's area's incidents only
        m.setCursor(Qt.CursorShape.BlankCursor)
        m.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._map_stack.addWidget(m)

    def _maps(self) -> list[QWidget]:
        """The map on show and a renewed page loading under it: both kept current."""
        return [m for m in (self.map, self._renewing) if m is not None]

    def renew_map(self) -> None:
        """Build the map's page again in a new page process, under the one on show; it takes its place
        once it has drawn the whole picture (`_swap_map`), and the old page and its process go."""
        if self.map is None or not hasattr(self.map, "twin") or self._renewing is not None:
            return
        new = self.map.twin()
        self._renewing = new
        self._adopt_map(new)
        self._map_stack.setCurrentWidget(self.map)  # the old page stays on top while the new one loads
        new.setZoomFactor(self.map.zoomFactor())
        new.set_view(self.view.region or self.scope)
        new.focus_districts(list(self.emergency_regions) if self.emergency_text else [])
        # ready: the page has its picture sent; a few seconds more for its markers, names and heat to draw
        new.ready.connect(lambda: QTimer.singleShot(RENEW_SETTLE_MS, lambda: self._swap_map(new)))
        late = weakref.ref(new)  # the give-up timer must not keep a page that was swapped in (and later out) alive
        QTimer.singleShot(RENEW_GIVE_UP_MS, lambda: self._give_up_renewal(late()))

    def _swap_map(self, new: QWidget) -> None:
        if self._renewing is not new:
            return
        old, self.map, self._renewing = self.map, new, None
        self._map_stack.setCurrentWidget(new)
        self._map_stack.removeWidget(old)
        old.hide()
        old.deleteLater()  # the page and its profile with it: Chromium ends the page's process
        log.info("wall map renewed: a new page process")
        QTimer.singleShot(RENEW_GIVE_BACK_MS, self._give_back_memory)

    def _give_up_renewal(self, new: QWidget | None) -> None:
        """A new page that never became ready (its process failed to start): dropped, the map kept."""
        if new is None or self._renewing is not new:
            return
        self._renewing = None
        self._map_stack.removeWidget(new)
        new.hide()
        new.deleteLater()
        log.warning("wall map: a renewed page was not ready in %d s; the map on show is kept",
                    RENEW_GIVE_UP_MS // 1000)
        QTimer.singleShot(RENEW_GIVE_BACK_MS, self._give_back_memory)

    @staticmethod
    def _give_back_memory() -> None:
        """The memory the replaced page's teardown freed goes back to the system: without this the wall's
        own process kept the peak of two views (+11 MB at each of the first renewals, console/site/heap.py)."""
        done = collect_and_give_back()
        if done is not None:
            log.info("wall map renewal: %.1f MB freed memory given back (collection %.0f ms, trim %.1f ms)",
                     done["mb"], done["collect_ms"], done["trim_ms"], extra={"event": "memory_given_back", **done})

    # ---------------------------------------------------------------- placement and scale
    def target_geometry(self):
        screens = QGuiApplication.screens()
        if self.options.span and len(screens) > 1:
            geo = screens[0].geometry()
            for s in screens[1:]:
                geo = geo.united(s.geometry())
            return geo, sum(s.physicalSize().width() for s in screens)
        i = self.options.screen
        scr = screens[i] if i is not None and 0 <= i < len(screens) else QGuiApplication.primaryScreen()
        return scr.geometry(), scr.physicalSize().width()

    def place(self) -> None:
        """Full screen on the chosen monitor (or across all of them), or a window in tests."""
        if self.options.windowed or self.options.size:
            if self.options.size:
                self.resize(*self.options.size)
            self.show()
            return
        geo, _mm = self.target_geometry()
        self.setGeometry(geo)
        if self.options.span:
            self.show()  # a frameless window covering the monitors' union; full screen is one monitor
        else:
            self.showFullScreen()

    def width_mm(self) -> float:
        w, h = max(1, self.width()), max(1, self.height())
        if self.options.width_mm:
            return self.options.width_mm
        if self.options.diagonal_in:
            return panel_width_mm(self.options.diagonal_in, w, h)
        geo, mm = self.target_geometry()
        if mm and mm > 50 and geo.width() > 0:
            return mm * w / geo.width()
        return panel_width_mm(DEFAULT_DIAGONAL_IN, w, h)  # the panel did not report its size

    def apply_scale(self) -> None:
        s = wall_scale(self.width(), self.height(), self.width_mm(), self.options.distance_m, ROWS_NEEDED)
        if s == self.scale:
            return
        self.scale = s
        log.info("wall %dx%d: %s", self.width(), self.height(), s.describe())
        if not s.readable:
            log.warning("this panel is too small to be read at %g m: text shrunk to %.0f%%", s.distance_m,
                        s.shrink * 100)
        for b in (self.banner_emergency, self.banner_data):
            b.set_px(s.body_px)
        self.top.set_px(s.small_px, s.body_px, s.pad_px)
        self.headline.set_px(s.small_px, s.body_px, s.value_px, s.pad_px)
        self.incidents.set_px(s.small_px, s.body_px, s.pad_px)
        self.rollup_line.set_px(s.small_px)
        self._left.setSpacing(max(2, s.pad_px // 2))
        self._right.setSpacing(s.pad_px)
        self.layout().setContentsMargins(s.pad_px, s.pad_px, s.pad_px, s.pad_px)
        self.layout().setSpacing(s.pad_px)
        self._body.setSpacing(s.pad_px)
        for m in self._maps():
            if hasattr(m, "setZoomFactor"):
                # the map's labels and markers grow with the wall's text (Chromium allows 0.25–5)
                m.setZoomFactor(max(1.0, min(5.0, s.body_px / 22.0)))
        self.show_view(self.view)  # the headline's tiles chosen again for the new room

    def resizeEvent(self, ev) -> None:
        super().resizeEvent(ev)
        self.apply_scale()
        QTimer.singleShot(0, self.refresh_incidents)  # the list's capacity follows its new height

    # ---------------------------------------------------------------- views
    @property
    def view(self) -> WallView:
        return self.config.emergency_view if self.emergency_text else self.carousel.current

    def headline_columns(self) -> int:
        """Tiles that fit across the headline's column: a caption of about eight characters each."""
        if self.scale is None:
            return 3
        column = (self.width() - 3 * self.scale.pad_px) * (100 - MAP_SHARE) / 100
        return max(1, int(column / (8.5 * self.scale.small_px)))

    def headline_rows(self) -> int:
        """Two rows of tiles where the right column then still holds the list's first rows, else one:
        a banner up, or each tile's line against the typical day, can take the second row's room."""
        if self.scale is None:
            return 2
        pad = self.scale.pad_px
        above = [w for w in (self.banner_emergency, self.banner_data, self.top) if not w.isHidden()]
        room = self.height() - 2 * pad - sum(w.height() for w in above) - len(above) * pad
        keep = self.incidents.min_height(max(1, min(LIST_ROWS_MIN, self._listed)))
        return 2 if self.headline.height_for(2) + pad + keep <= room else 1

    def show_view(self, view: WallView) -> None:
        self._lay_headline(view)
        for m in self._maps():
            if hasattr(m, "set_view"):
                m.set_view(view.region or self.scope)  # a district's outline with its streets' points
                m.focus_districts(list(self.emergency_regions) if self.emergency_text else [])
        self.refresh_all()

    def _lay_headline(self, view: WallView) -> None:
        """The view's tiles in the rows the room allows now."""
        self._headline_rows = rows = self.headline_rows()
        cols = self.headline_columns()
        self.board.english = is_english()  # the tiles' names, units and place lines in the wall's language
        self._specs = headline_specs(self.board, self.state, view, self.scope)[:rows * cols]
        n = len(self._specs)
        self.headline.set_count(n, min(cols, -(-n // rows)))

    def _relay_if_room_changed(self) -> bool:
        """Lay the headline again when its rows no longer match the room (a banner, the tiles' typical-day
        line, the list's rows came or went); the map keeps its view. True when it did."""
        if self.headline_rows() == self._headline_rows:
            return False
        self._lay_headline(self.view)
        self.refresh_all()
        return True

    def _advance(self) -> None:
        dt_s = self._elapsed.restart() / 1000.0
        if not self.emergency_text and self.carousel.advance(dt_s):
            self.show_view(self.carousel.current)
        n = len(self.carousel.views)
        self.top.progress.set_progress(n, self.carousel.index, self.carousel.progress)
        self.top.progress.setVisible(self.carousel.rotate and n > 1 and not self.emergency_text)

    def set_emergency(self, text: str, regions: tuple[str, ...] = ()) -> None:
        """Emergency mode on (a banner text) or off (""): the wall holds the emergency view meanwhile."""
        self.emergency_text, self.emergency_regions = text, tuple(regions)
        if text:
            self.banner_emergency.show_message("emergency", text)
        else:
            self.banner_emergency.clear()
        self.show_view(self.view)

    # ---------------------------------------------------------------- data
    def _on_changes(self, ch: Changes) -> None:
        for m in self._maps():  # a renewed page loading under the map is kept as current as the map
            if hasattr(m, "apply_changes"):
                if ch.reset:
                    m.reload()
                m.apply_changes(ch)
        if ch.catalog or ch.reset or (len(ch.series) and not self._specs):
            self.show_view(self.view)  # new series: the headline may have more to show
            return
        if len(ch.series) and self.board.tiles_touched(ch.series):
            self.refresh_headline()
        if ch.events:
            self.refresh_incidents()

    def refresh_all(self) -> None:
        self.refresh_headline()
        self.refresh_incidents()
        self.refresh_status()

    def refresh_headline(self) -> None:
        now = self.clock.now()
        fresh = self._freshness(now)
        usual = self.board.usual  # a session always has one; its profiles come once typical days exist
        self.headline.set_usual_line(usual is not None and usual.profiles is not None)
        if self._relay_if_room_changed():  # the tiles' new line leaves the list too little room, or more
            return
        for spec, tile in zip(self._specs, self.headline.tiles, strict=False):
            d = self.board.data(spec.key, now)
            stale = d.stale or fresh.loud
            tile.show_data(spec.title, spec.unit, d.value_text, d.subtitle, d.status, d.trend, stale,
                           _t("数据停滞") if stale else "", d.usual_text if d.usual_basis >= 2 else "")

    def refresh_incidents(self) -> None:
        view, now, english = self.view, self.clock.now(), is_english()
        handles = None if self.levels is None else (lambda e: self.levels.handles(e, now))
        events = top_incidents(self.state, view, self.config.severities, limit=50, handles=handles)
        # level and age first: if the place is long, it is the place that gets cut short
        rows = [WallRow(" · ".join((_label(SEVERITY_ZH[e.severity]), format_age(now - e.created_ts, english),
                                    self._place(e.region, english))),
                        e.title, SEVERITY_COLOR[e.severity]) for e in events]
        n = count_open(self.state, view, handles)
        # the map shows every incident of the area; the header says which of them the list counts: this
        # level's (a city wall lists what the city handles) and the view's domains
        counted = _t("本级未结 红色 {0} · 橙色 {1}") if handles is not None else _t("未结 红色 {0} · 橙色 {1}")
        header = counted.format(n[Severity.RED], n[Severity.ORANGE])
        if view.domains:  # the view's name, as on the top bar: shorter than its domains listed
            header = f"{view.title(english)} · {header}"
        self._listed = len(rows)
        if self._relay_if_room_changed():  # the list's rows came or went: the headline's second row follows
            return
        self.incidents.show_rows(header, rows, _t("暂无红色、橙色事件"))

    def _place(self, code: str, english: bool) -> str:
        return place_name(self.state, code, english)

    def _freshness(self, now: float):
        health = self.source.health() if self.source is not None else []
        return freshness(self.state, health, now, self.config.stale_after_s)

    def refresh_status(self) -> None:
        now, english = self.clock.now(), is_english()
        view = self.view
        pos = "" if self.emergency_text or len(self.carousel.views) < 2 else \
            f"  {self.carousel.index + 1}/{len(self.carousel.views)}"
        where = "" if level_of(self.scope) is Level.CITY else place_name(self.state, self.scope, english) + " · "
        self.top.title.setText(_t("城运态势台") + " · " + where + view.title(english) + pos)
        region = view.region or self.scope
        r = rollup(self.state, region)
        text = rollup_text(r, _label)
        self.rollup_line.setText(f"{place_name(self.state, region, english)} · {text}" if text else "")
        self.rollup_line.set_color(STATUS_COLOR[r.worst if r.worst is not Status.NODATA else Status.NORMAL])
        self.top.clock.setText(_hhmmss(now))
        f = self._freshness(now)
        age = "" if f.age_s is None else format_age(f.age_s, english)
        if f.level == "live":
            self.top.show_freshness("● " + _t("实时 · 数据 {0}").format(_hhmmss(f.newest_ts)), True)
            self.banner_data.clear()
        else:
            self.top.show_freshness("● " + (_t("数据停滞") if f.level == "stale" else _t("数据中断")), False)
            if f.level == "down":
                text = _t("数据中断：{0} · 最后数据 {1}（{2}前）· 画面不是实时").format(
                    "、".join(f.feeds_down) or "—", _hhmmss(f.newest_ts), age or "—")
            else:
                text = _t("数据已 {0} 未更新（最后 {1}）· 画面不是实时").format(age or "—", _hhmmss(f.newest_ts))
            self.banner_data.show_message(f.level, text)
        if self._relay_if_room_changed():  # a banner came or went: the headline's second row follows the room
            return
        self.refresh_incidents()  # ages tick; the list is tens of rows, cheap once a second

    # ---------------------------------------------------------------- checks and pictures
    def text_labels(self) -> list[FitLabel]:
        """Every piece of text on the wall that is showing (tests check none is clipped or overlaps)."""
        return [w for w in self.findChildren(FitLabel) if w.isVisibleTo(self) and w.text()]

    def screenshot(self, path: Path) -> bool:
        path.parent.mkdir(parents=True, exist_ok=True)
        ok = self.grab().save(str(path), "PNG")
        log.info("wall screenshot %s: %s", "written" if ok else "FAILED", path)
        return ok

    def closeEvent(self, ev) -> None:
        super().closeEvent(ev)
        self.closed.emit()

    def keyPressEvent(self, ev) -> None:
        # a keyboard on the wall's machine can still leave it (an engineer, not the audience)
        if ev.key() == Qt.Key.Key_Escape and ev.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self.close()
            return
        super().keyPressEvent(ev)
