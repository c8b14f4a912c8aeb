"""The alarm desk: every alarm decision of one workstation, without Qt. The window calls it on its
timers and on the operator's choices, and it answers with what to show, sound or send; it never
touches a widget. It holds:

- the console's discovery rules (evaluated, silenced; expired silences and shelves dropped),
- the ISA-18.2 operator actions on console alarms (acknowledge, shelve, suppress by design),
- what is announced: a new orange or red alarm sounds once, a red incident newly past its SLA
  sounds once, and during a flood only red still sounds (the rest is counted as held),
- the EEMUA 191 flood (more than 10 in 10 minutes; it ends at 5),
- auto-escalation of unacknowledged incidents (one run at a time),
- and, for a console with a scope, only what its level handles (console/incidents/levels.py): the
  rest is neither counted toward a flood, nor sounded, nor escalated from here,

and writes each of these decisions to the audit log under the desk's operator."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from console.alarms.discovery_rules import RuleEngine, Silence
from console.alarms.flood import FloodDetector, should_sound
from console.alarms.states import Alarm, AlarmInput, AlarmState
from console.feed.feed_health import FeedHealth
from console.feed.frames import Event
from console.feed.protocol import Severity
from console.incidents.audit_log import AuditLog
from console.incidents.escalation import AutoEscalator
from console.incidents.levels import LevelView
from console.incidents.operator import Operator
from console.model.city_state import CityState

log = logging.getLogger(__name__)

ANONYMOUS = "operator"  # who acts at a desk with no signed-in operator (a viewer, a replay, tests)


@dataclass(frozen=True, slots=True)
class Evaluation:
    """What one pass of the rules decided."""

    changed: set[str]  # console queue items that changed
    sounds: int  # cues to sound now (one per newly announced orange or red alarm)
    held: int  # cues held back, seen but not heard, because of a flood


@dataclass(frozen=True, slots=True)
class FloodStatus:
    """The flood as the queue should show it now."""

    in_flood: bool
    count: int  # alarms and incidents in the trailing window
    changed: bool  # it started or ended since the last look (the queue switches mode)


class AlarmDesk:
    def __init__(self, state: CityState, rules: RuleEngine | None = None, audit: AuditLog | None = None,
                 operator: Operator | None = None, escalator: AutoEscalator | None = None,
                 levels: LevelView | None = None):
        self.state = state
        self.levels = levels  # the console's scope and what its level handles; None: everything
        self.rules = rules
        self.audit = audit
        self.operator = operator  # the one whose name goes on acknowledgements, shelves and silences
        self.escalator = escalator
        self.flood = FloodDetector()  # EEMUA 191: more than 10 in 10 minutes for this operator
        self.sounds_held = 0  # low-priority cues held back during floods, in all
        self._breached_red: set[str] = set()
        self._flood_shown = False
        self._escalating: asyncio.Future | None = None
        if rules is not None and rules.alarms.audit is None:
            rules.alarms.audit = audit  # shelving, suppression and acknowledgements go on the record

    # ---------------------------------------------------------------- who, and the record
    @property
    def operator_name(self) -> str:
        return self.operator.name if self.operator is not None else ANONYMOUS

    def record(self, action: str, target: str, detail: dict) -> None:
        """One audit entry for something done at this desk (nothing when there is no audit log)."""
        if self.audit is not None:
            op = self.operator
            self.audit.record(action, op.name if op else ANONYMOUS, op.role.value if op else "", target, "done",
                              detail)

    # ---------------------------------------------------------------- rules
    def evaluate(self, live: CityState, health: list[FeedHealth], now: float) -> Evaluation:
        """Run the discovery rules over the live city (never a past picture: its alarms are not news);
        expired silences are dropped and audited, expired shelves return their alarms."""
        if self.rules is None:
            return Evaluation(set(), 0, 0)
        for s in self.rules.expire_silences(now):
            self.record("silence_expired", f"{s.kind}:{s.target}", {"reason": s.reason, "author": s.author})
        self.rules.alarms.expire_shelves(now)  # the book audits each expiry
        changed = self.rules.evaluate(live, health, now)
        announced = self.rules.announced
        if self.levels is not None:  # another level's alarm is not news here (the queue leaves it out too)
            items = live.console_alerts
            announced = [a for a in announced if a not in items or self.levels.handles(items[a], now)]
        sounds, held = self.announce(announced, now)
        return Evaluation(changed, sounds, held)

    def silence(self, kind: str, target: str, reason: str, minutes: float, now: float) -> Silence:
        """Hold back new console items for a rule ("rule") or a region ("region"), for a stated time,
        with a reason."""
        s = self.rules.silence(kind, target, reason, self.operator_name, minutes * 60, now=now)
        self.record("silence", f"{kind}:{target}", {"reason": reason, "until": s.until_ts, "silence": s.id})
        return s

    def silences(self) -> list[Silence]:
        return list(self.rules.silences) if self.rules is not None else []

    def shelved(self) -> list[Alarm]:
        """Shelved alarms (each with its shelf: who, why, until)."""
        return [a for a in self.rules.alarms.shelved() if a.shelf is not None] if self.rules is not None else []

    # ---------------------------------------------------------------- ISA-18.2 operator actions
    def alarm(self, alarm_id: str) -> Alarm | None:
        return self.rules.alarms.alarms.get(alarm_id) if self.rules is not None else None

    def alarm_state(self, alarm_id: str) -> AlarmState | None:
        a = self.alarm(alarm_id)
        return a.state if a is not None else None

    def can_acknowledge(self, alarm_id: str) -> bool:
        a = self.alarm(alarm_id)
        return a is not None and a.state in (AlarmState.UNACK, AlarmState.RTN_UNACK)

    def holder(self, alarm_id: str) -> tuple[str, float] | None:
        """Who acknowledged an alarm still standing, and when (the queue's holder column)."""
        a = self.alarm(alarm_id)
        if a is None or a.state is not AlarmState.ACKED:
            return None
        ack = next((t for t in reversed(a.history) if t.input is AlarmInput.ACK), None)
        return (ack.by, ack.ts) if ack is not None else None

    def acknowledge(self, alarm_id: str, now: float) -> None:
        """A console-raised alarm is acknowledged here (the platform never hears of it)."""
        self.rules.alarms.acknowledge(alarm_id, self.operator_name, now)
        self.rules.sync(self.state, now)

    def shelve(self, alarm_id: str, reason: str, minutes: float, now: float) -> None:
        """Take one console alarm off the queue for a stated time, with a reason (audited by the book)."""
        self.rules.alarms.shelve(alarm_id, self.operator_name, reason, now + minutes * 60, now)
        self.rules.sync(self.state, now)

    @property
    def max_shelve_minutes(self) -> int:
        return int(self.rules.alarms.max_shelve_s // 60) if self.rules is not None else 0

    def suppress_by_design(self, rule_ids: set[str], reason: str, now: float) -> None:
        """Exactly these rules are suppressed by design (an empty set lifts it), e.g. by emergency mode."""
        if self.rules is None:
            return
        self.rules.alarms.set_suppressed_by_design(rule_ids, reason, now, by=self.operator_name)
        self.rules.sync(self.state, now)

    # ---------------------------------------------------------------- what is heard
    def announce(self, alarm_ids: list[str], now: float) -> tuple[int, int]:
        """New console alarms reach the operator: each activation counts toward a flood once, and
        orange or red ones sound, except that a flood holds back all but red. Returns (sounds, held)."""
        sounds = held = 0
        for aid in alarm_ids:
            a = self.alarm(aid)
            self.flood.note(now, f"{aid}#{a.activations}")
            if a.priority.rank >= Severity.ORANGE.rank:
                if should_sound(a.priority, self.flood.in_flood):
                    sounds += 1
                else:
                    held += 1
        self.sounds_held += held
        return sounds, held

    def new_breaches(self, open_incidents: Iterable[Event], breached: Callable[[Event], bool],
                     now: float | None = None) -> list[str]:
        """Red incidents that newly breached their SLA since the last call (the cue sounds once per
        breach, not every second); call it with the live picture only. With a scope, only those its
        level handles at `now` (without `now`, none counts as overdue)."""
        open_incidents = self._ours(open_incidents, now)
        now_red = {e.id for e in open_incidents if e.severity is Severity.RED and breached(e)}
        return self.red_breaches_moved(now_red - self._breached_red, self._breached_red - now_red)

    def red_breaches_moved(self, became: set[str], ceased: set[str]) -> list[str]:
        """The same, given what changed since the last call: the ids of red incidents this level handles
        that became overdue and of those that ceased to be (the queue's columns know them without a walk
        of 100,000 incidents every second). An id in both (gone and back between two calls) stays as it was."""
        self._breached_red -= ceased - became
        fresh = sorted(became - self._breached_red)
        self._breached_red.update(fresh)
        if fresh:
            log.warning("SLA breached by %d red incident(s): %s%s", len(fresh), ", ".join(fresh[:10]),
                        " …" if len(fresh) > 10 else "")
        return fresh

    # ---------------------------------------------------------------- floods (EEMUA 191)
    def _ours(self, events: Iterable[Event], now: float | None) -> Iterable[Event]:
        if self.levels is None:
            return events
        return self.levels.filter(events, now if now is not None else float("-inf"))

    def observe_incidents(self, incidents: Iterable[Event | None], now: float) -> None:
        """Platform incidents count toward a flood when they arrive (console alarms when announced);
        with a scope, when they reach this console's level (an escalated one when it is escalated)."""
        if self.levels is None:
            self.flood.observe(incidents, now)
            return
        for ev in incidents:
            if ev is not None:
                self._arrived(self.levels.arrive(ev, now), ev.id, now)

    def _arrived(self, at: float | None, eid: str, now: float) -> None:
        if at is not None and now - self.flood.window_s < at <= now:
            self.flood.note(at, eid)

    def update_flood(self, now: float) -> FloodStatus:
        """Move the flood's window to `now`; its start and end are audited. Incidents that became this
        level's by passing their deadline arrive here."""
        was = self._flood_shown
        if self.levels is not None:
            for ev, at in self.levels.due(now, self.state.incidents.open.get):
                self._arrived(at, ev.id, now)
        self.flood.update(now)
        self._flood_shown = self.flood.in_flood
        count = self.flood.count(now)
        if was != self._flood_shown:
            self.record("flood_start" if self._flood_shown else "flood_end", "queue", {"in_window": count})
        return FloodStatus(self._flood_shown, count, was != self._flood_shown)

    # ---------------------------------------------------------------- auto-escalation
    def auto_escalate(self, open_incidents: Iterable[Event], now: float) -> asyncio.Future | None:
        """Start escalating the unacknowledged incidents that are due (the escalator sends each once);
        returns the run when one started. Never two runs at once: a slow platform must not be sent the
        same backlog again while the first run awaits its answers."""
        if self.escalator is None or (self._escalating is not None and not self._escalating.done()):
            return None
        due = self.escalator.due(self._ours(open_incidents, now), now)
        if not due:
            return None
        self._escalating = asyncio.ensure_future(self.escalator.run(due, now))
        return self._escalating
