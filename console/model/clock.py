"""The one clock every view reads: the feed's time when live; replay and time-shift pin it to the
instant shown, so no widget ever asks the operating system for the time itself."""

from __future__ import annotations

import time


class Clock:
    def __init__(self) -> None:
        self._fixed: float | None = None
        self.offset = 0.0  # feed time minus this machine's time (a skewed PC, a sped-up simulator)

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
            self.offset = offset

    def set_fixed(self, ts: float | None) -> None:
        """Pin the clock (tests, replay); None returns it to wall time."""
        self._fixed = ts
