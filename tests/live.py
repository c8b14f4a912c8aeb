"""For tests that run real local servers: live-source timings short enough for a test, and a free port
on the loopback (the `free_port` fixture in conftest.py hands out the same)."""

from __future__ import annotations

import socket

from console.feed.live_source import LiveOptions

FAST = LiveOptions(backoff_base_s=0.05, backoff_cap_s=0.3, stale_after_s=0.6, heartbeat_timeout_s=1.5,
                  close_timeout_s=0.5, watchdog_s=0.1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
