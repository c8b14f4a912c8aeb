"""The map page works with no network at all, proven at the OS level: the real page runs in a process
inside its own network namespace (`unshare -rn`: no interface but a downed loopback), or, where user
namespaces are not allowed, behind a proxy that refuses every connection. The page's request guard is
turned into a recorder there, so what the page tries is written down instead of blocked in-page."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def isolation() -> tuple[list[str], str, str]:
    """The command prefix, extra Chromium flags and a name for how the network is cut."""
    try:
        ok = subprocess.run(["unshare", "-rn", "true"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        ok = False
    if ok:
        return ["unshare", "-rn"], "", "network namespace"
    # port 1 on loopback is closed: every connection through this proxy is refused, loopback included
    return [], " --proxy-server=http://127.0.0.1:1 --proxy-bypass-list=<-loopback>", "refusing proxy"


def test_the_map_page_runs_whole_without_a_network_and_tries_nothing_remote():
    prefix, flags, how = isolation()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen",
               QTWEBENGINE_CHROMIUM_FLAGS="--no-sandbox --disable-gpu" + flags)
    run = subprocess.run([*prefix, sys.executable, "-m", "tests.ui.map_offline_probe"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stderr[-2000:]
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert out["ready"], how
    # every library and style sheet arrived from local files: Leaflet, its plugins, the page's own parts
    page = out["page"]
    assert page["leaflet"] and page["gis"] and page["areas"] and page["heat"] and page["api"], (how, page)
    assert page["css"] == "hidden" and page["markers"] == 1, (how, page)  # Leaflet's CSS applied
    # drawn, drilled into a district and back: nothing remote was asked for
    assert out["in_use"] == [], (how, out["in_use"])
    # the control: what the page tries on purpose is seen by the recorder and refused by the network
    assert sorted(out["control"]["seen"]) == ["http://192.0.2.1/probe.png", "https://example.org/probe"], how
    assert out["control"]["fetch"] == "refused", how


@pytest.mark.parametrize("name", sorted(p.name for p in (ROOT / "resources" / "map").iterdir()))
def test_the_pages_own_files_load_nothing_remote(name):
    """The HTML check cannot see what a style sheet or script pulls in itself (url(), @import, fetch)."""
    text = (ROOT / "resources" / "map" / name).read_text(encoding="utf-8")
    for needle in ("url(http", "url('http", 'url("http', "@import", "fetch(", "XMLHttpRequest", "//cdn"):
        assert needle not in text, (name, needle)
