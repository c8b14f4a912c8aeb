"""The closed loop of "handle one incident efficiently" (高效处置一件事) as an explicit state machine.

`apply_command` is what the authority (a platform, or the built-in simulator) does with an operator's
command: it checks the expected version and the transition and returns the next version of the event,
or raises `CommandRejected` with a reason a duty officer can read. Pure: no clock, no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from console.feed.frames import Event, HistoryEntry
from console.feed.protocol import CommandOp, IncidentState, Severity
from console.incidents.levels import handling_level, level_above
from console.views.labels import STATE_ZH

S = IncidentState
OPEN_BEFORE_RESOLVED = frozenset({S.NEW, S.ACKNOWLEDGED, S.DISPATCHED, S.ON_SCENE})

# op -> (states it may be applied in, state it leads to; None keeps the state)
TRANSITIONS: dict[CommandOp, tuple[frozenset[IncidentState], IncidentState | None]] = {
    CommandOp.ACKNOWLEDGE: (frozenset({S.NEW}), S.ACKNOWLEDGED),
    # re-dispatching (another unit) is allowed until the unit is on scene
    CommandOp.DISPATCH: (frozenset({S.NEW, S.ACKNOWLEDGED, S.DISPATCHED}), S.DISPATCHED),
    CommandOp.ARRIVE: (frozenset({S.DISPATCHED}), S.ON_SCENE),
    CommandOp.RESOLVE: (frozenset({S.ON_SCENE}), S.RESOLVED),
    CommandOp.CLOSE: (frozenset({S.RESOLVED}), S.CLOSED),
    CommandOp.REOPEN: (frozenset({S.RESOLVED}), S.ON_SCENE),  # verification failed
    CommandOp.CANCEL: (OPEN_BEFORE_RESOLVED, S.CANCELLED),
    CommandOp.MERGE: (OPEN_BEFORE_RESOLVED, S.CANCELLED),
    CommandOp.ESCALATE: (OPEN_BEFORE_RESOLVED | {S.RESOLVED}, None),
}

_ESCALATED = {Severity.BLUE: Severity.YELLOW, Severity.YELLOW: Severity.ORANGE, Severity.ORANGE: Severity.RED}


class CommandRejected(Exception):
    """The command cannot be applied; `str(exc)` is the reason shown to the operator."""


@dataclass(frozen=True, slots=True)
class Command:
    id: str
    op: CommandOp
    event_id: str
    expected_version: int
    operator: str
    args: Mapping[str, Any]


def allowed_ops(state: IncidentState) -> list[CommandOp]:
    return [op for op, (sources, _) in TRANSITIONS.items() if state in sources]


def apply_command(
    event: Event, cmd: Command, now: float, open_events: Mapping[str, Event] | None = None
) -> Event:
    if cmd.expected_version != event.version:
        raise CommandRejected(
            f"版本冲突 / stale version: the incident is at version {event.version}, "
            f"the command expected {cmd.expected_version}; refresh and retry"
        )
    sources, target = TRANSITIONS[cmd.op]
    if event.state not in sources:
        raise CommandRejected(
            f"不允许的操作 / illegal transition: cannot {cmd.op.value} an incident that is "
            f"{event.state.value} ({STATE_ZH[event.state]})"
        )
    note = str(cmd.args.get("note") or "")
    changes: dict[str, Any] = {}
    if cmd.op is CommandOp.DISPATCH:
        assignee = cmd.args.get("assignee")
        if not isinstance(assignee, str) or not assignee.strip():
            raise CommandRejected("派遣需要处置单位 / dispatch needs an assignee")
        changes["assignee"] = assignee.strip()
    elif cmd.op is CommandOp.MERGE:
        into = cmd.args.get("merged_into")
        if not isinstance(into, str) or into == event.id:
            raise CommandRejected("合并需要另一个事件 / merge needs another incident's id")
        if open_events is not None and into not in open_events:
            raise CommandRejected(f"合并目标不存在或已结案 / incident {into} is not open")
        changes["merged_into"] = into
        note = note or f"merged into {into}"
    elif cmd.op is CommandOp.ESCALATE:
        # up one level of centre (street -> district -> city: the next one now handles it), and a
        # severity up, as before
        changes["severity"] = _ESCALATED.get(event.severity, event.severity)
        changes["level"] = level_above(handling_level(event))
    elif cmd.op is CommandOp.CANCEL and not note:
        raise CommandRejected("撤销需要说明原因 / cancelling needs a note (false alarm, duplicate, ...)")
    state = target if target is not None else event.state
    entry = HistoryEntry(ts=now, state=state.value, operator=cmd.operator, note=note or cmd.op.value)
    return event.evolve(
        version=event.version + 1,
        state=state,
        updated_ts=now,
        history=(*event.history, entry),
        **changes,
    )


def holder_of(ev: Event) -> tuple[str, float] | None:
    """Who holds an open incident now and since when: the dispatched unit once there is one, else
    whoever moved it last; None while nobody has taken it (state new)."""
    if not ev.is_open or ev.state is S.NEW:
        return None
    since, who = ev.updated_ts, ""
    for h in reversed(ev.history):  # back to whoever moved it into its current state (an escalation keeps it)
        if h.state != ev.state.value:
            break
        since, who = h.ts, h.operator
    return (ev.assignee or who or "—"), since
