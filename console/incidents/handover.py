"""The shift handover report (交接班): what happened in a shift and what the next shift inherits.
Qt-free: a summary from CityState and the SLA book, and an HTML rendering in which every feed
string is escaped and personal data is masked. console/ui/handover_pdf.py turns it into a PDF."""

from __future__ import annotations

import datetime as dt
import html
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from console.alarms.discovery_rules import RuleEngine
from console.alarms.figures import REFERENCE, PeriodFigures, figures, period_figures, records
from console.feed.frames import Event
from console.feed.protocol import DiscoverySource, IncidentState
from console.incidents.levels import LevelView
from console.incidents.sla import STAGE_ZH, SlaBook
from console.model.city_state import CityState
from console.privacy.masking import mask_personal
from console.views.labels import SEVERITY_ZH, SOURCE_ZH, STATE_ZH

_TZ = dt.timezone(dt.timedelta(hours=8))
KEY_INDICATORS = (("power.load", "310000"), ("metro.passenger_flow", "310000"), ("hotline.calls", "310000"),
                  ("traffic.expressway_speed", "310000"))


def _t(ts: float, fmt: str = "%m-%d %H:%M") -> str:
    return dt.datetime.fromtimestamp(ts, _TZ).strftime(fmt)


@dataclass
class ShiftSummary:
    start: float
    end: float
    operator: str
    opened: list[Event] = field(default_factory=list)
    closed: list[Event] = field(default_factory=list)
    still_open: list[Event] = field(default_factory=list)
    breached: list[tuple[Event, tuple[str, ...]]] = field(default_factory=list)
    by_severity: Counter = field(default_factory=Counter)
    by_source: Counter = field(default_factory=Counter)
    charts: list[tuple[str, str, np.ndarray, np.ndarray, float | None, float | None]] = field(default_factory=list)
    alarm_figures: list[PeriodFigures] = field(default_factory=list)  # per shift and day, then the whole report
    audit_chain: str = ""  # the audit log's chain check (console/incidents/audit_chain.py), when it was run


def summarize(state: CityState, sla: SlaBook | None, start: float, end: float, operator: str,
              rules: RuleEngine | None = None, levels: LevelView | None = None) -> ShiftSummary:
    """The shift's report; its alarm figures count what the console's level handles (with `levels`)."""
    s = ShiftSummary(start, end, operator)
    recs = records(state, rules, levels)
    s.alarm_figures = [*figures(recs, start, end, sla), period_figures(recs, start, end, sla, "report", "本报告")]
    every = {**state.incidents.archive, **state.incidents.open}
    for ev in every.values():
        if start <= ev.created_ts < end:
            s.opened.append(ev)
            s.by_severity[ev.severity] += 1
            s.by_source[ev.source] += 1
        if ev.state is IncidentState.CLOSED and start <= ev.updated_ts < end:
            s.closed.append(ev)
        if sla is not None and (start <= ev.created_ts < end or ev.is_open):
            late = sla.status(ev, end).late_stages
            if late:
                s.breached.append((ev, late))
    s.still_open = sorted(state.incidents.open.values(), key=lambda e: (-e.severity.rank, e.created_ts))
    for ind_id, region in KEY_INDICATORS:
        ind = state.indicators.get(ind_id)
        ts, vals = state.history(ind_id, region, since=start)
        if ind is not None and len(ts):
            keep = ts < end
            s.charts.append((f"{ind.name_zh}（{ind.unit}）" if ind.unit else ind.name_zh, f"{ind_id}@{region}",
                             ts[keep], vals[keep], ind.warn, ind.alarm))
    s.opened.sort(key=lambda e: e.created_ts)
    s.breached.sort(key=lambda b: (-b[0].severity.rank, b[0].created_ts))
    s.closed.sort(key=lambda e: e.updated_ts)
    return s


def _source(source: str) -> str:
    try:
        return SOURCE_ZH[DiscoverySource(source)]
    except ValueError:
        return source


def _row(cells: list[str]) -> str:
    return "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>"


def _source_label(source: str, region_label) -> str:
    """'noise@310104' -> 'noise · 徐汇区'; a console alarm 'C:rule:ind@310104' -> '◆rule:ind · 徐汇区'."""
    what, _, region = source.rpartition("@")
    what = "◆" + what[2:] if what.startswith("C:") else what
    return f"{what} · {region_label(region)}" if what else source


def _fmt_s(v: float) -> str:
    if v != v:
        return "—"
    if v < 90:
        return f"{v:.0f} 秒"
    return f"{v / 60:.1f} 分" if v < 7200 else f"{v / 3600:.0f} 小时"


def _pct(v: float) -> str:
    return "—" if v != v else f"{v:.0f}%"


def _alarm_figures_html(figs: list[PeriodFigures], region_label) -> list[str]:
    if not figs:
        return []
    periods, whole = [f for f in figs if f.kind != "report"], figs[-1]
    table = "<table width='100%' border='1' cellspacing='0' cellpadding='3'>"
    out = ["<h3>报警系统指标（EEMUA 191 / ISA-18.2）</h3>", table,
           _row(["指标", "参考值", *(f"{'班次' if f.kind == 'shift' else '日'} {f.label}" for f in periods)])]
    lines = [
        ("报警与事件数", "", lambda f: str(f.alarms)),
        ("平均每 10 分钟", REFERENCE["per_10min"], lambda f: f"{f.per_10min:.1f}"),
        ("10 分钟峰值", REFERENCE["peak_10min"], lambda f: str(f.peak_10min)),
        ("洪峰时间占比", REFERENCE["flood_pct"], lambda f: f"{f.flood_pct:.1f}%"),
        ("前 10 报警源占比", REFERENCE["top10_pct"], lambda f: f"{f.top10_pct:.0f}%"),
        ("振荡报警源", REFERENCE["chattering"], lambda f: str(f.chattering)),
        ("长期报警（>24 小时）", REFERENCE["stale"], lambda f: str(f.stale)),
        ("优先级 低/中/高", REFERENCE["priority"],
         lambda f: "/".join(f"{f.priority_pct[p]:.0f}" for p in ("low", "medium", "high"))),
    ]
    for name, ref, cell in lines:
        out.append(_row([name, ref, *(cell(f) for f in periods)]))
    out.append("</table><p><b>报警源前 10（bad actors）</b></p>" + table)
    out.append(_row(["报警源", "次数"]))
    for src, n in whole.bad_actors.itertuples(index=False):
        out.append(_row([_source_label(src, region_label), str(n)]))
    out.append("</table><p><b>受理与结案用时（按类别，对照时限）</b></p>" + table)
    head = ["类别", "件数", "受理中位", "受理 P90", "受理时限", "受理达标", "结案中位", "结案时限", "结案达标"]
    widths = [24, 6, 10, 10, 10, 8, 10, 10, 8]  # %: the category codes are long, the figures short
    cells = zip(head, widths, strict=True)
    out.append("<tr>" + "".join(f"<td width='{w}%'>{html.escape(c)}</td>" for c, w in cells) + "</tr>")
    for r in whole.response.head(15).itertuples(index=False):
        out.append(_row([r.category.replace("console:", "◆"), str(r.n), _fmt_s(r.ack_median_s),
                         _fmt_s(r.ack_p90_s), _fmt_s(r.ack_target_s),
                         _pct(r.ack_met_pct), _fmt_s(r.close_median_s), _fmt_s(r.close_target_s),
                         _pct(r.close_met_pct)]))
    if len(whole.response) > 15:
        out.append(f"<tr><td colspan='9'>…… 另有 {len(whole.response) - 15} 类</td></tr>")
    out.append("</table>")
    return out


def render_html(s: ShiftSummary, region_label, chart_images: dict[str, str], unmask: bool = False,
                max_rows: int = 40) -> str:
    """The report as HTML for Qt's rich text; `chart_images` maps a chart key to an image resource name."""
    detail = (lambda t: t) if unmask else mask_personal
    e = html.escape
    out = [
        "<html><body style='font-family: \"Noto Sans CJK SC\"; font-size: 10pt;'>",
        f"<h2>城运中心交接班报告 Shift handover</h2><p>班次 {e(_t(s.start, '%Y-%m-%d %H:%M'))} — "
        f"{e(_t(s.end, '%H:%M'))}（北京时间）　交班人：{e(s.operator)}</p>",
        f"<p>操作审计链 Audit trail: {e(s.audit_chain)}</p>" if s.audit_chain else "",
        "<h3>概况</h3><table width='100%' border='1' cellspacing='0' cellpadding='3'>",
        _row(["本班新发事件", str(len(s.opened)), "本班结案", str(len(s.closed)),
              "移交未结", str(len(s.still_open)), "超时", str(len(s.breached))]),
        _row(["按级别", *(f"{SEVERITY_ZH[k]} {s.by_severity[k]}" for k in sorted(s.by_severity, reverse=True,
                                                                                  key=lambda k: k.rank))]),
        _row(["按渠道", *(f"{_source(k)} {v}" for k, v in s.by_source.most_common())]),
        "</table>",
        "<h3>移交未结事件（按级别）</h3><table width='100%' border='1' cellspacing='0' cellpadding='3'>",
        _row(["级别", "编号", "标题", "区域", "状态", "处置单位", "发现时间"]),
    ]
    for ev in s.still_open[:max_rows]:
        out.append(_row([SEVERITY_ZH[ev.severity], ev.id, ev.title, region_label(ev.region), STATE_ZH[ev.state],
                         ev.assignee or "—", _t(ev.created_ts)]))
    if len(s.still_open) > max_rows:
        out.append(f"<tr><td colspan='7'>…… 另有 {len(s.still_open) - max_rows} 件</td></tr>")
    out.append("</table><h3>超时事件</h3><table width='100%' border='1' cellspacing='0' cellpadding='3'>")
    out.append(_row(["级别", "编号", "标题", "超时环节", "详情"]))
    for ev, late in s.breached[:max_rows]:
        out.append(_row([SEVERITY_ZH[ev.severity], ev.id, ev.title, "、".join(STAGE_ZH[x] for x in late),
                         detail(ev.detail)[:80]]))
    out.append("</table><h3>本班结案</h3><table width='100%' border='1' cellspacing='0' cellpadding='3'>")
    out.append(_row(["编号", "标题", "渠道", "发现", "结案"]))
    for ev in s.closed[:max_rows]:
        out.append(_row([ev.id, ev.title, _source(ev.source), _t(ev.created_ts), _t(ev.updated_ts)]))
    if len(s.closed) > max_rows:
        out.append(f"<tr><td colspan='5'>…… 另有 {len(s.closed) - max_rows} 件</td></tr>")
    out.append("</table>")
    out.extend(_alarm_figures_html(s.alarm_figures, region_label))
    out.append("<h3>关键指标</h3>")
    for title, key, *_ in s.charts:
        if key in chart_images:
            out.append(f"<p><b>{e(title)}</b><br/><img src='{e(chart_images[key])}' width='600'/></p>")
    out.append("<p style='color:#666'>个人信息已脱敏。Personal data masked.</p></body></html>")
    return "\n".join(out)
