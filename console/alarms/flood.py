"""Alarm floods (EEMUA 191): more than 10 new alarms and incidents reaching one operator within 10
minutes is more than a person can handle; the queue then changes how it presents them. The flood
ends by itself when the rate falls back (to `end_at` or fewer in the window: a little hysteresis, so
that an eleventh and then a tenth alarm do not make the banner blink). Qt-free; the same detector,
run over a shift's arrivals, gives the "% of time in flood" of the alarm figures."""

from __future__ import annotations

import bisect
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field

from console.feed.frames import Event
from console.feed.protocol import Severity

FLOOD_THRESHOLD = 10  # EEMUA 191: more than this many in the window is a flood
FLOOD_WINDOW_S = 600.0
FLOOD_END_AT = 5


@dataclass
class FloodDetector:
    threshold: int = FLOOD_THRESHOLD
    window_s: float = FLOOD_WINDOW_S
    end_at: int = FLOOD_END_AT
    in_flood: bool = False
    since: float | None = None
    periods: list[tuple[float, float]] = field(default_factory=list)  # finished floods (start, end)
    _times: list[float] = field(default_factory=list)  # arrivals within the window, ascending
    _seen: OrderedDict = field(default_factory=OrderedDict)  # ids already counted (bounded)

    def note(self, ts: float, key: str | None = None) -> bool:
        """One new alarm or incident at `ts` (counted once per key); True when this starts a flood."""
        if key is not None:
            if key in self._seen:
                return False
            self._seen[key] = None
            while len(self._seen) > 50_000:
                self._seen.popitem(last=False)
        bisect.insort(self._times, ts)
        if not self.in_flood and self.count(self._times[-1]) > self.threshold:
            # arrivals may be noted out of order (a batch of updates): the flood began at the first
            # arrival that had more than `threshold` in its trailing window
            self.in_flood, self.since = True, next(
                t for j, t in enumerate(self._times)
                if j + 1 - bisect.bisect_right(self._times, t - self.window_s) > self.threshold)
            return True
        return False

    def _expire(self, now: float) -> float | None:
        """Drop arrivals older than the window; returns when the count fell to `end_at`, if it did."""
        fell = None
        cut = bisect.bisect_right(self._times, now - self.window_s)
        for k in range(cut):
            if self.in_flood and len(self._times) - k - 1 <= self.end_at and fell is None:
                fell = self._times[k] + self.window_s
        del self._times[:cut]
        return fell

    def observe(self, events: Iterable[Event], now: float) -> bool:
        """Count the incidents among `events` that arrived within the window (each once, whatever
        updates follow); True when this starts a flood."""
        started = False
        for ev in events:
            if ev is not None and now - self.window_s < ev.created_ts <= now:
                started |= self.note(ev.created_ts, ev.id)
        return started

    def update(self, now: float) -> bool:
        """Move the window to `now`; True when the flood ended (at the exact time the rate fell back)."""
        fell = self._expire(now)
        if self.in_flood and fell is not None:
            self.periods.append((self.since, fell))
            self.in_flood, self.since = False, None
            return True
        return False

    def count(self, now: float) -> int:
        return len(self._times) - bisect.bisect_right(self._times, now - self.window_s)

    def time_in_flood(self, start: float, end: float) -> float:
        """Seconds of [start, end) spent in flood (a flood still going counts up to `end`)."""
        spans = [*self.periods, *([(self.since, end)] if self.in_flood else [])]
        return sum(max(0.0, min(b, end) - max(a, start)) for a, b in spans)


def flood_periods(arrivals: Iterable[float], end: float, **kw) -> FloodDetector:
    """Run the detector over arrival times (any order) up to `end`: its `periods` and `in_flood` say
    when the operator was flooded."""
    det = FloodDetector(**kw)
    for ts in sorted(arrivals):
        if ts >= end:
            break
        det.update(ts)
        det.note(ts)
    det.update(end)
    return det


def should_sound(severity: Severity, in_flood: bool) -> bool:
    """In a flood only the highest priority still makes a sound; the rest is held (seen, not heard)."""
    return severity is Severity.RED or not in_flood
