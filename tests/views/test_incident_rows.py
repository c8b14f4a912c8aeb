"""The queue's rows as columns (console/views/incident_rows.py), Qt-free: through any mix of new,
changed and dropped incidents, sorts and filter changes, the rows in view are those a plain Python
sort of the passing incidents gives; what `place` reports, applied to a list as a view applies row
signals, gives the same rows; and a filter change (a mask over the order kept, no sort) gives what a
fresh sort gives. Columns with thousands of equal keys (one source, a few districts) included."""

import random

import numpy as np
import pytest

from console.feed.frames import Event
from console.feed.protocol import IncidentState, Severity
from console.views.incident_rows import COLUMNS, Filters, IncidentRows

T = 1_763_900_000.0
STATES = (IncidentState.NEW, IncidentState.ACKNOWLEDGED, IncidentState.DISPATCHED, IncidentState.ON_SCENE)
STATE_ORDER = {s.value: i for i, s in enumerate(STATES)}


def make(rng: random.Random, i: int, version: int = 1) -> Event:
    return Event(f"E{i:04d}", version, f"{rng.choice(('积水', '噪音', '井盖'))} {rng.randrange(30)}", "c",
                 rng.choice(("traffic", "environment")), rng.choice(list(Severity)), "hotline_12345",
                 rng.choice(("310104", "310105", "310104014")), None, rng.choice(STATES),
                 T - rng.randrange(2000), T, sla_due_ts=T + rng.randrange(-20, 20) * 60.0,
                 assignee=rng.choice((None, "甲", "乙")))


def key(ev: Event, column: str):
    """The column's order, written out plainly (ties in any order: compared as lists of keys)."""
    return {"severity": (ev.severity.rank, -ev.created_ts), "state": (STATE_ORDER[ev.state.value], -ev.created_ts),
            "title": ev.title, "district": ev.region, "source": ev.source, "age": -ev.created_ts,
            "sla": ev.sla_due_ts, "holder": ev.assignee or ""}[column]


def passes(ev: Event, f: Filters) -> bool:
    return ((not f.severities or ev.severity.value in f.severities) and (not f.states or ev.state.value in f.states)
            and ev.region.startswith(f.district) and (not f.text or f.text.casefold() in ev.title.casefold()))


class Mirror:
    """A list kept by what `place` reports, applied as a view applies row signals."""

    def __init__(self, rows: IncidentRows):
        self.rows = rows
        self.ids = shown(rows)

    def apply(self, placed, touched: set[str]) -> None:
        now = shown(self.rows)
        if placed is None:  # rebuilt: a reset
            self.ids = now
            return
        for p in sorted(placed.removed.tolist(), reverse=True):
            del self.ids[p]
        for p in placed.inserted.tolist():
            self.ids.insert(p, now[p])
        # every incident touched that stayed in view is said changed where it now stands, and no other
        stayed = {eid for eid in now if eid in touched} - {now[p] for p in placed.inserted.tolist()}
        assert sorted(now[p] for p in placed.changed.tolist()) == sorted(stayed)


def shown(rows: IncidentRows) -> list[str]:
    return [rows.id_of[s] for s in rows.view.tolist()]


def put_ours(rows: IncidentRows, evs: list[Event]) -> np.ndarray:
    """Store `evs` as this console's own incidents; their slots."""
    slots = rows.put(evs, [e.sla_due_ts for e in evs])
    rows.ours[slots] = True
    return slots


def churn(rows: IncidentRows, events: dict[str, Event], batch: list[Event], gone: list[str]) -> np.ndarray:
    """One update as the bridge makes it: `batch` stored, the incidents `gone` closed (out of `events`
    too), and every touched slot re-placed; the batch's slots."""
    slots = put_ours(rows, batch)
    events.update({e.id: e for e in batch})
    dropped = [rows.drop(eid) for eid in gone]
    for eid in gone:
        del events[eid]
    rows.place(np.concatenate((slots, np.array(dropped, dtype=np.int64))),
               np.concatenate((rows.mask(slots), np.zeros(len(dropped), dtype=bool))))
    return slots


@pytest.mark.parametrize("column", COLUMNS)
def test_rows_in_view_stay_as_a_fresh_sort_gives_them(column):
    rng = random.Random(COLUMNS.index(column))
    rows = IncidentRows(capacity=4)  # grown as incidents come
    rows.sort_column = column
    filters = [Filters(), Filters(severities=frozenset({"red", "orange"})), Filters(district="310104"),
               Filters(text="积水", states=frozenset({"new", "dispatched"}))]

    events = {e.id: e for e in (make(rng, i) for i in range(400))}
    put_ours(rows, list(events.values()))
    rows.rebuild()
    mirror = Mirror(rows)
    versions = dict.fromkeys(events, 1)
    for step in range(60):
        if step % 15 == 14:  # a filter change: the kept order, masked
            rows.filters = filters[step // 15 % len(filters)]
            rows.rebuild(resort=False)
            mirror = Mirror(rows)
        batch, gone = [], []
        for i in rng.sample(range(480), 30):  # updates (some moving, some not), new ones and closings
            eid = f"E{i:04d}"
            if eid in versions and rng.random() < 0.15:
                gone.append(eid)
                continue
            versions[eid] = versions.get(eid, 0) + 1
            ev = make(rng, i, versions[eid])
            if eid in events and rng.random() < 0.5:  # same key: a change in place
                ev = events[eid].evolve(version=versions[eid], detail=f"v{versions[eid]}")
            batch.append(ev)
        slots = put_ours(rows, batch)
        dropped = [rows.drop(eid) for eid in gone]
        for eid in gone:
            versions.pop(eid)
            events.pop(eid, None)
        events.update({e.id: e for e in batch})
        slots = np.concatenate((slots, np.array(dropped, dtype=np.int64)))
        mirror.apply(rows.place(slots, rows.mask(slots)), {e.id for e in batch})
        live = [events.get(eid) for eid in versions]
        want = sorted(key(e, column) for e in live if e is not None and passes(e, rows.filters))
        got = [key(events[eid], column) for eid in shown(rows)]
        assert got == want, (column, step)
        assert mirror.ids == shown(rows), (column, step)
        for p in rng.sample(range(len(rows.view)), min(40, len(rows.view))):
            assert rows.position(int(rows.view[p])) == p
        # the same filter from scratch: a fresh sort gives the same keys in the same order
        fresh = IncidentRows()
        fresh.sort_column, fresh.filters = column, rows.filters
        fs = fresh.put(list(events[eid] for eid in versions if eid in events),
                       [events[eid].sla_due_ts for eid in versions if eid in events])
        fresh.ours[fs] = True
        fresh.rebuild()
        assert [key(events[fresh.id_of[s]], column) for s in fresh.view.tolist()] == got


def test_red_overdue_changes_are_the_late_red_rows_this_level_handles():
    def ev(eid, severity, due):
        return Event(eid, 1, eid, "c", "traffic", severity, "hotline_12345", "310104", None, IncidentState.NEW,
                     T - 60, T - 60, sla_due_ts=due)

    rows = IncidentRows()
    evs = [ev("LATE", Severity.RED, T - 1), ev("ON-TIME", Severity.RED, T + 1), ev("YELLOW", Severity.YELLOW, T - 1),
           ev("OTHER-LEVEL", Severity.RED, T - 1), ev("CLOSING", Severity.RED, T - 1)]
    slots = rows.put(evs, [e.sla_due_ts for e in evs])
    rows.ours[slots] = [True, True, True, False, True]
    assert rows.red_overdue_changes(Severity.RED.rank, T) == (["LATE", "CLOSING"], [])
    assert rows.red_overdue_changes(Severity.RED.rank, T) == ([], [])  # nothing moved
    rows.drop("CLOSING")
    rows.place(np.array([slots[4]]), np.array([False]))
    again = rows.put([ev("NEW", Severity.RED, T - 1)], [T - 1])  # may take the closed one's slot
    rows.ours[again] = True
    assert rows.red_overdue_changes(Severity.RED.rank, T + 2) == (["ON-TIME", "NEW"], ["CLOSING"])


def test_a_standing_search_follows_changed_new_and_dropped_rows():
    """A search is scanned once over all the text and then kept as rows change: another filter change
    while it stands gives the rows a plain test of every title gives (titles gaining or losing the word,
    new incidents, closed ones, slots reused)."""
    rng = random.Random(7)
    rows = IncidentRows(capacity=4)

    events = {e.id: e for e in (make(rng, i) for i in range(600))}
    put_ours(rows, list(events.values()))
    rows.filters = Filters(text="积水")
    rows.rebuild()
    districts = ["310104", "", "310105", ""]
    for step in range(12):
        batch = []
        for i in rng.sample(range(900), 80):  # retitled (the word gained or lost) and new incidents
            eid = f"E{i:04d}"
            ev = make(rng, i, events[eid].version + 1 if eid in events else 1)
            batch.append(ev.evolve(title=rng.choice(("积水 新", "噪音 新", f"路面积水{i}", "井盖"))))
        gone = rng.sample(sorted(events), 20)
        churn(rows, events, batch, gone)
        rows.filters = Filters(text="积水", district=districts[step % 4])  # the search stands, the area moves
        rows.rebuild(resort=False)
        want = sorted(e.id for e in events.values() if passes(e, rows.filters))
        assert sorted(shown(rows)) == want, step
        assert len(want) > 50


def test_going_back_to_a_column_sorted_by_before_gives_what_a_fresh_sort_gives():
    """Each column's order is kept when another is sorted by, and taken up again with the rows touched
    since re-placed (changed keys, new incidents, closed ones, slots reused, a standing filter)."""
    rng = random.Random(5)
    rows = IncidentRows(capacity=4)

    events = {e.id: e for e in (make(rng, i) for i in range(500))}
    put_ours(rows, list(events.values()))
    rows.rebuild()
    for step in range(40):
        column = rng.choice(COLUMNS)  # mostly one sorted by before, sometimes the same again
        column = {19: "title", 20: "age", 21: "title"}.get(step, column)
        if step == 21:  # titles renumbered while sorted by age: the title order kept is of old numbers
            generation = rows.orders["title"].generation
            for k in range(1, 70):  # each between the last and the next title: the gap halves each time
                eid = sorted(events)[k]
                ev = events[eid] = events[eid].evolve(version=events[eid].version + 1, title="积水 0" + "a" * k)
                slots = put_ours(rows, [ev])
                rows.place(slots, rows.mask(slots))
            assert rows.orders["title"].generation > generation
        rows.sort_column = column
        rows.filters = Filters(text="积水") if step % 5 == 4 else Filters()
        rows.rebuild()
        for _ in range(2):  # sorted, then after a batch of changes placed in that order
            want = sorted(key(e, column) for e in events.values() if passes(e, rows.filters))
            assert [key(events[eid], column) for eid in shown(rows)] == want, (step, column)
            for p in rng.sample(range(len(rows.view)), min(30, len(rows.view))):
                assert rows.position(int(rows.view[p])) == p
            batch = []
            for i in rng.sample(range(600), 40):  # changed (most keys move), new, and closed incidents
                eid = f"E{i:04d}"
                batch.append(make(rng, i, events[eid].version + 1 if eid in events else 1))
            gone = rng.sample(sorted(events), 10)
            churn(rows, events, batch, gone)
