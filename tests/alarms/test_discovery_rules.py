"""Console-side machine discovery: held thresholds, forecasts, stale feeds; one item per rule and
place, re-armed after clearing; silences hold new items back until they expire."""

import pytest

from console.alarms.discovery_rules import Rule, RuleEngine, RulesConfigError, load_rules
from console.alarms.states import AlarmState
from console.feed.decoder import Decoder
from console.feed.feed_health import FeedHealth, FeedState
from console.feed.protocol import IncidentState, Severity
from console.model.city_state import CityState
from console.resources import resource
from tests.frames_factory import catalog, samples

dec = Decoder()
T = 1_700_000_000.0
HELD = Rule("alarm-held", "threshold_hold", "持续越限", Severity.ORANGE, ("*",), "alarm", on_delay_s=60)


def state_with(value: float, ts: float = T) -> CityState:
    s = CityState()
    s.apply("city", dec.decode(catalog()).frame)
    s.apply("city", dec.decode(samples(1, [["traffic.congestion_index", "310101", ts, value]])).frame)
    return s


def test_threshold_must_hold_then_raises_once_then_returns_unacknowledged_and_rearms():
    st = state_with(9.0)  # alarm is 8
    eng = RuleEngine([HELD])
    assert eng.evaluate(st, [], T) == set()  # not yet held for 60 s (the on-delay)
    aid = "C:alarm-held:traffic.congestion_index@310101"
    assert eng.evaluate(st, [], T + 61) == {aid} and eng.announced == [aid]
    item = st.console_alerts[aid]
    assert item.source == "console" and item.title.startswith("◆") and item.state is IncidentState.NEW
    assert eng.evaluate(st, [], T + 120) == set() and eng.announced == []  # one alarm, not re-raised
    st.apply("city", dec.decode(samples(2, [["traffic.congestion_index", "310101", T + 130, 3.0]])).frame)
    assert eng.evaluate(st, [], T + 131) == {aid}
    # back to normal before anyone acknowledged it: it stays in the queue, marked so
    assert eng.alarms.alarms[aid].state is AlarmState.RTN_UNACK and aid in st.open_console_alerts()
    st.apply("city", dec.decode(samples(3, [["traffic.congestion_index", "310101", T + 140, 9.5]])).frame)
    eng.evaluate(st, [], T + 141)
    eng.evaluate(st, [], T + 202)
    again = st.console_alerts[aid]
    assert again.is_open and again.state is IncidentState.NEW and "第 2 次" in again.detail
    eng.alarms.acknowledge(aid, "值班员甲", T + 210)
    assert eng.sync(st, T + 210) == {aid} and st.console_alerts[aid].state is IncidentState.ACKNOWLEDGED
    st.apply("city", dec.decode(samples(4, [["traffic.congestion_index", "310101", T + 220, 3.0]])).frame)
    eng.evaluate(st, [], T + 221)
    assert aid not in st.open_console_alerts()  # acknowledged and cleared: gone, re-armed
    assert aid not in st.incidents.open  # never in the platform's book


def test_off_delay_and_deadband_hold_a_flickering_value():
    st = state_with(9.0)  # alarm 8
    rule = Rule("alarm-held", "threshold_hold", "持续越限", Severity.ORANGE, on_delay_s=0, off_delay_s=30,
                deadband=0.05)
    eng = RuleEngine([rule])
    aid = "C:alarm-held:traffic.congestion_index@310101"
    eng.evaluate(st, [], T)
    assert eng.alarms.alarms[aid].active
    # 7.8 is below the threshold but within 5 % of it: still active
    st.apply("city", dec.decode(samples(2, [["traffic.congestion_index", "310101", T + 10, 7.8]])).frame)
    eng.evaluate(st, [], T + 11)
    assert eng.alarms.alarms[aid].active
    # 7.0 is past the deadband, but the off-delay wants 30 s of it
    st.apply("city", dec.decode(samples(3, [["traffic.congestion_index", "310101", T + 20, 7.0]])).frame)
    eng.evaluate(st, [], T + 21)
    assert eng.alarms.alarms[aid].active
    eng.evaluate(st, [], T + 50)
    assert eng.alarms.alarms[aid].active
    eng.evaluate(st, [], T + 52)
    assert not eng.alarms.alarms[aid].active


def test_a_value_held_in_the_deadband_past_the_off_delay_keeps_the_alarm():
    """The deadband alone holds it: below the threshold, within 5 % of it, for longer than the off-delay."""
    st = state_with(9.0)  # alarm 8
    rule = Rule("alarm-held", "threshold_hold", "持续越限", Severity.ORANGE, on_delay_s=0, off_delay_s=10,
                deadband=0.05)
    eng = RuleEngine([rule])
    aid = "C:alarm-held:traffic.congestion_index@310101"
    eng.evaluate(st, [], T)
    st.apply("city", dec.decode(samples(2, [["traffic.congestion_index", "310101", T + 10, 7.8]])).frame)
    for t in (T + 11, T + 30, T + 60):
        eng.evaluate(st, [], t)
        assert eng.alarms.alarms[aid].active, t - T
    st.apply("city", dec.decode(samples(3, [["traffic.congestion_index", "310101", T + 70, 7.0]])).frame)
    eng.evaluate(st, [], T + 71)
    eng.evaluate(st, [], T + 82)
    assert not eng.alarms.alarms[aid].active


def test_back_into_the_deadband_during_the_off_delay_holds_the_alarm_again():
    """Past the deadband the off-delay starts; back within it before the off-delay ends, the still active
    alarm's condition holds again (the deadband counts for an active alarm, whatever happened between)."""
    st = state_with(9.0)  # alarm 8
    rule = Rule("alarm-held", "threshold_hold", "持续越限", Severity.ORANGE, on_delay_s=0, off_delay_s=30,
                deadband=0.05)
    eng = RuleEngine([rule])
    aid = "C:alarm-held:traffic.congestion_index@310101"
    eng.evaluate(st, [], T)
    st.apply("city", dec.decode(samples(2, [["traffic.congestion_index", "310101", T + 10, 7.0]])).frame)
    eng.evaluate(st, [], T + 11)  # past the deadband: the off-delay runs
    st.apply("city", dec.decode(samples(3, [["traffic.congestion_index", "310101", T + 20, 7.8]])).frame)
    eng.evaluate(st, [], T + 21)  # within it again, the alarm still active
    eng.evaluate(st, [], T + 50)  # 39 s after the value left the deadband, 29 s within it since
    assert eng.alarms.alarms[aid].active


def test_a_dip_below_the_threshold_restarts_the_on_delay():
    """The condition's clock stops when it stops holding: back above, it must hold the whole on-delay again."""
    st = state_with(9.0)  # alarm 8
    eng = RuleEngine([HELD])  # on-delay 60 s
    aid = "C:alarm-held:traffic.congestion_index@310101"
    eng.evaluate(st, [], T)
    st.apply("city", dec.decode(samples(2, [["traffic.congestion_index", "310101", T + 30, 3.0]])).frame)
    eng.evaluate(st, [], T + 31)  # a dip
    st.apply("city", dec.decode(samples(3, [["traffic.congestion_index", "310101", T + 40, 9.0]])).frame)
    eng.evaluate(st, [], T + 41)
    eng.evaluate(st, [], T + 70)  # 70 s since the first crossing, 29 s since the second
    assert aid not in eng.alarms.alarms or not eng.alarms.alarms[aid].active
    eng.evaluate(st, [], T + 102)  # 61 s since the second
    assert eng.alarms.alarms[aid].active


def test_a_chattering_condition_is_one_entry_with_a_count_and_announced_twice_only():
    st = state_with(9.0)
    eng = RuleEngine([Rule("alarm-held", "threshold_hold", "持续越限", Severity.ORANGE, on_delay_s=0)])
    aid = "C:alarm-held:traffic.congestion_index@310101"
    announced = []
    for k in range(6):  # in and out of alarm every 5 s
        st.apply("city", dec.decode(samples(10 + k, [["traffic.congestion_index", "310101", T + k * 10,
                                                      9.0 if k % 2 == 0 else 3.0]])).frame)
        eng.evaluate(st, [], T + k * 10 + 1)
        announced += eng.announced
    a = eng.alarms.alarms[aid]
    assert a.activations == 3 and a.chattering and announced == [aid, aid]
    assert len(st.open_console_alerts()) == 1 and "振荡" in st.console_alerts[aid].title
    assert "第 3 次" in st.console_alerts[aid].detail
    st.apply("city", dec.decode(samples(30, [["traffic.congestion_index", "310101", T + 70, 3.0]])).frame)
    eng.evaluate(st, [], T + 200)  # a quiet minute: no longer chattering
    assert not a.chattering and "振荡" not in st.console_alerts[aid].title


def test_suppressed_by_design_rules_leave_the_queue_and_come_back():
    st = state_with(9.0)
    eng = RuleEngine([Rule("alarm-held", "threshold_hold", "持续越限", Severity.ORANGE, on_delay_s=0)])
    aid = "C:alarm-held:traffic.congestion_index@310101"
    eng.evaluate(st, [], T)
    eng.alarms.set_suppressed_by_design({"alarm-held"}, "应急模式", T + 1)
    eng.evaluate(st, [], T + 2)
    assert aid not in st.open_console_alerts() and eng.announced == []
    eng.alarms.set_suppressed_by_design(set(), "", T + 3)
    eng.evaluate(st, [], T + 4)
    assert st.console_alerts[aid].state is IncidentState.NEW


def test_forecast_rule_warns_before_the_crossing():
    st = CityState()
    st.apply("city", dec.decode(catalog()).frame)
    rows = [["water.pressure", "310104", T + i * 30, 0.25 - i * 0.003] for i in range(20)]
    st.apply("city", dec.decode(samples(1, rows)).frame)
    rule = Rule("fc", "forecast", "趋势预警", Severity.YELLOW, ("water.pressure",), within_s=1800)
    eng = RuleEngine([rule])
    changed = eng.evaluate(st, [], T + 19 * 30)
    assert changed == {"C:fc:water.pressure@310104"}
    assert "分钟后达到预警阈值" in st.console_alerts["C:fc:water.pressure@310104"].detail


def test_stale_feed_raises_and_recovers():
    h = FeedHealth("xuhui", "ws://x")
    h.state = FeedState.RECONNECTING
    st = state_with(1.0)
    eng = RuleEngine([Rule("feed-stale", "feed_stale", "数据中断", Severity.ORANGE, on_delay_s=30)])
    eng.evaluate(st, [h], T)
    assert eng.evaluate(st, [h], T + 31) == {"C:feed-stale:xuhui"}
    h.state = FeedState.CONNECTED
    eng.evaluate(st, [h], T + 40)
    assert st.console_alerts["C:feed-stale:xuhui"].state is IncidentState.RESOLVED  # back, not yet acknowledged


def test_silence_by_region_holds_back_and_expires():
    st = state_with(9.0)
    eng = RuleEngine([HELD])
    s = eng.silence("region", "3101", "黄浦区施工，已知", "值班员甲", duration_s=600, now=T)
    eng.evaluate(st, [], T)
    assert eng.evaluate(st, [], T + 100) == set() and eng.suppressed == 1
    assert eng.expire_silences(T + 700) == [s]
    assert eng.evaluate(st, [], T + 701) == {"C:alarm-held:traffic.congestion_index@310101"}
    with pytest.raises(ValueError):
        eng.silence("rule", "alarm-held", "  ", "值班员甲", 60)  # a reason is required


def test_shipped_rules_load_and_bad_ones_are_named(tmp_path):
    rules = load_rules(resource("config", "rules.json"))
    assert {r.kind for r in rules} == {"threshold_hold", "forecast", "feed_stale", "usual"}
    bad = tmp_path / "r.json"
    bad.write_text('{"rules": [{"id": "x", "kind": "vibes"}]}')
    with pytest.raises(RulesConfigError, match="unknown kind"):
        load_rules(bad)
    bad.write_text('{"rules": [{"id": "x", "kind": "threshold_hold", "deadband": 2}]}')
    with pytest.raises(RulesConfigError, match="deadband"):
        load_rules(bad)
    old = tmp_path / "old.json"  # the earlier spellings of the on-delay still read
    old.write_text('{"rules": [{"id": "a", "kind": "threshold_hold", "hold_s": 5}, '
                   '{"id": "b", "kind": "feed_stale", "after_s": 7}]}')
    assert [r.on_delay_s for r in load_rules(old)] == [5.0, 7.0]
