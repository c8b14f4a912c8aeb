"""The map page's process memory under a flood of the console's calls: through the QWebChannel as the console
sends them (one message a call, and the same calls 20 to a message), beside the anchor, the old way, a
script a call (runJavaScript). One map page per way, each in its own process, all three at once (the same
machine's load on each); the page process's private memory (RssAnon) when the page is ready, before its
first call (`idle`), then every 30 s. Prints JSON.

    ./dev bench-page-feed                      # 5 minutes, 1,000 calls a second of ~1.6 KB each
    ./dev bench-page-feed --minutes 10 --rate 200

The calls are `cityops.count(payload)`: the page's handler runs and does nothing with the payload, so what
grows is what carrying and running the call costs, not what the map draws.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "bench"))

WAYS = ("script", "message", "batched")  # the anchor first
TICK_MS = 20


def payload(k: int) -> dict:
    """~1.6 KB that changes at every call: sixteen districts' colours and a tail of text."""
    return {f"3101{i:02d}": ("normal", "warn", "alarm")[(i + k) % 3] for i in range(16)} | {"pad": "x" * 1400 + str(k)}


def map_page(width: int = 1280, height: int = 800):
    """The console's map page on the city (its districts, no data), shown offscreen: (app, view)."""
    os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--no-sandbox --disable-gpu")
    from console.ui.gui_app import application

    app = application()
    from console.feed.frames import Catalog
    from console.model.city_state import CityState
    from console.model.clock import Clock
    from console.simulator.city_catalog import load_regions
    from console.ui.map_bridge import CityMapView

    state = CityState()
    state.apply_catalog(Catalog((), tuple(load_regions())))
    view = CityMapView(state, Clock())
    view.resize(width, height)
    view.show()
    return app, view


def renderer_anon_mb() -> float | None:
    """This process's page process's private memory (RssAnon), MB."""
    from soak_wall import anon_shmem_kb, descendants, process_kind

    for p in descendants(os.getpid()):
        if process_kind(p) == "renderer":
            return round(anon_shmem_kb(p)[0] / 1024, 1)
    return None


def drive(app, tick, tick_ms: int, minutes: float, started, row) -> None:
    """Run the page's event loop: `tick` every `tick_ms`; every 30 s once the page has had its first call
    (`started()`: its monotonic time, else None), a JSON line of `row(t_min)` and the page process's private
    memory; quit after `minutes`."""
    from PySide6.QtCore import QTimer

    def sample() -> None:
        t0 = started()
        if t0 is None:
            return
        t = time.monotonic() - t0
        print(json.dumps({**row(round(t / 60, 2)), "renderer_anon_mb": renderer_anon_mb()}), flush=True)
        if t > minutes * 60:
            app.quit()

    calls, look = QTimer(), QTimer()
    calls.timeout.connect(tick)
    calls.start(tick_ms)
    look.timeout.connect(sample)
    look.start(30_000)
    app.exec()


def page_process(way: str, minutes: float, rate: int) -> None:
    """One map page flooded `way`; a JSON line every 30 s."""
    app, view = map_page()
    from console.views.map_page import js_literal

    per_tick = max(1, rate * TICK_MS // 1000)
    sent = {"calls": 0, "messages": 0, "t0": None}

    def tick() -> None:
        if not view.is_ready:
            return
        if sent["t0"] is None:  # the page ready, before its first call
            sent["t0"] = time.monotonic()
            print(json.dumps({"way": way, "t_min": 0.0, "calls": 0, "messages": 0,
                              "renderer_anon_mb": renderer_anon_mb()}), flush=True)
        n = sent["calls"]
        if way == "script":
            for k in range(n, n + per_tick):
                view.page().runJavaScript(f"window.cityops && cityops.ready && cityops.count({js_literal(payload(k))})")
            sent["messages"] += per_tick
        elif way == "message":
            for k in range(n, n + per_tick):
                view.js("count", payload(k))  # as the console calls the page
            sent["messages"] += per_tick
        else:
            view.js("count", [payload(k) for k in range(n, n + per_tick)])
            sent["messages"] += 1
        sent["calls"] += per_tick

    drive(app, tick, TICK_MS, minutes, lambda: sent["t0"],
          lambda t_min: {"way": way, "t_min": t_min, "calls": sent["calls"], "messages": sent["messages"]})


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=5.0)
    ap.add_argument("--rate", type=int, default=1000, help="calls a second")
    ap.add_argument("--way", choices=WAYS, help=argparse.SUPPRESS)  # one page's process (run by main)
    a = ap.parse_args()
    if a.way:
        page_process(a.way, a.minutes, a.rate)
        return 0
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    procs = {w: subprocess.Popen([sys.executable, __file__, "--way", w, "--minutes", str(a.minutes), "--rate",
                                  str(a.rate)], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
             for w in WAYS}
    rows = {w: [json.loads(line) for line in p.stdout if line.startswith("{")] for w, p in procs.items()}
    for p in procs.values():
        p.wait()
    out = {"benchmark": "page_feed", "minutes": a.minutes, "calls_per_s": a.rate,
           "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "ways": {}}
    for w, rs in rows.items():
        mem = [r["renderer_anon_mb"] for r in rs if r["renderer_anon_mb"] is not None]
        if not mem:
            out["ways"][w] = {"error": "no sample (the page never became ready?)"}
            continue
        out["ways"][w] = {"calls": rs[-1]["calls"], "messages": rs[-1]["messages"],
                          "renderer_anon_mb_idle": mem[0], "renderer_anon_mb_last": mem[-1],
                          "renderer_anon_mb_median": statistics.median(mem), "renderer_anon_mb_max": max(mem),
                          "samples": [[r["t_min"], r["renderer_anon_mb"]] for r in rs]}
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
