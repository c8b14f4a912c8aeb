"""The shift handover: a simulated 8-hour shift summarised, rendered with feed text escaped and
personal data masked, and written as a real PDF by Qt."""


from console.feed.decoder import decode_event
from console.feed.frames import EventFrame
from console.incidents.handover import render_html, summarize
from console.incidents.sla import SlaBook
from console.resources import resource
from console.simulator.sample_shift import simulate_shift
from tests.frames_factory import event
from tests.shifts import hour_with_rules


def test_shift_summary_counts_and_html_is_safe():
    state, start, end = simulate_shift(hours=4, seed=3)
    hostile = decode_event(event("EVIL", title="<script>alert(1)</script>积水", severity="red",
                                 detail="来电 13912345678", created_ts=start + 60, updated_ts=start + 60))
    state.apply("shanghai-city", EventFrame(0, hostile))
    s = summarize(state, SlaBook.load(resource("config", "sla.json")), start, end, "值班员甲")
    assert len(s.opened) > 100 and s.closed and s.still_open and s.breached
    assert all(start <= e.created_ts < end for e in s.opened)
    assert {c[1] for c in s.charts} >= {"power.load@310000"}
    page = render_html(s, state.region_label, {c[1]: f"img{i}" for i, c in enumerate(s.charts)}, max_rows=10_000)
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "13912345678" not in page and "139****5678" in page
    assert "城运中心交接班报告" in page


def test_the_report_carries_the_alarm_figures_of_the_shift():
    state, start, end, rules = hour_with_rules()
    s = summarize(state, SlaBook.load(resource("config", "sla.json")), start, end, "值班员甲", rules)
    assert [f.kind for f in s.alarm_figures] == ["shift", "day", "report"]
    whole = s.alarm_figures[-1]
    assert whole.alarms == len(s.opened) + sum(1 for t in rules.alarms.log
                                               if t.after.value == "unacknowledged" and start <= t.ts < end)
    page = render_html(s, state.region_label, {})
    assert "报警系统指标" in page and "10 分钟峰值" in page and f"<td>{whole.peak_10min}</td>" in page
    assert "◆" in page  # console alarms are among the sources and categories
