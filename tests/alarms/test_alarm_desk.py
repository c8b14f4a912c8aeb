"""The alarm desk's decisions, with no Qt and no display: what is announced (once), what a flood holds
back, when a flood starts and ends, what a silence or a shelf holds back, what is audited, and that
auto-escalation sends each incident once and never runs twice at a time."""

import asyncio

import pytest

from console.alarms.alarm_desk import AlarmDesk, Evaluation
from console.alarms.discovery_rules import Rule, RuleEngine
from console.alarms.states import AlarmState
from console.feed.decoder import Decoder
from console.feed.frames import Event
from console.feed.protocol import CommandOp, IncidentState, Level, Severity
from console.incidents.audit_log import AuditLog
from console.incidents.escalation import AutoEscalator, EscalationPolicy
from console.incidents.operator import Operator, Role
from console.model.city_state import CityState
from tests.frames_factory import catalog, samples

dec = Decoder()
T = 1_700_000_000.0
HUANGPU = "C:held:traffic.congestion_index@310101"
OFFICER = Operator("值班员甲", Role.DUTY_OFFICER)


def held(severity: Severity) -> RuleEngine:
    return RuleEngine([Rule("held", "threshold_hold", "持续越限", severity, ("traffic.congestion_index",),
                            on_delay_s=0)])


def city(value: float = 9.0) -> CityState:
    """Huangpu's congestion at `value` (its alarm threshold is 8)."""
    s = CityState()
    s.apply("city", dec.decode(catalog()).frame)
    s.apply("city", dec.decode(samples(1, [["traffic.congestion_index", "310101", T, value]])).frame)
    return s


def incident(eid: str, created: float, severity: Severity = Severity.YELLOW) -> Event:
    return Event(eid, 1, "路面积水", "road_waterlogging", "water", severity, "ai_camera", "310104", None,
                 IncidentState.NEW, created, created)


@pytest.fixture
def audit(tmp_path):
    log = AuditLog(tmp_path / "audit.jsonl")
    yield log
    log.close()


def test_a_new_red_alarm_is_announced_once():
    state = city()
    desk = AlarmDesk(state, held(Severity.RED))
    first = desk.evaluate(state, [], T)
    assert first.changed == {HUANGPU} and first.sounds == 1 and first.held == 0
    again = desk.evaluate(state, [], T + 5)  # still in alarm: the same alarm, not news
    assert again.sounds == 0 and again.changed == set()


def test_a_yellow_alarm_is_shown_but_not_heard():
    state = city()
    ev = AlarmDesk(state, held(Severity.YELLOW)).evaluate(state, [], T)
    assert ev.changed == {HUANGPU} and ev.sounds == 0 and ev.held == 0


def test_a_flood_starts_past_10_in_10_minutes_ends_at_5_and_is_audited(audit):
    desk = AlarmDesk(city(), audit=audit, operator=OFFICER)
    desk.observe_incidents([incident(f"F-{i}", T + i * 20) for i in range(10)], T + 200)
    assert not desk.update_flood(T + 200).in_flood  # ten in ten minutes is a busy shift, not a flood
    desk.observe_incidents([incident("F-10", T + 200)], T + 200)
    start = desk.update_flood(T + 200)
    assert start.in_flood and start.changed and start.count == 11
    assert not desk.update_flood(T + 201).changed  # said once
    assert desk.update_flood(T + 681).in_flood  # 6 still in the window: no blinking banner at 10 or 6
    end = desk.update_flood(T + 701)  # the sixth oldest has left: 5 remain
    assert not end.in_flood and end.changed and end.count == 5
    assert desk.flood.periods == [(T + 200, T + 700)]
    assert [(e["action"], e["detail"]["in_window"], e["operator"]) for e in audit.entries("queue")] == [
        ("flood_start", 11, "值班员甲"), ("flood_end", 5, "值班员甲")]


def test_in_a_flood_only_red_still_sounds_and_the_rest_is_counted_held():
    desk = AlarmDesk(city(), RuleEngine([
        Rule("orange", "threshold_hold", "越限", Severity.ORANGE, ("traffic.congestion_index",), on_delay_s=0),
        Rule("red", "threshold_hold", "越限", Severity.RED, ("traffic.congestion_index",), on_delay_s=0)]))
    desk.observe_incidents([incident(f"F-{i}", T - 60 + i) for i in range(11)], T)
    desk.update_flood(T)
    assert desk.flood.in_flood
    ev = desk.evaluate(desk.state, [], T)
    assert ev.sounds == 1 and ev.held == 1 and desk.sounds_held == 1


def test_a_silenced_rule_raises_nothing_until_the_silence_expires(audit):
    state = city()
    desk = AlarmDesk(state, held(Severity.RED), audit, OFFICER)
    s = desk.silence("rule", "held", "传感器检修", 30, now=T)
    assert s.until_ts == T + 1800 and desk.silences() == [s]
    quiet = desk.evaluate(state, [], T + 1)
    assert quiet.changed == set() and quiet.sounds == 0 and HUANGPU not in state.console_alerts
    loud = desk.evaluate(state, [], T + 1801)  # the silence is over: the alarm comes, and is heard
    assert loud.changed == {HUANGPU} and loud.sounds == 1 and desk.silences() == []
    assert [e["action"] for e in audit.entries("rule:held")] == ["silence", "silence_expired"]
    assert audit.entries("rule:held")[0]["detail"]["reason"] == "传感器检修"


def test_acknowledge_names_the_holder_and_a_shelf_holds_the_alarm_back_until_it_expires(audit):
    state = city()
    desk = AlarmDesk(state, held(Severity.ORANGE), audit, OFFICER)
    desk.evaluate(state, [], T)
    assert desk.can_acknowledge(HUANGPU) and desk.holder(HUANGPU) is None
    desk.acknowledge(HUANGPU, T + 10)
    assert desk.alarm_state(HUANGPU) is AlarmState.ACKED and not desk.can_acknowledge(HUANGPU)
    assert desk.holder(HUANGPU) == ("值班员甲", T + 10)
    desk.shelve(HUANGPU, "传感器检修", 30, T + 20)
    assert [a.id for a in desk.shelved()] == [HUANGPU] and HUANGPU not in state.open_console_alerts()
    assert desk.evaluate(state, [], T + 20 + 1801).sounds == 0  # back by itself, unacknowledged, not re-announced
    assert desk.alarm_state(HUANGPU) is AlarmState.UNACK and desk.shelved() == []
    assert [e["action"] for e in audit.entries(HUANGPU)] == ["alarm_ack", "alarm_shelve", "alarm_shelf_expired"]


def test_suppression_by_design_takes_the_rules_alarms_off_the_queue():
    state = city()
    desk = AlarmDesk(state, held(Severity.ORANGE))
    desk.evaluate(state, [], T)
    desk.suppress_by_design({"held"}, "应急模式", T + 1)
    assert desk.alarm_state(HUANGPU) is AlarmState.SUPPRESSED and HUANGPU not in state.open_console_alerts()
    desk.suppress_by_design(set(), "", T + 2)
    assert HUANGPU in state.open_console_alerts()


def test_a_red_breach_is_news_once():
    desk = AlarmDesk(city())
    late = [incident("R-1", T, Severity.RED), incident("Y-1", T)]
    assert desk.new_breaches(late, lambda e: True) == ["R-1"]  # yellow breaches are not cued
    assert desk.new_breaches(late, lambda e: True) == []
    assert desk.new_breaches([*late, incident("R-2", T, Severity.RED)], lambda e: True) == ["R-2"]


def test_without_rules_the_desk_decides_nothing():
    desk = AlarmDesk(city())
    assert desk.evaluate(desk.state, [], T) == Evaluation(set(), 0, 0)
    assert desk.alarm("anything") is None and not desk.can_acknowledge("anything") and desk.silences() == []
    desk.suppress_by_design({"x"}, "应急模式", T)  # nothing to suppress, and no error


def test_auto_escalation_sends_each_due_incident_once_and_never_runs_twice_at_once():
    class Journal:
        def has_command(self, *_):
            return False

    class Sender:  # answers only when let go, like a platform taking its time
        journal, operator, audit = Journal(), OFFICER, None

        def __init__(self):
            self.sent, self.go = [], asyncio.Event()

        async def submit(self, ev, op, args):
            self.sent.append((ev.id, op))
            await self.go.wait()
            return object()

    async def main():
        sender = Sender()
        desk = AlarmDesk(city(), escalator=AutoEscalator(EscalationPolicy({Severity.RED: 60.0}), sender))
        red = [incident("R-1", T, Severity.RED), incident("R-2", T + 2, Severity.RED), incident("Y-1", T)]
        assert desk.auto_escalate(red, T + 30) is None  # not due yet
        run = desk.auto_escalate(red, T + 61)
        assert run is not None
        await asyncio.sleep(0)
        assert desk.auto_escalate(red, T + 62) is None  # R-2 is due too, but the first run still awaits
        sender.go.set()
        assert len(await run) == 1
        run = desk.auto_escalate(red, T + 120)  # the next tick takes R-2
        assert run is not None and len(await run) == 1
        assert desk.auto_escalate(red, T + 180) is None  # both escalated: never again
        assert sender.sent == [("R-1", CommandOp.ESCALATE), ("R-2", CommandOp.ESCALATE)]

    asyncio.run(main())


def test_a_scoped_desk_counts_sounds_and_escalates_only_what_its_level_handles():
    from console.incidents.levels import LevelView, load_level_rules
    from console.resources import resource

    rules = load_level_rules(resource("config", "levels.json"))
    street = [incident(f"S-{i}", T + i * 10).evolve(region="310104014") for i in range(15)]  # yellow street work
    city_desk = AlarmDesk(city(), levels=LevelView(rules, "310000"))
    city_desk.observe_incidents(street, T + 200)
    assert not city_desk.update_flood(T + 200).in_flood and city_desk.flood.count(T + 200) == 0
    # the streets hand three up to the city a minute later: they arrive then, not at their discovery
    up = [e.evolve(version=2, level=Level.CITY, updated_ts=T + 260) for e in street[:3]]
    city_desk.observe_incidents(up, T + 260)
    assert city_desk.flood.count(T + 859) == 3 and city_desk.flood.count(T + 861) == 0
    # the district sees its streets' work once it is overdue, at its deadline
    district_desk = AlarmDesk(city(), levels=LevelView(rules, "310104"))
    late = [e.evolve(sla_due_ts=T + 300) for e in street[3:]]
    district_desk.observe_incidents(late, T + 200)
    assert district_desk.flood.count(T + 200) == 0
    district_desk.state.incidents.open.update({e.id: e for e in late})
    assert district_desk.update_flood(T + 301).in_flood  # 12 at the deadline: a flood at the district
    assert district_desk.flood.count(T + 301) == 12
    # a red breach cues the city; a yellow street one does not reach it
    red = incident("R-1", T, Severity.RED).evolve(region="310104014")
    assert city_desk.new_breaches([*street, red], lambda e: True, T) == ["R-1"]
    # a yellow alarm on Huangpu's series is the district's, not the city's: not news at the city
    state = city()
    city_alarms = AlarmDesk(state, held(Severity.YELLOW), levels=LevelView(rules, "310000"))
    assert city_alarms.evaluate(state, [], T).changed == {HUANGPU} and city_alarms.flood.count(T) == 0
    huangpu_alarms = AlarmDesk(state := city(), held(Severity.YELLOW), levels=LevelView(rules, "310101"))
    huangpu_alarms.evaluate(state, [], T)
    assert huangpu_alarms.flood.count(T) == 1


def test_a_red_breach_told_by_what_changed_is_news_once():
    desk = AlarmDesk(city())
    assert desk.red_breaches_moved({"R-1", "R-2"}, set()) == ["R-1", "R-2"]
    assert desk.red_breaches_moved({"R-1"}, {"R-1"}) == []  # gone and back between two checks: not news again
    assert desk.red_breaches_moved(set(), {"R-2"}) == []
    assert desk.red_breaches_moved({"R-2"}, set()) == ["R-2"]  # no longer overdue, then overdue again: news
