import gc
import tracemalloc

import numpy as np
import pytest

from console.model.ring_buffer import RingStore, SeriesLimitError


def test_wraps_and_keeps_the_newest_in_order():
    r = RingStore(max_series=4, max_points=100)
    s = r.add_series(5)
    for t in range(1, 13):
        r.append(np.array([s]), np.array([float(t)]), np.array([t * 10.0]))
    ts, v = r.series(s)
    assert ts.tolist() == [8.0, 9.0, 10.0, 11.0, 12.0]
    assert v.tolist() == [80.0, 90.0, 100.0, 110.0, 120.0]
    assert r.last_val[s] == 120.0


def test_old_and_duplicate_times_are_dropped():
    r = RingStore(4, 100)
    s = r.add_series(10)
    kept = r.append(np.array([s, s, s, s]), np.array([5.0, 3.0, 5.0, 6.0]), np.array([1.0, 2.0, 3.0, 4.0]))
    assert kept.tolist() == [True, False, False, True]
    assert r.series(s)[0].tolist() == [5.0, 6.0]
    kept = r.append(np.array([s]), np.array([6.0]), np.array([9.0]))
    assert kept.tolist() == [False]


@pytest.mark.parametrize("scale", [1.0, 1e8])  # 1e8: times so spread the vectorised path steps aside
def test_many_series_interleaved_in_one_batch_match_one_by_one(scale):
    rng = np.random.default_rng(3)
    batch_store, single_store = RingStore(20, 50), RingStore(20, 50)
    caps = rng.integers(3, 40, 20)
    for c in caps:
        batch_store.add_series(int(c))
        single_store.add_series(int(c))
    t = np.zeros(20)
    for _ in range(30):
        n = 200
        sids = rng.integers(0, 20, n)
        ts = np.empty(n)
        for i, s in enumerate(sids):  # mostly increasing per series, with some stragglers
            t[s] += 1.0
            ts[i] = (t[s] - (5.0 if rng.random() < 0.1 else 0.0)) * scale
        vals = rng.normal(size=n)
        batch_store.append(sids, ts, vals)
        for i in range(n):
            single_store.append(sids[i : i + 1], ts[i : i + 1], vals[i : i + 1])
    for s in range(20):
        a, b = batch_store.series(s), single_store.series(s)
        np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_array_equal(a[1], b[1])
        assert np.all(np.diff(a[0]) > 0)


def test_since_and_limits():
    r = RingStore(max_series=2, max_points=10)
    s = r.add_series(1000)
    assert r.capacity(s) == 10  # clamped by max_points
    r.append(np.full(1, s), np.array([1.0]), np.array([1.0]))
    r.append(np.full(1, s), np.array([2.0]), np.array([2.0]))
    assert r.series(s, since=1.5)[0].tolist() == [2.0]
    r.add_series(5)
    with pytest.raises(SeriesLimitError):
        r.add_series(5)
    assert r.worst_case_bytes == 2 * 10 * 16


def test_memory_does_not_grow_with_uptime():
    """Measured, not reported by the store itself: every allocation Python and numpy make is traced
    while 4,000 more rounds (512 KB of readings) go into rings already full."""
    r = RingStore(max_series=8, max_points=1000)
    sids = np.array([r.add_series(1000) for _ in range(8)])
    for k in range(1000):  # full: from here on every reading replaces the oldest
        r.append(sids, np.full(8, float(k + 1)), np.ones(8))
    tracemalloc.start()
    try:
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        for k in range(1000, 5000):
            r.append(sids, np.full(8, float(k + 1)), np.full(8, float(k)))
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 16 * 1024, f"{grown} bytes more after 4,000 rounds"
    ts, vals = r.series(int(sids[3]))
    assert ts.tolist() == [float(k + 1) for k in range(4000, 5000)] and vals[-1] == 4999.0
