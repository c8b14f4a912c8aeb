"""Drill-down in the workstation window, offscreen with the real map page: a click on a district (a real
mouse click on the page) or a double-click on a tile drills the map, the board, the chart and the
breadcrumb down; a street's point drills further; Backspace and the crumbs come back up to the scope
and no further. A district console starts framed on its district and cannot leave it."""

import json
import re

import pytest
from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtTest import QTest

pytest.importorskip("PySide6.QtWebEngineWidgets")

from console.feed.protocol import Status
from console.model.clock import Clock
from console.simulator.sample_shift import simulate_shift
from console.ui.incident_model import EVENT_ID_ROLE
from console.ui.main_window import DRILL_HOLD_S, MainWindow
from console.ui.map_bridge import CityMapView
from console.views.board_model import WORST
from tests.ui.noting_feed import NotingFeed
from tests.ui.page_js import MAP_VAR, js_value

XUHUI, HUANGPU, XUJIAHUI = "310104", "310101", "310104014"


@pytest.fixture(scope="module")
def shift():
    return simulate_shift(1.0, incident_rate_per_min=3, auto_handle=0.3)


def make_window(qtbot, tmp_path, shift, scope="310000"):
    state, _, end = shift
    clock = Clock()
    clock.set_fixed(end)
    view = CityMapView(state, clock)
    win = MainWindow(state, None, clock, QSettings(str(tmp_path / "l.ini"), QSettings.Format.IniFormat),
                     map_widget=view, scope=scope)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: view.is_ready, timeout=30_000)
    return state, win, view


def map_state(qtbot, view) -> dict:
    return json.loads(js_value(qtbot, view, "JSON.stringify(cityops.viewState())"))


def crumbs(win) -> list[str]:
    return [b.text() for b in win.drill_bar.crumbs]


def click_on_map(qtbot, view, lat: float, lon: float) -> None:
    """A real left click where (lat, lon) is drawn: Qt's mouse events into Chromium, Leaflet's own hit test."""
    x, y = json.loads(js_value(qtbot, view, f"(function(){{var p={MAP_VAR}.latLngToContainerPoint([{lat},{lon}]);"
                                            f"return JSON.stringify([p.x,p.y]);}})()"))
    target, pos = view.focusProxy(), QPoint(round(x), round(y))  # Chromium's own widget takes the input
    QTest.mouseMove(target, pos)
    QTest.mousePress(target, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pos)
    QTest.mouseRelease(target, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pos)


def test_a_click_on_a_district_drills_everything_down_and_backspace_comes_back(qtbot, tmp_path, shift):
    state, win, view = make_window(qtbot, tmp_path, shift)
    city = map_state(qtbot, view)
    assert city["code"] == "310000" and city["streets"] == {} and crumbs(win) == ["上海市"]
    assert re.search(r"\d+ 区均?正常|处", win.board_rollup.full_text())
    # a real click on Xuhui's seat (inside its outline), with the incidents' layer switched off at the map's
    # own layer control first: district-level incidents sit around the seat, and a click on one opens it
    js_value(qtbot, view, "(function(){var l=Array.from(document.querySelectorAll("
                          "'.leaflet-control-layers-overlays label')).find(function(x){return x.textContent"
                          ".indexOf('事件')>=0;}); l.querySelector('input').click(); return 1;})()")
    lat, lon = state.regions[XUHUI].centroid
    with qtbot.waitSignal(view.areaClicked, timeout=10_000) as sig:
        click_on_map(qtbot, view, lat, lon)
    assert sig.args == [XUHUI]
    qtbot.waitUntil(lambda: win.drill.current == XUHUI, timeout=5_000)
    assert crumbs(win) == ["上海市", "徐汇区"] and "徐汇区" in win.dock_board.windowTitle()
    # the map zoomed in and drew Xuhui's streets that have a seat point, coloured by their worst status
    qtbot.waitUntil(lambda: map_state(qtbot, view)["code"] == XUHUI, timeout=5_000)
    ms = map_state(qtbot, view)
    streets = {r.code for r in state.regions.values() if r.parent == XUHUI and r.centroid}
    assert set(ms["streets"]) == streets and ms["zoom"] > city["zoom"] and ms["labelHidden"]
    roll = state.region_status()
    # each street's colour follows its worst status: same status, same colour; another status, another
    status_of = {c: roll.get(c, Status.NODATA) for c in streets}
    for a in streets:
        for b in streets:
            assert (ms["streets"][a] == ms["streets"][b]) == (status_of[a] is status_of[b]), (a, b)
    assert roll.get(XUJIAHUI, Status.NODATA) is not Status.NODATA
    # the board is Xuhui's: the worst street's crowd density, the streets' roll-up line
    assert win.board_model.region == XUHUI
    assert ("crowd.density", WORST) in win.board.spec_by_key
    line = win.board_rollup.full_text()  # "徐汇区 · 12 街镇均正常 · 1 处预警": every street counted once
    assert "街镇" in line and sum(int(n) for n in re.findall(r"(\d+) (?:街镇|处)", line)) == len(
        [r for r in state.regions.values() if r.parent == XUHUI])
    # the chart offers Xuhui's own series and its streets
    win.show_indicator(("crowd.density", WORST))
    box = win.chart.region_box
    assert [box.itemData(i) for i in range(1, box.count())] == [XUJIAHUI]
    box.setCurrentIndex(1)
    box.activated.emit(1)
    assert win.chart_region == XUJIAHUI and "徐家汇街道" in win.chart.title.full_text()
    # a street's point drills further, then Backspace comes back up level by level to the city, no further
    slat, slon = state.regions[XUJIAHUI].centroid
    with qtbot.waitSignal(view.areaClicked, timeout=10_000):
        click_on_map(qtbot, view, slat, slon)
    qtbot.waitUntil(lambda: win.drill.current == XUJIAHUI, timeout=5_000)
    assert crumbs(win) == ["上海市", "徐汇区", "徐家汇街道"]
    own = sorted(i for i, r in state.series_keys if r == XUJIAHUI)
    assert sorted(s.key for s in win.board._specs) == [(i, XUJIAHUI) for i in own]  # a street: its own series only
    win.board.setFocus()
    qtbot.keyClick(win.board, Qt.Key.Key_Backspace)
    assert win.drill.current == XUHUI
    qtbot.keyClick(win.board, Qt.Key.Key_Backspace)
    assert win.drill.current == "310000" and crumbs(win) == ["上海市"]
    qtbot.keyClick(win.board, Qt.Key.Key_Backspace)
    assert win.drill.current == "310000"
    qtbot.waitUntil(lambda: map_state(qtbot, view)["code"] == "310000", timeout=5_000)
    back = map_state(qtbot, view)
    assert back["streets"] == {} and not back["labelHidden"] and back["zoom"] == city["zoom"]
    assert win.board_model.region == "310000" and "徐汇区" not in win.dock_board.windowTitle()


def test_a_tile_drills_to_the_region_it_shows_and_a_crumb_comes_back(qtbot, tmp_path, shift):
    state, win, view = make_window(qtbot, tmp_path, shift)
    key = ("traffic.congestion_index", WORST)
    win.board.render_pending()
    target = win.board_model.region_shown(key)
    assert target is not None and len(target) == 6  # the city's tile follows its worst district
    assert win.board.tooltip_for(key) == f"双击下钻到 {state.regions[target].name_zh}"
    at = win.board._rects[key].center()
    qtbot.mouseClick(win.board, Qt.MouseButton.LeftButton, pos=at)  # a double-click's first click charts it
    assert win.chart_key == key
    qtbot.mouseDClick(win.board, Qt.MouseButton.LeftButton, pos=at)
    assert win.drill.current == target and win.board_model.region == target
    qtbot.waitUntil(lambda: map_state(qtbot, view)["code"] == target, timeout=5_000)
    # the same indicator stays charted, now the district's own series
    assert win.chart_key == ("traffic.congestion_index", target)
    first = win.drill_bar.crumbs[0]
    assert first.text() == "上海市"
    qtbot.mouseClick(first, Qt.MouseButton.LeftButton)
    assert win.drill.current == "310000"


def test_the_queue_can_follow_the_drill_down_and_typing_keeps_its_backspace(qtbot, tmp_path, shift):
    state, win, _ = make_window(qtbot, tmp_path, shift)
    model, queue = win.incident_model, win.queue
    everything = model.rowCount()
    outside = [e for e in state.incidents.open.values() if not e.region.startswith(XUHUI)]
    assert everything and outside
    qtbot.mouseClick(win.drill_bar.follow, Qt.MouseButton.LeftButton)
    assert queue.following
    assert win.drill_to(XUHUI)
    assert model.district == XUHUI and queue.district_box.currentData() == XUHUI
    shown = [model.index(r, 0).data(EVENT_ID_ROLE) for r in range(model.rowCount())]
    assert model.rowCount() < everything and all(state.incidents.get(e).region.startswith(XUHUI) for e in shown)
    # the area choices are Xuhui and its streets now
    codes = [queue.district_box.itemData(i) for i in range(queue.district_box.count())]
    assert codes[:2] == ["", XUHUI] and XUJIAHUI in codes and HUANGPU not in codes
    # Backspace in the search box deletes a character; it does not leave Xuhui
    queue.search.setFocus()
    qtbot.keyClicks(queue.search, "ab")
    qtbot.keyClick(queue.search, Qt.Key.Key_Backspace)
    assert queue.search.text() == "a" and win.drill.current == XUHUI
    queue.search.clear()
    assert win.drill_up() and model.district == "" and model.rowCount() == everything
    win.drill_bar.follow.setChecked(False)
    assert win.drill_to(XUHUI) and model.district == ""  # not following: the queue stays whole


def test_a_district_console_is_framed_on_its_district_and_cannot_leave_it(qtbot, tmp_path, shift):
    _, win, view = make_window(qtbot, tmp_path, shift, scope=XUHUI)
    qtbot.waitUntil(lambda: map_state(qtbot, view)["code"] == XUHUI, timeout=5_000)
    assert crumbs(win) == ["徐汇区"] and not win.drill_bar.up.isEnabled()
    assert win.board_model.region == XUHUI and "徐汇区" in win.dock_board.windowTitle()
    # a click on Huangpu's outline (its own handler, fired in the page: Huangpu may lie outside the frame)
    # is heard and refused: the view stays on Xuhui
    fire = ("window[Object.keys(window).find(function(k){return k.indexOf('geo_json_')===0 && window[k].eachLayer;})]"
            f".eachLayer(function(l){{ if (l.feature.properties.code === '{HUANGPU}') l.fire('click'); }}); 1")
    with qtbot.waitSignal(view.areaClicked, timeout=10_000) as sig:
        js_value(qtbot, view, fire)
    assert sig.args == [HUANGPU] and win.drill.current == XUHUI
    win.board.setFocus()
    qtbot.keyClick(win.board, Qt.Key.Key_Backspace)
    assert win.drill.current == XUHUI and not win.drill_to("310000")
    # down to a street from the breadcrumb's menu, and back up to Xuhui only
    menu = win.drill_bar.below.menu()
    action = next(a for a in menu.actions() if a.data() == XUJIAHUI)
    action.trigger()
    assert win.drill.current == XUJIAHUI and crumbs(win) == ["徐汇区", "徐家汇街道"]
    qtbot.keyClick(win.board, Qt.Key.Key_Backspace)
    qtbot.keyClick(win.board, Qt.Key.Key_Backspace)
    assert win.drill.current == XUHUI and crumbs(win) == ["徐汇区"]


def test_street_names_never_sit_on_each_other(qtbot, tmp_path, shift):
    """Thirty streets crowded around one seat: the names that would overlap are hidden, the viewed
    street's and the alarming street's are kept."""
    _, _, view = make_window(qtbot, tmp_path, shift)
    pts = [{"code": f"310104{i:03d}", "name": f"拥挤街道{i}", "lat": 31.18 + (i % 6) * 0.002,
            "lon": 121.44 + (i // 6) * 0.004, "st": "alarm" if i == 12 else "normal"} for i in range(30)]
    js_value(qtbot, view, "cityops.setView(" + json.dumps({"code": "310104005", "district": XUHUI, "point": None,
                                                           "streets": pts}) + ")")
    ms = map_state(qtbot, view)
    assert len(ms["streets"]) == 30 and "310104005" in ms["named"] and "310104012" in ms["named"]
    assert 1 < len(ms["named"]) < 30
    boxes = json.loads(js_value(qtbot, view, """JSON.stringify(Array.prototype.map.call(
        document.querySelectorAll('.cityops-street-label'), function (e) {
            var r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom, e.style.visibility];
        }))"""))
    shown = [b for b in boxes if b[4] != "hidden"]
    assert len(shown) == len(ms["named"])
    for i, a in enumerate(shown):
        for b in shown[i + 1:]:
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]), (a, b)


# Each permanent name beside one Leaflet's own tooltip would draw with the same options, text and anchor:
# [name's box, Leaflet's box] for every name the placer left where Leaflet put it.
NAMES_BESIDE_LEAFLET = f"""(function () {{
  var map = {MAP_VAR}, out = [];
  Object.keys(map._layers).forEach(function (id) {{
    var layer = map._layers[id], t = layer.getTooltip && layer.getTooltip();
    if (!t || !t.options.permanent || !t.getElement() || t.getElement().style.translate) return;
    out.push(t);
  }});
  map.eachLayer(function (t) {{
    if (t instanceof L.Tooltip && t.options.permanent && t.getElement() && !t.getElement().style.translate) out.push(t);
  }});
  return JSON.stringify(out.map(function (t) {{
    var ref = L.tooltip(Object.assign({{}}, t.options)).setLatLng(t.getLatLng())
      .setContent(t.getElement().textContent).addTo(map);
    var a = t.getElement().getBoundingClientRect(), b = ref.getElement().getBoundingClientRect();
    map.removeLayer(ref);
    return [t.getElement().textContent, [a.left, a.top, a.right, a.bottom], [b.left, b.top, b.right, b.bottom]];
  }}));
}})()"""


def test_names_stand_where_leaflets_own_tooltips_would_at_a_drill_and_on_the_wall(qtbot, tmp_path, shift):
    """The names measure themselves once (not at every zoom): they must still stand exactly where
    Leaflet's own tooltip would, in a district (its streets' names, right of their points; the other
    districts' names, centred), on the workstation and on the wall."""
    _, win, view = make_window(qtbot, tmp_path, shift)
    win.drill_to(XUHUI)
    qtbot.waitUntil(lambda: map_state(qtbot, view)["code"] == XUHUI, timeout=5_000)
    for wall in (False, True):
        js_value(qtbot, view, f"cityops.wall({'true' if wall else 'false'})")
        names = json.loads(js_value(qtbot, view, NAMES_BESIDE_LEAFLET))
        texts = {n[0] for n in names}
        assert "天平路街道" in texts and "黄浦区" in texts, texts  # a street's name and a district's
        for text, ours, leaflets in names:
            assert all(abs(a - b) <= 1 for a, b in zip(ours, leaflets, strict=True)), (wall, text, ours, leaflets)


def test_a_district_drilled_to_again_shows_its_streets_as_sent_then(qtbot, tmp_path, shift):
    """A district's street points and names are kept between drills (city_map.js, S.streetSets): drilled to
    again, each shows the status and name sent now, the street looked at is ringed, a street no longer
    sent is gone and a new one drawn; another district's streets are not shown with them."""
    _, _, view = make_window(qtbot, tmp_path, shift)

    def set_view(code, district, streets):
        pts = [{"code": c, "name": n, "lat": 31.17 + i * 0.01, "lon": 121.43 + i * 0.01, "st": st}
               for i, (c, n, st) in enumerate(streets)]
        js_value(qtbot, view, "cityops.setView(" + json.dumps({"code": code, "district": district, "point": None,
                                                               "streets": pts}) + ")")

    def labels():
        return sorted(json.loads(js_value(qtbot, view, """JSON.stringify(Array.prototype.filter.call(
            document.querySelectorAll('.cityops-street-label'), function (e) { return e.isConnected; })
            .map(function (e) { return e.textContent; }))""")))

    def ring(code):
        return json.loads(js_value(qtbot, view, f"""JSON.stringify((function () {{ var m = null;
            {MAP_VAR}.eachLayer(function (l) {{ if (l._cityopsCode === '{code}') m = l; }});
            return m && [m.options.color, m.options.radius]; }})())"""))

    def names_are(expected):  # a name taken off the map fades out for 200 ms (Leaflet) before it leaves the page
        qtbot.waitUntil(lambda: labels() == expected, timeout=5_000)

    set_view(XUHUI, XUHUI, [("310104001", "甲街道", "normal"), ("310104002", "乙街道", "alarm"),
                            ("310104003", "丙街道", "normal")])
    names_are(["丙街道", "乙街道", "甲街道"])
    set_view(HUANGPU, HUANGPU, [("310101001", "丁街道", "warn")])
    names_are(["丁街道"])
    set_view("310104001", XUHUI, [("310104001", "Street A", "warn"), ("310104002", "乙街道", "normal"),
                                  ("310104005", "戊街道", "alarm")])
    ms = map_state(qtbot, view)
    assert ms["streets"] == {"310104001": "#ffc53d", "310104002": "#30a46c", "310104005": "#ff5a5f"}
    names_are(["Street A", "乙街道", "戊街道"])
    assert ring("310104001") == ["#ffffff", 9] and ring("310104002") == ["#0b1a2a", 6]
    set_view(XUHUI, XUHUI, [("310104001", "Street A", "warn"), ("310104002", "乙街道", "normal"),
                            ("310104005", "戊街道", "alarm")])
    assert ring("310104001") == ["#0b1a2a", 6]  # no longer the street looked at


def test_a_drill_holds_the_feed_until_its_view_is_drawn(qtbot, tmp_path, shift):
    """The feed's frames wait while a drill's tiles are drawn, and are let go once they are: the hold is
    asked for at the drill, and released when (not before) the board's tiles in sight are rendered."""
    state, _, end = shift
    clock = Clock()
    clock.set_fixed(end)
    feed = NotingFeed(at_release=lambda: win.board.drawn())
    win = MainWindow(state, feed, clock, QSettings(str(tmp_path / "l.ini"), QSettings.Format.IniFormat),
                     map_widget=CityMapView(state, clock))
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.map.is_ready, timeout=30_000)
    win.draw_pause.cap_s = 5.0  # the shipped cap (0.2 s) may run out first on a loaded test machine
    feed.calls.clear()
    assert win.drill_to(XUHUI)
    assert feed.calls[0] == ("hold", 5.0)  # the window's cap, asked of the feed
    assert 0 < DRILL_HOLD_S <= 0.5  # and the cap it ships with is short
    qtbot.waitUntil(lambda: ("release", True) in feed.calls, timeout=5_000)
    assert ("release", False) not in feed.calls  # never let go before the view was drawn


def test_the_seconds_tick_waits_for_a_drilled_view(qtbot, tmp_path, shift):
    """The window's once-a-second work (10 ms at street level) due while a drill's view is drawn runs
    after the view is drawn, not between its slices."""
    _, win, _ = make_window(qtbot, tmp_path, shift)
    ticks = []
    tick = win.alarm_panel.tick
    win.alarm_panel.tick = lambda **kw: (ticks.append(win.board.drawn()), tick(**kw))
    win.draw_pause.cap_s = 5.0
    assert win.drill_to(XUHUI)
    assert not win.board.drawn()  # its tiles are drawn on the next turns of the loop
    win.bridge.second.emit()
    assert ticks == []
    qtbot.waitUntil(lambda: bool(ticks), timeout=5_000)
    assert ticks[0] is True
