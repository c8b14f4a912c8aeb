import numpy as np

from console.views.history import display_series


def test_short_series_pass_through_cut_at_start():
    ts = np.arange(100.0)
    t, v = display_series(ts, ts * 2, start=50)
    assert t[0] == 50 and len(t) == 50 and v[-1] == 198


def test_a_day_at_one_second_is_reduced_and_keeps_the_peak():
    ts = 1.7e9 + np.arange(86_400.0)
    v = np.zeros_like(ts)
    v[43_210] = 99.0  # a one-second spike
    t, out = display_series(ts, v, start=ts[0], max_points=2000)
    assert len(t) <= 2002
    assert out.max() == 99.0
    assert np.all(np.diff(t) >= 0)


def pixel_extremes(t: np.ndarray, v: np.ndarray, start: float, span: float, width: int):
    """Per pixel column of a chart `width` wide showing [start, start + span]: the lowest and highest
    value drawn in it (NaN where nothing is)."""
    col = np.clip(((t - start) / span * width).astype(int), 0, width - 1)
    lo, hi = np.full(width, np.nan), np.full(width, np.nan)
    np.fmin.at(lo, col, v)
    np.fmax.at(hi, col, v)
    return lo, hi


def test_a_day_held_in_tiers_draws_as_the_days_readings_do_to_the_pixel():
    """The chart's 24 h range from the model's tiered history against the same chart from every reading:
    in every pixel column the same extremes, give or take a column each way (a minute's min and max sit at
    its start and middle, under 1 px here; display_series draws each of its bins at the bin's start,
    another 1 px, for both); the 15-minute range identical, reading for reading."""
    from console.model.history_rings import HistoryRings

    rng = np.random.default_rng(7)
    ts = 1.7e9 + np.arange(86_400.0) + rng.uniform(0, 0.5, 86_400)
    v = np.round(np.cumsum(rng.normal(0, 1, 86_400)), 1)
    v[rng.integers(0, 86_400, 30)] += 500  # one-second spikes
    rings = HistoryRings(max_series=1)
    sid = rings.add_series()
    for a in range(0, 86_400, 3600):
        rings.append(np.full(3600, sid), ts[a:a + 3600], v[a:a + 3600])
    width = 1000
    start = ts[-1] - 86_400
    tiered = display_series(*rings.series(sid, since=start), start, max_points=2 * width)
    every = display_series(ts, v, start, max_points=2 * width)
    # older minutes are held as float32: compare in float32
    lo_t, hi_t, lo_e, hi_e = (x.astype(np.float32) for x in (*pixel_extremes(*tiered, start, 86_400, width),
                                                              *pixel_extremes(*every, start, 86_400, width)))
    for c in range(2, width - 2):
        near = slice(c - 2, c + 3)
        assert np.nanmax(hi_t[near]) >= hi_e[c] and np.nanmax(hi_e[near]) >= hi_t[c], f"column {c}"
        assert np.nanmin(lo_t[near]) <= lo_e[c] and np.nanmin(lo_e[near]) <= lo_t[c], f"column {c}"
    assert tiered[1].max() == np.float32(v.max()) and tiered[1].min() == np.float32(v.min())
    start15 = ts[-1] - 900
    t15, v15 = display_series(*rings.series(sid, since=start15), start15, max_points=2 * width)
    keep = ts >= start15
    assert t15.tolist() == ts[keep].tolist() and v15.tolist() == v[keep].tolist()


def test_a_gap_in_a_bin_is_passed_over_and_a_bin_of_gaps_stays_a_gap():
    ts = np.arange(13.0)  # max_points 6: bins 4 s wide, [0-3] [4-7] [8-11], and the last reading's own
    v = np.array([1, np.nan, 5, 2,  np.nan, np.nan, np.nan, np.nan,  7, np.nan, -3, 0,  4], dtype=float)
    t, out = display_series(ts, v, start=0, max_points=6)
    assert list(t) == [0, 2, 4, 6, 8, 10, 12, 14]  # each bin's start and middle
    assert out[0] == 1 and out[1] == 5  # the first bin's min and max, its NaN passed over
    assert np.isnan(out[2]) and np.isnan(out[3])  # a bin of gaps draws nothing
    assert out[4] == -3 and out[5] == 7
    assert out[6] == out[7] == 4
