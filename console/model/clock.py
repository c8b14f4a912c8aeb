"""The one clock every view reads: the feed's time when live; replay and time-shift pin it to the
instant shown, so no widget ever asks the operating system for the time itself."""

from __future__ import annotations

import bisect
import time
from array import array

OFFSET_STEP_S = 0.05  # an offset moving less than this (a heartbeat's jitter) is not remembered as a change
# changes remembered at most (16 bytes each): a day of a sped-up simulator's, which changes every second; the
# oldest half goes when full, and a time-shift further back reads the oldest offset kept
OFFSET_CHANGES_KEPT = 86_400


class Clock:
    def __init__(self) -> None:
        self._fixed: float | None = None
        self.offset = 0.0  # feed time minus this machine's time (a skewed PC, a sped-up simulator)
        # the offset's changes, by this machine's time: what the live clock read at any earlier instant
        self._since, self._offsets = array("d"), array("d")

    def now(self) -> float:
        """UNIX seconds of the instant the console is showing."""
        return self.live_now() if self._fixed is None else self._fixed

    def live_now(self) -> float:
        """The live instant, even while the picture shows another (what rules on the live city need)."""
        return time.time() + self.offset

    @property
    def pinned(self) -> bool:
        """The picture is not live (replay, time-shift)."""
        return self._fixed is not None

    def follow_feed(self, offset: float | None) -> None:
        """Live: keep in step with the feeds' own clock (their `server_time`), not the workstation's."""
        if offset is not None:
            if not self._offsets or abs(offset - self._offsets[-1]) > OFFSET_STEP_S:
                if len(self._offsets) >= OFFSET_CHANGES_KEPT:
                    del self._since[: OFFSET_CHANGES_KEPT // 2], self._offsets[: OFFSET_CHANGES_KEPT // 2]
                self._since.append(time.time())
                self._offsets.append(offset)
            self.offset = offset

    def offset_at(self, ts: float) -> float:
        """The offset the live clock had at this machine's time `ts` (a frame's receive time), so a
        time-shifted picture stands at the feed's time of its frames: a sped-up feed's offset grows."""
        i = bisect.bisect_right(self._since, ts)
        return self._offsets[i - 1] if i else (self._offsets[0] if self._offsets else self.offset)

    def set_fixed(self, ts: float | None) -> None:
        """Pin the clock (tests, replay); None returns it to wall time."""
        self._fixed = ts
