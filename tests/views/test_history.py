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
