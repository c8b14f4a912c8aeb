"""The alarm-system figures (EEMUA 191 / ISA-18.2) on hand-made records whose answers are known, and
on a simulated hour with the console's own rules running."""

import pandas as pd
import pytest

from console.alarms.figures import (
    COLUMNS,
    alarm_records,
    figures,
    incident_records,
    period_figures,
    periods,
    records,
    write_csv,
)
from console.alarms.states import AlarmBook
from console.feed.frames import Event, HistoryEntry
from console.feed.protocol import IncidentState, Severity
from console.incidents.sla import SlaBook
from console.resources import resource
from tests.shifts import hour_with_rules

T = 1_763_942_400.0 - 3600  # 2025-11-24 07:00 Shanghai
SLA = SlaBook.load(resource("config", "sla.json"))


def rec(ts, source="noise@310104", category="noise", severity="blue", ack=None, close=None):
    prio = {"red": "high", "orange": "medium"}.get(severity, "low")
    return (ts, "incident", source, category, "environment", severity, prio, ack, close, source)


def frame(rows):
    return pd.DataFrame(rows, columns=COLUMNS).astype({"ack_ts": float, "close_ts": float})


def test_rate_peak_flood_and_priorities_on_known_records():
    rows = [rec(T + 50 * k) for k in range(12)]  # one every 50 s: the 11th (T+500) makes a flood
    rows += [rec(T + 3000, "gas_leak@310101", "gas_leak", "red", ack=T + 3020, close=T + 3500)]
    rows += [rec(T + 3300 + k, "x@1", "x", "orange") for k in range(3)]  # one source, three times in 3 s
    f = period_figures(frame(rows), T, T + 3600, SLA)
    assert f.alarms == 16 and f.per_10min == pytest.approx(16 / 6)
    assert f.peak_10min == 12
    # a flood from the 11th arrival until 5 are left in the window: the 7th (T+300) leaves at T+900
    assert f.flood_pct == pytest.approx(100 * 400 / 3600)
    assert f.chattering == 1 and f.top10_pct == 100.0  # three sources only
    assert f.priority_pct == pytest.approx({"low": 75.0, "medium": 18.75, "high": 6.25})
    assert f.bad_actors.iloc[0].tolist() == ["noise@310104", 12]
    gas = f.response.set_index("category").loc["gas_leak"]
    assert (gas["ack_median_s"], gas["ack_target_s"], gas["ack_met_pct"]) == (20.0, 30.0, 100.0)
    assert (gas["close_median_s"], gas["close_target_s"], gas["close_met_pct"]) == (500.0, 7200.0, 100.0)
    noise = f.response.set_index("category").loc["noise"]
    # never acknowledged and past the 30-minute target by the period's end: all missed
    assert (noise["n"], noise["ack_target_s"], noise["ack_met_pct"]) == (12, 1800.0, 0.0)
    x = f.response.set_index("category").loc["x"]
    assert x["ack_met_pct"] == 0.0 and x["close_met_pct"] != x["close_met_pct"]  # close not yet due: not judged


def test_stale_alarms_are_those_active_for_more_than_a_day():
    rows = [rec(T - 30 * 3600), rec(T - 30 * 3600, close=T - 20 * 3600), rec(T - 3600)]
    f = period_figures(frame(rows), T, T + 3600, SLA)
    assert f.stale == 1 and f.alarms == 0 and f.peak_10min == 0


def test_records_from_incidents_and_from_the_alarm_book():
    ev = Event("E1", 3, "t", "gas_leak", "gas", Severity.RED, "sensor", "310101", None, IncidentState.CLOSED,
               T, T + 900, history=(HistoryEntry(T, "new", "s", ""), HistoryEntry(T + 40, "dispatched", "o", ""),
                                    HistoryEntry(T + 900, "closed", "o", "")))
    r = incident_records([ev]).iloc[0]
    assert (r["ack_ts"], r["close_ts"], r["priority"]) == (T + 40, T + 900, "high")
    b = AlarmBook()
    b.ensure("C:r:a", "r", Severity.ORANGE, T)
    b.activate("C:r:a", T)
    b.clear("C:r:a", T + 10)
    b.acknowledge("C:r:a", "甲", T + 25)
    b.activate("C:r:a", T + 100)
    a = alarm_records(b.log, {"C:r:a": ("console:r", "traffic", Severity.ORANGE)})
    assert a[["ts", "ack_ts", "close_ts"]].values.tolist()[0] == [T, T + 25, T + 25]
    assert len(a) == 2 and a.iloc[1]["ack_ts"] != a.iloc[1]["ack_ts"]  # the second is still unacknowledged


def test_periods_are_shanghai_shifts_and_days():
    ps = periods(T - 2 * 3600, T + 3600)  # 05:00 to 08:00
    assert [(k, lbl) for k, lbl, *_ in ps] == [("day", "2025-11-24"), ("shift", "11-24 00:00–08:00")]
    ps = periods(T, T + 10 * 3600)  # 07:00 to 17:00: three shifts
    assert [lbl for k, lbl, *_ in ps if k == "shift"] == ["11-24 00:00–08:00", "11-24 08:00–16:00",
                                                          "11-24 16:00–00:00"]


def test_a_simulated_hour_gives_every_figure_and_a_csv(tmp_path):
    state, start, end, eng = hour_with_rules()
    recs = records(state, eng)
    assert set(recs["kind"]) == {"incident", "console"}
    figs = figures(recs, start, end, SLA)
    assert [f.kind for f in figs] == ["shift", "day"]
    f = figs[0]
    assert f.alarms > 0 and f.peak_10min >= f.per_10min and 0 <= f.flood_pct <= 100
    assert sum(f.priority_pct.values()) == pytest.approx(100)
    assert len(f.bad_actors) == 10 and not f.response.empty
    paths = write_csv(figs, tmp_path)
    summary = pd.read_csv(paths[0])
    assert summary["alarms"].tolist() == [f.alarms, figs[1].alarms]
    assert {"avg_per_10min", "peak_10min", "flood_pct", "chattering_sources", "stale_alarms", "low_pct"} <= set(
        summary.columns)
    assert len(pd.read_csv(paths[1])) == 20 and "ack_met_pct" in pd.read_csv(paths[2]).columns


def test_the_city_queue_is_calm_in_normal_times_and_floods_in_a_storm():
    """The demo's city (2 incidents a minute, 70% handled by the districts' own officers) for an hour:
    the city centre's queue holds what its level handles (resources/config/levels.json)."""
    from console.alarms.discovery_rules import RuleEngine, load_rules
    from console.incidents.levels import LevelView, load_level_rules
    from console.simulator.sample_shift import simulate_shift

    level_rules = load_level_rules(resource("config", "levels.json"))

    def hour(storm):
        rules, city = RuleEngine(load_rules(resource("config", "rules.json"))), LevelView(level_rules, "310000")
        state, start, end = simulate_shift(1.0, seed=7, incident_rate_per_min=2.0, auto_handle=0.7, rules=rules,
                                           storm=storm, levels=city)
        return figures(records(state, rules, city), start, end, SLA)[0], figures(records(state, rules), start, end)[0]

    calm, everything = hour(0)
    assert calm.per_10min <= 1.0 and calm.flood_pct == 0.0  # EEMUA 191: about one per 10 minutes
    assert everything.flood_pct > 50  # every street's report at the city would flood it most of the hour
    storm, _ = hour(40)  # a downpour floods one district's streets: they hand it up to the city
    assert storm.peak_10min > 10 and storm.flood_pct > 0
