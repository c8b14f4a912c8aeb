"""Fuzzing the wire's two readers under Hypothesis (the long run is `./dev fuzz`; tests/feed/frame_fuzz.py
has the corpus of real frames, the mutator and the harness): the console's decoder and the model it
feeds, and the server's client-frame reader and the authority's command desk. Whatever the bytes, a
frame is decoded or refused with a named reason, and nothing raises."""

import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from console.feed.decoder import Reason
from console.feed.protocol import FrameType
from tests.feed.frame_fuzz import Harness, by_type, corpus, mutate
from tests.hypothesis_profiles import budget

REASONS = {r.value for r in Reason} | {"series_limit"}


@pytest.fixture(scope="module")
def harness():
    server, client = corpus()
    h = Harness()
    h.prime(server)
    return h, by_type(server), by_type(client), server, client


def no_crash(h: Harness) -> None:
    crashes, h.crashes = h.crashes, []  # one example's crash is not the next one's
    assert crashes == [], crashes[0]


@settings(max_examples=budget(300, 20_000))
@given(kind=st.integers(0, 99), pick=st.integers(0, 10**6), seed=st.integers(0, 2**32), rounds=st.integers(1, 8))
def test_mutated_real_server_frames_are_decoded_or_refused_with_a_reason(harness, kind, pick, seed, rounds):
    h, server_types, _, server, _ = harness
    group = server_types[kind % len(server_types)]
    outcome = h.server_frame(mutate(random.Random(seed), group[pick % len(group)], server, rounds))
    no_crash(h)
    if outcome.startswith("rejected:"):
        assert outcome.removeprefix("rejected:") in REASONS


@settings(max_examples=budget(300, 20_000))
@given(kind=st.integers(0, 99), pick=st.integers(0, 10**6), seed=st.integers(0, 2**32), rounds=st.integers(1, 8))
def test_mutated_real_client_frames_are_answered_never_crash_the_server(harness, kind, pick, seed, rounds):
    h, _, client_types, _, client = harness
    group = client_types[kind % len(client_types)]
    h.client_frame(mutate(random.Random(seed), group[pick % len(group)], client, rounds))
    no_crash(h)


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                                 max_size=4), max_leaves=12)
FIELDS = ["seq", "samples", "values", "events", "event", "indicators", "regions", "protocol", "source", "level",
          "server_time", "ref", "ok", "error", "code", "message", "token", "topics", "id", "op", "event_id",
          "expected_version", "operator", "args", "units"]
FRAMES = st.fixed_dictionaries({"type": st.sampled_from([t.value for t in FrameType]) | st.text(max_size=8)},
                                optional={f: JSON for f in FIELDS})


@settings(max_examples=budget(300, 20_000))
@given(frame=FRAMES)
def test_any_json_frame_of_any_known_type_is_decoded_or_refused_in_both_directions(harness, frame):
    raw = json.dumps(frame).encode()
    h = harness[0]
    h.server_frame(raw)
    h.client_frame(raw)
    no_crash(h)


# each field either plausible (so a unit gets past its first checks and reaches the later ones) or anything
UNIT_FIELDS = {"id": st.text(min_size=1, max_size=70), "name": st.text(max_size=8),
               "kind": st.sampled_from(["fire", "police", "drone"]), "lat": st.floats(-100, 100),
               "lon": st.floats(-200, 200), "state": st.sampled_from(["available", "en_route", "parked"]),
               "incident": st.text(max_size=8), "ts": st.floats(-1, 2e9)}
UNITS = st.lists(st.fixed_dictionaries({}, optional={f: v | JSON for f, v in UNIT_FIELDS.items()}) | JSON,
                 max_size=5)


@settings(max_examples=budget(300, 20_000))
@given(units=UNITS)
def test_any_unit_frame_is_decoded_unit_by_unit_or_refused_and_the_book_stays_bounded(harness, units):
    h = harness[0]
    outcome = h.server_frame(json.dumps({"type": "unit", "units": units}).encode())
    no_crash(h)
    if outcome.startswith("rejected:"):
        assert outcome.removeprefix("rejected:") in REASONS
    else:  # every unit either kept or counted: none vanishes without a reason
        d = h.decoder.decode(json.dumps({"type": "unit", "units": units}).encode())
        assert len(d.frame.units) + sum(d.rejects.values()) == len(units)
        assert set(d.rejects) <= REASONS
    assert len(h.state.units) <= h.state.units.max_units


def _same(a, b) -> bool:
    """Two Decoded results alike: the frame (arrays by value), the rejects, the unknown fields."""
    fa, fb = a.frame, b.frame
    if (fa is None) != (fb is None) or a.rejects != b.rejects or a.unknown_fields != b.unknown_fields:
        return False
    if fa is None:
        return True
    if type(fa) is not type(fb) or getattr(fa, "seq", None) != getattr(fb, "seq", None):
        return False
    ba, bb = getattr(fa, "batch", None), getattr(fb, "batch", None)
    if ba is None:
        return fa == fb
    return (ba.indicators == bb.indicators and ba.regions == bb.regions
            and ba.ts.tolist() == bb.ts.tolist() and ba.values.tolist() == bb.values.tolist())


@settings(max_examples=budget(300, 20_000))
@given(kind=st.integers(0, 99), pick=st.integers(0, 10**6), seed=st.integers(0, 2**32), rounds=st.integers(0, 8))
def test_the_compiled_samples_schema_accepts_only_what_the_general_way_accepts_alike(harness, kind, pick, seed,
                                                                                       rounds):
    """The msgspec fast path (console/feed/decoder.py `_fast_samples`) takes clean `samples` frames; on
    real and mutated frames of every type, whatever it returns is what the general way returns."""
    from console.feed.decoder import Decoder, _fast_samples

    _, server_types, _, server, _ = harness
    group = server_types[kind % len(server_types)]
    raw = mutate(random.Random(seed), group[pick % len(group)], server, rounds) if rounds else group[pick % len(group)]
    fast = _fast_samples(raw)
    if fast is not None:
        assert _same(fast, Decoder()._decode(raw)), raw[:200]


@pytest.mark.parametrize("raw", [
    b'{"type":"samples","seq":1,"samples":[["a","b",1,2]],"extra":1}',  # an unknown field is counted
    b'{"type":"samples","seq":-1,"samples":[]}',
    b'{"type":"samples","seq":1,"samples":[["a","b",0,2]]}',  # ts must be positive
    b'{"type":"samples","seq":1,"samples":[["a","b",1e308,2],["a","c",1e308,2]]}',
    # the same over the size where numpy's min and sums take over from Python's
    b'{"type":"samples","seq":1,"samples":[' + b",".join(b'["a","b",1e308,2]' for _ in range(60)) + b"]}",
    b'{"type":"samples","seq":1,"samples":[' + b",".join(b'["a","b",5,1e308]' for _ in range(60)) + b"]}",
    b'{"type":"samples","seq":1,"samples":[' + b",".join(b'["a","b",5,1]' for _ in range(60)) + b',["a","b",0,1]]}',
    b'{"type":"samples","seq":1,"samples":[["a","b",true,2]]}',
    b'{"type":"samples","seq":1.0,"samples":[]}',
    b'{"type":"samples","seq":1,"samples":[["a","b",1,2,3]]}',
    b'{"samples":[["a","b",1,2]],"seq":1}',  # no type: a frame the general way refuses (found by the fuzz)
    b'{"type":"Samples","seq":1,"samples":[["a","b",1,2]]}',
])
def test_frames_the_compiled_schema_must_leave_to_the_general_way(raw):
    from console.feed.decoder import Decoder, _fast_samples

    fast = _fast_samples(raw)
    assert fast is None or _same(fast, Decoder()._decode(raw))
    assert fast is None, Decoder()._decode(raw)
