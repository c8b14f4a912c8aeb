"""A drilled view drawn before anything else: while the board's tiles and the map's frame of a new view
are drawn, the feed waits (Source.hold: frames wait, none is dropped) and so does the window's own
periodic work (the second's tick, the discovery rules), for at most a short, fixed time.

Why: at street level (23,000 readings a second) a drill's own GUI work was ~55 ms (~33 ms since the
tiles got cheaper), drawn in slices of 8 ms, and whatever else was due ran between the slices: the
feed's frames, the discovery rules (16-24 ms every 5 s), the second's tick (10 ms). The work put off
here runs one frame after the view is drawn, never lost and never more than `cap_s` late. Measured over
the issue's hour (docs/benchmarks.md, 2026-11-30) the drill's tail did not shorten measurably: what sets
it is mostly the GUI thread waiting for a core while the page's renderer redraws the map, and the
drill's own work."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

from console.feed.source import Source

# after the view is drawn, the work put off waits one more frame: the view's paint and the map's answer
# come first
AFTER_MS = 16


class DrawPause(QObject):
    def __init__(self, source: Source | None, cap_s: float, parent: QObject | None = None):
        super().__init__(parent)
        self.source, self.cap_s = source, cap_s
        self._waiting: set[str] = set()  # the parts of the view not drawn yet ("board", "map")
        self._view = 0  # which view is being drawn: an answer about an earlier one is not this one's
        self._deferred: dict[str, Callable[[], object]] = {}  # by name: each put off once, however often due
        self._cap = QTimer(self)  # a part that never says it is drawn does not hold anything for long
        self._cap.setSingleShot(True)
        self._cap.timeout.connect(self._end)
        self._after = QTimer(self)
        self._after.setSingleShot(True)
        self._after.setInterval(AFTER_MS)
        self._after.timeout.connect(self._run_deferred)

    @property
    def active(self) -> bool:
        return bool(self._waiting)

    def begin(self, parts: set[str]) -> int:
        """A new view is being drawn in these parts; each says `drawn(part)` when it is. Returns the view's
        number, for a part whose answer may come about an earlier view (the map answers each `setView`
        in turn)."""
        self._view += 1
        if not parts:
            return self._view
        self._waiting = set(parts)
        if self.source is not None:
            self.source.hold(self.cap_s)
        self._cap.start(int(self.cap_s * 1000))
        return self._view

    def drawn(self, part: str, view: int | None = None) -> None:
        """`part` has drawn the view (`view`: the number `begin` gave, when the answer could be about an
        earlier one). A part that was not waited for is ignored: a board's slices also finish outside
        a drill."""
        if part not in self._waiting or (view is not None and view != self._view):
            return
        self._waiting.discard(part)
        if not self._waiting:
            self._end()

    def defer(self, name: str, work: Callable[[], object]) -> bool:
        """Put `work` off until the view is drawn, when one is being drawn: True if it was put off (the
        caller does nothing now), False if it should run now."""
        if not self._waiting:
            return False
        self._deferred[name] = work
        return True

    def _end(self) -> None:
        self._waiting.clear()
        self._cap.stop()
        if self.source is not None:
            self.source.release()
        if self._deferred:
            self._after.start()

    def _run_deferred(self) -> None:
        if self._waiting:  # another drill began within the frame: its end runs them
            return
        work, self._deferred = list(self._deferred.values()), {}
        for w in work:
            w()
