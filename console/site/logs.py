"""The program's log: JSON lines in a size-bounded rotating file, plain lines on stderr, and neither
ever carries a feed token or a citizen's phone or ID number.

Structured events carry `extra={"event": ..., ...}` (feed_connected, feed_disconnected, feed_rejects,
operator_action); each becomes a field of the JSON line. The audit log (console/incidents/audit_log.py) is a
different thing: append-only, never rotated, for the record of who did what.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import logging.handlers
import sys
from pathlib import Path

from console.privacy.scrub import SCRUB

LOG_NAME = "cityops.log"
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}

class JsonLinesFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        doc = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for k, v in vars(record).items():
            if k not in _STANDARD and not k.startswith("_"):
                doc[k] = v if isinstance(v, str | int | float | bool | type(None) | list | dict) else str(v)
        if record.exc_info:
            doc["exc"] = self.formatException(record.exc_info)
        return SCRUB(json.dumps(doc, ensure_ascii=False, default=str))


class PlainFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        return SCRUB(super().format(record))


def remove_handlers() -> None:
    """Take off the handlers setup_logging added (closing the file)."""
    root = logging.getLogger()
    for h in list(root.handlers):
        if getattr(h, "_cityops", False):
            root.removeHandler(h)
            h.close()


def setup_logging(level: str = "INFO", log_dir: Path | None = None, max_bytes: int = 10_000_000,
                  backups: int = 5, stream=None) -> Path | None:
    """Route every logger to stderr and, given `log_dir`, to LOG_NAME there (rotated at `max_bytes`,
    `backups` old files kept). Returns the log file's path. Safe to call again (it replaces its handlers)."""
    root = logging.getLogger()
    remove_handlers()
    root.setLevel(level)
    err = logging.StreamHandler(stream or sys.stderr)
    err.setFormatter(PlainFormatter())
    err._cityops = True
    root.addHandler(err)
    if log_dir is None:
        return None
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / LOG_NAME
    fh = logging.handlers.RotatingFileHandler(path, maxBytes=max_bytes, backupCount=backups, encoding="utf-8")
    fh.setFormatter(JsonLinesFormatter())
    fh._cityops = True
    root.addHandler(fh)
    return path
