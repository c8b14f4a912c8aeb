"""The map page's process memory with V8's young generation as V8 sizes it (the anchor) and capped as the
console starts it (console/ui/gui_app.py, JS_FLAGS): one map page each, in its own process, both at once (the
same machine's load on each), each given the same calls. The page process's private memory (RssAnon) when
the page is ready, before its first call (`idle`), then every 30 s. Prints JSON.

    ./dev bench-page-young-gen                     # 6 minutes, 200 units moving 10 times a second
    ./dev bench-page-young-gen --load still        # the same calls, the units standing still

The calls are the console's own `upsertUnits` (resources/map/city_units.js) through the page's channel, as
the map sends them: `move` moves every unit a little at every call (the page moves 200 badges), `still`
sends the same positions (the page parses and handles the calls, nothing on it changes). 10 calls a second
of 200 units is about twenty times what a wall gets from the simulator's fleet (112 units, the changes sent
once a second), so a page settles within minutes.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "bench"))

# the anchor: an empty --js-flags keeps the console's own out (prepare_env adds it only where none is set)
WAYS = {"v8_default": "--js-flags=", "capped": ""}
UNITS, TICK_MS = 200, 100


def units(n: int, load: str, full: bool) -> list[dict]:
    out = []
    for i in range(UNITS):
        a = 2 * math.pi * i / UNITS + (n * 0.001 if load == "move" else 0.0)
        out.append({"id": f"u{i}", "name": f"unit {i}", "glyph": "消", "color": "#3a8", "state": "patrol",
                    "label": "patrol", "lat": 31.2 + 0.2 * math.sin(a), "lon": 121.45 + 0.2 * math.cos(a),
                    "ts": 1.7e9 + n * 0.1, "full": full, "trail": []})
    return out


def page_process(way: str, load: str, minutes: float) -> None:
    """One map page given the units' calls; a JSON line every 30 s."""
    from bench_page_feed import drive, map_page, renderer_anon_mb

    app, view = map_page(1920, 1080)
    sent = {"calls": 0, "t0": None}

    def tick() -> None:
        if not view.is_ready:
            return
        if sent["t0"] is None:  # the page ready, before its first call
            sent["t0"] = time.monotonic()
            print(json.dumps({"t_min": 0.0, "calls": 0, "renderer_anon_mb": renderer_anon_mb()}), flush=True)
        view.js("upsertUnits", units(sent["calls"], load, sent["calls"] == 0))  # as the map calls the page
        sent["calls"] += 1

    drive(app, tick, TICK_MS, minutes, lambda: sent["t0"], lambda t_min: {"t_min": t_min, "calls": sent["calls"]})


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=6.0)
    ap.add_argument("--load", choices=("move", "still"), default="move")
    ap.add_argument("--way", choices=tuple(WAYS), help=argparse.SUPPRESS)  # one page's process (run by main)
    a = ap.parse_args()
    if a.way:
        page_process(a.way, a.load, a.minutes)
        return 0
    procs = {}
    for w, js_flags in WAYS.items():
        flags = " ".join(f for f in ("--no-sandbox --disable-gpu", js_flags) if f)
        env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"),
                   QTWEBENGINE_CHROMIUM_FLAGS=flags)
        cmd = [sys.executable, __file__, "--way", w, "--load", a.load, "--minutes", str(a.minutes)]
        procs[w] = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    rows = {w: [json.loads(line) for line in p.stdout if line.startswith("{")] for w, p in procs.items()}
    for p in procs.values():
        p.wait()
    out = {"benchmark": "page_young_gen", "load": a.load, "minutes": a.minutes, "units": UNITS,
           "calls_per_s": 1000 // TICK_MS, "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "ways": {}}
    for w, rs in rows.items():
        mem = [r["renderer_anon_mb"] for r in rs if r["renderer_anon_mb"] is not None]
        if not mem:
            out["ways"][w] = {"error": "no sample (the page never became ready?)"}
            continue
        late = [r["renderer_anon_mb"] for r in rs if r["t_min"] >= a.minutes / 2 and r["renderer_anon_mb"] is not None]
        out["ways"][w] = {"calls": rs[-1]["calls"], "renderer_anon_mb_idle": mem[0],
                          "renderer_anon_mb_last": mem[-1], "renderer_anon_mb_max": max(mem),
                          "renderer_anon_mb_median_second_half": statistics.median(late) if late else None,
                          "samples": [[r["t_min"], r["renderer_anon_mb"]] for r in rs]}
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
