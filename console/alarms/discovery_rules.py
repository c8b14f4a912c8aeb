"""Machine discovery on the console side (主动发现): rules over indicator series and feed health that
raise early-warning items into the queue (kind `usual`: a series departing from its typical day,
console/normal). Each item is clearly console-raised (source "console",
id "C:…"), lives outside the platform's incident book (no command can be sent for it), is
deduplicated (one alarm per rule and region or feed) and follows the ISA-18.2 states of
console/alarms/states.py: a condition must hold for the rule's on-delay before it activates and be gone
for its off-delay (and past its deadband) before it clears; an alarm that returns to normal before
anyone acknowledged it stays in the queue until acknowledged. Silences (a rule or a region, with an
author, a reason and an expiry) hold new alarms back. Qt-free; the window evaluates every few seconds."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from console.alarms.states import AlarmBook, AlarmState
from console.feed.feed_health import FeedHealth, FeedState
from console.feed.frames import Event, HistoryEntry
from console.feed.protocol import IncidentState, Severity, Status
from console.model.city_state import CityState
from console.normal.departure import FlatWatch, Judgement, anomaly_text, conditions
from console.normal.usual import Usual
from console.views.forecast import forecast

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
    on_delay_s: float = 0.0  # the condition must hold this long before the alarm activates
    off_delay_s: float = 0.0  # ... and be gone this long before it clears
    deadband: float = 0.0  # threshold_hold: once active, clear only this fraction of the threshold beyond it
    within_s: float = 1800.0
    judgement: Judgement | None = None  # kind "usual": what departs from the typical day (console/normal)

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


_DEFAULT_ON_DELAY = {"threshold_hold": 60.0, "forecast": 0.0, "feed_stale": 30.0, "usual": 300.0}
_JUDGEMENT = ("min_pct", "band_margin", "spread_floor", "stuck_s", "flat_share_max", "silent_s", "feed_share")
_OLD_ON_DELAY = {"threshold_hold": "hold_s", "feed_stale": "after_s"}  # earlier spellings, still read


def load_rules(path: Path) -> list[Rule]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        rules = []
        for i, r in enumerate(doc["rules"]):
            name = f"{path}: rule {i} ({r.get('id')})"
            if r["kind"] not in _DEFAULT_ON_DELAY:
                raise RulesConfigError(f"{name}: unknown kind {r['kind']!r}")
            if r.get("level", "alarm") not in _LEVEL:
                raise RulesConfigError(f"{name}: level must be warn or alarm")
            on = r.get("on_delay_s", r.get(_OLD_ON_DELAY.get(r["kind"], ""), _DEFAULT_ON_DELAY[r["kind"]]))
            timing = (float(on), float(r.get("off_delay_s", 0)), float(r.get("deadband", 0)))
            if min(timing) < 0 or timing[2] >= 1:
                raise RulesConfigError(f"{name}: delays must be >= 0 s and deadband a fraction in [0, 1)")
            judgement = None
            if r["kind"] == "usual":
                judgement = Judgement(**{k: float(r[k]) for k in _JUDGEMENT if k in r})
                if min(getattr(judgement, k) for k in _JUDGEMENT) < 0:
                    raise RulesConfigError(f"{name}: {', '.join(_JUDGEMENT)} must be >= 0")
            rules.append(Rule(id=r["id"], kind=r["kind"], title=r.get("title", r["id"]),
                              severity=Severity(r.get("severity", "yellow")),
                              indicators=tuple(r.get("indicators", ["*"])), level=r.get("level", "alarm"),
                              on_delay_s=timing[0], off_delay_s=timing[1], deadband=timing[2],
                              within_s=float(r.get("within_s", 1800)), judgement=judgement))
    except RulesConfigError:
        raise
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise RulesConfigError(f"{path}: {exc}") from exc
    ids = [r.id for r in rules]
    if len(set(ids)) != len(ids):
        raise RulesConfigError(f"{path}: rule ids must be unique")
    return rules


_EVENT_STATE = {AlarmState.UNACK: IncidentState.NEW, AlarmState.ACKED: IncidentState.ACKNOWLEDGED,
                AlarmState.RTN_UNACK: IncidentState.RESOLVED}  # anything else: not in the queue


@dataclass
class RuleEngine:
    rules: list[Rule]
    silences: list[Silence] = field(default_factory=list)
    alarms: AlarmBook = field(default_factory=AlarmBook)
    _since: dict[tuple[str, str], float] = field(default_factory=dict)  # (rule, key) -> condition true since
    _off_since: dict[str, float] = field(default_factory=dict)  # alarm id -> condition false since
    about: dict[str, tuple[Rule, str, str, str]] = field(default_factory=dict)  # alarm id -> what it says
    _shown: dict[str, tuple] = field(default_factory=dict)  # alarm id -> what its queue item last showed
    suppressed: int = 0  # raises held back by a silence
    announced: list[str] = field(default_factory=list)  # alarms to announce, from the last evaluation
    usual: Usual | None = None  # the typical days, for rules of kind "usual" (none: those rules rest)
    _flat: FlatWatch = field(default_factory=FlatWatch)
    _usual_sid: dict[str, int] = field(default_factory=dict)  # "indicator@region" -> series

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

    def _was_active(self, aid: str) -> bool:
        a = self.alarms.alarms.get(aid)
        return a is not None and a.active

    def _in_deadband(self, state: CityState, rule: Rule, sid: int, ind: str) -> bool:
        """Still within the deadband of the threshold it crossed (only asked of active alarms)."""
        spec = state.indicators[ind]
        th = spec.alarm if rule.level == "alarm" else spec.warn
        v = float(state.rings.last_val[sid])
        if th is None or v != v:
            return False
        sign = -1.0 if spec.direction == "below" else 1.0
        return sign * v >= sign * th - rule.deadband * abs(th)

    def _held(self, key: tuple[str, str], rule: Rule, now: float) -> float | None:
        """How long the condition has held, once past the rule's on-delay; None before that."""
        since = self._since.setdefault(key, now)
        return now - since if now - since >= rule.on_delay_s else None

    def evaluate(self, state: CityState, health: list[FeedHealth], now: float) -> set[str]:
        """Follow every rule's condition through its on-delay, off-delay and deadband into the alarm
        book; the queue items in `state.console_alerts` follow the alarms. Returns the ids changed;
        `announced` lists the alarms that deserve a sound."""
        # alarm id -> (rule, region, domain, detail), for every alarm whose condition holds now
        active: dict[str, tuple[Rule, str, str, str]] = {}
        codes = state.status_code
        for rule in self.rules:
            if rule.kind == "threshold_hold":
                keys = state.series_keys
                for sid in self._threshold_candidates(state, rule, codes):
                    ind, region = keys[sid]
                    if not rule.covers(ind):
                        continue
                    key, aid = (rule.id, f"{ind}@{region}"), f"C:{rule.id}:{ind}@{region}"
                    if int(codes[sid]) >= _LEVEL[rule.level] or (
                            rule.deadband and self._was_active(aid) and self._in_deadband(state, rule, sid, ind)):
                        held = self._held(key, rule, now)
                        if held is not None:
                            spec = state.indicators[ind]
                            what = f"{spec.name_zh} 已持续 {int(held)} 秒处于{rule.level}"
                            active[aid] = (rule, region, spec.domain, what)
                    else:
                        self._since.pop(key, None)
            elif rule.kind == "forecast":
                if "*" in rule.indicators:
                    continue  # forecasts cost a fit each: only for the indicators named
                named = set(rule.indicators)
                for sid, (ind, region) in enumerate(state.series_keys):
                    if ind not in named:
                        continue
                    spec = state.indicators[ind]
                    key = (rule.id, f"{ind}@{region}")
                    ts, vals = state.rings.series(sid, since=now - 1800)
                    fc = forecast(ts, vals, spec.warn, spec.alarm, spec.direction) if len(ts) >= 5 else None
                    if fc is not None and fc.eta_s is not None and fc.eta_s <= rule.within_s:
                        if self._held(key, rule, now) is not None:
                            what = "告警" if fc.level is Status.ALARM else "预警"
                            eta = f"{spec.name_zh} 预计 {max(1, round(fc.eta_s / 60))} 分钟后达到{what}阈值"
                            active[f"C:{rule.id}:{ind}@{region}"] = (rule, region, spec.domain, eta)
                    else:
                        self._since.pop(key, None)
            elif rule.kind == "usual":
                self._usual(state, rule, now, active)
            elif rule.kind == "feed_stale":
                for h in health:
                    key = (rule.id, h.name)
                    if h.state in (FeedState.STALE, FeedState.RECONNECTING, FeedState.AUTH_FAILED):
                        held = self._held(key, rule, now)
                        if held is not None:
                            why = f"数据源 {h.name} {h.state.value} {int(held)} 秒: {h.last_error}"
                            active[f"C:{rule.id}:{h.name}"] = (rule, "", "feed", why)
                    else:
                        self._since.pop(key, None)
        self.announced = self._follow(active, now)
        return self.sync(state, now)

    def _threshold_candidates(self, state: CityState, rule: Rule, codes: np.ndarray) -> list[int]:
        """The series a threshold_hold rule must look at, in series order: those past its level now,
        and those it already follows (a condition's clock running, an alarm active in its deadband),
        whose clocks stop when the condition is gone. The rest cannot change anything: walking every
        series in Python took 100 ms every 5 s for the whole city at street level."""
        n = len(state.series_keys)
        sids = set(np.flatnonzero(codes[:n] >= _LEVEL[rule.level]).tolist())
        names = [k[1] for k in self._since if k[0] == rule.id]
        if rule.deadband:
            prefix = f"C:{rule.id}:"
            names += [aid[len(prefix):] for aid, a in self.alarms.alarms.items() if a.active and aid.startswith(prefix)]
        for name in names:
            ind, _, region = name.partition("@")
            sid = state.series_id(ind, region)
            if sid is not None:
                sids.add(sid)
        return sorted(sids)

    def _usual(self, state: CityState, rule: Rule, now: float, active: dict) -> None:
        """Series departing from their typical day (console/normal): only those with a full basis (a
        thin one is shown faded and raises nothing); the departure's condition runs through the
        rule's on-delay, and the alarm's off-delay, like any other."""
        keys = state.series_keys
        n = len(keys)
        flat_since = self._flat.update(state.rings.last_val[:n], now)
        if self.usual is None or self.usual.profiles is None or n == 0:
            return
        lo, typ, hi, basis = self.usual.bands(keys, now)
        typ = np.where(basis >= 2, typ, np.nan)
        vals, last_ts = state.rings.last_val[:n], state.rings.last_ts[:n]
        last_ts = np.where(np.isfinite(last_ts), last_ts, np.nan)
        cond = conditions(vals, last_ts, flat_since, lo, typ, hi, self.usual.flat_share(keys), now,
                          rule.judgement or Judgement(), self.usual.spread(keys))
        flagged = set(np.flatnonzero(cond).tolist())
        for key in [k for k in self._since if k[0] == rule.id]:  # conditions gone: their clocks stop
            sid = self._usual_sid.get(key[1])
            if sid is None or sid not in flagged:
                self._since.pop(key, None)
        for sid in flagged:
            ind, region = keys[sid]
            if not rule.covers(ind):
                continue
            name = f"{ind}@{region}"
            self._usual_sid[name] = sid
            held = self._held((rule.id, name), rule, now)
            if held is not None:
                kind = int(cond[sid])
                spec = state.indicators[ind]
                what = anomaly_text(kind, float(vals[sid]), float(typ[sid]), held)
                active[f"C:{rule.id}:{name}"] = (rule, region, spec.domain, f"{spec.name_zh} {what}")

    def _follow(self, active: dict[str, tuple[Rule, str, str, str]], now: float) -> list[str]:
        announce = []
        book = self.alarms
        for aid, about in active.items():
            self._off_since.pop(aid, None)
            rule, region = about[0], about[1]
            if not self._was_active(aid):
                if self._silenced(rule, region):
                    self.suppressed += 1
                    continue
                self.about[aid] = about
                book.ensure(aid, rule.id, rule.severity, now)
                if book.activate(aid, now):
                    announce.append(aid)
            else:
                self.about[aid] = about  # the detail moves on (how long, how soon)
        for aid, a in book.alarms.items():
            if a.active and aid not in active:
                off = self._off_since.setdefault(aid, now)
                if now - off >= self.about[aid][0].off_delay_s:
                    del self._off_since[aid]
                    book.clear(aid, now)
            book.update_chatter(a, now)
        return announce

    def sync(self, state: CityState, now: float) -> set[str]:
        """Bring the queue items in line with the alarms (after an evaluation, or an operator's
        acknowledge, shelve or unshelve); returns the ids changed."""
        changed: set[str] = set()
        items = state.console_alerts
        for aid, a in self.alarms.alarms.items():
            shown = (a.state, a.activations, a.chattering)
            if self._shown.get(aid) == shown:
                continue
            self._shown[aid] = shown
            rule, region, domain, detail = self.about[aid]
            cur = items.get(aid)
            ev_state = _EVENT_STATE.get(a.state, IncidentState.CLOSED)
            if cur is None and ev_state is IncidentState.CLOSED:
                continue  # never shown (suppressed or shelved from its start): nothing to take away
            place = state.region_label(region) if region else ""
            chatter = f"  ⟳振荡 ×{len(a.recent)}/分" if a.chattering else ""
            history = tuple(HistoryEntry(t.ts, t.after.value, t.by, t.note or t.input.value)
                            for t in a.history[-50:])
            items[aid] = Event(
                id=aid, version=(cur.version + 1) if cur else 1, title=f"◆ {place}{rule.title}{chatter}".strip(),
                category=f"console:{rule.id}", domain=domain, severity=rule.severity, source=CONSOLE_SOURCE,
                region=region or "310000",
                location=state.regions[region].centroid if region in state.regions else None,
                state=ev_state, created_ts=cur.created_ts if cur is not None and cur.is_open else now,
                updated_ts=now, detail=f"{detail}（第 {a.activations} 次）", history=history)
            changed.add(aid)
        state.mark_events_changed(changed)
        return changed
