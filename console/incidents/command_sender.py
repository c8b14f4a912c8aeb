"""Operator commands from the console to the authority: journal first, then send; re-send what is
unanswered whenever a feed (re)connects; record the reply. Commands go out only through a source
that can send (never in replay), and only for an operator whose role may act."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from console.feed.frames import Event, Reply
from console.feed.protocol import CommandOp
from console.feed.source import Envelope, Source
from console.incidents.audit_log import AuditLog
from console.incidents.command_journal import CommandJournal, CommandState, JournaledCommand
from console.incidents.lifecycle import allowed_ops
from console.incidents.operator import Operator

log = logging.getLogger(__name__)


class CommandNotAllowed(Exception):
    """Refused before anything was written: replay, a role that may not act, an op the state forbids."""


@dataclass(frozen=True, slots=True)
class Outcome:
    command: JournaledCommand
    ok: bool
    error: str | None


class CommandSender:
    def __init__(self, source: Source, journal: CommandJournal, operator: Operator,
                 feed_of: Callable[[str], str | None], audit: AuditLog | None = None):
        self.source, self.journal, self.operator, self.audit = source, journal, operator, audit
        self._feed_of = feed_of  # event id -> the feed that owns it
        self._listeners: list[Callable[[Outcome], None]] = []
        self._tasks: set[asyncio.Task] = set()
        self.held_reason: str | None = None  # why commands are held back now (the picture is time-shifted)
        source.add_listener(self._on_envelope)
        source.add_connect_listener(self._on_connected)

    def add_outcome_listener(self, fn: Callable[[Outcome], None]) -> None:
        self._listeners.append(fn)

    def pending_by_event(self) -> dict[str, CommandOp]:
        return {c.event_id: c.op for c in self.journal.pending()}

    @property
    def can_send_now(self) -> bool:
        return self.source.can_send and self.held_reason is None

    async def submit(self, event: Event, op: CommandOp, args: dict[str, Any] | None = None) -> JournaledCommand:
        if not self.source.can_send:
            raise CommandNotAllowed("回放中不能发送命令 / commands cannot be sent in replay")
        if self.held_reason is not None:
            raise CommandNotAllowed(self.held_reason)
        if not self.operator.can_act:
            # an attempt the interface should never make (it offers no action): refused and kept on record
            log.warning("refused %s on %s: role %s may not act (operator %s)", op.value, event.id,
                        self.operator.role.value, self.operator.name)
            if self.audit is not None:
                self.audit.record(op.value, self.operator.name, self.operator.role.value, event.id, "refused",
                                  {"reason": "role may not act"})
            raise CommandNotAllowed(f"角色 {self.operator.role.value} 不能处置事件 / this role cannot act")
        if op not in allowed_ops(event.state):
            raise CommandNotAllowed(f"{op.value} is not possible in state {event.state.value}")
        feed = self._feed_of(event.id)
        if feed is None:
            raise CommandNotAllowed(f"unknown incident {event.id}")
        cmd = self.journal.record(feed, op, event.id, event.version, self.operator.name, self.operator.role.value,
                                  args or {})
        log.info("command %s: %s %s v%d by %s", cmd.id, op.value, event.id, event.version, self.operator.name)
        if self.audit is not None:
            self.audit.record(op.value, self.operator.name, self.operator.role.value, event.id, "submitted",
                              {"command": cmd.id, "expected_version": event.version, **(args or {})})
        await self._send(cmd)
        return cmd

    async def _send(self, cmd: JournaledCommand) -> bool:
        ok = await self.source.send(cmd.feed, cmd.frame())
        if ok:
            self.journal.mark_sent(cmd.id)
        else:
            log.info("command %s kept pending: feed %s not connected", cmd.id, cmd.feed)
        return ok

    async def resend_pending(self, feed: str | None = None) -> int:
        """Send again every unanswered command (same ids: the authority applies each once)."""
        n = 0
        for cmd in self.journal.pending(feed):
            # each send may wait (a slow line); an answer may come meanwhile: never send what is answered
            if self.journal.get(cmd.id).state is not CommandState.PENDING:
                continue
            if await self._send(cmd):
                n += 1
        if n:
            log.info("re-sent %d pending command(s) on %s", n, feed or "all feeds")
        return n

    def _on_connected(self, feed: str) -> None:
        task = asyncio.ensure_future(self.resend_pending(feed))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _on_envelope(self, env: Envelope) -> None:
        f = env.decoded.frame
        if not isinstance(f, Reply):
            return
        if not self.journal.answer(f.ref, f.ok, f.error):
            return  # not ours, or a repeated answer to a command already settled
        cmd = self.journal.get(f.ref)
        if not f.ok:
            log.warning("command %s (%s %s) refused: %s", cmd.id, cmd.op.value, cmd.event_id, f.error)
        if self.audit is not None:
            self.audit.record(cmd.op.value, cmd.operator, cmd.role, cmd.event_id, "done" if f.ok else "refused",
                              {"command": cmd.id, "error": f.error} if f.error else {"command": cmd.id})
        outcome = Outcome(cmd, f.ok, f.error)
        for fn in self._listeners:
            try:
                fn(outcome)
            except Exception:
                log.exception("outcome listener failed")
