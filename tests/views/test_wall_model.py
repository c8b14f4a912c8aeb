"""The wall's Qt-free parts: sizes from the panel and the distance, the carousel, what the headline and
the incident list pick, freshness; emergency mode and its thresholds; role policies."""

import json

import pytest

from console.alarms.emergency import EmergencyConfig, EmergencyMode, declared_regions, load_emergency_config, unit_loads
from console.feed.feed_health import FeedHealth, FeedState
from console.feed.frames import Catalog, SampleBatch
from console.feed.protocol import Severity, Status
from console.incidents.operator import DEFAULT_POLICIES, Operator, Role, RolePolicyError, load_role_policies
from console.model.city_state import CityState
from console.resources import resource
from console.simulator.city_model import SimCity
from console.simulator.sample_shift import simulate_shift
from console.views.board_model import CITY, WORST, BoardModel
from console.views.wall_model import (
    Carousel,
    WallConfigError,
    WallView,
    freshness,
    headline_specs,
    load_wall_config,
    top_incidents,
    views_for_scope,
)
from console.views.wall_scale import char_height_mm, panel_width_mm, wall_scale


@pytest.fixture(scope="module")
def shift():
    return simulate_shift(1.0, incident_rate_per_min=3, auto_handle=0.3)


def test_text_is_sized_on_the_glass_so_4k_and_1080p_panels_look_alike():
    mm = panel_width_mm(65, 3840, 2160)
    assert 1430 < mm < 1445  # a 65-inch 16:9 panel is about 1.44 m wide
    uhd, fhd = wall_scale(3840, 2160, mm), wall_scale(1920, 1080, mm)
    assert uhd.readable and fhd.readable
    assert uhd.body_px == pytest.approx(2 * fhd.body_px, abs=1)  # twice the pixels, same millimetres
    assert 25 < char_height_mm(5, 20) < 31  # 20 arc-minutes at 5 m: about 29 mm
    farther = wall_scale(3840, 2160, mm, distance_m=8)
    assert farther.body_px > uhd.body_px or not farther.readable


def test_a_panel_too_small_for_the_distance_shrinks_everything_and_says_so():
    s = wall_scale(1920, 1080, panel_width_mm(24, 1920, 1080), distance_m=5)
    assert not s.readable and s.shrink < 1
    assert "shrunk" in s.describe()


def test_carousel_rotates_and_wraps():
    views = tuple(WallView(v, v, v, ("x",)) for v in ("a", "b", "c"))
    c = Carousel(views, dwell_s=10)
    assert c.current.id == "a" and not c.advance(9.9)
    assert c.progress == pytest.approx(0.99)
    assert c.advance(0.2) and c.current.id == "b" and c.progress == 0
    c.advance(10)
    c.advance(10)
    assert c.current.id == "a" and c.rotations == 3
    still = Carousel(views, 10, rotate=False)
    assert not still.advance(100) and still.current.id == "a"


def test_wall_config_names_its_errors(tmp_path):
    cfg = load_wall_config(resource("config", "wall.json"), only=["traffic", "huangpu"], dwell_s=15)
    assert [v.id for v in cfg.views] == ["traffic", "huangpu"] and cfg.dwell_s == 15
    with pytest.raises(WallConfigError, match="no wall view 'nope'"):
        load_wall_config(resource("config", "wall.json"), only=["nope"])
    bad = tmp_path / "w.json"
    bad.write_text(json.dumps({"views": [{"id": "x"}], "emergency_view": {}}))
    with pytest.raises(WallConfigError, match=r"views\[0\]"):
        load_wall_config(bad)


def test_a_district_wall_shows_its_district_and_no_other():
    cfg = load_wall_config(resource("config", "wall.json"))
    assert views_for_scope(cfg, CITY) is cfg
    xuhui = views_for_scope(cfg, "310104")
    # the city-wide views become Xuhui's; the Huangpu view is not on a Xuhui wall
    assert [v.id for v in xuhui.views] == ["overview", "traffic", "safety"]
    assert {v.region for v in xuhui.views} == {"310104"} and xuhui.emergency_view.region == "310104"
    huangpu = views_for_scope(cfg, "310101")
    assert [v.region for v in huangpu.views] == ["310101"] * 4
    street = views_for_scope(cfg, "310101013")
    assert "huangpu" not in [v.id for v in street.views]  # its district is above a street wall
    only_huangpu = load_wall_config(resource("config", "wall.json"), only=["huangpu"])
    with pytest.raises(WallConfigError, match="inside 310104"):
        views_for_scope(only_huangpu, "310104")


def test_headline_takes_the_district_value_or_its_worst_street_else_the_city(shift):
    state, _, _ = shift
    board = BoardModel(state)
    city = headline_specs(board, state, WallView("o", "o", "o", ("power.load", "traffic.congestion_index", "nope")))
    assert [s.key for s in city] == [("power.load", CITY), ("traffic.congestion_index", WORST)]
    hp = headline_specs(board, state, WallView("h", "h", "h", ("traffic.congestion_index", "crowd.density",
                                                                 "power.load"), region="310101"))
    assert [s.key for s in hp] == [("traffic.congestion_index", "310101"), ("crowd.density", WORST),
                                    ("power.load", CITY)]
    # on Huangpu's own wall the city's power load is not Huangpu's: left out
    own = headline_specs(board, state, WallView("h", "h", "h", ("traffic.congestion_index", "power.load"),
                                                region="310101"), scope="310101")
    assert [s.key for s in own] == [("traffic.congestion_index", "310101")]
    headline_specs(board, state, WallView("h", "h", "h", ("traffic.congestion_index", "crowd.density",
                                                                 "power.load"), region="310101"))  # its tiles again
    # the hotspot tile follows the worst hotspot inside Huangpu only
    d = board.data(("crowd.density", WORST), state.rings.last_ts[:len(state.series_keys)].max())
    assert state.series_keys[d.sid][1].startswith("310101")


def test_top_incidents_are_the_most_severe_then_the_oldest_in_the_view(shift):
    state, _, _ = shift
    allv = WallView("o", "o", "o", ())
    top = top_incidents(state, allv, (Severity.RED, Severity.ORANGE), 100)
    assert top and all(e.severity in (Severity.RED, Severity.ORANGE) and e.is_open for e in top)
    keys = [(-e.severity.rank, e.created_ts) for e in top]
    assert keys == sorted(keys)
    traffic = top_incidents(state, WallView("t", "t", "t", (), domains=("traffic",)), (Severity.RED,
                                                                                       Severity.ORANGE), 100)
    assert all(e.domain == "traffic" for e in traffic)
    assert len(top_incidents(state, allv, (Severity.RED, Severity.ORANGE), 2)) <= 2


def test_freshness_is_live_then_stale_then_down(shift):
    state, _, end = shift
    up = [FeedHealth("city", "ws://x", state=FeedState.CONNECTED)]
    assert freshness(state, up, end + 1, 60).level == "live"
    stale = freshness(state, up, end + 300, 60)
    assert stale.level == "stale" and stale.age_s == pytest.approx(300, abs=31) and stale.loud
    down = freshness(state, [FeedHealth("city", "ws://x", state=FeedState.RECONNECTING)], end + 5, 60)
    assert down.level == "down" and down.feeds_down == ("city",)


def _emergency_state():
    city = SimCity(seed=1, start_ts=1000.0, history_s=0)
    city.schedule_emergency(1100.0, 600.0, 3, ("310101", "310115"))
    state = CityState()
    state.apply_catalog(Catalog(city.indicators, city.regions))

    def step(t):
        sids, ts, vals = city.due_samples(t)
        state.apply_samples(SampleBatch([city.series_indicator[i] for i in sids.tolist()],
                                        [city.series_region[i] for i in sids.tolist()], ts, vals))
    return state, step


def test_the_simulator_declares_an_emergency_for_its_districts_and_stands_down():
    state, step = _emergency_state()
    for t in range(1000, 1100, 10):
        step(float(t))
    assert declared_regions(state, "safety.emergency_response", 1) == ((), 0.0)
    for t in range(1100, 1200, 10):
        step(float(t))
    assert declared_regions(state, "safety.emergency_response", 1) == (("310101", "310115"), 3.0)
    for t in range(1700, 1800, 10):
        step(float(t))
    assert declared_regions(state, "safety.emergency_response", 1)[0] == ()


def test_emergency_mode_follows_the_feed_and_the_operator():
    state, step = _emergency_state()
    mode = EmergencyMode(EmergencyConfig())
    step(1050.0)
    assert mode.observe(state, 1050) is None and not mode.active
    for t in range(1100, 1200, 10):
        step(float(t))
    on = mode.observe(state, 1190)
    assert on.active and on.by == "feed" and on.regions == ("310101", "310115") and mode.since == 1190
    # the operator lifts it while the platform still declares: it stays off until the platform clears
    off = mode.lift("值班员甲", "已核实，转常态处置")
    assert not off.active and not mode.active and mode.observe(state, 1195) is None
    for t in range(1700, 1800, 10):
        step(float(t))
    assert mode.observe(state, 1790) is None and not mode.active
    # an operator's declaration needs a reason, and holds until an operator lifts it
    with pytest.raises(ValueError):
        mode.declare("值班员甲", " ", 1800)
    on = mode.declare("值班员甲", "台风登陆", 1800)
    assert on.active and on.by == "operator:值班员甲" and mode.reason == "台风登陆"
    assert mode.declare("值班员乙", "again", 1801) is None  # already on: no second transition
    assert mode.observe(state, 1802) is None and mode.active
    assert not mode.lift("值班员甲").active and not mode.active


def test_emergency_thresholds_apply_at_once_and_the_feeds_come_back(shift):
    state, _, _ = shift
    cfg = load_emergency_config(resource("config", "emergency.json"))
    sid = state.series_keys.index(("hotline.calls", CITY))
    state.rings.last_val[sid] = 3500.0  # between the emergency warn (3000) and the normal warn (4000)
    state._status_due[sid] = True
    assert state.status("hotline.calls", CITY) is Status.NORMAL
    state.set_threshold_overrides(cfg.thresholds)
    assert state.status("hotline.calls", CITY) is Status.WARN
    assert state.indicators["hotline.calls"].warn == 3000
    body = state.keyframe_body()  # recordings keep the feed's own thresholds
    wire = next(i for i in body["catalog"]["indicators"] if i["id"] == "hotline.calls")
    assert wire["thresholds"]["warn"] == 4000
    state.set_threshold_overrides({})
    assert state.status("hotline.calls", CITY) is Status.NORMAL and state.indicators["hotline.calls"].warn == 4000


def test_emergency_config_errors_name_the_key(tmp_path):
    from console.alarms.emergency import EmergencyConfigError

    bad = tmp_path / "e.json"
    bad.write_text(json.dumps({"trigger": {"indicator": "x", "at_least": 1}, "rules": "r.json",
                               "thresholds": {"crowd.density": {"warn": "high"}}}))
    with pytest.raises(EmergencyConfigError, match="not a number"):
        load_emergency_config(bad)
    bad.write_text(json.dumps({"trigger": {"indicator": "x", "at_least": 1}, "rules": "r.json",
                               "thresholds": {"crowd.density": {"warn": 1, "danger": 2}}}))
    with pytest.raises(EmergencyConfigError, match=r"thresholds\.crowd\.density"):
        load_emergency_config(bad)


def test_unit_loads_count_what_each_unit_holds(shift):
    state, _, _ = shift
    held = [e for e in state.incidents.open.values() if e.assignee]
    loads = unit_loads(state, ["一个空闲单位"])
    assert sum(u.open_incidents for u in loads) == len(held)
    # the units asked for first, idle too (an emergency's own stations), then the others busiest first
    assert loads[0].unit == "一个空闲单位" and loads[0].open_incidents == 0
    others = [u.open_incidents for u in loads[1:]]
    assert others and others == sorted(others, reverse=True)
    busiest = max(held, key=lambda e: sum(x.assignee == e.assignee for x in held)).assignee
    loads = unit_loads(state, ["一个空闲单位", busiest])
    assert [u.unit for u in loads[:2]] == [busiest, "一个空闲单位"]  # asked for: busiest first among them


def test_role_policies_decide_actions_export_and_unmasking(tmp_path):
    pol = load_role_policies(resource("config", "roles.json"))
    assert pol[Role.DUTY_OFFICER].actions and not pol[Role.LEADER].actions and not pol[Role.ANALYST].actions
    assert pol[Role.ANALYST].export and not pol[Role.LEADER].export
    assert not any(p.unmask_personal for p in pol.values())  # off unless a site turns it on
    assert Operator("x", Role.LEADER).policy == DEFAULT_POLICIES[Role.LEADER]
    site = tmp_path / "roles.json"
    site.write_text(json.dumps({"roles": {"duty_officer": {"actions": True, "unmask_personal": True}}}))
    officer = Operator("x", Role.DUTY_OFFICER, load_role_policies(site)[Role.DUTY_OFFICER])
    assert officer.sees_personal_data and officer.can_act
    site.write_text(json.dumps({"roles": {"mayor": {"actions": True}}}))
    with pytest.raises(RolePolicyError, match="unknown role 'mayor'"):
        load_role_policies(site)
    site.write_text(json.dumps({"roles": {"leader": {"actions": "yes"}}}))
    with pytest.raises(RolePolicyError, match="true or false"):
        load_role_policies(site)

