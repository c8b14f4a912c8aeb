"""What a bridge publishes to the city stream, the way the simulator's publisher does
(console/jetstream/publisher.py): readings as `[indicator, region, ts, value]` rows on
`city.samples.<district>.<domain>`, incidents one per message on `city.events.<district>.<domain>`,
each acknowledged by the stream (retried with the same message id), and checkpoints of what it
published under its own keys (`state.<district>.<domain>.<owner>`), so a hub that starts later has the
bridge's incidents and latest readings without replaying the stream from the beginning.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from pathlib import Path

import orjson

from console.feed.frames import Event
from console.jetstream.layout import STREAM, checkpoint_key, district_of, events_subject, samples_subject
from console.jetstream.mirror import CityMirror
from console.jetstream.publisher import publish_until_acked
from console.site.process import until_stopped, write_json_atomic

log = logging.getLogger(__name__)


class StreamWriter:
    def __init__(self, js, kv, owner: str, ack_timeout_s: float = 2.0):
        self.js, self.kv = js, kv
        self.owner = owner
        self.ack_timeout_s = ack_timeout_s
        self.mirror = CityMirror()
        self._lock = asyncio.Lock()  # a checkpoint never sees half a batch
        self._run_id = f"{owner}-{secrets.token_hex(6)}"
        self._msg_no = 0
        self._checkpointed: set[tuple[str, str]] = set()
        self.messages = self.samples = self.events = self.retries = self.checkpoints = 0

    async def _publish(self, subject: str, payload: bytes):
        self._msg_no += 1
        ack, attempts = await publish_until_acked(self.js, subject, payload, f"{self._run_id}-{self._msg_no}",
                                                  self.ack_timeout_s)
        self.retries += attempts
        self.messages += 1
        return ack

    async def publish_rows(self, groups: dict[tuple[str, str], list[list]], batch: int = 2000) -> None:
        """Rows by (district, domain); each group in messages of at most `batch` rows."""
        parts = [(g, rows[k : k + batch]) for g, rows in groups.items() for k in range(0, len(rows), batch) if rows]
        if not parts:
            return
        async with self._lock:
            await asyncio.gather(*(self._publish(samples_subject(*g), orjson.dumps(rows)) for g, rows in parts))
            for g, rows in parts:
                self.mirror.apply_rows(*g, rows)
                self.samples += len(rows)

    async def publish_event(self, ev: Event) -> None:
        wire = ev.to_wire()
        async with self._lock:  # in order: an incident's versions reach the stream one after the other
            await self._publish(events_subject(district_of(ev.region), ev.domain), orjson.dumps(wire))
            self.mirror.apply_event(wire)
            self.events += 1

    async def checkpoint(self) -> None:
        """Each group's latest readings and open incidents, stamped with the stream's last sequence: the
        stream holds nothing of ours after it (we publish nothing while the lock is held), so a hub that
        loads this and replays from there misses nothing. A group that emptied is written empty."""
        async with self._lock:
            upto = (await self.js.stream_info(STREAM)).state.last_seq
            groups = self.mirror.groups()
            bodies = {g: self.mirror.group_body(g) for g in groups | self._checkpointed}
        await asyncio.gather(*(self.kv.put(checkpoint_key(*g, owner=self.owner),
                                           orjson.dumps({"upto": upto, "values": rows, "events": evs}))
                               for g, (rows, evs) in bodies.items()))
        self._checkpointed = groups
        self.checkpoints += 1

    def summary(self) -> dict:
        return {"messages": self.messages, "samples": self.samples, "events": self.events, "retries": self.retries,
                "checkpoints": self.checkpoints}


async def every(fn, period_s: float, bridge: str, first_now: bool) -> None:
    """Call `fn` every `period_s` until cancelled, the first time at once or after one period. A failure
    is logged and the next round comes: a hiccup (the stream electing a leader, a feed down) must not
    end the bridge."""
    if not first_now:
        await asyncio.sleep(period_s)
    while True:
        try:
            await fn()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("%s bridge: %s failed; going on", bridge, fn.__name__)
        await asyncio.sleep(period_s)


async def cancel_all(tasks: list[asyncio.Task]) -> None:
    """Cancel the bridge's rounds and wait until each has ended."""
    for t in tasks:
        t.cancel()
    for t in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await t


async def run_bridge(bridge, nc, name: str, stats_json: Path | None, duration: float | None,
                     stats_every_s: float) -> None:
    """A started bridge until SIGINT/SIGTERM (or `duration`): its counters written to `stats_json` as it
    goes and at the end, then the bridge stopped and its NATS connection closed. The CAP and MQTT
    bridges differ in what they read, not in this."""
    async def stats() -> None:
        while True:
            await asyncio.sleep(stats_every_s)
            write_json_atomic(stats_json, bridge.summary())

    stats_task = asyncio.create_task(stats()) if stats_json else None
    try:
        await until_stopped(duration)
    finally:
        if stats_task:
            stats_task.cancel()
        await bridge.stop()
        await nc.close()
        if stats_json:
            write_json_atomic(stats_json, bridge.summary())
        log.info("%s bridge done: %s", name, bridge.summary())
