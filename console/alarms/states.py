"""The console's own alarms (its rules over indicator series, stale feeds) as ANSI/ISA-18.2 names them:
normal, unacknowledged, acknowledged, returned-to-normal unacknowledged, shelved, suppressed by design
and out of service. One explicit transition table; anything not in it is refused. Platform incidents
keep the feed protocol's own lifecycle (console/incidents/lifecycle.py) and never pass through here.

Chatter is counted here too (an alarm that activates `chatter_count` times within `chatter_window_s`
is marked chattering: it stays one entry with a count and is not announced again). Shelving always
expires and says who, why and until when; shelving, suppression and service changes are audited.
Qt-free."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from console.feed.protocol import Severity
from console.incidents.audit_log import AuditLog


class AlarmState(StrEnum):
    NORMAL = "normal"
    UNACK = "unacknowledged"  # active, not yet acknowledged
    ACKED = "acknowledged"  # active, acknowledged
    RTN_UNACK = "rtn_unacknowledged"  # returned to normal before anyone acknowledged it
    SHELVED = "shelved"  # by an operator, for a stated time, with a reason
    SUPPRESSED = "suppressed_by_design"  # by the console's mode (e.g. emergency mode turns a rule set off)
    OUT_OF_SERVICE = "out_of_service"  # taken out for maintenance


class AlarmInput(StrEnum):
    ACTIVATE = "activate"  # the condition became true
    CLEAR = "clear"  # the condition became false
    ACK = "acknowledge"
    SHELVE = "shelve"
    UNSHELVE = "unshelve"  # by hand or by expiry
    SUPPRESS = "suppress"
    UNSUPPRESS = "unsuppress"
    REMOVE = "remove_from_service"
    RETURN = "return_to_service"


S, In = AlarmState, AlarmInput
RESUME = "resume"  # leaving shelved/suppressed/out of service: unacknowledged if the condition holds, else normal
_ANNUNCIATED = (S.NORMAL, S.UNACK, S.ACKED, S.RTN_UNACK)

# (state, input) -> next state. Inputs not listed for a state are illegal there.
TRANSITIONS: dict[tuple[AlarmState, AlarmInput], AlarmState | str] = {
    (S.NORMAL, In.ACTIVATE): S.UNACK,
    (S.UNACK, In.ACK): S.ACKED,
    (S.UNACK, In.CLEAR): S.RTN_UNACK,
    (S.ACKED, In.CLEAR): S.NORMAL,
    (S.RTN_UNACK, In.ACK): S.NORMAL,
    (S.RTN_UNACK, In.ACTIVATE): S.UNACK,  # back before anyone acknowledged: same entry, announced again
    # while shelved, suppressed or out of service the condition is still followed, silently
    (S.SHELVED, In.ACTIVATE): S.SHELVED,
    (S.SHELVED, In.CLEAR): S.SHELVED,
    (S.SHELVED, In.UNSHELVE): RESUME,
    (S.SHELVED, In.SUPPRESS): S.SUPPRESSED,  # design suppression outranks an operator's shelf
    (S.SHELVED, In.REMOVE): S.OUT_OF_SERVICE,
    (S.SUPPRESSED, In.ACTIVATE): S.SUPPRESSED,
    (S.SUPPRESSED, In.CLEAR): S.SUPPRESSED,
    (S.SUPPRESSED, In.UNSUPPRESS): RESUME,
    (S.OUT_OF_SERVICE, In.ACTIVATE): S.OUT_OF_SERVICE,
    (S.OUT_OF_SERVICE, In.CLEAR): S.OUT_OF_SERVICE,
    (S.OUT_OF_SERVICE, In.RETURN): RESUME,
    **{(s, In.SHELVE): S.SHELVED for s in _ANNUNCIATED},
    **{(s, In.SUPPRESS): S.SUPPRESSED for s in _ANNUNCIATED},
    **{(s, In.REMOVE): S.OUT_OF_SERVICE for s in _ANNUNCIATED},
}
IN_QUEUE = frozenset({S.UNACK, S.ACKED, S.RTN_UNACK})  # what the operator sees as an open item
MAX_SHELVE_S = 12 * 3600.0  # a shelf longer than a shift is a decision for a change request, not the console


class IllegalTransition(ValueError):
    pass


def next_state(state: AlarmState, inp: AlarmInput, active: bool) -> AlarmState:
    """The table's answer; `active` is the condition after the input (it decides where RESUME lands)."""
    try:
        target = TRANSITIONS[(state, inp)]
    except KeyError:
        raise IllegalTransition(f"alarm in state {state.value} cannot take {inp.value}") from None
    if target == RESUME:
        return S.UNACK if active else S.NORMAL
    return AlarmState(target)


@dataclass(frozen=True, slots=True)
class Shelf:
    by: str
    reason: str
    since: float
    until: float


@dataclass(frozen=True, slots=True)
class Transition:
    ts: float
    alarm_id: str
    input: AlarmInput
    before: AlarmState
    after: AlarmState
    by: str
    note: str = ""


@dataclass
class Alarm:
    id: str
    rule_id: str
    priority: Severity
    state: AlarmState = S.NORMAL
    active: bool = False  # the condition, whatever the state shows
    activations: int = 0  # every activation since the alarm first existed
    recent: deque = field(default_factory=deque)  # activation times within the chatter window
    chattering: bool = False
    first_ts: float | None = None  # first activation
    active_since: float | None = None
    shelf: Shelf | None = None
    note: str = ""  # why it is suppressed or out of service
    history: list[Transition] = field(default_factory=list)


class AlarmBook:
    def __init__(self, audit: AuditLog | None = None, chatter_count: int = 3, chatter_window_s: float = 60.0,
                 max_shelve_s: float = MAX_SHELVE_S, history_limit: int = 200):
        self.audit = audit
        self.chatter_count, self.chatter_window_s = chatter_count, chatter_window_s
        self.max_shelve_s = max_shelve_s
        self.history_limit = history_limit  # per alarm; the book-wide `log` keeps everything for the figures
        self.alarms: dict[str, Alarm] = {}
        self.suppressed_rules: dict[str, str] = {}  # rule id -> reason
        self.log: deque[Transition] = deque(maxlen=200_000)  # every transition, for the figures

    # ---------------------------------------------------------------- the table
    def ensure(self, alarm_id: str, rule_id: str, priority: Severity, now: float) -> Alarm:
        a = self.alarms.get(alarm_id)
        if a is None:
            a = self.alarms[alarm_id] = Alarm(alarm_id, rule_id, priority)
            if rule_id in self.suppressed_rules:
                self.step(alarm_id, In.SUPPRESS, now, note=self.suppressed_rules[rule_id])
        return a

    def step(self, alarm_id: str, inp: AlarmInput, now: float, by: str = "console", note: str = "") -> Transition:
        a = self.alarms[alarm_id]
        active = {In.ACTIVATE: True, In.CLEAR: False}.get(inp, a.active)
        after = next_state(a.state, inp, active)
        t = Transition(now, alarm_id, inp, a.state, after, by, note)
        a.state, a.active = after, active
        if inp is In.ACTIVATE:
            a.activations += 1
            a.first_ts = a.first_ts or now
            a.active_since = now
            a.recent.append(now)
        elif inp is In.CLEAR:
            a.active_since = None
        if after is not S.SHELVED:
            a.shelf = None
        if after not in (S.SUPPRESSED, S.OUT_OF_SERVICE):
            a.note = ""
        self.update_chatter(a, now)
        a.history.append(t)
        del a.history[:-self.history_limit]
        self.log.append(t)
        return t

    def update_chatter(self, a: Alarm, now: float) -> None:
        while a.recent and a.recent[0] <= now - self.chatter_window_s:
            a.recent.popleft()
        if len(a.recent) >= self.chatter_count:
            a.chattering = True
        elif not a.recent:
            a.chattering = False  # a quiet minute ends it

    def activate(self, alarm_id: str, now: float) -> bool:
        """The condition became true. True when the operator should be told (a sound): a new
        unacknowledged alarm that is not chattering."""
        a = self.alarms[alarm_id]
        was_chattering = a.chattering
        t = self.step(alarm_id, In.ACTIVATE, now)
        return t.after is S.UNACK and t.before is not S.UNACK and not (was_chattering or a.chattering)

    def clear(self, alarm_id: str, now: float) -> Transition:
        return self.step(alarm_id, In.CLEAR, now)

    # ---------------------------------------------------------------- the operator
    def acknowledge(self, alarm_id: str, by: str, now: float) -> Transition:
        t = self.step(alarm_id, In.ACK, now, by)
        self._audit("alarm_ack", by, alarm_id, {"state": t.after.value}, now)
        return t

    def shelve(self, alarm_id: str, by: str, reason: str, until: float, now: float) -> Transition:
        reason = reason.strip()
        if not reason or not by.strip():
            raise ValueError("shelving needs who and why / 搁置需要操作员和原因")
        if not now < until <= now + self.max_shelve_s:
            raise ValueError(f"a shelf must end within {self.max_shelve_s / 3600:g} h / 搁置必须设定结束时间")
        t = self.step(alarm_id, In.SHELVE, now, by, reason)
        self.alarms[alarm_id].shelf = Shelf(by, reason, now, until)
        self._audit("alarm_shelve", by, alarm_id, {"reason": reason, "until": until}, now)
        return t

    def unshelve(self, alarm_id: str, by: str, now: float) -> Transition:
        shelf = self.alarms[alarm_id].shelf
        t = self.step(alarm_id, In.UNSHELVE, now, by)
        self._audit("alarm_unshelve", by, alarm_id, {"shelved_by": shelf.by if shelf else "", "state": t.after.value},
                    now)
        return t

    def expire_shelves(self, now: float) -> list[Transition]:
        out = []
        for a in list(self.alarms.values()):
            if a.state is S.SHELVED and a.shelf is not None and a.shelf.until <= now:
                shelf = a.shelf
                t = self.step(a.id, In.UNSHELVE, now, "console", "搁置到期 / shelf expired")
                self._audit("alarm_shelf_expired", "console", a.id,
                            {"shelved_by": shelf.by, "reason": shelf.reason, "state": t.after.value}, now)
                out.append(t)
        return out

    def remove_from_service(self, alarm_id: str, by: str, reason: str, now: float) -> Transition:
        if not reason.strip():
            raise ValueError("taking an alarm out of service needs a reason / 停用需要原因")
        t = self.step(alarm_id, In.REMOVE, now, by, reason.strip())
        self.alarms[alarm_id].note = reason.strip()
        self._audit("alarm_out_of_service", by, alarm_id, {"reason": reason.strip()}, now)
        return t

    def return_to_service(self, alarm_id: str, by: str, now: float) -> Transition:
        t = self.step(alarm_id, In.RETURN, now, by)
        self._audit("alarm_in_service", by, alarm_id, {"state": t.after.value}, now)
        return t

    # ---------------------------------------------------------------- the console's mode
    def set_suppressed_by_design(self, rule_ids: Iterable[str], reason: str, now: float | None = None,
                                 by: str = "console") -> list[Transition]:
        """Exactly these rules are suppressed by design from now on (an empty set lifts every such
        suppression), e.g. the ordinary rule set while emergency mode runs its own. Their alarms leave
        the queue while suppressed and come back, unacknowledged, if their condition still holds when
        the suppression is lifted. The caller then lets the rule engine `sync` the queue."""
        now = time.time() if now is None else now
        wanted = set(rule_ids)
        if wanted and not reason.strip():
            raise ValueError("suppression by design needs a reason / 设计抑制需要原因")
        lifted = set(self.suppressed_rules) - wanted
        added = wanted - set(self.suppressed_rules)
        out = []
        for rid in added:
            self.suppressed_rules[rid] = reason.strip()
        for rid in lifted:
            del self.suppressed_rules[rid]
        for a in list(self.alarms.values()):
            if a.rule_id in added and a.state is not S.SUPPRESSED and (a.state, In.SUPPRESS) in TRANSITIONS:
                out.append(self.step(a.id, In.SUPPRESS, now, by, reason.strip()))
                a.note = reason.strip()
            elif a.rule_id in lifted and a.state is S.SUPPRESSED:
                out.append(self.step(a.id, In.UNSUPPRESS, now, by))
        if added or lifted:
            self._audit("alarm_suppress_by_design", by, ",".join(sorted(wanted)) or "-",
                        {"reason": reason.strip(), "added": sorted(added), "lifted": sorted(lifted),
                         "alarms": len(out)}, now)
        return out

    # ---------------------------------------------------------------- views
    def in_queue(self) -> list[Alarm]:
        return [a for a in self.alarms.values() if a.state in IN_QUEUE]

    def shelved(self) -> list[Alarm]:
        return [a for a in self.alarms.values() if a.state is S.SHELVED]

    def _audit(self, action: str, by: str, target: str, detail: dict, now: float) -> None:
        if self.audit is not None:
            self.audit.record(action, by, "", target, "done", detail, now=now)
