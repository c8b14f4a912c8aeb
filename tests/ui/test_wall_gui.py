"""The big-screen wall, offscreen, with the real map page: at 4K and at 1080p no text is clipped or cut
short and no two texts overlap (checked by geometry, with both banners up), the carousel rotates and zooms the map to
a district, and old or cut-off data is said loudly, never shown as live."""

import itertools
import json
import time
import weakref
from pathlib import Path

import pytest
from PySide6.QtCore import QRect

pytest.importorskip("PySide6.QtWebEngineWidgets")

from console.feed.feed_health import FeedHealth, FeedState
from console.model.clock import Clock
from console.resources import resource
from console.simulator.sample_shift import simulate_shift
from console.ui import wall_window
from console.ui.map_bridge import CityMapView
from console.ui.state_bridge import StateBridge
from console.ui.wall_window import WallOptions, WallWindow
from console.views.wall_model import load_wall_config
from tests.ui.page_js import js_value

OUT = Path(__file__).resolve().parents[2] / "out"


class FakeSource:
    def __init__(self):
        self.feeds = [FeedHealth("上海市城运平台", "ws://x", state=FeedState.CONNECTED)]

    def health(self):
        return self.feeds


@pytest.fixture(scope="module")
def shift():
    return simulate_shift(1.0, incident_rate_per_min=3, auto_handle=0.3)


def make_wall(qtbot, shift, size, views=None, dwell=None, with_map=True, scope="310000", diagonal=65):
    state, _, end = shift
    clock = Clock()
    clock.set_fixed(end)
    source = FakeSource()
    bridge = StateBridge(state, source, clock)
    m = CityMapView(state, clock) if with_map else None
    wall = WallWindow(state, source, clock, bridge, load_wall_config(resource("config", "wall.json"), views, dwell),
                      WallOptions(diagonal_in=diagonal, size=size), m, scope)
    qtbot.addWidget(wall)
    wall.place()
    if m is not None:
        qtbot.waitUntil(lambda: m.is_ready, timeout=30_000)
    qtbot.waitUntil(lambda: wall.width() == size[0] and wall.height() == size[1])
    return wall, source, clock, bridge


def elided(wall) -> list[str]:
    """Texts the wall cuts short: a FitLabel elides what does not fit, so measuring the text it shows
    (as `text_problems` does) cannot see it; comparing with the full text can."""
    return [f"elided: {lab.full_text()!r} shown as {lab.text()!r} in {lab.contentsRect().width()} px"
            for lab in wall.text_labels() if lab.text() != lab.full_text()]


def text_problems(wall) -> list[str]:
    problems = []
    boxes = []
    win = QRect(0, 0, wall.width(), wall.height())
    for lab in wall.text_labels():
        fm, r = lab.fontMetrics(), lab.contentsRect()
        if fm.horizontalAdvance(lab.text()) > r.width():
            problems.append(f"clipped across: {lab.text()!r} needs {fm.horizontalAdvance(lab.text())} of {r.width()}")
        if fm.height() > r.height():
            problems.append(f"clipped top/bottom: {lab.text()!r} needs {fm.height()} of {r.height()}")
        box = QRect(lab.mapTo(wall, r.topLeft()), r.size())
        if not win.contains(box):
            problems.append(f"outside the screen: {lab.text()!r} at {box}")
        boxes.append((lab.text(), box))
    for (ta, a), (tb, b) in itertools.combinations(boxes, 2):
        if a.intersects(b):
            problems.append(f"overlap: {ta!r} {a} and {tb!r} {b}")
    return problems


@pytest.mark.parametrize("size", [(3840, 2160), (1920, 1080)], ids=["4k", "1080p"])
def test_the_wall_has_no_clipped_or_overlapping_text(qtbot, shift, size):
    wall, source, _, _ = make_wall(qtbot, shift, size)
    assert wall.scale.readable  # a 65-inch panel is big enough for 5 m
    assert sum(not t.isHidden() for t in wall.headline.tiles) >= 3 and len(wall.incidents.rows) >= 2
    assert not text_problems(wall), text_problems(wall)
    # the worst case: both banners up (emergency, and a feed down) still fits
    wall.set_emergency("紧急状态 · 平台宣布应急响应Ⅲ级 · 自 07:40 · 影响：黄浦区、浦东新区", ("310101", "310115"))
    source.feeds[0].state = FeedState.RECONNECTING
    wall.refresh_status()
    qtbot.waitUntil(lambda: js_value(qtbot, wall.map, "!!document.querySelector('.cityops-wall')"), timeout=10_000)
    qtbot.wait(1500)  # the page paints its new zoom and status colours before the picture is taken
    assert wall.banner_emergency.isVisible() and wall.banner_data.isVisible()
    assert not text_problems(wall), text_problems(wall)
    OUT.mkdir(exist_ok=True)
    assert wall.screenshot(OUT / f"wall-{size[0]}x{size[1]}.png")
    # the same layout at both resolutions: text is sized in millimetres on the glass
    assert wall.scale.body_px == pytest.approx(size[0] / 3840 * 97, abs=2)


@pytest.mark.parametrize("size", [(3840, 2160), (1920, 1080)], ids=["4k", "1080p"])
def test_a_district_wall_shows_its_district_with_its_streets_rolled_up(qtbot, shift, size):
    state, _, _ = shift
    wall, _, _, _ = make_wall(qtbot, shift, size, scope="310104")
    assert [v.id for v in wall.carousel.views] == ["overview", "traffic", "safety"]  # not Huangpu's view
    assert "徐汇区" in wall.top.title.full_text()
    assert wall.rollup_line.full_text().startswith("徐汇区 · ") and "街镇" in wall.rollup_line.full_text()
    # every headline value is Xuhui's (or its worst street's), none the city's
    shown = [wall.board.region_shown(spec.key) for spec in wall._specs]
    assert shown and all(r.startswith("310104") for r in shown)
    qtbot.waitUntil(lambda: js_value(qtbot, wall.map, "cityops.viewState().code") == "310104", timeout=10_000)
    streets = js_value(qtbot, wall.map, "Object.keys(cityops.viewState().streets).length")
    assert streets == sum(1 for r in state.regions.values() if r.parent == "310104" and r.centroid)
    qtbot.wait(1000)  # the page paints its new frame before the picture is taken
    assert not text_problems(wall), text_problems(wall)
    OUT.mkdir(exist_ok=True)
    assert wall.screenshot(OUT / f"wall-xuhui-{size[0]}x{size[1]}.png")


@pytest.mark.parametrize("size", [(3840, 2160), (1920, 1080)], ids=["4k", "1080p"])
def test_no_text_on_the_wall_is_cut_short(qtbot, shift, size):
    wall, _, _, _ = make_wall(qtbot, shift, size, with_map=False)
    assert wall.text_labels()
    assert not elided(wall), elided(wall)


def test_the_carousel_rotates_and_a_district_view_zooms_the_map_there(qtbot, shift):
    wall, _, _, _ = make_wall(qtbot, shift, (1920, 1080), views=["overview", "huangpu", "traffic"], dwell=0.4)
    show = wall.show_view
    # every view the wall shows, recorded as it is shown: polling wall.view could miss one that lasted
    # less than a poll on a loaded machine; counted from now (the map may have taken longer than a dwell)
    seen, start = [wall.view.id], wall.carousel.rotations
    wall.show_view = lambda view: (seen.append(view.id), show(view))
    # (the carousel may have turned already while the wall was being built: count from here)
    qtbot.waitUntil(lambda: {"overview", "huangpu", "traffic"} <= set(seen), timeout=10_000)
    assert seen[:3] in (["huangpu", "traffic", "overview"], ["traffic", "overview", "huangpu"],
                        ["overview", "huangpu", "traffic"])  # in the configured order, one step at a time


    qtbot.waitUntil(lambda: wall.carousel.rotations >= start + 3, timeout=10_000)
    assert {"overview", "huangpu", "traffic"} <= set(seen)
    wall.carousel.show("huangpu")
    wall.show_view(wall.carousel.current)
    assert wall.map._view == "310101" and wall.map._focus == [] and "黄浦区" in wall.top.title.full_text()
    assert wall.top.progress.isVisible()


def test_old_or_cut_off_data_is_said_loudly_and_cleared_when_live(qtbot, shift):
    wall, source, clock, _ = make_wall(qtbot, shift, (1920, 1080), with_map=False)
    wall.refresh_all()
    assert not wall.banner_data.isVisible() and "实时" in wall.top.fresh.full_text()
    source.feeds[0].state = FeedState.RECONNECTING
    clock.set_fixed(clock.now() + 180)
    wall.refresh_all()
    text = wall.banner_data.label.full_text()
    assert wall.banner_data.isVisible() and "数据中断" in text and "3 分钟前" in text and "不是实时" in text
    # each number keeps its unit and says its value is old in place of where it comes from
    tiles = [t for t in wall.headline.tiles if t.isVisible()]
    assert tiles and all("数据停滞" in t.place.full_text() for t in tiles)
    assert "MW" in [t.sub.full_text() for t in tiles]  # the power load keeps its unit while old
    source.feeds[0].state = FeedState.CONNECTED  # connected, but nothing new for three minutes: stale
    wall.refresh_all()
    assert "数据已 3 分钟 未更新" in wall.banner_data.label.full_text()
    clock.set_fixed(clock.now() - 180)
    wall.refresh_all()
    assert not wall.banner_data.isVisible()


def test_emergency_holds_the_emergency_view_and_ends_back_on_the_carousel(qtbot, shift):
    wall, _, _, _ = make_wall(qtbot, shift, (1920, 1080), dwell=0.5)
    qtbot.waitUntil(lambda: wall.top.progress.isVisible())  # the carousel's progress mark, while it rotates
    wall.set_emergency("紧急状态 · 台风", ("310115",))
    assert wall.view.id == "emergency" and wall.map._focus == ["310115"]
    qtbot.waitUntil(lambda: not wall.top.progress.isVisible())  # held: no rotation to show
    held = (wall.carousel.index, wall.carousel.rotations)
    ticks = []  # the carousel's own timer ticks, after its handler: each one could have turned the view
    wall._tick.timeout.connect(lambda: ticks.append(time.monotonic()))
    qtbot.waitUntil(lambda: len(ticks) >= 3 and ticks[-1] - ticks[0] > 2 * wall.carousel.dwell_s, timeout=20_000)
    assert (wall.carousel.index, wall.carousel.rotations) == held and wall.view.id == "emergency"
    wall.set_emergency("")
    assert wall.view.id == wall.carousel.current.id and not wall.banner_emergency.isVisible()
    qtbot.waitUntil(lambda: wall.top.progress.isVisible())


def test_the_wall_map_follows_new_incidents(qtbot, shift):
    wall, _, _, bridge = make_wall(qtbot, shift, (1920, 1080))
    before = js_value(qtbot, wall.map, "cityops.count()")
    state = wall.state
    ev = next(e for e in state.incidents.open.values() if e.location is not None)
    from console.feed.frames import EventFrame

    state.apply("city", EventFrame(0, ev.evolve(id="WALL-NEW-1", version=1)))
    bridge.flush()
    qtbot.waitUntil(lambda: js_value(qtbot, wall.map, "cityops.count()") == before + 1, timeout=10_000)


def test_every_window_keeps_to_the_feeds_clock(qtbot):
    """The bridge's once-a-second tick sets the one clock to the feeds' median offset, so a wall
    (which has no workstation beside it) measures data age on the feed's time, not the PC's."""
    from console.model.city_state import CityState

    source, clock = FakeSource(), Clock()
    source.feeds = [FeedHealth(n, "ws://x", state=FeedState.CONNECTED) for n in ("a", "b", "c")]
    for h, off in zip(source.feeds, (3500.0, 3600.0, 9e9), strict=True):
        h.clock_offset = off
    bridge = StateBridge(CityState(), source, clock)
    with qtbot.waitSignal(bridge.second, timeout=3000):
        pass
    assert clock.offset == 3600.0  # the median: one feed with a wild clock does not drag the rest


# Shanghai's land, west to east and south to north (resources/shanghai/districts.geojson): Qingpu's west
# edge, Hengsha island's east end, Jinshan's shore, Chongming's north shore. An islet beyond (佘山岛, 0.1 km²
# at 122.24 E) is not what a wall frames.
LAND = {"west": (31.1, 120.853), "east": (31.3, 122.118), "south": (30.678, 121.3), "north": (31.87, 121.6)}


def land_on_map(qtbot, wall) -> dict:
    """The map's size and where the city's extreme points lie on it, in the page's CSS pixels."""
    return json.loads(js_value(qtbot, wall.map, f"""JSON.stringify((function () {{
        var m = window[Object.keys(window).find(function (k) {{
            return k.indexOf('map_') === 0 && window[k].getZoom; }})];
        var land = {json.dumps(LAND)}, out = {{size: [m.getSize().x, m.getSize().y],
            box: [document.documentElement.clientWidth, document.documentElement.clientHeight]}};
        Object.keys(land).forEach(function (k) {{ var p = m.latLngToContainerPoint(land[k]); out[k] = [p.x, p.y]; }});
        return out; }})())"""))


@pytest.mark.parametrize("size", [(3840, 2160), (1920, 1080)], ids=["4k", "1080p"])
def test_the_wall_map_frames_shanghai_in_its_middle(qtbot, shift, size):
    """All of the city's land in view and in the middle, on the map a 50-inch wall has with a banner up (its
    text, big to be read from 5 m, zooms the page to few CSS pixels: too few for the zoom a workstation's map
    stops at)."""
    wall, source, _, _ = make_wall(qtbot, shift, size, diagonal=50)
    source.feeds[0].state = FeedState.RECONNECTING  # the data banner: the map is shorter still
    wall.refresh_status()
    qtbot.waitUntil(lambda: js_value(qtbot, wall.map, "!!document.querySelector('.cityops-wall')"), timeout=10_000)
    qtbot.wait(1000)  # the page takes the wall's zoom factor and new height, and frames the city again
    g = land_on_map(qtbot, wall)
    w, h = g["size"]
    # Leaflet knows the page's real size, the wall's zoom factor included (a fractional CSS pixel rounds)
    assert abs(w - g["box"][0]) <= 1 and abs(h - g["box"][1]) <= 1, g
    assert g["west"][0] >= 0 and g["east"][0] <= w and g["north"][1] >= 0 and g["south"][1] <= h, g  # all of it
    left, right = g["west"][0], w - g["east"][0]
    assert abs(left - right) <= 0.02 * w, g  # in the middle: as much room left of it as right of it
    wall.screenshot(OUT / f"wall-city-{size[0]}x{size[1]}.png")


def test_the_headline_keeps_no_empty_typical_day_line_while_the_site_has_no_typical_days(qtbot, shift):
    """A session always hands the wall a `Usual`; until it has profiles, no tile keeps a line for them
    (an empty line took room from the map)."""
    from console.normal.usual import Usual

    wall, _, _, _ = make_wall(qtbot, shift, (3840, 2160), with_map=False)
    wall.board.usual = Usual()  # as a session without typical days hands it over
    wall.refresh_headline()
    tiles = [t for t in wall.headline.tiles if not t.isHidden()]
    assert tiles and not any(t.usual.isVisible() for t in tiles)
    m = tiles[0].layout().contentsMargins()
    lines = tiles[0].title, tiles[0].value, tiles[0].sub, tiles[0].place
    four = sum(w.height() for w in lines) + 3 * tiles[0].layout().spacing() + m.top() + m.bottom()
    rows = len({t.y() for t in tiles})  # the grid's rows, as laid out
    assert wall.headline.height() == rows * four + (rows - 1) * wall.headline.layout().verticalSpacing()


@pytest.mark.parametrize("size", [(3840, 2160), (1920, 1080)], ids=["4k", "1080p"])
def test_the_city_fills_the_wall_map_beside_the_headline(qtbot, shift, size):
    """The map has the height below the top bar, beside the headline's tiles and the list: the city, taller
    than wide, spans most of the screen's height. Below a headline row across the screen, the map was a
    short wide box where the city spanned under a third of the screen's height and the names outgrew it."""
    wall, _, _, _ = make_wall(qtbot, shift, size)
    qtbot.waitUntil(lambda: js_value(qtbot, wall.map, "!!document.querySelector('.cityops-wall')"), timeout=10_000)
    qtbot.wait(1000)  # the page takes the wall's zoom factor and frames the city
    g = land_on_map(qtbot, wall)
    north_south = (g["south"][1] - g["north"][1]) * wall.map.zoomFactor()  # CSS pixels to the screen's
    assert north_south >= 0.6 * wall.height(), (north_south, wall.height(), g)
    tiles = [t for t in wall.headline.tiles if not t.isHidden()]
    assert len(tiles) >= 3 and wall.incidents.capacity() >= 2  # the vital signs and the list keep their room


def test_the_wall_renews_its_map_page_in_a_new_process_with_no_gap(qtbot, shift, monkeypatch):
    """A wall left for days is given a new map page in a new page process (Chromium's page process grows
    in its own memory over hours of markers coming and going): the old page stays on show until the new
    one has drawn the same incidents, then the old page and its process are gone, and so is the old view
    from the wall's own process (a renewal every 30 minutes must not keep one view more each time)."""
    monkeypatch.setattr(wall_window, "RENEW_GIVE_BACK_MS", 300)
    state, _, _ = shift
    wall, _, _, _ = make_wall(qtbot, shift, (1920, 1080))
    old = wall.map
    shown = sum(1 for e in state.incidents.open.values() if e.location is not None)
    qtbot.waitUntil(lambda: js_value(qtbot, wall.map, "cityops.count()") == shown, timeout=10_000)
    old_pid = old.page().renderProcessPid()
    assert shown and old_pid > 0
    wall.renew_map()
    new = wall._renewing
    assert new is not None and wall.map is old  # the old page is on show while the new one loads
    qtbot.waitUntil(lambda: new.is_ready, timeout=30_000)
    assert wall.map is old and wall._map_stack.currentWidget() is old
    qtbot.waitUntil(lambda: wall.map is new, timeout=10_000)
    assert wall._map_stack.currentWidget() is new and new.isVisible()
    assert new.page().renderProcessPid() not in (0, old_pid)  # a process of its own
    assert js_value(qtbot, new, "cityops.count()") == shown
    assert js_value(qtbot, new, "!!document.querySelector('.cityops-wall')")  # the wall's page: no controls

    def gone(pid: int) -> bool:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return True
        return stat.rsplit(")", 1)[1].split()[0] == "Z"  # ended, not yet reaped
    qtbot.waitUntil(lambda: gone(old_pid), timeout=15_000)
    old_view, renewed = weakref.ref(old), weakref.ref(new)
    old = new = None  # the test's own references (the lambdas above hold these names)
    qtbot.waitUntil(lambda: old_view() is None, timeout=5_000)  # at the memory's give-back
    wall.renew_map()  # again: the page renewed before goes in its turn, its give-up timer (2 min) not holding it
    qtbot.waitUntil(lambda: wall._renewing is None and wall.map is not renewed(), timeout=40_000)
    qtbot.waitUntil(lambda: renewed() is None, timeout=5_000)


def test_an_empty_incident_list_gives_its_room_to_a_second_row_of_tiles(qtbot):
    """A 4K wall with typical days (each tile a line longer): with no red or orange incident the list needs
    one line ("none"), and the headline takes two rows of tiles, where a single row left two thirds of the
    right column blank. Two incidents to list take the room back: one row of tiles, both incidents shown."""
    import numpy as np

    from console.feed.frames import Event, EventFrame
    from console.feed.protocol import IncidentState, Severity
    from console.normal.profiles import Profiles
    from console.normal.usual import Usual

    quiet = simulate_shift(0.5, incident_rate_per_min=0.0)
    wall, _, clock, bridge = make_wall(qtbot, quiet, (3840, 2160), views=["overview"], with_map=False)
    shape = (1, 2, 96)  # the site has typical days: every tile keeps a line for them
    wall.board.usual = Usual(Profiles(["traffic.congestion_index@310000"], *(np.full(shape, v, np.float32)
                                                                            for v in (2.0, 3.0, 4.0)),
                                      np.array([(20, 8)], np.int16), np.array([0.5], np.float32), 0, 27, 0.0))
    wall.refresh_all()
    shown = lambda: [t for t in wall.headline.tiles if not t.isHidden()]  # noqa: E731
    assert not any(r.isVisible() for r in wall.incidents.rows)
    assert len(shown()) == 6 and len({t.y() for t in shown()}) == 2
    now = clock.now()
    for i, sev in enumerate((Severity.RED, Severity.ORANGE)):
        ev = Event(f"WALL-{i}", 1, f"测试事件{i}", "test", "safety", sev, "hotline", "310000", (31.23, 121.47),
                   IncidentState.NEW, now - 60, now - 60)
        wall.state.apply("city", EventFrame(i, ev))
    bridge.flush()
    qtbot.waitUntil(lambda: len({t.y() for t in shown()}) == 1)
    assert len([r for r in wall.incidents.rows if r.isVisible()]) == 2


def test_the_list_header_says_which_incidents_it_counts(qtbot, shift):
    """The map shows every incident of the wall's area; the list beside it counts fewer (the view's
    domains, the console's level), and its header says so, or a leader reads "red 0 · orange 0" beside
    orange markers. Counted here from the shift's incidents, not by the wall's own count."""
    from console.feed.protocol import Severity
    from console.incidents.levels import LevelView, load_level_rules

    wall, *_ = make_wall(qtbot, shift, (1920, 1080), views=["traffic"], with_map=False)
    state = shift[0]
    traffic = [e for e in state.incidents.open.values() if e.domain in ("traffic", "metro")]
    red, orange = (sum(e.severity is s for e in traffic) for s in (Severity.RED, Severity.ORANGE))
    assert red + orange < sum(e.severity in (Severity.RED, Severity.ORANGE) for e in state.incidents.open.values())
    wall.refresh_incidents()
    assert wall.incidents.header.full_text() == f"城市交通 · 未结 红色 {red} · 橙色 {orange}"  # the view's name
    wall.levels = LevelView(load_level_rules(resource("config", "levels.json")), "310000")
    wall.refresh_incidents()
    assert wall.incidents.header.full_text().startswith("城市交通 · 本级未结 红色 ")


def test_an_english_wall_names_its_tiles_in_english(qtbot, shift, qapp):
    """The wall's tiles follow the interface language like the workstation's board: the indicator's
    English name from the catalog, its unit's words in English, the place line in English; the longer
    English lines with counts are still shown whole."""
    import re

    from console.ui.i18n import Language

    lang = Language(qapp)
    assert lang.switch("en")
    try:
        wall, *_ = make_wall(qtbot, shift, (3840, 2160), views=["traffic"], with_map=False)
        tiles = [t for t in wall.headline.tiles if not t.isHidden()]
        names = {shift[0].indicators[s.key[0]].name_en for s in wall._specs}
        assert tiles and {t.title.full_text() for t in tiles} == names
        shown = [t.sub.full_text() + t.place.full_text() for t in tiles]
        assert not [s for s in shown if re.search(r"[\u4e00-\u9fff]", s)]
        # the lines that carry counts shrink to fit, never cut short ("1 in …" hid how many were warning)
        small, *_ = make_wall(qtbot, shift, (1920, 1080), views=["safety"], with_map=False)
        small.refresh_all()
        for line in (small.rollup_line, small.incidents.header):
            assert line.full_text() and line.text() == line.full_text(), line.text()
    finally:
        lang.switch("zh")
