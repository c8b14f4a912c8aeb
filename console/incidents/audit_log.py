"""The audit trail: every operator action and its outcome, appended to a local JSON-lines file and
flushed to disk at once. Append-only by construction: nothing here rewrites or deletes an entry.

Each entry is also told to the program log (event `operator_action`, without its free-text detail),
so a support engineer reading the log sees the actions among the feed events; the log rotates, this
file does not."""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


class AuditLog:
    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        # O_APPEND: every write lands at the end, even with two consoles on one file
        self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o640)

    def record(self, action: str, operator: str, role: str, target: str, outcome: str,
               detail: dict[str, Any] | None = None, now: float | None = None) -> dict[str, Any]:
        entry = {"ts": now or time.time(), "operator": operator, "role": role, "action": action, "target": target,
                 "outcome": outcome, "detail": detail or {}}
        line = (json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
        with self._lock:
            os.write(self._fd, line)
            os.fsync(self._fd)
        log.info("operator %s (%s): %s %s -> %s", operator, role, action, target, outcome,
                 extra={"event": "operator_action", "operator": operator, "role": role, "action": action,
                        "target": target, "outcome": outcome})
        return entry

    def entries(self, target: str | None = None) -> list[dict[str, Any]]:
        """All entries (for one target if given), oldest first; a torn last line is skipped."""
        out = []
        with open(self.path, encoding="utf-8") as f:
            for line in f:
                try:
                    e = json.loads(line)
                except ValueError:
                    continue
                if target is None or e.get("target") == target:
                    out.append(e)
        return out

    def close(self) -> None:
        with self._lock:
            os.close(self._fd)
