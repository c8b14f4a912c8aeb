"""Early warning (预警): where a series is heading, and when it will cross its thresholds.

A least-squares line through the recent window, extended forward; a crossing counts only when the
trend points towards the bad side and the fit explains the data well enough to be worth a warning.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from console.feed.protocol import Status


@dataclass(frozen=True, slots=True)
class Forecast:
    slope_per_min: float  # change of the value per minute
    level: Status | None  # the next threshold the trend will cross (WARN or ALARM), if any
    eta_s: float | None  # seconds from the last reading until that crossing
    r2: float  # how well a line fits the window (0..1)

    @property
    def trend(self) -> int:
        """+1 rising, -1 falling, 0 flat (relative to the noise)."""
        return 0 if abs(self.slope_per_min) < 1e-12 else (1 if self.slope_per_min > 0 else -1)


def forecast(ts: np.ndarray, values: np.ndarray, warn: float | None, alarm: float | None, direction: str,
             window_s: float = 900.0, horizon_s: float = 3600.0, min_points: int = 5,
             min_r2: float = 0.5) -> Forecast | None:
    if len(ts) < min_points:
        return None
    t_end = ts[-1]
    m = ts >= t_end - window_s
    t, v = ts[m], values[m]
    if len(t) < min_points or t[-1] - t[0] <= 0:
        return None
    x = t - t_end
    xm, vm = x.mean(), v.mean()
    sxx = float(((x - xm) ** 2).sum())
    if sxx == 0:
        return None
    slope = float(((x - xm) * (v - vm)).sum() / sxx)
    intercept = vm - slope * xm  # value of the line at the last reading
    resid = v - (intercept + slope * x)
    sst = float(((v - vm) ** 2).sum())
    r2 = 1.0 - float((resid**2).sum()) / sst if sst > 0 else 0.0
    sign = -1.0 if direction == "below" else 1.0
    now_val = intercept * sign
    level, eta = None, None
    if r2 >= min_r2 and slope * sign > 0:
        for lvl, th in ((Status.WARN, warn), (Status.ALARM, alarm)):
            if th is None:
                continue
            gap = th * sign - now_val
            if gap <= 0:
                continue  # already past this one (the status says so); look at the next
            dt_s = gap / (slope * sign)
            if dt_s <= horizon_s:
                level, eta = lvl, dt_s
            break
    return Forecast(slope * 60.0, level, eta, max(0.0, r2))
