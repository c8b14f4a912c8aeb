"""Ingest.held: a run of samples frames applied as one batch (a replay's burst) leaves the state and
the feed's counts exactly as applying the frames one by one does: readings older than one before them
dropped, unknown series refused until a catalog names them, events and catalogs in their place."""

from console.feed.decoder import Decoder
from console.feed.feed_health import FeedHealth
from console.feed.source import Envelope
from console.model.city_state import CityState
from console.model.ingest import Ingest
from tests.city_states import CONFIG
from tests.frames_factory import IND, REGIONS, dumps, event, samples

CONG, PRESS = "traffic.congestion_index", "water.pressure"


def frames() -> list[bytes]:
    return [
        dumps({"type": "catalog", "indicators": [IND], "regions": REGIONS}),
        samples(1, [[CONG, "310101", 100.0, 4.0], [CONG, "310104", 100.0, 9.0]]),
        samples(2, [[CONG, "310101", 130.0, 5.0], [PRESS, "310101013", 130.0, 0.15]]),  # water: not known yet
        samples(3, [[CONG, "310101", 120.0, 7.0], [CONG, "310101", 160.0, 6.0]]),  # an older reading: dropped
        dumps({"type": "event", "seq": 4, "event": event("E1")}),
        samples(5, [[CONG, "310104", 100.0, 1.0], [CONG, "nowhere", 170.0, 1.0]]),  # old, unknown region
        dumps({"type": "catalog", "indicators": [IND, {**IND, "id": PRESS}], "regions": REGIONS}),
        samples(7, [[PRESS, "310101013", 131.0, 0.2]]),
        samples(8, [[PRESS, "310101013", 190.0, 0.3], [CONG, "310104", 190.0, 8.0]]),
        samples(9, [[PRESS, "310101013", 150.0, 0.1]]),
    ]


def fed(held: bool) -> tuple[CityState, FeedHealth]:
    state, health, dec = CityState(CONFIG), FeedHealth("city", "test"), Decoder()
    ingest = Ingest(state)
    envelopes = [Envelope("city", float(i), raw, dec.decode(raw), health) for i, raw in enumerate(frames())]
    if held:
        with ingest.held():
            for env in envelopes:
                ingest(env)
    else:
        for env in envelopes:
            ingest(env)
    return state, health


def test_a_held_run_of_frames_is_the_frames_one_by_one():
    one, h1 = fed(held=False)
    run, h2 = fed(held=True)
    assert run.series_keys == one.series_keys
    assert run.latest_values() == one.latest_values()
    for k in one.series_keys:
        assert [x.tolist() for x in run.history(*k)] == [x.tolist() for x in one.history(*k)], k
    assert run.samples_total == one.samples_total
    assert run.incidents.open == one.incidents.open
    assert (h2.rejects, h2.old_samples) == (h1.rejects, h1.old_samples)
    # what one by one gives, worked out by hand from the frames above
    assert one.latest(CONG, "310101") == (160.0, 6.0) and one.latest(PRESS, "310101013") == (190.0, 0.3)
    assert h1.old_samples == 3 and sum(h1.rejects.values()) == 2


def test_frames_held_are_applied_when_the_block_ends():
    state, dec = CityState(CONFIG), Decoder()
    ingest, health = Ingest(state), FeedHealth("city", "test")
    with ingest.held():
        for raw in frames()[:3]:
            ingest(Envelope("city", 0.0, raw, dec.decode(raw), health))
        assert state.latest(CONG, "310101") is None  # not yet
    assert state.latest(CONG, "310101") == (130.0, 5.0)
