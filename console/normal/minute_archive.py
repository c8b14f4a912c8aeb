"""Per-minute values of every series, one file per Shanghai day, beside the recordings
(`usual/days/`): the history the typical days are learned from, compact enough to keep for weeks
(23,700 series: 137 MB a day as float32, versus gigabytes of frames). Layout:

- `keys.json`: {"format": "cityops.minutes/1", "keys": ["indicator@region", …]} (only ever appended to);
- `YYYY-MM-DD.npy`: float32 [series, 1440], the mean of each minute's readings (NaN: none); a day
  written when fewer keys existed has fewer rows (the rest read as NaN).

Filled by the simulator's history (`cityops simulate-history`) or from recordings' `series_blocks`
(`add_recording`, pandas), read a chunk of series at a time through memory maps."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from console.normal.day_class import DAY_S, TZ_OFFSET_S, date_of
from console.normal.profiles import MINUTES

FORMAT = "cityops.minutes/1"
_EPOCH = dt.date(1970, 1, 1)


class ArchiveError(ValueError):
    pass


class MinuteArchive:
    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.keys: list[str] = []
        kf = self.folder / "keys.json"
        if kf.exists():
            try:
                doc = json.loads(kf.read_text(encoding="utf-8"))
                if doc.get("format") != FORMAT:
                    raise ArchiveError(f"{kf}: format {doc.get('format')!r}, expected {FORMAT}")
                self.keys = [str(k) for k in doc["keys"]]
            except (OSError, ValueError, KeyError, TypeError) as exc:
                raise ArchiveError(f"{kf}: {exc}") from exc
        self._index = {k: i for i, k in enumerate(self.keys)}

    def _save_keys(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self.folder / "keys.json.tmp"
        tmp.write_text(json.dumps({"format": FORMAT, "keys": self.keys}, ensure_ascii=False), encoding="utf-8")
        tmp.replace(self.folder / "keys.json")

    def rows_for(self, keys: list[str]) -> np.ndarray:
        """Rows of these keys, adding the new ones."""
        new = [k for k in dict.fromkeys(keys) if k not in self._index]
        if new:
            for k in new:
                self._index[k] = len(self.keys)
                self.keys.append(k)
            self._save_keys()
        return np.array([self._index[k] for k in keys], np.int64)

    def day_numbers(self) -> np.ndarray:
        out = []
        for f in self.folder.glob("*.npy"):
            try:
                out.append((dt.date.fromisoformat(f.stem) - _EPOCH).days)
            except ValueError:
                continue
        return np.array(sorted(out), np.int64)

    def _path(self, day: int) -> Path:
        return self.folder / f"{date_of(day).isoformat()}.npy"

    def write_day(self, day: int, keys: list[str], values: np.ndarray) -> None:
        """A day's minute values [len(keys), 1440]; merged into what the day already holds (a newer value
        for a minute wins, NaN keeps the old)."""
        if values.shape != (len(keys), MINUTES):
            raise ArchiveError(f"a day's values are [{len(keys)}, {MINUTES}], not {list(values.shape)}")
        rows = self.rows_for(keys)
        full = np.full((len(self.keys), MINUTES), np.nan, np.float32)
        path = self._path(day)
        if path.exists():
            old = np.load(path)
            full[: len(old)] = old
        cur = full[rows]
        full[rows] = np.where(np.isfinite(values), values, cur)
        tmp = path.with_name(path.stem + ".tmp.npy")
        np.save(tmp, full)
        tmp.replace(path)

    def chunks(self, days: np.ndarray, rows_per_chunk: int = 1000) -> Iterator[tuple[slice, np.ndarray]]:
        """(rows, cube [rows, days, 1440]) a chunk of series at a time, for profiles.build_profiles."""
        maps = []
        for d in days:
            try:
                maps.append(np.load(self._path(int(d)), mmap_mode="r"))
            except (OSError, ValueError) as exc:
                raise ArchiveError(f"{self._path(int(d))}: {exc}") from exc
        n = len(self.keys)
        for a in range(0, n, rows_per_chunk):
            b = min(n, a + rows_per_chunk)
            cube = np.full((b - a, len(days), MINUTES), np.nan, np.float32)
            for j, m in enumerate(maps):
                if m.ndim != 2 or m.shape[1] != MINUTES:
                    raise ArchiveError(f"{self._path(int(days[j]))}: not [series, {MINUTES}]")
                hi = min(b, len(m))
                if hi > a:
                    cube[: hi - a, j] = m[a:hi]
            yield slice(a, b), cube


def minute_values(ts: np.ndarray, vals: np.ndarray, day: int) -> np.ndarray:
    """The mean of each minute's readings of one series on Shanghai day `day` (pandas groupby)."""
    import pandas as pd

    start = day * DAY_S - TZ_OFFSET_S
    minute = np.floor((ts - start) / 60).astype(np.int64)
    keep = (minute >= 0) & (minute < MINUTES) & np.isfinite(vals)
    out = np.full(MINUTES, np.nan, np.float32)
    if keep.any():
        means = pd.Series(vals[keep]).groupby(minute[keep]).mean()
        out[means.index.to_numpy()] = means.to_numpy(np.float32)
    return out


def add_recording(archive: MinuteArchive, recording_path: Path, until_ts: float | None = None) -> list[int]:
    """Every whole day of a recording's per-minute series blocks into the archive; returns the days."""
    from console.recording.store import Recording

    rec = Recording(recording_path)
    try:
        span = rec.span()
        if span is None:
            return []
        first, last = span
        last = min(last, until_ts) if until_ts is not None else last
        days = []
        d0 = int((first + TZ_OFFSET_S) // DAY_S)
        d1 = int((last + TZ_OFFSET_S) // DAY_S)
        for day in range(d0, d1 + 1):
            start = day * DAY_S - TZ_OFFSET_S
            keys, rows = [], []
            for ind, reg, ts, vs in rec.history(start, start + DAY_S - 1):
                keys.append(f"{ind}@{reg}")
                rows.append(minute_values(ts, vs, day))
            if keys:
                archive.write_day(day, keys, np.vstack(rows))
                days.append(day)
        return days
    finally:
        rec.close()
