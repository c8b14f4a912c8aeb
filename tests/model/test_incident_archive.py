"""The closed-incident archive is bounded, and what it pushes out still obeys the version rule: a closed
incident leaves a tombstone (its version), so a late older copy cannot reopen it; a vanished one leaves
none, so a snapshot listing it brings it back. The tombstones are bounded too. The wall keeps a small
archive (it shows no closed incident), a workstation the default."""

from console.app.cli import build_parser
from console.app.commands.run import WALL_ARCHIVE, state_config
from console.feed.decoder import Decoder
from console.model.city_state import CityState, StateConfig
from tests.frames_factory import catalog, dumps, event

dec = Decoder()


def state(**cfg) -> CityState:
    s = CityState(StateConfig(**cfg))
    s.apply("city", dec.decode(catalog()).frame)
    return s


def feed(s: CityState, raw: bytes, name: str = "city"):
    return s.apply(name, dec.decode(raw).frame)


def one(seq: int, eid: str, version: int, st: str) -> bytes:
    return dumps({"type": "event", "seq": seq, "event": event(eid, version, st)})


def close_many(s: CityState, ids, version: int = 3) -> None:
    for k, eid in enumerate(ids):
        feed(s, one(k + 1, eid, version, "closed"))


def test_a_closed_incident_pushed_out_of_the_archive_is_not_reopened_by_a_late_older_copy():
    s = state(max_archive=2)
    close_many(s, ["E1", "E2", "E3"])
    assert list(s.incidents.archive) == ["E2", "E3"] and s.incidents.get("E1") is None
    feed(s, one(9, "E1", 2, "dispatched"))  # a hub failing over re-sends what it had before the close
    assert "E1" not in s.incidents.open and s.incidents.stale_updates == 1
    feed(s, one(10, "E1", 4, "new"))  # a newer version is news: the incident was reopened
    assert s.incidents.open["E1"].version == 4 and "E1" not in s.incidents.tombstones


def test_a_vanished_incident_pushed_out_of_the_archive_comes_back_when_a_snapshot_lists_it():
    s = state(max_archive=1)
    feed(s, one(1, "V", 3, "dispatched"))
    assert feed(s, dumps({"type": "snapshot", "seq": 2, "values": [], "events": []})).vanished == ["V"]
    close_many(s, ["E1"])  # pushes V out of the archive
    assert s.incidents.get("V") is None and "V" not in s.incidents.tombstones
    feed(s, dumps({"type": "snapshot", "seq": 3, "values": [], "events": [event("V", 3, "dispatched")]}))
    assert s.incidents.open["V"].version == 3


def test_the_tombstones_are_bounded_oldest_first_and_take_their_feed_along():
    s = state(max_archive=1, max_tombstones=3)
    close_many(s, [f"E{k}" for k in range(10)])
    assert list(s.incidents.tombstones) == ["E6", "E7", "E8"] and list(s.incidents.archive) == ["E9"]
    assert set(s.incidents.feed_of) == {"E6", "E7", "E8", "E9"}  # the forgotten ones' feeds go too


def test_a_keyframe_names_the_newest_closed_incidents_only():
    """Tombstones may reach 50,000 on a workstation: a keyframe written every minute carries only the
    newest closed versions, oldest first, archived ones after the tombstones."""
    s = state(max_archive=2, max_tombstones=100)
    close_many(s, [f"E{k}" for k in range(10)])
    book = s.incidents
    assert [eid for _, eid, _ in book.closed_versions(newest=5)] == ["E5", "E6", "E7", "E8", "E9"]
    assert [eid for _, eid, _ in book.closed_versions(newest=1)] == ["E9"]  # the archive's own
    assert len(book.closed_versions()) == 10 and {f for f, _, _ in book.closed_versions()} == {"city"}


def test_the_wall_keeps_a_small_archive_and_a_workstation_the_default():
    p = build_parser()
    for wall in (["wall"], ["demo", "--wall"]):
        assert state_config(p.parse_args(wall)).max_archive == WALL_ARCHIVE, wall
    desk = state_config(p.parse_args(["demo"]))
    assert WALL_ARCHIVE < desk.max_archive == StateConfig().max_archive
