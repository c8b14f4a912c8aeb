"""What the map page holds, sampled over time through Chromium's DevTools protocol: the console or wall
must run with QTWEBENGINE_REMOTE_DEBUGGING=<port>. Every --every seconds, for each page target: V8's heap
(Runtime.getHeapUsage), the renderer's counters (Performance.getMetrics: Nodes, LayoutObjects,
JSEventListeners, Documents), what the page's map holds (Leaflet layers, canvases and their pixels,
tooltips, unit badges, trail points, incident tiles, sprite cache), and the RSS of every process under
--pid. Prints one JSON line per sample; with --snapshot-at minutes, writes heap snapshots' constructor
counts to --out (a diff of two says what grows in the JS heap); with --allocators, each sample also has
what each of Chromium's allocators holds in each process (its memory-infra dump).

    QTWEBENGINE_REMOTE_DEBUGGING=9333 python tests/bench/soak_wall.py --minutes 25 ... &
    python tests/bench/page_probe.py --port 9333 --pid <wall pid> --minutes 25
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import sys
import time
import urllib.request
from pathlib import Path

import websockets

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "bench"))

from soak_wall import descendants, rss_kb  # noqa: E402


def rss_parts_mb(pid: int) -> dict:
    """anonymous, file-backed and shared-memory RSS (a compositor's bitmaps are shared memory)"""
    out = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(("RssAnon:", "RssFile:", "RssShmem:")):
                out[line.split(":")[0][3:].lower()] = round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return out

PAGE_JS = r"""(function () {
  var maps = Object.keys(window).filter(function (k) {
    try { return window[k] instanceof L.Map; } catch (e) { return false; } });
  var out = {maps: maps.length, layers: 0, canvases: 0, canvas_px: 0, tooltips: 0, units: 0, paths: 0,
             tiles: 0, nodes: document.getElementsByTagName('*').length};
  maps.forEach(function (k) { var m = window[k]; out.layers += Object.keys(m._layers).length; });
  var cs = document.getElementsByTagName('canvas');
  out.canvases = cs.length;
  for (var i = 0; i < cs.length; i++) out.canvas_px += cs[i].width * cs[i].height;
  out.tooltips = document.querySelectorAll('.leaflet-tooltip').length;
  out.paths = document.querySelectorAll('path').length;
  out.tiles = document.querySelectorAll('.leaflet-tile').length;
  out.popups = document.querySelectorAll('.leaflet-popup').length;
  if (window.cityops && cityops.unitState) {
    var u = cityops.unitState(); out.units = Object.keys(u.units).length;
    out.trail_points = u.trailPoints; out.unit_layers = u.layers; }
  if (window.cityops && cityops.count) out.incidents = cityops.count();
  if (window.cityopsAreas) out.areas = cityopsAreas.count();
  if (window.cityopsIncidentsApi && cityopsIncidentsApi.canvases) Object.assign(out, cityopsIncidentsApi.canvases());
  return JSON.stringify(out);
})()"""


class Target:
    def __init__(self, ws):
        self.ws, self.n = ws, 0

    async def call(self, method: str, params: dict | None = None, on_event=None) -> dict:
        self.n += 1
        mid = self.n
        await self.ws.send(json.dumps({"id": mid, "method": method, "params": params or {}}))
        while True:
            msg = json.loads(await self.ws.recv())
            if msg.get("id") == mid:
                return msg.get("result", msg)
            if on_event:
                on_event(msg)


async def snapshot_counts(t: Target) -> dict:
    chunks: list[str] = []
    await t.call("HeapProfiler.enable")
    await t.call("HeapProfiler.collectGarbage")
    await t.call("HeapProfiler.takeHeapSnapshot", {"reportProgress": False},
                 on_event=lambda m: chunks.append(m["params"]["chunk"])
                 if m.get("method") == "HeapProfiler.addHeapSnapshotChunk" else None)
    snap = json.loads("".join(chunks))
    meta = snap["snapshot"]["meta"]
    fields = meta["node_fields"]
    nf = len(fields)
    types = meta["node_types"][0]
    ti, ni, si = fields.index("type"), fields.index("name"), fields.index("self_size")
    strings, nodes = snap["strings"], snap["nodes"]
    count: collections.Counter = collections.Counter()
    size: collections.Counter = collections.Counter()
    for i in range(0, len(nodes), nf):
        typ = types[nodes[i + ti]]
        key = f"{typ}:{strings[nodes[i + ni]][:60]}" if typ in ("object", "closure", "native") else typ
        count[key] += 1
        size[key] += nodes[i + si]
    return {"count": dict(count), "size": dict(size)}


ALLOCATORS = ("malloc", "partition_alloc", "blink_gc", "v8", "canvas", "cc", "skia", "shared_memory", "web_cache",
              "parkable_strings", "discardable", "font_caches", "gpu")


async def allocator_dump(port: int) -> dict:
    """One Chromium memory-infra dump through the browser's DevTools endpoint (Tracing.requestMemoryDump):
    per process (its OS pid), the size each of Chromium's allocators reports, MB. What an allocator holds
    against what the process's private memory grows by says whether the growth is the page's objects or
    the allocator's own keeping (freed memory not given back to the system)."""
    ver = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/version", timeout=5).read())
    events: list[dict] = []
    async with websockets.connect(ver["webSocketDebuggerUrl"], max_size=2**31) as ws:
        t = Target(ws)
        await t.call("Tracing.start", {"traceConfig": {"includedCategories": ["disabled-by-default-memory-infra"],
                                                       "excludedCategories": ["*"],
                                                       "memoryDumpConfig": {"triggers": []}},
                                       "transferMode": "ReportEvents"})
        await t.call("Tracing.requestMemoryDump", {"deterministic": True, "levelOfDetail": "detailed"})
        await t.call("Tracing.end")
        while True:
            msg = json.loads(await asyncio.wait_for(ws.recv(), 60))
            if msg.get("method") == "Tracing.dataCollected":
                events += msg["params"]["value"]
            elif msg.get("method") == "Tracing.tracingComplete":
                break
    out: dict = {}
    for e in events:
        dumps = e.get("args", {}).get("dumps") if e.get("ph") == "v" else None
        if not dumps:
            continue
        sizes = {}
        for name, body in dumps.get("allocators", {}).items():
            size = body.get("attrs", {}).get("size", {}).get("value")
            if name in ALLOCATORS and size:
                sizes[name] = round(int(size, 16) / 2**20, 1)
        if sizes:
            out[str(e["pid"])] = sizes
    return out


async def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=9333)
    ap.add_argument("--pid", type=int, required=True, help="the console's or wall's process")
    ap.add_argument("--minutes", type=float, default=20)
    ap.add_argument("--every", type=float, default=60)
    ap.add_argument("--snapshot-at", type=float, nargs="*", default=[])
    ap.add_argument("--pressure-at", type=float, nargs="*", default=[],
                    help="minutes at which every page is told of critical memory pressure (what Chromium then "
                         "gives back is cache, not a leak)")
    ap.add_argument("--allocators", action="store_true",
                    help="with each sample, Chromium's memory-infra dump: each process's allocators' sizes")
    ap.add_argument("--out", type=Path, default=ROOT / "out" / "probe")
    a = ap.parse_args()
    a.out.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    snaps = sorted(a.snapshot_at)
    pressures = sorted(a.pressure_at)
    while time.monotonic() - t0 < a.minutes * 60:
        tick = time.monotonic()
        row: dict = {"t_min": round((tick - t0) / 60, 2), "ts": time.time()}
        kids = descendants(a.pid)
        row["wall_rss_mb"] = round(rss_kb(a.pid) / 1024, 1)
        row["procs_mb"] = {p: round(rss_kb(p) / 1024, 1) for p in kids}
        row["webengine_rss_mb"] = round(sum(row["procs_mb"].values()), 1)
        row["parts_mb"] = {p: rss_parts_mb(p) for p in [a.pid, *kids]}
        try:
            targets = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{a.port}/json", timeout=5).read())
        except OSError as e:
            row["error"] = str(e)
            targets = []
        row["pages"] = []
        for tg in targets:
            if tg.get("type") != "page" or "webSocketDebuggerUrl" not in tg:
                continue
            async with websockets.connect(tg["webSocketDebuggerUrl"], max_size=2**31) as ws:
                t = Target(ws)
                heap = await t.call("Runtime.getHeapUsage")
                await t.call("Performance.enable")
                met = {m["name"]: m["value"] for m in (await t.call("Performance.getMetrics"))["metrics"]}
                ev = await t.call("Runtime.evaluate", {"expression": PAGE_JS, "returnByValue": True})
                page = {"url": tg.get("url", "")[-40:], "heap_used_mb": round(heap.get("usedSize", 0) / 2**20, 2),
                        "heap_total_mb": round(heap.get("totalSize", 0) / 2**20, 2),
                        "heap_embedder_mb": round(heap.get("embedderHeapUsedSize", 0) / 2**20, 2),
                        "heap_backing_mb": round(heap.get("backingStorageSize", 0) / 2**20, 2)}
                for k in ("Nodes", "LayoutObjects", "JSEventListeners", "Documents", "Frames", "JSHeapUsedSize"):
                    page[k] = met.get(k)
                try:
                    page.update(json.loads(ev["result"]["value"]))
                except (KeyError, TypeError, ValueError):
                    page["eval_error"] = str(ev)[:300]
                if snaps and row["t_min"] >= snaps[0]:
                    snaps.pop(0)
                    path = a.out / f"heap-{tg['id'][:8]}-{row['t_min']:.0f}.json"
                    path.write_text(json.dumps(await snapshot_counts(t)))
                    page["snapshot"] = str(path)
                if pressures and row["t_min"] >= pressures[0]:
                    await t.call("Memory.simulatePressureNotification", {"level": "critical"})
                    page["pressure"] = "critical"
                row["pages"].append(page)
        if pressures and row["t_min"] >= pressures[0]:
            pressures.pop(0)
        if a.allocators:
            try:
                row["allocators_mb"] = await allocator_dump(a.port)
            except (OSError, TimeoutError, websockets.WebSocketException) as e:
                row["allocators_error"] = str(e)[:200]
        print(json.dumps(row), flush=True)
        await asyncio.sleep(max(0.0, a.every - (time.monotonic() - tick)))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
