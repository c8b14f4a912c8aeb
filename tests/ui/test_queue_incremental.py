"""The queue's rows move incrementally (console/views/incident_rows.py): after any mix of updates,
closings, filter and sort changes and a time-shift's reload, the rows shown are exactly those a
from-scratch sort of the open incidents gives, and Qt's own model checker (QAbstractItemModelTester)
finds every row signal consistent. A reload between nearby instants never resets the model."""

import random

from PySide6.QtCore import Qt
from PySide6.QtTest import QAbstractItemModelTester

from console.feed.frames import Event, EventFrame
from console.feed.protocol import IncidentState, Severity
from console.model.city_state import CityState
from console.model.clock import Clock
from console.ui.incident_model import COLUMNS, IncidentTableModel
from widgets.incident_queue import EVENT_ID_ROLE

T = 1_763_900_000.0
STATES = (IncidentState.NEW, IncidentState.ACKNOWLEDGED, IncidentState.DISPATCHED, IncidentState.ON_SCENE)
WORDS = ("积水", "噪音", "井盖", "路灯", "Gas")


def make(rng: random.Random, i: int, version: int = 1) -> Event:
    return Event(f"E{i:04d}", version, f"{rng.choice(WORDS)} {rng.randrange(50)}", rng.choice(("a", "b")),
                 rng.choice(("traffic", "environment")), rng.choice(list(Severity)), "hotline_12345",
                 rng.choice(("310104", "310105", "310104014")), None, rng.choice(STATES),
                 T - rng.randrange(86_400), T, sla_due_ts=T + rng.randrange(-3600, 3600),
                 assignee=rng.choice((None, "甲", "乙")))


def expected(state: CityState, column: str, descending: bool, text: str, severities: set[str]) -> list[str]:
    """The rows a plain Python sort of the open incidents gives (ties in any order: compared as groups)."""
    def key(e: Event):
        return {"severity": (e.severity.rank, -e.created_ts), "title": e.title, "district": e.region,
                "age": -e.created_ts, "holder": e.assignee or "", "sla": e.sla_due_ts}[column]
    evs = [e for e in state.incidents.open.values()
           if (not text or text.casefold() in e.title.casefold())
           and (not severities or e.severity.value in severities)]
    evs.sort(key=key, reverse=descending)
    return [key(e) for e in evs]


def shown(model, column: str) -> list:
    out = []
    for r in range(model.rowCount()):
        e = model.event_at(r)
        out.append({"severity": (e.severity.rank, -e.created_ts), "title": e.title, "district": e.region,
                    "age": -e.created_ts, "holder": e.assignee or "", "sla": e.sla_due_ts}[column])
    return out


class Mirror:
    """What a view learns from the signals alone: a list of ids kept by rowsRemoved/rowsInserted, and
    each dataChanged row checked against the model as it is signalled."""

    def __init__(self, model):
        self.model = model
        self.ids = [model.event_at(r).id for r in range(model.rowCount())]
        model.rowsRemoved.connect(lambda _p, a, b: self.ids.__delitem__(slice(a, b + 1)))
        model.rowsInserted.connect(lambda _p, a, b: self.ids.__setitem__(
            slice(a, a), [model.event_at(r).id for r in range(a, b + 1)]))
        model.modelReset.connect(lambda: setattr(self, "ids", [model.event_at(r).id for r in range(model.rowCount())]))
        self.wrong = []
        model.dataChanged.connect(self._changed)

    def _changed(self, top, bottom):
        for r in range(top.row(), bottom.row() + 1):
            if r < len(self.ids) and self.ids[r] != self.model.event_at(r).id:
                self.wrong.append(r)

    def agrees(self) -> bool:
        return not self.wrong and self.ids == [self.model.event_at(r).id for r in range(self.model.rowCount())]


def watched_queue(seed: int, n: int):
    """n random incidents in a state, the queue's model over them under Qt's model tester, the resets it
    signals, and a mirror of its rows kept by its row signals alone."""
    rng = random.Random(seed)
    state, clock = CityState(), Clock()
    clock.set_fixed(T)
    for i in range(n):
        state.apply("city", EventFrame(0, make(rng, i)))
    state.take_changes()
    model = IncidentTableModel(state, clock)
    QAbstractItemModelTester(model, QAbstractItemModelTester.FailureReportingMode.Fatal)
    resets = []
    model.modelReset.connect(lambda: resets.append(1))
    return rng, state, model, resets, Mirror(model)


def test_rows_stay_as_a_fresh_sort_gives_them_through_updates(qapp):
    rng, state, model, resets, mirror = watched_queue(4, 300)
    versions = {i: 1 for i in range(300)}
    for step, column in enumerate(("severity", "title", "district", "age", "holder", "sla")):
        descending = step % 2 == 0
        model.sort(COLUMNS.index(column), Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder)
        text, sevs = ("积水", set()) if step == 2 else ("", {"red", "orange"}) if step == 3 else ("", set())
        model.set_filters(text=text, severities=sevs)
        resets.clear()
        for _ in range(8):
            for i in rng.sample(range(330), 25):  # updates, new ones, and closings
                versions[i] = versions.get(i, 0) + 1
                ev = make(rng, i, versions[i])
                if rng.random() < 0.2:
                    ev = ev.evolve(state=IncidentState.CLOSED)
                state.apply("city", EventFrame(0, ev))
            model.apply_changes(state.take_changes())
            assert shown(model, column) == expected(state, column, descending, text, sevs), (column, descending)
            assert mirror.agrees(), (column, descending)
        assert not resets  # moved row by row


def test_a_reload_to_a_nearby_instant_moves_rows_without_a_reset(qapp):
    rng, state, model, resets, mirror = watched_queue(7, 200)
    # the state rebuilt at another instant: new objects for the same incidents, a few of them changed
    rebuilt = CityState()
    for e in list(state.incidents.open.values()):
        rebuilt.apply("city", EventFrame(0, e.evolve()))
    for i in (3, 50, 120):
        e = state.incidents.open[f"E{i:04d}"]
        rebuilt.apply("city", EventFrame(0, e.evolve(version=e.version + 1, state=IncidentState.CLOSED)))
    rebuilt.apply("city", EventFrame(0, make(rng, 999)))
    state.copy_from(rebuilt)
    model.reload()
    assert not resets and mirror.agrees()
    assert shown(model, "severity") == expected(state, "severity", True, "", set())
    assert model.rowCount() == 198


def test_a_clock_second_repaints_only_the_cells_that_changed(qapp):
    """Once a second the rows painted so far are made again; only cells whose text or colour moved are
    signalled (a countdown each second, an age each minute, a whole row when it breaches), and what the
    view then asks for is current, painted or not."""
    state, clock = CityState(), Clock()
    clock.set_fixed(T)
    for i in range(40):  # ages of whole minutes and ten seconds: one second later they read the same
        e = Event(f"E{i:04d}", 1, f"积水 {i}", "a", "traffic", Severity.BLUE, "hotline_12345", "310104", None,
                  IncidentState.NEW, T - 600 - 60 * i - 10, T, sla_due_ts=T + 100 + i)
        state.apply("city", EventFrame(0, e))
    late = state.incidents.open["E0035"].evolve(version=2, sla_due_ts=T + 0.5)  # breaches in the next second
    state.apply("city", EventFrame(0, late))
    state.take_changes()
    model = IncidentTableModel(state, clock)
    QAbstractItemModelTester(model, QAbstractItemModelTester.FailureReportingMode.Fatal)
    sla, last = COLUMNS.index("sla"), len(COLUMNS) - 1
    for r in range(10):  # a paint of the first ten rows
        for c in range(len(COLUMNS)):
            model.index(r, c).data()
    row_late = model.row_of("E0035")
    assert row_late < 10
    seen = []
    model.dataChanged.connect(lambda a, b, _roles=(): seen.append((a.row(), b.row(), a.column(), b.column())))
    clock.set_fixed(T + 1)
    model.refresh_clocks()
    assert sorted(seen) == sorted((r, r, 0, last) if r == row_late else (r, r, sla, sla) for r in range(10))
    for r in (0, 20):  # painted or not, what is asked for now is of this second
        left = int(model.event_at(r).sla_due_ts - T - 1)
        assert model.index(r, sla).data() == f"结案 {left // 60:02d}:{left % 60:02d}"
    seen.clear()
    clock.set_fixed(T + 60)  # a minute on: the ages too
    model.refresh_clocks()
    age = COLUMNS.index("age")
    assert sorted(seen) == sorted((r, r, age, sla) for r in (*range(10), 20))  # row 20 asked for since


def test_the_other_order_of_the_same_column_reads_the_kept_rows_backwards(qapp):
    """A second click on a column's header gives the other order without sorting again: the rows, what
    each row says it holds, and the rows after later updates are those of a fresh sort."""
    rng, state, model, _resets, mirror = watched_queue(11, 250)
    versions = dict.fromkeys(range(250), 1)
    for column in ("title", "sla"):
        for descending in (False, True, False):
            order = Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
            for r in (0, model.rowCount() - 1):  # a paint before the click
                model.index(r, 0).data()
            model.sort(COLUMNS.index(column), order)
            for r in (0, model.rowCount() // 2, model.rowCount() - 1):  # painted cells are of the row's incident
                assert model.index(r, 0).data(EVENT_ID_ROLE) == model.event_at(r).id
            assert shown(model, column) == expected(state, column, descending, "", set())
            for i in rng.sample(range(270), 20):
                versions[i] = versions.get(i, 0) + 1
                state.apply("city", EventFrame(0, make(rng, i, versions[i])))
            model.apply_changes(state.take_changes())
            assert shown(model, column) == expected(state, column, descending, "", set()), (column, descending)
            assert mirror.agrees()


def test_rows_changed_in_place_are_signalled_where_painted_and_read_new_everywhere(qapp):
    """A feed's batch that changes rows in place (their sort key kept) signals the rows a view has
    painted, not the thousands it never asked for (a signal each cost the GUI thread ~4 ms a second in
    the map benchmark); every changed row, painted or not, reads its new title when asked."""
    rng, state, model, resets, mirror = watched_queue(7, 300)
    model.sort(COLUMNS.index("severity"), Qt.SortOrder.DescendingOrder)
    resets.clear()
    title = COLUMNS.index("title")
    painted = range(10)
    for r in painted:  # what a view showing the first ten rows asks for
        for c in range(len(COLUMNS)):
            model.index(r, c).data()
    rows = sorted({*rng.sample(range(300), 40), 2, 7})
    ids = {r: model.event_at(r).id for r in rows}
    seen = []
    model.dataChanged.connect(lambda a, b, _roles=(): seen.extend(range(a.row(), b.row() + 1)))
    for r, eid in ids.items():
        ev = state.incidents.open[eid]
        state.apply("city", EventFrame(0, ev.evolve(version=ev.version + 1, title=f"新标题 {r}")))
    model.apply_changes(state.take_changes())
    assert [model.event_at(r).id for r in rows] == [ids[r] for r in rows]  # in place: no row moved
    assert sorted(set(seen)) == [r for r in rows if r in painted]
    assert all(model.index(r, title).data().startswith(f"新标题 {r}") for r in rows)  # (a group says ×N)
    assert mirror.agrees() and not resets
