"""What each level of centre handles (三级平台: 市 · 区 · 街镇), by the shipped rule set
resources/config/levels.json (docs/configuration.md, "What each level handles").

A console has a scope: the city (310000), one district (310104) or one street (310104003). Its queue,
its wall's list, its flood count and its alarm figures hold only the incidents its level handles: a
street its own; a district its own, its streets' serious, escalated and overdue ones; the city red,
escalated to the city, cross-district (registered at the city's own code) and upper-level
assignments. An incident's handling level is its `level` field, or the level of its region code when
the authority sends none; `escalate` moves it up one level (console/incidents/lifecycle.py).

`LevelRules` answers "does this console handle this incident now" (stateless); `LevelView` is one
console's scope under the rules and remembers when each incident first reached it (an escalated
incident arrives when it is escalated, an overdue one at its deadline): the flood detector and the
alarm figures count those arrivals. Qt-free."""

from __future__ import annotations

import heapq
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from console.feed.frames import Event
from console.feed.protocol import Level, Severity
from console.model.areas import CITY_CODE, area_prefix, level_of

REGION_MATCH = ("own", "below", "area", "any")
ARRIVALS_KEPT = 200_000
_UP = {Level.STREET: Level.DISTRICT, Level.DISTRICT: Level.CITY, Level.CITY: Level.CITY}


class LevelRulesError(ValueError):
    pass


def handling_level(ev: Event) -> Level:
    """The level whose centre handles `ev`: its own `level`, else the level of its region code."""
    return ev.level if ev.level is not None else level_of(ev.region)


def level_above(level: Level) -> Level:
    """One level up (the city stays the city): where `escalate` sends an incident."""
    return _UP[level]


def is_overdue(ev: Event, now: float) -> bool:
    """Open and past the authority's deadline (`sla_due_ts`, 处置时限)."""
    return ev.is_open and ev.sla_due_ts is not None and ev.sla_due_ts <= now


@dataclass(frozen=True, slots=True)
class Clause:
    """One reason a level handles an incident; every condition given must hold (absent: any)."""

    id: str
    name_zh: str
    name_en: str
    region: str = "area"  # own: the scope's own code; below: inside it, not its own; area: either; any
    severities: frozenset[Severity] | None = None
    handled_at: frozenset[Level] | None = None  # the incident's handling level
    sources: frozenset[str] | None = None
    domains: frozenset[str] | None = None
    overdue: bool = False  # only once past its deadline

    def fits_except_deadline(self, ev: Event, scope: str, prefix: str | None = None) -> bool:
        """Every condition but the deadline; `prefix` is area_prefix(scope), passed by a caller asking
        for many incidents (the cheap tests come first: a queue asks this of every row)."""
        if self.severities is not None and ev.severity not in self.severities:
            return False
        if self.sources is not None and ev.source not in self.sources:
            return False
        if self.domains is not None and ev.domain not in self.domains:
            return False
        if self.region != "any":
            region = ev.region
            if self.region == "own":
                if region != scope:
                    return False
            # areas.in_area(region, scope), with the scope's prefix looked up once by the caller
            elif not region.startswith(prefix if prefix is not None else area_prefix(scope)) or (
                    self.region == "below" and region == scope):
                return False
        return self.handled_at is None or handling_level(ev) in self.handled_at

    def matches(self, ev: Event, scope: str, now: float, prefix: str | None = None) -> bool:
        return self.fits_except_deadline(ev, scope, prefix) and (not self.overdue or is_overdue(ev, now))


@dataclass(frozen=True)
class LevelRules:
    clauses: dict[Level, tuple[Clause, ...]]
    names: dict[Level, tuple[str, str]] = field(default_factory=dict)  # level -> (zh, en)

    def reason(self, ev: Event, scope: str, now: float) -> Clause | None:
        """The first clause by which a console of `scope` handles `ev` at `now`, or None."""
        prefix = area_prefix(scope)
        for c in self.clauses[level_of(scope)]:
            if c.matches(ev, scope, now, prefix):
                return c
        return None

    def handles(self, ev: Event, scope: str, now: float) -> bool:
        return self.reason(ev, scope, now) is not None

    def handled_from(self, ev: Event, scope: str) -> float | None:
        """When a console of `scope` that does not handle `ev` yet will, if only its deadline is
        missing (an overdue clause): the deadline; else None (it will not, as it stands)."""
        if ev.sla_due_ts is None or not ev.is_open:
            return None
        for c in self.clauses[level_of(scope)]:
            if c.overdue and c.fits_except_deadline(ev, scope):
                return ev.sla_due_ts
        return None


def _names(d: dict, where: str) -> tuple[str, str]:
    n = d.get("name")
    if not isinstance(n, dict) or not isinstance(n.get("zh"), str) or not isinstance(n.get("en"), str):
        raise LevelRulesError(f"{where}: needs name {{zh, en}}")
    return n["zh"], n["en"]


def _set(d: dict, key: str, kind, where: str) -> frozenset | None:
    v = d.get(key)
    if v is None:
        return None
    if not isinstance(v, list) or not v or not all(isinstance(x, str) for x in v):
        raise LevelRulesError(f"{where}: {key} must be a non-empty list of text")
    try:
        return frozenset(kind(x) for x in v)
    except ValueError:
        raise LevelRulesError(f"{where}: {key} {v} holds an unknown value; known: "
                              f"{[e.value for e in kind]}") from None


_CLAUSE_KEYS = {"id", "name", "region", "severity", "handled_at", "source", "domain", "overdue"}


def _clause(d, where: str) -> Clause:
    if not isinstance(d, dict) or not isinstance(d.get("id"), str):
        raise LevelRulesError(f"{where}: a clause is an object with an id")
    where = f"{where} ({d['id']})"
    unknown = set(d) - _CLAUSE_KEYS
    if unknown:
        raise LevelRulesError(f"{where}: unknown key(s) {sorted(unknown)}; known: {sorted(_CLAUSE_KEYS)}")
    region = d.get("region", "area")
    if region not in REGION_MATCH:
        raise LevelRulesError(f"{where}: region must be one of {list(REGION_MATCH)}, not {region!r}")
    overdue = d.get("overdue", False)
    if not isinstance(overdue, bool):
        raise LevelRulesError(f"{where}: overdue must be true or false")
    zh, en = _names(d, where)
    return Clause(d["id"], zh, en, region, _set(d, "severity", Severity, where), _set(d, "handled_at", Level, where),
                  _set(d, "source", str, where), _set(d, "domain", str, where), overdue)


def load_level_rules(path: Path) -> LevelRules:
    """The rule set; every level must be there with at least one clause. Raises LevelRulesError."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise LevelRulesError(f"{path}: {exc}") from None
    levels = doc.get("levels") if isinstance(doc, dict) else None
    if not isinstance(levels, dict):
        raise LevelRulesError(f"{path}: needs \"levels\": {{street, district, city}}")
    clauses, names = {}, {}
    for level in Level:
        d = levels.get(level.value)
        where = f"{path.name}: {level.value}"
        if not isinstance(d, dict) or not isinstance(d.get("handles"), list) or not d["handles"]:
            raise LevelRulesError(f"{where}: needs \"handles\": [clauses]")
        names[level] = _names(d, where)
        clauses[level] = tuple(_clause(c, f"{where}: handles[{i}]") for i, c in enumerate(d["handles"]))
    extra = set(levels) - {lv.value for lv in Level}
    if extra:
        raise LevelRulesError(f"{path.name}: unknown level(s) {sorted(extra)}")
    return LevelRules(clauses, names)


class LevelView:
    """One console's scope under the rules, and when each incident first reached it.

    `handles` is the question the queue and the wall ask. `arrive` is told every incident version as it
    comes in and returns the time it reached this console, once per incident: its discovery when it
    was this level's from the start; the change (its `updated_ts`) that made it so, for one seen
    before (an escalation); its deadline for one that became this level's by being overdue. `due`
    hands over, as time passes, the incidents whose deadline has made them this level's."""

    def __init__(self, rules: LevelRules, scope: str = CITY_CODE):
        self.rules, self.scope = rules, scope
        self.level = level_of(scope)
        self._clauses, self._prefix = rules.clauses[self.level], area_prefix(scope)
        self.arrived: dict[str, float] = {}  # incident id -> when it reached this console (oldest first)
        self._seen: set[str] = set()  # known, not (yet) this level's
        self._deadlines: list[tuple[float, str]] = []  # (deadline, id) of those an overdue clause awaits

    def handles(self, ev: Event, now: float) -> bool:
        return self.reason(ev, now) is not None

    def reason(self, ev: Event, now: float) -> Clause | None:
        for c in self._clauses:  # LevelRules.reason, with the scope's clauses and prefix looked up once
            if c.matches(ev, self.scope, now, self._prefix):
                return c
        return None

    def handled_from(self, ev: Event) -> float | None:
        """For one not handled now: its deadline, when that alone will make it this level's."""
        return self.rules.handled_from(ev, self.scope)

    def arrive(self, ev: Event, now: float) -> float | None:
        """When `ev` reached this console, the first time it does; None when it has not, or before."""
        if ev.id in self.arrived:
            return None
        clause = self.reason(ev, now)
        if clause is None:
            if not ev.is_open:  # closed without ever reaching this level: nothing more to wait for
                self._seen.discard(ev.id)
                return None
            self._seen.add(ev.id)
            due = self.handled_from(ev)
            if due is not None:
                heapq.heappush(self._deadlines, (due, ev.id))
            return None
        if clause.overdue and ev.sla_due_ts is not None:
            at = ev.sla_due_ts
        elif ev.id in self._seen:
            at = ev.updated_ts
        else:
            at = ev.created_ts
        self._seen.discard(ev.id)
        self.arrived[ev.id] = at
        if len(self.arrived) > ARRIVALS_KEPT:  # weeks of a busy level; the oldest go first
            del self.arrived[next(iter(self.arrived))]
        return at

    def due(self, now: float, lookup: Callable[[str], Event | None]) -> list[tuple[Event, float]]:
        """(incident, arrival) for those whose deadline passed by `now` and made them this level's."""
        out = []
        while self._deadlines and self._deadlines[0][0] <= now:
            _, eid = heapq.heappop(self._deadlines)
            ev = lookup(eid)
            if ev is not None:
                at = self.arrive(ev, now)
                if at is not None:
                    out.append((ev, at))
        return out

    def filter(self, events: Iterable[Event], now: float) -> list[Event]:
        return [e for e in events if self.handles(e, now)]
