"""UnitBook: the dispatch units as the console knows them (Qt-free).

Each unit's latest report (a `Unit` from the feed's `unit` frames) and its trail: the positions of the
last `trail_s` seconds (15 minutes) in the feed's time, one point per `trail_step_s` at most, so a unit
reporting every second keeps ~180 points, not 900. A report not newer than the latest is dropped (a
recording replayed after a keyframe, a late frame). The book holds at most `max_units` units: a feed
naming more is refused unit by unit, so a hostile feed cannot grow it without bound.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

from console.feed.frames import Unit

TRAIL_S = 15 * 60.0
TRAIL_STEP_S = 5.0
MAX_UNITS = 5000
FORGET_S = 12 * 3600.0
V = TypeVar("V")


def silent_before(latest: dict[str, V], ts_of: Callable[[V], float], before: float) -> Iterator[str]:
    """The ids of the units last heard before `before`, the longest silent first: `latest` holds units in
    the order their latest reports arrived (a report moves its unit to the end). The hub's mirror keeps
    its units so too (console/jetstream/mirror.py)."""
    for uid, v in latest.items():
        if ts_of(v) >= before:
            return
        yield uid


def _ts(u: Unit) -> float:
    return u.ts


class UnitBook:
    def __init__(self, trail_s: float = TRAIL_S, trail_step_s: float = TRAIL_STEP_S, max_units: int = MAX_UNITS,
                 forget_s: float = FORGET_S):
        self.trail_s = trail_s
        self.trail_step_s = trail_step_s
        self.max_units = max_units
        self.forget_s = forget_s
        self.units: dict[str, Unit] = {}  # in the order their latest reports arrived: the longest silent first
        self.feed_of: dict[str, str] = {}
        self._trails: dict[str, deque[tuple[float, float, float]]] = {}  # id -> (ts, lat, lon), oldest first
        self._newest_ts = 0.0  # the feed's time: the newest report's

    def __len__(self) -> int:
        return len(self.units)

    def get(self, uid: str) -> Unit | None:
        return self.units.get(uid)

    def upsert(self, unit: Unit, feed: str = "", gone: set[str] | None = None) -> bool:
        """Take one report; True when it changed the book (new unit, or newer than its latest). A report
        older than the forgetting horizon is refused: it would be forgotten as it came. A unit that makes
        room for it goes into `gone`."""
        if unit.ts < self._newest_ts - self.forget_s:
            return False
        old = self.units.get(unit.id)
        if old is None:
            if len(self.units) >= self.max_units and not self._make_room(unit.ts, gone):
                return False
            trail = self._trails[unit.id] = deque()
        else:
            if unit.ts <= old.ts:
                return False
            trail = self._trails[unit.id]
            del self.units[unit.id]  # to the end: the order of the latest reports
        self.units[unit.id] = unit
        self._newest_ts = max(self._newest_ts, unit.ts)
        self.feed_of[unit.id] = feed
        # the newest point follows the unit until it is a step past the one before; then it stays and a new one
        # follows: points a step apart, and the trail always ends where the unit is
        if len(trail) > 1 and trail[-1][0] - trail[-2][0] < self.trail_step_s:
            trail[-1] = (unit.ts, unit.lat, unit.lon)
        else:
            trail.append((unit.ts, unit.lat, unit.lon))
        horizon = unit.ts - self.trail_s
        while trail and trail[0][0] < horizon:
            trail.popleft()
        return True

    def upsert_all(self, units: Iterable[Unit], feed: str = "") -> set[str]:
        """The ids of the units the reports changed, and of those forgotten meanwhile (gone from the book)."""
        gone: set[str] = set()
        changed = {u.id for u in units if self.upsert(u, feed, gone)}
        for uid in list(silent_before(self.units, _ts, self._newest_ts - self.forget_s)):
            self._drop(uid, gone)
        return changed | gone

    def _make_room(self, ts: float, gone: set[str] | None) -> bool:
        """A full book: the longest-silent unit goes if it has been silent longer than a trail."""
        uid = next(silent_before(self.units, _ts, ts - self.trail_s), None)
        if uid is None:
            return False
        self._drop(uid, gone)
        return True

    def _drop(self, uid: str, gone: set[str] | None) -> None:
        del self.units[uid]
        self.feed_of.pop(uid, None)
        self._trails.pop(uid, None)
        if gone is not None:
            gone.add(uid)

    def trail(self, uid: str) -> list[tuple[float, float, float]]:
        """(ts, lat, lon) of the last `trail_s` seconds, oldest first, ending at the latest report."""
        return list(self._trails.get(uid, ()))

    def trail_since(self, uid: str, ts: float) -> list[tuple[float, float, float]]:
        """The trail's points at or after `ts` (the tail a map already holding the rest needs)."""
        out = []
        for p in reversed(self._trails.get(uid, ())):
            if p[0] < ts:
                break
            out.append(p)
        out.reverse()
        return out

    def clear(self) -> None:
        self.units.clear()
        self.feed_of.clear()
        self._trails.clear()
        self._newest_ts = 0.0

    def copy_from(self, other: UnitBook) -> None:
        self.clear()
        self.units.update(other.units)
        self.feed_of.update(other.feed_of)
        self._trails.update({k: deque(v) for k, v in other._trails.items()})
        self._newest_ts = other._newest_ts

    def restore(self, units: Iterable[tuple[str, Unit, list[tuple[float, float, float]]]]) -> set[str]:
        """Merge a keyframe's units (feed, latest, trail): a unit already newer here keeps its own."""
        changed = set()
        for feed, unit, trail in units:
            old = self.units.get(unit.id)
            if old is not None and old.ts >= unit.ts:
                continue
            if old is None and len(self.units) >= self.max_units:
                continue
            self.units.pop(unit.id, None)  # to the end: the order of the latest reports
            self.units[unit.id] = unit
            self._newest_ts = max(self._newest_ts, unit.ts)
            self.feed_of[unit.id] = feed
            horizon = unit.ts - self.trail_s
            self._trails[unit.id] = deque(p for p in trail if horizon <= p[0] <= unit.ts)
            if not self._trails[unit.id] or self._trails[unit.id][-1][0] < unit.ts:
                self._trails[unit.id].append((unit.ts, unit.lat, unit.lon))
            changed.add(unit.id)
        return changed

    def to_keyframe(self) -> list[tuple[str, Unit, list[tuple[float, float, float]]]]:
        return [(self.feed_of.get(uid, ""), u, list(self._trails[uid])) for uid, u in self.units.items()]
