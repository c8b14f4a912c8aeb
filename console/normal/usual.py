"""The console's view of the typical days: the profiles file (if any) and each live series' row in it,
re-read when the file is rebuilt (daily). One place that answers "what is usual for this series now?"
for the board, the wall, the chart and the `usual` discovery rule."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from console.normal.day_class import Calendar, load_calendar
from console.normal.profiles import Profiles, ProfilesError, band_at, band_between

log = logging.getLogger(__name__)
PROFILES_FILE = "profiles.npz"
CALENDAR_FILE = "calendar.json"  # the site's holidays and make-up workdays (console/normal/day_class.py)


def usual_dir(recordings: Path) -> Path:
    """Where the typical days live: beside the recordings."""
    return recordings / "usual"


def site_calendar(recordings: Path) -> Calendar:
    """The site's holiday calendar, `usual/calendar.json` beside the recordings: the State Council's
    yearly notice as {"holidays": [...], "workdays": [...]}, so that 国庆 counts as a rest day and a
    make-up Sunday (调休) as a workday; weekends alone without one. The same file serves the build of
    the profiles and their use. A broken file raises CalendarError naming it."""
    path = usual_dir(recordings) / CALENDAR_FILE
    return load_calendar(path) if path.exists() else Calendar()


class Usual:
    def __init__(self, profiles: Profiles | None = None, calendar: Calendar | None = None,
                 path: Path | None = None):
        self.profiles = profiles
        self.calendar = calendar or Calendar()
        self.path = path  # re-read by reload() when it changes
        self._mtime = 0.0
        self._rows = (None, np.empty(0, np.int64))  # (the profiles they index, each series' row): swapped whole
        self.error = ""  # why the file could not be read, if it could not

    @classmethod
    def from_file(cls, path: Path, calendar: Calendar | None = None) -> Usual:
        u = cls(None, calendar, path)
        u.reload()
        return u

    def reload(self) -> bool:
        """Read the file again if it changed (call it off the GUI thread); True when new profiles came."""
        if self.path is None:
            return False
        try:
            mtime = self.path.stat().st_mtime
        except OSError:
            return False
        if mtime == self._mtime:
            return False
        try:
            p = Profiles.load(self.path)
        except ProfilesError as exc:
            self.error = str(exc)
            log.warning("typical days not read: %s", exc)
            return False
        self._mtime, self.error = mtime, ""
        self.use(p)
        return True

    def use(self, profiles: Profiles) -> None:
        """New profiles (from a worker thread: readers see the old or the new, each whole)."""
        self.profiles = profiles

    def rows(self, series_keys: list[tuple[str, str]]) -> np.ndarray:
        """Each series' row in the profiles (-1: none); series are only ever appended, so only new ones
        are looked up."""
        p = self.profiles
        n = len(series_keys)
        if p is None:
            return np.full(n, -1, np.int64)
        of, rows = self._rows
        if of is not p:
            rows = np.empty(0, np.int64)
        if n > len(rows):
            new = [p.index.get(f"{i}@{r}", -1) for i, r in series_keys[len(rows):n]]
            rows = np.concatenate([rows, np.array(new, np.int64)])
            self._rows = (p, rows)
        return rows[:n]

    def bands(self, series_keys: list[tuple[str, str]], ts: float):
        """(lo, typ, hi, basis) of every series at `ts` (basis 0: no claim, 1: thin, 2: full)."""
        rows = self.rows(series_keys)
        if self.profiles is None:
            nan = np.full(len(rows), np.nan)
            return nan, nan, nan, np.zeros(len(rows), np.int64)
        return band_at(self.profiles, rows, ts, self.calendar)

    def band_one(self, series_keys: list[tuple[str, str]], sid: int, ts: float):
        """(lo, typ, hi, basis) of one series at `ts`."""
        if self.profiles is None:  # asked per tile: not a row per series made just to say "none"
            return np.nan, np.nan, np.nan, 0
        rows = self.rows(series_keys)
        if sid >= len(rows) or rows[sid] < 0:
            return np.nan, np.nan, np.nan, 0
        lo, typ, hi, basis = band_at(self.profiles, rows[sid:sid + 1], ts, self.calendar)
        return float(lo[0]), float(typ[0]), float(hi[0]), int(basis[0])

    def band_between(self, series_keys: list[tuple[str, str]], sid: int, t0: float, t1: float):
        """The band over a chart's range as steps (edges, lo, typ, hi), or None."""
        rows = self.rows(series_keys)
        if self.profiles is None or sid >= len(rows) or rows[sid] < 0:
            return None
        return band_between(self.profiles, int(rows[sid]), t0, t1, self.calendar)

    def flat_share(self, series_keys: list[tuple[str, str]]) -> np.ndarray:
        rows = self.rows(series_keys)
        if self.profiles is None:
            return np.ones(len(rows), np.float32)
        return np.where(rows >= 0, self.profiles.flat_share[np.maximum(rows, 0)], 1.0)

    def spread(self, series_keys: list[tuple[str, str]]) -> np.ndarray:
        """Each series' usual band width (NaN: no profile)."""
        rows = self.rows(series_keys)
        if self.profiles is None:
            return np.full(len(rows), np.nan)
        return np.where(rows >= 0, self.profiles.spread[np.maximum(rows, 0)], np.nan)

    def basis_text(self, english: bool = False) -> str:
        if self.profiles is None:
            return "not enough history" if english else "历史不足"
        return self.profiles.basis_text(english)
