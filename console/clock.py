"""The one clock every view reads: wall time when live. Replay and time-shift will drive it instead,
so no widget ever asks the operating system for the time itself."""

from __future__ import annotations

import time


class Clock:
    def __init__(self) -> None:
        self._fixed: float | None = None

    def now(self) -> float:
        """UNIX seconds of the instant the console is showing."""
        return time.time() if self._fixed is None else self._fixed

    def set_fixed(self, ts: float | None) -> None:
        """Pin the clock (tests, replay); None returns it to wall time."""
        self._fixed = ts

    @property
    def live(self) -> bool:
        return self._fixed is None
