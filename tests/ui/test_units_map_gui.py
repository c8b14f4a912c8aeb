"""Dispatch units on the real map page (offscreen): a unit moves on the map with its 15-minute trail, its
badge and trail changed in place (the page holds the same two layers, the badges' canvas and the trails',
however many units and however long the shift); its name shows literally; a click on its badge selects
its row in the resources dock, and a row picked there rings the unit (its ring's colour read from the
screen) and brings it into view."""

import json

import pytest
from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest

pytest.importorskip("PySide6.QtWebEngineWidgets")

from console.feed.frames import Unit, UnitFrame
from console.feed.protocol import UnitKind, UnitState
from console.model.clock import Clock
from console.simulator.sample_shift import simulate_shift
from console.ui.main_window import MainWindow
from console.ui.map_bridge import CityMapView
from console.views.labels import UNIT_GLYPH_ZH, UNIT_STATE_COLOR
from tests.ui.page_js import MAP_VAR, js_value
from tests.ui.screen_colour import colour_in

HOSTILE = '<img src=x onerror="document.title=\'pwned\'">救援车'


@pytest.fixture(scope="module")
def shift():
    return simulate_shift(0.2, incident_rate_per_min=1, auto_handle=0.3)


def make_window(qtbot, tmp_path, shift):
    state, _, end = shift
    clock = Clock()
    clock.set_fixed(end)
    view = CityMapView(state, clock)
    win = MainWindow(state, None, clock, QSettings(str(tmp_path / "l.ini"), QSettings.Format.IniFormat),
                     map_widget=view)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: view.is_ready, timeout=30_000)
    return state, win, view, end


def units_on_page(qtbot, view) -> dict:
    return json.loads(js_value(qtbot, view, "JSON.stringify(cityops.unitState())"))


RING = QColor("#00b3ff")  # the selected badge's ring (city_units.js); en route's fill #0090ff is 35 away


def pixels_of(view, x, y, colour: QColor) -> int:
    """How many pixels of `colour` the screen shows within 20 px of (x, y)."""
    return colour_in(view, {"left": x - 20, "top": y - 20, "right": x + 21, "bottom": y + 21}, colour, 12)


def report(uid, ts, lat, lon, state=UnitState.EN_ROUTE, name="消防 1号车", kind=UnitKind.FIRE):
    return Unit(uid, name, kind, lat, lon, state, ts, "SH-1")


def feed(state, win, *units):
    state.apply("city", UnitFrame(tuple(units)))
    win.bridge.flush()


def test_a_unit_moves_with_its_trail_in_place_and_its_name_shows_literally(qtbot, tmp_path, shift):
    state, win, view, end = make_window(qtbot, tmp_path, shift)
    feed(state, win, report("U1", end, 31.10, 121.30), report("U2", end, 31.30, 121.60, UnitState.AVAILABLE,
                                                               name=HOSTILE, kind=UnitKind.POLICE))
    qtbot.waitUntil(lambda: len(units_on_page(qtbot, view)["units"]) == 2, timeout=10_000)
    for k in range(1, 121):  # 20 minutes of a unit driving north-east, a report every 10 s
        feed(state, win, report("U1", end + 10 * k, 31.10 + k * 1e-3, 121.30 + k * 5e-4))
    lat, lon = 31.10 + 120e-3, 121.30 + 120 * 5e-4
    qtbot.waitUntil(lambda: abs(units_on_page(qtbot, view)["units"]["U1"]["lat"] - lat) < 1e-9, timeout=10_000)
    page = units_on_page(qtbot, view)
    u1 = page["units"]["U1"]
    assert abs(u1["lon"] - lon) < 1e-9
    assert page["layers"] == 2 and page["trailLines"] == 1  # the badges' canvas and the trails', for all
    # and in the DOM: one canvas in each of the two panes, no element per unit
    dom = js_value(qtbot, view, "JSON.stringify(['cityopsUnits','cityopsTrails'].map(function(p){"
                                "return document.querySelector('.leaflet-'+p+'-pane').children.length;}))")
    assert json.loads(dom) == [1, 1]
    # the page's trail is the book's: its last 15 minutes (91 reports 10 s apart), no more
    assert u1["trail"] == len(state.units.trail("U1")) == 91
    assert u1["glyph"] == UNIT_GLYPH_ZH[UnitKind.FIRE] and u1["color"] == UNIT_STATE_COLOR[UnitState.EN_ROUTE]
    feed(state, win, report("U1", end + 1300, lat, lon, UnitState.ON_SCENE))  # arrived: its badge changes colour
    qtbot.waitUntil(lambda: units_on_page(qtbot, view)["units"]["U1"]["color"]
                    == UNIT_STATE_COLOR[UnitState.ON_SCENE], timeout=10_000)
    assert units_on_page(qtbot, view)["layers"] == 2
    # the hostile name is text in the tooltip: no image made, nothing run
    text = js_value(qtbot, view, "(function(){var n=0;document.querySelectorAll('img').forEach(function(i){"
                                 "if(i.getAttribute('src')==='x')n++;});return JSON.stringify([n,document.title]);})()")
    assert json.loads(text) == [0, "cityops-ready"]
    view.select_unit("U2")
    tip = js_value(qtbot, view, "(function(){var t=document.querySelector('.leaflet-tooltip-pane').textContent;"
                                "return t;})()")
    assert HOSTILE in tip


def test_the_map_and_the_resources_dock_select_each_other(qtbot, tmp_path, shift):
    state, win, view, end = make_window(qtbot, tmp_path, shift)  # the shift's state is shared: other ids
    # the incidents' layer off: a cluster must not sit on the badge clicked
    js_value(qtbot, view, "(function(){var l=Array.from(document.querySelectorAll("
                          "'.leaflet-control-layers-overlays label')).find(function(x){return x.textContent"
                          ".indexOf('事件')>=0;}); l.querySelector('input').click(); return 1;})()")
    feed(state, win, report("V1", end, 31.05, 121.25), report("V2", end, 31.35, 121.75, UnitState.AVAILABLE))
    qtbot.waitUntil(lambda: {"V1", "V2"} <= units_on_page(qtbot, view)["units"].keys(), timeout=10_000)
    assert not win.dock_resources.isVisible()  # part of the emergency layout: hidden until asked for
    u2 = units_on_page(qtbot, view)["units"]["V2"]
    target, pos = view.focusProxy(), QPoint(round(u2["x"]), round(u2["y"]))
    with qtbot.waitSignal(view.unitClicked, timeout=10_000) as sig:
        QTest.mouseMove(target, pos)
        QTest.mousePress(target, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pos)
        QTest.mouseRelease(target, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pos)
    assert sig.args == ["V2"]
    assert win.dock_resources.isVisible() and win.unit_table.selected_unit() == "V2"
    assert units_on_page(qtbot, view)["selected"] is None  # the map is not sent back what it said
    # a row picked in the dock: the map rings that unit and centres on it
    row = next(i for i in range(win.unit_table.rowCount()) if win.unit_table.item(i, 0).text() == "消防 1号车"
               and win.unit_table.item(i, 0).data(Qt.ItemDataRole.UserRole) == "V1")
    win.unit_table.selectRow(row)
    qtbot.waitUntil(lambda: units_on_page(qtbot, view)["selected"] == "V1", timeout=10_000)
    v1 = units_on_page(qtbot, view)["units"]["V1"]
    qtbot.waitUntil(lambda: pixels_of(view, v1["x"], v1["y"], RING) > 20, timeout=10_000)  # ringed on screen
    v2 = units_on_page(qtbot, view)["units"]["V2"]
    assert pixels_of(view, v2["x"], v2["y"], RING) == 0  # only the one picked
    # in view, closer than the city's frame (the dock shown beside the map may have moved it off centre)
    seen = json.loads(js_value(qtbot, view, "(function(){var m=" + MAP_VAR + ";return JSON.stringify("
                                            "[m.getBounds().contains([31.05,121.25]),m.getZoom()]);})()"))
    assert seen == [True, 12]


def test_a_badge_is_drawn_where_its_unit_is_after_the_view_changes(qtbot, tmp_path, shift):
    state, win, view, end = make_window(qtbot, tmp_path, shift)
    purple = QColor(UNIT_STATE_COLOR[UnitState.ON_SCENE])  # on scene: no district, street or incident has it
    feed(state, win, report("W1", end, 31.20, 121.45, UnitState.ON_SCENE))
    qtbot.waitUntil(lambda: "W1" in units_on_page(qtbot, view)["units"], timeout=10_000)

    def jump(lat, lon, zoom):  # clear of the map's notes and legend at the lower left
        js_value(qtbot, view, f"(function(){{{MAP_VAR}.setView([{lat},{lon}],{zoom},{{animate:false}});return 1;}})()")
        return units_on_page(qtbot, view)["units"]["W1"]

    before = jump(31.195, 121.455, 13)  # at a district's zoom: a full badge
    qtbot.waitUntil(lambda: pixels_of(view, before["x"], before["y"], purple) > 20, timeout=10_000)
    after = jump(31.207, 121.458, 14)  # a street's zoom elsewhere, the unit still in view
    assert abs(after["x"] - before["x"]) + abs(after["y"] - before["y"]) > 100
    qtbot.waitUntil(lambda: pixels_of(view, after["x"], after["y"], purple) > 20, timeout=10_000)
    assert pixels_of(view, before["x"], before["y"], purple) == 0  # not left behind
