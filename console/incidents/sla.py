"""SLA clocks (处置时限): for each incident, the next stage it must reach and by when, from targets
configured per category and severity (resources/config/sla.json). Qt-free; the queue shows the
countdown and raises a breached row."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from console.feed.frames import Event
from console.feed.protocol import IncidentState

STAGES = ("acknowledged", "dispatched", "on_scene", "resolved", "closed")
_ORDER = {s: i for i, s in enumerate(("new", *STAGES))}
STAGE_ZH = {"acknowledged": "受理", "dispatched": "派遣", "on_scene": "到场", "resolved": "处置", "closed": "结案"}


class SlaConfigError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class SlaRule:
    category: str | None
    severity: str | None
    domain: str | None
    targets: dict[str, float]

    def matches(self, ev: Event) -> bool:
        if self.category is not None:
            if self.category.endswith("*"):
                if not ev.category.startswith(self.category[:-1]):
                    return False
            elif ev.category != self.category:
                return False
        if self.severity is not None and ev.severity.value != self.severity:
            return False
        return self.domain is None or ev.domain == self.domain


@dataclass(frozen=True, slots=True)
class SlaStatus:
    stage: str | None  # the next stage due, or None when the incident is past its last target
    due_ts: float | None
    remaining_s: float | None  # negative: overdue
    breached: bool  # the next stage is overdue now
    late_stages: tuple[str, ...]  # stages reached (or still unreached) after their target


class SlaBook:
    def __init__(self, rules: list[SlaRule]):
        self.rules = rules
        self._cache: dict[tuple[str, str, str], SlaRule | None] = {}
        self._next_offset: dict[tuple[str, str, str, str], float] = {}

    @classmethod
    def load(cls, path: Path) -> SlaBook:
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
            rules = []
            for i, r in enumerate(doc["rules"]):
                m, targets = r.get("match", {}), r["targets"]
                bad = [k for k in targets if k not in STAGES]
                if bad:
                    raise SlaConfigError(f"{path}: rule {i}: unknown stage(s) {bad}; stages are {list(STAGES)}")
                if any(not isinstance(v, int | float) or v <= 0 for v in targets.values()):
                    raise SlaConfigError(f"{path}: rule {i}: targets must be positive seconds")
                rules.append(SlaRule(m.get("category"), m.get("severity"), m.get("domain"),
                                     {k: float(v) for k, v in targets.items()}))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            if isinstance(exc, SlaConfigError):
                raise
            raise SlaConfigError(f"{path}: {exc}") from exc
        return cls(rules)

    def rule_for(self, ev: Event) -> SlaRule | None:
        key = (ev.category, ev.severity.value, ev.domain)
        try:
            return self._cache[key]
        except KeyError:  # rules match on these three fields only, so the answer can be remembered
            rule = self._cache[key] = next((r for r in self.rules if r.matches(ev)), None)
            return rule

    def next_due(self, ev: Event) -> float:
        """When the next stage is due (for sorting and breach marks): no history walk. inf when none."""
        key = (ev.category, ev.severity.value, ev.domain, ev.state.value)
        offset = self._next_offset.get(key)
        if offset is None:  # the offset depends only on the rule (these fields) and the state
            rule = self.rule_for(ev)
            offset = float("nan") if rule is None else float("inf")
            if rule is not None:
                current = _ORDER.get(ev.state.value, 0)
                offset = next((rule.targets[s] for s in STAGES if _ORDER[s] > current and s in rule.targets),
                              float("inf"))
            self._next_offset[key] = offset
        if offset != offset:  # nan: no rule, the platform's own deadline
            return ev.sla_due_ts if ev.sla_due_ts is not None and ev.is_open else float("inf")
        return ev.created_ts + offset

    def status(self, ev: Event, now: float) -> SlaStatus:
        rule = self.rule_for(ev)
        if rule is None:
            due = ev.sla_due_ts  # the platform's own deadline, when we have no rule
            if due is None or not ev.is_open:
                return SlaStatus(None, None, None, False, ())
            return SlaStatus("closed", due, due - now, now > due, ("closed",) if now > due else ())
        reached = _reached_at(ev)
        late = []
        for stage, target in rule.targets.items():
            due = ev.created_ts + target
            at = reached.get(stage)
            if (at is not None and at > due) or (at is None and ev.is_open and now > due):
                late.append(stage)
        if ev.state in (IncidentState.CLOSED, IncidentState.CANCELLED):
            return SlaStatus(None, None, None, False, tuple(late))
        current = _ORDER.get(ev.state.value, 0)
        for stage in STAGES:
            if _ORDER[stage] > current and stage in rule.targets:
                due = ev.created_ts + rule.targets[stage]
                return SlaStatus(stage, due, due - now, now > due, tuple(late))
        return SlaStatus(None, None, None, False, tuple(late))


def _reached_at(ev: Event) -> dict[str, float]:
    """When each stage was first reached, from the event's history (a reopen does not reset it)."""
    out: dict[str, float] = {}
    best = 0
    for h in ev.history:
        o = _ORDER.get(h.state)
        if o is None:
            continue
        best = max(best, o)
        for stage in STAGES:  # reaching "resolved" also means every earlier stage was passed
            if _ORDER[stage] <= best and stage not in out:
                out[stage] = h.ts
    return out
