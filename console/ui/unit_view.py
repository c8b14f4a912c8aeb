"""The dispatch units in the resources dock, tied to the map: a row picked pans the map to its unit and
rings it; a unit clicked on the map shows the dock and selects its row. The rows follow the unit book
once a second while the dock is shown (a unit moves every second; a table need not)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QDockWidget

from console.model.city_state import Changes, CityState
from console.ui.city_map import CityMap
from console.ui.map_units import unit_kind
from console.views.labels import UNIT_KIND_ZH, UNIT_STATE_ZH
from widgets.unit_table import UnitTable


def _t(text: str) -> str:
    return QCoreApplication.translate("UnitView", text)


def _label(text: str) -> str:
    return QCoreApplication.translate("Labels", text)


class UnitView:
    def __init__(self, state: CityState, city_map: CityMap, table: UnitTable, dock: QDockWidget):
        self.state, self.map, self.table, self.dock = state, city_map, table, dock
        self._due = True
        table.unitSelected.connect(city_map.select_unit)
        city_map.unitClicked.connect(self.show_unit)
        self.retranslate()

    def retranslate(self) -> None:
        self.table.set_headers([_t("处置力量"), _t("类型"), _t("状态"), _t("任务")])
        self._due = True

    def apply_changes(self, ch: Changes) -> None:
        if ch.units or ch.reset:
            self._due = True

    def tick(self) -> None:
        """Once a second: the rows, when units changed and the dock is shown."""
        if self._due and self.dock.isVisible():
            self.refresh()

    def refresh(self) -> None:
        self._due = False
        rows = []
        for u in self.state.units.units.values():
            task = ""
            if u.incident:
                ev = self.state.incidents.open.get(u.incident)
                task = f"{ev.title} · {u.incident}" if ev is not None else u.incident
            rows.append((u.id, u.name, _label(UNIT_KIND_ZH[unit_kind(u)]), _label(UNIT_STATE_ZH[u.state]), task))
        self.table.show_rows(rows)

    def show_unit(self, uid: str) -> None:
        """A unit clicked on the map: the dock shown, its row selected (not announced back to the map)."""
        self.dock.show()
        self.dock.raise_()
        self.refresh()
        self.table.select_unit(uid)
