"""Machine discovery on the console side (主动发现): rules over indicator series and feed health that
raise early-warning items into the queue. Each item is clearly console-raised (source "console",
id "C:…"), lives outside the platform's incident book (no command can be sent for it), is
deduplicated (one open item per rule and region or feed) and re-armed once its condition clears.
Silences (a rule or a region, with an author, a reason and an expiry) hold new items back.
Qt-free; the window evaluates the rules every few seconds."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from console.city_state import CityState
from console.feed_health import FeedHealth, FeedState
from console.forecast import forecast
from console.frames import Event, HistoryEntry
from console.protocol import IncidentState, Severity, Status

CONSOLE_SOURCE = "console"
_LEVEL = {"warn": 2, "alarm": 3}


class RulesConfigError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    kind: str
    title: str
    severity: Severity
    indicators: tuple[str, ...] = ("*",)
    level: str = "alarm"
    hold_s: float = 60.0
    within_s: float = 1800.0
    after_s: float = 30.0

    def covers(self, indicator: str) -> bool:
        return "*" in self.indicators or indicator in self.indicators


@dataclass(frozen=True, slots=True)
class Silence:
    id: str
    kind: str  # "rule" or "region"
    target: str  # a rule id, or a region code (prefix: a district silences its streets)
    reason: str
    author: str
    created_ts: float
    until_ts: float

    def covers(self, rule_id: str, region: str) -> bool:
        return (self.kind == "rule" and self.target == rule_id) or (
            self.kind == "region" and region.startswith(self.target))


def load_rules(path: Path) -> list[Rule]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        rules = []
        for i, r in enumerate(doc["rules"]):
            if r["kind"] not in ("threshold_hold", "forecast", "feed_stale"):
                raise RulesConfigError(f"{path}: rule {i} ({r.get('id')}): unknown kind {r['kind']!r}")
            if r.get("level", "alarm") not in _LEVEL:
                raise RulesConfigError(f"{path}: rule {i} ({r.get('id')}): level must be warn or alarm")
            rules.append(Rule(id=r["id"], kind=r["kind"], title=r.get("title", r["id"]),
                              severity=Severity(r.get("severity", "yellow")),
                              indicators=tuple(r.get("indicators", ["*"])), level=r.get("level", "alarm"),
                              hold_s=float(r.get("hold_s", 60)), within_s=float(r.get("within_s", 1800)),
                              after_s=float(r.get("after_s", 30))))
    except RulesConfigError:
        raise
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise RulesConfigError(f"{path}: {exc}") from exc
    ids = [r.id for r in rules]
    if len(set(ids)) != len(ids):
        raise RulesConfigError(f"{path}: rule ids must be unique")
    return rules


@dataclass
class RuleEngine:
    rules: list[Rule]
    silences: list[Silence] = field(default_factory=list)
    _since: dict[tuple[str, str], float] = field(default_factory=dict)  # (rule, key) -> condition true since
    suppressed: int = 0  # raises held back by a silence

    def silence(self, kind: str, target: str, reason: str, author: str, duration_s: float,
                now: float | None = None) -> Silence:
        if kind not in ("rule", "region") or not reason.strip() or duration_s <= 0:
            raise ValueError("a silence needs a kind (rule/region), a reason and a positive duration")
        now = now or time.time()
        s = Silence(f"S-{int(now * 1000)}-{len(self.silences)}", kind, target, reason.strip(), author, now,
                    now + duration_s)
        self.silences.append(s)
        return s

    def expire_silences(self, now: float) -> list[Silence]:
        gone = [s for s in self.silences if s.until_ts <= now]
        self.silences = [s for s in self.silences if s.until_ts > now]
        return gone

    def _silenced(self, rule: Rule, region: str) -> bool:
        return any(s.covers(rule.id, region) for s in self.silences)

    def evaluate(self, state: CityState, health: list[FeedHealth], now: float) -> set[str]:
        """Raise, update or clear console items in `state.console_alerts`; returns the ids changed."""
        # alert id -> (rule, region, domain, detail), for every item whose condition holds now
        active: dict[str, tuple[Rule, str, str, str]] = {}
        codes = state.status_code
        for rule in self.rules:
            if rule.kind == "threshold_hold":
                for sid, (ind, region) in enumerate(state.series_keys):
                    key = (rule.id, f"{ind}@{region}")
                    if rule.covers(ind) and int(codes[sid]) >= _LEVEL[rule.level]:
                        since = self._since.setdefault(key, now)
                        if now - since >= rule.hold_s:
                            spec = state.indicators[ind]
                            held = f"{spec.name_zh} 已持续 {int(now - since)} 秒处于{rule.level}"
                            active[f"C:{rule.id}:{ind}@{region}"] = (rule, region, spec.domain, held)
                    else:
                        self._since.pop(key, None)
            elif rule.kind == "forecast":
                for sid, (ind, region) in enumerate(state.series_keys):
                    if not rule.covers(ind) or "*" in rule.indicators:
                        continue  # forecasts cost a fit each: only for the indicators named
                    spec = state.indicators[ind]
                    ts, vals = state.rings.series(sid, since=now - 1800)
                    fc = forecast(ts, vals, spec.warn, spec.alarm, spec.direction) if len(ts) >= 5 else None
                    if fc is not None and fc.eta_s is not None and fc.eta_s <= rule.within_s:
                        what = "告警" if fc.level is Status.ALARM else "预警"
                        eta = f"{spec.name_zh} 预计 {max(1, round(fc.eta_s / 60))} 分钟后达到{what}阈值"
                        active[f"C:{rule.id}:{ind}@{region}"] = (rule, region, spec.domain, eta)
            elif rule.kind == "feed_stale":
                for h in health:
                    key = (rule.id, h.name)
                    bad = h.state in (FeedState.STALE, FeedState.RECONNECTING, FeedState.AUTH_FAILED)
                    if bad:
                        since = self._since.setdefault(key, now)
                        if now - since >= rule.after_s:
                            why = f"数据源 {h.name} {h.state.value} {int(now - since)} 秒: {h.last_error}"
                            active[f"C:{rule.id}:{h.name}"] = (rule, "", "feed", why)
                    else:
                        self._since.pop(key, None)
        return self._apply(state, active, now)

    def _apply(self, state: CityState, active: dict[str, tuple[Rule, str, str, str]], now: float) -> set[str]:
        changed: set[str] = set()
        book = state.console_alerts
        for aid, (rule, region, domain, detail) in active.items():
            cur = book.get(aid)
            if cur is not None and cur.state is IncidentState.NEW:
                continue  # still open: deduplicated, nothing new to say
            if self._silenced(rule, region):
                self.suppressed += 1
                continue
            raised = len([h for h in cur.history if h.state == "new"]) + 1 if cur else 1
            history = (*(cur.history if cur else ()), HistoryEntry(now, "new", "console", detail))
            place = state.region_label(region) if region else ""
            book[aid] = Event(
                id=aid, version=(cur.version + 1) if cur else 1, title=f"◆ {place}{rule.title}".strip(),
                category=f"console:{rule.id}", domain=domain, severity=rule.severity, source=CONSOLE_SOURCE,
                region=region or "310000",
                location=state.regions[region].centroid if region in state.regions else None,
                state=IncidentState.NEW, created_ts=now, updated_ts=now, detail=f"{detail}（第 {raised} 次）",
                history=history)
            changed.add(aid)
        for aid, cur in list(book.items()):
            if aid not in active and cur.state is IncidentState.NEW:
                book[aid] = cur.evolve(version=cur.version + 1, state=IncidentState.CLOSED, updated_ts=now,
                                       history=(*cur.history, HistoryEntry(now, "closed", "console", "条件解除")))
                changed.add(aid)  # cleared: it leaves the queue and re-arms
        state.mark_events_changed(changed)
        return changed
