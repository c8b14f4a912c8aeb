"""What every long-running cityops process does alike (the simulator, a hub, a publisher, a headless
console): stop cleanly on SIGINT/SIGTERM, write its status as JSON that a reader never sees half of,
pick free local ports (a local cluster, the tests and the benchmarks), and stop the child processes
it started."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
from pathlib import Path


def stop_on_signals() -> asyncio.Event:
    """An event set by SIGINT or SIGTERM (Ctrl+C, `kill`, systemd's stop), so the caller finishes its
    `finally:` blocks: the recording closed, the last stats written. Where the loop cannot take signal
    handlers (not the main thread, Windows), the event is only set by the caller."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stop.set)
    return stop


async def until_stopped(duration: float | None = None) -> None:
    """Wait for SIGINT/SIGTERM, or `duration` seconds when given."""
    stop = stop_on_signals()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), duration)


def write_json_atomic(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(tmp, path)  # a reader never sees half a file


def free_ports(n: int, host: str = "127.0.0.1") -> list[int]:
    """n distinct ports free now (all bound at once, so none repeats); another process may take one before
    it is used, which is good enough on one machine."""
    socks, ports = [], []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind((host, 0))
            socks.append(s)
            ports.append(s.getsockname()[1])
    finally:
        for s in socks:
            s.close()
    return ports


def stop_processes(procs, grace_s: float = 10.0) -> None:
    """Ask every child to stop (SIGTERM) at once, give each `grace_s` to go, kill those that do not."""
    for p in procs:
        p.terminate()
    for p in procs:
        try:
            p.wait(grace_s)
        except subprocess.TimeoutExpired:
            p.kill()
