"""HistoryRings against references computed here from the raw readings: per-bucket min/max/mean/last,
the recent ring exact, the chart's line exact per bucket, memory fixed by configuration."""

import warnings

import numpy as np
import pytest

from console.model.history_rings import HistoryRings, SeriesLimitError

W = 60.0


def reference_envelopes(ts: np.ndarray, vals: np.ndarray, n_buckets: int) -> dict[int, tuple]:
    """bucket number -> (min, max, mean, last) of the readings in it, for the buckets within the
    window ending at the newest reading's."""
    b = np.floor(ts / W).astype(np.int64)
    out = {}
    for k in np.unique(b):
        if k <= b[-1] - n_buckets:
            continue
        m = b == k
        out[int(k)] = (vals[m].min(), vals[m].max(), vals[m].mean(), vals[m][-1])
    return out


def assert_envelopes(r: HistoryRings, sid: int, ts: np.ndarray, vals: np.ndarray) -> None:
    start, env = r.envelopes(sid)
    ref = reference_envelopes(ts, vals, r.n_buckets)
    assert (start / W).astype(np.int64).tolist() == sorted(ref)
    for k, e in zip((start / W).astype(np.int64).tolist(), env, strict=True):
        mn, mx, mean, last = ref[k]
        assert (e[0], e[1]) == (np.float32(mn), np.float32(mx)), f"bucket {k}"  # extremes: float32
        step = (mx - mn) / 65535 + 1e-6 * abs(mx)  # mean and last: 1/65535ths of the spread
        assert abs(e[2] - mean) <= step and abs(e[3] - last) <= step, f"bucket {k}"


def irregular(rng, n: int, start: float = 1_763_900_000.0, step: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Increasing times about `step` apart (jittered, some gaps), values with spikes."""
    ts = start + np.cumsum(rng.uniform(0.2, 1.8, n) * step)
    ts[n // 3:] += 7 * W  # a gap of some buckets
    vals = rng.normal(50, 5, n)
    vals[rng.integers(0, n, 10)] += 400  # peaks the envelopes must keep
    return ts, vals


def feed_in_batches(r: HistoryRings, sids, series: list[tuple[np.ndarray, np.ndarray]], rng, max_batch=50):
    """Interleave the series' readings in arrival order, in batches of random sizes (some with a series
    once, most with several readings of one series)."""
    sid_all = np.concatenate([np.full(len(t), s) for s, (t, _) in zip(sids, series, strict=True)])
    t_all = np.concatenate([t for t, _ in series])
    v_all = np.concatenate([v for _, v in series])
    order = np.argsort(t_all, kind="stable")
    sid_all, t_all, v_all = sid_all[order], t_all[order], v_all[order]
    i = 0
    while i < len(t_all):
        n = int(rng.integers(1, max_batch))
        r.append(sid_all[i:i + n], t_all[i:i + n], v_all[i:i + n])
        i += n


def test_envelopes_and_recent_ring_match_references_computed_from_the_readings():
    rng = np.random.default_rng(1)
    r = HistoryRings(max_series=8, recent_points=100, history_s=3600, bucket_s=W)
    sids = [r.add_series() for _ in range(5)]
    series = [irregular(rng, 3000, step=s + 1.0) for s in range(5)]  # spans beyond the hour: the window rolls
    feed_in_batches(r, sids, series, rng)
    for sid, (ts, vals) in zip(sids, series, strict=True):
        assert_envelopes(r, sid, ts, vals)
        t, v = r.recent(sid)
        np.testing.assert_array_equal(t, ts[-100:])  # exactly as received
        np.testing.assert_array_equal(v, vals[-100:])
        assert r.last_ts[sid] == ts[-1] and r.last_val[sid] == vals[-1]  # the latest exactly as received


@pytest.mark.parametrize("fill", [0, 1, 37, 100, 101, 163, 250])
def test_recent_since_is_the_received_readings_from_then_on_wherever_the_ring_wraps(fill):
    """Reference: the last 100 readings as received, those at or after `since`; every `since` from before
    the oldest to after the newest, the ring empty, partly full, exactly full and wrapped at any point."""
    rng = np.random.default_rng(fill)
    r = HistoryRings(max_series=2, recent_points=100, history_s=3600, bucket_s=W)
    sid = r.add_series()
    ts = 1_763_900_000.0 + np.cumsum(rng.uniform(0.5, 1.5, fill))
    vals = rng.normal(50, 5, fill)
    feed_in_batches(r, [sid], [(ts, vals)], rng, max_batch=7)
    held_t, held_v = ts[-100:], vals[-100:]
    probes = [None, 0.0, 1e12, *(held_t[[0, len(held_t) // 2, -1]] if fill else []),
              *(held_t[:-1] + np.diff(held_t) / 2)[::9]]
    for since in probes:
        t, v = r.recent(sid, since)
        keep = np.ones(len(held_t), bool) if since is None else held_t >= since
        np.testing.assert_array_equal(t, held_t[keep])
        np.testing.assert_array_equal(v, held_v[keep])
    t, v = r.recent(sid)  # copies: the ring written on afterwards does not change what was handed out
    r.append(np.full(100, sid), 1_763_990_000.0 + np.arange(100.0), np.zeros(100))
    np.testing.assert_array_equal(t, held_t)
    np.testing.assert_array_equal(v, held_v)


def test_the_chart_line_holds_every_bucket_extreme_and_the_recent_readings_as_received():
    rng = np.random.default_rng(2)
    r = HistoryRings(max_series=2, recent_points=300, history_s=4 * 3600, bucket_s=W)
    sid = r.add_series()
    ts, vals = irregular(rng, 6000)
    feed_in_batches(r, [sid], [(ts, vals)], rng)
    t, v = r.series(sid)
    assert np.all(np.diff(t) >= 0)  # time-ordered, as the chart needs
    b = np.floor(ts / W)
    first_raw = np.floor(ts[-300] / W) + 1  # the ring's oldest bucket lost readings to it
    raw = b >= first_raw
    n_raw = int(raw.sum())
    np.testing.assert_array_equal(t[-n_raw:], ts[raw])
    np.testing.assert_array_equal(v[-n_raw:], vals[raw])
    old_t, old_v = t[:-n_raw], v[:-n_raw]
    for k in np.unique(b[~raw]):  # before that: each bucket's min and max, inside the bucket
        drawn = old_v[np.floor(old_t / W) == k]
        inside = vals[b == k].astype(np.float32)
        assert sorted(set(drawn.tolist())) == sorted({inside.min(), inside.max()}), f"bucket {k}"
    assert v.max() == np.float32(vals.max())  # the highest peak survives (float32 when only in an envelope)
    # `since`: nothing before it, and the bucket holding it still drawn
    since = ts[2000] + 0.5
    t2, v2 = r.series(sid, since=since)
    assert t2[0] >= since and v2.max() == np.float32(vals[ts >= np.floor(since / W) * W].max())


def test_memory_is_fixed_by_configuration_not_by_cadence_or_uptime():
    def arrays(r):
        return {k: (id(a), a.nbytes) for k, a in vars(r).items() if isinstance(a, np.ndarray)}

    r = HistoryRings(max_series=64)  # the defaults
    fast = np.array([r.add_series() for _ in range(32)])
    slow = np.array([r.add_series() for _ in range(32)])
    before, allocated = arrays(r), r.bytes_allocated
    assert allocated == 64 * r.bytes_per_series
    t0 = 1_763_900_000.0

    def simulate(hours_from: float, hours_to: float) -> None:
        for chunk in np.arange(hours_from * 3600, hours_to * 3600, 1800):  # half an hour of 1 Hz per batch
            sec = t0 + chunk + np.arange(1800.0)
            sids = np.repeat(fast, len(sec))
            ts = np.tile(sec, len(fast))
            order = np.argsort(ts, kind="stable")
            r.append(sids[order], ts[order], np.sin(ts[order]))
            slow_ts = sec[::60]  # the slow ones once a minute
            r.append(np.repeat(slow, len(slow_ts)), np.tile(slow_ts, len(slow)), np.ones(len(slow) * len(slow_ts)))

    simulate(0, 1)
    after_1h = arrays(r), r.bytes_allocated
    simulate(1, 24)
    assert (arrays(r), r.bytes_allocated) == after_1h == (before, allocated)
    assert r.count(int(fast[0])) == 960 and len(r.envelopes(int(fast[0]))[0]) == 1440
    assert r.bytes_per_series <= 32 * 1024  # the budget at the defaults


def test_old_and_duplicate_readings_are_dropped_and_leave_the_envelopes_alone():
    r = HistoryRings(4, 10, 3600, W)
    s = r.add_series()
    kept = r.append(np.array([s, s, s, s]), np.array([65.0, 3.0, 65.0, 70.0]), np.array([1.0, 99.0, 98.0, 4.0]))
    assert kept.tolist() == [True, False, False, True]
    assert r.append(np.array([s]), np.array([70.0]), np.array([-50.0])).tolist() == [False]  # the hot path
    assert r.append(np.array([s]), np.array([10.0]), np.array([500.0])).tolist() == [False]  # an older bucket
    assert r.recent(s)[0].tolist() == [65.0, 70.0]
    start, env = r.envelopes(s)
    assert start.tolist() == [60.0] and env[0].tolist() == [1.0, 4.0, pytest.approx(2.5, abs=3 / 65535), 4.0]


def test_a_gap_longer_than_the_history_leaves_only_what_came_after():
    r = HistoryRings(2, 5, 600, W)  # ten buckets
    s = r.add_series()
    r.append(np.full(20, s), 1000.0 + np.arange(20) * 30, np.arange(20.0))
    r.append(np.array([s]), np.array([1000.0 + 86_400]), np.array([-7.0]))  # a day later: the hot path
    start, env = r.envelopes(s)
    assert start.tolist() == [np.floor((1000.0 + 86_400) / W) * W] and env[0].tolist() == [-7.0] * 4
    assert r.series(s)[1].tolist() == [-7.0]  # the ring still holds older readings; outside the window
    r2 = HistoryRings(2, 5, 600, W)
    s2 = r2.add_series()
    r2.append(np.full(20, s2), 1000.0 + np.arange(20) * 30, np.arange(20.0))
    r2.append(np.full(2, s2), np.array([1000.0 + 86_400, 1000.0 + 86_410]), np.array([-7.0, -8.0]))  # grouped
    assert r2.envelopes(s2)[0].tolist() == [np.floor((1000.0 + 86_400) / W) * W] * 1  # one bucket: both in it
    assert r2.envelopes(s2)[1][0].tolist() == [-8.0, -7.0, pytest.approx(-7.5, abs=1 / 65535), -8.0]


def test_a_gap_inside_the_history_empties_the_buckets_it_skips_and_keeps_the_older_ones():
    rng = np.random.default_rng(4)
    r = HistoryRings(2, 8, 3600, W)
    s = r.add_series()
    ts = np.r_[np.arange(0.0, 600, 10), np.arange(1500.0, 1800, 10)]
    vals = rng.normal(size=len(ts))
    for t, v in zip(ts, vals, strict=True):  # one at a time: the hot path empties the skipped buckets
        r.append(np.array([s]), np.array([t]), np.array([v]))
    assert_envelopes(r, s, ts, vals)


def test_a_series_slower_than_the_bucket_has_one_reading_per_bucket():
    r = HistoryRings(2, 4, 3600, W)
    s = r.add_series()
    ts = 7.0 + np.arange(30) * 300.0  # every 5 minutes: a bucket in five holds a reading
    vals = np.arange(30.0) ** 2
    r.append(np.full(15, s), ts[:15], vals[:15])
    for t, v in zip(ts[15:], vals[15:], strict=True):
        r.append(np.array([s]), np.array([t]), np.array([v]))
    assert_envelopes(r, s, ts, vals)
    t, v = r.series(s)
    in_window = ts >= (np.floor(ts[-1] / W) - r.n_buckets + 1) * W
    assert v.tolist() == vals[in_window].tolist()  # one point per bucket, then the readings themselves
    # the ring's oldest reading is drawn as its bucket (the ring cannot tell whether that bucket lost
    # readings to it); the three after it as received
    assert t[-4:].tolist() == [np.floor(ts[-4] / W) * W, *ts[-3:].tolist()]


@pytest.mark.parametrize("scale", [1.0, 1e8])  # 1e8: times so spread the vectorised check steps aside
def test_a_batch_of_many_series_equals_the_same_readings_one_by_one(scale):
    rng = np.random.default_rng(3)
    a, b, c = HistoryRings(20, 30, 1800, W), HistoryRings(20, 30, 1800, W), HistoryRings(20, 30, 1800, W)
    for _ in range(20):
        a.add_series(), b.add_series(), c.add_series()
    t = np.zeros(20)
    for _ in range(30):
        n = 200
        sids = rng.integers(0, 20, n)
        ts = np.empty(n)
        for i, s in enumerate(sids):  # mostly increasing per series, with some stragglers
            t[s] += rng.uniform(1, 40)
            ts[i] = (t[s] - (50.0 if rng.random() < 0.1 else 0.0)) * scale
        vals = rng.normal(size=n)
        a.append(sids, ts, vals)  # series several times in a batch
        for i in range(n):
            b.append(sids[i:i + 1], ts[i:i + 1], vals[i:i + 1])  # one at a time
        start = 0
        for i in range(1, n + 1):  # batches in which each series is at most once
            if i == n or sids[i] in sids[start:i]:
                c.append(sids[start:i], ts[start:i], vals[start:i])
                start = i
    for s in range(20):
        for other in (b, c):
            for read in ("recent", "envelopes", "series"):
                x, y = getattr(a, read)(s), getattr(other, read)(s)
                np.testing.assert_array_equal(x[0], y[0])
                np.testing.assert_array_equal(x[1], y[1])
    np.testing.assert_array_equal(a.last_val, b.last_val)
    np.testing.assert_array_equal(a.last_val, c.last_val)


def test_loading_a_replays_history_per_series_equals_appending_it():
    rng = np.random.default_rng(8)
    items = []
    for s in range(4):
        ts = 1_763_900_000.0 + np.cumsum(rng.uniform(0.1, 3, 800))
        ts[rng.integers(0, 800, 20)] -= 50  # stragglers the rule drops
        items.append((s, ts, rng.normal(size=800)))
    loaded, appended = HistoryRings(4, 50, 3600, W), HistoryRings(4, 50, 3600, W)
    for r in (loaded, appended):
        for _ in range(4):
            r.add_series()
        r.append(np.array([1]), np.array([1_763_900_300.0]), np.array([7.0]))  # one series already holds a reading
    n = loaded.load(items)
    kept = appended.append(np.concatenate([np.full(800, s) for s, _, _ in items]),
                           np.concatenate([t for _, t, _ in items]), np.concatenate([v for _, _, v in items]))
    assert n == int(kept.sum())
    for s in range(4):
        for x, y in zip(reads(loaded, s), reads(appended, s), strict=True):
            np.testing.assert_array_equal(x, y)
    twice = HistoryRings(2, 50, 3600, W)  # a series named twice: the general path
    twice.add_series()
    assert twice.load([(0, np.array([1.0, 2.0]), np.ones(2)), (0, np.array([1.5, 3.0]), np.ones(2))]) == 3


def reads(r: HistoryRings, s: int) -> list:
    return [*r.recent(s), *r.envelopes(s), *r.series(s), r.last_ts[s], r.last_val[s]]


def held_and_reference(older, newer, P=100):
    got, want = HistoryRings(4, P, 7200, W), HistoryRings(4, P, 7200, W)
    for s, ((ot, ov), (nt, nv)) in enumerate(zip(older, newer, strict=True)):
        got.add_series(), want.add_series()
        got.append(np.full(len(nt), s), nt, nv)  # the series holds the newer readings ...
        want.append(np.full(len(ot), s), ot, ov)  # ... the reference had the older first
        want.append(np.full(len(nt), s), nt, nv)
    return got, want


@pytest.mark.parametrize("held", [40, 500])  # the ring holds all it has / it is full: envelopes only before
def test_older_readings_put_first_equal_appending_them_first(held):
    rng = np.random.default_rng(5)
    older = [irregular(rng, 700, start=1_763_900_000.0 + 13 * i) for i in range(3)]
    newer = [(t[-1] + W + 1 + np.cumsum(rng.uniform(0.5, 3, held)), rng.normal(size=held)) for t, _ in older]
    # series 2 held readings from before the older ones end (those go), still in its ring
    k0 = np.floor(older[2][0][-1] / W)
    newer[2] = (older[2][0][-1] - 30 + np.arange(40) * 2.0 if held < 100 else k0 * W - 100 + np.arange(120) * 2.0,
                rng.normal(size=40 if held < 100 else 120))
    got, want = held_and_reference(older, newer)
    got.prepend([(s, got.reduce(*older[s])) for s in range(3)])
    for s in range(3):
        for x, y in zip(reads(got, s), reads(want, s), strict=True):
            np.testing.assert_array_equal(x, y, err_msg=f"series {s}")


@pytest.mark.parametrize("held", [10, 60])  # the ring holds all it has / it is full
def test_older_readings_reaching_past_all_a_series_holds_replace_it(held):
    rng = np.random.default_rng(9)
    ot, ov = irregular(rng, 500)
    nt = ot[100] + np.arange(held) * 0.5  # all before the older readings end: they all go
    got, want = held_and_reference([(ot, ov)], [(nt, rng.normal(size=held))], P=20)
    got.prepend([(0, got.reduce(ot, ov))])
    for x, y in zip(reads(got, 0), reads(want, 0), strict=True):
        np.testing.assert_array_equal(x, y)


def test_older_readings_sharing_a_bucket_known_only_as_an_envelope_widen_its_extremes():
    """The one case not exact: the series' readings in the bucket where the older ones end have left
    its ring. The bucket's min and max take the older readings in; its mean and last stay."""
    rng = np.random.default_rng(6)
    ot, ov = irregular(rng, 300)
    k0 = np.floor(ot[-1] / W)
    nt = np.r_[k0 * W + W - 0.5, k0 * W + W + np.arange(200.0)]  # one reading left in k0, then 200 s
    nv = rng.normal(size=len(nt))
    ov[-1] = 1e4  # older's last reading: a peak in the shared bucket
    got, want = held_and_reference([(ot, ov)], [(nt, nv)])
    before = dict(zip(*(x.tolist() if x.ndim == 1 else [tuple(r) for r in x] for x in got.envelopes(0)), strict=True))
    got.prepend([(0, got.reduce(ot, ov))])
    start, env = got.envelopes(0)
    shared = env[start.tolist().index(k0 * W)]
    assert (shared[1], shared[2], shared[3]) == (1e4, before[k0 * W][2], before[k0 * W][3])
    others = start != k0 * W
    w_start, w_env = want.envelopes(0)
    np.testing.assert_array_equal(start, w_start)
    np.testing.assert_array_equal(env[others], w_env[others])
    np.testing.assert_array_equal(got.series(0)[0], want.series(0)[0])


def test_values_beyond_float32_are_kept_as_its_largest_and_the_latest_exactly():
    r = HistoryRings(2, 4, 600, W)
    s = r.add_series()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r.append(np.array([s]), np.array([1.0]), np.array([1e300]))
        r.append(np.full(2, s), np.array([2.0, 3.0]), np.array([-1e300, 1e300]))
    assert r.last_val[s] == 1e300
    assert r.recent(s)[1].tolist() == [1e300, -1e300, 1e300]
    f32 = float(np.finfo(np.float32).max)
    assert r.envelopes(s)[1].tolist() == [[-f32, f32, f32, f32]]


def test_configuration_limits():
    r = HistoryRings(max_series=2, recent_points=10, history_s=90, bucket_s=W)
    assert r.n_buckets == 2  # 90 s of history needs two minute buckets
    r.add_series(), r.add_series()
    with pytest.raises(SeriesLimitError):
        r.add_series()
    assert r.worst_case_bytes == 2 * r.bytes_per_series == 2 * (10 * 16 + 2 * 12 + 7 * 8)
    with pytest.raises(ValueError):
        HistoryRings(recent_points=0)


def _fed(r: HistoryRings, sids, start_bucket: int, buckets: int, value: float) -> None:
    """Three readings a bucket for each series, from `start_bucket` on, alternately one by one and batched."""
    for k in range(start_bucket, start_bucket + buckets):
        for j in range(3):
            t = k * W + 1 + j * 10
            if k % 2:
                for s in sids:
                    r.append(np.array([s]), np.array([t]), np.array([value + s + j]))
            else:
                r.append(np.array(sids), np.full(len(sids), float(t)), np.array([value + s + j for s in sids]))


@pytest.mark.parametrize("held, older", [(3, 0), (12, 0), (1, 7), (3, 7), (2, 30)])
def test_forgetting_every_reading_leaves_series_that_read_as_new_ones(held, older):
    """A time-shift's drag step forgets what every series holds (HistoryRings.forget_readings) and
    writes another instant's readings: what the series then read is what series that never held anything
    read with the same readings, whether they held a few buckets, more than the window or older ones
    put first, and whichever buckets the new readings fall in (the ring's slots come round every ten)."""
    r = HistoryRings(4, 5, 600, W)  # ten buckets
    for _ in range(3):
        r.add_series()
    _fed(r, [0, 1, 2], 200, held, 1.0)
    if older:
        o = r.reduce(np.arange(older, dtype=np.float64) * W + (200 - older) * W - W * 5, np.full(older, 7.0))
        r.prepend([(0, o)])
    r.forget_readings()
    assert len(r) == 3 and r.last_ts[:3].tolist() == [-np.inf] * 3
    for start in (200 + held + 3, 200 + held + 10):
        fresh = HistoryRings(4, 5, 600, W)
        for _ in range(3):
            fresh.add_series()
        _fed(fresh, [0, 2], start, 4, 50.0)
        _fed(r, [0, 2], start, 4, 50.0)
        for s in range(3):
            a, b = r.series(s), fresh.series(s)
            assert [x.tolist() for x in a] == [x.tolist() for x in b], (s, start)
            ka, ea = r.envelopes(s)
            kb, eb = fresh.envelopes(s)
            assert ka.tolist() == kb.tolist() and np.array_equal(ea, eb, equal_nan=True), (s, start)
        r.forget_readings()


_STATE = ("_ts", "_val", "_ext", "_pos", "_head", "_count", "_bucket", "_bucket_n", "_bucket_sum", "last_ts",
          "last_val")


def _assert_same_rings(a: HistoryRings, b: HistoryRings) -> int:
    """Every array byte for byte, but means and lasts only where a closed bucket holds readings (under
    an emptied one, and under the open one, whose mean and last live in the running sum, they are
    whatever was there: read by nothing). Returns how many such buckets were compared."""
    assert a._lowest == b._lowest
    for name in _STATE:
        if name != "_pos":
            assert getattr(a, name).tobytes() == getattr(b, name).tobytes(), name
    held = ~np.isnan(a._ext[:, :, 0])
    held[np.arange(a.n_series), a._bucket[: a.n_series] % a.n_buckets] = False
    assert a._pos[held].tobytes() == b._pos[held].tobytes()
    return int(held.sum())


@pytest.mark.parametrize("seed", [0, 1])
def test_small_batches_in_python_scalars_leave_every_array_as_the_numpy_path_does(seed, monkeypatch):
    """`append` writes a batch of up to SCALAR_MAX readings reading by reading (`append_one`), larger ones
    in numpy (closing up to SEAL_SCALAR_MAX buckets in scalars): the same batches all in scalars, all in
    numpy, and in numpy closing buckets in scalars leave the same bytes and masks, batch after batch. The
    readings have what each branch handles: stragglers, gaps within and beyond the history (the bucket
    ring wraps), values beyond float32, one value per bucket, -0.0. Each series is at most once a batch:
    numpy adds a series' several readings of one batch up in another order than one by one (the last
    bit of a sum may differ; test_a_batch_of_many_series_equals_the_same_readings_one_by_one has those)."""
    from console.model import history_rings

    rng = np.random.default_rng(seed)
    rings = {(10**9, 10**9): HistoryRings(12, 8, 600, W), (0, 0): HistoryRings(12, 8, 600, W),  # rings wrap often
             (0, 10**9): HistoryRings(12, 8, 600, W)}  # (SCALAR_MAX, SEAL_SCALAR_MAX) -> rings written so
    for r in rings.values():
        for _ in range(12):
            r.add_series()
    scalars, arrays, mixed = rings.values()
    t = np.full(12, 1_763_900_000.0)
    compared = 0
    for _ in range(300):
        n = int(rng.integers(1, 13))
        sids = rng.choice(12, n, replace=False)
        ts = np.empty(n)
        for i, s in enumerate(sids):
            t[s] += rng.choice([0.5, 7.0, 45.0, 130.0, 900.0])  # within a bucket ... past the history
            ts[i] = t[s] - (100.0 if rng.random() < 0.1 else 0.0)  # some not newer: dropped
        vals = rng.choice([rng.normal(50, 5), 1e39, -1e39, -0.0, 7.0], n)
        masks = []
        for (limit, seal_limit), r in rings.items():
            monkeypatch.setattr(history_rings, "SCALAR_MAX", limit)
            monkeypatch.setattr(history_rings, "SEAL_SCALAR_MAX", seal_limit)
            m = r.append(sids, ts, vals)
            masks.append(np.ones(n, dtype=bool).tolist() if m is None else m.tolist())
        assert masks[0] == masks[1] == masks[2]
        compared += _assert_same_rings(scalars, arrays)
        _assert_same_rings(scalars, mixed)
    assert compared > 1000
    for s in range(12):  # and what a chart reads
        x = scalars.series(s)
        for y in (arrays.series(s), mixed.series(s)):
            assert x[0].tobytes() == y[0].tobytes() and x[1].tobytes() == y[1].tobytes()
