"""A local NATS stack for tests: the 3-node cluster, the simulated city publishing to it from its own
process (`cityops simulate --nats`), hubs in or out of process. Everything on loopback, cleaned up."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from console.jetstream.cluster import LocalCluster, prepare
from console.jetstream.connect import NatsUser, connect
from console.jetstream.layout import BUCKET, CATALOG_KEY

REPO = Path(__file__).resolve().parent.parent


def cityops(*args: str, log: Path | None = None) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    cmd = [sys.executable, "-m", "console.app.cli", "--log-level", "INFO", *args]
    if log is None:
        return subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, env=env)
    with open(log, "ab") as out:  # the child has its own copy of the descriptor
        return subprocess.Popen(cmd, cwd=REPO, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)


def stop(proc: subprocess.Popen, timeout: float = 15.0) -> int:
    if proc.poll() is None:
        proc.terminate()
    try:
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait(5)


def start_publisher(cluster: LocalCluster, *args: str, log: Path | None = None) -> subprocess.Popen:
    proc = cityops("simulate", "--nats", cluster.url_list(), "--nats-creds", str(cluster.creds_path), *args, log=log)
    asyncio.run(_wait_catalog(cluster, proc))
    return proc


async def _wait_catalog(cluster: LocalCluster, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    """The publisher writes the catalog once its first state is out: then a hub can start."""
    nc = await connect(cluster.urls, NatsUser(**cluster.users["hub"]), "test-wait")
    try:
        kv = await nc.jetstream().key_value(BUCKET)
        deadline = time.monotonic() + timeout
        while True:
            try:
                await kv.get(CATALOG_KEY)
                return
            except Exception:
                if proc.poll() is not None:
                    raise RuntimeError(f"publisher exited with {proc.returncode}") from None
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.3)
    finally:
        await nc.close()


def start_cluster(nodes: int = 3) -> LocalCluster:
    cluster = LocalCluster(nodes).start()
    try:
        asyncio.run(prepare(cluster))
    except BaseException:
        cluster.stop()
        raise
    return cluster


@contextlib.contextmanager
def cluster_with_publisher(log_dir: Path, *publisher_args: str, nodes: int = 1) -> Iterator[LocalCluster]:
    """A local cluster with the simulated city publishing into it (its log in `log_dir`), stopped
    afterwards whatever happened: the bridges' end-to-end tests start from this."""
    cluster = start_cluster(nodes)
    pub = None
    try:
        pub = start_publisher(cluster, *publisher_args, log=log_dir / "publisher.log")
        yield cluster
    finally:
        if pub is not None:
            stop(pub)
        cluster.stop()

