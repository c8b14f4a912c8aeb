"""Retention for the recordings folder: the oldest sessions go first once the folder is over its size
or a session is older than the age limit. The session being written is never touched."""

from __future__ import annotations

import logging
import time
from pathlib import Path

log = logging.getLogger(__name__)
SIDE_FILES = ("-wal", "-shm", ".bookmarks.json")


def enforce(folder: Path, max_bytes: float, max_age_days: float, keep: Path | None = None,
            now: float | None = None) -> list[Path]:
    """Delete whole sessions (the file, its WAL and bookmarks) until within both limits."""
    if not folder.exists():
        return []
    now = now or time.time()
    sessions = []
    for f in folder.glob("*.cityrec"):
        if keep is not None and f.resolve() == keep.resolve():
            continue
        parts = [f, *(f.with_name(f.name + s) for s in SIDE_FILES)]
        size = sum(p.stat().st_size for p in parts if p.exists())
        sessions.append((f.stat().st_mtime, f, parts, size))
    sessions.sort()  # oldest first
    total = sum(s[3] for s in sessions) + (keep.stat().st_size if keep is not None and keep.exists() else 0)
    removed = []
    for mtime, f, parts, size in sessions:
        too_old = now - mtime > max_age_days * 86400
        if not too_old and total <= max_bytes:
            continue
        for p in parts:
            p.unlink(missing_ok=True)
        total -= size
        removed.append(f)
        log.info("retention: removed recording %s (%.1f MB, %.1f days old)", f.name, size / 1e6,
                 (now - mtime) / 86400)
    return removed
