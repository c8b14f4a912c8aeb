"""The incident queue as one Qt table model: open platform incidents and open console-raised items,
filtered and sorted here rather than by a QSortFilterProxyModel.

Why not the proxy: with 100,000 incidents it calls back into Python for every comparison and every row.
Here the rows are columns of numpy arrays (console/views/incident_rows.py): a sort change is one argsort
(none for the other order of the same column; back to a column sorted by before, only the rows touched
since move) and a filter change one mask (both a model reset; the queue re-selects by id); each row is
handed to the queue's delegate as one tuple (ROW_ROLE, widgets/row_cells.py), and incident updates, or a
time-shift's step to a nearby instant, move only the rows that changed, each with proper
row-removed/inserted signals (a layoutChanged must never change the row count).

Everything the feed says is returned as plain text: item views never interpret markup.
"""

from __future__ import annotations

import functools
import heapq
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QCoreApplication, QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from console.alarms.discovery_rules import CONSOLE_SOURCE
from console.feed.frames import Event
from console.feed.protocol import DiscoverySource, Severity
from console.incidents.levels import LevelView
from console.incidents.lifecycle import holder_of
from console.incidents.sla import STAGE_ZH, SlaBook, SlaStatus
from console.model.city_state import Changes, CityState
from console.model.clock import Clock
from console.ui.i18n import is_english
from console.views.incident_rows import COLUMNS, Filters, IncidentRows, Placed
from console.views.labels import (
    CONSOLE_SOURCE_ZH,
    SEVERITY_COLOR,
    SEVERITY_ZH,
    SOURCE_ZH,
    STATE_ZH,
    format_age,
    format_countdown,
)
from widgets.incident_queue import EVENT_ID_ROLE
from widgets.row_cells import ROW_ROLE
from widgets.text import plain_tooltip

HEADERS = {
    "severity": "级别", "title": "标题", "district": "区域", "source": "发现渠道", "state": "状态",
    "age": "时长", "sla": "时限剩余", "holder": "处置人·已持有",
}
_ROLES = frozenset({ROW_ROLE, Qt.ItemDataRole.DisplayRole, EVENT_ID_ROLE, Qt.ItemDataRole.ForegroundRole,
                    Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ToolTipRole})
_DISPLAY, _FG, _BG, _TIP = (int(r) for r in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ForegroundRole,
                                                Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ToolTipRole))
_SLA, _SOURCE = COLUMNS.index("sla"), COLUMNS.index("source")
_PAINTED = (_DISPLAY, _FG, _BG)  # the roles a paint shows
_NOTHING = (None,) * len(COLUMNS)
_PAINTED_MAX = 300  # more rows than a screen shows: painted while scrolling, not all on screen
_FILTERS = ("severities", "states", "domains", "district", "text", "group_duplicates")
BULK = 2000  # more rows moving than this in one flush: one reset instead of a signal per row


@dataclass(frozen=True)
class _Cells:
    """One row as painted: its item and, per data role, one value per column; `row` is the same as the
    queue's delegate takes it, all columns at once (widgets/row_cells.py)."""

    ev: Event
    by_role: dict[int, tuple]
    row: tuple


@functools.cache
def _brush(color: str | tuple) -> QBrush:
    return QBrush(QColor(*color) if isinstance(color, tuple) else QColor(color))


def tr(text: str) -> str:
    return QCoreApplication.translate("Labels", text)


class IncidentTableModel(QAbstractTableModel):
    def __init__(self, state: CityState, clock: Clock, parent=None, sla: SlaBook | None = None,
                 levels: LevelView | None = None):
        super().__init__(parent)
        self.state, self.clock, self.sla = state, clock, sla
        # the console's scope: only what its level handles is a row (None: every incident). One that its
        # deadline alone keeps out waits in a heap and comes in when the deadline passes (refresh_clocks)
        self.levels = levels
        self._deadlines: list[tuple[float, str]] = []
        self._awaiting: dict[str, float] = {}
        # event id -> (the version asked about, the answer): a sort or a filter change asks of every row,
        # and only a new version (or a deadline, which refresh_clocks handles) changes the answer
        self._ours_of: dict[str, tuple[Event, bool]] = {}
        self.pending: dict[str, str] = {}  # event id -> label of a command awaiting the authority
        # console alarms show their ISA-18.2 state (console/alarms/states.py), never the platform's lifecycle
        self.alarm_state: Callable[[str], str | None] | None = None
        self.alarm_holder: Callable[[str], tuple[str, float] | None] | None = None
        self.holders: dict[str, str] = {}  # event id -> who held it (replay, time-shift: at the shown instant)
        # filters (set_filters) and sort (sort); default: worst severity first, then oldest
        self.severities: set[str] = set()
        self.states: set[str] = set()
        self.domains: set[str] = set()
        self.district = ""  # region code prefix
        self.text = ""
        self.group_duplicates = False  # one row per near-duplicate group
        self.sort_column, self.descending = 0, True
        # near-duplicates: same category and place within half an hour
        self.group_window_s = 1800.0
        self._groups: dict[tuple[str, str], set[str]] = {}
        self._group_of: dict[str, tuple[str, str]] = {}
        self.leader_of: dict[str, str] = {}  # event id -> the first of its near-duplicate group
        self.group_size: dict[str, int] = {}  # leader id -> members (itself included)
        # the rows: every open item's columns, the rows in view in ascending key order (shown reversed
        # when descending); `_n` is the row count Qt has been told (it trails the arrays while signalling)
        self.rows = IncidentRows()
        self._shown: dict[str, Event] = {}  # id -> the version whose columns the rows hold
        self._n = 0
        # row -> its cells: filled by a paint, dropped when its row changes or rows move, made again each second
        self._memo: dict[int, _Cells] = {}
        self._open: set[str] = {*state.incidents.open, *state.open_console_alerts()}
        self._regroup(set(self._open))
        self._fill(self._open)
        self._rebuild()

    # ---------------------------------------------------------------- lookups
    def lookup(self, event_id: str) -> Event | None:
        """An open platform incident, or an open console-raised item."""
        ev = self.state.incidents.open.get(event_id)
        if ev is None:
            ev = self.state.console_alerts.get(event_id)
            if ev is not None and not ev.is_open:
                return None
        return ev

    def _id_at(self, row: int) -> str | None:
        n = len(self.rows.view)
        if not 0 <= row < n:
            return None
        return self.rows.id_of[int(self.rows.view[n - 1 - row if self.descending else row])]

    def event_at(self, row: int) -> Event | None:
        eid = self._id_at(row)
        return self.lookup(eid) if eid is not None else None

    def row_of(self, event_id: str) -> int | None:
        slot = self.rows.slot_of.get(event_id)
        i = None if slot is None else self.rows.position(slot)
        return None if i is None else self._shown_row(i)

    # ---------------------------------------------------------------- Qt model API
    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else self._n

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return QCoreApplication.translate("IncidentQueue", HEADERS[COLUMNS[section]])
        return None

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if role not in _ROLES:  # a paint asks seven roles per cell: most answer nothing, at once
            return None
        cells = self._cells(index.row())
        if cells is None:
            return None
        if role == ROW_ROLE:
            return cells.row
        if role == _TIP:
            return plain_tooltip(cells.ev.title) if COLUMNS[index.column()] == "title" else None
        if role == EVENT_ID_ROLE:
            return cells.ev.id
        by_column = cells.by_role.get(role)
        return None if by_column is None else by_column[index.column()]

    def _cells(self, row: int) -> _Cells | None:
        """A row's texts and colours, made once for all its cells and every paint until the row or the
        clock moves (a paint asks for each cell separately)."""
        cells = self._memo.get(row)
        if cells is None:
            ev = self.event_at(row)
            if ev is None:
                return None
            cells = self._memo[row] = self._make_cells(ev)
        return cells

    def _make_cells(self, ev: Event) -> _Cells:
        breached = self.breached(ev)
        fg: list[QBrush | None] = [None] * len(COLUMNS)
        fg[0] = _brush(SEVERITY_COLOR[ev.severity])
        if breached:
            fg[_SLA] = _brush("#ff6b6b")
        if ev.source == CONSOLE_SOURCE:
            fg[_SOURCE] = _brush("#4fd1c5")  # console-raised: never mistaken for a platform incident
        by_role = {_DISPLAY: tuple(self._text(ev, c) for c in COLUMNS), _FG: tuple(fg)}
        if breached:  # the whole row stands out
            by_role[_BG] = (_brush((120, 20, 24, 110)),) * len(COLUMNS)
        fg_colors = tuple(None if b is None else b.color() for b in fg)
        return _Cells(ev, by_role, (by_role[_DISPLAY], fg_colors, by_role.get(_BG)))

    def _text(self, ev: Event, col: str) -> str:
        now = self.clock.now()
        if col == "severity":
            return "● " + tr(SEVERITY_ZH[ev.severity])
        if col == "title":
            n = self.group_size.get(ev.id, 1)
            return f"{ev.title}  ×{n}" if n > 1 else ev.title
        if col == "district":
            return self.state.region_label(ev.region, is_english())
        if col == "source":
            if ev.source == CONSOLE_SOURCE:
                return tr(CONSOLE_SOURCE_ZH)
            try:
                return tr(SOURCE_ZH[DiscoverySource(ev.source)])
            except ValueError:
                return ev.source
        if col == "state":
            if ev.source == CONSOLE_SOURCE and self.alarm_state is not None:
                return tr(self.alarm_state(ev.id) or STATE_ZH[ev.state])
            pending, holder = self.pending.get(ev.id), self.holders.get(ev.id)
            return tr(STATE_ZH[ev.state]) + (f" ⏳{pending}" if pending else "") + (f" · {holder}" if holder else "")
        if col == "holder":
            held = (self.alarm_holder(ev.id) if ev.source == CONSOLE_SOURCE and self.alarm_holder is not None
                    else holder_of(ev))
            return f"{held[0]} · {format_age(now - held[1], is_english())}" if held else "—"
        if col == "age":
            return format_age(now - ev.created_ts, is_english())
        if col == "sla":
            st = self.sla_status(ev)
            if st is None or st.remaining_s is None:
                return "—"
            stage = tr(STAGE_ZH[st.stage]) if st.stage in STAGE_ZH else ""
            return f"{stage} {format_countdown(st.remaining_s, is_english())}"
        return ""

    def sla_status(self, ev: Event) -> SlaStatus | None:
        if self.sla is not None:
            return self.sla.status(ev, self.clock.now())
        if ev.sla_due_ts is None:
            return None
        left = ev.sla_due_ts - self.clock.now()
        return SlaStatus("closed", ev.sla_due_ts, left, left < 0, ())

    def breached(self, ev: Event) -> bool:
        """The next stage is overdue (what SlaStatus.breached says, without walking the history)."""
        if self.sla is not None:
            return self.sla.next_due(ev) < self.clock.now()
        return ev.sla_due_ts is not None and ev.sla_due_ts < self.clock.now()

    # ---------------------------------------------------------------- sort and filter
    def _ours(self, ev: Event) -> bool:
        """What the console's level handles now (console/incidents/levels.py)."""
        if self.levels is None:
            return True
        known = self._ours_of.get(ev.id)
        if known is not None and known[0] is ev:
            return known[1]
        ours = self.levels.handles(ev, self.clock.now())
        self._ours_of[ev.id] = (ev, ours)
        if not ours:
            due = self.levels.handled_from(ev)
            if due is not None and self._awaiting.get(ev.id) != due:
                self._awaiting[ev.id] = due
                heapq.heappush(self._deadlines, (due, ev.id))
        return ours

    def _fill(self, ids) -> np.ndarray:
        """Store these items' columns (those no longer open are dropped: they leave the rows when placed).
        Returns their slots."""
        rows, gone, events = self.rows, [], []
        for eid in ids:
            ev = self.lookup(eid)
            if ev is None:
                slot = rows.drop(eid)  # its row leaves when placed
                if slot is not None:
                    gone.append(slot)
                self._shown.pop(eid, None)
            else:
                events.append(ev)
                self._shown[eid] = ev
        slots = rows.put(events, [self._due(ev) for ev in events])
        leader_of = self.leader_of
        rows.ours[slots] = [self._ours(ev) for ev in events]
        rows.leader[slots] = [leader_of.get(ev.id, ev.id) == ev.id for ev in events]
        if gone:
            slots = np.concatenate((slots, np.array(gone, dtype=np.int64)))
        return slots

    def _due(self, ev: Event) -> float:
        if self.sla is not None:
            return self.sla.next_due(ev)
        return ev.sla_due_ts if ev.sla_due_ts is not None else float("inf")

    def _rebuild(self, resort: bool = True) -> None:
        self.rows.sort_column = COLUMNS[self.sort_column]
        self.rows.filters = Filters(frozenset(self.severities), frozenset(self.states), frozenset(self.domains),
                                    self.district, self.text, self.group_duplicates)
        self.rows.rebuild(resort)
        self._n = len(self.rows.view)
        self._memo.clear()

    def set_filters(self, **kw) -> None:
        for k, v in kw.items():
            if k not in _FILTERS:
                raise AttributeError(f"no filter {k!r}")
            setattr(self, k, v)
        self.beginResetModel()
        self._rebuild(resort=False)
        self.endResetModel()

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        # a reset, not layoutChanged: with 100,000 rows the view's per-row layout bookkeeping costs more
        # than the sort; the queue re-selects its incident on modelReset
        same_column = column == self.sort_column
        self.sort_column, self.descending = column, order == Qt.SortOrder.DescendingOrder
        self.beginResetModel()
        if same_column:  # the rows kept ascending are current: the other order reads them backwards
            self._memo.clear()
        else:
            self._rebuild()
        self.endResetModel()

    # ---------------------------------------------------------------- updates
    def apply_changes(self, ch: Changes) -> None:
        if not ch.events:
            return
        ids = set(ch.events)
        for eid in ids:
            if self.lookup(eid) is not None:
                self._open.add(eid)
            else:
                self._open.discard(eid)
                self._ours_of.pop(eid, None)
        # only a change of membership (opened, closed, moved category or place) can regroup
        keys = {eid: self._group_key(eid) for eid in ids}
        group_of = self._group_of
        self._update(ids | self._regroup({eid for eid, key in keys.items() if group_of.get(eid) != key}, keys))

    def _update(self, ids) -> None:
        """Re-place these items' rows, telling Qt row by row (or with one reset when many moved)."""
        slots = self._fill(ids)
        if not len(slots):
            return
        rows = self.rows
        placed = rows.place(slots, rows.mask(slots))
        if placed is None or len(placed.removed) + len(placed.inserted) > BULK:  # None: the view was rebuilt
            self.beginResetModel()  # the queue re-selects its incident on modelReset
            rows.number_texts()  # a first fill numbers the text columns, not the first sort by one
            self._memo.clear()
            self._n = len(rows.view)
            self.endResetModel()
            return
        if len(placed.removed) or len(placed.inserted):  # rows moved: what was painted where is gone
            self._memo.clear()
            self._signal(placed)
            return
        # rows changed in place: only those painted are said. A row no view has asked for is made when
        # it is (as the clocks' refresh does): with 10,000 rows, 200 changing a second, a signal each
        # cost the GUI thread ~4 ms a batch for the one or two on screen
        memo = self._memo
        shown = (self._shown_row(p) for p in placed.changed.tolist())
        self._signal(placed, [r for r in shown if memo.pop(r, None) is not None])

    def _group_key(self, eid: str) -> tuple[str, str] | None:
        """Near-duplicates are grouped among the rows of this console's level only: a row must never be
        folded under one that another level handles."""
        ev = self.lookup(eid)
        return (ev.category, ev.region) if ev is not None and self._ours(ev) else None

    def _shown_row(self, i: int) -> int:
        """Position in the ascending view -> the row the view shows."""
        return self._n - 1 - i if self.descending else i

    def _signal(self, placed: Placed, changed_rows: list[int] | None = None) -> None:
        """Tell Qt what `IncidentRows.place` did, one row at a time in an order where every row number is
        right when given: removals from the bottom up, then insertions top down (the arrays are final
        already; nothing paints between these signals); then the rows changed in place (`changed_rows`,
        when only some of them need saying)."""
        top = QModelIndex()
        rows_out = sorted((self._shown_row(int(p)) for p in placed.removed), reverse=True)
        for r in rows_out:
            self.beginRemoveRows(top, r, r)
            self._n -= 1
            self.endRemoveRows()
        final = len(self.rows.view)
        ins = placed.inserted.tolist()
        rows_in = [final - 1 - p for p in reversed(ins)] if self.descending else ins
        for r in rows_in:
            self.beginInsertRows(top, r, r)
            self._n += 1
            self.endInsertRows()
        last = len(COLUMNS) - 1
        if changed_rows is None:
            changed_rows = [self._shown_row(p) for p in placed.changed.tolist()]
        for r in changed_rows:
            self.dataChanged.emit(self.index(r, 0), self.index(r, last))

    def _regroup(self, ids: set[str], group_keys: dict | None = None) -> set[str]:
        """Keep near-duplicate groups current for events that joined or left one (`group_keys`: their
        `_group_key`s, when known already); returns the ids whose leader or group size changed (their
        rows show ×N, or hide under grouping)."""
        keys = set()
        for eid in ids:
            old = self._group_of.pop(eid, None)
            if old is not None:
                self._groups[old].discard(eid)
                keys.add(old)
            key = group_keys[eid] if group_keys is not None and eid in group_keys else self._group_key(eid)
            if key is not None:
                self._groups.setdefault(key, set()).add(eid)
                self._group_of[eid] = key
                keys.add(key)
        touched: set[str] = set()
        for key in keys:
            members = self._groups.get(key, set())
            lookup = self.lookup
            order = sorted([(lookup(m).created_ts, m) for m in members])
            leader, start, sizes = None, 0.0, {}
            leaders = {}
            for created, m in order:
                if leader is None or created - start > self.group_window_s:
                    leader, start = m, created
                    sizes[leader] = 0
                leaders[m] = leader
                sizes[leader] += 1
            for m, ld in leaders.items():
                if self.leader_of.get(m) != ld or self.group_size.get(m, 1) != sizes.get(m, 1):
                    touched.add(m)
                self.leader_of[m] = ld
                if m in sizes:
                    self.group_size[m] = sizes[m]
                else:
                    self.group_size.pop(m, None)
            if not members:
                del self._groups[key]
        for eid in ids:
            if self.lookup(eid) is None:
                self.leader_of.pop(eid, None)
                self.group_size.pop(eid, None)
        return touched

    def reload(self) -> None:
        """Start over from the state (it was cleared and rebuilt: a replay's or a time-shift's seek).
        Only the items that differ from what the rows hold move: a drag between nearby instants moves a
        few rows, never resets the model."""
        self._deadlines, self._awaiting, self._ours_of = [], {}, {}
        now_open = {*self.state.incidents.open, *self.state.open_console_alerts()}
        changed = now_open ^ self._open
        for eid in now_open & self._open:
            old, ev = self._shown.get(eid), self.lookup(eid)
            if old is not ev and (old is None or ev.version != old.version or ev.state is not old.state
                                  or ev.updated_ts != old.updated_ts):
                changed.add(eid)
        self._open = now_open
        if self.levels is not None:  # the shown instant moved: what this level handles may have too
            rows = self.rows
            for eid in now_open - changed:
                slot = rows.slot_of.get(eid)
                if slot is not None and bool(rows.ours[slot]) != self._ours(self.lookup(eid)):
                    changed.add(eid)
        keys = {eid: self._group_key(eid) for eid in changed}
        group_of = self._group_of
        self._update(changed | self._regroup({eid for eid, key in keys.items() if group_of.get(eid) != key}, keys))

    def set_pending(self, pending: dict[str, str], holders: dict[str, str] | None = None) -> None:
        changed = set(pending) ^ set(self.pending) | {k for k in pending if self.pending.get(k) != pending[k]}
        self.pending = pending
        if holders is not None:
            changed |= set(holders) ^ set(self.holders) | {k for k in holders if self.holders.get(k) != holders[k]}
            self.holders = holders
        col = COLUMNS.index("state")
        for eid in changed:
            row = self.row_of(eid)
            if row is not None:
                self._memo.pop(row, None)
                self.dataChanged.emit(self.index(row, col), self.index(row, col))

    def refresh_clocks(self) -> None:
        """Ages, countdowns and holding times move every second, and breaches come with time: the rows
        painted so far are made again and only the cells that changed are repainted (mostly the
        countdowns: a repaint of every shown cell is ~20 ms of text layout). Rows not painted yet are
        made when they are. Incidents whose deadline has just made them this level's come in."""
        now = self.clock.now()
        while self._deadlines and self._deadlines[0][0] <= now:
            due, eid = heapq.heappop(self._deadlines)
            if self._awaiting.get(eid) == due:
                del self._awaiting[eid]
                self._ours_of.pop(eid, None)  # its answer changes now
                self._update({eid} | self._regroup({eid}))
        painted, self._memo = self._memo, {}
        last = len(COLUMNS) - 1
        if len(painted) > _PAINTED_MAX:  # scrolled through many rows: repaint what is shown
            if self._n:
                self.dataChanged.emit(self.index(0, 0), self.index(self._n - 1, last))
            return
        for row, old in painted.items():
            ev = self.event_at(row)
            if ev is None:
                continue
            new = self._memo[row] = self._make_cells(ev)
            if old.ev is not ev:
                cols = [0, last]
            else:
                cols = [c for c in range(last + 1)
                        if any(old.by_role.get(r, _NOTHING)[c] != new.by_role.get(r, _NOTHING)[c] for r in _PAINTED)]
            if cols:
                self.dataChanged.emit(self.index(row, cols[0]), self.index(row, cols[-1]))

    def red_overdue_changes(self, now: float) -> tuple[set[str], set[str]]:
        """The open red platform incidents this level handles whose next SLA stage is overdue: the ids
        that became so since the last call and those that ceased to be. From the columns, and costing
        what changed: a day of 100,000 holds ~25,000 that stay overdue."""
        became, ceased = self.rows.red_overdue_changes(Severity.RED.rank, now)
        return set(became).difference(self.state.console_alerts), set(ceased)
