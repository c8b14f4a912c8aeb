"""Drill-down, Qt-free: the view moves inside the console's scope and never above it; the board and the
roll-up line follow the view (the city over its districts, a district over its streets)."""

import numpy as np
import pytest

from console.feed.decoder import Decoder
from console.feed.protocol import Level, Status
from console.model.city_state import CityState
from console.views.area_rollup import Rollup, area_choices, rollup, rollup_text, street_points
from console.views.board_model import WORST, BoardModel
from console.views.drill import Drill
from tests.frames_factory import IND, IND_BELOW, dumps, samples

EN = {"{0} 区均正常": "{0} districts normal", "{0} 街镇均正常": "{0} streets normal", "{0} 处预警": "{0} in warning",
      "{0} 区正常": "{0} district normal", "{0} 街镇正常": "{0} street normal",
      "{0} 处告警": "{0} in alarm", "{0} 处无数据": "{0} without data"}


def region(code, zh, level, parent, centroid=(31.2, 121.4)):
    return {"code": code, "name": {"zh": zh, "en": f"{zh} (en)"}, "level": level, "parent": parent,
            "centroid": centroid and list(centroid)}


REGIONS = [
    region("310000", "上海市", "city", None),
    region("310101", "黄浦区", "district", "310000"),
    region("310104", "徐汇区", "district", "310000"),
    region("310101013", "外滩街道", "street", "310101"),
    region("310104003", "天平路街道", "street", "310104", (31.21, 121.44)),
    region("310104004", "湖南路街道", "street", "310104", (31.22, 121.45)),
    region("310104007", "斜土路街道", "street", "310104", (31.19, 121.46)),
    region("310104011", "漕河泾街道", "street", "310104", None),  # no seat point known
]
CITY_WIDE = {**IND, "id": "hotline.calls", "name": {"zh": "热线来电", "en": "Hotline calls"}, "domain": "hotline",
             "scope": "city"}


@pytest.fixture
def state():
    """Congestion (warn 6, alarm 8) for both districts and Xuhui's streets; water pressure (below: warn
    0.16, alarm 0.14) only for streets; hotline calls for the city as a whole."""
    s, dec = CityState(), Decoder()
    s.apply("t", dec.decode(dumps({"type": "catalog", "indicators": [IND, IND_BELOW, CITY_WIDE],
                                    "regions": REGIONS})).frame)
    t = 1_700_000_000.0
    rows = [["traffic.congestion_index", "310000", t, 4.4], ["traffic.congestion_index", "310101", t, 3.0],
            ["traffic.congestion_index", "310104", t, 5.2],
            ["traffic.congestion_index", "310104003", t, 2.0], ["traffic.congestion_index", "310104004", t, 6.5],
            ["traffic.congestion_index", "310104007", t, 4.3],
            ["water.pressure", "310101013", t, 0.20], ["water.pressure", "310104003", t, 0.13],
            ["water.pressure", "310104004", t, 0.30], ["hotline.calls", "310000", t, 100.0]]
    s.apply("t", dec.decode(samples(1, rows)).frame)
    return s


def test_the_view_moves_inside_the_scope_and_backspace_returns_to_it():
    d = Drill("310000")
    assert d.crumbs() == ["310000"] and not d.can_go_up() and not d.up()
    assert d.drill_to("310104") and d.crumbs() == ["310000", "310104"]
    assert d.drill_to("310104003") and d.crumbs() == ["310000", "310104", "310104003"]
    assert not d.drill_to("310104003")  # already there: nothing to redraw
    assert d.up() and d.current == "310104"
    assert d.up() and d.current == "310000" and not d.up()
    # straight to a street from the city (a click on its point): the crumbs still name its district
    assert d.drill_to("310101013") and d.crumbs() == ["310000", "310101", "310101013"]
    assert d.drill_to("310000") and d.crumbs() == ["310000"]  # a click on the first crumb


def test_a_district_console_cannot_look_above_or_beside_its_district():
    d = Drill("310104")
    assert d.crumbs() == ["310104"]
    for outside in ("310000", "310101", "310101013", "31010", "<script>", "3101040031", None):
        assert not d.drill_to(outside), outside
    assert d.current == "310104"
    assert d.drill_to("310104003") and d.crumbs() == ["310104", "310104003"]
    assert d.up() and d.current == "310104" and not d.up()
    street = Drill("310104003")
    assert not street.drill_to("310104") and not street.up() and street.crumbs() == ["310104003"]
    with pytest.raises(ValueError):
        Drill("Xuhui")


def test_the_roll_up_line_counts_the_level_below(state):
    city = rollup(state, "310000")
    assert city.level is Level.DISTRICT
    assert rollup_text(city) == "1 区正常 · 1 处告警"  # Huangpu normal; Xuhui's worst street in alarm
    xuhui = rollup(state, "310104")
    assert xuhui.counts == {Status.NORMAL: 1, Status.ALARM: 1, Status.WARN: 1, Status.NODATA: 1}
    assert xuhui.worst is Status.ALARM
    assert rollup_text(xuhui) == "1 街镇正常 · 1 处告警 · 1 处预警 · 1 处无数据"
    assert rollup_text(xuhui, EN.get) == "1 street normal · 1 in alarm · 1 in warning · 1 without data"
    assert rollup_text(Rollup(Level.DISTRICT, {Status.NORMAL: 2, Status.WARN: 0, Status.ALARM: 0,
                                               Status.NODATA: 0}), EN.get) == "2 districts normal"
    assert rollup_text(Rollup(Level.STREET, {Status.NORMAL: 12, Status.WARN: 1, Status.ALARM: 0,
                                             Status.NODATA: 0})) == "12 街镇均正常 · 1 处预警"
    assert rollup_text(rollup(state, "310104003")) == ""  # a street: nothing below


def test_the_city_board_follows_its_worst_district(state):
    board = BoardModel(state)
    keys = [s.key for s in board.specs("310000")]
    # congestion follows the worst district (not a street, nor the city's own total: that is in the chart);
    # water only exists by street; hotline calls only for the city
    assert keys == [("traffic.congestion_index", WORST), ("water.pressure", WORST), ("hotline.calls", "310000")]
    d = board.data(("traffic.congestion_index", WORST), 1_700_000_001.0)
    assert d.value_text == "5.20" and d.subtitle == "2 处均正常"  # Xuhui 5.2; the alarming street is below
    assert board.region_shown(("traffic.congestion_index", WORST)) == "310104"
    w = board.data(("water.pressure", WORST), 1_700_000_001.0)
    assert w.status is Status.ALARM and w.subtitle == "最差: 徐汇区 · 天平路街道"


def test_a_district_board_shows_its_own_series_and_its_worst_street(state):
    board = BoardModel(state)
    keys = [s.key for s in board.specs("310104")]
    assert keys == [("traffic.congestion_index", "310104"), ("traffic.congestion_index", WORST),
                    ("water.pressure", WORST)]
    now = 1_700_000_001.0
    own = board.data(("traffic.congestion_index", "310104"), now)
    assert own.value_text == "5.20" and own.subtitle == "徐汇区"
    worst = board.data(("traffic.congestion_index", WORST), now)
    assert worst.value_text == "6.50" and worst.status is Status.WARN and worst.subtitle == "最差: 湖南路街道"
    assert board.region_shown(("water.pressure", WORST)) == "310104003"
    # the chart offers the district's own series, then its streets; any of them can be charted by key
    assert board.series_in_view("traffic.congestion_index") == ["310104", "310104003", "310104004", "310104007"]
    assert board.data(("traffic.congestion_index", "310104007"), now).value_text == "4.30"
    assert board.sid_of("traffic.congestion_index", "310101") is None  # Huangpu is outside the view
    # a street: its own series only
    assert [s.key for s in board.specs("310104003")] == [("traffic.congestion_index", "310104003"),
                                                          ("water.pressure", "310104003")]


def test_the_board_keeps_its_tiles_until_a_series_appears_and_after_a_refill(state):
    """specs() keeps each view's tiles between drills: a new series, a cleared state refilled in another
    order, and the tiles a changed series touches must still come out right."""
    board = BoardModel(state)
    assert [s.key for s in board.specs("310101")] == [("traffic.congestion_index", "310101"),
                                                      ("water.pressure", WORST)]
    board.specs("310000")
    dec, t = Decoder(), 1_700_000_010.0
    state.apply("t", dec.decode(samples(2, [["water.pressure", "310101", t, 0.1]])).frame)  # Huangpu's own now
    assert [s.key for s in board.specs("310101")] == [("traffic.congestion_index", "310101"),
                                                      ("water.pressure", "310101"), ("water.pressure", WORST)]
    assert board.region_shown(("water.pressure", WORST)) == "310101013"
    sid = board.sid_of("water.pressure", "310101")
    assert board.tiles_touched(np.array([sid])) == {("water.pressure", "310101")}
    board.specs("310000")
    street = board.sid_of("water.pressure", "310104003")  # the city's water tile follows its districts now
    assert board.tiles_touched(np.array([street, board.sid_of("hotline.calls", "310000")])) == {
        ("hotline.calls", "310000")}
    assert board.tiles_touched(np.array([sid, street])) == {("water.pressure", WORST)}
    assert board.tiles_touched(np.array([], dtype=int)) == set()
    catalog = dumps({"type": "catalog", "indicators": [IND, IND_BELOW, CITY_WIDE], "regions": REGIONS})
    state.clear()  # a seek: the same regions, more series than before, in another order
    state.apply("t", dec.decode(catalog).frame)
    rows = ([["water.pressure", "310104004", t, 0.3]]
            + [["traffic.congestion_index", r["code"], t, 3.0] for r in REGIONS]
            + [["water.pressure", c, t, 0.3] for c in ("310101013", "310104003", "310104007")])
    state.apply("t", dec.decode(samples(3, rows)).frame)
    assert len(state.series_keys) == 12
    assert [s.key for s in board.specs("310101")] == [("traffic.congestion_index", "310101"),
                                                      ("traffic.congestion_index", WORST), ("water.pressure", WORST)]
    assert board.sid_of("traffic.congestion_index", "310101") == 2


def test_the_map_draws_a_districts_streets_by_their_worst_status(state):
    roll = state.region_status()
    pts = street_points(state, "310104", roll)
    assert [(p["code"], p["st"]) for p in pts] == [("310104003", "alarm"), ("310104004", "warn"),
                                                     ("310104007", "normal")]  # 漕河泾 has no seat point
    assert street_points(state, "310104", roll, english=True)[0]["name"] == "天平路街道 (en)"
    assert street_points(state, "310104003", roll) == pts  # a street's view shows its neighbours too
    assert street_points(state, "310000", roll) == []


def test_the_queues_area_choices_follow_the_view(state):
    assert area_choices(state, ["310000"]) == [("310101", "  黄浦区"), ("310104", "  徐汇区")]
    assert area_choices(state, ["310000", "310104"], english=True) == [
        ("310104", "徐汇区 (en)"), ("310104003", "  天平路街道 (en)"), ("310104004", "  湖南路街道 (en)"),
        ("310104007", "  斜土路街道 (en)"), ("310104011", "  漕河泾街道 (en)")]
    assert area_choices(state, ["310104", "310104003"]) == [("310104", "徐汇区"), ("310104003", "天平路街道")]


def test_every_tiles_series_is_picked_at_once_as_one_by_one(state):
    """shown_series (all tiles together, for the freshness check) picks what each tile shows: the worst
    status, then the value furthest to the bad side (low water pressure is bad), then the first."""
    board = BoardModel(state)
    dec, t = Decoder(), 1_700_000_020.0
    for view in ("310000", "310104", "310104003"):
        board.specs(view)
        picked = board.shown_series()
        assert picked == {k: state.worst_series(c) for k, c in board._candidates.items()}
        assert {k: state.series_keys[s][1] for k, s in picked.items()} == {
            k: board.region_shown(k) for k in board._candidates}
    board.specs("310104")
    assert state.series_keys[board.shown_series()[("water.pressure", WORST)]][1] == "310104003"  # 0.13, alarm
    state.apply("t", dec.decode(samples(2, [["water.pressure", "310104003", t, 0.135],
                                            ["water.pressure", "310104004", t, 0.12]])).frame)
    assert state.series_keys[board.shown_series()[("water.pressure", WORST)]][1] == "310104004"  # lower
    state.apply("t", dec.decode(samples(3, [["water.pressure", "310104003", t + 1, 0.12]])).frame)
    assert state.series_keys[board.shown_series()[("water.pressure", WORST)]][1] == "310104003"  # a tie: the first
    water = ("water.pressure", WORST)
    assert board.shown_series()[water] == state.worst_series(board._candidates[water])
    fresh = board.freshness_all(t + 1)
    assert fresh.keys() == board._candidates.keys()
    assert all(f == board.freshness(k, t + 1) for k, f in fresh.items())
