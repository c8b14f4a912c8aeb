"""The decoder against hostile and broken frames: every bad frame is a named, counted reason."""

import numpy as np
import pytest

from console.feed.decoder import Decoder, Reason
from console.feed.frames import Catalog, EventFrame, Heartbeat, Hello, Reply, Samples, Snapshot, Unknown
from console.feed.protocol import IncidentState, Level, Severity
from tests.frames_factory import IND, REGIONS, catalog, dumps, event, hello, samples

dec = Decoder()


def reason_of(raw) -> str:
    d = dec.decode(raw)
    assert d.frame is None, f"expected a reject, got {d.frame}"
    assert sum(d.rejects.values()) == 1
    return next(iter(d.rejects))


def test_good_frames_decode_to_types():
    assert isinstance(dec.decode(hello()).frame, Hello)
    cat = dec.decode(catalog()).frame
    assert isinstance(cat, Catalog)
    assert cat.indicators[0].id == IND["id"] and cat.indicators[0].warn == 6.0
    assert cat.regions[3].centroid == (31.24, 121.49)
    assert isinstance(dec.decode(dumps({"type": "heartbeat", "server_time": 5})).frame, Heartbeat)
    ev = dec.decode(dumps({"type": "event", "seq": 3, "event": event()})).frame
    assert isinstance(ev, EventFrame) and ev.event.severity is Severity.YELLOW
    assert ev.event.state is IncidentState.NEW
    rep = dec.decode(dumps({"type": "reply", "ref": "c1", "ok": False, "error": "stale"})).frame
    assert isinstance(rep, Reply) and not rep.ok and rep.error == "stale"
    snap = dec.decode(dumps({"type": "snapshot", "seq": 1, "values": [["a", "310101", 1.0, 2.0]],
                             "events": [event()]})).frame
    assert isinstance(snap, Snapshot) and len(snap.values) == 1 and len(snap.events) == 1


def test_samples_become_columns():
    d = dec.decode(samples(7, [["a", "310101", 10.0, 1.5], ["b", "310104", 11, 2]]))
    assert isinstance(d.frame, Samples) and d.frame.seq == 7
    b = d.frame.batch
    assert b.indicators == ["a", "b"] and b.regions == ["310101", "310104"]
    assert b.ts.dtype == np.float64 and b.ts.tolist() == [10.0, 11.0]
    assert b.values.tolist() == [1.5, 2.0]
    assert d.rejects == {}


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"{not json", Reason.BAD_JSON),
        (b"", Reason.BAD_JSON),
        (b'{"type":"samples","seq":1,"samples":[["a","310101",1,NaN]]}', Reason.NON_FINITE),
        (b'{"type":"heartbeat","server_time":Infinity}', Reason.NON_FINITE),
        (b'{"type":"heartbeat","server_time":-Infinity}', Reason.NON_FINITE),
        (b'{"type":"heartbeat","server_time":1e400}', Reason.NON_FINITE),
        (b'{"type":"heartbeat","server_time":"5"}', Reason.WRONG_TYPE),
        (b'{"type":"heartbeat","server_time":true}', Reason.WRONG_TYPE),
        (b"[1,2,3]", Reason.NOT_OBJECT),
        (b'"samples"', Reason.NOT_OBJECT),
        (b'{"seq":1}', Reason.MISSING_TYPE),
        (b'{"type":5}', Reason.WRONG_TYPE),
        (b'{"type":"samples","samples":[]}', Reason.MISSING_FIELD),
        (b'{"type":"samples","seq":"1","samples":[]}', Reason.WRONG_TYPE),
        (b'{"type":"samples","seq":-1,"samples":[]}', Reason.BAD_VALUE),
        (b'{"type":"samples","seq":1,"samples":{"a":1}}', Reason.WRONG_TYPE),
        (b'{"type":"reply","ref":"x","ok":"yes"}', Reason.WRONG_TYPE),
        (b'{"type":"event","seq":1,"event":"boom"}', Reason.WRONG_TYPE),
        (b'{"type":"hello","protocol":"cityops.feed/1","source":"s","server_time":"\xff"}', Reason.BAD_ENCODING),
    ],
)
def test_bad_frames_are_named(raw, reason):
    assert reason_of(raw) == reason.value


def test_bad_event_fields_are_named():
    assert reason_of(dumps({"type": "event", "seq": 1, "event": event(severity="purple")})) == "bad_value"
    assert reason_of(dumps({"type": "event", "seq": 1, "event": event(state="lost")})) == "bad_value"
    assert reason_of(dumps({"type": "event", "seq": 1, "event": event(version="2")})) == "wrong_type"
    e = event()
    del e["title"]
    assert reason_of(dumps({"type": "event", "seq": 1, "event": e})) == "missing_field"
    assert reason_of(dumps({"type": "event", "seq": 1, "event": event(location={"lat": "x", "lon": 1})})) == (
        "wrong_type"
    )


def test_the_optional_level_field():
    d = Decoder()
    plain = d.decode(dumps({"type": "event", "seq": 1, "event": event()})).frame.event
    assert plain.level is None and "level" not in plain.to_wire()  # absent: the level of its region code
    up = d.decode(dumps({"type": "event", "seq": 1, "event": event(level="district")})).frame.event
    assert up.level is Level.DISTRICT and up.to_wire()["level"] == "district"
    assert d.decode(dumps({"type": "event", "seq": 1, "event": up.to_wire()})).frame.event == up  # round trip
    assert reason_of(dumps({"type": "event", "seq": 1, "event": event(level="province")})) == "bad_value"
    assert reason_of(dumps({"type": "event", "seq": 1, "event": event(level=2)})) == "wrong_type"


def test_oversized_frame_refused_before_parsing():
    big = samples(1, [["a", "310101", 1.0, float(i)] for i in range(200_000)])
    assert len(big) > 5_000_000
    assert reason_of(big) == Reason.OVERSIZED.value
    assert isinstance(Decoder(max_frame_bytes=10 << 20).decode(big).frame, Samples)


def test_bad_samples_are_dropped_one_by_one_and_the_rest_kept():
    rows = [
        ["a", "310101", 1.0, 1.0],
        ["a", "310101", 2.0, "3.5"],  # a number as text
        ["a", "310101", 3.0],  # too short
        ["a", "310101", 4.0, True],  # a boolean is not a number
        [1, "310101", 5.0, 1.0],  # indicator id not text
        "row",
        ["a", "310101", -5.0, 1.0],  # impossible time
        ["a", "310101", 6.0, 2.0],
        ["a", "310101", 7.0, None],  # null
    ]
    d = dec.decode(samples(1, rows))
    assert isinstance(d.frame, Samples)
    assert d.frame.batch.ts.tolist() == [1.0, 6.0]
    assert d.rejects == {"bad_sample": 7}


def test_a_time_beyond_2100_is_refused_and_the_rest_kept():
    """1.5e308 is a finite double: a reading stamped with it went through the decoder, and the model's
    minute buckets overflowed (the fuzzer found it). Refused as a reading, and as any time of an event."""
    good = [["a", "310101", 1_700_000_000.0 + i, 1.0] for i in range(60)]  # over 48: the numpy check too
    for rows in (good[:3], good):
        d = dec.decode(samples(1, [*rows, ["a", "310101", 1.5e308, 2.0], ["a", "310101", 4_102_444_800.0, 2.0]]))
        assert isinstance(d.frame, Samples) and len(d.frame.batch.ts) == len(rows)
        assert d.rejects == {"bad_sample": 2}
    for field in ("created_ts", "updated_ts", "sla_due_ts"):
        assert reason_of(dumps({"type": "event", "seq": 1, "event": event(**{field: 1.5e308})})) == "bad_value"
    late = event(history=[{"ts": 5e9, "state": "new"}])
    assert reason_of(dumps({"type": "event", "seq": 1, "event": late})) == "bad_value"
    assert reason_of(dumps({"type": "heartbeat", "server_time": 1e300})) == "bad_value"


def test_markup_in_titles_is_kept_literally():
    title = '<script>alert("x")</script><img src=x onerror=alert(1)> & "引号" 🚧'
    d = dec.decode(dumps({"type": "event", "seq": 1, "event": event(title=title, detail="<b>x</b>")}))
    assert d.frame.event.title == title
    assert d.frame.event.detail == "<b>x</b>"


def test_unknown_types_and_fields_are_counted_not_rejected():
    d = dec.decode(dumps({"type": "weather_radar", "tiles": []}))
    assert isinstance(d.frame, Unknown) and d.rejects == {}
    d = dec.decode(dumps({"type": "heartbeat", "server_time": 1, "load": 0.3, "region": "x"}))
    assert isinstance(d.frame, Heartbeat) and d.unknown_fields == 2


def test_catalog_with_bad_centroid_is_rejected():
    regs = [dict(REGIONS[0], centroid=[31.2])]
    assert reason_of(dumps({"type": "catalog", "indicators": [IND], "regions": regs})) == "wrong_type"


def test_a_regions_kind_of_point_and_an_indicators_rollup_travel_and_round_trip():
    regs = [dict(REGIONS[3], point="schematic"), REGIONS[1]]
    inds = [dict(IND, scope="street", rollup="sum"), IND]
    cat = dec.decode(dumps({"type": "catalog", "indicators": inds, "regions": regs})).frame
    assert [r.point for r in cat.regions] == ["schematic", None]
    assert [i.rollup for i in cat.indicators] == ["sum", None]
    # what a feed (the simulator, a hub's catalog) sends again is what it received; unset stays absent
    assert [r.to_wire() for r in cat.regions] == regs and [i.to_wire() for i in cat.indicators] == inds


def test_catalog_with_an_unknown_rollup_is_rejected():
    inds = [dict(IND, rollup="median")]
    assert reason_of(dumps({"type": "catalog", "indicators": inds, "regions": REGIONS})) == "bad_value"


def test_decoder_never_raises_on_random_bytes():
    rng = np.random.default_rng(1)
    for _ in range(300):
        raw = rng.integers(0, 256, size=int(rng.integers(0, 200)), dtype=np.uint8).tobytes()
        d = dec.decode(raw)
        assert d.frame is not None or d.rejects
    # and on structurally odd but valid JSON
    for obj in [{"type": "samples", "seq": 1, "samples": [[[]] * 4]}, {"type": "snapshot", "seq": 1, "values": 5},
                {"type": "catalog", "indicators": [5]}, {"type": "event", "seq": 1, "event": {"history": 3}}]:
        d = dec.decode(dumps(obj))
        assert d.frame is not None or d.rejects


def test_an_events_area_decodes_and_bad_ones_are_named():
    area = {"desc": "黄浦区", "polygons": [[[31.2, 121.4], [31.3, 121.5], [31.2, 121.5], [31.2, 121.4]]],
            "circles": [{"lat": 30.9, "lon": 121.9, "radius_km": 25}]}
    d = Decoder().decode(dumps({"type": "event", "seq": 1, "event": event(area=area)}))
    assert d.unknown_fields == 0
    ev = d.frame.event
    assert ev.area.polygons[0][1] == (31.3, 121.5) and ev.area.circles == ((30.9, 121.9, 25.0),)
    assert ev.to_wire()["area"] == {**area, "circles": [{"lat": 30.9, "lon": 121.9, "radius_km": 25.0}]}
    assert Decoder().decode(dumps({"type": "event", "seq": 1, "event": event()})).frame.event.area is None
    for bad, reason in (({"polygons": [[[91.0, 121.4]]]}, Reason.BAD_VALUE),
                        ({"polygons": [[[31.2]]]}, Reason.WRONG_TYPE),
                        ({"polygons": [[[31.2, 121.4]] * 10_001]}, Reason.BAD_VALUE),
                        ({"circles": [{"lat": 30.9, "lon": 121.9, "radius_km": -1}]}, Reason.BAD_VALUE),
                        ({"circles": [{"lat": 30.9, "lon": 121.9}]}, Reason.MISSING_FIELD),
                        ("黄浦区", Reason.WRONG_TYPE)):
        d = Decoder().decode(dumps({"type": "event", "seq": 1, "event": event(area=bad)}))
        assert d.frame is None and d.rejects == {reason.value: 1}, (bad, d.rejects)
