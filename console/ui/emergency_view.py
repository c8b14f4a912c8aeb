"""Emergency mode as the workstation shows it (the mode itself is console/ui/emergency_controller.py):
the operator's switch (a reason to declare, a confirmation to lift), and on each change the swap of
layouts, the banner, the emergency's area on the map, the hotline surge in the chart and the load
of the dispatchable units, refreshed every second while the emergency lasts."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDockWidget, QInputDialog, QMessageBox, QToolBar, QWidget

from console.alarms.emergency import unit_loads
from console.incidents.stations import DispatchList
from console.model.city_state import CityState
from console.ui.city_map import CityMap
from console.ui.emergency_controller import EmergencyController
from console.ui.layout_controller import LayoutController
from widgets.banner import Banner
from widgets.resource_panel import ResourcePanel

HOTLINE = ("hotline.calls", "310000")  # the city's hotline calls: the first sign of a surge


def _t(text: str) -> str:
    return QCoreApplication.translate("MainWindow", text)  # the window's strings, moved here with their translations


class EmergencyView:
    def __init__(self, emergency: EmergencyController, window: QWidget, state: CityState, layouts: LayoutController,
                 switch: QAction, banner_bar: QToolBar, banner: Banner, resources_dock: QDockWidget,
                 resources: ResourcePanel, city_map: CityMap, show_indicator: Callable[[tuple[str, str]], None],
                 tell: Callable[[str, str], None], dispatch: DispatchList):
        self.emergency, self.window, self.state, self.layouts = emergency, window, state, layouts
        self.dispatch = dispatch
        self.switch, self.banner_bar, self.banner = switch, banner_bar, banner
        self.resources_dock, self.resources, self.map = resources_dock, resources, city_map
        self.show_indicator, self.tell = show_indicator, tell
        emergency.changed.connect(self.on_change)
        if emergency.active:
            self.on_change(True)

    def ask(self) -> None:
        """The operator's switch: a reason to declare, a confirmation to lift."""
        em = self.emergency
        self.switch.setChecked(em.active)  # the mode, not the click, decides the tick
        try:
            if not em.active:
                reason, ok = QInputDialog.getText(self.window, _t("紧急状态模式"), _t("启用原因（必填）"))
                if ok and reason.strip():
                    em.declare(reason.strip())
            else:
                sure = QMessageBox.question(self.window, _t("紧急状态模式"), _t("解除紧急状态，恢复常态规则和布局？"))
                if sure == QMessageBox.StandardButton.Yes:
                    em.lift(_t("值班员解除"))
        except PermissionError as e:
            self.tell(str(e), "error")

    def on_change(self, active: bool) -> None:
        """Swap the layout (each kept per role), show or clear the banner, point the map and chart."""
        self.switch.setChecked(active)
        self.layouts.switch(active)
        self.banner_bar.setVisible(active)
        if active:
            self.banner.show_message("emergency", self.emergency.banner_text())
            if HOTLINE[0] in self.state.indicators:
                self.show_indicator(HOTLINE)
        self.map.focus_districts(list(self.emergency.mode.regions) if active else [])
        self.refresh_resources()

    def tick(self) -> None:
        """Once a second: has the platform declared (or stood down)? The banner's "since" and the
        units' load move on while it lasts."""
        self.emergency.observe()
        if self.emergency.active:
            self.banner.show_message("emergency", self.emergency.banner_text())
            self.refresh_resources()

    def refresh_resources(self) -> None:
        if self.resources_dock.isVisible():
            # the stations of the districts under the emergency (each with what it holds), the site's own
            # units, and whoever else holds an incident
            names = [self.state.regions[c].name_zh for c in self.emergency.mode.regions if c in self.state.regions]
            units = list(dict.fromkeys(u for name in names or [None] for u in self.dispatch.choices(name)))
            self.resources.show_rows([(u.unit, u.open_incidents, u.worst) for u in unit_loads(self.state, units)])
