"""For tests that run real local servers: live-source timings short enough for a test (a free port is
the `free_port` fixture of conftest.py)."""

from __future__ import annotations

from console.feed.live_source import LiveOptions

FAST = LiveOptions(backoff_base_s=0.05, backoff_cap_s=0.3, stale_after_s=0.6, heartbeat_timeout_s=1.5,
                  close_timeout_s=0.5, watchdog_s=0.1)
