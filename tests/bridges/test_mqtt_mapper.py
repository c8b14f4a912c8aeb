"""MQTT in, the mapping: topics to indicators and regions, JSON paths, unit scaling, timestamps from the
payload or the arrival time, and every bad payload refused with its reason."""

from __future__ import annotations

import json

import pytest

from console.bridges.mqtt.mapper import MappingError, SensorMapper, load_rules, topic_of
from console.resources import resource

DOMAINS = {"water.pump_sump_level": "water", "gas.pressure": "gas", "iot.manhole_alarms": "iot",
           "iot.elevator_trapped": "iot", "water.river_level": "water"}
REGIONS = {"310000", "310101", "310104", "310101013"}
ARRIVAL = 1_790_000_000.0


def mapper() -> SensorMapper:
    return SensorMapper(load_rules(resource("config", "mqtt_mapping.json")), DOMAINS, REGIONS)


def test_the_example_mapping_turns_payloads_into_readings():
    m = mapper()
    ms = 1_789_999_990_250
    assert m.map("sensors/310101/drainage/P07/level", b'{"level_cm": 312, "ts": %d}' % ms, ARRIVAL) == (
        ["water.pump_sump_level", "310101", 1_789_999_990.25, 3.12], "water", None)
    assert m.map("sensors/310104/gas/G1/pressure", b'{"kpa": "2.5", "time": "2026-09-21T10:00:00+08:00"}',
                 ARRIVAL) == (["gas.pressure", "310104", 1_789_956_000.0, 2.5], "gas", None)
    assert m.map("sensors/310101013/manhole/M9/alarm_rate", b'{"count_per_hour": 4}', ARRIVAL) == (
        ["iot.manhole_alarms", "310101013", ARRIVAL, 4.0], "iot", None)
    assert m.map("sensors/310101/elevator/E2/trapped_rate", b'{"data": [{"v": 1, "t": 1789999000}]}', ARRIVAL) == (
        ["iot.elevator_trapped", "310101", 1_789_999_000.0, 1.0], "iot", None)
    assert m.map("sensors/310000/river/wusongkou/level", b"4.05", ARRIVAL) == (
        ["water.river_level", "310000", ARRIVAL, 4.05], "water", None)


@pytest.mark.parametrize(("topic", "payload", "reason"), [
    ("sensors/310101/drainage/P07/temperature", b'{"level_cm": 1}', "no_rule"),
    ("sensors/310101/drainage/P07/level/extra", b'{"level_cm": 1}', "no_rule"),
    ("sensors/999999/drainage/P07/level", b'{"level_cm": 1, "ts": 1}', "bad_region"),
    ("sensors/310101/drainage/P07/level", b'{"level_cm": 1', "not_json"),
    ("sensors/310101/drainage/P07/level", b'{"depth": 1, "ts": 1789999990000}', "no_value"),
    ("sensors/310101/drainage/P07/level", b'{"level_cm": true, "ts": 1789999990000}', "not_a_number"),
    ("sensors/310101/drainage/P07/level", b'{"level_cm": "high", "ts": 1789999990000}', "not_a_number"),
    ("sensors/310101/drainage/P07/level", b'{"level_cm": NaN, "ts": 1789999990000}', "not_json"),
    ("sensors/310101/drainage/P07/level", b'{"level_cm": "1e400", "ts": 1789999990000}', "not_a_number"),
    ("sensors/310101/drainage/P07/level", b'{"level_cm": 1}', "bad_timestamp"),
    ("sensors/310101/drainage/P07/level", b'{"level_cm": 1, "ts": -5}', "bad_timestamp"),
    ("sensors/310104/gas/G1/pressure", b'{"kpa": 2, "time": "2026-09-21T10:00:00"}', "bad_timestamp"),
    ("sensors/310101/drainage/P07/level", b'{"level_cm": 1, "ts": 1, "pad": "' + b"x" * 70_000 + b'"}', "too_large"),
])
def test_bad_payloads_are_refused_with_their_reason(topic, payload, reason):
    assert mapper().map(topic, payload, ARRIVAL) == (None, None, reason)


def test_indicators_the_catalog_lacks_are_refused():
    m = SensorMapper(mapper().rules, {k: v for k, v in DOMAINS.items() if k != "gas.pressure"}, REGIONS)
    assert m.map("sensors/310104/gas/G1/pressure", b'{"kpa": 2, "time": "2026-09-21T10:00:00+08:00"}',
                 ARRIVAL)[2] == "unknown_indicator"


def test_subjects_come_back_as_topics():
    assert topic_of("sensors.310101.drainage.P07.level") == "sensors/310101/drainage/P07/level"
    assert topic_of("sensors.310101.v1//2.level") == "sensors/310101/v1.2/level"


@pytest.mark.parametrize(("rule", "message"), [
    ({"topic": "a/#/b", "indicator": "i", "region": "r", "value": "$"}, "stand alone"),
    ({"topic": "a/b+", "indicator": "i", "region": "r", "value": "$"}, "stand alone"),
    ({"topic": "a/+", "indicator": "i", "region": "{5}", "value": "$"}, "no level 5"),
    ({"topic": "a/+", "indicator": "i", "region": "r", "value": "level"}, "start with"),
    ({"topic": "a/+", "indicator": "i", "region": "r", "value": "$..x"}, "cannot read"),
    ({"topic": "a/+", "indicator": "i", "region": "r", "value": "$", "scale": "2"}, "numbers"),
    ({"topic": "a/+", "indicator": "i", "region": "r", "value": "$", "timestamp_unit": "h"}, "s, ms or iso"),
    ({"topic": "a/+", "region": "r", "value": "$"}, "indicator"),
])
def test_a_bad_mapping_file_is_refused_saying_where(tmp_path, rule, message):
    path = tmp_path / "m.json"
    path.write_text(json.dumps({"rules": [rule]}), encoding="utf-8")
    with pytest.raises(MappingError, match=message):
        load_rules(path)
