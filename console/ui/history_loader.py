"""After a seek the exact state shows at once; the charts' older hour is read off the GUI thread and
put in front of it, unless another seek came first (then it belongs to an instant no longer shown)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from PySide6.QtCore import QObject, Signal

from console.city_state import CityState

log = logging.getLogger(__name__)


class HistoryLoader(QObject):
    _ready = Signal(int, object)  # emitted from the reading thread; delivered on the GUI thread

    def __init__(self, state: CityState, parent: QObject | None = None):
        super().__init__(parent)
        self.state = state
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="seek-history")
        self._generation = 0
        self._ready.connect(self._on_ready)

    def load(self, read: Callable[[], list], wait: bool = False) -> None:
        """`read` runs on the worker thread (it must open its own SQLite connection)."""
        self._generation += 1
        gen = self._generation
        future = self._pool.submit(read)
        if wait:
            self._apply(gen, future.result())
        else:
            future.add_done_callback(lambda f: self._ready.emit(gen, f))

    def cancel(self) -> None:
        """What is being read is no longer wanted (the view went back to live)."""
        self._generation += 1

    def _on_ready(self, gen: int, future: Future) -> None:
        try:
            history = future.result()
        except Exception:
            log.exception("reading the chart history failed")
            return
        self._apply(gen, history)

    def _apply(self, gen: int, history: list) -> None:
        if gen == self._generation:
            self.state.prepend_history(history)
