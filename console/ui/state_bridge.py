"""CityState -> Qt: a timer takes the model's accumulated changes a few times a second and emits them,
so no widget is ever touched per frame."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from console.feed.source import Source
from console.model.city_state import Changes, CityState
from console.model.clock import Clock


class StateBridge(QObject):
    changed = Signal(object)  # Changes
    second = Signal()  # once a second: ages, countdowns, feed health

    def __init__(self, state: CityState, source: Source | None, clock: Clock, hz: float = 5.0, parent=None):
        super().__init__(parent)
        self.state, self.source, self.clock = state, source, clock
        self._timer = QTimer(self)
        self._timer.setInterval(int(1000 / hz))
        self._timer.timeout.connect(self.flush)
        self._timer.start()
        self._sec = QTimer(self)
        self._sec.setInterval(1000)
        self._sec.timeout.connect(self._tick)
        self._sec.start()

    def stop(self) -> None:
        """No more ticks: a session that has closed its files must not have its windows write to them."""
        self._timer.stop()
        self._sec.stop()

    def _tick(self) -> None:
        """Once a second: keep the clock on the feeds' own time (the median of their offsets), then let
        every window (workstation and walls alike) update its ages and countdowns against it."""
        health = self.source.health() if self.source is not None else []
        offsets = sorted(h.clock_offset for h in health if h.clock_offset is not None)
        if offsets:
            self.clock.follow_feed(offsets[len(offsets) // 2])
        self.second.emit()

    def flush(self) -> Changes:
        ch = self.state.take_changes()
        if ch:
            self.changed.emit(ch)
        return ch
