"""Chinese first, English second: the UI's source strings are Chinese; English comes from a Qt
translation built from `resources/i18n/cityops_en.ts` (`.ts` -> `.qm` with lrelease, on demand)."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QTranslator

from console.resources import resource

log = logging.getLogger(__name__)


def lrelease_binary() -> str | None:
    here = Path(sys.executable).parent
    for cand in (here / "pyside6-lrelease", here / "lrelease"):
        if cand.exists():
            return str(cand)
    return shutil.which("pyside6-lrelease") or shutil.which("lrelease")


def compiled_translation(code: str) -> Path | None:
    """The .qm for a language, compiled from its .ts when missing or older. None if unavailable."""
    ts = resource("i18n", f"cityops_{code}.ts")
    qm = ts.with_suffix(".qm")
    if not os.access(ts.parent, os.W_OK) and not qm.exists():
        # an installed copy the user may not write to (a shared venv): build it in the user's cache
        import platformdirs

        qm = Path(platformdirs.user_cache_dir("cityops", appauthor=False)) / qm.name
        qm.parent.mkdir(parents=True, exist_ok=True)
    if getattr(sys, "frozen", False):  # a bundle ships its .qm (packaging/cityops.spec) and has no lrelease
        return qm if qm.exists() else None
    if ts.exists() and (not qm.exists() or qm.stat().st_mtime < ts.stat().st_mtime):
        tool = lrelease_binary()
        if tool is None:
            log.warning("no lrelease found; cannot build %s", qm.name)
        else:
            try:
                subprocess.run([tool, "-silent", str(ts), "-qm", str(qm)], check=True, timeout=60,
                               capture_output=True)
            except (OSError, subprocess.SubprocessError) as exc:
                log.warning("building %s failed: %s", qm.name, exc)
    return qm if qm.exists() else None


_CURRENT = {"code": "zh"}


def is_english() -> bool:
    """Whether the interface is in English now (for text the model formats, e.g. ages)."""
    return _CURRENT["code"] == "en"


class Language:
    def __init__(self, app: QCoreApplication):
        self.app = app
        self.code = "zh"
        self._translator: QTranslator | None = None

    def switch(self, code: str) -> bool:
        if code == self.code:
            return True
        if self._translator is not None:
            self.app.removeTranslator(self._translator)
            self._translator = None
        if code != "zh":
            qm = compiled_translation(code)
            tr = QTranslator(self.app)
            if qm is None or not tr.load(str(qm)):
                log.error("no translation for %r; staying in Chinese", code)
                self.code = _CURRENT["code"] = "zh"
                return False
            self.app.installTranslator(tr)
            self._translator = tr
        self.code = _CURRENT["code"] = code
        return True
