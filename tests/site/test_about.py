"""What support asks for: version, build, dependencies, feed health and paths as JSON (the About dialog
shows and copies it: tests/ui/test_about_dialog.py); and `cityops --version`."""

import json
import subprocess
import sys

from console import __version__
from console.feed.feed_health import FeedHealth, FeedState
from console.site.about import diagnostics, version_line


def test_version_line_names_version_build_and_qt():
    line = version_line()
    assert line.startswith(f"cityops {__version__} (build ") and "PySide6 6." in line


def test_cityops_version_on_the_command_line():
    out = subprocess.run([sys.executable, "-m", "console.app.cli", "--version"], capture_output=True, text=True,
                         timeout=60, check=True).stdout
    assert out.startswith(f"cityops {__version__}") and "Python 3." in out


def test_diagnostics_hold_what_support_asks_for(tmp_path, monkeypatch):
    monkeypatch.setenv("CITYOPS_DATA_DIR", str(tmp_path))
    h = FeedHealth("上海市城运平台", "wss://feed.local/ws", state=FeedState.CONNECTED, frames=12)
    d = diagnostics(health=[h])
    assert d["version"] == __version__ and d["dependencies"]["pandas"] != "not installed"
    assert d["paths"]["recordings"] == str(tmp_path / "recordings")
    assert d["feeds"][0]["name"] == "上海市城运平台" and d["feeds"][0]["state"] == "connected"
    json.dumps(d)  # a ticket takes it as JSON
