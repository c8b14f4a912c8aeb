"""Weeks of simulated history in seconds (a known normal, and a ground truth for anomaly detection):
every series of a simulated city at one reading a minute, from the same day-rhythm model as the live
city (console/simulator/city_model.py, `--rest-days`) with its rest-day shapes (weekends: later, softer commutes,
busier evenings), noise and roll-ups, plus injected anomalies written to a labels file:

- spike: a jump up or down by 35–80 % of the series' usual level (at least 5 noise sds), 3–30 min;
- drift: a ramp to such a jump over two thirds of 1–4 h, then held;
- stuck: the value frozen for 20 min – 4 h (measured levels only: counts repeat by nature);
- dropout: no readings for 15 min – 3 h.

Vectorised over series with numpy, a day at a time (a series' noise runs on across midnight): the
1 Hz loop is never run. Roll-ups are made from their streets' clean values and each series' own
anomalies are injected after, so each label is one series' own. Writes the per-minute archive
(console/normal/minute_archive.py) the typical days are learned from."""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from console.normal.day_class import DAY_S, TZ_OFFSET_S, Calendar
from console.simulator.city_model import SimCity, week_rhythm

KINDS = ("spike", "drift", "stuck", "dropout")
_PHI = 0.9  # the noise's minute-to-minute memory (AR(1)), as the live city's


@dataclass(frozen=True, slots=True)
class Anomaly:
    sid: int
    kind: str
    start_ts: float
    end_ts: float
    shift: float  # the jump (spike, drift's end); 0 for stuck and dropout


class HistorySim:
    """The series of `city`, from `start_day` (a Shanghai day number) on, a day at a time."""

    def __init__(self, city: SimCity, start_day: int, days: int, anomalies_per_series_week: float = 0.5,
                 seed: int = 11, calendar: Calendar | None = None, clean_days: frozenset[int] = frozenset()):
        self.city = city
        self.start_day, self.days = start_day, days
        self.calendar = calendar or Calendar()
        self.rng = np.random.default_rng(seed)
        c = city
        self.n = c.n_series
        self.keys = [f"{i}@{r}" for i, r in zip(c.series_indicator, c.series_region, strict=True)]
        self._ar = np.zeros(self.n)
        self._level = c._base + c._amp * 0.5  # a series' usual level, for the anomalies' size
        self.anomalies = self._plan(anomalies_per_series_week, clean_days)
        self._frozen: dict[int, float] = {}  # anomaly index -> its stuck value

    def _plan(self, rate: float, clean_days: frozenset[int]) -> list[Anomaly]:
        c, rng = self.city, self.rng
        t0 = self.start_day * DAY_S - TZ_OFFSET_S
        span = self.days * DAY_S
        expected = rate * self.n * self.days / 7.0
        out = []
        for _ in range(int(rng.poisson(expected))):
            sid = int(rng.integers(self.n))
            if c._declared[sid]:
                continue
            kind = KINDS[int(rng.integers(4))]
            if kind == "stuck" and c._count[sid]:
                kind = "dropout"
            dur = {"spike": rng.uniform(3, 30), "drift": rng.uniform(60, 240), "stuck": rng.uniform(20, 240),
                   "dropout": rng.uniform(15, 180)}[kind] * 60
            start = t0 + float(rng.uniform(0, span - dur))
            day = int((start + TZ_OFFSET_S) // DAY_S)
            if day in clean_days or int((start + dur + TZ_OFFSET_S) // DAY_S) in clean_days:
                continue
            shift = 0.0
            if kind in ("spike", "drift"):
                size = max(rng.uniform(0.35, 0.8) * abs(self._level[sid]), 5 * c._noise[sid])
                up_room, down_room = c._hi[sid] - self._level[sid], self._level[sid] - c._lo[sid]
                up = rng.random() < 0.5
                if (up and up_room < size) or (not up and down_room < size):
                    up = up_room >= down_room
                shift = size if up else -size
            out.append(Anomaly(sid, kind, start, start + dur, shift))
        out.sort(key=lambda a: a.start_ts)
        return out

    def day(self, day: int) -> np.ndarray:
        """Minute values [series, 1440] of Shanghai day `day` (they must come in order: the noise runs on)."""
        return self.day_pair(day)[0]

    def day_pair(self, day: int) -> tuple[np.ndarray, np.ndarray]:
        """The day with its anomalies and the same day without them (the same noise)."""
        c = self.city
        ts = day * DAY_S - TZ_OFFSET_S + 60.0 * np.arange(1440) + 30.0
        shape = np.zeros((self.n, 1440))
        for kind, members in c._rhythm_groups.items():
            shape[members] = week_rhythm(kind, ts, self.calendar)[None, :]
        e = self.rng.standard_normal((1440, self.n)) * (c._noise * math.sqrt(1 - _PHI * _PHI))
        ar = np.empty((1440, self.n))
        x = self._ar
        for k in range(1440):
            x = _PHI * x + e[k]
            ar[k] = x
        self._ar = x
        v = c._base[:, None] + c._amp[:, None] * shape + ar.T
        v = np.clip(v, c._lo[:, None], c._hi[:, None])
        self._rollups(v)
        v = np.where(c._declared[:, None], 0.0, v)
        clean = v.copy()
        self._inject(v, ts)
        return tuple(np.where(c._count[:, None], np.round(x), np.round(x, 4)).astype(np.float32) for x in (v, clean))

    def _rollups(self, v: np.ndarray) -> None:
        c = self.city
        slots = c._pair_slot
        if len(slots) == 0:
            return
        order = np.argsort(slots, kind="stable")
        members, bounds = c._pair_member[order], np.flatnonzero(np.diff(slots[order])) + 1
        starts = np.concatenate([[0], bounds])
        sums = np.add.reduceat(v[members], starts, axis=0)
        counts = np.diff(np.concatenate([starts, [len(members)]]))
        slot_ids = slots[order][starts]
        rollup_sid = np.empty(len(c._rollup_mean), np.int64)
        rollup_sid[c._rollup_slot[c._is_rollup]] = np.flatnonzero(c._is_rollup)
        agg = np.where(c._rollup_mean[slot_ids, None], sums / counts[:, None], sums)
        v[rollup_sid[slot_ids]] = agg

    def _inject(self, v: np.ndarray, ts: np.ndarray) -> None:
        t0, t1 = ts[0] - 30.0, ts[-1] + 30.0
        for j, a in enumerate(self.anomalies):
            if a.start_ts >= t1 or a.end_ts <= t0:
                continue
            on = (ts >= a.start_ts) & (ts < a.end_ts)
            if a.kind == "spike":
                v[a.sid, on] += a.shift
            elif a.kind == "drift":
                ramp = np.clip((ts[on] - a.start_ts) / ((a.end_ts - a.start_ts) * 2 / 3), 0, 1)
                v[a.sid, on] += a.shift * ramp
            elif a.kind == "stuck":
                k = int(np.argmax(on))
                val = self._frozen.setdefault(j, float(v[a.sid, k]))
                v[a.sid, on] = val
            else:
                v[a.sid, on] = np.nan
            c = self.city
            v[a.sid, on] = np.clip(v[a.sid, on], c._lo[a.sid], c._hi[a.sid])

    def run(self) -> Iterator[tuple[int, np.ndarray]]:
        for day in range(self.start_day, self.start_day + self.days):
            yield day, self.day(day)

    def write_labels(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["series", "kind", "start_ts", "end_ts", "minutes", "shift"])
            for a in self.anomalies:
                w.writerow([self.keys[a.sid], a.kind, f"{a.start_ts:.0f}", f"{a.end_ts:.0f}",
                            f"{(a.end_ts - a.start_ts) / 60:.1f}", f"{a.shift:.4g}"])


def read_labels(path: Path) -> list[tuple[str, str, float, float]]:
    with path.open(encoding="utf-8") as f:
        return [(r["series"], r["kind"], float(r["start_ts"]), float(r["end_ts"])) for r in csv.DictReader(f)]
