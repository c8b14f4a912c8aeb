"""What the simulated city publishes: series and readings per second, by default and with
`--street-indicators N`, measured at a client of a real `cityops simulate` process.

    ./dev bench-sim                                  # default, then --street-indicators 100; 30 s each
    ./dev bench-sim --street-indicators 0 100 --seconds 60

Each run starts `cityops simulate` (its own cadences, speed 1), subscribes one WebSocket client to
samples, lets the backfill and the snapshot go by, then counts the readings that arrive in the
measured window. Series = the catalog's (indicator, region) pairs that the snapshot holds. Simulator
CPU is its process's user+system time over the window (/proc; 1.0 = one core), RSS its resident memory
at the end (the backfill history it keeps for new subscribers is most of it at street level).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from console.site.process import free_ports  # noqa: E402
from tests.bench.bench_fanout import cpu_seconds  # noqa: E402
from tests.bench.soak_wall import rss_kb  # noqa: E402


async def count(url: str, warmup: float, seconds: float) -> dict:
    from websockets.asyncio.client import connect

    async with connect(url, max_size=256 << 20, proxy=None) as ws:
        await ws.send(orjson.dumps({"type": "subscribe", "topics": ["samples", "events"]}), text=True)
        catalog, series = {}, 0
        while True:  # catalog, backfill, then the snapshot: what came before now
            f = orjson.loads(await asyncio.wait_for(ws.recv(decode=False), 60))
            if f["type"] == "catalog":
                catalog = {"indicators": len(f["indicators"]), "regions": len(f["regions"]),
                           "street_indicators": sum(i["scope"] == "street" for i in f["indicators"])}
            elif f["type"] == "snapshot":
                series = len(f["values"])
                break
        deadline = time.monotonic() + warmup
        while time.monotonic() < deadline:
            await asyncio.wait_for(ws.recv(decode=False), 10)
        n, frames, nbytes, t0 = 0, 0, 0, time.monotonic()
        while (dt := time.monotonic() - t0) < seconds:
            raw = await asyncio.wait_for(ws.recv(decode=False), 10)
            if raw.startswith(b'{"type":"samples"'):
                n += len(orjson.loads(raw)["samples"])
                frames += 1
                nbytes += len(raw)
        return {**catalog, "series": series, "readings_per_s": round(n / dt, 1), "frames_per_s": round(frames / dt, 1),
                "kb_per_s": round(nbytes / dt / 1e3, 1)}


def one(street_indicators: int | None, warmup: float, seconds: float) -> dict:
    (port,) = free_ports(1)
    extra = [] if street_indicators is None else ["--street-indicators", str(street_indicators)]
    cmd = [sys.executable, "-m", "console.app.cli", "--log-level", "WARNING", "simulate", "--port", str(port), *extra]
    t_start = time.monotonic()
    sim = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert "listening" in sim.stdout.readline()
        ready_s = time.monotonic() - t_start
        c0 = cpu_seconds(sim.pid)
        t0 = time.monotonic()
        out = asyncio.run(count(f"ws://127.0.0.1:{port}", warmup, seconds))
        cpu = (cpu_seconds(sim.pid) - c0) / (time.monotonic() - t0)
        return {"command": "cityops simulate " + " ".join(extra), **out, "start_s": round(ready_s, 1),
                "simulator_cpu_cores": round(cpu, 3), "simulator_rss_mb": round(rss_kb(sim.pid) / 1024)}
    finally:
        sim.terminate()
        sim.wait(20)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--street-indicators", type=int, nargs="+", default=None,
                    help="runs with these values (default: one run without the flag, then 100)")
    ap.add_argument("--seconds", type=float, default=30.0, help="measured seconds per run")
    ap.add_argument("--warmup", type=float, default=5.0)
    a = ap.parse_args()
    runs = [None, 100] if a.street_indicators is None else a.street_indicators
    rows = []
    for n in runs:
        rows.append(one(n, a.warmup, a.seconds))
        print(json.dumps(rows[-1], ensure_ascii=False), file=sys.stderr, flush=True)
    print(json.dumps({"benchmark": "simulator", "seconds": a.seconds, "runs": rows,
                      "machine": {"cores": os.cpu_count(), "python": platform.python_version(),
                                  "load_avg_1m": round(os.getloadavg()[0], 2)}}, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
