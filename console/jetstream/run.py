"""Running the NATS side from the command line: the publisher with its authority (`cityops simulate
--nats`), a hub (`cityops hub`), and the whole local stack (`cityops cluster`)."""

from __future__ import annotations

import asyncio
import logging
import ssl
import subprocess
import sys
import time
from pathlib import Path

from console.jetstream.authority import Authority
from console.jetstream.cluster import LocalCluster, free_ports, prepare
from console.jetstream.connect import NatsUser, connect, load_creds
from console.jetstream.hub import Hub, HubOptions
from console.jetstream.layout import BUCKET, ensure_layout
from console.jetstream.publisher import CityPublisher, PublisherOptions
from console.simulator.city_model import SimCity
from console.site.process import stop_processes, until_stopped, write_json_atomic

log = logging.getLogger(__name__)


def city_digest(city: SimCity) -> dict:
    """The authority's truth in the form `cityops run --state-json` writes (console.app.headless.state_digest)."""
    latest = {}
    for k in range(city.n_series):
        ts = city.last_ts[k]
        if ts == ts:  # not NaN: the series has a reading
            latest[f"{city.series_indicator[k]}|{city.series_region[k]}"] = [float(ts), float(city.last_val[k])]
    return {"open_incidents": {eid: ev.version for eid, ev in sorted(city.events.items())},
            "latest": dict(sorted(latest.items()))}


async def start_publisher(urls: list[str], publisher: NatsUser | None, authority: NatsUser | None, city: SimCity,
                          options: PublisherOptions, start_ts: float | None = None):
    pnc = await connect(urls, publisher, "cityops-publisher")
    js = pnc.jetstream()
    # a developer's own nats-server has no stream yet: create it (replicated over the servers named, up to
    # 3). A least-privilege publisher only looks it up: in a cluster the admin made it beforehand.
    await ensure_layout(js, replicas=min(3, len(urls)))
    pub = CityPublisher(city, js, await js.key_value(BUCKET), options, start_ts)
    await pub.start()
    anc = await connect(urls, authority, "cityops-authority")
    auth = Authority(anc, pub)
    await auth.start()

    async def close() -> None:
        await auth.stop()
        await pub.stop()
        await anc.close()
        await pnc.close()

    return pub, auth, close


async def serve_publisher(urls: list[str], creds: Path | None, city: SimCity, options: PublisherOptions,
                          duration: float | None, state_json: Path | None, start_ts: float | None = None) -> None:
    pub, auth, close = await start_publisher(urls, load_creds(creds, "publisher"), load_creds(creds, "authority"),
                                             city, options, start_ts)
    print(f"publishing the simulated city to NATS ({len(urls)} server(s))", flush=True)
    try:
        await until_stopped(duration)
    finally:
        await close()
        if state_json:
            write_json_atomic(state_json, city_digest(city))
        log.info("publisher done: %d messages, %d samples, %d events, %d unit reports, %d checkpoints, %d retries, "
                 "%d commands", pub.messages, pub.samples, pub.events, pub.unit_reports, pub.checkpoints, pub.retries,
                 auth.answered)


def tls_context(cert: Path | None, key: Path | None) -> ssl.SSLContext | None:
    if cert is None and key is None:
        return None
    if cert is None or key is None:
        raise SystemExit("cityops: --tls-cert and --tls-key go together")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        ctx.load_cert_chain(cert, key)
    except (OSError, ssl.SSLError) as exc:
        raise SystemExit(f"cityops: cannot load the TLS certificate: {exc}") from None
    return ctx


async def serve_hub(urls: list[str], creds: Path | None, options: HubOptions, host: str, port: int,
                    duration: float | None, stats_json: Path | None) -> None:
    nc = await connect(urls, load_creds(creds, "hub"), "cityops-hub")
    hub = Hub(nc, options)
    actual = await hub.start(host, port)
    print(f"hub listening on {'wss' if options.ssl else 'ws'}://{host}:{actual}", flush=True)
    stats_task = asyncio.create_task(_hub_stats(hub, stats_json)) if stats_json else None
    try:
        await until_stopped(duration)
    finally:
        if stats_task:
            stats_task.cancel()
        await hub.stop()
        await nc.close()
        if stats_json:
            write_json_atomic(stats_json, hub.summary())


async def _hub_stats(hub: Hub, path: Path) -> None:
    while True:
        await asyncio.sleep(2.0)
        write_json_atomic(path, hub.summary())


async def _hubs_listening(ports: list[int], procs: list[subprocess.Popen], timeout: float = 60.0) -> None:
    """Until every hub accepts connections (a hub starts in a few seconds: Python, TLS to the cluster,
    the checkpoints), so the console line printed next works at once."""
    deadline = time.monotonic() + timeout
    for port, proc in zip(ports, procs, strict=True):
        while True:
            try:
                _r, w = await asyncio.open_connection("127.0.0.1", port)
                w.close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.error("hub on port %d did not start (exit %s)", port, proc.poll())
                    break
                await asyncio.sleep(0.2)


def spawn_hub(nats_urls: str, creds: Path, port: int, extra: list[str] | None = None,
              log_path: Path | None = None) -> subprocess.Popen:
    """`cityops hub` in its own process (its own core, its own crash)."""
    cmd = [sys.executable, "-m", "console.app.cli", "hub", "--nats", nats_urls, "--nats-creds", str(creds),
           "--port", str(port), *(extra or [])]
    if log_path is None:
        return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    with open(log_path, "ab") as out:  # the child has its own copy of the descriptor
        return subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)


async def run_stack(city: SimCity, options: PublisherOptions, hubs: int, hub_port: int, duration: float | None,
                    start_ts: float | None = None) -> None:
    """`cityops cluster`: 3 NATS nodes, the publisher and its authority, and `hubs` hubs, until stopped."""
    cluster = LocalCluster(3).start()
    procs: list[subprocess.Popen] = []
    try:
        await prepare(cluster)
        users = {r: NatsUser(**u) for r, u in cluster.users.items()}
        _, _, close = await start_publisher(cluster.urls, users["publisher"], users["authority"], city, options,
                                            start_ts)
        ports = [hub_port + k for k in range(hubs)] if hub_port else free_ports(hubs)
        for k, p in enumerate(ports):
            procs.append(spawn_hub(cluster.url_list(), cluster.creds_path, p, log_path=cluster.dir / f"hub{k + 1}.log"))
        urls = ",".join(f"ws://127.0.0.1:{p}" for p in ports)
        await _hubs_listening(ports, procs)
        print(f"NATS: {cluster.url_list()}  (data and logs in {cluster.dir}, removed on exit)")
        print(f"MQTT 3.1.1 (user `sensor`): {', '.join(f'mqtt://{h}:{p}' for h, p in cluster.mqtt_endpoints)}")
        print(f"hubs: {urls}")
        print(f"console: cityops run --feed '上海市城运平台={urls}'", flush=True)
        try:
            await until_stopped(duration)
        finally:
            await close()
    finally:
        stop_processes(procs)
        t0 = time.monotonic()
        cluster.stop()
        log.info("cluster stopped in %.1f s", time.monotonic() - t0)
