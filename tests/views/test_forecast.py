import numpy as np

from console.feed.protocol import Status
from console.views.forecast import forecast


def test_rising_trend_predicts_the_warn_crossing():
    ts = np.arange(0, 900, 30.0)
    v = 2.0 + ts / 300.0  # +0.2 per minute, at 5.0 when the window ends
    f = forecast(ts, v, warn=6.0, alarm=8.0, direction="above")
    assert f.level is Status.WARN
    assert abs(f.eta_s - (6.0 - v[-1]) / 0.2 * 60) < 1.0
    assert f.trend == 1 and abs(f.slope_per_min - 0.2) < 1e-9


def test_past_warn_it_predicts_the_alarm():
    ts = np.arange(0, 900, 30.0)
    v = 6.5 + ts / 600.0
    f = forecast(ts, v, warn=6.0, alarm=8.0, direction="above")
    assert f.level is Status.ALARM and f.eta_s > 0


def test_below_direction_falling_pressure():
    ts = np.arange(0, 600, 10.0)
    v = 0.25 - ts / 60 * 0.005  # falls 0.005 MPa per minute
    f = forecast(ts, v, warn=0.16, alarm=0.14, direction="below")
    assert f.level is Status.WARN and 0 < f.eta_s < 3600


def test_no_warning_when_moving_away_beyond_horizon_or_noisy():
    ts = np.arange(0, 900, 30.0)
    assert forecast(ts, 5 - ts / 300, 6, 8, "above").level is None  # falling: safe side
    assert forecast(ts, 2 + ts / 1e6, 6, 8, "above").level is None  # would take years
    rng = np.random.default_rng(0)
    assert forecast(ts, 5 + rng.normal(0, 1, len(ts)), 6, 8, "above").level is None  # noise, no trend
    assert forecast(ts[:3], ts[:3], 6, 8, "above") is None  # too few points
