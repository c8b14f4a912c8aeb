"""Reconnect delays: exponential, capped, with jitter so a hundred consoles do not reconnect in step."""

from __future__ import annotations

import random


def backoff_delay(attempt: int, base: float = 0.5, cap: float = 30.0, rng: random.Random | None = None) -> float:
    """Delay before reconnect attempt `attempt` (0 = first retry): half fixed, half random ("equal jitter"),
    so it never collapses to zero yet still spreads clients out."""
    ceiling = min(cap, base * (2 ** min(attempt, 30)))
    r = (rng or random).random()
    return ceiling / 2 + r * ceiling / 2
