"""The dispatch units (处置力量) in the resources dock: one row per unit, handed plain rows; the row the
operator picks is announced (`unitSelected`), and a unit picked elsewhere (on the map) is selected here
without announcing it back."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem


class UnitTable(QTableWidget):
    unitSelected = Signal(str)  # (unit id) the operator picked its row

    def __init__(self, parent=None):
        super().__init__(0, 4, parent)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.verticalHeader().hide()
        self.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self._row: dict[str, int] = {}  # unit id -> row
        self._quiet = False
        self.itemSelectionChanged.connect(self._picked)

    def set_headers(self, headers: list[str]) -> None:
        self.setHorizontalHeaderLabels(headers)

    def show_rows(self, rows: list[tuple[str, str, str, str, str]]) -> None:
        """(unit id, name, kind, state, task) per unit: rows of known units are updated in place, and the
        table is laid out again only when the set of units changed (the selection kept)."""
        ids = [r[0] for r in rows]
        if set(ids) != self._row.keys():
            chosen = self.selected_unit()
            self._quiet = True
            self.setRowCount(len(rows))
            self._row = {uid: i for i, uid in enumerate(sorted(ids))}
            self._quiet = False
            if chosen in self._row:
                self.select_unit(chosen)
        for uid, *cells in rows:
            i = self._row[uid]
            for j, v in enumerate(cells):
                item = self.item(i, j)
                if item is None:
                    item = QTableWidgetItem()
                    self.setItem(i, j, item)
                if item.text() != v:
                    item.setText(v)  # plain text: a hostile name shows literally
                item.setData(Qt.ItemDataRole.UserRole, uid)

    def selected_unit(self) -> str | None:
        items = self.selectedItems()
        return items[0].data(Qt.ItemDataRole.UserRole) if items else None

    def select_unit(self, uid: str) -> bool:
        """Select (and scroll to) the unit's row without announcing it; False when it has no row."""
        i = self._row.get(uid)
        if i is None:
            return False
        self._quiet = True
        self.selectRow(i)
        self._quiet = False
        self.scrollToItem(self.item(i, 0))
        return True

    def _picked(self) -> None:
        uid = self.selected_unit()
        if not self._quiet and uid is not None:
            self.unitSelected.emit(uid)
