"""Freshness of what a view shows, the one set of rules for every view (tiles, chart, map, queue; the
wall's banner uses the same levels): live, stale (nothing new for longer than the indicator's cadence
allows) or down (its feed is not connected), with the data's age in words.

The marking is decided here once and drawn the same way everywhere: a view that is not live keeps its
last value visible but greyed and hatched, and says how old it is ("停滞 · 3 分钟前"). Ages are
measured on the one clock (the instant shown: live, time-shifted or replayed).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from console.feed.feed_health import FeedHealth, FeedState
from console.views.labels import format_age

LIVE, STALE, DOWN = "live", "stale", "down"
STALE_CADENCES = 3.0  # a reading may be this many cadences late before the view says stale
_UP = (FeedState.CONNECTED, FeedState.REPLAY)


def stale_bound(cadence_s: float) -> float:
    """How old the newest reading of an indicator may be and still count as live."""
    return STALE_CADENCES * cadence_s


@dataclass(frozen=True, slots=True)
class Fresh:
    level: str  # LIVE, STALE or DOWN
    age_s: float | None  # of the newest data shown; None: none yet
    bound_s: float  # the age beyond which it is stale

    @property
    def marked(self) -> bool:
        """Greyed and hatched, with its age: anything but live."""
        return self.level != LIVE

    def text(self, english: bool = False) -> str:
        """'' when live; '停滞 · 3 分钟前' / 'stale · 3 min ago'; '断开 · …' / 'disconnected · …'."""
        if self.level == LIVE:
            return ""
        word = {STALE: ("停滞", "stale"), DOWN: ("断开", "disconnected")}[self.level][english]
        if self.age_s is None:
            return f"{word} · {'no data' if english else '无数据'}"
        age = format_age(self.age_s, english)
        return f"{word} · {age} ago" if english else f"{word} · {age}前"


def judge(last_ts: float | None, bound_s: float, now: float, feeds_down: bool) -> Fresh:
    """The freshness of data whose newest reading is at `last_ts` (None or not finite: none)."""
    age = None if last_ts is None or not math.isfinite(last_ts) else max(0.0, now - last_ts)
    if feeds_down:
        level = DOWN
    elif age is None or age > bound_s:
        level = STALE
    else:
        level = LIVE
    return Fresh(level, age, bound_s)


def feeds_down(health: list[FeedHealth], pinned: bool) -> bool:
    """Whether the live feeds are not all connected. A replayed or time-shifted picture is judged by
    the instant it shows, never by today's connection."""
    return not pinned and any(h.state not in _UP and h.state is not FeedState.STALE for h in health)


def feed_freshness(health: list[FeedHealth], pinned: bool, stale_after_s: float) -> Fresh:
    """Of the incident stream (the queue, the map's markers): events come whenever they come, so the
    bound is the feeds' heartbeat (a connected feed says something at least every `stale_after_s`)."""
    if pinned or not health:
        return Fresh(LIVE, None, stale_after_s)
    ages = [a for a in (h.last_frame_age() for h in health) if a is not None]
    age = max(ages) if len(ages) == len(health) else None
    if feeds_down(health, False):
        return Fresh(DOWN, age, stale_after_s)
    if any(h.state is FeedState.STALE for h in health) or age is None or age > stale_after_s:
        return Fresh(STALE, age, stale_after_s)
    return Fresh(LIVE, age, stale_after_s)


_RANK = {LIVE: 0, STALE: 1, DOWN: 2}


def worst(*items: Fresh) -> Fresh:
    """The least fresh of several (a view drawn from several sources is as fresh as its stalest)."""
    return max(items, key=lambda f: (_RANK[f.level], f.age_s if f.age_s is not None else float("inf")))


def readings_freshness(state, now: float, down: bool) -> Fresh:
    """Of every reading at once (the map's district colours and heat): the newest reading against the
    shortest cadence of the indicators present: if nothing at all came in time, the picture is old."""
    n = len(state.series_keys)
    last = state.rings.last_ts[:n]
    finite = last[np.isfinite(last)] if n else last
    newest = float(finite.max()) if len(finite) else None
    cadences = [state.indicators[i].cadence_s for i in {k[0] for k in state.series_keys} if i in state.indicators]
    return judge(newest, stale_bound(min(cadences) if cadences else 60.0), now, down)
