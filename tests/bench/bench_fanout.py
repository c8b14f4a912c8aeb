"""Fan-out through NATS JetStream: Shanghai at street level, the catalog of `cityops simulate
--street-indicators 100` (215 streets x 100 indicators = 21,500 street series, their 1,700 district and
city roll-ups and the 483 city, district and hotspot series: 23,683 series, each at 1 Hz, plus incident
traffic) published to a local 3-node cluster and fanned out by one hub to 10, 20 and 50 consoles.

    ./dev bench-fanout                          # 0, 10, 20, 50 consoles, 20 s each; prints JSON
    ./dev bench-fanout --consoles 10 50 --seconds 30

Processes: 3 nats-server nodes, the publisher and its authority, one `cityops hub`, and the consoles
spread over two consumer processes. The consumers are light, not `cityops run --headless`: fifty full
consoles would need far more than this machine's two cores before the hub did any work. Each one is a
websockets client that receives every frame and checks its `seq` (read from the frame's head), and
parses every 5th samples frame with orjson to time every 50th reading in it: wall-clock time at
receipt minus the reading's `ts`. The publisher stamps `ts`
when it generates a reading and publishes it at once (rate mode, simulated time = wall-clock time), so
this is publish -> console, through the stream's replication, the hub and the WebSocket.

Hub CPU is its process's user+system time over the measured window (/proc), divided by the window:
1.0 = one core. Everything shares two cores, so every number is a lower bound of what the design does.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import orjson

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from console.jetstream.cluster import LocalCluster, prepare  # noqa: E402
from console.jetstream.connect import NatsUser  # noqa: E402
from console.simulator.city_catalog import sim_catalog  # noqa: E402
from console.site.process import free_ports  # noqa: E402
from tests.bench.soak_wall import cpu_seconds  # noqa: E402

INDICATORS = 100  # per street, as `--street-indicators 100`
LATENCY_EVERY = 50  # every 50th reading of a timed frame is timed
PARSE_EVERY = 5  # every 5th samples frame is parsed and timed; all are counted and seq-checked
_HEAD = re.compile(rb'\{"type":"(samples|event|snapshot)","seq":(\d+)')


# ---------------------------------------------------------------------------------------- roles
async def publisher_main(urls: list[str], creds: Path, seconds: float) -> None:
    from console.jetstream.publisher import PublisherOptions
    from console.jetstream.run import start_publisher
    from console.simulator.city_model import SimCity

    users = json.loads(creds.read_text(encoding="utf-8"))
    now = time.time()
    city = SimCity(seed=11, start_ts=now - 60, incident_rate_per_min=60, auto_handle=0.9, history_s=0,
                   sim_indicators=sim_catalog(INDICATORS))
    city.rate_samples(city.n_series, now - 1)  # every series has a latest value before the first snapshot
    opts = PublisherOptions(source="shanghai-streets", rate=float(city.n_series), tick_s=0.25, batch=2000,
                            units=0)  # readings only: the workload of the figures in docs/benchmarks.md
    pub, _, close = await start_publisher(urls, NatsUser(**users["publisher"]), NatsUser(**users["authority"]),
                                             city, opts, start_ts=time.time())
    print(json.dumps({"series": city.n_series}), flush=True)
    t0, s0 = time.monotonic(), pub.samples
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
    rate = (pub.samples - s0) / (time.monotonic() - t0)
    await close()
    print(json.dumps({"published_samples_per_s": round(rate), "events": pub.events, "messages": pub.messages,
                      "retries": pub.retries}), flush=True)


async def consumers_main(url: str, n: int, warmup: float, seconds: float) -> None:
    from websockets.asyncio.client import connect

    lat: list[np.ndarray] = []
    counts = {"frames": 0, "samples": 0, "bytes": 0, "gaps": 0, "events": 0}
    measuring = asyncio.Event()

    async def one() -> None:
        async with connect(url, max_size=64 << 20, ping_interval=None, proxy=None, compression=None) as ws:
            await ws.send(orjson.dumps({"type": "subscribe", "topics": ["samples", "events"]}), text=True)
            last = None
            n_samples_frames = 0
            while True:
                raw = await ws.recv(decode=False)
                now = time.time()
                head = _HEAD.match(raw)  # the hub writes type and seq first: no full parse needed
                if head is None:
                    continue
                kind, seq = head.group(1), int(head.group(2))
                if last is not None and seq != last + 1 and kind != b"snapshot":
                    counts["gaps"] += measuring.is_set()
                last = seq
                if not measuring.is_set():
                    continue
                counts["frames"] += 1
                counts["bytes"] += len(raw)
                if kind == b"samples":
                    n_samples_frames += 1
                    if n_samples_frames % PARSE_EVERY == 0:
                        rows = orjson.loads(raw)["samples"]
                        lat.append(now - np.array([r[2] for r in rows[::LATENCY_EVERY]]))
                    counts["samples"] += raw.count(b"],[") + 1
                elif kind == b"event":
                    counts["events"] += 1

    tasks = [asyncio.create_task(one()) for _ in range(n)]
    await asyncio.sleep(warmup)
    measuring.set()
    t0 = time.monotonic()
    await asyncio.sleep(seconds)
    dt = time.monotonic() - t0
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    allv = np.concatenate(lat) if lat else np.empty(0)
    print(json.dumps({"clients": n, "seconds": dt, **counts,
                      "latency_ms": (allv * 1000).round(2).tolist()[:: max(1, len(allv) // 20000)]}), flush=True)


# ---------------------------------------------------------------------------------------- driver

def run(levels: list[int], seconds: float, warmup: float) -> dict:
    me = [sys.executable, str(Path(__file__).resolve())]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cluster = LocalCluster(3).start()
    procs: list[subprocess.Popen] = []
    try:
        asyncio.run(prepare(cluster))
        total = warmup + sum(warmup + seconds + 3 for _ in levels) + 60
        pub = subprocess.Popen([*me, "--role", "publisher", "--nats", cluster.url_list(), "--creds",
                                str(cluster.creds_path), "--seconds", str(total)], stdout=subprocess.PIPE, env=env,
                               text=True)
        procs.append(pub)
        series = json.loads(pub.stdout.readline())["series"]
        (port,) = free_ports(1)
        hub = subprocess.Popen([sys.executable, "-m", "console.app.cli", "--log-level", "WARNING", "hub", "--nats",
                                cluster.url_list(), "--nats-creds", str(cluster.creds_path), "--port", str(port),
                                # no chart history: the consoles connect during warm-up, the stream is measured
                                "--queue-frames", "400", "--history-s", "0"],
                               env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
        procs.append(hub)
        time.sleep(warmup)
        rows = []
        for n in levels:
            consumers = []
            halves = [n - n // 2, n // 2] if n else []
            for k in halves:
                if k:
                    consumers.append(subprocess.Popen([*me, "--role", "consumers", "--url", f"ws://127.0.0.1:{port}",
                                                       "--n", str(k), "--warmup", str(warmup), "--seconds",
                                                       str(seconds)], stdout=subprocess.PIPE, env=env, text=True))
            time.sleep(warmup)
            nodes = [p.pid for p in cluster.procs if p is not None]
            watched = [hub.pid, pub.pid, *nodes, *(c.pid for c in consumers)]
            c0, t0 = [cpu_seconds(pid) for pid in watched], time.monotonic()
            time.sleep(seconds)
            dt = time.monotonic() - t0
            used = [(cpu_seconds(pid) - c) / dt for pid, c in zip(watched, c0, strict=True)]
            hub_cpu, pub_cpu = used[0], used[1]
            nats_cpu, consumer_cpu = used[2 : 2 + len(nodes)], used[2 + len(nodes) :]
            outs = [json.loads(c.communicate(timeout=120)[0].strip().splitlines()[-1]) for c in consumers]
            lat = np.array([v for o in outs for v in o["latency_ms"]])
            secs = max((o["seconds"] for o in outs), default=seconds)
            row = {"consoles": n, "hub_cpu_cores": round(hub_cpu, 3),
                   "hub_cpu_per_console": round(hub_cpu / n, 4) if n else None,
                   "publisher_cpu_cores": round(pub_cpu, 3), "nats_cpu_cores": round(sum(nats_cpu), 3),
                   "consumers_cpu_cores": round(sum(consumer_cpu), 3),
                   "load_avg_1m": round(os.getloadavg()[0], 2)}
            if n:
                row.update({
                    "latency_p50_ms": round(float(np.percentile(lat, 50)), 1) if len(lat) else None,
                    "latency_p99_ms": round(float(np.percentile(lat, 99)), 1) if len(lat) else None,
                    "samples_per_s_per_console": round(sum(o["samples"] for o in outs) / n / secs),
                    "mb_per_s_out": round(sum(o["bytes"] for o in outs) / secs / 1e6, 1),
                    "events_per_s_per_console": round(sum(o["events"] for o in outs) / n / secs, 2),
                    "gaps": sum(o["gaps"] for o in outs),
                })
            rows.append(row)
            print(json.dumps(row), file=sys.stderr, flush=True)
        hub.terminate()
        hub.wait(20)
        if pub.poll() is None:
            pub.terminate()
        tail = pub.communicate(timeout=120)[0].strip().splitlines()
        published = json.loads(tail[-1]) if tail else {}
        version = subprocess.run([_nats_server(), "--version"], capture_output=True, text=True).stdout.strip()
        return {"benchmark": "fanout", "series": series, "seconds_per_level": seconds, "publisher": published,
                "levels": rows, "machine": {"cores": os.cpu_count(), "python": platform.python_version(),
                                            "load_avg_1m": os.getloadavg()[0], "nats_server": version}}
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(20)
                except subprocess.TimeoutExpired:
                    p.kill()
        cluster.stop()


def _nats_server() -> str:
    from console.jetstream.cluster import nats_server_binary

    return nats_server_binary()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--consoles", type=int, nargs="+", default=[0, 10, 20, 50])
    ap.add_argument("--seconds", type=float, default=20.0, help="measured seconds per level")
    ap.add_argument("--warmup", type=float, default=6.0)
    ap.add_argument("--role", choices=["driver", "publisher", "consumers"], default="driver")
    ap.add_argument("--nats"), ap.add_argument("--creds", type=Path), ap.add_argument("--url")
    ap.add_argument("--n", type=int, default=0)
    a = ap.parse_args()
    if a.role == "publisher":
        asyncio.run(publisher_main(a.nats.split(","), a.creds, a.seconds))
    elif a.role == "consumers":
        asyncio.run(consumers_main(a.url, a.n, a.warmup, a.seconds))
    else:
        print(json.dumps(run(a.consoles, a.seconds, a.warmup), ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
