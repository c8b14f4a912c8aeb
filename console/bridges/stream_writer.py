"""What a bridge publishes to the city stream, the way the simulator's publisher does
(console/jetstream/publisher.py): readings as `[indicator, region, ts, value]` rows on
`city.samples.<district>.<domain>`, incidents one per message on `city.events.<district>.<domain>`,
each acknowledged by the stream (retried with the same message id), and checkpoints of what it
published under its own keys (`state.<district>.<domain>.<owner>`), so a hub that starts later has the
bridge's incidents and latest readings without replaying the stream from the beginning.
"""

from __future__ import annotations

import asyncio
import secrets

import orjson

from console.feed.frames import Event
from console.jetstream.layout import STREAM, checkpoint_key, district_of, events_subject, samples_subject
from console.jetstream.mirror import CityMirror
from console.jetstream.publisher import publish_until_acked


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
