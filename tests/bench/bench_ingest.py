"""Ingest throughput: the console's whole path (LiveSource -> Decoder -> CityState) against a bare
websockets + orjson.loads loop over the same stream from the same local simulator, in one run.

    ./dev bench                      # batch sizes 1, 10, 100, 1000; prints JSON
    ./dev bench --batches 100 --samples 500000 --rounds 5
    ./dev bench --code /tmp/before   # the console's side from another tree (the simulator stays this one)

The simulator runs in its own process (`cityops simulate --burst N`), pre-renders the frames once and
sends every client the same bytes as fast as it can. Rounds alternate bare/ours so drift on a noisy
machine hits both; the medians and their ratio are reported. Both clocks start at the same point of
the stream, after the first 10% (WARMUP): steady state, without the one-off allocation of each new
series' ring buffer in the console.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import orjson
from websockets.asyncio.client import connect

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
if "--code" in sys.argv:  # another tree's console/ (the code before a change) on the console's side
    sys.path.insert(0, str(Path(sys.argv[sys.argv.index("--code") + 1]).resolve()))

from console.feed.live_source import FeedConfig, LiveSource  # noqa: E402
from console.model.city_state import CityState  # noqa: E402
from console.model.ingest import Ingest  # noqa: E402
from console.site.process import free_ports  # noqa: E402


def start_simulator(port: int, burst: int, batch: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "console.app.cli", "--log-level", "WARNING", "simulate", "--port", str(port),
         "--burst", str(burst), "--batch", str(batch), "--seed", "1"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    line = proc.stdout.readline()
    if "listening" not in line:
        proc.kill()
        raise RuntimeError(f"simulator did not start: {line}")
    return proc


WARMUP = 0.1


async def bare_loop(url: str, n: int) -> float:
    """The practical limit: receive, parse, count. Seconds for the samples after the warm-up."""
    async with connect(url, max_size=None, compression=None, proxy=None) as ws:
        await ws.send(orjson.dumps({"type": "subscribe", "topics": ["samples"]}).decode())
        got, t0, start_at = 0, None, int(n * WARMUP)
        while got < n:
            obj = orjson.loads(await ws.recv(decode=False))
            if obj.get("type") == "samples":
                got += len(obj["samples"])
                if t0 is None and got >= start_at:
                    t0, got0 = time.perf_counter(), got
        return (time.perf_counter() - t0) * (n - start_at) / (n - got0)


async def console_path(url: str, n: int) -> tuple[float, CityState]:
    state = CityState()
    src = LiveSource([FeedConfig(url, "bench")])
    src.add_listener(Ingest(state))
    done = asyncio.Event()
    mark: dict[str, float | int] = {}

    def watch(env) -> None:
        f = env.decoded.frame
        if type(f).__name__ != "Samples":
            return
        if "base" not in mark:
            mark["base"] = env.health.samples - len(f.batch)
        got = env.health.samples - mark["base"]
        if "t0" not in mark and got >= n * WARMUP:
            mark["t0"], mark["got0"] = time.perf_counter(), got
        if got >= n:
            mark["t1"] = time.perf_counter()
            done.set()

    src.add_listener(watch)
    await src.start()
    try:
        await asyncio.wait_for(done.wait(), 600)
    finally:
        await src.stop()
    h = src.health()[0]
    # every reading applied: a stream whose readings were old to the console measured their drop, not ingest
    assert h.reject_total == 0 and h.gaps == 0 and h.old_samples == 0, h.to_dict()
    return (mark["t1"] - mark["t0"]) * (n - int(n * WARMUP)) / (n - mark["got0"]), state


def run_batch(batch: int, samples: int, rounds: int) -> dict:
    port = free_ports(1)[0]
    sim = start_simulator(port, samples, batch)
    url = f"ws://127.0.0.1:{port}"
    bare, ours = [], []
    try:
        asyncio.run(bare_loop(url, samples))  # warm-up: the simulator renders its frames once
        for _ in range(rounds):
            bare.append(samples / asyncio.run(bare_loop(url, samples)))
            secs, state = asyncio.run(console_path(url, samples))
            ours.append(samples / secs)
    finally:
        sim.terminate()
        sim.wait(10)
    b, o = statistics.median(bare), statistics.median(ours)
    return {
        "batch": batch,
        "samples_per_round": samples,
        "rounds": rounds,
        "bare_samples_per_s": round(b),
        "console_samples_per_s": round(o),
        "ratio": round(o / b, 3),
        "bare_all": [round(x) for x in bare],
        "console_all": [round(x) for x in ours],
        "series_in_state": len(state.series_keys),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--batches", default="1,10,100,1000")
    ap.add_argument("--samples", type=int, default=300_000, help="samples per round (batch 1 uses a fifth)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--out", type=Path, default=None, help="also write the JSON here")
    ap.add_argument("--code", type=Path, default=None, help="the console's side from this tree (git archive)")
    args = ap.parse_args()
    results = []
    for b in (int(x) for x in args.batches.split(",")):
        n = args.samples // 5 if b == 1 else args.samples
        n -= n % b
        results.append(run_batch(b, n, args.rounds))
        print(json.dumps(results[-1]), file=sys.stderr, flush=True)
    report = {
        "benchmark": "ingest",
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cpus",
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "code": str(Path(sys.modules["console"].__file__).parent.parent),
        "results": results,
    }
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
