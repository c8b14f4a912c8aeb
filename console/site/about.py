"""What this program is and how it stands, as text for `cityops --version`, the About dialog and a
support ticket: version, build, dependency versions, paths, feed health. Qt-free: the dialog adds
the Qt versions it sees at run time. Everything passes the log scrubber before it leaves."""

from __future__ import annotations

import datetime as dt
import json
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from console import __version__
from console.privacy.scrub import SCRUB

DEPENDENCIES = ("PySide6", "pyqtgraph", "folium", "pandas", "numpy", "pyarrow", "websockets", "qasync", "orjson",
                "platformdirs", "XStatic-Leaflet", "XStatic-Leaflet-MarkerCluster")
_BUILD_FILE = Path(__file__).with_name("build_info.json")  # written into the bundle by packaging/cityops.spec


def build_info() -> dict:
    """{"commit", "dirty", "built", "kind"}: from the bundle's stamp, else from the checkout's git."""
    if _BUILD_FILE.exists():
        try:
            return json.loads(_BUILD_FILE.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            pass
    root = Path(__file__).resolve().parents[2]  # console/site/about.py -> the checkout
    if (root / ".git").exists():
        try:
            commit = subprocess.run(["git", "-C", str(root), "rev-parse", "--short=12", "HEAD"], capture_output=True,
                                    text=True, timeout=5, check=True).stdout.strip()
            return {"commit": commit, "dirty": None, "built": None, "kind": "source checkout"}
        except (OSError, subprocess.SubprocessError):
            pass
    return {"commit": None, "dirty": None, "built": None, "kind": "installed package"}


def dependency_versions() -> dict[str, str]:
    out = {}
    for name in DEPENDENCIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def version_line() -> str:
    b = build_info()
    build = b.get("commit") or b.get("kind")
    if b.get("dirty"):
        build += "+changes"
    deps = dependency_versions()
    return (f"cityops {__version__} (build {build}{', ' + b['built'] if b.get('built') else ''}; "
            f"Python {platform.python_version()}, PySide6 {deps['PySide6']})")


def diagnostics(places=None, health: list | None = None, qt: dict[str, str] | None = None,
                config_path: Path | None = None) -> dict:
    """Everything a support engineer asks for first, as one JSON-able dict."""
    from console.site.paths import active

    places = places or active()
    return {
        "product": "CityOps Console 城运态势台",
        "version": __version__,
        "build": build_info(),
        "taken_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "frozen": bool(getattr(sys, "frozen", False)),
        "qt": qt or {},
        "dependencies": dependency_versions(),
        "paths": {k: str(v) for k, v in places.items()},
        "path_sources": dict(places.sources),
        "config_file": str(config_path or places.config),
        "feeds": [h.to_dict() for h in (health or [])],
    }


def diagnostics_text(diag: dict) -> str:
    return SCRUB(json.dumps(diag, ensure_ascii=False, indent=2))
