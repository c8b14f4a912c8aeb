"""The authority's answer to one `command` frame, wherever the frame came in (the simulator's own
WebSocket, or a hub through NATS): checked, applied to the city once per command id, and answered."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from console.feed.frames import Event
from console.feed.protocol import CommandOp, FrameType
from console.incidents.lifecycle import Command, CommandRejected
from console.simulator.city_model import SimCity


class BadCommand(ValueError):
    """A command without an id cannot be answered (a reply names it); the caller sends an error frame."""


class CommandDesk:
    def __init__(self, city: SimCity, remember: int = 10_000):
        self.city = city
        self._replies: OrderedDict[str, dict] = OrderedDict()  # command id -> reply: commands are idempotent
        self._remember = remember
        self.commands = 0

    def handle(self, obj: dict, now: float) -> tuple[dict[str, Any], Event | None]:
        """(the reply frame, the changed event or None). A repeated id gets the first answer again and
        changes nothing."""
        self.commands += 1
        cid = obj.get("id")
        if not isinstance(cid, str) or not cid:
            raise BadCommand("command needs a text id")
        if cid in self._replies:
            return dict(self._replies[cid]), None
        reply: dict[str, Any] = {"type": FrameType.REPLY, "ref": cid}
        new = None
        try:
            try:
                op = CommandOp(obj.get("op"))
            except ValueError:
                raise CommandRejected(f"未知操作 / unknown op {str(obj.get('op'))[:40]!r}") from None
            ev_id, ver, operator = obj.get("event_id"), obj.get("expected_version"), obj.get("operator")
            args = obj.get("args") or {}
            if not isinstance(ev_id, str) or type(ver) is not int or not isinstance(args, dict):
                raise CommandRejected("命令格式错误 / command needs event_id, expected_version and args")
            if not isinstance(operator, str) or not operator:
                raise CommandRejected("命令需要操作员 / command needs an operator")
            new = self.city.apply(Command(cid, op, ev_id, ver, operator, args), now)
        except CommandRejected as exc:
            reply.update(ok=False, error=str(exc))
        else:
            reply.update(ok=True, event=new.to_wire())
        self._replies[cid] = reply
        while len(self._replies) > self._remember:
            self._replies.popitem(last=False)
        return dict(reply), new
