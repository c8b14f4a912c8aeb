"""The dispatch units on the city map (resources/map/city_units.js): each unit's badge (its kind's glyph
on its state's colour, name and state in the tooltip) and its 15-minute trail from the unit book. The
page keeps each unit's trail; a change sends only the tail from the last point the page already holds
for good (the book's newest point moves with the unit until the next is due: console/model/unit_book.py),
so a second's update is a few numbers per unit, not its 15 minutes."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import QCoreApplication

from console.feed.frames import Unit
from console.feed.protocol import UnitKind
from console.model.city_state import CityState
from console.views.labels import UNIT_GLYPH_ZH, UNIT_KIND_ZH, UNIT_STATE_COLOR, UNIT_STATE_ZH


def _label(text: str) -> str:
    return QCoreApplication.translate("Labels", text)


def unit_kind(unit: Unit) -> UnitKind:
    return unit.kind if isinstance(unit.kind, UnitKind) else UnitKind.OTHER


def unit_label(unit: Unit) -> str:
    """'消防 · 赶赴' in the operator's language (the kind, the state)."""
    return f"{_label(UNIT_KIND_ZH[unit_kind(unit)])} · {_label(UNIT_STATE_ZH[unit.state])}"


class MapUnits:
    def __init__(self, js: Callable[[str, object], None], state: CityState):
        self.js, self.state = js, state
        self._held: dict[str, float] = {}  # unit id -> ts from which the page's trail may still change

    def _payload(self, u: Unit, full: bool) -> dict:
        book = self.state.units
        trail = book.trail(u.id) if full else book.trail_since(u.id, self._held.get(u.id, 0.0))
        if len(trail) > 1:  # the newest point may still move; the ones before it stay as they are
            self._held[u.id] = trail[-2][0]
        elif full or u.id not in self._held:
            self._held[u.id] = u.ts
        return {"id": u.id, "name": u.name, "glyph": _label(UNIT_GLYPH_ZH[unit_kind(u)]),
                "color": UNIT_STATE_COLOR[u.state], "state": u.state.value, "label": unit_label(u),
                "lat": u.lat, "lon": u.lon, "ts": u.ts, "full": full,
                "trail": [[t, lat, lon] for t, lat, lon in trail]}

    def send_all(self) -> None:
        """Every unit with its whole trail (a new page, a seek, the language changed); gone ones removed."""
        book = self.state.units
        gone = sorted(self._held.keys() - book.units.keys())
        if gone:
            self.js("removeUnits", gone)
        self._held.clear()
        payload = [self._payload(u, True) for u in book.units.values()]
        if payload:
            self.js("upsertUnits", payload)

    def send(self, ids: Iterable[str]) -> None:
        """The units that changed: their position, badge and trail's tail."""
        book = self.state.units
        upsert, gone = [], []
        for uid in ids:
            u = book.get(uid)
            if u is None:
                if self._held.pop(uid, None) is not None:
                    gone.append(uid)
            else:
                upsert.append(self._payload(u, uid not in self._held))
        if gone:
            self.js("removeUnits", gone)
        if upsert:
            self.js("upsertUnits", upsert)

