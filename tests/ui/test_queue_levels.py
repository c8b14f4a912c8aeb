"""The queue holds what the console's level handles (resources/config/levels.json): a district centre's
queue (徐汇区, 310104) shows its own incidents and its streets' serious ones, takes a street's report in
when it is escalated and when its deadline passes, and never folds a row under one it does not show."""

from console.feed.frames import Event, EventFrame
from console.feed.protocol import IncidentState, Level, Severity
from console.incidents.levels import LevelView, load_level_rules
from console.model.city_state import CityState
from console.model.clock import Clock
from console.resources import resource
from console.ui.incident_model import IncidentTableModel

T = 1_763_900_000.0
LEVELS = LevelView(load_level_rules(resource("config", "levels.json")), "310104")


def ev(eid, region, severity="blue", category="noise", created=T - 600, due=T + 3600, version=1, level=None):
    return Event(eid, version, eid, category, "environment", Severity(severity), "hotline_12345", region, None,
                 IncidentState.NEW, created, created, sla_due_ts=due, level=level)


def rows(model) -> set[str]:
    return {model.event_at(r).id for r in range(model.rowCount())}


def test_a_district_queue_holds_what_its_level_handles(qapp):
    state, clock = CityState(), Clock()
    clock.set_fixed(T)
    for e in (ev("OWN", "310104"), ev("SERIOUS", "310104014", "orange"), ev("STREET", "310104014"),
              ev("LATE", "310104016", "yellow", due=T + 60), ev("NEIGHBOUR", "310105001", "red")):
        state.apply("city", EventFrame(0, e))
    state.take_changes()
    model = IncidentTableModel(state, clock, levels=LEVELS)
    assert rows(model) == {"OWN", "SERIOUS"}
    unfiltered = IncidentTableModel(state, clock)  # no scope: every incident, as before
    assert rows(unfiltered) == {"OWN", "SERIOUS", "STREET", "LATE", "NEIGHBOUR"}

    # the street escalates its report: it comes into the district's queue
    state.apply("city", EventFrame(0, ev("STREET", "310104014", "yellow", version=2, level=Level.DISTRICT)))
    model.apply_changes(state.take_changes())
    assert rows(model) == {"OWN", "SERIOUS", "STREET"}

    # a street's report past its deadline comes in when the deadline passes, not before
    clock.set_fixed(T + 59)
    model.refresh_clocks()
    assert "LATE" not in rows(model)
    clock.set_fixed(T + 61)
    model.refresh_clocks()
    assert rows(model) == {"OWN", "SERIOUS", "STREET", "LATE"}


def test_near_duplicates_group_only_among_the_levels_rows(qapp):
    state, clock = CityState(), Clock()
    clock.set_fixed(T)
    # the same cause at the same street: the first a blue report (the street's), then an orange one
    for e in (ev("FIRST", "310104014", "blue", "gas_smell", created=T - 300),
              ev("SECOND", "310104014", "orange", "gas_smell", created=T - 200)):
        state.apply("city", EventFrame(0, e))
    state.take_changes()
    model = IncidentTableModel(state, clock, levels=LEVELS)
    model.set_filters(group_duplicates=True)  # as in a flood
    assert rows(model) == {"SECOND"}  # not folded under FIRST, which this queue does not show
    assert model.group_size.get("SECOND", 1) == 1
