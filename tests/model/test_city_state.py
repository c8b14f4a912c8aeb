"""CityState, no Qt: catalog, latest values, bounded history, statuses, incidents, change tracking."""

import numpy as np

from console.feed.decoder import Decoder
from console.feed.protocol import IncidentState, Status
from console.model.city_state import CityState, StateConfig
from tests.frames_factory import catalog, dumps, event, samples

dec = Decoder()


def state_with_catalog(**cfg) -> CityState:
    s = CityState(StateConfig(**cfg))
    s.apply("city", dec.decode(catalog()).frame)
    return s


def feed(s: CityState, raw: bytes, name="city"):
    return s.apply(name, dec.decode(raw).frame)


def test_latest_status_and_rollup():
    s = state_with_catalog()
    feed(s, samples(1, [["traffic.congestion_index", "310101", 10.0, 5.0],
                        ["traffic.congestion_index", "310104", 10.0, 8.5],
                        ["water.pressure", "310101013", 10.0, 0.15]]))
    assert s.latest("traffic.congestion_index", "310101") == (10.0, 5.0)
    assert s.status("traffic.congestion_index", "310101") is Status.NORMAL
    assert s.status("traffic.congestion_index", "310104") is Status.ALARM
    assert s.status("water.pressure", "310101013") is Status.WARN  # "below": low is bad
    assert s.status("water.pressure", "310104") is Status.NODATA
    roll = s.region_status()
    assert roll["310104"] is Status.ALARM
    assert roll["310101"] is Status.WARN  # from its street
    assert roll["310000"] is Status.ALARM


def test_rollup_follows_each_status_change_and_each_new_series_after_being_asked():
    """region_status keeps its last answer between asks: it must still see a status that changes, a
    series that appears and a state cleared and refilled."""
    s = state_with_catalog()
    feed(s, samples(1, [["traffic.congestion_index", "310104", 10.0, 8.5]]))
    assert s.region_status()["310104"] is Status.ALARM
    feed(s, samples(2, [["traffic.congestion_index", "310104", 11.0, 5.0]]))
    assert s.region_status()["310104"] is Status.NORMAL
    assert s.region_status()["310000"] is Status.NORMAL
    feed(s, samples(3, [["water.pressure", "310101013", 12.0, 0.15]]))  # a new series, in another district
    roll = s.region_status()
    assert roll["310101"] is Status.WARN and roll["310000"] is Status.WARN
    s.region_status()["310000"] = Status.NODATA  # a caller's copy (of a kept answer): changing it changes nothing
    assert s.region_status()["310000"] is Status.WARN
    s.clear()
    assert s.region_status() == {}
    s.apply("city", dec.decode(catalog()).frame)
    feed(s, samples(1, [["traffic.congestion_index", "310101", 10.0, 9.0]]))
    assert s.region_status() == {"310101": Status.ALARM, "310000": Status.ALARM}


def test_unknown_indicator_and_region_are_rejected_and_counted():
    s = state_with_catalog()
    out = feed(s, samples(1, [["nope", "310101", 1.0, 1.0], ["traffic.congestion_index", "999999", 1.0, 1.0],
                              ["traffic.congestion_index", "310101", 1.0, 1.0]]))
    assert out.rejects == {"unknown_indicator": 1, "unknown_region": 1}
    assert out.samples == 1


def test_history_is_the_recent_readings_and_minute_envelopes_before_them():
    s = state_with_catalog(history_s=600, recent_points=4)  # ten minutes of minute buckets, four readings as received
    for t in range(1, 50):  # every 30 s (the indicator's cadence)
        feed(s, samples(t, [["traffic.congestion_index", "310101", float(t * 30), float(t)]]))
    ts, v = s.history("traffic.congestion_index", "310101")
    # 1470 s is the newest: buckets from 900 s on are held; each bucket's two readings as (min at its
    # start, max half a minute on), the ring's oldest bucket (1380-1439 s) too, then 1440 and 1470 as received
    assert ts.tolist() == [900, 930, 960, 990, 1020, 1050, 1080, 1110, 1140, 1170, 1200, 1230, 1260, 1290,
                           1320, 1350, 1380, 1410, 1440, 1470]
    assert v.tolist() == [float(t) for t in range(30, 50)]
    # from within the ring: every reading from then on is in it; from before: the bucket holding it is cut there
    assert s.history("traffic.congestion_index", "310101", since=1420)[0].tolist() == [1440, 1470]
    assert s.history("traffic.congestion_index", "310101", since=1300)[0].tolist() == [1300, 1300, 1320, 1350, 1380,
                                                                                       1410, 1440, 1470]


def test_series_limit_rejects_instead_of_growing():
    s = state_with_catalog(max_series=2)
    out = feed(s, samples(1, [["traffic.congestion_index", r, 1.0, 1.0] for r in ("310000", "310101", "310104")]))
    assert out.samples == 2 and out.rejects == {"series_limit": 1}


def test_incidents_upsert_by_version_and_leave_the_open_book_when_closed():
    s = state_with_catalog()
    feed(s, dumps({"type": "event", "seq": 1, "event": event("E1", 2, "acknowledged")}))
    feed(s, dumps({"type": "event", "seq": 2, "event": event("E1", 1, "new")}))  # older: ignored
    assert s.incidents.open["E1"].state is IncidentState.ACKNOWLEDGED
    assert s.incidents.stale_updates == 1
    feed(s, dumps({"type": "event", "seq": 3, "event": event("E1", 3, "closed")}))
    assert "E1" not in s.incidents.open and s.incidents.get("E1").state is IncidentState.CLOSED


def test_resync_snapshot_removes_incidents_closed_while_away_and_keeps_other_feeds():
    s = state_with_catalog()
    for eid in ("A", "B"):
        feed(s, dumps({"type": "event", "seq": 1, "event": event(eid)}), "city")
    feed(s, dumps({"type": "event", "seq": 1, "event": event("X")}), "xuhui")
    out = feed(s, dumps({"type": "snapshot", "seq": 9, "values": [], "events": [event("B")]}), "city")
    assert out.vanished == ["A"]
    assert set(s.incidents.open) == {"B", "X"}


def snapshot(seq: int, *events) -> bytes:
    return dumps({"type": "snapshot", "seq": seq, "values": [], "events": list(events)})


def test_incident_a_lagging_snapshot_vanished_comes_back_with_the_stream_at_the_same_version():
    """docs/feed-protocol.md: a snapshot is the new truth, and the stream after it is newer than it.
    A hub whose snapshot lags the stream leaves E1 out; its stream then delivers E1 at the version we
    already had. The later word wins: E1 is open again, not taken for a stale update."""
    s = state_with_catalog()
    feed(s, snapshot(1, event("E1", 3, "dispatched")))
    assert feed(s, snapshot(2)).vanished == ["E1"]  # the failover hub's snapshot does not list it yet
    assert "E1" not in s.incidents.open
    s.take_changes()
    out = feed(s, dumps({"type": "event", "seq": 2, "event": event("E1", 3, "dispatched")}))
    assert out.events == 1 and s.take_changes().events == {"E1"}  # widgets are told it is back
    assert s.incidents.open["E1"].version == 3 and s.incidents.stale_updates == 0


def test_incident_a_lagging_snapshot_vanished_comes_back_in_the_next_snapshot():
    s = state_with_catalog()
    feed(s, snapshot(1, event("E1", 2, "acknowledged")))
    feed(s, snapshot(1))
    out = feed(s, snapshot(1, event("E1", 2, "acknowledged")))  # resync: listed again, same version
    assert out.events == 1 and out.vanished == []
    assert s.incidents.open["E1"].state is IncidentState.ACKNOWLEDGED


def test_a_snapshot_listing_a_vanished_incident_at_an_older_version_shows_the_newer_one_we_hold():
    """Listed by a snapshot means open now; versions never go backwards: the newer copy we hold returns."""
    s = state_with_catalog()
    feed(s, snapshot(1, event("E1", 4, "on_scene")))
    feed(s, snapshot(1))
    feed(s, snapshot(1, event("E1", 3, "dispatched")))
    assert s.incidents.open["E1"].version == 4


def test_a_snapshot_whose_incidents_follow_it_takes_nothing_away_until_they_have_all_arrived():
    """A city's open incidents beyond one frame follow the snapshot as event frames, counted in its
    `events_follow`: what the snapshot does not list itself is not closed until its followers are in;
    then only what none of them listed leaves the open book (docs/feed-protocol.md)."""
    s = state_with_catalog()
    for k, eid in enumerate(("E1", "E2", "E3", "GONE"), start=1):
        feed(s, dumps({"type": "event", "seq": k, "event": event(eid, 2, "acknowledged")}))
    first = {"type": "snapshot", "seq": 1, "values": [], "events": [event("E1", 2, "acknowledged")],
             "events_follow": 2}
    assert feed(s, dumps(first)).vanished == []
    assert feed(s, dumps({"type": "event", "seq": 2, "event": event("E2", 2, "acknowledged")})).vanished == []
    assert set(s.incidents.open) == {"E1", "E2", "E3", "GONE"}  # one follower still to come
    last = feed(s, dumps({"type": "event", "seq": 3, "event": event("E3", 2, "acknowledged")}))
    assert last.vanished == ["GONE"] and set(s.incidents.open) == {"E1", "E2", "E3"}
    # after it, event frames are the stream again: nothing more is taken away
    assert feed(s, dumps({"type": "event", "seq": 4, "event": event("E4")})).vanished == []
    assert set(s.incidents.open) == {"E1", "E2", "E3", "E4"}


def test_a_snapshots_follower_count_must_be_a_count():
    for bad in ("2", -1, 1.5, None, True):
        d = dec.decode(dumps({"type": "snapshot", "seq": 1, "values": [], "events": [], "events_follow": bad}))
        assert d.frame is None and d.rejects == {"wrong_type": 1}, bad


def test_a_stale_event_does_not_bring_back_what_a_snapshot_took_away():
    """An older version re-delivered is a statement about the past: it is not news that E1 is open."""
    s = state_with_catalog()
    feed(s, snapshot(1, event("E1", 4, "on_scene")))
    feed(s, snapshot(1))
    feed(s, dumps({"type": "event", "seq": 2, "event": event("E1", 3, "dispatched")}))
    assert "E1" not in s.incidents.open and s.incidents.stale_updates == 1


def test_a_closed_incident_is_not_reopened_by_its_own_version_again():
    s = state_with_catalog()
    feed(s, dumps({"type": "event", "seq": 1, "event": event("E1", 5, "closed")}))
    feed(s, dumps({"type": "event", "seq": 2, "event": event("E1", 5, "closed")}))
    feed(s, snapshot(3))
    feed(s, dumps({"type": "event", "seq": 4, "event": event("E1", 5, "closed")}))
    assert "E1" not in s.incidents.open and s.incidents.stale_updates == 2


def test_changes_are_coalesced_until_taken():
    s = state_with_catalog()
    assert s.take_changes().catalog
    for t in range(1, 6):
        feed(s, samples(t, [["traffic.congestion_index", "310101", float(t), 1.0]]))
    feed(s, dumps({"type": "event", "seq": 9, "event": event("E7")}))
    ch = s.take_changes()
    assert len(ch.series) == 1 and ch.events == {"E7"} and not ch.catalog
    assert not s.take_changes()


def test_snapshot_values_after_resync_are_not_double_counted():
    s = state_with_catalog()
    feed(s, samples(1, [["traffic.congestion_index", "310101", 5.0, 1.0]]))
    out = feed(s, dumps({"type": "snapshot", "seq": 4, "values": [["traffic.congestion_index", "310101", 5.0, 1.0]],
                         "events": []}))
    assert out.samples == 0 and out.old_samples == 1 and out.rejects == {}
    assert len(s.history("traffic.congestion_index", "310101")[0]) == 1


def test_catalog_update_changes_thresholds_of_existing_series():
    s = state_with_catalog()
    feed(s, samples(1, [["traffic.congestion_index", "310101", 5.0, 7.0]]))
    assert s.status("traffic.congestion_index", "310101") is Status.WARN
    ind = {"id": "traffic.congestion_index", "name": {"zh": "x", "en": "x"}, "cadence_s": 30,
           "thresholds": {"warn": 9, "alarm": 9.5, "direction": "above"}}
    feed(s, dumps({"type": "catalog", "indicators": [ind], "regions": []}))
    assert s.status("traffic.congestion_index", "310101") is Status.NORMAL
    assert np.isfinite(s.rings.last_val[0])


def test_small_frames_applied_in_python_scalars_end_where_large_frames_in_numpy_do():
    """A frame of up to SCALAR_MAX readings is applied reading by reading, a larger one in numpy: the same
    readings in frames of either kind give the same counts (kept, old, rejected by reason), latest values,
    statuses, changes and history. Values are whole numbers, so that adding them up in another order
    (numpy sums a series' readings of one frame first) gives the same sums."""
    from console.model.history_rings import SCALAR_MAX

    rng = np.random.default_rng(5)
    names = [(i, r) for i in ("traffic.congestion_index", "water.pressure")
             for r in ("310000", "310101", "310104", "310101013")]
    names += [("no.such_indicator", "310101"), ("traffic.congestion_index", "999999")]
    t = {k: 1_763_900_000.0 for k in names}
    rows = []
    for _ in range(400):
        k = names[int(rng.integers(0, len(names)))]
        t[k] += float(rng.choice([1.0, 20.0, 70.0, 400.0]))
        late = rng.random() < 0.1  # not newer than the series' latest: dropped as old
        rows.append([*k, t[k] - (500.0 if late else 0.0), float(rng.integers(-5, 12))])
    small, large = state_with_catalog(), state_with_catalog()
    totals = {}
    for s, lo, hi in ((small, 1, SCALAR_MAX + 1), (large, SCALAR_MAX + 1, 3 * SCALAR_MAX)):
        kept = old = 0
        rejects: dict[str, int] = {}
        i = seq = 0
        while i < len(rows):
            n = int(rng.integers(lo, hi))
            seq += 1
            out = feed(s, samples(seq, rows[i:i + n]))
            kept, old, i = kept + out.samples, old + out.old_samples, i + n
            for r, c in out.rejects.items():
                rejects[r] = rejects.get(r, 0) + c
        totals[id(s)] = (kept, old, rejects)
    assert totals[id(small)] == totals[id(large)]
    kept, old, rejects = totals[id(small)]
    assert kept > 200 and old > 10 and set(rejects) == {"unknown_indicator", "unknown_region"}
    assert small.latest_values() == large.latest_values()
    assert small.samples_total == large.samples_total == kept
    assert small.take_changes().series.tolist() == large.take_changes().series.tolist()
    for k in names[:8]:
        assert small.status(*k) is large.status(*k)
        a, b = small.history(*k), large.history(*k)
        assert a[0].tolist() == b[0].tolist() and a[1].tolist() == b[1].tolist()
