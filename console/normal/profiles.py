"""Typical days (同期): per series, per day class (workday / rest day, console/normal/day_class.py) and
time-of-day slot (15 minutes by default), the median of the readings of that slot over the days of
that class (the typical value) and their 10th and 90th percentiles (the normal band). Percentiles,
not mean and standard deviation, so that the odd spike, stuck sensor or outage in the history moves
the band little. Also per series: how many days of each class it rests on (the basis), and how often
its minute values repeat exactly (a sensor that always moves is stuck when it stops).

Built from per-minute values (console/normal/minute_archive.py) a chunk of series at a time, so the
memory is a chunk's, never the whole city's four weeks; stored as one compressed .npz beside the
recordings (`usual/profiles.npz`, format `cityops.usual/1`, docs/recording-format.md)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import numpy as np

from console.normal.day_class import DAY_S, REST_DAY, WORKDAY, Calendar, date_of, local_day_number, slot_of
from console.normal.quantiles import nan_quantiles

FORMAT = "cityops.usual/1"
SLOT_S = 900
MINUTES = 1440
# a class is claimed only on at least this many days of it (a week of each); below two weeks in all a
# claim is shown faded and raises no alarm
MIN_CLASS_DAYS = {WORKDAY: 5, REST_DAY: 2}
FULL_DAYS = 14
LOW, MID, HIGH = 0.10, 0.50, 0.90


class ProfilesError(ValueError):
    pass


class Basis(Enum):
    NONE = "none"  # not enough history: no claim
    THIN = "thin"  # a claim, faded, no alarm
    FULL = "full"


@dataclass
class Profiles:
    keys: list[str]  # "indicator@region"
    lo: np.ndarray  # float32 [n, 2 classes, slots]
    typ: np.ndarray
    hi: np.ndarray
    days: np.ndarray  # int16 [n, 2]: days of each class with readings
    flat_share: np.ndarray  # float32 [n]: share of consecutive minutes with exactly the same value
    first_day: int  # day numbers (Shanghai) of the history used
    last_day: int
    built_ts: float
    slot_s: int = SLOT_S

    def __post_init__(self) -> None:
        self.index = {k: i for i, k in enumerate(self.keys)}
        # each series' usual band width: the median over its slots of both classes (NaN: none)
        w = (self.hi - self.lo).reshape(len(self.keys), -1)
        has = np.isfinite(w).any(axis=1)
        self.spread = np.full(len(self.keys), np.nan, np.float32)
        if has.any():
            self.spread[has] = np.nanmedian(w[has], axis=1)

    @property
    def n_slots(self) -> int:
        return DAY_S // self.slot_s

    @property
    def weeks(self) -> float:
        return (self.last_day - self.first_day + 1) / 7.0

    def basis(self, row: np.ndarray | int, day_class: np.ndarray | int) -> np.ndarray:
        """Basis per (row, class): 0 none, 1 thin, 2 full (Basis in that order)."""
        row = np.asarray(row)
        dc = np.asarray(day_class)
        d = self.days[row, dc].astype(np.int64)
        total = self.days[row].sum(axis=-1).astype(np.int64)
        need = np.where(dc == WORKDAY, MIN_CLASS_DAYS[WORKDAY], MIN_CLASS_DAYS[REST_DAY])
        return np.where(d < need, 0, np.where(total < FULL_DAYS, 1, 2))

    def basis_text(self, english: bool = False) -> str:
        w = self.weeks
        weeks = f"{w:.0f}" if abs(w - round(w)) < 0.05 else f"{w:.1f}"
        return f"based on {weeks} weeks" if english else f"基于 {weeks} 周历史"

    def save(self, path: Path) -> None:
        """Written to a temporary file and renamed: a reader never sees half a file."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp.npz")
        meta = {"format": FORMAT, "slot_s": self.slot_s, "first_day": date_of(self.first_day).isoformat(),
                "last_day": date_of(self.last_day).isoformat(), "built_ts": self.built_ts,
                "classes": ["workday", "rest_day"], "percentiles": [LOW, MID, HIGH]}
        np.savez_compressed(tmp, meta=np.array(json.dumps(meta)), keys=np.array(self.keys, dtype=np.str_),
                            lo=self.lo, typ=self.typ, hi=self.hi, days=self.days, flat_share=self.flat_share)
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> Profiles:
        try:
            with np.load(path, allow_pickle=False) as z:
                meta = json.loads(str(z["meta"]))
                if meta.get("format") != FORMAT:
                    raise ProfilesError(f"{path}: format {meta.get('format')!r}, expected {FORMAT}")
                import datetime as dt

                epoch = dt.date(1970, 1, 1)
                p = cls(keys=[str(k) for k in z["keys"]], lo=z["lo"], typ=z["typ"], hi=z["hi"], days=z["days"],
                        flat_share=z["flat_share"],
                        first_day=(dt.date.fromisoformat(meta["first_day"]) - epoch).days,
                        last_day=(dt.date.fromisoformat(meta["last_day"]) - epoch).days,
                        built_ts=float(meta["built_ts"]), slot_s=int(meta["slot_s"]))
        except ProfilesError:
            raise
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ProfilesError(f"{path}: {exc}") from exc
        n, shape = len(p.keys), (len(p.keys), 2, DAY_S // p.slot_s)
        if p.lo.shape != shape or p.typ.shape != shape or p.hi.shape != shape or p.days.shape != (n, 2) \
                or p.flat_share.shape != (n,):
            raise ProfilesError(f"{path}: arrays do not match {n} series of {shape[2]} slots")
        return p


def profile_chunk(cube: np.ndarray, day_classes: np.ndarray, slot_s: int = SLOT_S
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The profiles of a chunk of series from their minute values `cube` [series, days, 1440] (NaN:
    no reading that minute) and each day's class: (lo, typ, hi [s, 2, slots], days [s, 2], flat_share [s])."""
    s, _, m = cube.shape
    if m != MINUTES:
        raise ValueError(f"a day has {MINUTES} minutes, not {m}")
    per = slot_s // 60
    n_slots = MINUTES // per
    lo = np.full((s, 2, n_slots), np.nan, np.float32)
    typ, hi = lo.copy(), lo.copy()
    days = np.zeros((s, 2), np.int16)
    has = np.isfinite(cube).any(axis=2)  # [s, d]
    for c in (WORKDAY, REST_DAY):
        sel = np.flatnonzero(day_classes == c)
        if len(sel) == 0:
            continue
        days[:, c] = has[:, sel].sum(axis=1)
        # [s, days, slots, minutes] -> [s, slots, days * minutes]: every reading of that slot on that class
        x = cube[:, sel, :].reshape(s, len(sel), n_slots, per).transpose(0, 2, 1, 3).reshape(s, n_slots, -1)
        lo[:, c], typ[:, c], hi[:, c] = nan_quantiles(x, (LOW, MID, HIGH), min_count=per)
    a, b = cube[:, :, 1:], cube[:, :, :-1]
    pairs = (np.isfinite(a) & np.isfinite(b)).sum(axis=(1, 2))
    same = (a == b).sum(axis=(1, 2))
    flat = np.where(pairs > 0, same / np.maximum(pairs, 1), 1.0).astype(np.float32)
    return lo, typ, hi, days, flat


def build_profiles(keys: list[str], chunks: Iterable[tuple[slice, np.ndarray]], day_numbers: np.ndarray,
                   calendar: Calendar | None = None, slot_s: int = SLOT_S, now: float | None = None) -> Profiles:
    """Profiles of `keys` from `chunks`: (rows of keys, cube [rows, days, 1440]) in any order, the days
    being `day_numbers` (Shanghai day numbers)."""
    cal = calendar or Calendar()
    n, n_slots = len(keys), DAY_S // slot_s
    if DAY_S % slot_s or slot_s % 60:
        raise ValueError("a slot is a whole number of minutes that divides the day")
    classes = cal.day_class(day_numbers)
    lo = np.full((n, 2, n_slots), np.nan, np.float32)
    typ, hi = lo.copy(), lo.copy()
    days = np.zeros((n, 2), np.int16)
    flat = np.ones(n, np.float32)
    for rows, cube in chunks:
        lo[rows], typ[rows], hi[rows], days[rows], flat[rows] = profile_chunk(cube, classes, slot_s)
    return Profiles(keys, lo, typ, hi, days, flat, int(np.min(day_numbers)), int(np.max(day_numbers)),
                    time.time() if now is None else now, slot_s)


def band_at(p: Profiles, rows: np.ndarray, ts: float, calendar: Calendar | None = None
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(lo, typ, hi, basis) of these profile rows at instant `ts`; rows < 0 (no profile): NaN, basis 0."""
    cal = calendar or Calendar()
    rows = np.asarray(rows, dtype=np.int64)
    c = int(cal.class_at(ts)[0])
    k = int(slot_of(ts, p.slot_s))
    ok = rows >= 0
    r = np.where(ok, rows, 0)
    lo = np.where(ok, p.lo[r, c, k], np.nan)
    typ = np.where(ok, p.typ[r, c, k], np.nan)
    hi = np.where(ok, p.hi[r, c, k], np.nan)
    basis = np.where(ok & np.isfinite(typ), p.basis(r, np.full(len(r), c)), 0) if len(r) else np.zeros(0, np.int64)
    return lo, typ, hi, basis


def band_between(p: Profiles, row: int, t0: float, t1: float, calendar: Calendar | None = None
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A chart's band from t0 to t1: the slot edges' times and each slot's (lo, typ, hi), as steps
    (slot i spans ts[i] .. ts[i+1]); NaN where that day's class has too thin a basis."""
    cal = calendar or Calendar()
    start = np.floor(t0 / p.slot_s) * p.slot_s
    edges = np.arange(start, t1 + p.slot_s, p.slot_s, dtype=np.float64)
    if len(edges) < 2:
        return edges, np.empty(0), np.empty(0), np.empty(0)
    mids = edges[:-1]
    cls = cal.class_at(mids)
    k = slot_of(mids, p.slot_s)
    ok = p.basis(np.full(len(mids), row), cls) > 0
    pick = lambda a: np.where(ok, a[row, cls, k], np.nan)  # noqa: E731
    return edges, pick(p.lo), pick(p.typ), pick(p.hi)


def day_numbers_between(first_ts: float, last_ts: float) -> np.ndarray:
    return np.arange(int(local_day_number(first_ts)), int(local_day_number(last_ts)) + 1)
