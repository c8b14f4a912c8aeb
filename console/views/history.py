"""History for display: a series cut to a time range and, when it has more points than the chart has
pixels, resampled with pandas into min/max pairs so peaks survive the downsampling. (The model's
history already gives minutes older than its recent readings as min/max pairs: each lands in one
pixel's bin, so its extremes stay that pixel's.)"""

from __future__ import annotations

import numpy as np
import pandas as pd


def display_series(ts: np.ndarray, values: np.ndarray, start: float, max_points: int = 2000
                   ) -> tuple[np.ndarray, np.ndarray]:
    i = int(np.searchsorted(ts, start, side="left"))
    ts, values = ts[i:], values[i:]
    if len(ts) <= max_points:
        return ts, values
    bins = max(1, max_points // 2)
    width_s = max(1.0, (ts[-1] - ts[0]) / bins)
    bin_of = ((ts - ts[0]) // width_s).astype(np.int64)
    agg = pd.Series(values).groupby(bin_of).agg(["min", "max"])
    # each bin becomes two points (its min and its max) at the bin's start and middle
    t0 = ts[0] + agg.index.to_numpy(dtype=np.float64) * width_s
    out_t = np.empty(2 * len(agg))
    out_v = np.empty(2 * len(agg))
    out_t[0::2], out_t[1::2] = t0, t0 + width_s / 2
    out_v[0::2], out_v[1::2] = agg["min"].to_numpy(), agg["max"].to_numpy()
    return out_t, out_v
