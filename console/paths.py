"""Where the console keeps its own files (the command journal, the audit log). Overridable by the
CITYOPS_DATA_DIR environment variable; XDG's data folder otherwise."""

from __future__ import annotations

import os
from pathlib import Path


def data_dir() -> Path:
    env = os.environ.get("CITYOPS_DATA_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "cityops"
