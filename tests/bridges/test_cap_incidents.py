"""CAP 1.2 in, the mapping: each fixture becomes the incident docs/integration.md documents (level,
domain, region, area, title), an Update amends the same incident, a Cancel ends it, `expires` closes it,
operators' commands move it through the lifecycle, and a restart keeps the chains."""

from __future__ import annotations

import json

import pytest

from console.bridges.cap.alert import parse_alert
from console.bridges.cap.book import CapIncidentBook
from console.bridges.cap.mapping import MappingError, load_mapping
from console.feed.decoder import decode_event
from console.feed.protocol import CommandOp, IncidentState, Severity
from console.incidents.lifecycle import Command, CommandRejected
from console.jetstream.layout import commands_subject
from console.resources import resource
from console.simulator.city_catalog import load_regions
from tests.bridges.cap_files import fixture

REGIONS = {r.code: r for r in load_regions()}


def book(**changes) -> CapIncidentBook:
    return CapIncidentBook(load_mapping(), REGIONS) if not changes else CapIncidentBook(changes["mapping"], REGIONS)


def one(b: CapIncidentBook, name: str, now: float | None = None):
    alert = parse_alert(fixture(name))
    out = b.apply_alert(alert, alert.sent if now is None else now)
    return out


# (fixture, level, domain, region, title, location) as docs/integration.md's table has them
DOCUMENTED = [
    ("a1_homeland_security.xml", "orange", "safety", "310000", "Homeland Security Sets Code ORANGE",
     (31.2129, 121.4845)),
    ("a2_severe_thunderstorm.xml", "orange", "weather", "310000", "SEVERE THUNDERSTORM WARNING", (38.4875, -119.93)),
    ("a3_earthquake_update.xml", "blue", "safety", "310000", "EQ 3.4 Imperial County CA", (32.9525, -115.5527)),
    ("a4_amber_alert.xml", "orange", "safety", "310000", "Amber Alert in Los Angeles County", (31.2129, 121.4845)),
    ("rainstorm_red.xml", "red", "weather", "310000", "上海市气象台发布暴雨红色预警信号", (31.1975, 121.4625)),
    ("typhoon_blue.xml", "blue", "weather", "310115", "浦东新区气象局发布台风蓝色预警信号", (30.9, 121.9)),
    ("heat_yellow_street.xml", "yellow", "health", "310101", "黄浦区发布高温黄色预警信号（外滩、南京东路街道）",
     (31.218, 121.479)),
]


@pytest.mark.parametrize(("name", "level", "domain", "region", "title", "location"), DOCUMENTED,
                         ids=[d[0] for d in DOCUMENTED])
def test_each_fixture_maps_to_its_documented_incident(name, level, domain, region, title, location):
    out = one(book(), name)
    assert out.skipped is None and len(out.events) == 1  # AMBER's and the typhoon's translations: one incident
    ev = out.events[0]
    assert (ev.severity.value, ev.domain, ev.region, ev.title, ev.location) == (level, domain, region, title, location)
    assert ev.source == "upper_level" and ev.state is IncidentState.NEW and ev.version == 1
    assert ev.id.startswith("cap:") and commands_subject(ev.id) == "city.commands.cap"
    assert decode_event(ev.to_wire()) == ev  # what goes on the wire decodes back to the same incident


def test_areas_travel_with_the_incident():
    thunder = one(book(), "a2_severe_thunderstorm.xml").events[0]
    assert thunder.area.polygons == (((38.47, -120.14), (38.34, -119.95), (38.52, -119.74), (38.62, -119.89),
                                      (38.47, -120.14)),)
    wire = thunder.to_wire()["area"]
    assert wire["polygons"][0][0] == [38.47, -120.14] and wire["circles"] == []
    typhoon = one(book(), "typhoon_blue.xml").events[0]
    assert typhoon.area.circles == ((30.9, 121.9, 25.0),) and typhoon.area.desc == "浦东新区沿海"
    assert one(book(), "a1_homeland_security.xml").events[0].area.polygons == ()


def test_markup_in_a_warning_stays_text():
    ev = one(book(), "heat_yellow_street.xml").events[0]
    assert "<script>alert(1)</script>" in ev.detail


def test_update_amends_the_same_incident_and_cancel_ends_it():
    b = book()
    red = one(b, "rainstorm_red.xml").events[0]
    upd = one(b, "rainstorm_orange_update.xml").events
    assert [e.id for e in upd] == [red.id]
    orange = upd[0]
    assert orange.version == 2 and orange.severity is Severity.ORANGE and orange.region == "310101"
    assert orange.title == "上海市气象台将暴雨红色预警信号降级为橙色" and orange.created_ts == red.created_ts
    cancel = one(b, "rainstorm_cancel.xml").events
    assert [(e.id, e.version, e.state) for e in cancel] == [(red.id, 3, IncidentState.CANCELLED)]
    assert not b.events
    assert one(b, "rainstorm_cancel.xml").skipped == "duplicate"


def test_an_update_keeps_what_the_operators_did():
    b = book()
    red = one(b, "rainstorm_red.xml").events[0]
    t = red.created_ts + 60
    b.apply(Command("c1", CommandOp.DISPATCH, red.id, 1, "值班员", {"assignee": "黄浦区防汛办"}), t)
    orange = one(b, "rainstorm_orange_update.xml").events[0]
    assert orange.state is IncidentState.DISPATCHED and orange.assignee == "黄浦区防汛办" and orange.version == 3
    assert [h.note for h in orange.history][-1].startswith("上级更新预警")


def test_expires_closes_it():
    b = book()
    ev = one(b, "typhoon_blue.xml").events[0]
    expires = parse_alert(fixture("typhoon_blue.xml")).infos[0].expires
    assert b.expire(expires - 1) == []
    closed = b.expire(expires)
    assert [(e.id, e.state, e.version) for e in closed] == [(ev.id, IncidentState.CLOSED, 2)]
    assert b.expire(expires + 100) == [] and not b.events


def test_alerts_already_expired_tests_and_unknown_cancels_are_counted_not_published():
    b = book()
    assert one(b, "a2_severe_thunderstorm.xml", now=2e9).skipped == "expired_on_arrival"
    assert one(b, "rainstorm_cancel.xml").skipped == "cancel_of_unknown"
    drill = parse_alert(fixture("typhoon_blue.xml").replace(b"<status>Actual</status>", b"<status>Exercise</status>"))
    assert b.apply_alert(drill, drill.sent).skipped == "status_exercise"
    assert dict(b.skipped) == {"expired_on_arrival": 1, "cancel_of_unknown": 1, "status_exercise": 1}
    assert not b.events


def test_operators_act_on_warnings_like_any_incident():
    b = book()
    ev = one(b, "rainstorm_red.xml").events[0]
    t = ev.created_ts + 10
    ack = b.apply(Command("c1", CommandOp.ACKNOWLEDGE, ev.id, 1, "值班员", {}), t)
    assert ack.state is IncidentState.ACKNOWLEDGED and ack.version == 2
    with pytest.raises(CommandRejected):
        b.apply(Command("c2", CommandOp.ACKNOWLEDGE, ev.id, 1, "值班员", {}), t)  # stale version
    with pytest.raises(CommandRejected):
        b.apply(Command("c3", CommandOp.ACKNOWLEDGE, "cap:nope-0", 1, "值班员", {}), t)


def test_a_restarted_book_still_knows_the_chain():
    b = book()
    red = one(b, "rainstorm_red.xml").events[0]
    again = book()
    again.restore(json.loads(json.dumps(b.state())))
    upd = one(again, "rainstorm_orange_update.xml").events[0]
    assert (upd.id, upd.version) == (red.id, 2)


def test_a_restarted_book_continues_the_versions_of_ended_warnings():
    b = book()
    red = one(b, "rainstorm_red.xml").events[0]
    assert b.expire(red.created_ts + 12 * 3600)[0].version == 2  # expired
    again = book()
    again.restore(json.loads(json.dumps(b.state())))
    reissued = one(again, "rainstorm_orange_update.xml", now=red.created_ts + 7200).events[0]
    assert (reissued.id, reissued.version, reissued.state) == (red.id, 3, IncidentState.NEW)


def test_the_level_table_is_the_sites_to_change(tmp_path):
    doc = json.loads(resource("config", "cap_mapping.json").read_text(encoding="utf-8"))
    doc["levels"].insert(0, {"severity": ["Severe"], "level": "red"})
    doc["colour_words"] = {}
    path = tmp_path / "m.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    ev = one(book(mapping=load_mapping(path)), "a1_homeland_security.xml").events[0]
    assert ev.severity is Severity.RED
    doc["levels"] = [{"severity": ["Severe"], "level": "red"}]  # nothing for the rest: refused
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(MappingError, match="last rule"):
        load_mapping(path)
    doc["levels"] = [{"severity": ["Bad"], "level": "red"}, {"level": "blue"}]
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(MappingError, match=r"levels\[0\]"):
        load_mapping(path)


def test_outside_areas_can_be_dropped(tmp_path):
    doc = json.loads(resource("config", "cap_mapping.json").read_text(encoding="utf-8"))
    doc["outside"] = "drop"
    path = tmp_path / "m.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    b = book(mapping=load_mapping(path))
    assert one(b, "a1_homeland_security.xml").skipped == "outside_area"
    assert one(b, "typhoon_blue.xml").events[0].region == "310115"
