"""The emergency layout's resources: each dispatchable unit and what it is holding, busiest first.
Handed plain rows; it only draws them."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem


class ResourcePanel(QTableWidget):
    def __init__(self, parent=None):
        super().__init__(0, 3, parent)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.verticalHeader().hide()
        self.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)

    def set_headers(self, headers: list[str]) -> None:
        self.setHorizontalHeaderLabels(headers)

    def show_rows(self, rows: list[tuple[str, int, str]]) -> None:
        self.setRowCount(len(rows))
        for i, (unit, n, worst) in enumerate(rows):
            for j, v in enumerate((unit, str(n), worst)):
                item = self.item(i, j)
                if item is None:
                    item = QTableWidgetItem()
                    self.setItem(i, j, item)
                item.setText(v)  # item text is plain text: a hostile title shows literally
                if j == 1:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
