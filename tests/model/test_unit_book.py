"""The unit book: latest report per unit, a trail of the last 15 minutes at most one point per 5 s, stale
reports dropped, bounded; carried through the city state, its keyframes, copies and clears."""

import itertools

import orjson

from console.feed.frames import Unit, UnitFrame
from console.feed.protocol import UnitKind, UnitState
from console.model.city_state import CityState
from console.model.unit_book import UnitBook

T0 = 1_763_856_000.0


def rep(uid="U1", ts=T0, lat=31.2, lon=121.4, state=UnitState.EN_ROUTE, incident="SH-1"):
    return Unit(uid, f"车 {uid}", UnitKind.FIRE, lat, lon, state, ts, incident)


def test_latest_report_wins_and_an_older_one_is_dropped():
    b = UnitBook()
    assert b.upsert(rep(ts=T0 + 10, lat=31.3))
    assert not b.upsert(rep(ts=T0 + 5, lat=31.0))  # late
    assert not b.upsert(rep(ts=T0 + 10, lat=31.0))  # same time: not newer
    assert b.get("U1").lat == 31.3


def test_trail_keeps_fifteen_minutes_one_point_per_five_seconds_ending_at_the_unit():
    b = UnitBook()
    for s in range(0, 1200):  # 20 minutes of reports, one a second, moving north 1e-5 deg a second
        b.upsert(rep(ts=T0 + s, lat=31.0 + s * 1e-5))
    trail = b.trail("U1")
    assert trail[-1] == (T0 + 1199, 31.0 + 1199 * 1e-5, 121.4)  # ends where the unit is
    assert trail[0][0] >= T0 + 1199 - 900  # nothing older than 15 minutes
    assert trail[0][0] <= T0 + 1199 - 900 + 5  # ... and the 15 minutes are all there
    gaps = [b2[0] - a[0] for a, b2 in itertools.pairwise(trail[:-1])]
    assert min(gaps) >= 5  # one point per 5 s (the newest may be closer: it follows the unit)
    assert 175 <= len(trail) <= 182


def test_the_book_refuses_units_beyond_its_bound():
    b = UnitBook(max_units=3)
    for i in range(5):
        b.upsert(rep(uid=f"U{i}"))
    assert sorted(b.units) == ["U0", "U1", "U2"]
    assert b.upsert(rep(uid="U0", ts=T0 + 1))  # a known unit still moves


def test_city_state_takes_unit_frames_and_says_which_units_changed():
    s = CityState()
    s.take_changes()
    s.apply("city", UnitFrame((rep("U1"), rep("U2", lat=31.1))))
    ch = s.take_changes()
    assert ch.units == {"U1", "U2"} and ch
    s.apply("city", UnitFrame((rep("U1", ts=T0 - 1),)))  # stale: nothing changed
    assert s.take_changes().units == set()
    assert s.units.feed_of["U2"] == "city"


def test_units_and_trails_survive_a_keyframe_through_json():
    s = CityState()
    for k in range(40):
        s.apply("city", UnitFrame((rep("U1", ts=T0 + 5 * k, lat=31.0 + k * 1e-3),
                                   rep("U2", ts=T0 + 5 * k, state=UnitState.AVAILABLE, incident=None))))
    body = orjson.loads(orjson.dumps(s.keyframe_body()))
    r = CityState()
    r.reset_to(body)
    r.restore(body)
    assert r.units.units == s.units.units
    assert r.units.trail("U1") == s.units.trail("U1") and len(r.units.trail("U1")) == 40
    assert r.take_changes().units == {"U1", "U2"}


def test_a_keyframe_from_before_units_and_a_malformed_unit_read():
    s = CityState()
    s.apply("city", UnitFrame((rep("U1"),)))
    body = orjson.loads(orjson.dumps(s.keyframe_body()))
    old = {k: v for k, v in body.items() if k != "units"}
    r = CityState()
    r.restore(old)
    assert len(r.units) == 0
    body["units"].append(["city", {"id": "U9", "lat": "x"}, []])
    body["units"].append(["city", {**body["units"][0][1], "id": "U8"}, [[1, 2], "x", [T0, 31.2, 121.4]]])
    r.restore(body)
    assert sorted(r.units.units) == ["U1", "U8"]
    assert r.units.trail("U8") == [(T0, 31.2, 121.4)]


def test_clear_and_copy_carry_the_units():
    s = CityState()
    s.apply("city", UnitFrame((rep("U1"),)))
    view = CityState()
    view.copy_from(s)
    assert view.units.get("U1") == s.units.get("U1") and view.units.trail("U1") == s.units.trail("U1")
    s.apply("city", UnitFrame((rep("U1", ts=T0 + 60, lat=31.5),)))
    assert view.units.get("U1").lat == 31.2  # a copy, not the same trail
    s.clear()
    assert len(s.units) == 0 and s.units.trail("U1") == []


def test_a_unit_silent_for_twelve_hours_is_forgotten_and_the_views_are_told():
    """Units come and go over days: one not heard from for 12 hours of the feed's time leaves the book, and
    the change names it (the map removes a badge whose unit the book no longer has)."""
    s = CityState()
    s.apply("city", UnitFrame((rep("U1", ts=T0), rep("U2", ts=T0))))
    s.take_changes()
    s.apply("city", UnitFrame((rep("U2", ts=T0 + 12 * 3600 - 1),)))  # U1 silent a second short of 12 h
    assert s.take_changes().units == {"U2"} and s.units.get("U1") is not None
    s.apply("city", UnitFrame((rep("U2", ts=T0 + 12 * 3600 + 1),)))
    assert s.take_changes().units == {"U1", "U2"}
    assert s.units.get("U1") is None and s.units.trail("U1") == [] and "U1" not in s.units.feed_of
    assert s.units.get("U2").ts == T0 + 12 * 3600 + 1
    s.apply("city", UnitFrame((rep("U3", ts=T0),)))  # a report older than the horizon: refused, not flashed
    assert s.take_changes().units == set() and s.units.get("U3") is None


def test_a_full_book_makes_room_only_from_a_unit_silent_longer_than_a_trail():
    b = UnitBook(max_units=3)
    for i in range(3):
        b.upsert(rep(f"U{i}", ts=T0 + i))
    assert not b.upsert(rep("N1", ts=T0 + 600))  # all three reported within 15 minutes: refused
    b.upsert(rep("U0", ts=T0 + 950))  # U0 reports again: no longer the longest silent
    assert b.upsert_all([rep("N1", ts=T0 + 1000)]) == {"N1", "U1"}  # U1, silent 999 s, makes room
    assert sorted(b.units) == ["N1", "U0", "U2"]
    assert b.upsert_all([rep("N2", ts=T0 + 1000)]) == {"N2", "U2"}  # then U2 (998 s)
    assert not b.upsert(rep("N3", ts=T0 + 1000))  # U0 reported 50 s ago: stays
    assert sorted(b.units) == ["N1", "N2", "U0"]
