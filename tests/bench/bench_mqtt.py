"""MQTT sensors through nats-server's own MQTT listener to a console: 10,000 messages/s for 30 s.

    ./dev bench-mqtt                        # 10,000 msg/s, 30 s, 1 NATS node; prints JSON
    ./dev bench-mqtt --rate 5000 --seconds 60 --nodes 3

Processes: nats-server (JetStream, MQTT listener), `cityops bridge mqtt` (the example mapping of
resources/config/mqtt_mapping.json), `cityops hub`, a device process (paho-mqtt, MQTT 3.1.1, QoS 0,
one connection, 1,000 devices' topics over the catalog's regions, paced in 5 ms slices) and this
process: a console (LiveSource + CityState, as `cityops run --headless` has them) behind the hub.

Counted at both ends: messages the device process sent; messages the bridge received and mapped;
distinct readings (region, device time) the console applied. Latency: the device stamps `ts` (ms) in
each payload when it sends it; the console's listener, called after CityState applied the frame,
takes wall-clock time minus `ts`: publish -> MQTT listener -> bridge -> stream -> hub -> console.
The anchor, in the same run: this process also subscribes to `sensors.>` with a plain NATS client
and times every 10th message the same way (publish -> MQTT listener -> a NATS subscriber): what the
bridge, the stream and the hub add is the difference.
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

import numpy as np
import orjson

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from console.feed.frames import Samples, Snapshot  # noqa: E402
from console.feed.live_source import FeedConfig, LiveOptions, LiveSource  # noqa: E402
from console.jetstream.cluster import LocalCluster, prepare  # noqa: E402
from console.jetstream.connect import NatsUser, connect  # noqa: E402
from console.jetstream.layout import BUCKET, CATALOG_KEY  # noqa: E402
from console.model.city_state import CityState  # noqa: E402
from console.model.ingest import Ingest  # noqa: E402
from console.simulator.city_catalog import load_indicators, load_regions  # noqa: E402
from console.site.process import free_ports, stop_processes  # noqa: E402
from tests.bench.soak_wall import cpu_seconds  # noqa: E402

INDICATOR = "water.pump_sump_level"
DEVICES = 1000
ANCHOR_EVERY = 10


def _cityops(*args: str, log: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with open(log, "ab") as out:
        return subprocess.Popen([sys.executable, "-m", "console.app.cli", "--log-level", "WARNING", *args], cwd=ROOT,
                                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)


async def _port_open(port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            _, w = await asyncio.open_connection("127.0.0.1", port)
            w.close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.1)



# ---------------------------------------------------------------------- the devices (own process)
def devices(host: str, port: int, user: str, password: str, rate: float, seconds: float,
            regions: list[str], part: int) -> dict:
    """paho-mqtt, the MQTT 3.1.1 client aiomqtt wraps: aiomqtt awaits every publish (about 1,500 msg/s
    per connection here), which would measure the device, not the path."""
    import paho.mqtt.client as mqtt

    topics = [f"sensors/{regions[k % len(regions)]}/drainage/D{part}-{k:04d}/level" for k in range(DEVICES)]
    c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"bench-devices-{part}", protocol=mqtt.MQTTv311)
    c.username_pw_set(user, password)
    c.max_queued_messages_set(0)
    c.connect(host, port)
    c.loop_start()
    sent = 0
    start = time.monotonic()
    end = start + seconds
    while (now := time.monotonic()) < end:
        due = int((now - start) * rate) - sent
        for _ in range(due):
            t_ms = time.time() * 1000.0
            c.publish(topics[sent % DEVICES], b'{"level_cm": %d, "ts": %.3f}' % (sent % 997, t_ms), qos=0)
            sent += 1
        time.sleep(0.005)
    time.sleep(1.0)  # let the socket drain before disconnecting
    c.loop_stop()
    c.disconnect()
    return {"sent": sent, "seconds": seconds, "rate_achieved": sent / seconds}


# ---------------------------------------------------------------------- the console (this process)
async def measure(args) -> dict:
    cluster = LocalCluster(args.nodes).start()
    procs: list[subprocess.Popen] = []
    logs = cluster.dir
    try:
        await prepare(cluster)
        pub = await connect(cluster.urls, NatsUser(**cluster.users["publisher"]), "bench-catalog")
        kv = await pub.jetstream().key_value(BUCKET)
        regions = list(load_regions())
        ind = next(i.indicator for i in load_indicators() if i.indicator.id == INDICATOR)
        await kv.put(CATALOG_KEY, orjson.dumps({"source": "bench", "level": "city", "indicators": [ind.to_wire()],
                                                "regions": [r.to_wire() for r in regions]}))
        await pub.close()
        stats = logs / "bridge.json"
        procs.append(_cityops("bridge", "mqtt", "--nats", cluster.url_list(), "--nats-creds", str(cluster.creds_path),
                              "--mapping", str(ROOT / "resources/config/mqtt_mapping.json"),
                              "--stats-json", str(stats), log=logs / "bridge.log"))
        hub_port = free_ports(1)[0]
        procs.append(_cityops("hub", "--nats", cluster.url_list(), "--nats-creds", str(cluster.creds_path),
                              "--port", str(hub_port), "--history-s", "0", log=logs / "hub.log"))
        await _port_open(hub_port, 30)

        state = CityState()
        src = LiveSource([FeedConfig(f"ws://127.0.0.1:{hub_port}", "city")], LiveOptions())
        src.add_listener(Ingest(state))
        seen: set[tuple[str, float]] = set()
        lat_console: list[np.ndarray] = []
        t_start = [float("inf")]
        snapshot = asyncio.Event()

        def on_frame(env) -> None:
            f = env.decoded.frame
            if isinstance(f, Snapshot):
                snapshot.set()
            batch = f.batch if isinstance(f, Samples) else (f.values if isinstance(f, Snapshot) else None)
            if batch is None or not len(batch):
                return
            now_ms = time.time() * 1000.0
            ts_ms = batch.ts * 1000.0
            keep = ts_ms >= t_start[0]
            if keep.any():
                lat_console.append(now_ms - ts_ms[keep])
                seen.update(zip([r for r, k in zip(batch.regions, keep, strict=True) if k],
                                np.round(ts_ms[keep], 3).tolist(), batch.values[keep].tolist(), strict=True))

        src.add_listener(on_frame)
        await src.start()
        await asyncio.wait_for(snapshot.wait(), 30)  # subscribed: from now on the console misses nothing

        anchor_nc = await connect(cluster.urls, NatsUser(**cluster.users["bridge"]), "bench-anchor")
        lat_anchor: list[float] = []
        n_anchor = [0]

        async def on_sensor(msg) -> None:
            n_anchor[0] += 1
            if n_anchor[0] % ANCHOR_EVERY == 0:  # this process is also the console: keep its own load small
                lat_anchor.append(time.time() * 1000.0 - orjson.loads(msg.data)["ts"])

        await anchor_nc.subscribe("sensors.>", cb=on_sensor, pending_msgs_limit=-1, pending_bytes_limit=-1)

        host, port = cluster.mqtt_endpoints[0]
        sensor = cluster.users["sensor"]
        cpu0 = {p.pid: cpu_seconds(p.pid) for p in procs}
        nats_cpu0 = sum(cpu_seconds(p.pid) for p in cluster.procs if p)
        t_start[0] = time.time() * 1000.0
        wall0 = time.monotonic()
        outs = [logs / f"devices{k}.json" for k in range(args.device_procs)]
        devs = [subprocess.Popen([sys.executable, __file__, "--as-devices", host, str(port), sensor["user"],
                                  str(args.rate / args.device_procs), str(args.seconds), str(out), str(k)],
                                 env={**os.environ, "BENCH_SENSOR_PASSWORD": sensor["password"]}, cwd=ROOT)
                for k, out in enumerate(outs)]
        while any(d.poll() is None for d in devs):
            await asyncio.sleep(0.2)
        sent = {"sent": sum(json.loads(o.read_text())["sent"] for o in outs)}
        deadline = time.monotonic() + 30
        while len(seen) < sent["sent"] and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        wall = time.monotonic() - wall0
        await asyncio.sleep(1.5)  # the bridge's stats file catches up
        bridge = json.loads(stats.read_text())
        cpu = {name: round((cpu_seconds(p.pid) - cpu0[p.pid]) / wall, 3) for name, p in zip(("bridge", "hub"), procs,
                                                                                       strict=True)}
        cpu["nats_server"] = round((sum(cpu_seconds(p.pid) for p in cluster.procs if p) - nats_cpu0) / wall, 3)
        await src.stop()
        await anchor_nc.close()
        lc = np.concatenate(lat_console) if lat_console else np.empty(0)
        la = np.array(lat_anchor)
        h = src.health()[0]

        def pct(a: np.ndarray, q: float) -> float | None:
            return round(float(np.percentile(a, q)), 1) if len(a) else None

        return {
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                        "load_avg_1m": round(os.getloadavg()[0], 2)},
            "rate_asked": args.rate, "seconds": args.seconds, "nodes": args.nodes,
            "sent": sent["sent"], "bridge_received": bridge["received"], "bridge_mapped": bridge["mapped"],
            "bridge_rejected": bridge["rejected"], "stream_messages": bridge["messages"],
            "console_readings": len(seen), "lost": sent["sent"] - len(seen),
            "console_gaps": h.gaps, "console_rejects": h.reject_total,
            "latency_ms_console": {"p50": pct(lc, 50), "p99": pct(lc, 99), "max": pct(lc, 100), "n": len(lc)},
            "latency_ms_anchor_nats_subscriber": {"p50": pct(la, 50), "p99": pct(la, 99), "n": len(la)},
            "cpu_cores": cpu,
        }
    finally:
        stop_processes(procs)
        cluster.stop()


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--as-devices":
        host, port, user, rate, seconds, out, part = sys.argv[2:9]
        regions = [r.code for r in load_regions()]
        res = devices(host, int(port), user, os.environ["BENCH_SENSOR_PASSWORD"], float(rate), float(seconds),
                      regions, int(part))
        Path(out).write_text(json.dumps(res))
        return
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rate", type=float, default=10_000.0, help="messages per second from the devices")
    p.add_argument("--seconds", type=float, default=30.0)
    p.add_argument("--nodes", type=int, default=1, choices=[1, 3])
    p.add_argument("--device-procs", type=int, default=1, help="device processes sharing the rate")
    args = p.parse_args()
    print(json.dumps(asyncio.run(measure(args)), indent=2))


if __name__ == "__main__":
    main()
