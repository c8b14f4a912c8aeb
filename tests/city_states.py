"""A CityState with every field away from its initial value, for the tests of copying, clearing and
keyframes; a flat view of a state's fields, to compare two states field by field; and what an operator
sees of a state, to compare a seek's picture with an independent rebuild."""

from __future__ import annotations

from console.feed.decoder import Decoder, decode_event
from console.feed.protocol import Status
from console.model.city_state import CityState, StateConfig
from console.model.history_rings import HistoryRings, _Views
from console.model.incident_book import IncidentBook
from console.model.unit_book import UnitBook
from tests.frames_factory import catalog, dumps, event, samples

CONFIG = StateConfig(history_s=600, recent_points=4, max_series=16, max_archive=3, max_tombstones=8)  # rings that wrap
OVERRIDES = {"traffic.congestion_index": (5.0, 7.5)}  # an emergency mode's tighter thresholds
# the configuration every state of a test shares: it stays as it was made
CONFIGURATION = {"config", "rings.max_series", "rings.recent_points", "rings.bucket_s", "rings.n_buckets",
                 "incidents.max_archive", "incidents.max_tombstones", "units.trail_s", "units.trail_step_s",
                 "units.max_units", "units.forget_s"}


def populated_state(config: StateConfig = CONFIG) -> CityState:
    """Overrides, two feeds' catalog, series of both directions in every status, statuses read and then
    due again, open, archived, vanished, stale and tombstoned incidents, a console alert, a snapshot
    waiting for its followers, changes not yet taken (some from before a seek within the session), a
    reset pending."""
    dec = Decoder()
    s = CityState(config)

    def feed(raw: bytes, name: str = "city") -> None:
        s.apply(name, dec.decode(raw).frame)

    s.clear()  # a seek: the reset is pending until the widgets take the changes
    s.set_threshold_overrides(OVERRIDES)
    feed(catalog())
    feed(dumps({"type": "event", "seq": 1, "event": event("P1")}))  # a change not yet taken when...
    s.reset_to(s.keyframe_body())  # ...a seek within the session moves the state (the catalog stays)
    for t in range(1, 6):
        feed(samples(t, [["traffic.congestion_index", "310101", 100.0 + 30 * t, 4.0 + t / 10],
                         ["traffic.congestion_index", "310104", 100.0 + 30 * t, 9.0],
                         ["water.pressure", "310101013", 100.0 + 30 * t, 0.15]]))
    assert s.status_code[:3].tolist() == [1, 3, 2]  # statuses refreshed (normal, alarm, warn below)...
    s.region_status()  # (its kept answer is part of the state too)
    feed(samples(9, [["traffic.congestion_index", "310101", 400.0, 6.0]]))  # ...and one due again
    feed(dumps({"type": "event", "seq": 10, "event": event("E1", 2, "acknowledged")}))
    feed(dumps({"type": "event", "seq": 11, "event": event("E1", 1)}))  # older: a stale update
    feed(dumps({"type": "event", "seq": 12, "event": event("E2", 1, "closed")}))  # straight to the archive
    feed(dumps({"type": "event", "seq": 3, "event": event("X1", severity="red", region="310104")}), "xuhui")
    feed(dumps({"type": "event", "seq": 13, "event": event("V1")}))
    # a resync snapshot that lists E1 and not V1: V1 vanished
    feed(dumps({"type": "snapshot", "seq": 14, "values": [], "events": [event("E1", 2, "acknowledged")]}))
    # the xuhui feed's snapshot is still waiting for one of the incidents that did not fit it
    feed(dumps({"type": "snapshot", "seq": 4, "values": [], "events": [event("X1", severity="red", region="310104")],
                "events_follow": 2}), "xuhui")
    feed(dumps({"type": "event", "seq": 5, "event": event("X2", region="310104")}), "xuhui")
    s.restore({"closed": [["city", "T1", 4]]})  # a keyframe's closed incident: its version alone
    s.console_alerts["C:water.pressure:310101013"] = decode_event(event("C:water.pressure:310101013"))
    for t in (100.0, 110.0):  # a unit with a trail of two points, its change not yet taken
        feed(dumps({"type": "unit", "units": [{"id": "U1", "name": "车", "kind": "fire", "lat": 31.2 + t / 1e4,
                                               "lon": 121.4, "state": "en_route", "incident": "E1", "ts": t}]}))
    return s


def fields(obj, prefix: str = "") -> dict[str, object]:
    """Every attribute of a state, its rings' and its incident book's, by dotted name."""
    out: dict[str, object] = {}
    for name, value in vars(obj).items():
        if isinstance(value, (memoryview, _Views)):  # views of the arrays here (the same memory): seen through them
            continue
        if isinstance(value, (HistoryRings, IncidentBook, UnitBook)):
            out.update(fields(value, f"{prefix}{name}."))
        else:
            out[prefix + name] = value
    return out


def picture(s: CityState) -> tuple:
    """What an operator sees: latest values, open incidents with their versions, every series' status.
    A series without data reads as one not there: a seek back within the session keeps the series seen
    later (their ids stay, CityState.reset_to), with no data at the earlier instant."""
    return (s.latest_values(), {k: e.version for k, e in s.incidents.open.items()},
            {k: st for k in s.series_keys if (st := s.status(*k)) is not Status.NODATA})
