"""The incident queue as a Qt table model over CityState's incident book (open incidents only).

Rows change only when the bridge reports changed events; the age and SLA columns refresh once a
second. Everything the feed says is returned as plain text: item views never interpret markup.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QCoreApplication, QModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QBrush, QColor

from console.city_state import Changes, CityState
from console.clock import Clock
from console.discovery_rules import CONSOLE_SOURCE
from console.frames import Event
from console.labels import (
    CONSOLE_SOURCE_ZH,
    SEVERITY_COLOR,
    SEVERITY_ZH,
    SOURCE_ZH,
    STATE_ZH,
    format_age,
    format_countdown,
)
from console.protocol import DiscoverySource
from console.sla import STAGE_ZH, SlaBook, SlaStatus
from console.ui.i18n import is_english
from widgets.text import plain_tooltip

COLUMNS = ("severity", "title", "district", "source", "state", "age", "sla")
HEADERS = {
    "severity": "级别", "title": "标题", "district": "区域", "source": "发现渠道", "state": "状态",
    "age": "时长", "sla": "时限剩余",
}
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
EVENT_ID_ROLE = Qt.ItemDataRole.UserRole + 2


def tr(text: str) -> str:
    return QCoreApplication.translate("Labels", text)


class IncidentTableModel(QAbstractTableModel):
    def __init__(self, state: CityState, clock: Clock, parent=None, sla: SlaBook | None = None):
        super().__init__(parent)
        self.state, self.clock, self.sla = state, clock, sla
        self.pending: dict[str, str] = {}  # event id -> label of a command awaiting the authority
        self._ids: list[str] = [*state.incidents.open, *state.open_console_alerts()]
        self._row: dict[str, int] = {eid: i for i, eid in enumerate(self._ids)}
        self.group_window_s = 1800.0  # near-duplicates: same category and place within half an hour
        self._groups: dict[tuple[str, str], set[str]] = {}
        self._group_of: dict[str, tuple[str, str]] = {}
        self.leader_of: dict[str, str] = {}  # event id -> the first of its near-duplicate group
        self.group_size: dict[str, int] = {}  # leader id -> members (itself included)
        self._regroup({eid for eid in self._ids})

    # ---------------------------------------------------------------- Qt model API
    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return QCoreApplication.translate("IncidentQueue", HEADERS[COLUMNS[section]])
        return None

    def lookup(self, event_id: str) -> Event | None:
        """An open platform incident, or an open console-raised item."""
        ev = self.state.incidents.open.get(event_id)
        if ev is None:
            ev = self.state.console_alerts.get(event_id)
            if ev is not None and not ev.is_open:
                return None
        return ev

    def event_at(self, row: int) -> Event | None:
        if 0 <= row < len(self._ids):
            return self.lookup(self._ids[row])
        return None

    def row_of(self, event_id: str) -> int | None:
        return self._row.get(event_id)

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        ev = self.event_at(index.row())
        if ev is None:
            return None
        col = COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(ev, col)
        if role == SORT_ROLE:
            return self._sort_key(ev, col)
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
            pending = self.pending.get(ev.id)
            return tr(STATE_ZH[ev.state]) + (f" ⏳{pending}" if pending else "")
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
        st = self.sla_status(ev)
        return st is not None and st.breached

    def _sort_key(self, ev: Event, col: str):
        if col == "severity":
            return ev.severity.rank * 1e12 - ev.created_ts  # worst first, then oldest first
        if col in ("age",):
            return -ev.created_ts
        if col == "sla":
            st = self.sla_status(ev)
            return st.remaining_s if st is not None and st.remaining_s is not None else float("inf")
        return self._text(ev, col)

    # ---------------------------------------------------------------- updates
    def apply_changes(self, ch: Changes) -> None:
        if not ch.events:
            return
        is_open = {eid for eid in ch.events if self.lookup(eid) is not None}
        gone = [eid for eid in ch.events if eid in self._row and eid not in is_open]
        for eid in gone:
            row = self._row[eid]
            self.beginRemoveRows(QModelIndex(), row, row)
            self._ids.pop(row)
            self._row = {e: i for i, e in enumerate(self._ids)}
            self.endRemoveRows()
        new = [eid for eid in ch.events if eid in is_open and eid not in self._row]
        if new:
            first = len(self._ids)
            self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
            for eid in new:
                self._row[eid] = len(self._ids)
                self._ids.append(eid)
            self.endInsertRows()
        last_col = len(COLUMNS) - 1
        touched = self._regroup(set(ch.events))
        for eid in set(ch.events) | touched:
            row = self._row.get(eid)
            if row is not None and eid not in new:
                self.dataChanged.emit(self.index(row, 0), self.index(row, last_col))

    def _regroup(self, ids: set[str]) -> set[str]:
        """Keep near-duplicate groups current for these events; returns every id whose group changed."""
        keys = set()
        for eid in ids:
            ev = self.lookup(eid)
            old = self._group_of.pop(eid, None)
            if old is not None:
                self._groups[old].discard(eid)
                keys.add(old)
            if ev is not None:
                key = (ev.category, ev.region)
                self._groups.setdefault(key, set()).add(eid)
                self._group_of[eid] = key
                keys.add(key)
        touched: set[str] = set()
        for key in keys:
            members = sorted((m for m in self._groups.get(key, ()) if self.lookup(m) is not None),
                             key=lambda m: self.lookup(m).created_ts)
            self._groups[key] = set(members)
            leader, start = None, 0.0
            for m in members:
                created = self.lookup(m).created_ts
                if leader is None or created - start > self.group_window_s:
                    leader, start = m, created
                    self.group_size[leader] = 0
                self.leader_of[m] = leader
                self.group_size[leader] += 1
                touched.add(m)
        for eid in ids:
            if self.lookup(eid) is None:
                self.leader_of.pop(eid, None)
                self.group_size.pop(eid, None)
        return touched

    def set_pending(self, pending: dict[str, str]) -> None:
        changed = set(pending) ^ set(self.pending) | {k for k in pending if self.pending.get(k) != pending[k]}
        self.pending = pending
        col = COLUMNS.index("state")
        for eid in changed:
            row = self._row.get(eid)
            if row is not None:
                self.dataChanged.emit(self.index(row, col), self.index(row, col))

    def refresh_clocks(self) -> None:
        if self._ids:
            a, b = COLUMNS.index("age"), COLUMNS.index("sla")
            self.dataChanged.emit(self.index(0, a), self.index(len(self._ids) - 1, b))


class IncidentFilter(QSortFilterProxyModel):
    """Filter by severity, domain, district, state and free text; sorts by the model's sort keys."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.severities: set[str] = set()
        self.states: set[str] = set()
        self.domains: set[str] = set()
        self.district: str = ""  # region code prefix
        self.text: str = ""
        self.group_duplicates = False  # show one row per near-duplicate group

    def set_filters(self, **kw) -> None:
        self.beginFilterChange()
        for k, v in kw.items():
            setattr(self, k, v)
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, row: int, parent: QModelIndex) -> bool:
        model = self.sourceModel()
        ev = model.event_at(row)
        if ev is None:
            return False
        if self.group_duplicates and model.leader_of.get(ev.id, ev.id) != ev.id:
            return False
        if self.severities and ev.severity.value not in self.severities:
            return False
        if self.states and ev.state.value not in self.states:
            return False
        if self.domains and ev.domain not in self.domains:
            return False
        if self.district and not ev.region.startswith(self.district):
            return False
        if self.text:
            t = self.text.casefold()
            return t in ev.title.casefold() or t in ev.id.casefold() or t in ev.detail.casefold()
        return True
