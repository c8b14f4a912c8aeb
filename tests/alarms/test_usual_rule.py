"""The `usual` discovery rule: a sustained departure from the typical day raises one ◆ console alarm
after its on-delay and clears after its off-delay; a thin basis raises nothing; a stuck sensor is an
anomaly too (a silent series: tests/normal/test_departure.py)."""

import numpy as np

from console.alarms.discovery_rules import Rule, RuleEngine
from console.alarms.states import AlarmState
from console.feed.decoder import Decoder
from console.feed.protocol import Severity
from console.model.city_state import CityState
from console.normal.departure import Judgement
from console.normal.profiles import Profiles
from console.normal.usual import Usual
from tests.frames_factory import catalog, samples

dec = Decoder()
T = 1_700_000_000.0
IND, REG = "traffic.congestion_index", "310101"
AID = f"C:usual:{IND}@{REG}"
RULE = Rule("usual", "usual", "偏离同期", Severity.YELLOW, on_delay_s=300, off_delay_s=120,
            judgement=Judgement(band_margin=0.5))  # beyond 5.0 or below 1.0 (band 2.0–4.0)


def usual(days=(20, 8), flat_share=0.5) -> Usual:
    """Typical 3.0, band 2.0–4.0 at every slot of both day classes."""
    shape = (1, 2, 96)
    p = Profiles([f"{IND}@{REG}"], np.full(shape, 2.0, np.float32), np.full(shape, 3.0, np.float32),
                 np.full(shape, 4.0, np.float32), np.array([days], np.int16), np.array([flat_share], np.float32),
                 0, 27, 0.0)
    return Usual(p)


class City:
    def __init__(self):
        self.state = CityState()
        self.state.apply("city", dec.decode(catalog()).frame)
        self.seq = 1

    def reading(self, ts: float, v: float) -> None:
        self.seq += 1
        self.state.apply("city", dec.decode(samples(self.seq, [[IND, REG, ts, v]])).frame)


def test_on_delay_then_one_alarm_saying_how_far_and_how_long_then_off_delay():
    city, eng = City(), RuleEngine([RULE], usual=usual())
    for k in range(0, 300, 30):  # 6.0 is 100 % above the typical 3.0 and beyond the band's margin
        city.reading(T + k, 6.0 + k * 1e-3)
        assert eng.evaluate(city.state, [], T + k) == set(), k  # not yet held for the on-delay
    city.reading(T + 300, 6.0)
    assert eng.evaluate(city.state, [], T + 300) == {AID} and eng.announced == [AID]
    item = city.state.console_alerts[AID]
    assert item.title.startswith("◆") and "偏离同期" in item.title
    assert "异常：高于同期 100%，持续 5 分钟" in item.detail
    city.reading(T + 400, 3.1)  # back to usual
    eng.evaluate(city.state, [], T + 400)
    eng.evaluate(city.state, [], T + 519)
    assert eng.alarms.alarms[AID].active  # the off-delay holds it
    eng.evaluate(city.state, [], T + 520)
    assert eng.alarms.alarms[AID].state is AlarmState.RTN_UNACK


def test_a_short_departure_raises_nothing_and_below_is_said_so():
    city, eng = City(), RuleEngine([RULE], usual=usual())
    city.reading(T, 9.0)
    eng.evaluate(city.state, [], T)
    city.reading(T + 200, 3.0)  # gone before the on-delay ran out
    eng.evaluate(city.state, [], T + 200)
    city.reading(T + 250, 0.4)  # now far below: the clock starts again
    eng.evaluate(city.state, [], T + 250)
    assert eng.evaluate(city.state, [], T + 540) == set()
    city.reading(T + 550, 0.41)
    assert eng.evaluate(city.state, [], T + 550) == {AID}
    assert "异常：低于同期 86%，持续 5 分钟" in city.state.console_alerts[AID].detail


def test_a_thin_basis_or_no_profile_raises_nothing():
    for u in (usual(days=(5, 2)), Usual(None), None):  # one week of history; no profiles at all
        city, eng = City(), RuleEngine([RULE], usual=u)
        for k in range(0, 1200, 60):
            city.reading(T + k, 9.0 + k * 1e-3)
            assert eng.evaluate(city.state, [], T + k) == set()


def test_a_stuck_sensor_that_normally_moves_is_an_anomaly_a_count_that_often_repeats_is_not():
    details = {}
    for flat_share in (0.01, 0.5):
        city, eng = City(), RuleEngine([RULE], usual=usual(flat_share=flat_share))
        for k in range(0, 1300, 60):
            city.reading(T + k, 3.3)  # inside the band, but never moving
            eng.evaluate(city.state, [], T + k)
        details[flat_share] = city.state.console_alerts[AID].detail if AID in city.state.console_alerts else None
    assert "异常：读数不变（疑似传感器卡滞）" in details[0.01] and details[0.5] is None
