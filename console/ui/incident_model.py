"""The incident queue as one Qt table model: open platform incidents and open console-raised items,
filtered and sorted here rather than by a QSortFilterProxyModel.

Why not the proxy: with 100,000 incidents it calls back into Python for every comparison and every
row (seconds per sort). Here the visible rows are a Python list kept sorted by a cached key; a
sort change reorders it once (layoutChanged, selection kept), a filter change rebuilds it (a model
reset; the queue re-selects by id), and incident updates move only the rows that changed, each
with proper row-removed/inserted signals (a layoutChanged must never change the row count).

Everything the feed says is returned as plain text: item views never interpret markup.
"""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QCoreApplication, QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from console.alarms.discovery_rules import CONSOLE_SOURCE
from console.feed.frames import Event
from console.feed.protocol import DiscoverySource
from console.incidents.levels import LevelView
from console.incidents.lifecycle import holder_of
from console.incidents.sla import STAGE_ZH, SlaBook, SlaStatus
from console.model.city_state import Changes, CityState
from console.model.clock import Clock
from console.ui.i18n import is_english
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
from widgets.text import plain_tooltip

COLUMNS = ("severity", "title", "district", "source", "state", "age", "sla", "holder")
HEADERS = {
    "severity": "级别", "title": "标题", "district": "区域", "source": "发现渠道", "state": "状态",
    "age": "时长", "sla": "时限剩余", "holder": "处置人·已持有",
}
_STATE_ORDER = {s: i for i, s in enumerate(("new", "acknowledged", "dispatched", "on_scene", "resolved"))}
BULK = 2000  # more changes than this in one flush: rebuild the rows once instead of moving each


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
        # the rows in view, ascending by key (shown reversed when descending): two aligned lists, so a
        # rebuild is numpy's argsort plus two tolist() calls, and an update a bisect and an insert
        self._keys: list = []
        self._ids: list[str] = []
        self._key: dict[str, float | str] = {}  # event id -> its key (only for rows in view)
        self._open: set[str] = {*state.incidents.open, *state.open_console_alerts()}
        self._regroup(set(self._open))
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
        n = len(self._ids)
        if not 0 <= row < n:
            return None
        return self._ids[n - 1 - row if self.descending else row]

    def _index_of(self, event_id: str, key) -> int | None:
        """Position in the ascending lists (equal keys are few: scan them)."""
        i = bisect.bisect_left(self._keys, key)
        n = len(self._ids)
        while i < n and self._keys[i] == key:
            if self._ids[i] == event_id:
                return i
            i += 1
        return None

    def event_at(self, row: int) -> Event | None:
        eid = self._id_at(row)
        return self.lookup(eid) if eid is not None else None

    def row_of(self, event_id: str) -> int | None:
        key = self._key.get(event_id)
        if key is None:
            return None
        i = self._index_of(event_id, key)
        if i is None:
            return None
        return len(self._ids) - 1 - i if self.descending else i

    # ---------------------------------------------------------------- Qt model API
    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return QCoreApplication.translate("IncidentQueue", HEADERS[COLUMNS[section]])
        return None

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        ev = self.event_at(index.row())
        if ev is None:
            return None
        col = COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(ev, col)
        if role == EVENT_ID_ROLE:
            return ev.id
        if role == Qt.ItemDataRole.ForegroundRole:
            if col == "severity":
                return QBrush(QColor(SEVERITY_COLOR[ev.severity]))
            if col == "sla" and self.breached(ev):
                return QBrush(QColor("#ff6b6b"))
            if col == "source" and ev.source == CONSOLE_SOURCE:
                return QBrush(QColor("#4fd1c5"))  # console-raised: never mistaken for a platform incident
        if role == Qt.ItemDataRole.BackgroundRole and self.breached(ev):
            return QBrush(QColor(120, 20, 24, 110))  # breached: the whole row stands out
        if role == Qt.ItemDataRole.ToolTipRole and col == "title":
            return plain_tooltip(ev.title)
        return None

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
    def _sort_key(self, ev: Event) -> float | str:
        """One number or one text per row, from the event's own fields (no translation, no history
        walk), so that numpy can sort 100,000 of them."""
        col = COLUMNS[self.sort_column]
        if col == "severity":
            return ev.severity.rank * 1e11 - ev.created_ts  # descending: worst first, then oldest
        if col == "title":
            return ev.title
        if col == "district":
            return ev.region
        if col == "source":
            return ev.source
        if col == "state":
            return _STATE_ORDER.get(ev.state.value, 9) * 1e11 - ev.created_ts
        if col == "age":
            return -ev.created_ts
        if col == "holder":
            return ev.assignee or ""
        return self.sla.next_due(ev) if self.sla is not None else (ev.sla_due_ts or float("inf"))

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

    def _passes(self, ev: Event) -> bool:
        return self._ours(ev) and self._filtered_in(ev)

    def _filtered_in(self, ev: Event) -> bool:
        """The operator's filters (level, state, domain, district, text, grouping)."""
        if self.severities and ev.severity.value not in self.severities:
            return False
        if self.states and ev.state.value not in self.states:
            return False
        if self.domains and ev.domain not in self.domains:
            return False
        if self.district and not ev.region.startswith(self.district):
            return False
        if self.group_duplicates and self.leader_of.get(ev.id, ev.id) != ev.id:
            return False
        if self.text:
            t = self.text.casefold()
            return t in ev.title.casefold() or t in ev.id.casefold() or t in ev.detail.casefold()
        return True

    def _rebuild(self) -> None:
        evs = [*self.state.incidents.open.values(), *self.state.open_console_alerts().values()]
        if self.levels is not None:
            ours = self._ours
            evs = [e for e in evs if ours(e)]
        if self.severities or self.states or self.domains or self.district or self.text or self.group_duplicates:
            evs = [e for e in evs if self._filtered_in(e)]
        keys = [self._sort_key(e) for e in evs]
        ids = [e.id for e in evs]
        if keys:
            order = np.argsort(np.array(keys), kind="stable")  # ties: any order; _index_of scans them
            self._keys = np.array(keys, dtype=object)[order].tolist()
            self._ids = np.array(ids, dtype=object)[order].tolist()
        else:
            self._keys, self._ids = [], []
        self._key = dict(zip(ids, keys, strict=True))

    def set_filters(self, **kw) -> None:
        for k, v in kw.items():
            if not hasattr(self, k):
                raise AttributeError(f"no filter {k!r}")
            setattr(self, k, v)
        self.beginResetModel()
        self._rebuild()
        self.endResetModel()

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        # a reset, not layoutChanged: with 100,000 rows the view's per-row layout bookkeeping costs more
        # than the sort; the queue re-selects its incident on modelReset
        self.sort_column, self.descending = column, order == Qt.SortOrder.DescendingOrder
        self.beginResetModel()
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
        regroup = {eid for eid in ids if self._group_of.get(eid) != self._group_key(eid)}
        touched = ids | self._regroup(regroup)
        if len(touched) > BULK:  # the queue re-selects its incident on modelReset
            self.beginResetModel()
            self._rebuild()
            self.endResetModel()
            return
        last_col = len(COLUMNS) - 1
        for eid in touched:
            self._move(eid, last_col)

    def _group_key(self, eid: str) -> tuple[str, str] | None:
        """Near-duplicates are grouped among the rows of this console's level only: a row must never be
        folded under one that another level handles."""
        ev = self.lookup(eid)
        return (ev.category, ev.region) if ev is not None and self._ours(ev) else None

    def _shown_row(self, i: int) -> int:
        """Index in the ascending list -> the row the view shows."""
        return len(self._ids) - 1 - i if self.descending else i

    def _move(self, eid: str, last_col: int) -> None:
        """Re-place one row: unchanged place -> dataChanged; else removed and inserted where it belongs."""
        old = self._key.get(eid)
        ev = self.lookup(eid)
        new = self._sort_key(ev) if ev is not None and self._passes(ev) else None
        if old is not None and new == old:
            row = self.row_of(eid)
            self.dataChanged.emit(self.index(row, 0), self.index(row, last_col))
            return
        if old is not None:
            i = self._index_of(eid, old)
            if i is not None:
                row = self._shown_row(i)
                self.beginRemoveRows(QModelIndex(), row, row)
                self._keys.pop(i)
                self._ids.pop(i)
                del self._key[eid]
                self.endRemoveRows()
        if new is not None:
            i = bisect.bisect_left(self._keys, new)
            row = len(self._ids) - i if self.descending else i  # where it will stand once inserted
            self.beginInsertRows(QModelIndex(), row, row)
            self._keys.insert(i, new)
            self._ids.insert(i, eid)
            self._key[eid] = new
            self.endInsertRows()

    def _regroup(self, ids: set[str]) -> set[str]:
        """Keep near-duplicate groups current for events that joined or left one; returns the ids whose
        leader or group size changed (their rows show ×N, or hide under grouping)."""
        keys = set()
        for eid in ids:
            old = self._group_of.pop(eid, None)
            if old is not None:
                self._groups[old].discard(eid)
                keys.add(old)
            key = self._group_key(eid)
            if key is not None:
                self._groups.setdefault(key, set()).add(eid)
                self._group_of[eid] = key
                keys.add(key)
        touched: set[str] = set()
        for key in keys:
            members = self._groups.get(key, set())
            order = sorted((self.lookup(m).created_ts, m) for m in members)
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
        """Start over from the state (it was cleared and rebuilt)."""
        self.beginResetModel()
        self._deadlines, self._awaiting, self._ours_of = [], {}, {}
        self._open = {*self.state.incidents.open, *self.state.open_console_alerts()}
        self._groups, self._group_of, self.leader_of, self.group_size = {}, {}, {}, {}
        self._regroup(set(self._open))
        self._rebuild()
        self.endResetModel()

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
                self.dataChanged.emit(self.index(row, col), self.index(row, col))

    def refresh_clocks(self) -> None:
        """Ages, countdowns and holding times move every second: repaint those columns (the view asks only for
        the rows it shows). Incidents whose deadline has just made them this level's come in."""
        now = self.clock.now()
        while self._deadlines and self._deadlines[0][0] <= now:
            due, eid = heapq.heappop(self._deadlines)
            if self._awaiting.get(eid) == due:
                del self._awaiting[eid]
                self._ours_of.pop(eid, None)  # its answer changes now
                for touched in {eid} | self._regroup({eid}):
                    self._move(touched, len(COLUMNS) - 1)
        if self._ids:
            a, b = COLUMNS.index("age"), len(COLUMNS) - 1
            self.dataChanged.emit(self.index(0, a), self.index(len(self._ids) - 1, b))
