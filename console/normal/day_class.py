"""Which kind of day a moment falls on, in Shanghai time: a workday (工作日) or a rest day (休息日:
Saturday, Sunday, a public holiday). A site may give its own holiday calendar (the State Council's
yearly notice: rest days off and the make-up workdays, 调休); without one, weekends are the rest days.
Also the time-of-day slot a moment falls in. Shanghai keeps UTC+8 all year (no daylight saving)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

TZ_OFFSET_S = 8 * 3600
DAY_S = 86_400
WORKDAY, REST_DAY = 0, 1
CLASS_NAMES = ("workday", "rest_day")
CLASS_ZH = ("工作日", "休息日")
_EPOCH = dt.date(1970, 1, 1)


def local_day_number(ts: np.ndarray | float) -> np.ndarray:
    """Days since 1970-01-01 in Shanghai time."""
    return np.floor((np.asarray(ts, dtype=np.float64) + TZ_OFFSET_S) / DAY_S).astype(np.int64)


def day_start_ts(day: dt.date) -> float:
    """The UNIX time of a Shanghai day's midnight."""
    return (day - _EPOCH).days * DAY_S - TZ_OFFSET_S


def date_of(day_number: int) -> dt.date:
    return _EPOCH + dt.timedelta(days=int(day_number))


def slot_of(ts: np.ndarray | float, slot_s: int) -> np.ndarray:
    """The time-of-day slot (0 .. 86400/slot_s - 1) in Shanghai time."""
    return (np.floor((np.asarray(ts, dtype=np.float64) + TZ_OFFSET_S) % DAY_S / slot_s)).astype(np.int64)


@dataclass(frozen=True, slots=True)
class Calendar:
    """Rest days beyond weekends (`holidays`) and weekend days worked (`workdays`), as day numbers."""

    holidays: frozenset[int] = field(default_factory=frozenset)
    workdays: frozenset[int] = field(default_factory=frozenset)

    def day_class(self, day_number: np.ndarray | int) -> np.ndarray:
        d = np.atleast_1d(np.asarray(day_number, dtype=np.int64))
        weekday = (d + 3) % 7  # 1970-01-01 was a Thursday; 0 = Monday
        rest = weekday >= 5
        if self.holidays:
            rest |= np.isin(d, np.fromiter(self.holidays, np.int64))
        if self.workdays:
            rest &= ~np.isin(d, np.fromiter(self.workdays, np.int64))
        return np.where(rest, REST_DAY, WORKDAY)

    def class_at(self, ts: np.ndarray | float) -> np.ndarray:
        return self.day_class(local_day_number(ts))


class CalendarError(ValueError):
    pass


def load_calendar(path: Path) -> Calendar:
    """A holiday calendar file: {"holidays": ["2025-10-01", …], "workdays": ["2025-09-28", …]}."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        hol = frozenset((dt.date.fromisoformat(s) - _EPOCH).days for s in doc.get("holidays", []))
        work = frozenset((dt.date.fromisoformat(s) - _EPOCH).days for s in doc.get("workdays", []))
    except (OSError, ValueError, TypeError, AttributeError) as exc:
        raise CalendarError(f"{path}: {exc}") from exc
    if hol & work:
        raise CalendarError(f"{path}: a day cannot be both a holiday and a workday")
    return Calendar(hol, work)
