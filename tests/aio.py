"""Helpers for async tests without a plugin: each test runs its own loop via asyncio.run."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


async def until(cond: Callable[[], bool], timeout: float = 10.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(0.02)


async def pump_qt(app, every_s: float = 0.005) -> None:
    """Run Qt's events from an asyncio loop (until cancelled). Not qasync: stopping a qasync loop quits
    the shared QApplication, which tears down Qt WebEngine for every later test in the process."""
    while True:
        app.processEvents()
        await asyncio.sleep(every_s)
