"""Percentiles along the last axis that skip missing readings (NaN), for many cells at once: one sort,
then each percentile by linear interpolation between the two nearest ranks (numpy's default
"linear" method, so a cell without NaN gets exactly np.percentile's answer). np.nanpercentile gives
the same but loops in Python over the cells: tens of times slower on the profile's millions of cells."""

from __future__ import annotations

import numpy as np


def nan_quantiles(x: np.ndarray, qs: tuple[float, ...], min_count: int = 1) -> list[np.ndarray]:
    """For each q in `qs` (0..1), the q-quantile of the finite values along x's last axis; NaN where a
    cell has fewer than `min_count` finite values."""
    s = np.sort(x, axis=-1)  # NaN sorts last
    n = np.isfinite(s).sum(axis=-1)
    out = []
    for q in qs:
        pos = q * np.maximum(n - 1, 0)
        i0 = np.floor(pos).astype(np.int64)
        i1 = np.minimum(i0 + 1, np.maximum(n - 1, 0))
        frac = (pos - i0).astype(s.dtype)
        a = np.take_along_axis(s, i0[..., None], axis=-1)[..., 0]
        b = np.take_along_axis(s, i1[..., None], axis=-1)[..., 0]
        v = a + (b - a) * frac
        out.append(np.where(n >= max(min_count, 1), v, np.nan).astype(x.dtype, copy=False))
    return out
