"""Where the map scenario's once-a-second turn goes (`./dev bench-gui --scenario map`, run here in this
process): GUI-thread CPU per call of the bridge's flush, the queue's and the map's share of it, and for
every call into the page, its payload encoded both ways on the same payload: the json module as the
console once did (`ensure_ascii=False`) and `js_literal` (orjson), the one the console sends. Its stall
figure is not the benchmark's: it encodes every payload twice on the GUI thread.

    QT_QPA_PLATFORM=offscreen .venv/bin/python tests/bench/probe_map_turn.py [--seconds 20]
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

import tests.bench.bench_gui as bench_gui  # noqa: E402
from console.ui.incident_model import IncidentTableModel  # noqa: E402
from console.ui.map_bridge import CityMapView  # noqa: E402
from console.ui.state_bridge import StateBridge  # noqa: E402
from console.views.map_page import js_literal  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=20.0)
    args = ap.parse_args()
    cpu: dict[str, list[float]] = collections.defaultdict(list)

    def timed(cls, name: str, key: str) -> None:
        orig = getattr(cls, name)

        def call(self, *a, **k):
            c = time.thread_time()
            out = orig(self, *a, **k)
            cpu[key].append((time.thread_time() - c) * 1000)
            return out
        setattr(cls, name, call)

    timed(StateBridge, "flush", "bridge flush")
    timed(IncidentTableModel, "apply_changes", "queue apply_changes")
    timed(CityMapView, "apply_changes", "map apply_changes")
    enc: dict[str, list] = collections.defaultdict(list)  # call -> [(json ms, js_literal ms, bytes)]
    orig_js = CityMapView.js

    def js(self, call, payload, callback=None):
        c = time.thread_time()
        json.dumps(payload, ensure_ascii=False)
        j = time.thread_time() - c
        c = time.thread_time()
        text = js_literal(payload)
        enc[call].append((j * 1000, (time.thread_time() - c) * 1000, len(text.encode())))
        return orig_js(self, call, payload, callback)
    CityMapView.js = js
    r = bench_gui.run("map", args.seconds, 6, 100_000)
    out = {"stall_ms_p99": r.get("stall_ms_p99"), "per_call_cpu_ms": {}, "page_calls": {}}
    for k, v in cpu.items():  # most flushes carry a few readings; one in five, the second's 200 incidents
        a = np.array(v)
        out["per_call_cpu_ms"][k] = {"calls": len(a), "p50": round(float(np.percentile(a, 50)), 2),
                                     "p90": round(float(np.percentile(a, 90)), 2), "max": round(float(a.max()), 2)}
    for k, v in enc.items():
        a = np.array(v)
        out["page_calls"][k] = {"calls": len(a), "json_ms_mean": round(float(a[:, 0].mean()), 3),
                                "js_literal_ms_mean": round(float(a[:, 1].mean()), 3),
                                "bytes_mean": int(a[:, 2].mean())}
    print(json.dumps(out, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
