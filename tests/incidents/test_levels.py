"""What each level handles: the shipped rule set (resources/config/levels.json) against cases written
out by hand from real codes (上海市 310000 › 徐汇区 310104 › 街道 310104014; 长宁区 310105), not derived
from the module; escalation moving an incident up a level; when an incident reaches a level."""

import json

import pytest

from console.feed.frames import Event
from console.feed.protocol import CommandOp, IncidentState, Level, Severity
from console.incidents.levels import LevelRulesError, LevelView, load_level_rules
from console.incidents.lifecycle import Command, apply_command
from console.resources import resource

RULES = load_level_rules(resource("config", "levels.json"))
T = 1_763_900_000.0
STREET, OTHER_STREET, DISTRICT, OTHER_DISTRICT, CITY = "310104014", "310104016", "310104", "310105", "310000"


def ev(region, severity="blue", source="hotline_12345", level=None, due=T + 3600, state="new", domain="water",
       eid="E1"):
    return Event(eid, 1, "t", "c", domain, Severity(severity), source, region, None, IncidentState(state), T - 60,
                 T - 60, sla_due_ts=due, level=Level(level) if level else None)


# (console's scope, the incident, the clause that makes it this level's, or None: not this level's)
CASES = [
    # a street: everything of its own, nothing of its neighbour or its district
    (STREET, ev(STREET), "own"),
    (STREET, ev(STREET, "red", level="city"), "own"),  # escalated away, still on the street's own list
    (STREET, ev(OTHER_STREET, "red"), None),
    (STREET, ev(DISTRICT, "red"), None),
    (STREET, ev(CITY, source="console", domain="feed"), "feeds"),  # its own feed's alarm
    # a district: its own, its streets' serious, escalated and overdue ones
    (DISTRICT, ev(DISTRICT), "own"),
    (DISTRICT, ev(STREET), None),  # a street's blue report stays at the street
    (DISTRICT, ev(STREET, "yellow"), None),
    (DISTRICT, ev(STREET, "orange"), "serious"),
    (DISTRICT, ev(STREET, "red"), "serious"),
    (DISTRICT, ev(STREET, "yellow", level="district"), "escalated"),
    (DISTRICT, ev(STREET, "yellow", level="street"), None),  # said explicitly: the street's
    (DISTRICT, ev(STREET, "yellow", level="city"), "escalated"),
    (DISTRICT, ev(STREET, "yellow", due=T - 1), "overdue"),
    (DISTRICT, ev(STREET, "yellow", due=T - 1, state="closed"), None),  # a closed one is not overdue
    (DISTRICT, ev(OTHER_DISTRICT + "001", "red"), None),  # 长宁's street: not 徐汇's business
    (DISTRICT, ev(OTHER_DISTRICT, "red"), None),
    (DISTRICT, ev(CITY, "red"), None),
    (DISTRICT, ev(CITY, source="console", domain="feed"), "feeds"),
    # the city: red, escalated to the city, cross-district, upper-level assignments
    (CITY, ev(STREET, "red"), "red"),
    (CITY, ev(OTHER_DISTRICT, "red"), "red"),
    (CITY, ev(STREET, "orange"), None),
    (CITY, ev(DISTRICT, "orange"), None),  # a district's own orange is the district's
    (CITY, ev(STREET, "yellow", due=T - 1), None),  # overdue street work is the district's
    (CITY, ev(STREET, "yellow", level="district"), None),  # escalated one level: to the district
    (CITY, ev(DISTRICT, "yellow", level="city"), "escalated"),
    (CITY, ev(STREET, "yellow", level="city"), "escalated"),
    (CITY, ev(CITY, "blue"), "cross_district"),
    (CITY, ev(STREET, "blue", source="upper_level"), "upper_level"),
    (CITY, ev(CITY, source="console", domain="feed"), "cross_district"),  # the first clause that fits
]


@pytest.mark.parametrize(("scope", "event", "why"), CASES,
                         ids=[f"{s}-{e.region}-{e.severity.value}-{w}" for s, e, w in CASES])
def test_the_rule_table(scope, event, why):
    clause = RULES.reason(event, scope, T)
    assert (clause.id if clause else None) == why
    assert RULES.handles(event, scope, T) is (why is not None)


def test_every_clause_has_chinese_and_english_names():
    for level in Level:
        zh, en = RULES.names[level]
        assert not zh.isascii() and en.isascii()
        for c in RULES.clauses[level]:
            assert not c.name_zh.isascii() and c.name_en.isascii() and c.name_en


def _command(event, op=CommandOp.ESCALATE):
    return Command(f"c{event.version}", op, event.id, event.version, "值班员", {"note": "上报"})


def test_escalation_moves_an_incident_up_one_level_in_view():
    street_ev = ev(STREET, "blue", level="street")
    views = {s: LevelView(RULES, s) for s in (STREET, DISTRICT, CITY)}
    assert [views[s].handles(street_ev, T) for s in (STREET, DISTRICT, CITY)] == [True, False, False]
    up = apply_command(street_ev, _command(street_ev), T)
    assert up.level is Level.DISTRICT and up.severity is Severity.YELLOW
    assert [views[s].handles(up, T) for s in (STREET, DISTRICT, CITY)] == [True, True, False]
    top = apply_command(up, _command(up), T + 60)
    assert top.level is Level.CITY and top.severity is Severity.ORANGE
    assert [views[s].handles(top, T) for s in (STREET, DISTRICT, CITY)] == [True, True, True]
    assert apply_command(top, _command(top), T + 120).level is Level.CITY  # the top stays the top
    # with no level from the authority, the region code says where it starts
    district_ev = ev(DISTRICT, "blue")
    assert apply_command(district_ev, _command(district_ev), T).level is Level.CITY


def test_an_incident_arrives_at_a_level_when_it_becomes_that_levels():
    city = LevelView(RULES, CITY)
    first = ev(STREET, "yellow", eid="A")
    assert city.arrive(first, T) is None  # street work: never reached the city
    escalated = first.evolve(version=2, level=Level.CITY, updated_ts=T + 300)
    assert city.arrive(escalated, T + 300) == T + 300  # when it was escalated, not discovered
    assert city.arrive(escalated.evolve(version=3), T + 400) is None  # counted once
    red = ev(STREET, "red", eid="B")
    assert city.arrive(red, T) == T - 60  # the city's from its discovery

    district = LevelView(RULES, DISTRICT)
    slow = ev(STREET, "yellow", eid="C", due=T + 600)
    assert district.arrive(slow, T) is None
    assert district.due(T + 599, {"C": slow}.get) == []
    assert district.due(T + 601, {"C": slow}.get) == [(slow, T + 600)]  # at its deadline
    assert district.arrived == {"C": T + 600}


def test_a_bad_rule_file_is_refused_with_its_reason(tmp_path):
    doc = json.loads(resource("config", "levels.json").read_text(encoding="utf-8"))

    def refused(change, match):
        bad = json.loads(json.dumps(doc))
        change(bad)
        p = tmp_path / "levels.json"
        p.write_text(json.dumps(bad), encoding="utf-8")
        with pytest.raises(LevelRulesError, match=match):
            load_level_rules(p)

    refused(lambda d: d["levels"].pop("district"), "district")
    refused(lambda d: d["levels"]["city"]["handles"][0].update(region="nearby"), "region must be one of")
    refused(lambda d: d["levels"]["city"]["handles"][0].update(severity=["crimson"]), "unknown value")
    refused(lambda d: d["levels"]["city"]["handles"][0].update(when="always"), "unknown key")
    refused(lambda d: d["levels"]["street"].update(handles=[]), "street")
