"""The readings due at each tick of a simulated feed, for both of its outlets (the WebSocket server and
the NATS publisher): every series at its own cadence, or, in rate mode, a fixed number per real second
round-robin, the fraction carried to the next tick so the rate holds on average."""

from __future__ import annotations

import time

import numpy as np

from console.simulator.city_model import SimCity


class SamplePacer:
    def __init__(self, city: SimCity, rate: float | None):
        self.city, self.rate = city, rate
        self._last = time.monotonic()
        self._owed = 0.0

    def take(self, now: float, mono: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(series, times, values) due by the simulated instant `now`; `mono` is the real time of this tick."""
        if self.rate:
            self._owed += self.rate * (mono - self._last)
            n = int(self._owed)
            self._owed -= n
            out = self.city.rate_samples(n, now) if n else (np.empty(0, int),) * 3
        else:
            out = self.city.due_samples(now)
        self._last = mono
        return out
