"""Bring the typical days up to date (daily, and on demand with `cityops build-usual`): the whole days
of new recordings go into the per-minute archive, then the profiles are rebuilt from the last weeks of
it and written beside the recordings. Runs on a worker thread or in a command, never on the GUI thread."""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from console.normal.day_class import Calendar, local_day_number
from console.normal.minute_archive import MinuteArchive, add_recording
from console.normal.profiles import SLOT_S, Profiles, build_profiles
from console.normal.usual import PROFILES_FILE, Usual, site_calendar, usual_dir

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Refreshed:
    profiles: Profiles | None
    days_used: int
    recordings_read: int
    seconds: float


def import_recordings(recordings: Path, archive: MinuteArchive) -> int:
    """Recordings changed since they were last read go into the archive; returns how many were read."""
    seen_file = archive.folder / "imported.json"
    try:
        seen = json.loads(seen_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        seen = {}
    n = 0
    for rec in sorted(recordings.glob("*.cityrec")):
        mtime = rec.stat().st_mtime
        if seen.get(rec.name) == mtime:
            continue
        try:
            add_recording(archive, rec)
        except Exception as exc:  # a damaged recording is skipped, never the end of the profiles
            log.warning("recording %s not read into the typical days: %s", rec, exc)
            continue
        seen[rec.name] = mtime
        n += 1
    if n:
        archive.folder.mkdir(parents=True, exist_ok=True)
        seen_file.write_text(json.dumps(seen), encoding="utf-8")
    return n


def refresh(recordings: Path, weeks: float = 4.0, now: float | None = None, calendar: Calendar | None = None,
            read_recordings: bool = True, rows_per_chunk: int = 1000, slot_s: int = SLOT_S) -> Refreshed:
    """Rebuild `usual/profiles.npz` beside `recordings` from the archive's days before today (at most
    `weeks` of them). The days are classed by `calendar`, else the site's (`usual/calendar.json`)."""
    t = time.monotonic()
    calendar = calendar if calendar is not None else site_calendar(recordings)
    now = time.time() if now is None else now
    folder = usual_dir(recordings)
    archive = MinuteArchive(folder / "days")
    read = import_recordings(recordings, archive) if read_recordings else 0
    archive = MinuteArchive(folder / "days")
    today = int(local_day_number(now))
    days = archive.day_numbers()
    days = days[(days < today) & (days >= today - round(weeks * 7))]
    if len(days) == 0 or not archive.keys:
        return Refreshed(None, 0, read, time.monotonic() - t)
    p = build_profiles(archive.keys, archive.chunks(days, rows_per_chunk), np.asarray(days), calendar,
                       slot_s, now)
    p.save(folder / PROFILES_FILE)
    log.info("typical days rebuilt from %d days of %d series in %.1f s", len(days), len(p.keys),
             time.monotonic() - t)
    return Refreshed(p, len(days), read, time.monotonic() - t)


class DailyRefresh:
    """On a daemon thread: read the profiles at once (never on the GUI thread), then, whenever they are
    a day old, rebuild them from the recordings and swap them in."""

    def __init__(self, usual: Usual, recordings: Path, weeks: float = 4.0, check_s: float = 3600.0):
        self.usual, self.recordings, self.weeks, self.check_s = usual, recordings, weeks, check_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="usual-refresh", daemon=True)

    def start(self) -> DailyRefresh:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while True:
            try:
                self.usual.reload()
                p = self.usual.profiles
                if p is None or time.time() - p.built_ts >= 86_400:
                    r = refresh(self.recordings, self.weeks)
                    if r.profiles is not None:
                        self.usual.reload()
            except Exception:  # the typical days are an aid: their failure never stops the console
                log.exception("typical days not refreshed")
            if self._stop.wait(self.check_s):
                return
