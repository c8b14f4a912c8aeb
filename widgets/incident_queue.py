"""The incident queue: a filter bar, the table (keyboard first) and the selected incident's detail.

It is handed a table model that filters (`set_filters`) and sorts itself, and a function that renders
one incident as plain text; selection is reported by id, so the map and the queue can follow each other.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QAbstractItemModel, QCoreApplication, QItemSelectionModel, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPlainTextEdit,
    QSplitter,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from console.feed.protocol import IncidentState, Severity
from console.views.labels import SEVERITY_COLOR, SEVERITY_ZH, STATE_ZH
from widgets import theme
from widgets.row_cells import RowCellsDelegate
from widgets.text import plain_label

# the data role under which a queue model gives each row's incident id: the view reads it, the console's
# table model (console/ui/incident_model.py) provides it
EVENT_ID_ROLE = Qt.ItemDataRole.UserRole + 2


def _t(text: str) -> str:
    return QCoreApplication.translate("IncidentQueue", text)


def _label(text: str) -> str:
    return QCoreApplication.translate("Labels", text)


class IncidentQueue(QWidget):
    incidentSelected = Signal(str)

    def __init__(self, model: QAbstractItemModel, describe: Callable[[str], str],
                 districts: Callable[[], list[tuple[str, str]]], domains: Callable[[], list[tuple[str, str]]],
                 parent=None):
        super().__init__(parent)
        self.model, self._describe = model, describe
        self._districts, self._domains = districts, domains
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)

        bar = QHBoxLayout()
        self.sev_buttons: dict[Severity, QToolButton] = {}
        for sev in Severity:
            b = QToolButton()
            b.setCheckable(True)
            b.setObjectName(f"sev:{sev.value}")
            b.setStyleSheet(f"QToolButton {{ color: {SEVERITY_COLOR[sev]}; }}")
            b.toggled.connect(self._apply_filters)
            self.sev_buttons[sev] = b
            bar.addWidget(b)
        self.state_box, self.domain_box, self.district_box = QComboBox(), QComboBox(), QComboBox()
        for box in (self.state_box, self.domain_box, self.district_box):
            box.currentIndexChanged.connect(self._apply_filters)
            bar.addWidget(box)
        self.following = False  # the area filter follows the views' drill-down (the drill bar's toggle)
        self._view_area = ""
        self.group_box = QCheckBox()
        self.group_box.setObjectName("groupDuplicates")
        self.group_box.toggled.connect(self._apply_filters)
        bar.addWidget(self.group_box)
        self.search = QLineEdit()
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._apply_filters)
        bar.addWidget(self.search, 1)
        lay.addLayout(bar)
        self.flood = plain_label()
        self.flood.setObjectName("floodBanner")
        self.flood.setStyleSheet("background: #7a1f12; color: #ffe1d6; font-weight: bold; padding: 4px 6px;")
        self.flood.setWordWrap(True)
        self.flood.hide()
        lay.addWidget(self.flood)
        self._group_before_flood: bool | None = None
        self.silences = plain_label()
        self.silences.setObjectName("silences")
        self.silences.setStyleSheet("color: #b39ddb; padding: 2px 4px;")
        self.silences.setWordWrap(True)
        self.silences.hide()
        lay.addWidget(self.silences)
        self.freshness = plain_label()  # the incident stream not live: said, in amber, above the list
        self.freshness.setObjectName("queueFreshness")
        self.freshness.setStyleSheet(f"color: {theme.AMBER}; font-weight: bold; padding: 2px;"
                                     f" background: qlineargradient(x1:0, y1:0, x2:1, y2:0, stop:0 {theme.PANEL_2},"
                                     f" stop:1 {theme.BG});")
        self.freshness.hide()
        lay.addWidget(self.freshness)
        self.message = plain_label()
        self.message.setObjectName("queueMessage")
        self.message.setWordWrap(True)
        self.message.hide()
        lay.addWidget(self.message)

        split = QSplitter(Qt.Orientation.Vertical)
        self.table = QTableView()
        self.table.setModel(model)
        # each cell painted from its row's texts, laid out once (a model answering ROW_ROLE; others as usual)
        self.table.setItemDelegate(RowCellsDelegate(self.table))
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)  # worst severity, then oldest
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(24)
        # fixed row heights: the header keeps no per-row sizes, which matters with 100,000 rows
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        hh = self.table.horizontalHeader()
        hh.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        hh.setStretchLastSection(False)
        hh.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for col, w in ((0, 64), (2, 130), (3, 84), (4, 70), (5, 70), (6, 96), (7, 120)):
            self.table.setColumnWidth(col, w)
        self.table.selectionModel().currentRowChanged.connect(self._on_current)
        # a filter change or a bulk update rebuilds the rows: stay on the same incident if still shown
        model.modelReset.connect(lambda: self._selected and self.select_incident(self._selected))
        split.addWidget(self.table)
        lower = QWidget()
        lower_lay = QVBoxLayout(lower)
        lower_lay.setContentsMargins(0, 0, 0, 0)
        self.action_bar = QHBoxLayout()  # the window puts the operator's action buttons here
        lower_lay.addLayout(self.action_bar)
        self.detail = QPlainTextEdit()
        self.detail.setReadOnly(True)
        self.detail.setObjectName("incidentDetail")
        lower_lay.addWidget(self.detail)
        split.addWidget(lower)
        split.setSizes([400, 160])
        lay.addWidget(split)
        self._selected: str | None = None
        QShortcut(QKeySequence("Ctrl+F"), self, activated=self.search.setFocus)
        QShortcut(QKeySequence("Escape"), self.search, activated=self.table.setFocus)
        # j/k move through the queue like arrows, for hands that stay on the letter keys
        QShortcut(QKeySequence("J"), self.table, activated=lambda: self._step(1),
                  context=Qt.ShortcutContext.WidgetShortcut)
        QShortcut(QKeySequence("K"), self.table, activated=lambda: self._step(-1),
                  context=Qt.ShortcutContext.WidgetShortcut)
        self.retranslate()

    def retranslate(self) -> None:
        for sev, b in self.sev_buttons.items():
            b.setText("● " + _label(SEVERITY_ZH[sev]))
            b.setToolTip(_t("只看此级别（可多选）"))
        self._fill(self.state_box, _t("全部状态"), [(s.value, _label(STATE_ZH[s])) for s in IncidentState if s.is_open])
        self.refresh_choices()
        self.search.setPlaceholderText(_t("搜索标题、编号、详情 (Ctrl+F)"))
        self.group_box.setText(_t("合并相似"))
        self.group_box.setToolTip(_t("同类别、同地点、30 分钟内的事件只显示一行（×N）"))
        self.table.model().headerDataChanged.emit(Qt.Orientation.Horizontal, 0, self.table.model().columnCount() - 1)
        self.show_detail(self._selected)

    def refresh_choices(self) -> None:
        self._fill(self.domain_box, _t("全部领域"), self._domains())
        self._fill(self.district_box, _t("全部区域"), self._districts())

    @staticmethod
    def _fill(box: QComboBox, all_text: str, items: list[tuple[str, str]]) -> None:
        current = box.currentData()
        box.blockSignals(True)
        box.clear()
        box.addItem(all_text, "")
        for data, text in items:
            box.addItem(text, data)
        i = box.findData(current)
        box.setCurrentIndex(max(i, 0))
        box.blockSignals(False)

    def follow_area(self, code: str) -> None:
        """The views now look at `code` ("" for the whole scope): the area choices are the view's, and
        while following the queue shows only that area."""
        self._view_area = code
        self.refresh_choices()
        if self.following:
            self._follow()

    def set_following(self, on: bool) -> None:
        """Follow the drill-down (the area filter is the view's from now on), or stop: the filter stays
        where it is until changed by hand."""
        self.following = on
        if on:
            self._follow()

    def _follow(self) -> None:
        self.district_box.setCurrentIndex(max(0, self.district_box.findData(self._view_area)))

    def _apply_filters(self) -> None:
        self.model.set_filters(
            severities={s.value for s, b in self.sev_buttons.items() if b.isChecked()},
            states={self.state_box.currentData()} - {"", None},
            domains={self.domain_box.currentData()} - {"", None},
            district=self.district_box.currentData() or "",
            text=self.search.text().strip(),
            group_duplicates=self.group_box.isChecked(),
        )


    def _on_current(self, current, _previous) -> None:
        eid = current.data(EVENT_ID_ROLE) if current.isValid() else None
        if eid and eid != self._selected:
            self._selected = eid
            self.show_detail(eid)
            self.incidentSelected.emit(eid)

    def show_detail(self, event_id: str | None) -> None:
        self.detail.setPlainText(self._describe(event_id) if event_id else "")

    def select_incident(self, event_id: str) -> bool:
        """Select (and scroll to) an incident by id; False when it is not in the filtered queue."""
        row = self.model.row_of(event_id)
        if row is None:
            return False
        idx = self.model.index(row, 0)
        self.table.selectionModel().setCurrentIndex(
            idx, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        self.table.scrollTo(idx)
        return True

    def _step(self, delta: int) -> None:
        rows = self.model.rowCount()
        if rows == 0:
            return
        cur = self.table.currentIndex().row()
        row = min(max(cur + delta, 0), rows - 1) if cur >= 0 else 0
        self.table.selectionModel().setCurrentIndex(
            self.model.index(row, 0),
            QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)

    @property
    def selected_id(self) -> str | None:
        return self._selected

    def set_flood(self, text: str | None) -> None:
        """Flood mode (a banner; rows grouped by cause and place, worst first) while `text` is given;
        back to the officer's own grouping when it is None."""
        if text:
            self.flood.setText(text)
            if self._group_before_flood is None:
                self._group_before_flood = self.group_box.isChecked()
                self.group_box.setChecked(True)
                self.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        elif self._group_before_flood is not None:
            self.group_box.setChecked(self._group_before_flood)
            self._group_before_flood = None
        self.flood.setVisible(bool(text))

    @property
    def in_flood(self) -> bool:
        return self._group_before_flood is not None

    def show_silences(self, lines: list[str]) -> None:
        self.silences.setText("\n".join(lines))
        self.silences.setVisible(bool(lines))

    def show_freshness(self, marked: bool, text: str) -> None:
        """Not live: the list stays, greyed, under a line that says how old it is (console.views.freshness)."""
        self.freshness.setText(text)
        self.freshness.setVisible(marked)
        if self.table.property("stale") != marked:  # a style sheet is costly to re-apply every second
            self.table.setProperty("stale", marked)
            self.table.setStyleSheet(f"QTableView {{ color: {theme.TEXT_DIM}; }}" if marked else "")

    def show_message(self, text: str, level: str = "info") -> None:
        """A line above the queue: what happened to the operator's last action (plain text)."""
        color = {"info": "#8fbfff", "ok": "#3ecf8e", "error": "#ff6b6b"}.get(level, "#d9e1ea")
        self.message.setStyleSheet(f"color: {color}; padding: 2px 4px;")
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def refresh_selected_detail(self, changed_ids: set[str]) -> None:
        if self._selected in changed_ids:
            self.show_detail(self._selected)
