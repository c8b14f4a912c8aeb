"""The simulated history: workdays and rest days differ, and every injected anomaly is in the values
where its label says (a dropout is missing, a stuck sensor flat, a spike a jump), and only there; the
command writes the archive, the labels and typical days honest about a thin basis."""

import csv

import numpy as np
import pytest

from console.app.cli import main
from console.normal.day_class import DAY_S, REST_DAY, TZ_OFFSET_S, WORKDAY
from console.normal.minute_archive import MinuteArchive
from console.normal.profiles import Profiles
from console.simulator.city_model import SimCity
from console.simulator.history import HistorySim

MONDAY = 20_416  # 2025-11-24


@pytest.fixture(scope="module")
def week():
    sim = HistorySim(SimCity(seed=3), MONDAY, 7, anomalies_per_series_week=0.3, seed=4)
    pairs = [sim.day_pair(MONDAY + d) for d in range(7)]
    return sim, np.stack([p[0] for p in pairs], 1), np.stack([p[1] for p in pairs], 1)


def test_rest_days_have_no_morning_rush(week):
    sim, _, clean = week
    c = sim.city
    commute = [s for s in c._rhythm_groups["commute"] if not c._count[s] and c._amp[s] > 0]
    eight = slice(8 * 60, 8 * 60 + 30)  # 08:00–08:30 Shanghai
    norm = (clean[commute][:, :, eight].mean(axis=2) - c._base[commute, None]) / c._amp[commute, None]
    assert norm[:, :5].mean() > 0.8 and norm[:, 5:].mean() < 0.35  # Monday–Friday vs Saturday, Sunday


def test_each_label_is_in_the_values_and_nowhere_else(week):
    sim, values, clean = week
    flat_v, flat_c = values.reshape(sim.n, -1), clean.reshape(sim.n, -1)
    t = (MONDAY * DAY_S - TZ_OFFSET_S) + 60.0 * np.arange(7 * 1440) + 30
    touched = np.zeros_like(flat_v, dtype=bool)
    kinds = set()
    for a in sim.anomalies:
        on = (t >= a.start_ts) & (t < a.end_ts)
        touched[a.sid] |= on
        v = flat_v[a.sid, on]
        kinds.add(a.kind)
        if a.kind == "dropout":
            assert np.isnan(v).all()
        elif a.kind == "stuck":
            assert np.ptp(v) == 0
        elif a.kind == "spike":  # a jump the way its label says (less where the range clips it)
            d = v - flat_c[a.sid, on]
            assert np.nanmax(np.abs(d)) >= 0.5 * abs(a.shift) and np.sign(np.nanmean(d)) == np.sign(a.shift)
    assert kinds == {"spike", "drift", "stuck", "dropout"}
    same = np.isclose(flat_v, flat_c, equal_nan=True)
    assert same[~touched].all() and not same[touched].all()


def test_the_command_writes_history_labels_and_thin_typical_days(tmp_path, capsys):
    assert main(["simulate-history", "--weeks", "1", "--end", "2025-11-30", "--record-dir", str(tmp_path)]) == 0
    usual = tmp_path / "usual"
    archive = MinuteArchive(usual / "days")
    assert len(archive.day_numbers()) == 7 and len(archive.keys) > 1000
    with (usual / "labels.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert rows and {r["series"] for r in rows} <= set(archive.keys)
    p = Profiles.load(usual / "profiles.npz")
    assert p.weeks == 1.0 and p.basis(0, WORKDAY) == 1 and p.basis(0, REST_DAY) == 1  # a claim, faded
    assert "typical days built from 7 days" in capsys.readouterr().out
