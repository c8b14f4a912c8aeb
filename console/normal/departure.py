"""How far a reading departs from its typical value, and when that departure is an anomaly (异常):
outside the normal band by a margin *and* far enough from the typical value to matter (a minimum
size); a sensor that normally moves but has repeated one value for a long time (stuck, 卡滞); a series
that normally reports but has fallen silent while the rest of its feed has not (dropout, 中断). These
are the conditions; how long they must hold (on-delay) and be gone (off-delay) is the alarm book's
(console/alarms/discovery_rules.py, rule kind `usual`). Vectorised over every series at once."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ABOVE, BELOW, STUCK, SILENT = 1, 2, 3, 4
_EPS = 1e-9


@dataclass(frozen=True, slots=True)
class Judgement:
    min_pct: float = 0.2  # at least this far from the typical value (fraction of it)
    band_margin: float = 1.0  # and beyond the band by this fraction of its width ...
    spread_floor: float = 1.0  # ... the width taken as at least this share of the series' usual width
    stuck_s: float = 900.0  # one value repeated this long ...
    flat_share_max: float = 0.05  # ... by a series whose minutes repeat less often than this in its history
    silent_s: float = 900.0  # no reading this long from a series that has reported
    feed_share: float = 0.2  # more than this share silent at once is a feed's outage (feed_stale speaks)


def departure_pct(v: np.ndarray, typ: np.ndarray) -> np.ndarray:
    """(v - typical) / |typical|; NaN where the typical value is 0 or unknown."""
    v, typ = np.asarray(v, dtype=np.float64), np.asarray(typ, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(np.abs(typ) > _EPS, (v - typ) / np.abs(typ), np.nan)


def outside_band(v: np.ndarray, lo: np.ndarray, typ: np.ndarray, hi: np.ndarray, j: Judgement,
                 spread: np.ndarray | None = None) -> np.ndarray:
    """0 within normal, ABOVE or BELOW where the reading is beyond the band by the margin and at least
    the minimum size from the typical value (NaN anywhere: 0). `spread`: each series' usual band width
    (Profiles.spread); a slot's band narrower than `spread_floor` of it is widened about the typical
    value first (a count that is 2 in nearly every reading of a slot has a band 0 wide there)."""
    v = np.asarray(v, dtype=np.float64)
    lo, typ, hi = (np.asarray(x, dtype=np.float64) for x in (lo, typ, hi))
    width = hi - lo
    if spread is not None:
        with np.errstate(invalid="ignore"):
            width = np.fmax(width, j.spread_floor * np.asarray(spread, dtype=np.float64))
            lo, hi = np.fmin(lo, typ - width / 2), np.fmax(hi, typ + width / 2)
    with np.errstate(invalid="ignore"):
        big = np.abs(v - typ) >= j.min_pct * np.abs(typ)
        above = (v > hi + j.band_margin * width) & big
        below = (v < lo - j.band_margin * width) & big
    return np.where(above, ABOVE, np.where(below, BELOW, 0))


class FlatWatch:
    """Since when each series has shown the same value: fed the latest values at each evaluation."""

    def __init__(self) -> None:
        self.value = np.empty(0)
        self.since = np.empty(0)

    def update(self, last_val: np.ndarray, now: float) -> np.ndarray:
        n = len(last_val)
        if len(self.value) < n:
            grow = n - len(self.value)
            self.value = np.concatenate([self.value, np.full(grow, np.nan)])
            self.since = np.concatenate([self.since, np.full(grow, now)])
        moved = ~(last_val == self.value[:n])
        self.value[:n] = last_val
        self.since[:n] = np.where(moved, now, self.since[:n])
        return self.since[:n]


def conditions(v: np.ndarray, last_ts: np.ndarray, flat_since: np.ndarray, lo: np.ndarray, typ: np.ndarray,
               hi: np.ndarray, flat_share: np.ndarray, now: float, j: Judgement,
               spread: np.ndarray | None = None) -> np.ndarray:
    """Per series: 0, ABOVE, BELOW, STUCK or SILENT (only where a profile exists: typ finite)."""
    known = np.isfinite(typ)
    out = np.where(known, outside_band(v, lo, typ, hi, j, spread), 0)
    reported = np.isfinite(last_ts)
    with np.errstate(invalid="ignore"):
        silent = known & reported & (now - last_ts >= j.silent_s)
    if silent.sum() > j.feed_share * max(int(reported.sum()), 1):
        silent[:] = False  # the feed is down, not a sensor
    stuck = known & ~silent & (now - flat_since >= j.stuck_s) & (flat_share < j.flat_share_max) & (hi > lo)
    out = np.where(stuck & (out == 0), STUCK, out)
    return np.where(silent, SILENT, out)


def usual_text(v: float, typ: float, english: bool = False) -> str:
    """"高于同期 18%" / "18% above usual"; "" when there is no typical value to compare with."""
    pct = float(departure_pct(v, typ))
    if not np.isfinite(pct) or not np.isfinite(v):
        return ""
    p = round(abs(pct) * 100)
    if p == 0:
        return "as usual" if english else "与同期持平"
    if english:
        return f"{p}% {'above' if pct > 0 else 'below'} usual"
    return f"{'高于' if pct > 0 else '低于'}同期 {p}%"


def anomaly_text(kind: int, v: float, typ: float, held_s: float, english: bool = False) -> str:
    """The console alarm's detail: "异常：高于同期 35%，持续 12 分钟"."""
    mins = max(1, round(held_s / 60))
    if kind in (ABOVE, BELOW):
        what = usual_text(v, typ, english) or ("outside its usual band" if english else "超出同期正常范围")
    elif kind == STUCK:
        what = "value unchanged (stuck sensor?)" if english else "读数不变（疑似传感器卡滞）"
    else:
        what = "no readings" if english else "无数据"
    return f"anomaly: {what}, for {mins} min" if english else f"异常：{what}，持续 {mins} 分钟"
