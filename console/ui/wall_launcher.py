"""Big-screen walls opened from a workstation: each shares the workstation's picture (its state and
change bridge; the wall's own map view), follows its emergency mode, and closes with it."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

from console.feed.source import Source
from console.incidents.levels import LevelView
from console.model.city_state import CityState
from console.model.clock import Clock
from console.resources import resource
from console.ui.city_map import CityMap
from console.ui.emergency_controller import EmergencyController
from console.ui.state_bridge import StateBridge


class WallLauncher:
    def __init__(self, state: CityState, source: Source | None, clock: Clock, bridge: StateBridge,
                 city_map: CityMap, emergency: EmergencyController | None, back_to_live: Callable[[], None],
                 record: Callable[[str, str, dict], None], scope: str = "310000",
                 levels: LevelView | None = None):
        self.state, self.source, self.clock, self.bridge = state, source, clock, bridge
        self.scope = scope  # the console's: its wall shows the same area
        self.levels = levels  # and lists what the console's level handles
        self.map, self.emergency, self.back_to_live, self.record = city_map, emergency, back_to_live, record
        self.walls: list[QWidget] = []  # the window's `walls`: time-shift is refused while one is up

    def open(self, options=None) -> QWidget:
        """The big-screen wall (on the second monitor when there is one)."""
        from console.ui.wall_window import WallOptions, WallWindow  # the wall's code only when one is opened
        from console.views.wall_model import load_wall_config

        self.back_to_live()  # the wall shares this picture: a big screen always shows live
        if options is None:
            options = WallOptions(screen=1 if len(QGuiApplication.screens()) > 1 else 0)
        wall = WallWindow(self.state, self.source, self.clock, self.bridge,
                          load_wall_config(resource("config", "wall.json")), options, self.map.twin(), self.scope,
                          levels=self.levels)
        em = self.emergency
        if em is not None:
            em.changed.connect(lambda _a, w=wall: w.set_emergency(em.banner_text(), em.mode.regions))
            if em.active:
                wall.set_emergency(em.banner_text(), em.mode.regions)
        wall.place()
        self.walls.append(wall)
        self.record("wall_open", f"screen:{options.screen}", {"span": options.span})
        return wall

    def close_all(self) -> None:
        for w in self.walls:
            w.close()
