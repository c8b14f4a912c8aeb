"""GUI stall figures from the intervals of a 16 ms timer, per tick and weighted by time.

Per tick: each interval minus 16 ms (p50/p99/max); one 100 ms block counts once, as one late tick.
Weighted by time (issue 19): the share of wall time spent beyond 16 ms in an interval, and the
lateness of every 16 ms frame slot: an interval of d ms stands for max(1, round(d / 16)) slots, the
j-th of which was late by max(0, d - 16 j) ms (a 100 ms block: six slots, 84, 68, 52, 36, 20 and 4 ms
late), so a long block weighs as the frames it cost.
"""

from __future__ import annotations

import numpy as np

FRAME_S = 0.016


def slot_lateness_ms(intervals_s) -> np.ndarray:
    """The lateness of each 16 ms frame slot the intervals covered, in ms."""
    d = np.asarray(intervals_s, dtype=float)
    if not len(d):
        return np.empty(0)
    slots = np.maximum(1, np.rint(d / FRAME_S)).astype(np.int64)
    j = np.arange(slots.sum()) - np.repeat(np.cumsum(slots) - slots, slots) + 1  # 1..slots per interval
    return np.maximum(0.0, np.repeat(d, slots) - FRAME_S * j) * 1000


def stall_figures(intervals_s) -> dict:
    """Per-tick and time-weighted stall figures of a 16 ms timer's intervals (seconds)."""
    d = np.asarray(intervals_s, dtype=float)
    if not len(d):
        return {"ticks": 0}
    stall = (d - FRAME_S) * 1000
    late = slot_lateness_ms(d)
    return {
        "ticks": len(d),
        "stall_ms_p50": round(float(np.percentile(stall, 50)), 1),
        "stall_ms_p99": round(float(np.percentile(stall, 99)), 1),
        "stall_ms_max": round(float(stall.max()), 1),
        "time_share_beyond_16ms": round(float(np.clip(d - FRAME_S, 0, None).sum() / d.sum()), 4),
        "frame_slots": len(late),
        "slot_lateness_ms_p99": round(float(np.percentile(late, 99)), 1),
    }
