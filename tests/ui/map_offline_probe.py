"""Run as a process (`python -m tests.ui.map_offline_probe`) by test_map_offline_os.py, inside a network
namespace with no network (or behind a refusing proxy): loads the console's real map page with its
request guard turned into a recorder (it lets everything through and writes it down), uses the page
the way the window does, then tries two remote loads on purpose as the control. Prints one JSON line."""

from __future__ import annotations

import json
import sys

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWebEngineCore import QWebEngineSettings
from PySide6.QtWidgets import QApplication

from console.feed.decoder import Decoder
from console.model.city_state import CityState
from console.model.clock import Clock
from console.ui import map_bridge
from tests.frames_factory import catalog, dumps, event, samples

SEEN: list[str] = []


def record_only(self, info) -> None:  # the guard, as a recorder: nothing blocked in the page itself
    url = info.requestUrl().toString()
    if not url.startswith(("file:", "qrc:", "data:", "blob:", "about:")):
        SEEN.append(url[:200])


def wait(ms: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def js(view, script: str):
    box: list = []
    view.page().runJavaScript(script, 0, box.append)
    for _ in range(200):
        if box:
            return box[0]
        wait(50)
    raise TimeoutError(script[:80])


def main() -> int:
    app = QApplication(sys.argv[:1])
    map_bridge.OfflineGuard.interceptRequest = record_only
    dec = Decoder()
    state, clock = CityState(), Clock()
    clock.set_fixed(1_700_000_100.0)
    for raw in (catalog(), samples(1, [["traffic.congestion_index", "310101", 1_700_000_000.0, 8.5]]),
                dumps({"type": "event", "seq": 2, "event": event("E1", severity="red")})):
        state.apply("city", dec.decode(raw).frame)
    view = map_bridge.CityMapView(state, clock)
    # as when a tile server is configured: the page may reach remote URLs, so an attempt would go out
    # (and be recorded) instead of being stopped by Chromium's file-origin rule
    view.page().settings().setAttribute(QWebEngineSettings.WebAttribute.LocalContentCanAccessRemoteUrls, True)
    view.resize(1280, 800)
    view.show()
    for _ in range(600):
        if view.is_ready:
            break
        wait(50)
    view.set_view("310101")  # a district: its streets drawn, the map flies
    wait(1500)
    view.set_view("310000")
    wait(800)
    page = json.loads(js(view, """JSON.stringify({
        leaflet: typeof L === 'object', gis: typeof cityopsGis === 'object', areas: typeof cityopsAreas === 'object',
        heat: typeof L.heatLayer === 'function', api: typeof cityops === 'object', markers: cityops.count(),
        css: getComputedStyle(document.querySelector('.leaflet-container')).overflow})"""))
    in_use = list(SEEN)
    # the control: two remote loads on purpose; the recorder must see them and the network refuse them
    js(view, """window.__ctl = 'pending'; new Image().src = 'http://192.0.2.1/probe.png';
        fetch('https://example.org/probe').then(function () { window.__ctl = 'answered'; },
                                               function () { window.__ctl = 'refused'; }); 1""")
    for _ in range(200):
        if js(view, "window.__ctl") != "pending":
            break
        wait(50)
    control = {"seen": SEEN[len(in_use):], "fetch": js(view, "window.__ctl")}
    print(json.dumps({"ready": view.is_ready, "page": page, "in_use": in_use, "control": control}))
    view.close()
    del view
    app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
