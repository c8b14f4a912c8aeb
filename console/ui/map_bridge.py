"""The city map in Qt WebEngine: the page is built once; CityState changes reach it as small JSON diffs
(district colours, a drilled district's street points, incident markers, crowd heat) as messages on a
QWebChannel (PageFeed). Clicks (an incident, a district, a street) come back as console messages. Requests to
anything but local files (and a configured tile server) are blocked. CityMapView is the CityMap a
window talks to (console/ui/city_map.py)."""

from __future__ import annotations

import json
import logging
import tempfile
from collections import deque
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, QTimer, QUrl, Signal, Slot
from PySide6.QtWebChannel import QWebChannel
from PySide6.QtWebEngineCore import (
    QWebEnginePage,
    QWebEngineProfile,
    QWebEngineSettings,
    QWebEngineUrlRequestInterceptor,
)
from PySide6.QtWebEngineWidgets import QWebEngineView

from console.feed.frames import Event
from console.feed.protocol import Level, Status
from console.model.areas import in_area, level_of
from console.model.city_state import Changes, CityState
from console.model.clock import Clock
from console.ui.i18n import is_english
from console.ui.map_units import MapUnits
from console.views.area_rollup import street_points
from console.views.labels import SEVERITY_ZH, STATE_ZH, STATUS_COLOR, STATUS_ZH
from console.views.map_page import MapOptions, build_page, js_literal, layer_json, log_problems, start_site_layers

log = logging.getLogger(__name__)
CROWD_INDICATOR = "crowd.density"
# incidents per call: a page's first 50,000 go in pieces, the next when the page has taken the last, so
# neither the GUI thread (building the markers) nor the page (taking them) has one long turn
INCIDENT_CHUNK = 1000


def _t(text: str) -> str:
    return QCoreApplication.translate("CityMap", text)


def _label(text: str) -> str:
    return QCoreApplication.translate("Labels", text)


class OfflineGuard(QWebEngineUrlRequestInterceptor):
    """Blocks every request that is not a local file (or the configured tile server), and counts them."""

    def __init__(self, allowed_prefix: str | None = None, parent=None):
        super().__init__(parent)
        self.allowed_prefix = allowed_prefix
        self.blocked: list[str] = []

    def interceptRequest(self, info) -> None:
        url = info.requestUrl().toString()
        if url.startswith(("file:", "qrc:", "data:", "blob:", "about:")):
            return
        if self.allowed_prefix and url.startswith(self.allowed_prefix):
            return
        self.blocked.append(url[:200])
        info.block(True)


class MapPage(QWebEnginePage):
    message = Signal(dict)

    def javaScriptConsoleMessage(self, level, text: str, line: int, source: str) -> None:
        if text.startswith("cityops:"):
            try:
                obj = json.loads(text[len("cityops:"):])
            except ValueError:
                return
            if isinstance(obj, dict):
                self.message.emit(obj)
        elif level == QWebEnginePage.JavaScriptConsoleMessageLevel.ErrorMessageLevel:
            log.warning("map page: %s (%s:%d)", text[:300], source[-60:], line)


class PageFeed(QObject):
    """The console's calls into the page, as messages on a QWebChannel (resources/map/page_feed.js):
    [target, call, payload, answer id]. One handler in the page, compiled once; a script per call (as
    runJavaScript had it) left the page's process native memory for every script it ran."""

    deliver = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._answers: dict[int, Callable[[object], None]] = {}
        self._next = 0

    def send(self, target: str, call: str, payload, callback: Callable[[object], None] | None = None) -> None:
        ident = -1
        if callback is not None:
            ident = self._next = self._next + 1
            self._answers[ident] = callback
        self.deliver.emit(f'["{target}","{call}",{js_literal(payload)},{ident}]')

    def mark(self, callback: Callable[[object], None]) -> None:
        """`callback` is called once the page has handled every call sent before this."""
        self.send("map", "", None, callback)

    def drop_answers(self) -> list[Callable[[object], None]]:
        """The callbacks still waiting (a page reloaded or replaced answers none of them)."""
        waiting, self._answers = list(self._answers.values()), {}
        return waiting

    @Slot(int, str)
    def answer(self, ident: int, text: str) -> None:
        callback = self._answers.pop(ident, None)
        if callback is None:
            return
        try:
            value = json.loads(text)
        except ValueError:
            value = None
        callback(value)


class CityMapView(QWebEngineView):
    incidentClicked = Signal(str)
    areaClicked = Signal(str)  # a district's outline or a street's point: the window drills to it
    unitClicked = Signal(str)  # a dispatch unit's badge
    ready = Signal()
    layerArrived = Signal(str)  # (layer name) a site layer read after the page was built is on the map now

    def __init__(self, state: CityState, clock: Clock, options: MapOptions | None = None, parent=None):
        super().__init__(parent)
        self.state, self.clock = state, clock
        self.options = options or MapOptions()
        tile_prefix = self.options.tile_url.split("{")[0] if self.options.tile_url else None
        self.guard = OfflineGuard(tile_prefix, self)
        # An off-the-record profile (Chromium writes nothing to disk) owned by this view. It must die
        # after the page: Qt crashes at exit when a profile goes first. Children are deleted in the
        # order they were adopted, so the page is adopted before the profile.
        profile = QWebEngineProfile()
        profile.setUrlRequestInterceptor(self.guard)
        self._page = MapPage(profile, self)
        profile.setParent(self)
        self._profile = profile
        s = self._page.settings()
        s.setAttribute(QWebEngineSettings.WebAttribute.LocalContentCanAccessFileUrls, True)
        s.setAttribute(QWebEngineSettings.WebAttribute.LocalContentCanAccessRemoteUrls, bool(tile_prefix))
        self.setPage(self._page)
        self._page.message.connect(self._on_message)
        self._feed = PageFeed(self)
        self._channel = QWebChannel(self._page)
        self._channel.registerObject("cityopsFeed", self._feed)
        self._page.setWebChannel(self._channel)
        self._dir = tempfile.TemporaryDirectory(prefix="cityops-map-")
        # the site's layers: those the cache has are drawn from the start; a file read for the first time
        # (seconds for a big one) is read in a child process and joins the map when it is ready
        reads = dict(enumerate(start_site_layers(self.options, Path(self._dir.name))))
        now = {i: f.result() for i, f in reads.items() if f.done()}
        for layer in now.values():
            log_problems(layer)
        self._reading = {i: f for i, f in reads.items() if i not in now}
        self._late_layers: list[dict] = []  # read after the page was built: sent at every page (re)load
        self._read_timer = QTimer(self, interval=200)
        self._read_timer.timeout.connect(self._poll_reads)
        if self._reading:
            self._read_timer.start()
        self.page_path: Path = build_page(Path(self._dir.name), self.options, now)
        self.is_ready = False
        self._focus: list[str] = []
        self.wall_mode = False  # no controls on the page: a wall is looked at, not touched
        self._markers: set[str] = set()
        self._incident_queue: deque[list[str]] = deque()  # ids still to send, in pieces (INCIDENT_CHUNK)
        self._incident_in_flight = False  # a piece is with the page: the next waits for its answer
        self._district_status: dict[str, str] = {}
        self._view = "310000"  # the region the map frames (console/views/drill.py)
        self._area = "310000"  # the incidents shown lie inside it (the console's scope)
        self._street_status: dict[str, str] = {}  # the streets drawn, with the status last sent
        self._cell_status: dict[str, str] = {}  # every street's status last sent to the street cells
        self._heat_sent = 0.0
        self.freshness: tuple[bool, str] = (False, "")
        self._fresh_sent: tuple[bool, str] | None = None
        self.diffs_sent = 0
        self.units = MapUnits(self.js, state)
        self.load(QUrl.fromLocalFile(str(self.page_path)))

    # ---------------------------------------------------------------- page -> console
    def _on_message(self, obj: dict) -> None:
        if obj.get("ready"):
            self.is_ready = True
            for waiting in self._feed.drop_answers():  # asked of the page before it (re)loaded: never answered
                waiting(None)
            self.retranslate()
            self._send_all()
            if self._focus:
                self.js("focus", self._focus)
            if self.wall_mode:
                self.js("wall", True)
            for payload in self._late_layers:
                self.gis_js("addLayer", payload)
            self.ready.emit()
        elif isinstance(obj.get("select"), str):
            self.incidentClicked.emit(obj["select"])
        elif isinstance(obj.get("area"), str):
            self.areaClicked.emit(obj["area"])
        elif isinstance(obj.get("unit"), str):
            self.unitClicked.emit(obj["unit"])

    def _poll_reads(self) -> None:
        """A site layer read in the background is done: its problems logged, the layer to the page."""
        for i, f in [(i, f) for i, f in self._reading.items() if f.done()]:
            del self._reading[i]
            layer = f.result()
            log_problems(layer)
            if layer.count:
                payload = layer_json(layer, i)
                self._late_layers.append(payload)
                if self.is_ready:
                    self.gis_js("addLayer", payload)
            self.layerArrived.emit(layer.spec.name)
        if not self._reading:
            self._read_timer.stop()

    @property
    def layers_reading(self) -> int:
        """How many site layers are still being read."""
        return len(self._reading)

    # ---------------------------------------------------------------- console -> page
    def js(self, call: str, payload, callback=None) -> None:
        """Call `cityops.<call>(payload)` with `payload` as JSON, a message on the page's channel (PageFeed);
        `callback` gets the call's answer."""
        self.diffs_sent += 1
        self._feed.send("map", call, payload, callback)

    def retranslate(self) -> None:
        if not self.is_ready:
            return
        lang = "en" if is_english() else "zh"
        legend = [[STATUS_COLOR[s], _label(STATUS_ZH[s])] for s in (Status.NORMAL, Status.WARN, Status.ALARM)]
        # water and street cells (gis_layers.js): schematic cells are a Voronoi of points, and the page says so
        self.js("setLabels", {"districts": _t("区域状态"), "incidents": _t("事件"), "heat": _t("人群热力"),
                              "labels": _t("区名"), "lang": lang, "legend": legend, "water": _t("水系与海岸"),
                              "cells": _t("街镇"), "cellsSchematic": _t("街镇（示意）"),
                              "cellsNote": _t("街镇分区为示意，非行政边界")})
        self._markers.clear()
        self._send_incidents(set(self.state.incidents.open))
        self._send_view()  # street names in the new language
        self.units.send_all()  # kinds and states in the new language

    def _marker(self, ev: Event) -> dict | None:
        if ev.location is None or not in_area(ev.region, self._area):
            return None
        meta = (f"{_label(SEVERITY_ZH[ev.severity])} · {_label(STATE_ZH[ev.state])} · "
                f"{self.state.region_label(ev.region, is_english())}\n{ev.id}")
        out = {"id": ev.id, "lat": ev.location[0], "lon": ev.location[1], "sev": ev.severity.value,
               "title": ev.title, "meta": meta}
        if ev.area is not None:  # a warning's area (CAP <area>), drawn under its marker
            out["area"] = ev.area.to_wire()
        return out

    def _send_all(self) -> None:
        self._fresh_sent = None  # a reloaded page starts live-looking: say it again
        self.set_freshness(*self.freshness)
        self._district_status = {}
        self._cell_status = {}
        self._markers.clear()
        self._incident_queue.clear()  # every open incident is queued again below
        self._incident_in_flight = False
        self._send_districts()
        self._send_view()
        self._send_incidents(set(self.state.incidents.open))
        self._send_heat(force=True)
        self.units.send_all()

    def _send_districts(self) -> None:
        """District colours and the drawn streets' colours, each only when changed."""
        roll = self.state.region_status()
        diff = {}
        for code, r in self.state.regions.items():
            if r.level != "district":
                continue
            st = roll.get(code, Status.NODATA).value
            if self._district_status.get(code) != st:
                diff[code] = st
        if diff:
            self._district_status.update(diff)
            self.js("setDistrictStatus", diff)
        streets = {c: st for c, old in self._street_status.items()
                   if (st := roll.get(c, Status.NODATA).value) != old}
        if streets:
            self._street_status.update(streets)
            self.js("setStreetStatus", streets)
        self._send_cells(roll)

    def _send_cells(self, roll) -> None:
        """Every street's status for the street cells (zoomed in, all districts' show), each only when changed."""
        cells = {}
        for code, r in self.state.regions.items():
            if r.level == "street" and self._cell_status.get(code) != (st := roll.get(code, Status.NODATA).value):
                cells[code] = st
        if cells:
            self._cell_status.update(cells)
            self.gis_js("setCellStatus", cells)

    def when_handled(self, callback: Callable[[object], None]) -> None:
        """`callback` runs once the page has handled every call made so far (they travel on the page's
        channel, apart from runJavaScript: a test or benchmark reading the page waits for this first)."""
        self._feed.mark(callback)

    def gis_js(self, call: str, payload) -> None:
        """Call `cityopsGis.<call>(payload)` (resources/map/gis_layers.js), as js() calls cityops."""
        self.diffs_sent += 1
        self._feed.send("gis", call, payload)

    def _send_view(self, answered: Callable[[object], None] | None = None) -> None:
        code = self._view
        level = level_of(code)
        region = self.state.regions.get(code)
        pts = street_points(self.state, code, self.state.region_status(), is_english())
        self._street_status = {p["code"]: p["st"] for p in pts}
        point = list(region.centroid) if level is Level.STREET and region and region.centroid else None
        self.js("setView", {"code": code, "district": None if level is Level.CITY else code[:6], "point": point,
                            "streets": pts}, answered)

    def _view_streets_changed(self) -> bool:
        pts = street_points(self.state, self._view, {}, is_english())
        return {p["code"] for p in pts} != set(self._street_status)

    def _send_incidents(self, ids: set[str]) -> None:
        """Draw, move or remove these incidents. A few go at once; many (a page's first 50,000), or any
        while pieces are still queued, go in order in pieces of INCIDENT_CHUNK, each built from the state
        as it is when sent (a piece never carries an incident's older version)."""
        if not self._incident_queue and not self._incident_in_flight and len(ids) <= INCIDENT_CHUNK:
            self._send_incident_piece(ids)
            return
        order = list(ids)
        self._incident_queue.extend(order[i:i + INCIDENT_CHUNK] for i in range(0, len(order), INCIDENT_CHUNK))
        if not self._incident_in_flight:
            self._next_incident_piece()

    def _next_incident_piece(self) -> None:
        """Send queued pieces until one goes to the page; the next waits for the page's answer to it."""
        while self._incident_queue and not self._incident_in_flight:
            self._incident_in_flight = self._send_incident_piece(self._incident_queue.popleft(),
                                                                 self._incident_piece_taken)

    def _incident_piece_taken(self, _answer) -> None:
        self._incident_in_flight = False
        self._next_incident_piece()

    def _send_incident_piece(self, ids, answered=None) -> bool:
        """Send these incidents; True when a call went (then `answered` is called with its answer)."""
        upsert, remove = [], []
        for eid in ids:
            ev = self.state.incidents.open.get(eid)
            m = self._marker(ev) if ev is not None else None
            if m is not None:
                upsert.append(m)
                self._markers.add(eid)
            elif eid in self._markers:
                remove.append(eid)
                self._markers.discard(eid)
        if remove:
            self.js("removeIncidents", remove, None if upsert else answered)
        if upsert:
            self.js("upsertIncidents", upsert, answered)
        return bool(remove or upsert)

    def _send_heat(self, force: bool = False) -> None:
        now = self.clock.now()
        if not force and now - self._heat_sent < 5.0:
            return
        self._heat_sent = now
        ind = self.state.indicators.get(CROWD_INDICATOR)
        if ind is None:
            return
        pts = []
        scale = ind.alarm or 1.0
        for ind_id, reg in self.state.series_keys:
            if ind_id != CROWD_INDICATOR:
                continue
            latest, region = self.state.latest(ind_id, reg), self.state.regions.get(reg)
            if latest is None or region is None or region.centroid is None:
                continue
            pts.append([region.centroid[0], region.centroid[1], round(min(1.0, latest[1] / scale), 3)])
        self.js("setHeat", pts)

    def apply_changes(self, ch: Changes) -> None:
        if not self.is_ready:
            return
        if ch.catalog and self._view_streets_changed():
            self._send_view()  # regions named after the page was ready: the viewed district's streets exist now
        if len(ch.series) or ch.catalog:
            self._send_districts()
            self._send_heat()
        if ch.events:
            self._send_incidents(ch.events)
        if ch.units:
            self.units.send(ch.units)

    def reload(self) -> None:
        """The state was rebuilt: drop every marker and send the picture again."""
        if self.is_ready and self._markers:
            self.js("removeIncidents", sorted(self._markers))
        self._send_all()

    def select_incident(self, event_id: str) -> None:
        if self.is_ready:
            self.js("select", event_id)

    def select_unit(self, unit_id: str) -> None:
        """Ring the unit the resources dock selected and bring it into view."""
        if self.is_ready:
            self.js("selectUnit", unit_id)

    def set_freshness(self, marked: bool, text: str) -> None:
        """Not live: the map greyed and hatched with the age said (console.views.freshness); sent on change."""
        self.freshness = (marked, text)
        if self.is_ready and self._fresh_sent != self.freshness:
            self._fresh_sent = self.freshness
            self.js("setFreshness", {"marked": marked, "text": text})

    def set_wall_mode(self, on: bool) -> None:
        self.wall_mode = on
        if self.is_ready:
            self.js("wall", on)

    def twin(self) -> CityMapView:
        """Another view of the same city with the same options (a wall's map: each view keeps its own page)."""
        twin = CityMapView(self.state, self.clock, self.options)
        twin.set_area(self._area)
        return twin

    def set_view(self, code: str, shown: Callable[[], None] | None = None) -> None:
        """Frame this region (the drilled view): the city, a district with its streets' points, or a
        street's seat among its neighbours; kept across a page reload. `shown` is called when the page
        has framed it (its answer), or at once before the page is ready (it frames the view when it is)."""
        self._view = code
        if self.is_ready:
            self._send_view(None if shown is None else lambda _answer: shown())
        elif shown is not None:
            shown()

    def set_area(self, code: str) -> None:
        """Show only the incidents inside `code` (the console's scope); markers outside it are removed."""
        if code == self._area:
            return
        self._area = code
        if self.is_ready:
            self._send_incidents(set(self.state.incidents.open) | self._markers)

    def focus_districts(self, codes: list[str]) -> None:
        """Zoom to these districts and outline them (empty: the whole city); kept across a page reload."""
        self._focus = list(codes)
        if self.is_ready:
            self.js("focus", self._focus)
