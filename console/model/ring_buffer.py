"""Bounded per-series ring buffers of (ts, value), stored in two flat numpy arrays.

Each series owns a contiguous segment of the flat arrays, so a batch of readings for many series is
written with a handful of vectorised numpy operations instead of one Python step per reading.
Memory is fixed by configuration (`max_series` x `capacity`), never by uptime.
"""

from __future__ import annotations

import numpy as np


class SeriesLimitError(Exception):
    """More series than the configured `max_series`."""


class RingStore:
    def __init__(self, max_series: int = 4096, max_points: int = 86_400):
        if max_series <= 0 or max_points <= 0:
            raise ValueError("max_series and max_points must be positive")
        self.max_series = max_series
        self.max_points = max_points
        self._ts = np.empty(0, dtype=np.float64)
        self._val = np.empty(0, dtype=np.float64)
        n = max_series
        self._offset = np.zeros(n, dtype=np.int64)
        self._cap = np.zeros(n, dtype=np.int64)
        self._head = np.zeros(n, dtype=np.int64)  # next slot to write, relative to the segment
        self._count = np.zeros(n, dtype=np.int64)
        self.last_ts = np.full(n, -np.inf)
        self.last_val = np.full(n, np.nan)
        self._used = 0  # slots handed out in the flat arrays
        self.n_series = 0

    def clear(self) -> None:
        """No series any more, as when new (the flat arrays are given back)."""
        self._ts = np.empty(0, dtype=np.float64)
        self._val = np.empty(0, dtype=np.float64)
        self._offset.fill(0)
        self._cap.fill(0)
        self._head.fill(0)
        self._count.fill(0)
        self.last_ts.fill(-np.inf)
        self.last_val.fill(np.nan)
        self._used = 0
        self.n_series = 0

    def copy_from(self, other: RingStore) -> None:
        """Become an exact copy of `other`, in place: the per-series arrays (`last_ts`, `last_val`) stay
        the same objects. The flat arrays are replaced when their size differs, as when a series is added."""
        if (other.max_series, other.max_points) != (self.max_series, self.max_points):
            raise ValueError("cannot copy rings of another size")
        self._ts = _copied(self._ts, other._ts)
        self._val = _copied(self._val, other._val)
        np.copyto(self._offset, other._offset)
        np.copyto(self._cap, other._cap)
        np.copyto(self._head, other._head)
        np.copyto(self._count, other._count)
        np.copyto(self.last_ts, other.last_ts)
        np.copyto(self.last_val, other.last_val)
        self._used = other._used
        self.n_series = other.n_series

    @property
    def bytes_allocated(self) -> int:
        return self._ts.nbytes + self._val.nbytes

    @property
    def worst_case_bytes(self) -> int:
        return self.max_series * self.max_points * 16

    def add_series(self, capacity: int) -> int:
        """A new series with room for `capacity` points (clamped to `max_points`); returns its id."""
        if self.n_series >= self.max_series:
            raise SeriesLimitError(f"more than {self.max_series} series")
        cap = int(min(max(capacity, 2), self.max_points))
        sid = self.n_series
        need = self._used + cap
        if need > len(self._ts):
            size = max(need, 2 * len(self._ts), 1024)
            for name in ("_ts", "_val"):
                old = getattr(self, name)
                new = np.empty(size, dtype=np.float64)
                new[: len(old)] = old
                setattr(self, name, new)
        self._offset[sid] = self._used
        self._cap[sid] = cap
        self._used = need
        self.n_series += 1
        return sid

    def capacity(self, sid: int) -> int:
        return int(self._cap[sid])

    def __len__(self) -> int:
        return self.n_series

    def append(self, sids: np.ndarray, ts: np.ndarray, values: np.ndarray) -> np.ndarray | None:
        """Append readings in arrival order. A reading not newer than its series' latest is dropped
        (charts need time-ordered series). Returns the mask of readings kept, or None when all were."""
        n = len(sids)
        if n == 0:
            return None
        sids = np.asarray(sids, dtype=np.int64)
        if n > 1 and len(set(sids.tolist())) != n:  # a series twice in one batch: the careful path
            order = np.argsort(sids, kind="stable")
            s_sorted = sids[order]
            starts = np.flatnonzero(np.concatenate(([True], s_sorted[1:] != s_sorted[:-1])))
            return self._append_grouped(sids, ts, values, order, s_sorted, starts)
        # The hot path: every series at most once. Kept to as few numpy calls as possible, because
        # at ~100 readings a frame the per-call overhead, not the arithmetic, is what costs.
        keep = ts > self.last_ts[sids]
        all_kept = bool(keep.all())
        if not all_kept:
            sids, ts, values = sids[keep], ts[keep], values[keep]
        head, cap = self._head[sids], self._cap[sids]
        slots = self._offset[sids] + head
        self._ts[slots] = ts
        self._val[slots] = values
        head += 1
        head[head == cap] = 0
        self._head[sids] = head
        self._count[sids] += self._count[sids] < cap
        self.last_ts[sids] = ts
        self.last_val[sids] = values
        return None if all_kept else keep

    def _append_grouped(self, sids, ts, values, order, s_sorted, starts) -> np.ndarray:
        # Several readings of one series in the batch (a catch-up, a big batch). Keep a reading when it
        # is newer than everything before it in its series: a running max per series, done for all
        # series at once by lifting each group above the previous one, then the same scatter.
        n = len(sids)
        t_sorted = ts[order]
        gid = np.cumsum(np.isin(np.arange(n), starts)) - 1
        base, span = float(t_sorted.min()), float(t_sorted.max() - t_sorted.min()) + 1.0
        if len(starts) * 2 * span < 1e10:  # the lift keeps microsecond precision
            lift = gid * (2 * span)
            runmax = np.maximum.accumulate(t_sorted - base + lift) - lift + base
            prev = np.empty(n)
            prev[1:] = runmax[:-1]
            prev[starts] = -np.inf
            keep_sorted = t_sorted > np.maximum(prev, self.last_ts[s_sorted])
            keep = np.empty(n, dtype=bool)
            keep[order] = keep_sorted
        else:  # timestamps spread over decades: walk each series (rare, and still correct)
            keep = np.zeros(n, dtype=bool)
            ends = np.r_[starts[1:], n]
            for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
                latest = self.last_ts[int(s_sorted[a])]
                for idx in order[a:b].tolist():
                    if ts[idx] > latest:
                        keep[idx] = True
                        latest = ts[idx]
        kept = np.flatnonzero(keep)  # arrival order
        k_sids = sids[kept]
        if len(kept) == 0:
            return keep
        # rank of each kept reading within its series, in arrival order
        o = np.argsort(k_sids, kind="stable")
        ks = k_sids[o]
        gstart = np.flatnonzero(np.r_[True, ks[1:] != ks[:-1]])
        glen = np.diff(np.r_[gstart, len(ks)])
        rank_sorted = np.arange(len(ks)) - np.repeat(gstart, glen)
        rank = np.empty_like(rank_sorted)
        rank[o] = rank_sorted
        cap = self._cap[k_sids]
        total = np.empty_like(rank_sorted)  # how many readings of its series the batch keeps
        total[o] = np.repeat(glen, glen)
        # when a series gets more readings than it has room for, only the newest `cap` are written
        fits = rank >= total - cap
        w_sids, w_rank, w_cap = k_sids[fits], rank[fits], cap[fits]
        w_idx = kept[fits]
        slots = self._offset[w_sids] + (self._head[w_sids] + w_rank) % w_cap
        self._ts[slots] = ts[w_idx]
        self._val[slots] = values[w_idx]
        g_sids = ks[gstart]
        g_cap = self._cap[g_sids]
        self._head[g_sids] = (self._head[g_sids] + glen) % g_cap
        self._count[g_sids] = np.minimum(self._count[g_sids] + glen, g_cap)
        last_idx = kept[o[np.r_[gstart[1:], len(ks)] - 1]]
        self.last_ts[g_sids] = ts[last_idx]
        self.last_val[g_sids] = values[last_idx]
        return keep

    def prepend(self, sid: int, ts: np.ndarray, values: np.ndarray) -> None:
        """Put older readings (increasing ts) before what the series holds. Readings it holds that are
        not newer than the last of these go, as if these had come first."""
        cur_t, cur_v = self.series(sid)
        keep = cur_t > ts[-1]
        t = np.concatenate((ts, cur_t[keep]))
        v = np.concatenate((values, cur_v[keep]))
        cap = int(self._cap[sid])
        t, v = t[-cap:], v[-cap:]
        off, n = int(self._offset[sid]), len(t)
        self._ts[off : off + n] = t
        self._val[off : off + n] = v
        self._head[sid] = n % cap
        self._count[sid] = n
        self.last_ts[sid] = t[-1]
        self.last_val[sid] = v[-1]

    def series(self, sid: int, since: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Copies of the series' (ts, values), oldest first; only readings at or after `since` if given."""
        off, cap, head, cnt = (int(x[sid]) for x in (self._offset, self._cap, self._head, self._count))
        if cnt == 0:
            return np.empty(0), np.empty(0)
        start = (head - cnt) % cap
        idx = off + (start + np.arange(cnt)) % cap
        t, v = self._ts[idx], self._val[idx]
        if since is not None:
            i = int(np.searchsorted(t, since, side="left"))
            t, v = t[i:], v[i:]
        return t, v

    def count(self, sid: int) -> int:
        return int(self._count[sid])


def _copied(mine: np.ndarray, theirs: np.ndarray) -> np.ndarray:
    """`theirs`' contents, in `mine` when it has the room."""
    if mine.shape != theirs.shape:
        return theirs.copy()
    np.copyto(mine, theirs)
    return mine
