"""How the alarm system itself performs, per shift and per day, against EEMUA 191 / ISA-18.2:
average alarms per 10 minutes (about 1 is manageable in steady state), the peak 10-minute count, the
share of time in flood, the most frequent sources ("bad actors"), chattering and stale alarms, the
priority mix against the usual ~80/15/5 (low/medium/high), and time to acknowledge and to close per
category against the SLA targets. Qt-free (pandas); the handover report and `cityops alarm-figures`
show them, and `write_csv` exports them.

What counts as an alarm here: every platform incident that reached the console (at its discovery)
and every activation of a console alarm that reached the operator (into "unacknowledged"). Priority:
red is high, orange medium, yellow and blue low. For a console with a scope (a `LevelView`), only what
its level handles counts, each incident from when it reached that level (an escalated one when it was
escalated, an overdue one at its deadline)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from console.alarms.discovery_rules import RuleEngine
from console.alarms.flood import FLOOD_WINDOW_S, flood_periods
from console.alarms.states import AlarmInput, AlarmState, Transition
from console.feed.frames import Event
from console.feed.protocol import IncidentState, Severity
from console.incidents.levels import LevelView
from console.incidents.sla import SlaBook
from console.model.city_state import CityState

_TZ = dt.timezone(dt.timedelta(hours=8))
PRIORITY = {Severity.RED: "high", Severity.ORANGE: "medium", Severity.YELLOW: "low", Severity.BLUE: "low"}
PRIORITY_TARGET = {"low": 80.0, "medium": 15.0, "high": 5.0}  # % (EEMUA 191 / ISA-18.2 guidance)
STEADY_PER_10MIN = 1.0  # EEMUA 191: about one alarm per 10 minutes is manageable in steady state
CHATTER_COUNT, CHATTER_WINDOW_S = 3, 60.0
STALE_S = 24 * 3600.0
# ISA-18.2 / EEMUA 191 performance references, as shown beside the figures
REFERENCE = {"per_10min": "≈1", "peak_10min": "≤10", "flood_pct": "<1%", "top10_pct": "<5%",
             "chattering": "0", "stale": "<5", "priority": "80/15/5"}
COLUMNS = ["ts", "kind", "source", "category", "domain", "severity", "priority", "ack_ts", "close_ts", "ref"]
_ACKED = {s.value for s in (IncidentState.ACKNOWLEDGED, IncidentState.DISPATCHED, IncidentState.ON_SCENE,
                            IncidentState.RESOLVED, IncidentState.CLOSED)}
_ENDED = {IncidentState.CLOSED.value, IncidentState.CANCELLED.value}


def incident_records(events: Iterable[Event], arrived: dict[str, float] | None = None) -> pd.DataFrame:
    """One row per platform incident: when it arrived, when it was first acknowledged (or moved past
    that), when it was closed or cancelled. With `arrived` (incident id -> when it reached the
    console's level), only those, at that time."""
    rows = []
    for ev in events:
        at = ev.created_ts if arrived is None else arrived.get(ev.id)
        if at is None:
            continue
        ack = next((h.ts for h in ev.history if h.state in _ACKED), np.nan)
        end = next((h.ts for h in ev.history if h.state in _ENDED), np.nan)
        rows.append((at, "incident", f"{ev.category}@{ev.region}", ev.category, ev.domain,
                     ev.severity.value, PRIORITY[ev.severity], ack, end, ev.id))
    return pd.DataFrame(rows, columns=COLUMNS)


def alarm_records(log: Iterable[Transition], about: dict[str, tuple[str, str, Severity]]) -> pd.DataFrame:
    """One row per console alarm that reached the operator, from the alarm book's transitions;
    `about` maps an alarm id to (category, domain, severity)."""
    rows, open_rows = [], {}
    for t in sorted(log, key=lambda t: t.ts):
        if t.alarm_id not in about:
            continue
        if t.after is AlarmState.UNACK and t.before is not AlarmState.UNACK:
            cat, domain, sev = about[t.alarm_id]
            open_rows[t.alarm_id] = len(rows)
            rows.append([t.ts, "console", t.alarm_id, cat, domain, sev.value, PRIORITY[sev], np.nan, np.nan,
                         t.alarm_id])
        k = open_rows.get(t.alarm_id)
        if k is None:
            continue
        if t.input is AlarmInput.ACK and rows[k][7] != rows[k][7]:
            rows[k][7] = t.ts
        if t.after not in (AlarmState.UNACK, AlarmState.ACKED, AlarmState.RTN_UNACK):
            rows[k][8] = t.ts  # normal again (or shelved, suppressed, out of service): it left the queue
            del open_rows[t.alarm_id]
    return pd.DataFrame(rows, columns=COLUMNS)


def records(state: CityState, rules: RuleEngine | None = None, levels: LevelView | None = None) -> pd.DataFrame:
    """Every alarm the console knows of: the platform's incidents and the console's own alarms; with
    `levels`, those its level handles (the incidents it saw arrive, the alarms whose items it handles)."""
    every = [*state.incidents.archive.values(), *state.incidents.open.values()]
    parts = [incident_records(every, levels.arrived if levels is not None else None)]
    if rules is not None:
        items = state.console_alerts
        about = {aid: (f"console:{r.id}", domain, r.severity) for aid, (r, _reg, domain, _d) in rules.about.items()
                 if levels is None or aid not in items or levels.handles(items[aid], items[aid].updated_ts)}
        parts.append(alarm_records(rules.alarms.log, about))
    parts = [p for p in parts if not p.empty]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=COLUMNS)


@dataclass
class PeriodFigures:
    kind: str  # "shift" or "day"
    label: str
    start: float
    end: float
    alarms: int
    per_10min: float
    peak_10min: int
    flood_pct: float
    top10_pct: float  # share of all alarms that came from the 10 most frequent sources
    chattering: int  # sources that activated CHATTER_COUNT times within CHATTER_WINDOW_S
    stale: int  # alarms active for more than 24 h at the period's end
    priority_pct: dict[str, float]
    bad_actors: pd.DataFrame  # source, alarms (top 10)
    response: pd.DataFrame  # per category: n, ack/close median and p90, target, % met

    def summary_row(self) -> dict:
        return {"period": self.kind, "label": self.label, "start": _iso(self.start), "end": _iso(self.end),
                "alarms": self.alarms, "avg_per_10min": round(self.per_10min, 2), "peak_10min": self.peak_10min,
                "flood_pct": round(self.flood_pct, 1), "top10_pct": round(self.top10_pct, 1),
                "chattering_sources": self.chattering, "stale_alarms": self.stale,
                **{f"{p}_pct": round(self.priority_pct[p], 1) for p in PRIORITY_TARGET},
                **{f"{p}_target_pct": v for p, v in PRIORITY_TARGET.items()}}


def _iso(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, _TZ).isoformat(timespec="minutes")


def _targets(rec: pd.DataFrame, sla: SlaBook | None, stage: str) -> np.ndarray:
    if sla is None or rec.empty:
        return np.full(len(rec), np.nan)
    out = []
    for cat, dom, sev in zip(rec["category"], rec["domain"], rec["severity"], strict=True):
        probe = Event("", 0, "", cat, dom, Severity(sev), "", "", None, IncidentState.NEW, 0.0, 0.0)
        rule = sla.rule_for(probe)
        out.append(rule.targets.get(stage, np.nan) if rule is not None else np.nan)
    return np.array(out, dtype=float)


def _response(rec: pd.DataFrame, sla: SlaBook | None, end: float) -> pd.DataFrame:
    cols = ["category", "n", "ack_median_s", "ack_p90_s", "ack_target_s", "ack_met_pct",
            "close_median_s", "close_p90_s", "close_target_s", "close_met_pct"]
    if rec.empty:
        return pd.DataFrame(columns=cols)
    rec = rec.assign(ack_s=rec["ack_ts"] - rec["ts"], close_s=rec["close_ts"] - rec["ts"],
                     ack_target=_targets(rec, sla, "acknowledged"), close_target=_targets(rec, sla, "closed"))
    rows = []
    for cat, g in rec.groupby("category", sort=False):
        row = {"category": cat, "n": len(g)}
        for what in ("ack", "close"):
            took, target = g[f"{what}_s"], g[f"{what}_target"]
            # judged: reached (on time or late), or not reached and already past its target at `end`
            judged = took.notna() | (g["ts"] + target < end)
            met = (took <= target) & judged
            row[f"{what}_median_s"] = round(float(took.median()), 1) if took.notna().any() else np.nan
            row[f"{what}_p90_s"] = round(float(took.quantile(0.9)), 1) if took.notna().any() else np.nan
            row[f"{what}_target_s"] = float(target.mode().iloc[0]) if target.notna().any() else np.nan
            n_judged = int((judged & target.notna()).sum())
            row[f"{what}_met_pct"] = round(100.0 * int(met.sum()) / n_judged, 1) if n_judged else np.nan
        rows.append(row)
    return pd.DataFrame(rows, columns=cols).sort_values("n", ascending=False, kind="stable").reset_index(drop=True)


def period_figures(records: pd.DataFrame, start: float, end: float, sla: SlaBook | None = None,
                   kind: str = "shift", label: str = "") -> PeriodFigures:
    ts_all = np.sort(records["ts"].to_numpy(dtype=float))
    rec = records[(records["ts"] >= start) & (records["ts"] < end)]
    n = len(rec)
    in_period = ts_all[(ts_all >= start) & (ts_all < end)]
    # the trailing 10-minute count at each arrival (arrivals before the period count in its first windows)
    peak = int((np.searchsorted(ts_all, in_period, side="right")
                - np.searchsorted(ts_all, in_period - FLOOD_WINDOW_S, side="right")).max()) if n else 0
    det = flood_periods(ts_all, end)
    chatter = 0
    for _src, g in rec.groupby("source"):
        t = np.sort(g["ts"].to_numpy(dtype=float))
        if len(t) >= CHATTER_COUNT and np.min(t[CHATTER_COUNT - 1:] - t[:1 - CHATTER_COUNT]) <= CHATTER_WINDOW_S:
            chatter += 1
    still = records["close_ts"].isna() | (records["close_ts"] > end)
    stale = int(((records["ts"] <= end - STALE_S) & still).sum())
    counts = rec["priority"].value_counts()
    prio = {p: (100.0 * int(counts.get(p, 0)) / n if n else 0.0) for p in PRIORITY_TARGET}
    bad = (rec.groupby("source").size().sort_values(ascending=False, kind="stable").head(10)
           .rename("alarms").reset_index())
    return PeriodFigures(kind, label or _iso(start), start, end, n, n / max((end - start) / 600.0, 1e-9), peak,
                         100.0 * det.time_in_flood(start, end) / max(end - start, 1e-9),
                         100.0 * int(bad["alarms"].sum()) / n if n else 0.0, chatter, stale, prio, bad,
                         _response(rec, sla, end))


def periods(start: float, end: float, shift_hours: float = 8.0,
            first_shift_hour: int = 8) -> list[tuple[str, str, float, float]]:
    """(kind, label, start, end) for every shift and every day (Shanghai time) that [start, end)
    touches, each clipped to [start, end)."""
    out = []
    t0 = dt.datetime.fromtimestamp(start, _TZ)
    day = t0.replace(hour=0, minute=0, second=0, microsecond=0)
    while day.timestamp() < end:
        nxt = day + dt.timedelta(days=1)
        a, b = max(start, day.timestamp()), min(end, nxt.timestamp())
        if a < b:
            out.append(("day", day.strftime("%Y-%m-%d"), a, b))
        day = nxt
    shift = t0.replace(hour=first_shift_hour % 24, minute=0, second=0, microsecond=0)
    while shift.timestamp() > start:  # back to the shift change at or before `start`
        shift -= dt.timedelta(hours=shift_hours)
    while shift.timestamp() < end:
        nxt = shift + dt.timedelta(hours=shift_hours)
        a, b = max(start, shift.timestamp()), min(end, nxt.timestamp())
        if a < b:
            out.append(("shift", f"{shift:%m-%d %H:%M}–{nxt:%H:%M}", a, b))
        shift = nxt
    return out


def figures(records: pd.DataFrame, start: float, end: float, sla: SlaBook | None = None,
            shift_hours: float = 8.0) -> list[PeriodFigures]:
    """Per shift, then per day, over [start, end)."""
    ps = periods(start, end, shift_hours)
    return [period_figures(records, a, b, sla, kind, label) for kind, label, a, b in
            sorted(ps, key=lambda p: (p[0] != "shift", p[2]))]


def write_csv(figs: list[PeriodFigures], out_dir: Path) -> list[Path]:
    """alarm_figures.csv (one row per period), alarm_bad_actors.csv, alarm_response.csv."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / "alarm_figures.csv", out_dir / "alarm_bad_actors.csv", out_dir / "alarm_response.csv"]
    pd.DataFrame([f.summary_row() for f in figs]).to_csv(paths[0], index=False)
    tag = lambda f, df: df.assign(period=f.kind, label=f.label)[["period", "label", *df.columns]]  # noqa: E731
    pd.concat([tag(f, f.bad_actors) for f in figs] or [pd.DataFrame()]).to_csv(paths[1], index=False)
    pd.concat([tag(f, f.response) for f in figs] or [pd.DataFrame()]).to_csv(paths[2], index=False)
    return paths
