"""An incident as readable plain text for the detail pane and reports (personal data masked)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from console.alarms.discovery_rules import CONSOLE_SOURCE
from console.alarms.states import AlarmState
from console.feed.frames import Event
from console.feed.protocol import DiscoverySource, IncidentState
from console.privacy.masking import mask_personal
from console.views.labels import ALARM_STATE_ZH, SEVERITY_ZH, SOURCE_ZH, STATE_ZH, format_countdown

_TZ = dt.timezone(dt.timedelta(hours=8))


def _t(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, _TZ).strftime("%m-%d %H:%M:%S")


def _alarm_state(value: str) -> str | None:
    try:
        return ALARM_STATE_ZH[AlarmState(value)]
    except ValueError:
        return None


def describe(ev: Event, region_label: Callable[[str], str], now: float, unmask: bool = False,
             tr: Callable[[str], str] = lambda s: s, english: bool = False) -> str:
    try:
        source = tr(SOURCE_ZH[DiscoverySource(ev.source)])
    except ValueError:
        source = ev.source
    # a console alarm speaks in its ISA-18.2 states (its history records them), never the incident lifecycle
    console = ev.source == CONSOLE_SOURCE
    state = _alarm_state(ev.history[-1].state) if console and ev.history else None
    lines = [
        f"{ev.title}",
        f"{tr('编号')}: {ev.id}  v{ev.version}",
        f"{tr('级别')}: {tr(SEVERITY_ZH[ev.severity])}   {tr('状态')}: {tr(state or STATE_ZH[ev.state])}   "
        f"{tr('渠道')}: {source}",
        f"{tr('区域')}: {region_label(ev.region)}"
        + (f"   ({ev.location[0]:.5f}, {ev.location[1]:.5f})" if ev.location else ""),
        f"{tr('发现')}: {_t(ev.created_ts)}   {tr('更新')}: {_t(ev.updated_ts)}",
    ]
    if ev.sla_due_ts is not None:
        lines.append(f"{tr('时限')}: {_t(ev.sla_due_ts)}  ({format_countdown(ev.sla_due_ts - now, english)})")
    if ev.assignee:
        lines.append(f"{tr('处置单位')}: {ev.assignee}")
    if ev.merged_into:
        lines.append(f"{tr('合并至')}: {ev.merged_into}")
    if ev.detail:
        lines += ["", ev.detail if unmask else mask_personal(ev.detail)]
    if ev.history:
        lines += ["", tr("处置记录") + ":"]
        for h in ev.history:
            try:
                st = tr(_alarm_state(h.state) or h.state) if console else tr(STATE_ZH[IncidentState(h.state)])
            except ValueError:
                st = h.state
            lines.append(f"  {_t(h.ts)}  {st:<4}  {h.operator}  {h.note}")
    return "\n".join(lines)
