"""Departure conditions on hand-picked readings: beyond the band by its margin and by the minimum size,
stuck, silent (but not when the whole feed is), and the words that say it."""

import numpy as np

from console.normal.departure import (
    ABOVE,
    BELOW,
    SILENT,
    STUCK,
    Judgement,
    anomaly_text,
    conditions,
    outside_band,
    usual_text,
)

J = Judgement(min_pct=0.2, band_margin=0.5, stuck_s=900, flat_share_max=0.05, silent_s=900, feed_share=0.2)


def test_outside_needs_both_the_margin_beyond_the_band_and_the_minimum_size():
    lo, typ, hi = np.full(5, 90.0), np.full(5, 100.0), np.full(5, 110.0)  # margin: 10 beyond the band
    v = np.array([119.0, 121.0, 79.0, 100.0, np.nan])
    # 121 is beyond 110 + 10 and 21 % above; 119 within the margin; 79 beyond 90 - 10 and 21 % below
    assert list(outside_band(v, lo, typ, hi, J)) == [0, ABOVE, BELOW, 0, 0]
    # a narrow band: 112 is beyond 110 + 1 but only 12 % above the typical value: too small to matter
    assert list(outside_band(np.array([112.0, 125.0]), np.full(2, 108.0), typ[:2], np.full(2, 110.0), J)) == [0, ABOVE]
    # a wide band (70–125: margin 27.5): 140 is 40 % above the typical value but within the margin
    assert list(outside_band(np.array([140.0, 153.0]), np.full(2, 70.0), typ[:2], np.full(2, 125.0), J)) == [0, ABOVE]


def test_stuck_and_silent_and_a_feed_outage():
    n, now = 10, 10_000.0
    lo, typ, hi = np.full(n, 1.0), np.full(n, 2.0), np.full(n, 3.0)
    v = np.full(n, 2.0)
    last = np.full(n, now - 5)
    flat_since = np.full(n, now - 60)
    flat_share = np.full(n, 0.01)
    flat_since[0] = now - 901  # not moved for 15 min: stuck
    last[1] = now - 901  # silent
    flat_share[2], flat_since[2] = 0.3, now - 5000  # a series that often repeats: not stuck
    typ[3], flat_since[3] = np.nan, now - 5000  # no profile: no claim
    c = conditions(v, last, flat_since, lo, typ, hi, flat_share, now, J)
    assert list(c) == [STUCK, SILENT, 0, 0, 0, 0, 0, 0, 0, 0]
    last[:5] = now - 1000  # half of them at once: the feed, not the sensors
    assert SILENT not in conditions(v, last, flat_since, lo, typ, hi, flat_share, now, J)


def test_words():
    assert usual_text(118.0, 100.0) == "高于同期 18%" and usual_text(88.0, 100.0, english=True) == "12% below usual"
    assert usual_text(5.0, 0.0) == "" and usual_text(100.2, 100.0) == "与同期持平"
    assert anomaly_text(ABOVE, 135.0, 100.0, 12 * 60) == "异常：高于同期 35%，持续 12 分钟"
    assert anomaly_text(SILENT, np.nan, 100.0, 900, english=True) == "anomaly: no readings, for 15 min"


def test_a_slot_band_narrower_than_the_series_usual_width_is_widened_first():
    # a count that is 2 in nearly every reading of this slot: its band is 0 wide there, its usual width 2
    v, lo, typ, hi = np.array([4.5, 6.0]), np.full(2, 2.0), np.full(2, 2.0), np.full(2, 2.0)
    j = Judgement(min_pct=0.2, band_margin=1.0, spread_floor=1.0)
    assert list(outside_band(v, lo, typ, hi, j)) == [ABOVE, ABOVE]  # without the series' width: both
    # widened to 1.0–3.0, then beyond it by its width: above 5.0 only
    assert list(outside_band(v, lo, typ, hi, j, spread=np.full(2, 2.0))) == [0, ABOVE]
