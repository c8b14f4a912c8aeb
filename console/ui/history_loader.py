"""After a seek the exact state shows at once; the charts' older hour is read and reduced to what the
model keeps (its last readings, minute envelopes) off the GUI thread, then put in front of it, unless
another seek came first (then it belongs to an instant no longer shown)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from PySide6.QtCore import QObject, QTimer, Signal

from console.model.city_state import CityState

log = logging.getLogger(__name__)


class HistoryLoader(QObject):
    _ready = Signal(int, object)  # emitted from the reading thread; delivered on the GUI thread

    def __init__(self, state: CityState, parent: QObject | None = None, settle_ms: int = 0):
        """`settle_ms`: wait until the position has held this long (a drag along the timeline seeks many
        times; only where it stops needs the older hour, and reading it meanwhile slows every step)."""
        super().__init__(parent)
        self.state = state
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="seek-history")
        self._generation = 0
        self._ready.connect(self._on_ready)
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.setInterval(settle_ms)
        self._settle.timeout.connect(self._submit)
        self._read: Callable[[], list] | None = None

    def load(self, read: Callable[[], list], wait: bool = False) -> None:
        """`read` runs on the worker thread (it must open its own SQLite connection)."""
        self._generation += 1
        if self._settle.interval() and not wait:
            self._read = read
            self._settle.start()  # (again): the last position of a drag is read once it holds
            return
        self._read = read
        self._submit(wait)

    def _submit(self, wait: bool = False) -> None:
        read, self._read = self._read, None
        if read is None:
            return
        gen = self._generation
        state = self.state
        future = self._pool.submit(lambda: state.reduce_history(read()))  # the per-reading work here too
        if wait:
            self._apply(gen, future.result())
        else:
            future.add_done_callback(lambda f: self._ready.emit(gen, f))

    def cancel(self) -> None:
        """What is being read is no longer wanted (the view went back to live)."""
        self._generation += 1
        self._settle.stop()
        self._read = None

    def _on_ready(self, gen: int, future: Future) -> None:
        try:
            history = future.result()
        except Exception:
            log.exception("reading the chart history failed")
            return
        self._apply(gen, history)

    def _apply(self, gen: int, history: list) -> None:
        if gen == self._generation:
            self.state.prepend_reduced(history)
