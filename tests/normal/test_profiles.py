"""Typical days: percentiles by slot and day class on hand-built minutes whose percentiles are known,
robust to an outlier, honest about a thin basis, and kept whole through the file."""

import datetime as dt

import numpy as np
import pytest

from console.normal.day_class import REST_DAY, WORKDAY, Calendar, CalendarError, day_start_ts, load_calendar
from console.normal.profiles import Profiles, ProfilesError, band_at, band_between, build_profiles

MONDAY = (dt.date(2026, 11, 23) - dt.date(1970, 1, 1)).days  # a Monday


def week_of_minutes(weeks: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """One series over `weeks` weeks from a Monday. In the first 15 minutes of the day (slot 0) the
    workdays hold 0, 1, …, 5·15·weeks − 1 in turn and the rest days 1000, 1001, …; every other minute 7."""
    days = np.arange(MONDAY, MONDAY + 7 * weeks)
    cube = np.full((1, len(days), 1440), 7.0, np.float32)
    w = r = 0
    for j, d in enumerate(days):
        if (d + 3) % 7 < 5:
            cube[0, j, :15] = np.arange(w, w + 15)
            w += 15
        else:
            cube[0, j, :15] = 1000 + np.arange(r, r + 15)
            r += 15
    return days, cube


def build(days, cube, **kw):
    return build_profiles(["power.load@310000"], [(slice(0, 1), cube)], days, now=0.0, **kw)


def test_slot_percentiles_by_day_class_are_the_hand_computed_ones():
    days, cube = week_of_minutes(3)  # 15 workdays x 15 minutes = 0..224; 6 rest days x 15 = 1000..1089
    p = build(days, cube)
    # linear interpolation between ranks: the q-quantile of 0..224 is 224 q; of 1000..1089, 1000 + 89 q
    assert p.lo[0, WORKDAY, 0] == pytest.approx(22.4)
    assert p.typ[0, WORKDAY, 0] == pytest.approx(112.0)
    assert p.hi[0, WORKDAY, 0] == pytest.approx(201.6)
    assert p.lo[0, REST_DAY, 0] == pytest.approx(1008.9, abs=1e-3)
    assert p.typ[0, REST_DAY, 0] == pytest.approx(1044.5)
    assert p.hi[0, REST_DAY, 0] == pytest.approx(1080.1, abs=1e-3)
    assert p.typ[0, WORKDAY, 1] == 7.0 and p.hi[0, REST_DAY, 95] == 7.0
    assert list(p.days[0]) == [15, 6] and p.weeks == 3.0


def test_an_outlier_and_missing_minutes_barely_move_the_band():
    days, cube = week_of_minutes(3)
    cube[0, 0, 3] = 1e6  # a spike in the history
    cube[0, 1, 5:9] = np.nan  # and an outage
    p = build(days, cube)
    # left, sorted: 0 1 2 4..19 24..224 1e6 (221 values; the mean would be ~4,600): the median is the
    # 111th, 24 + (110 - 19) = 115, the 90th percentile the 199th, 24 + (198 - 19) = 203
    assert p.typ[0, WORKDAY, 0] == 115.0 and p.hi[0, WORKDAY, 0] == 203.0


def test_band_at_follows_the_day_class_and_the_slot():
    days, cube = week_of_minutes(3)
    p = build(days, cube)
    monday = day_start_ts(dt.date(2026, 12, 7))
    _, typ, _, basis = band_at(p, np.array([0, -1]), monday + 60)
    assert typ[0] == pytest.approx(112.0) and np.isnan(typ[1]) and list(basis) == [2, 0]
    sunday = day_start_ts(dt.date(2026, 12, 6))
    assert band_at(p, np.array([0]), sunday + 60)[1][0] == pytest.approx(1044.5)
    assert band_at(p, np.array([0]), sunday + 900)[1][0] == 7.0  # the next slot
    # a holiday calendar makes a Monday a rest day
    hol = Calendar(holidays=frozenset({(dt.date(2026, 12, 7) - dt.date(1970, 1, 1)).days}))
    assert band_at(p, np.array([0]), monday + 60, hol)[1][0] == pytest.approx(1044.5)


def test_thin_basis_makes_no_claim_then_a_faded_one():
    days, cube = week_of_minutes(1)
    week = build(days[:4], cube[:, :4])  # four workdays: fewer than the five a claim needs
    assert week.basis(0, WORKDAY) == 0
    t0 = day_start_ts(dt.date(2026, 12, 7))
    edges, _, typ, _ = band_between(week, 0, t0, t0 + 3600)
    assert len(edges) == 5 and np.isnan(typ).all()
    one = build(days, cube)  # a whole week: a claim, but thin (under two weeks)
    assert one.basis(0, WORKDAY) == 1 and one.basis(0, REST_DAY) == 1
    assert build(*week_of_minutes(2)).basis(0, REST_DAY) == 2


def test_profiles_survive_the_file_and_a_bad_file_is_refused(tmp_path):
    days, cube = week_of_minutes(2)
    p = build(days, cube)
    path = tmp_path / "usual" / "profiles.npz"
    p.save(path)
    q = Profiles.load(path)
    assert q.keys == p.keys and np.array_equal(q.typ, p.typ, equal_nan=True) and q.weeks == 2.0
    assert q.first_day == MONDAY and list(q.days[0]) == [10, 4]
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(ProfilesError):
        Profiles.load(bad)


def test_calendar_file(tmp_path):
    f = tmp_path / "cal.json"
    f.write_text('{"holidays": ["2026-10-01"], "workdays": ["2026-09-27"]}')
    cal = load_calendar(f)
    epoch = dt.date(1970, 1, 1)
    assert cal.day_class((dt.date(2026, 10, 1) - epoch).days)[0] == REST_DAY  # a Thursday off
    assert cal.day_class((dt.date(2026, 9, 27) - epoch).days)[0] == WORKDAY  # a Sunday worked
    f.write_text('{"holidays": ["2026-13-01"]}')
    with pytest.raises(CalendarError):
        load_calendar(f)
