"""The authority for incidents, beside the publisher: it answers `command` requests that hubs forward
on `city.commands`, applies them to the city once per command id, and publishes the changed incident
to the stream before it answers, so every console (not only the one that asked) sees it."""

from __future__ import annotations

import logging

import orjson

from console.jetstream.layout import AUTHORITY_QUEUE, COMMANDS
from console.jetstream.publisher import CityPublisher
from console.simulator.command_desk import BadCommand, CommandDesk

log = logging.getLogger(__name__)


class Authority:
    """`publisher` is the simulator's CityPublisher, or anything with the same three parts: `city` (whose
    `apply(command, now)` changes an incident), `sim_now()` and `publish_event(event)` (a bridge's
    incidents: console/bridges/cap/run.py). Commands arrive on `subject`, one replica of `queue` each."""

    def __init__(self, nc, publisher: CityPublisher, subject: str = COMMANDS, queue: str = AUTHORITY_QUEUE):
        self.nc = nc
        self.publisher = publisher
        self.subject, self.queue = subject, queue
        self.desk = CommandDesk(publisher.city)
        self._sub = None
        self.answered = 0

    async def start(self) -> None:
        # a queue group: several authority replicas could stand by, each command goes to one of them
        self._sub = await self.nc.subscribe(self.subject, queue=self.queue, cb=self._on_request)

    async def stop(self) -> None:
        if self._sub is not None:
            await self._sub.unsubscribe()
            self._sub = None

    async def _on_request(self, msg) -> None:
        try:
            obj = orjson.loads(msg.data)
            if type(obj) is not dict:
                raise BadCommand("a command is a JSON object")
            reply, new = self.desk.handle(obj, self.publisher.sim_now())
        except (orjson.JSONDecodeError, BadCommand) as exc:
            reply, new = {"type": "error", "code": "bad_frame", "message": str(exc)[:200]}, None
        try:
            if new is not None:
                await self.publisher.publish_event(new)
        except Exception as exc:
            # applied, but the stream would not take it for half a minute: the incident's next change
            # carries its state to the consoles; the operator's reply still says what happened
            log.error("command %s applied, publishing its event failed: %s", reply.get("ref"), type(exc).__name__)
        if msg.reply:
            await msg.respond(orjson.dumps(reply))
        self.answered += 1
