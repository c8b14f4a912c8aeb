"""What a window asks of its city map, as a typed interface (CityMap), and NoMap, the stand-in for a
console without one (--no-map, and most tests). The real map is console/ui/map_bridge.py's CityMapView
(Qt WebEngine, imported only when a map is wanted); with NoMap in its place a window calls the map
unconditionally instead of asking what it can do."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import Signal, SignalInstance
from PySide6.QtWidgets import QWidget

from console.model.city_state import Changes


class CityMap(Protocol):
    """A QWidget (the window's central widget) that shows the city and answers these."""

    incidentClicked: SignalInstance  # (event id) the operator clicked an incident's marker
    areaClicked: SignalInstance  # (region code) the operator clicked a district or a street's point
    unitClicked: SignalInstance  # (unit id) the operator clicked a dispatch unit's badge

    def apply_changes(self, ch: Changes) -> None:
        """The state changed: send the map what moved."""

    def reload(self) -> None:
        """The state was rebuilt (a replay seek): draw the whole picture again."""

    def retranslate(self) -> None:
        """The language changed."""

    def select_incident(self, event_id: str) -> None:
        """Point at the incident the queue selected."""

    def select_unit(self, unit_id: str) -> None:
        """Ring the dispatch unit the resources dock selected and bring it into view."""

    def set_freshness(self, marked: bool, text: str) -> None:
        """Mark the map as not live (greyed, with the age said), or live again."""

    def set_view(self, code: str, shown: Callable[[], None] | None = None) -> None:
        """Frame this region, the drilled view (a district shows its streets' points); `shown` is called
        once the map has framed it (at once when there is nothing to frame it yet)."""

    def focus_districts(self, codes: list[str]) -> None:
        """Zoom to these districts (an emergency's area) over the view; empty: back to the view."""

    def set_area(self, code: str) -> None:
        """Show only the incidents inside this region (the console's scope: a district centre's map
        shows its district's incidents, whatever the feed or a replayed city recording holds)."""

    def twin(self) -> QWidget | None:
        """A second view of the same map for a wall screen, or None when there is no map to show."""


class NoMap(QWidget):
    """No map: an empty central widget that accepts every call and never signals."""

    incidentClicked = Signal(str)
    areaClicked = Signal(str)
    unitClicked = Signal(str)

    def apply_changes(self, ch: Changes) -> None:
        pass

    def reload(self) -> None:
        pass

    def retranslate(self) -> None:
        pass

    def select_incident(self, event_id: str) -> None:
        pass

    def select_unit(self, unit_id: str) -> None:
        pass

    def set_freshness(self, marked: bool, text: str) -> None:
        pass

    def set_view(self, code: str, shown: Callable[[], None] | None = None) -> None:
        if shown is not None:
            shown()

    def focus_districts(self, codes: list[str]) -> None:
        pass

    def set_area(self, code: str) -> None:
        pass

    def twin(self) -> QWidget | None:
        return None
