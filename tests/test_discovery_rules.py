"""Console-side machine discovery: held thresholds, forecasts, stale feeds; one item per rule and
place, re-armed after clearing; silences hold new items back until they expire."""

import pytest

from console.city_state import CityState
from console.decoder import Decoder
from console.discovery_rules import Rule, RuleEngine, RulesConfigError, load_rules
from console.feed_health import FeedHealth, FeedState
from console.protocol import IncidentState, Severity
from console.resources import resource
from tests.frames_factory import catalog, samples

dec = Decoder()
T = 1_700_000_000.0
HELD = Rule("alarm-held", "threshold_hold", "持续越限", Severity.ORANGE, ("*",), "alarm", hold_s=60)


def state_with(value: float, ts: float = T) -> CityState:
    s = CityState()
    s.apply("city", dec.decode(catalog()).frame)
    s.apply("city", dec.decode(samples(1, [["traffic.congestion_index", "310101", ts, value]])).frame)
    return s


def test_threshold_must_hold_then_raises_once_then_clears_and_rearms():
    st = state_with(9.0)  # alarm is 8
    eng = RuleEngine([HELD])
    assert eng.evaluate(st, [], T) == set()  # not yet held for 60 s
    aid = "C:alarm-held:traffic.congestion_index@310101"
    assert eng.evaluate(st, [], T + 61) == {aid}
    item = st.console_alerts[aid]
    assert item.source == "console" and item.title.startswith("◆") and item.state is IncidentState.NEW
    assert eng.evaluate(st, [], T + 120) == set()  # deduplicated while it stays open
    st.apply("city", dec.decode(samples(2, [["traffic.congestion_index", "310101", T + 130, 3.0]])).frame)
    assert eng.evaluate(st, [], T + 131) == {aid}
    assert st.console_alerts[aid].state is IncidentState.CLOSED and aid not in st.open_console_alerts()
    st.apply("city", dec.decode(samples(3, [["traffic.congestion_index", "310101", T + 140, 9.5]])).frame)
    eng.evaluate(st, [], T + 141)
    eng.evaluate(st, [], T + 202)
    again = st.console_alerts[aid]
    assert again.is_open and "第 2 次" in again.detail
    assert aid not in st.incidents.open  # never in the platform's book


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
    eng = RuleEngine([Rule("feed-stale", "feed_stale", "数据中断", Severity.ORANGE, after_s=30)])
    eng.evaluate(st, [h], T)
    assert eng.evaluate(st, [h], T + 31) == {"C:feed-stale:xuhui"}
    h.state = FeedState.CONNECTED
    eng.evaluate(st, [h], T + 40)
    assert st.console_alerts["C:feed-stale:xuhui"].state is IncidentState.CLOSED


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
    assert {r.kind for r in rules} == {"threshold_hold", "forecast", "feed_stale"}
    bad = tmp_path / "r.json"
    bad.write_text('{"rules": [{"id": "x", "kind": "vibes"}]}')
    with pytest.raises(RulesConfigError, match="unknown kind"):
        load_rules(bad)
