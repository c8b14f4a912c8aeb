"""The city map under issue 17's load: 50,000 incident markers, 215 street polygons recoloured every second,
200 dispatch units moving with their trails.

    ./dev bench-map                         # anchor, cluster, grid: one process each (~5 min)
    ./dev bench-map --variant grid --seconds 30
    ./dev bench-map --soak-minutes 15       # the short memory soak: units and trails moving, nothing else

The console's real map (CityMapView, 1920x1080, offscreen) on the city view. The incidents and the units go
through CityState and the map's own diffs (`apply_changes`); the units are the simulator's fleet
(console/simulator/fleet.py) driving to 150 dispatched incidents at 10 simulated seconds a second. The 215
street polygons are schematic hexagons around the streets' seats, drawn and recoloured by a bench script in
the page on a canvas of their own, as the map's street cells have (resources/map/gis_layers.js; the cells
themselves show from zoom 11, not at the city's view measured here).

Measured after a warm-up:
- GUI-thread stall: how late a 16 ms timer fires (p50/p99/max) and the share of time beyond a 16 ms frame;
- the page's own frame time: requestAnimationFrame deltas, reported back to Python once a second as the
  page's console messages (p50/p99/max, and the share of time beyond 50 ms);
- a zoom from the city to a district (浦东): from the call to the second animation frame after it (drawn),
  `--zooms` times there and back (p50/max);
- where the time goes, in measures load does not stretch: the GUI thread's CPU time per second
  (time.thread_time) and the bridge's share of it (the per-second diffs built and sent); the CPU time per
  second of the console process (all its threads, Chromium's browser side included) and of each kind of
  WebEngine child (the renderer: the page); in the page, performance.now() summed per kind of work (vector
  canvases repainted or re-projected, incident tiles made, units moved, streets recoloured) and Chromium's
  long tasks; the same for the zooms (per zoom) and for loading the incidents (GUI-thread CPU).
Variants: `anchor` (the page with its districts only, on the same machine in the same run: the floor),
`cluster` (the map before: Leaflet.markercluster over canvas circle markers, MapOptions(incidents="cluster")),
`grid` (the map now: the incidents on canvas tiles, resources/map/city_incidents.js), and `canvas` (every
incident a Leaflet canvas circle marker, no clustering: the fallback the issue names; not in the default run).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--no-sandbox --disable-gpu")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from tests.bench.soak_wall import descendants, rss_kb  # noqa: E402
from tests.ui.page_js import MAP_VAR  # noqa: E402

PUDONG = "310115"

# the page side: rAF deltas to Python as the page's messages; schematic street hexagons; timed zooms
PAGE_JS = """
(function () {
  var map = %(map)s;
  window.__bench = { deltas: [], streets: {}, zoomSync: [] };
  /* the deltas go back as the page's own messages do (a console message): the page's QWebChannel is the
     console's (page_feed.js), and a second client on its transport would take the console's calls */
  var last = performance.now();
  function frame(t) { window.__bench.deltas.push(t - last); last = t; requestAnimationFrame(frame); }
  requestAnimationFrame(frame);
  setInterval(function () {
    var d = window.__bench.deltas; window.__bench.deltas = [];
    console.log("cityops:" + JSON.stringify({ bench_frames: d }));
  }, 1000);
  window.__bench.addStreets = function (list) {
    /* on a canvas of their own, as the map's street cells are (gis_layers.js: the cells' pane) */
    map.createPane("benchStreets").style.zIndex = 410;
    var canvas = L.canvas({ pane: "benchStreets" });
    list.forEach(function (p) {
      window.__bench.streets[p.code] = L.polygon(p.ring, { color: "#30a46c", weight: 1, fillColor: "#1f4d3a",
                                                          fillOpacity: 0.7, interactive: false,
                                                          renderer: canvas }).addTo(map);
    });
    return Object.keys(window.__bench.streets).length;
  };
  window.__bench.recolour = function (fills) {
    var t = performance.now();
    Object.keys(fills).forEach(function (c) { window.__bench.streets[c].setStyle({ fillColor: fills[c] }); });
    var c = window.__bench.cost.recolour || (window.__bench.cost.recolour = [0, 0, 0]), d = performance.now() - t;
    c[0] += d; c[1] += 1; if (d > c[2]) c[2] = d;
    return 1;
  };
  window.__bench.zoom = function (b, back) {
    /* to the district (or back to the city), timed to the second frame after: the first is drawn then */
    var t0 = performance.now();
    window.__bench.zoomMs = null;
    if (back) map.setView(back[0], back[1], { animate: false });
    else map.fitBounds(b, { animate: false });
    window.__bench.zoomSync.push(performance.now() - t0);
    requestAnimationFrame(function () {
      requestAnimationFrame(function () { window.__bench.zoomMs = performance.now() - t0; });
    });
    return 1;
  };
  /* where the page's time goes: performance.now() around the map's own work, summed per kind
     [ms, calls, max ms]; and the renderer's long tasks (over 50 ms) as Chromium reports them */
  window.__bench.cost = {};
  function meter(name, obj, key) {
    var f = obj && obj[key];
    if (!f) return;
    obj[key] = function () {
      var t = performance.now();
      try { return f.apply(this, arguments); } finally {
        var d = performance.now() - t, c = window.__bench.cost[name] || (window.__bench.cost[name] = [0, 0, 0]);
        c[0] += d; c[1] += 1; if (d > c[2]) c[2] = d;
      }
    };
  }
  meter("vector_redraw", L.Canvas.prototype, "_redraw");    /* districts, streets, trails: a canvas repainted */
  meter("vector_reproject", L.Canvas.prototype, "_update");  /* a canvas resized and moved (zoom, pan) */
  meter("tile_add", L.GridLayer.prototype, "_addTile");      /* an incidents tile made and drawn */
  meter("units", window.cityops, "upsertUnits");
  if (window.cityopsUnitsCanvas) meter("units_draw", cityopsUnitsCanvas.prototype, "_draw");  /* badges, trails */
  meter("incidents", window.cityops, "upsertIncidents");
  meter("cells", window.cityopsGis, "setCellStatus");
  window.__bench.long = [0, 0];
  try {
    new PerformanceObserver(function (l) {
      l.getEntries().forEach(function (e) { window.__bench.long[0] += e.duration; window.__bench.long[1] += 1; });
    }).observe({ entryTypes: ["longtask"] });
  } catch (e) { window.__bench.long = null; }
  window.__bench.takeCost = function () {
    var out = { cost: window.__bench.cost, long: window.__bench.long };
    window.__bench.cost = {};
    window.__bench.long = window.__bench.long && [0, 0];
    return JSON.stringify(out);
  };
  window.__bench.canvasIncidents = function (list) {
    /* the fallback: every incident one canvas circle marker, no clustering */
    var cl = window[Object.keys(window).find(function (k) { return k.indexOf("marker_cluster_") === 0; })];
    map.removeLayer(cl);
    var g = L.layerGroup();
    list.forEach(function (m) { g.addLayer(L.circleMarker([m[0], m[1]], { radius: 4, weight: 1, color: "#ffffff",
                                                                        fillColor: m[2], fillOpacity: 0.9 })); });
    g.addTo(map);
    return g.getLayers().length;
  };
  return 1;
})()
"""
FILLS = ["#1f4d3a", "#7a5f14", "#7d1f24", "#1d2633"]


def hexagon(lat: float, lon: float, r_m: float = 700.0) -> list[list[float]]:
    dlat = r_m / 111_320.0
    dlon = dlat / math.cos(math.radians(lat))
    return [[lat + dlat * math.sin(a), lon + dlon * math.cos(a)] for a in np.linspace(0, 2 * math.pi, 7)[:-1]]


def incidents(n: int, now: float, dispatched: int) -> list[bytes]:
    import orjson

    rng = np.random.default_rng(5)
    sev = ["red", "orange", "yellow", "blue"]
    out = []
    for i in range(n):
        ev = {"id": f"B-{i:05d}", "version": 1, "title": f"压测事件 {i}", "category": "bench", "domain": "iot",
              "severity": sev[i % 4], "source": "sensor", "region": "310101",
              "location": {"lat": float(30.75 + rng.random() * 0.9), "lon": float(121.0 + rng.random() * 0.95)},
              "state": "dispatched" if i < dispatched else "new", "created_ts": now - 60, "updated_ts": now,
              "sla_due_ts": now + 3600, "assignee": "城管执法中队" if i < dispatched else None, "detail": "",
              "history": []}
        out.append(orjson.dumps({"type": "event", "seq": 0, "event": ev}))
    return out


def cpu_by_kind(pid: int) -> dict[str, float]:
    """CPU seconds (user + system) so far of this process and of each kind of its WebEngine children
    (renderer, gpu, zygote, utility), from /proc: load stretches wall time, not these."""
    tick = os.sysconf("SC_CLK_TCK")
    t = os.times()
    out = {"console": t.user + t.system}
    for kid in descendants(pid):
        try:
            fields = Path(f"/proc/{kid}/stat").read_text().rsplit(")", 1)[1].split()
            cmd = Path(f"/proc/{kid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        kind = next((a.split(b"=", 1)[1].decode() for a in cmd if a.startswith(b"--type=")), "other")
        out[kind] = out.get(kind, 0.0) + (int(fields[11]) + int(fields[12])) / tick
    return out


def pct(a, q) -> float:
    return round(float(np.percentile(np.asarray(a), q)), 1) if len(a) else float("nan")


def run(variant: str, seconds: float, warmup: float, n_incidents: int, n_units: int, zooms: int,
        soak_minutes: float) -> dict:
    import qasync
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from console.feed.decoder import Decoder
    from console.feed.frames import UnitFrame
    from console.model.city_state import CityState
    from console.model.clock import Clock
    from console.simulator.city_catalog import load_regions
    from console.simulator.city_model import UNITS
    from console.simulator.fleet import Fleet
    from console.ui.map_bridge import CityMapView
    from console.views.map_page import MapOptions

    class Bench:
        def __init__(self):
            self.deltas: list[float] = []

        def frames(self, message: dict) -> None:
            d = message.get("bench_frames")
            if isinstance(d, list):
                self.deltas.extend(float(x) for x in d)

    app = QApplication.instance() or QApplication([])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    state, clock = CityState(), Clock()
    regions = load_regions()
    from console.feed.frames import Catalog

    state.apply_catalog(Catalog((), tuple(regions)))
    view = CityMapView(state, clock, MapOptions(incidents="grid" if variant == "grid" else "cluster"))
    bench = Bench()
    view.page().message.connect(bench.frames)
    view.resize(1920, 1080)
    view.show()
    result: dict = {"variant": variant}
    ticks: list[float] = []
    loaded = variant != "anchor"

    def js(script: str):
        box: list = []
        view.page().runJavaScript(script, 0, box.append)
        return box

    async def wait_js(script: str, timeout: float = 120.0):
        box = js(script)
        end = time.monotonic() + timeout
        while not box and time.monotonic() < end:
            await asyncio.sleep(0.05)
        return box[0] if box else None

    async def main() -> None:
        while not view.is_ready:
            await asyncio.sleep(0.1)
        await wait_js(PAGE_JS % {"map": MAP_VAR})
        now = time.time()
        streets = [r for r in regions if r.level == "street" and r.centroid]
        fleet = Fleet(UNITS, tuple(r for r in regions if r.level == "district"), n_units)
        sim_t = [now]
        if loaded:
            t = time.perf_counter()
            dec = Decoder()
            for raw in incidents(n_incidents, now, dispatched=150):
                state.apply("bench", dec.decode(raw).frame)
            if variant == "canvas":  # the incidents as canvas markers, not through the cluster
                marks = [[e.location[0], e.location[1], {"red": "#e5484d", "orange": "#f76b15", "yellow": "#ffc53d",
                                                         "blue": "#3e8cf7"}[e.severity.value]]
                         for e in state.incidents.open.values()]
                result["markers"] = await wait_js(f"__bench.canvasIncidents({json.dumps(marks)})")
                state.take_changes()
            else:
                await wait_js("__bench.takeCost()")
                c0 = time.thread_time()
                view.apply_changes(state.take_changes())
                result["load_bridge_gui_cpu_ms"] = round((time.thread_time() - c0) * 1000, 1)
                end = time.monotonic() + 600
                while time.monotonic() < end:  # the map may take its incidents in several calls
                    result["markers"] = await wait_js("cityops.count()")
                    if result["markers"] == len(state.incidents.open):
                        break
                    await asyncio.sleep(0.1)
                result["load_gui_thread_cpu_ms"] = round((time.thread_time() - c0) * 1000, 1)
                result["load_page_ms"] = {k: [round(v[0], 1), v[1], round(v[2], 1)]
                                          for k, v in json.loads(await wait_js("__bench.takeCost()"))["cost"].items()}
            rings = [{"code": r.code, "ring": hexagon(*r.centroid)} for r in streets]
            await wait_js(f"__bench.addStreets({json.dumps(rings)})")
            result["load_s"] = round(time.perf_counter() - t, 1)
            result["streets"] = len(streets)
        dispatched = {e.id: e for e in list(state.incidents.open.values())[:150]} if loaded else {}
        if loaded:  # every unit on the map at its base first; then those that move, each second
            state.apply("bench", UnitFrame(tuple(fleet.reports(sim_t[0]))))
            view.apply_changes(state.take_changes())
        flip = [0]
        second_cpu: list[float] = []

        def every_second():
            if not loaded:
                return
            c0 = time.thread_time()
            flip[0] += 1
            js(f"__bench.recolour({json.dumps({r.code: FILLS[(i + flip[0]) % 4] for i, r in enumerate(streets)})})")
            sim_t[0] += 10.0  # ten simulated seconds a second: the units visibly drive
            moved = fleet.step(sim_t[0], dispatched)
            if moved:
                state.apply("bench", UnitFrame(tuple(moved)))
                view.apply_changes(state.take_changes())
            second_cpu.append((time.thread_time() - c0) * 1000)

        st = QTimer(view)
        st.timeout.connect(every_second)
        st.start(1000)
        last = [time.perf_counter()]

        def tick():
            t = time.perf_counter()
            ticks.append(t - last[0])
            last[0] = t

        timer = QTimer(view)
        timer.timeout.connect(tick)
        timer.start(16)
        await asyncio.sleep(warmup)
        if soak_minutes:
            result.update(await soak(soak_minutes))
            return
        ticks.clear()
        bench.deltas.clear()
        second_cpu.clear()
        await wait_js("__bench.takeCost()")
        cpu0, gui0 = cpu_by_kind(os.getpid()), time.thread_time()
        t0 = time.perf_counter()
        await asyncio.sleep(seconds)
        t1 = time.perf_counter()
        gui1, cpu1 = time.thread_time(), cpu_by_kind(os.getpid())
        timer.stop()
        page_cost = json.loads(await wait_js("__bench.takeCost()"))
        per_s = 1000 / (t1 - t0)
        result.update({
            "gui_thread_cpu_ms_per_s": round((gui1 - gui0) * per_s, 1),
            "bridge_cpu_ms_per_second_p50": pct(second_cpu, 50),
            "bridge_cpu_ms_per_second_max": round(max(second_cpu), 2) if second_cpu else None,
            "cpu_ms_per_s": {k: round((cpu1[k] - cpu0.get(k, 0.0)) * per_s, 1) for k in cpu1},
            "page_ms_per_s": {k: [round(v[0] * per_s / 1000, 1), v[1], round(v[2], 1)]
                              for k, v in page_cost["cost"].items()},
            "page_long_tasks": page_cost["long"],
        })
        frames = list(bench.deltas)
        stall = (np.array(ticks) - 0.016) * 1000
        fr = np.array(frames)
        result.update({
            "seconds": round(t1 - t0, 1), "ticks": len(ticks),
            "stall_ms_p50": pct(stall, 50), "stall_ms_p99": pct(stall, 99),
            "stall_ms_max": round(float(stall.max()), 1),
            "stall_share_beyond_16ms": round(float(np.clip(stall, 0, None).sum() / 1000 / (t1 - t0)), 4),
            "frames": len(frames), "frame_ms_p50": pct(fr, 50), "frame_ms_p99": pct(fr, 99),
            "frame_ms_max": round(float(fr.max()), 1) if len(fr) else None,
            "frame_share_beyond_50ms": round(float(np.clip(fr - 50, 0, None).sum() / 1000 / (t1 - t0)), 4)
            if len(fr) else None,
        })
        b = await wait_js(f"(function(){{var l={MAP_VAR};var c=l.getCenter();"
                          f"return JSON.stringify([[c.lat,c.lng],l.getZoom()]);}})()")
        home = json.loads(b)
        d = next(r for r in regions if r.code == PUDONG)
        bounds = [[d.centroid[0] - 0.12, d.centroid[1] - 0.12], [d.centroid[0] + 0.12, d.centroid[1] + 0.12]]
        there, back = [], []

        async def timed_zoom(call: str):
            await wait_js(call)
            for _ in range(1000):
                ms = await wait_js("__bench.zoomMs")
                if isinstance(ms, (int, float)):  # null comes back as '' until the frame is drawn
                    return ms
                await asyncio.sleep(0.02)
            return None

        await wait_js("__bench.takeCost()")
        zc0, zg0 = cpu_by_kind(os.getpid()), time.thread_time()
        for _ in range(zooms):
            there.append(await timed_zoom(f"__bench.zoom({json.dumps(bounds)}, null)"))
            await asyncio.sleep(0.3)
            back.append(await timed_zoom(f"__bench.zoom(null, {json.dumps(home)})"))
            await asyncio.sleep(0.3)
        zg1, zc1 = time.thread_time(), cpu_by_kind(os.getpid())
        zcost = json.loads(await wait_js("__bench.takeCost()"))
        result.update({  # what the zooms (there and back, each) cost, per zoom
            "zoom_gui_thread_cpu_ms": round((zg1 - zg0) * 1000 / (2 * zooms), 1),
            "zoom_cpu_ms": {k: round((zc1[k] - zc0.get(k, 0.0)) * 1000 / (2 * zooms), 1) for k in zc1},
            "zoom_page_ms": {k: [round(v[0] / (2 * zooms), 1), v[1], round(v[2], 1)]
                             for k, v in zcost["cost"].items()},
            "zoom_long_tasks": zcost["long"],
        })
        there = [x for x in there if isinstance(x, (int, float))]
        back = [x for x in back if isinstance(x, (int, float))]
        result.update({"zooms": len(there), "zoom_to_district_ms_p50": pct(there, 50),
                       "zoom_to_district_ms_max": round(max(there), 1) if there else None,
                       # a p99 from >= 300 zooms only; fewer give the max above as such
                       "zoom_to_district_ms_p99": pct(there, 99) if len(there) >= 300 else None,
                       "zoom_back_to_city_ms_p50": pct(back, 50),
                       "zoom_back_ms_max": round(max(back), 1) if back else None,
                       "zoom_call_ms": json.loads(await wait_js("JSON.stringify(__bench.zoomSync)")),
                       "units_on_page": len(json.loads(await wait_js("JSON.stringify(cityops.unitState().units)")))})
        st.stop()

    async def soak(minutes: float) -> dict:
        """Memory of the console and its WebEngine processes every 10 s, while units and trails move."""
        me = os.getpid()
        samples = []
        end = time.monotonic() + minutes * 60
        while time.monotonic() < end:
            web = sum(rss_kb(p) for p in descendants(me))
            samples.append((round(time.monotonic()), rss_kb(me), web))
            print(json.dumps({"soak_sample": samples[-1]}), file=sys.stderr, flush=True)  # kept if the end fails
            await asyncio.sleep(10)
        answer = await wait_js("JSON.stringify(cityops.unitState())", timeout=600)  # a loaded machine is slow
        page = json.loads(answer) if isinstance(answer, str) and answer else {}
        n = len(samples)
        after_warm = samples[n // 5:]  # the first fifth is warm-up

        def growth(i: int) -> dict:
            first, last = after_warm[0][i], after_warm[-1][i]
            return {"first_mb": round(first / 1024, 1), "last_mb": round(last / 1024, 1),
                    "max_mb": round(max(s[i] for s in after_warm) / 1024, 1),
                    "growth_percent": round((last - first) / first * 100, 2)}

        return {"soak_minutes": minutes, "samples": n, "console_rss": growth(1), "webengine_rss": growth(2),
                "page_layers_units": page.get("layers"), "page_trail_lines": page.get("trailLines"),
                "page_trail_points": page.get("trailPoints")}

    with loop:
        loop.run_until_complete(main())
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--variant", choices=["anchor", "cluster", "grid", "canvas"], default=None,
                    help="default: anchor, cluster and grid, one process each")
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--warmup", type=float, default=8.0)
    ap.add_argument("--incidents", type=int, default=50_000)
    ap.add_argument("--units", type=int, default=200)
    ap.add_argument("--zooms", type=int, default=10)
    ap.add_argument("--soak-minutes", type=float, default=0.0)
    args = ap.parse_args()
    common = ["--seconds", str(args.seconds), "--warmup", str(args.warmup), "--incidents", str(args.incidents),
              "--units", str(args.units), "--zooms", str(args.zooms), "--soak-minutes", str(args.soak_minutes)]
    if args.variant:
        print(json.dumps(run(args.variant, args.seconds, args.warmup, args.incidents, args.units, args.zooms,
                             args.soak_minutes)))
        return
    results = []
    for v in (("grid",) if args.soak_minutes else ("anchor", "cluster", "grid")):
        out = subprocess.run([sys.executable, __file__, "--variant", v, *common], capture_output=True, text=True,
                             timeout=600 + args.soak_minutes * 60)
        line = [x for x in out.stdout.splitlines() if x.startswith("{")]
        results.append(json.loads(line[-1]) if line else {"variant": v, "error": out.stderr[-1500:]})
        print(json.dumps(results[-1]), file=sys.stderr, flush=True)
    print(json.dumps({"benchmark": "map", "python": platform.python_version(),
                      "machine": f"{platform.machine()}, {os.cpu_count()} cpus",
                      "load_avg": os.getloadavg(), "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                      "results": results}, indent=2))


if __name__ == "__main__":
    main()
