"""Auto-escalation: a red (or orange) incident nobody has acknowledged within the configured time
(resources/config/escalation.json) is escalated with the protocol's `escalate` command, through the
same journal and sender as an operator's command, and audited. Exactly once per incident: the
journal remembers, so a restarted console does not escalate the same incident again. Qt-free."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from console.feed.frames import Event
from console.feed.protocol import CommandOp, IncidentState, Severity
from console.incidents.command_journal import JournaledCommand
from console.incidents.command_sender import CommandNotAllowed, CommandSender
from console.views.labels import SEVERITY_ZH

log = logging.getLogger(__name__)


class EscalationConfigError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class EscalationPolicy:
    after_s: dict[Severity, float]

    @classmethod
    def load(cls, path: Path) -> EscalationPolicy:
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
            after = {Severity(k): float(v) for k, v in doc["after_s"].items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise EscalationConfigError(f"{path}: {exc}") from exc
        if any(v <= 0 for v in after.values()):
            raise EscalationConfigError(f"{path}: after_s must be positive seconds")
        return cls(after)

    def due(self, ev: Event, now: float) -> bool:
        limit = self.after_s.get(ev.severity)
        return ev.state is IncidentState.NEW and limit is not None and now - ev.created_ts >= limit


class AutoEscalator:
    def __init__(self, policy: EscalationPolicy, sender: CommandSender, max_per_run: int = 5):
        self.policy, self.sender = policy, sender
        # a console that starts on a backlog escalates it a few at a time, worst and oldest first,
        # rather than firing hundreds of commands in one second
        self.max_per_run = max_per_run
        self._done: set[str] = set()  # escalated (or tried) in this run; the journal knows earlier runs

    def due(self, events: Iterable[Event], now: float) -> list[Event]:
        out = []
        for ev in events:
            if ev.id in self._done or not self.policy.due(ev, now):
                continue
            if self.sender.journal.has_command(ev.id, CommandOp.ESCALATE):
                self._done.add(ev.id)  # escalated before (by hand, or before a restart)
                continue
            out.append(ev)
        out.sort(key=lambda e: (-e.severity.rank, e.created_ts))
        return out[:self.max_per_run]

    async def run(self, events: Iterable[Event], now: float) -> list[JournaledCommand]:
        sent = []
        for ev in self.due(events, now):
            self._done.add(ev.id)  # first: a second tick while this one awaits must not double it
            minutes = int((now - ev.created_ts) // 60)
            note = (f"自动升级：{SEVERITY_ZH[ev.severity]}事件 {minutes} 分钟未受理 / "
                    f"auto-escalated: unacknowledged for {minutes} min")
            try:
                cmd = await self.sender.submit(ev, CommandOp.ESCALATE, {"note": note, "auto": True})
            except CommandNotAllowed as exc:
                log.info("not escalating %s: %s", ev.id, exc)
                continue
            op = self.sender.operator
            if self.sender.audit is not None:
                self.sender.audit.record("auto_escalate", op.name, op.role.value, ev.id, "submitted",
                                         {"command": cmd.id, "severity": ev.severity.value,
                                          "unacknowledged_s": round(now - ev.created_ts)}, now=now)
            log.warning("auto-escalated %s (%s, unacknowledged %d min)", ev.id, ev.severity.value, minutes)
            sent.append(cmd)
        return sent
