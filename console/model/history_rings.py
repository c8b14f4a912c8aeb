"""Each series' history in two tiers, held in numpy arrays sized by configuration alone: memory is
`max_series` x (recent readings + buckets), never cadence x uptime.

- **recent**: a ring of each series' last `recent_points` readings exactly as received (float64 time
  and value): 16 minutes at 1 Hz with the defaults, hours for slower series. The chart's shortest
  range (15 minutes), sparklines, forecasts (15 minutes) and the console's rules read only this part.
- **envelopes**: a ring of `bucket_s` intervals (60 s, the recording's minutes) covering `history_s`:
  per interval the min and max (float32) and the mean and last reading, each stored as where it lies
  between that min and max in 1/65535ths (uint16: 2 bytes instead of 4, off by at most 1/131070 of
  the interval's spread, far below a pixel). 12 bytes an interval; its time is implicit: bucket
  number k = floor(ts / bucket_s) lives in slot k mod n_buckets. The newest interval's mean and last
  stay exact in the series' running sum, count and latest value until it closes, then are written once.

A reading not newer than its series' latest is dropped (charts need time-ordered series), so only a
series' newest bucket is ever added to. `series()` gives a chart both tiers as one (ts, values) line:
each interval whose readings are all still in the recent ring as those readings, each older one as
its min and max (so peaks survive at every range). Batches of thousands of readings across thousands
of series are written with a fixed number of numpy operations, never a Python step per reading.

The arrays are allocated for `max_series` at once, zero-filled by the operating system on first
touch: only the rows of series that exist take memory (rows past `n_series` are kept all zeros).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

_NO_BUCKET = np.int64(-(2**62))  # a series' newest bucket before its first reading: far from any gap
_NONE_HELD = 2**62  # `_lowest` when no bucket is held
_F32_MAX = float(np.finfo(np.float32).max)
_Q = 65535.0  # the steps of a mean or last between its interval's min and max
_PER_SERIES = 7 * 8  # head, count, newest bucket, its count and sum, last time and value
# a batch of at most this many readings is written reading by reading in Python scalars (`append_one`):
# a reading there costs about what three numpy calls do, and the numpy path makes ~40-70 calls a batch
# whatever its size (measured: tests/bench/bench_ingest_cpu.py)
SCALAR_MAX = 24
# in a larger batch, at most this many buckets closing are closed one by one in scalars (`_seal_one`, ~2 us
# each), more in numpy (~25 calls)
SEAL_SCALAR_MAX = 8


class SeriesLimitError(Exception):
    """More series than the configured `max_series`."""


@dataclass(frozen=True, slots=True)
class Older:
    """One series' older readings reduced for `HistoryRings.prepend`: the newest `recent_points` as
    they are, and per bucket its number, [min, max] (float32), count, sum and last reading."""

    ts: np.ndarray
    vals: np.ndarray
    k: np.ndarray
    ext: np.ndarray
    n: np.ndarray
    total: np.ndarray
    last: np.ndarray


class HistoryRings:
    def __init__(self, max_series: int = 32_768, recent_points: int = 960, history_s: float = 86_400.0,
                 bucket_s: float = 60.0):
        if max_series <= 0 or recent_points <= 0 or not (history_s > 0) or not (bucket_s > 0):
            raise ValueError("max_series, recent_points, history_s and bucket_s must be positive")
        self.max_series = max_series
        self.recent_points = recent_points
        self.bucket_s = float(bucket_s)
        self.n_buckets = max(1, math.ceil(history_s / bucket_s))
        n, p, nb = max_series, recent_points, self.n_buckets
        self._ts = np.zeros((n, p), dtype=np.float64)
        self._val = np.zeros((n, p), dtype=np.float64)
        self._ext = np.zeros((n, nb, 2), dtype=np.float32)  # min, max of each interval; NaN: no reading
        self._pos = np.zeros((n, nb, 2), dtype=np.uint16)  # mean, last: where between min and max
        self._head = np.zeros(n, dtype=np.int64)  # next slot of the recent ring
        self._count = np.zeros(n, dtype=np.int64)  # readings in the recent ring
        self._bucket = np.full(n, _NO_BUCKET)  # number of the newest bucket
        self._bucket_n = np.zeros(n, dtype=np.int64)  # readings in the newest bucket (for its mean)
        self._bucket_sum = np.zeros(n, dtype=np.float64)
        self.last_ts = np.full(n, -np.inf)
        self.last_val = np.full(n, np.nan)
        self._mv = _Views(self)
        self.n_series = 0
        # no series holds a bucket older than this number (a lower bound, kept where buckets are written):
        # forgetting every reading then empties only the buckets from here to the newest, not the day
        self._lowest = _NONE_HELD

    # ------------------------------------------------------------------ size
    @property
    def bytes_per_series(self) -> int:
        return 16 * self.recent_points + 12 * self.n_buckets + _PER_SERIES

    @property
    def bytes_allocated(self) -> int:
        """What the series there are take (the rows after them are never touched, so not in memory)."""
        return self.n_series * self.bytes_per_series

    @property
    def worst_case_bytes(self) -> int:
        return self.max_series * self.bytes_per_series

    def __len__(self) -> int:
        return self.n_series

    def count(self, sid: int) -> int:
        """Readings in the series' recent ring."""
        return int(self._count[sid])

    # ------------------------------------------------------------------ series
    def add_series(self) -> int:
        if self.n_series >= self.max_series:
            raise SeriesLimitError(f"more than {self.max_series} series")
        sid = self.n_series
        self._ext[sid] = np.nan
        self._bucket[sid] = _NO_BUCKET
        self.n_series += 1
        return sid

    def _reset(self, sids: np.ndarray) -> None:
        """These series hold nothing any more (they stay series)."""
        self._ext[sids] = np.nan
        self._head[sids] = self._count[sids] = self._bucket_n[sids] = 0
        self._bucket[sids] = _NO_BUCKET
        self._bucket_sum[sids] = 0.0
        self.last_ts[sids] = -np.inf
        self.last_val[sids] = np.nan

    def forget_readings(self) -> None:
        """Every series holds nothing any more and stays a series, with its id (`_reset` of them all,
        in slices: a time-shift's drag step does this for every series of the city). Only the buckets
        that can hold anything are emptied: a drag step's are its last minute or two, not the day's
        1,440 (which at 1,643 series is 19 MB to write)."""
        n = self.n_series
        hi = int(self._bucket[:n].max()) if n else int(_NO_BUCKET)
        if hi != _NO_BUCKET:
            if 0 <= hi - self._lowest < self.n_buckets:
                self._ext[:n, np.arange(self._lowest, hi + 1) % self.n_buckets] = np.nan
            else:
                self._ext[:n] = np.nan
        self._lowest = _NONE_HELD
        for a in (self._head, self._count, self._bucket_n, self._bucket_sum):
            a[:n] = 0
        self._bucket[:n] = _NO_BUCKET
        self.last_ts[:n] = -np.inf
        self.last_val[:n] = np.nan

    def clear(self) -> None:
        """No series any more, as when new."""
        n = self.n_series
        for a in (self._ts, self._val, self._ext, self._pos, self._head, self._count, self._bucket_n,
                  self._bucket_sum):
            a[:n] = 0
        self._bucket[:n] = _NO_BUCKET
        self.last_ts[:n] = -np.inf
        self.last_val[:n] = np.nan
        self.n_series = 0
        self._lowest = _NONE_HELD

    def copy_from(self, other: HistoryRings) -> None:
        """Become an exact copy of `other`, in place (every array stays the same object)."""
        if self._config() != other._config():
            raise ValueError("cannot copy history rings of another size")
        n = max(self.n_series, other.n_series)  # past both, both are as new
        for name in ("_ts", "_val", "_ext", "_pos", "_head", "_count", "_bucket", "_bucket_n", "_bucket_sum",
                     "last_ts", "last_val"):
            np.copyto(getattr(self, name)[:n], getattr(other, name)[:n])
        self.n_series = other.n_series
        self._lowest = other._lowest

    def _bucket_of(self, ts: np.ndarray) -> np.ndarray:
        """The bucket number of each time (one rounding everywhere: a reading is in exactly one)."""
        return np.floor_divide(ts, self.bucket_s).astype(np.int64)

    def _config(self) -> tuple:
        return self.max_series, self.recent_points, self.bucket_s, self.n_buckets

    # ------------------------------------------------------------------ writing
    def append(self, sids: np.ndarray, ts: np.ndarray, values: np.ndarray) -> np.ndarray | None:
        """Append readings in arrival order. A reading not newer than its series' latest (or than one
        before it in the batch) is dropped. Returns the mask of readings kept, or None when all were."""
        n = len(sids)
        if n == 0:
            return None
        if n <= SCALAR_MAX:  # a small batch: reading by reading in Python scalars (see SCALAR_MAX)
            one = self.append_one
            kept = [one(s, t, v) for s, t, v in zip(np.asarray(sids, dtype=np.int64).tolist(),
                                                    np.asarray(ts, dtype=np.float64).tolist(),
                                                    np.asarray(values, dtype=np.float64).tolist(), strict=True)]
            return None if all(kept) else np.array(kept, dtype=bool)
        return self._append_arrays(np.asarray(sids, dtype=np.int64), np.asarray(ts, dtype=np.float64),
                                   np.asarray(values, dtype=np.float64))

    def _append_arrays(self, sids: np.ndarray, ts: np.ndarray, values: np.ndarray) -> np.ndarray | None:
        """`append` in a fixed number of numpy operations, whatever the batch's size."""
        if not _unique(sids, self._mv.seen):  # a series twice in the batch (a catch-up, a backfill)
            return self._append_grouped(sids, ts, values)
        # The hot path: every series at most once. Few numpy calls: at ~100 readings a batch the
        # per-call overhead, not the arithmetic, is what costs.
        keep = ts > self.last_ts[sids]
        all_kept = bool(keep.all())
        if not all_kept:
            sids, ts, values = sids[keep], ts[keep], values[keep]
        head = self._head[sids]
        slots = sids * self.recent_points + head
        self._ts.reshape(-1)[slots] = ts
        self._val.reshape(-1)[slots] = values
        head += 1
        head[head == self.recent_points] = 0
        self._head[sids] = head
        self._count[sids] = np.minimum(self._count[sids] + 1, self.recent_points)
        # the envelopes. The newest bucket's extremes are kept up to date; its mean and last live in
        # the series' running sum, count and latest value until it closes (written down then, once).
        b = self._bucket_of(ts)
        cur = self._bucket[sids]
        new = b != cur
        flat = sids * self.n_buckets + b % self.n_buckets
        ext = self._ext.reshape(-1, 2)
        old = ext[flat]
        if new.any():
            b_new, cur_new = b[new], cur[new]
            self._lowest = min(self._lowest, int(b_new.min()))
            moved = sids[new]
            if len(moved) <= SEAL_SCALAR_MAX:  # a few buckets close (the usual case): in scalars
                for sid, c, k in zip(moved.tolist(), cur_new.tolist(), b_new.tolist(), strict=True):
                    if c != _NO_BUCKET:
                        self._seal_one(sid, c)
                        if k > c + 1:
                            self._empty_one(sid, c + 1, k)
            else:
                self._seal(moved, cur_new)
                self._empty(moved, cur_new + 1, b_new)  # the buckets skipped; the new one is written whole below
            old[new] = np.nan  # a new bucket holds nothing yet: fmin and fmax take the reading
        v32 = _f32(values)
        np.fmin(old[:, 0], v32, out=old[:, 0])  # `old` is a copy (fancy indexing): updated in place
        np.fmax(old[:, 1], v32, out=old[:, 1])
        ext[flat] = old
        self._bucket_n[sids] = np.where(new, 0, self._bucket_n[sids]) + 1
        self._bucket_sum[sids] = np.where(new, 0.0, self._bucket_sum[sids]) + values
        self._bucket[sids] = b
        self.last_ts[sids] = ts
        self.last_val[sids] = values
        return None if all_kept else keep

    def append_one(self, sid: int, t: float, v: float) -> bool:
        """`append` of one reading in Python scalars, step for step the same result as the numpy path
        (tests hold the two to the same bytes). Through memoryviews of the arrays (`_mv`): an element
        read or written there costs a third of a numpy element access, a numpy call on an array a few
        microseconds."""
        m = self._mv
        if not t > m.last_ts[sid]:
            return False
        p = self.recent_points
        h = m.head[sid]
        i = sid * p + h
        m.ts[i] = t
        m.val[i] = v
        m.head[sid] = h + 1 if h + 1 < p else 0
        c = m.count[sid]
        if c < p:
            m.count[sid] = c + 1
        b = int(t // self.bucket_s)  # Python's floor division of floats is numpy's floor_divide
        cur = m.bucket[sid]
        nb = self.n_buckets
        e = 2 * (sid * nb + b % nb)  # the bucket's min; its max follows
        ext = m.ext
        vc = min(max(v, -_F32_MAX), _F32_MAX)  # written into float32: rounded as _f32 rounds
        if b != cur:
            if b < self._lowest:
                self._lowest = b
            if cur != _NO_BUCKET:
                self._seal_one(sid, cur)
                if b > cur + 1:
                    self._empty_one(sid, cur + 1, b)  # the buckets skipped; the new one is written whole
            m.bucket[sid] = b
            m.bucket_n[sid] = 1
            m.bucket_sum[sid] = 0.0 + v  # as the numpy path's sum from 0.0 (-0.0 becomes 0.0)
            ext[e] = ext[e + 1] = vc
        else:
            m.bucket_n[sid] += 1
            m.bucket_sum[sid] += v
            # compared in float64, stored as float32: rounding keeps order, so "its float32 is below the
            # minimum" is "v is below it" unless both round to one value (no change then)
            if not ext[e] <= vc:
                ext[e] = vc
            if not ext[e + 1] >= vc:
                ext[e + 1] = vc
        m.last_ts[sid] = t
        m.last_val[sid] = v
        return True

    def _seal_one(self, sid: int, cur: int) -> None:
        """`_seal` of one series, in scalars: its newest bucket `cur` (it has one) closes."""
        m = self._mv
        e = 2 * (sid * self.n_buckets + cur % self.n_buckets)
        lo = m.ext[e]
        span = m.ext[e + 1] - lo
        m.pos[e] = _encode_one(m.bucket_sum[sid] / m.bucket_n[sid], lo, span)
        m.pos[e + 1] = _encode_one(m.last_val[sid], lo, span)

    def _empty_one(self, sid: int, first: int, stop: int) -> None:
        """`_empty` of one series that has a bucket: buckets first..stop-1 (the last n_buckets of them),
        copied over from a row of NaN (a memoryview slice assignment is one memcpy)."""
        nb = self.n_buckets
        first = max(first, stop - nb)
        if stop <= first:
            return
        ext, nan, row = self._mv.ext, self._mv.nan, 2 * sid * nb
        a, end = first % nb, first % nb + (stop - first)
        if end <= nb:
            ext[row + 2 * a: row + 2 * end] = nan[: 2 * (end - a)]
        else:  # round the ring's end
            ext[row + 2 * a: row + 2 * nb] = nan[: 2 * (nb - a)]
            ext[row: row + 2 * (end - nb)] = nan[: 2 * (end - nb)]

    def _seal(self, sids: np.ndarray, cur: np.ndarray | None = None) -> None:
        """These series' newest buckets (`cur`, when the caller has them) are closing: write their mean
        and last down."""
        if cur is None:
            cur = self._bucket[sids]
        if len(cur) and cur.min() == _NO_BUCKET:  # series without a bucket yet: nothing to close
            sids, cur = sids[cur != _NO_BUCKET], cur[cur != _NO_BUCKET]
        if len(sids):
            self._write_pos(sids * self.n_buckets + cur % self.n_buckets,
                            self._bucket_sum[sids] / self._bucket_n[sids], self.last_val[sids])

    def _write_pos(self, flat: np.ndarray, mean: np.ndarray, last: np.ndarray) -> None:
        """Mean and last of buckets (flat slot numbers) whose extremes are written."""
        lo, span = _span(self._ext.reshape(-1, 2)[flat])
        x = np.empty((len(flat), 2))
        x[:, 0], x[:, 1] = mean, last
        self._pos.reshape(-1, 2)[flat] = _encode(x, lo[:, None], span[:, None])  # both in one pass

    def _empty(self, sids: np.ndarray, first: np.ndarray, stop: np.ndarray) -> None:
        """Empty buckets first..stop-1 of each series (only the last n_buckets of them can be held). A
        series without a bucket yet (first is just after _NO_BUCKET) is empty already: add_series and
        _reset leave every bucket of it NaN. (Emptying its whole day anyway was most of a replay seek:
        the keyframe's first reading of every series.)"""
        had = first != _NO_BUCKET + 1
        if not had.all():
            sids, first, stop = sids[had], first[had], stop[had]
        first = np.maximum(first, stop - self.n_buckets)
        cnt = np.maximum(stop - first, 0)
        total = int(cnt.sum())
        if total == 0:
            return
        which = np.repeat(np.arange(len(sids)), cnt)
        k = first[which] + (np.arange(total) - np.repeat(np.cumsum(cnt) - cnt, cnt))
        self._ext.reshape(-1, 2)[sids[which] * self.n_buckets + k % self.n_buckets] = np.nan

    def _append_grouped(self, sids, ts, values) -> np.ndarray:
        keep = self._newer(sids, ts)
        kept = np.flatnonzero(keep)
        if len(kept):
            k_idx = kept[np.argsort(sids[kept], kind="stable")]  # by series; within one, arrival = time order
            self._write_grouped(sids[k_idx], ts[k_idx], values[k_idx])
        return keep

    def load(self, items: list[tuple[int, np.ndarray, np.ndarray]]) -> int:
        """Append past readings, (sid, ts, values) per series in arrival order (a replay's history):
        the same as `append` of them all, without sorting what already comes grouped. Returns those kept."""
        sids = [int(s) for s, t, _ in items if len(t)]
        if not _unique(np.array(sids, dtype=np.int64), self._mv.seen):
            ts = [t for _, t, _ in items]
            kept = self.append(np.concatenate([np.full(len(t), s) for s, t, _ in items]), np.concatenate(ts),
                               np.concatenate([v for _, _, v in items]))
            return sum(map(len, ts)) if kept is None else int(kept.sum())
        parts = [(sid, *_newer_than(self.last_ts[sid], t, v)) for sid, t, v in items if len(t)]
        return self._write_parts(parts)

    def _write_parts(self, parts: list[tuple[int, np.ndarray, np.ndarray]]) -> int:
        """Write readings given per series (each series once, times increasing, newer than its latest)."""
        parts = [p for p in parts if len(p[1])]
        if not parts:
            return 0
        ks = np.repeat(np.array([s for s, _, _ in parts], dtype=np.int64), [len(t) for _, t, _ in parts])
        self._write_grouped(ks, np.concatenate([t for _, t, _ in parts]), np.concatenate([v for _, _, v in parts]))
        return len(ks)

    def _write_grouped(self, ks: np.ndarray, kt: np.ndarray, kv: np.ndarray) -> None:
        """Write readings grouped by series, each group in time order and newer than its series' latest."""
        # envelopes first: a bucket closing is written down with the series' latest value before these
        r_k, r_ext, r_n, r_sum, rstart = _runs(self._bucket_of(kt), kv, _changes(ks))
        self._write_runs(ks[rstart], r_k, r_ext, r_n, r_sum, kv[_lasts(rstart, len(ks))])
        self._write_recent(ks, kt, kv)

    def _write_recent(self, ks: np.ndarray, kt: np.ndarray, kv: np.ndarray) -> None:
        """The recent rings' part of `_write_grouped`, and each series' latest reading."""
        gstart = np.flatnonzero(_changes(ks))
        glen = _lasts(gstart, len(ks)) + 1 - gstart
        gsid, glast = ks[gstart], gstart + glen - 1
        p = self.recent_points
        rank = np.arange(len(ks)) - np.repeat(gstart, glen)  # within its series; the newest p are written
        fits = rank >= np.repeat(glen - p, glen)
        w_s = ks[fits]
        slots = w_s * p + (self._head[w_s] + rank[fits]) % p
        self._ts.reshape(-1)[slots] = kt[fits]
        self._val.reshape(-1)[slots] = kv[fits]
        self._head[gsid] = (self._head[gsid] + glen) % p
        self._count[gsid] = np.minimum(self._count[gsid] + glen, p)
        self.last_ts[gsid] = kt[glast]
        self.last_val[gsid] = kv[glast]

    def _write_runs(self, r_sid, r_k, r_ext, r_n, r_sum, r_last) -> None:
        """Buckets aggregated elsewhere, grouped by series and in time order, each newer than or the
        same as its series' newest: [min, max] (float32), count, sum and last reading of each. A series'
        first may continue its newest bucket; every one but its last is a bucket closed, written whole."""
        gstart = np.flatnonzero(_changes(r_sid))
        if len(r_k):
            self._lowest = min(self._lowest, int(r_k.min()))
        gsid = r_sid[gstart]
        g_lastrun = _lasts(gstart, len(r_sid))
        r_gid = np.repeat(np.arange(len(gstart)), g_lastrun + 1 - gstart)
        cur, final_b = self._bucket[gsid], r_k[g_lastrun]
        merge = r_k == self._bucket[r_sid]  # only ever a series' first
        self._seal(gsid[(final_b != cur) & ~merge[gstart]])  # closing as they were
        self._empty(gsid, cur + 1, final_b + 1)
        cnt = np.where(merge, self._bucket_n[r_sid] + r_n, r_n)
        total = np.where(merge, self._bucket_sum[r_sid] + r_sum, r_sum)
        ext = self._ext.reshape(-1, 2)
        flat = r_sid * self.n_buckets + r_k % self.n_buckets
        if merge.any():
            old = ext[flat[merge]]
            r_ext = r_ext.copy()
            r_ext[merge, 0] = np.fmin(old[:, 0], r_ext[merge, 0])
            r_ext[merge, 1] = np.fmax(old[:, 1], r_ext[merge, 1])
        live = r_k > final_b[r_gid] - self.n_buckets  # older ones fell out of the window already
        ext[flat[live]] = r_ext[live]
        closed = live.copy()
        closed[g_lastrun] = False
        self._write_pos(flat[closed], (total / cnt)[closed], r_last[closed])
        self._bucket[gsid] = final_b
        self._bucket_n[gsid] = cnt[g_lastrun]
        self._bucket_sum[gsid] = total[g_lastrun]

    def _newer(self, sids: np.ndarray, ts: np.ndarray) -> np.ndarray:
        """Which readings are newer than their series' latest and than every one before them in the
        batch: a running max per series, for all series at once by lifting each group above the last."""
        n = len(sids)
        order = np.argsort(sids, kind="stable")
        s_sorted, t_sorted = sids[order], ts[order]
        starts = np.flatnonzero(_changes(s_sorted))
        gid = np.zeros(n, dtype=np.int64)
        gid[starts[1:]] = 1
        gid = np.cumsum(gid)
        base, span = float(t_sorted.min()), float(t_sorted.max() - t_sorted.min()) + 1.0
        keep = np.zeros(n, dtype=bool)
        if len(starts) * 2 * span < 1e10:  # the lift keeps microsecond precision
            lift = gid * (2 * span)
            runmax = np.maximum.accumulate(t_sorted - base + lift) - lift + base
            prev = np.empty(n)
            prev[1:] = runmax[:-1]
            prev[starts] = -np.inf
            keep[order] = t_sorted > np.maximum(prev, self.last_ts[s_sorted])
        else:  # timestamps spread over decades: walk each series (rare, and still correct)
            ends = np.r_[starts[1:], n]
            for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
                latest = self.last_ts[int(s_sorted[a])]
                for idx in order[a:b].tolist():
                    if ts[idx] > latest:
                        keep[idx] = True
                        latest = ts[idx]
        return keep

    # ------------------------------------------------------------------ putting older readings first
    def reduce(self, ts: np.ndarray, vals: np.ndarray) -> Older | None:
        """One series' older readings (arrival order) as `prepend` needs them: the ring's rule applied
        from an empty series, the newest `recent_points` kept, the rest only as buckets. Reads no state:
        safe on another thread (the window reduces a replay's hour there, off the GUI thread)."""
        if not len(ts):
            return None
        ts, vals = _newer_than(-np.inf, ts, vals)
        k, ext, n, total, start = _runs(self._bucket_of(ts), vals)
        last = vals[_lasts(start, len(ts))]
        return Older(ts[-self.recent_points:], vals[-self.recent_points:], k, ext, n, total, last)

    def prepend(self, items: list[tuple[int, Older]]) -> None:
        """Put older readings (`reduce`d) before what each series holds, as if they had come first, one
        item per series. Readings a series holds that are not newer than the last of these go. The
        series whose recent ring still holds every reading they have (the usual case after a seek) are
        rebuilt together; the others one by one, in place."""
        items = [(int(sid), o) for sid, o in items if o is not None]
        simple = [(sid, o) for sid, o in items if self._count[sid] < self.recent_points]
        full = [(sid, o) for sid, o in items if self._count[sid] == self.recent_points]
        if simple:
            sids = np.array([s for s, _ in simple], dtype=np.int64)
            cnt = self._count[sids]
            held_t, held_v = self._recent_rows(sids)  # series after series, in the order of `sids`
            newer = held_t > np.repeat([o.ts[-1] for _, o in simple], cnt)
            h_gi = np.repeat(np.arange(len(sids)), cnt)[newer]  # which item each reading still held is of
            held_t, held_v = held_t[newer], held_v[newer]
            self._reset(sids)
            # envelopes: each series' older buckets, then those of what it still holds (the first of
            # which may be the older ones' last bucket: taken together)
            o_gi = np.repeat(np.arange(len(sids)), [len(o.k) for _, o in simple])
            older = [np.concatenate(x) for x in zip(*((o.k, o.ext, o.n, o.total, o.last) for _, o in simple),
                                                     strict=True)]
            if len(held_t):
                h_k, h_ext, h_n, h_sum, h_start = _runs(self._bucket_of(held_t), held_v,
                                                         _changes(h_gi))
                h_last = held_v[_lasts(h_start, len(held_t))]
                gi = np.concatenate((o_gi, h_gi[h_start]))
                order = np.argsort(gi, kind="stable")
                runs = [np.concatenate(x)[order] for x in zip(older, (h_k, h_ext, h_n, h_sum, h_last), strict=True)]
                gi = gi[order]
            else:
                runs, gi = older, o_gi
            self._write_runs(*_coalesce(sids[gi], *runs))
            # recent rings: the newest of the older readings, then what each still holds after them
            ends = np.cumsum(np.bincount(h_gi, minlength=len(sids)))
            starts = np.r_[0, ends[:-1]]
            parts_t = [np.concatenate((o.ts, held_t[a:b])) for (_, o), a, b in zip(simple, starts, ends, strict=True)]
            parts_v = [np.concatenate((o.vals, held_v[a:b])) for (_, o), a, b in zip(simple, starts, ends, strict=True)]
            self._write_recent(np.repeat(sids, [len(t) for t in parts_t]), np.concatenate(parts_t),
                               np.concatenate(parts_v))
        for sid, o in full:
            self._prepend_in_place(sid, o)

    def _prepend_in_place(self, sid: int, o: Older) -> None:
        """`prepend` for a series whose recent ring is full: its older buckets exist only as envelopes."""
        t_last = o.ts[-1]
        if self.last_ts[sid] <= t_last:  # all it holds goes
            self._reset(np.array([sid]))
            self._write_runs(np.full(len(o.k), sid), o.k, o.ext, o.n, o.total, o.last)
            self._write_recent(np.full(len(o.ts), sid), o.ts, o.vals)
            return
        nb, p = self.n_buckets, self.recent_points
        held_t, held_v = self._recent_rows(np.array([sid]))
        covered = int(self._bucket_of(held_t[:1])[0]) + 1  # buckets from here on: every reading in the ring
        newer = held_t > t_last
        rt = np.concatenate((o.ts, held_t[newer]))[-p:]  # the recent ring: the newest of both
        rv = np.concatenate((o.vals, held_v[newer]))[-p:]
        self._ts[sid, : len(rt)], self._val[sid, : len(rt)] = rt, rv
        self._head[sid], self._count[sid] = len(rt) % p, len(rt)
        # envelopes: before bucket k0 only these readings, k0 shared, after it what was held
        k0 = int(o.k[-1])
        cur = int(self._bucket[sid])
        lo = cur - nb + 1
        if k0 < lo:  # they all end before the window
            return
        self._ext[sid, np.arange(lo, k0) % nb] = np.nan
        pe = np.column_stack((o.ext, o.total / o.n, o.last))
        older = (o.k >= lo) & (o.k < k0)
        self._put(sid, o.k[older], pe[older])
        if k0 >= covered:  # the ring holds every reading of k0 that stays: the bucket again, exactly
            mine = newer & (self._bucket_of(held_t) == k0)
            n, total = int(o.n[-1]) + int(mine.sum()), float(o.total[-1]) + float(held_v[mine].sum())
            extremes = np.r_[_f32(held_v[mine]), o.ext[-1]]
            last = held_v[mine][-1] if mine.any() else o.last[-1]
            self._put(sid, np.array([k0]), np.array([[extremes.min(), extremes.max(), total / n, last]]))
            if cur == k0:
                self._bucket_n[sid], self._bucket_sum[sid] = n, total
        else:  # held only as an envelope: its extremes take these in, mean and last stay
            held = self._get(sid, np.array([k0]))[0]
            if np.isnan(held[0]):
                self._put(sid, o.k[-1:], pe[-1:])
            else:
                self._put(sid, o.k[-1:], np.array([[min(held[0], pe[-1, 0]), max(held[1], pe[-1, 1]), *held[2:]]]))

    def _get(self, sid: int, k: np.ndarray) -> np.ndarray:
        """Buckets k of a series as rows of [min, max, mean, last] (NaN where empty)."""
        slot = k % self.n_buckets
        ext, pos = self._ext[sid, slot], self._pos[sid, slot].copy()
        lo, span = _span(ext)
        newest = k == self._bucket[sid]  # still open: its mean and last are the series' own, not yet written
        if newest.any():
            i = np.flatnonzero(newest)
            pos[i, 0] = _encode(self._bucket_sum[sid : sid + 1] / self._bucket_n[sid], lo[i], span[i])
            pos[i, 1] = _encode(self.last_val[sid : sid + 1], lo[i], span[i])
        return np.column_stack((ext, lo[:, None] + span[:, None] * (pos / _Q)))  # 65535 gives the max exactly

    def _put(self, sid: int, k: np.ndarray, e: np.ndarray) -> None:
        """Write buckets k of a series whole from rows of [min, max, mean, last]."""
        if len(k):
            self._lowest = min(self._lowest, int(k.min()))
            flat = sid * self.n_buckets + k % self.n_buckets
            self._ext.reshape(-1, 2)[flat] = _f32(e[:, :2])
            self._write_pos(flat, e[:, 2], e[:, 3])

    # ------------------------------------------------------------------ reading
    def _recent_rows(self, sids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The recent readings of these series, each series' oldest first, one series after another."""
        p = self.recent_points
        cnt = self._count[sids]
        which = np.repeat(np.arange(len(sids)), cnt)
        j = np.arange(int(cnt.sum())) - np.repeat(np.cumsum(cnt) - cnt, cnt)
        flat = sids[which] * p + (self._head[sids][which] - cnt[which] + j) % p
        return self._ts.reshape(-1)[flat], self._val.reshape(-1)[flat]

    def recent(self, sid: int, since: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The readings in the series' recent ring, oldest first; those at or after `since` if given.
        Copies of the ring's one or two runs, only from `since` on: every tile of a drill asks (gathering
        the whole ring by index for each was a fifth of a tile's data)."""
        p, cnt, head = self.recent_points, int(self._count[sid]), int(self._head[sid])
        first = (head - cnt) % p
        runs = [(first, first + cnt)] if first + cnt <= p else [(first, p), (0, head)]
        ts_row, val_row = self._ts[sid], self._val[sid]
        if since is not None:  # the ring is in time order from `first`: skip whole runs, then search one
            while runs and ts_row[runs[0][1] - 1] < since:
                runs.pop(0)
            if runs:
                a, b = runs[0]
                runs[0] = (a + int(np.searchsorted(ts_row[a:b], since, side="left")), b)
        if len(runs) == 1:
            a, b = runs[0]
            return ts_row[a:b].copy(), val_row[a:b].copy()
        if not runs:
            return ts_row[:0].copy(), val_row[:0].copy()
        return (np.concatenate([ts_row[a:b] for a, b in runs]), np.concatenate([val_row[a:b] for a, b in runs]))

    def envelopes(self, sid: int, since: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(start time of each bucket that holds readings, its [min, max, mean, last]), oldest first,
        within the history window; only buckets ending after `since` if given."""
        k = self._window(sid, since, None)
        e = self._get(sid, k)
        full = ~np.isnan(e[:, 0])
        return k[full] * self.bucket_s, e[full]

    def _window(self, sid: int, since: float | None, stop: int | None) -> np.ndarray:
        """Bucket numbers from the oldest in the window (or the one holding `since`) to the newest, or
        to `stop` - 1."""
        cur = int(self._bucket[sid])
        if cur == _NO_BUCKET:
            return np.empty(0, dtype=np.int64)
        lo = cur - self.n_buckets + 1
        if since is not None:
            lo = max(lo, int(self._bucket_of(np.array([since]))[0]))
        return np.arange(lo, cur + 1 if stop is None else min(stop, cur + 1), dtype=np.int64)

    def series(self, sid: int, since: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """What a chart draws, oldest first, within the history window (and at or after `since`): each
        bucket whose readings are all in the recent ring as those readings; each older bucket as its
        min at its start and its max half a bucket later (one point when they are equal). When `since`
        is within the ring, every reading from then on is in it: those readings alone."""
        t, v = self.recent(sid)
        if not len(t):
            return t, v
        w = self.bucket_s
        rb = self._bucket_of(t)
        if since is not None and since >= t[0]:
            keep = (t >= since) & (rb > int(self._bucket[sid]) - self.n_buckets)
            return t[keep], v[keep]
        # the ring's oldest bucket may have lost readings to it once the ring is full: drawn as a bucket
        covered = int(rb[0]) + (1 if self._count[sid] == self.recent_points else 0)
        k = self._window(sid, since, covered)
        ext = self._ext[sid, k % self.n_buckets]
        held = ~np.isnan(ext[:, 0])
        k, ext = k[held], ext[held].astype(np.float64)
        two = ext[:, 0] != ext[:, 1]
        start = k * w
        lo_ts = -np.inf if since is None else since
        et = np.empty(len(k) + int(two.sum()))
        ev = np.empty(len(et))
        at = np.arange(len(k)) + np.concatenate(([0], np.cumsum(two)[:-1])).astype(np.int64)  # each one's first point
        et[at], ev[at] = np.maximum(start, lo_ts), ext[:, 0]
        et[at[two] + 1], ev[at[two] + 1] = np.maximum(start[two] + w / 2, lo_ts), ext[two, 1]
        keep = (rb >= max(covered, int(self._bucket[sid]) - self.n_buckets + 1)) & (t >= lo_ts)
        return np.concatenate((et, t[keep])), np.concatenate((ev, v[keep]))


class _Views:
    """Flat memoryviews of the rings' arrays, for `append_one`: the same memory, element access in a
    third of numpy's time (the arrays are only ever written in place, so these stay theirs); and scratch
    space. Nothing here is state: a copy of the rings copies the arrays, not this."""

    _ARRAYS = ("bucket", "bucket_n", "bucket_sum", "count", "ext", "head", "last_ts", "last_val", "pos", "ts", "val")
    __slots__ = (*_ARRAYS, "nan", "seen")

    def __init__(self, r: HistoryRings):
        for name in self._ARRAYS:
            a = getattr(r, name if name.startswith("last_") else "_" + name)
            setattr(self, name, memoryview(a.reshape(-1)))
        self.nan = memoryview(np.full(2 * r.n_buckets, np.nan, dtype=np.float32))  # a day of empty buckets
        # for `_unique`, kept: made per batch, its 256 kB went back to the system each time (above malloc's
        # mmap threshold) and came back as fresh pages, a fault on each one touched
        self.seen = np.empty(r.max_series, dtype=np.int64)


def _newer_than(latest: float, ts: np.ndarray, vals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One series' readings in arrival order, less those not newer than `latest` or than one before them."""
    prev = np.maximum.accumulate(np.concatenate(([latest], ts[:-1])))
    keep = ts > prev
    return (ts, vals) if keep.all() else (ts[keep], vals[keep])


def _unique(sids: np.ndarray, seen: np.ndarray) -> bool:
    """No series twice among `sids` (each below len(seen); `seen` is scratch space, left dirty)."""
    if len(sids) <= 32:
        return len(set(sids.tolist())) == len(sids)
    order = np.arange(len(sids))  # each series' last place in the batch goes to `seen` (only those are read)
    seen[sids] = order
    return bool((seen[sids] == order).all())


def _f32(x: np.ndarray) -> np.ndarray:
    """float32 for the envelopes' extremes; beyond its range, its largest (the latest stays exact)."""
    return np.minimum(np.maximum(x, -_F32_MAX), _F32_MAX).astype(np.float32)


def _span(ext: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """An interval's min and its max - min, in float64 (exact for float32 extremes)."""
    lo = ext[:, 0].astype(np.float64)
    return lo, ext[:, 1] - lo


def _encode_one(x: float, lo: float, span: float) -> int:
    """`_encode` of one value, in Python floats: the same steps (round() is numpy's rint, half to even)."""
    f = (x - lo) / span if span > 0 else 0.0  # numpy divides by inf: 0 for any finite x - lo
    if f != f:  # NaN: numpy's cast to uint16 gives 0
        return 0
    return round(min(max(f, 0.0), 1.0) * _Q)


def _encode(x: np.ndarray, lo: np.ndarray, span: np.ndarray) -> np.ndarray:
    """Where x lies from lo (0) to lo + span (65535); 0 when the interval is one value."""
    f = (x - lo) / np.where(span > 0, span, np.inf)
    return np.rint(np.minimum(np.maximum(f, 0.0), 1.0) * _Q).astype(np.uint16)


def _changes(a: np.ndarray) -> np.ndarray:
    """True where a run of equal values starts (np.r_ costs tens of microseconds a call: not here)."""
    out = np.empty(len(a), dtype=bool)
    if len(a):
        out[0] = True
        np.not_equal(a[1:], a[:-1], out=out[1:])
    return out


def _lasts(start: np.ndarray, n: int) -> np.ndarray:
    """The last index of each run, given where the runs start among n items."""
    out = np.empty(len(start), dtype=np.int64)
    out[:-1] = start[1:] - 1
    if len(start):
        out[-1] = n - 1
    return out


def _coalesce(r_sid, k, ext, n, total, last):
    """Runs of one series and bucket next to each other taken together (its last reading the later's)."""
    start = np.flatnonzero(_changes(r_sid) | _changes(k))
    if len(start) == len(k):
        return r_sid, k, ext, n, total, last
    ext = np.column_stack((np.minimum.reduceat(ext[:, 0], start), np.maximum.reduceat(ext[:, 1], start)))
    return (r_sid[start], k[start], ext, np.add.reduceat(n, start), np.add.reduceat(total, start),
            last[_lasts(start, len(k))])


def _runs(b: np.ndarray, values: np.ndarray, breaks: np.ndarray | None = None):
    """Per run of one bucket number in `b` (readings in time order; `breaks` marks more run starts):
    its bucket number, [min, max] (float32), count, sum, and where it starts."""
    starts = _changes(b)
    if breaks is not None:
        starts |= breaks
    start = np.flatnonzero(starts)
    # extremes found in float64, then rounded: rounding keeps order, so the same as those of float32 values
    ext = _f32(np.column_stack((np.minimum.reduceat(values, start), np.maximum.reduceat(values, start))))
    n = _lasts(start, len(b)) + 1 - start
    return b[start], ext, n, np.add.reduceat(values, start), start
