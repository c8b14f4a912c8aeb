"""The wall's list of the open red and orange incidents a leader should see first: as many rows as
the screen holds at a size read from across the room, each the incident's title under its level,
place and time open. The list is handed its rows; it only draws."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import QFrame, QVBoxLayout, QWidget

from widgets.fit_label import FitLabel
from widgets.theme import PANEL, TEXT, TEXT_DIM


@dataclass(frozen=True, slots=True)
class WallRow:
    meta: str  # "红色 · 黄浦区 · 12 分钟"
    title: str
    color: str


class _Row(QFrame):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("wallRow")
        self.meta = FitLabel(11, TEXT_DIM)
        self.title = FitLabel(13, TEXT)
        lay = QVBoxLayout(self)
        lay.addWidget(self.meta)
        lay.addWidget(self.title)
        self._color = ""

    def set_px(self, small: int, body: int, pad: int) -> None:
        self.meta.set_px(small)
        self.title.set_px(body)
        self.layout().setContentsMargins(pad, pad // 3, pad // 2, pad // 3)
        self.layout().setSpacing(0)
        m = self.layout().contentsMargins()
        self.setFixedHeight(self.meta.height() + self.title.height() + m.top() + m.bottom())

    def show_row(self, row: WallRow) -> None:
        self.meta.setText(row.meta)
        self.title.setText(row.title)
        if row.color != self._color:
            self._color = row.color
            self.setStyleSheet(f"QFrame#wallRow {{ background: {PANEL}; border-left: 8px solid {row.color}; }}")


class WallIncidentList(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.header = FitLabel(13, TEXT, bold=True, shrink=True)  # counts: shrunk to fit, never cut short
        self.empty = FitLabel(13, TEXT_DIM)
        self.rows: list[_Row] = []
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.header)
        lay.addWidget(self.empty)
        lay.addStretch(1)
        self._px = (11, 13, 8)
        self._row_h = 40

    def set_px(self, small: int, body: int, pad: int) -> None:
        self._px = (small, body, pad)
        self.header.set_px(body)
        self.empty.set_px(small)
        self.layout().setSpacing(max(2, pad // 2))
        for r in self.rows:
            r.set_px(small, body, pad)
        probe = _Row()  # one row's height at these sizes, measured once
        probe.set_px(small, body, pad)
        self._row_h = probe.height()
        probe.deleteLater()

    def capacity(self) -> int:
        """How many rows fit the height this list has now."""
        spacing = self.layout().spacing()
        free = self.height() - self.header.height() - spacing
        return max(1, free // (self._row_h + spacing))

    def min_height(self, rows: int) -> int:
        """The height that holds the header and `rows` rows."""
        spacing = self.layout().spacing()
        return self.header.height() + spacing + rows * (self._row_h + spacing)

    def show_rows(self, header: str, rows: list[WallRow], empty_text: str) -> None:
        self.header.setText(header)
        rows = rows[:self.capacity()]
        while len(self.rows) < len(rows):
            r = _Row()
            r.set_px(*self._px)
            self.rows.append(r)
            self.layout().insertWidget(self.layout().count() - 1, r)
        for i, r in enumerate(self.rows):
            if i < len(rows):
                r.show_row(rows[i])
                r.show()
            else:
                r.hide()
        self.empty.setText(empty_text if not rows else "")
        self.empty.setVisible(not rows)
