"""A seek between two instants of the same session (a time-shift's drag): the state keeps its catalog
and its series, with their ids, and tells the views what differs instead of asking them to start
over; what it then holds is what a state restored from scratch holds."""

import orjson

from console.feed.decoder import Decoder
from console.feed.protocol import Status
from console.model.city_state import CityState
from tests.city_states import CONFIG
from tests.frames_factory import IND, REGIONS, catalog, dumps, event, samples

CONG, PRESS = "traffic.congestion_index", "water.pressure"


def two_instants() -> tuple[dict, dict]:
    """Keyframe bodies (through JSON, as recorded) of one live city at two instants. Between them: the
    readings move on, a series appears, E1 is acknowledged, N1 opens, S1 stays as it was."""
    live, dec = CityState(CONFIG), Decoder()

    def feed(raw: bytes) -> None:
        live.apply("city", dec.decode(raw).frame)

    feed(catalog())
    feed(samples(1, [[CONG, "310101", 100.0, 4.0], [CONG, "310104", 100.0, 9.0]]))
    feed(dumps({"type": "event", "seq": 2, "event": event("E1")}))
    feed(dumps({"type": "event", "seq": 3, "event": event("S1", region="310104")}))
    a = orjson.loads(orjson.dumps(live.keyframe_body()))
    feed(samples(4, [[CONG, "310101", 130.0, 5.0], [PRESS, "310101013", 130.0, 0.15]]))
    feed(dumps({"type": "event", "seq": 5, "event": event("E1", 2, "acknowledged")}))
    feed(dumps({"type": "event", "seq": 6, "event": event("N1")}))
    return a, orjson.loads(orjson.dumps(live.keyframe_body()))


def at(body: dict, state: CityState | None = None) -> CityState:
    s = state if state is not None else CityState(CONFIG)
    s.reset_to(body)
    s.restore(body)
    return s


def test_a_seek_to_another_instant_keeps_the_series_and_reports_only_what_differs():
    a, b = two_instants()
    view = at(b)
    first = view.take_changes()
    assert first.reset and first.catalog  # a state that held nothing starts over
    ids = {k: view.series_id(*k) for k in view.series_keys}
    at(a, view)
    ch = view.take_changes()
    assert ch.moved and not ch.reset and not ch.catalog
    assert {k: view.series_id(*k) for k in ids} == ids  # every series where it was: tiles stay laid out
    assert ch.events == {"E1", "N1"}  # S1 is the same incident at both instants
    assert set(ch.series.tolist()) == set(ids.values())
    fresh = at(a)
    assert view.latest_values() == fresh.latest_values()
    assert view.incidents.open == fresh.incidents.open
    # the series first seen after `a` stays a series, without data there
    assert view.latest(PRESS, "310101013") is None and view.status(PRESS, "310101013") is Status.NODATA
    assert {k: view.status(*k) for k in fresh.series_keys} == {k: fresh.status(*k) for k in fresh.series_keys}
    for k in fresh.series_keys:
        assert [x.tolist() for x in view.history(*k)] == [x.tolist() for x in fresh.history(*k)], k
    # and forward again: the instant's own picture, N1 back
    at(b, view)
    ch = view.take_changes()
    assert ch.moved and ch.events == {"E1", "N1"}
    assert view.latest_values() == at(b).latest_values() and view.incidents.open == at(b).incidents.open


def test_changes_not_taken_before_a_seek_are_reported_whatever_it_made_of_them():
    a, b = two_instants()
    view = at(a)
    view.take_changes()
    view.apply("city", Decoder().decode(dumps({"type": "event", "seq": 9, "event": event("N1")})).frame)
    at(b, view)  # N1 is at `b` as it was just before the seek, but the views were never told of it
    assert "N1" in view.take_changes().events


def test_a_keyframe_of_another_catalog_starts_over():
    a, _ = two_instants()
    view = at(a)
    view.take_changes()
    other = dict(a, catalog={"indicators": [IND], "regions": REGIONS})  # the water indicator is gone
    at(other, view)
    ch = view.take_changes()
    assert ch.reset and ch.catalog and not ch.moved
    assert PRESS not in view.indicators
