"""Time-shift in the live window: the bar's play/pause, speed, steps and timeline drive the TimeShift;
the one clock follows the shown instant; commands are held while the picture is not live; End (or
Ctrl+L) comes back to live."""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QWidget

from console.model.clock import Clock
from console.recording.time_shift import TimeShift
from console.ui.crosshair import link_crosshair
from console.ui.history_loader import HistoryLoader
from console.ui.operator_timeline import OperatorTimeline
from widgets.replay_bar import ReplayBar

log = logging.getLogger(__name__)
HISTORY_SETTLE_MS = 150  # a drag's positions get the charts' older hour only where the drag stops
MARKS_EVERY_S = 5.0  # the timeline's marks of a session still being recorded are read again this often


def _t(text: str) -> str:
    return QCoreApplication.translate("TimeShiftController", text)


class TimeShiftController(QObject):
    _marks_ready = Signal(object)  # from the reading thread; delivered on the GUI thread

    def __init__(self, shift: TimeShift, clock: Clock, bar: ReplayBar, window: QWidget, sender=None,
                 emergency=None):
        super().__init__(window)
        self.shift, self.clock, self.bar, self.window = shift, clock, bar, window
        self.sender, self.emergency = sender, emergency
        self.history = HistoryLoader(shift.view, self, settle_ms=HISTORY_SETTLE_MS)
        audit = getattr(window, "audit", None)
        self.marks = (OperatorTimeline(bar.timeline, shift.view, shift.recorder.path,
                                       audit.path if audit is not None else None)
                      if shift.recorder is not None else None)
        self._marks_read = -1e9
        self._marks_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="timeline-marks")
        self._marks_busy = False
        self._marks_ready.connect(self._show_marks)
        if hasattr(window, "chart"):
            link_crosshair(window.chart, bar.timeline)
        shift.add_mode_listener(self._on_mode)
        bar.playToggled.connect(self.toggle)
        bar.speedChosen.connect(shift.set_speed)
        bar.stepRequested.connect(self.step)
        bar.timeline.seekRequested.connect(self.seek)
        bar.liveRequested.connect(self.back_to_live)
        bar.mark.hide()  # bookmarks belong to a recording opened for review
        for key, fn in (("Space", self.toggle), ("End", self.back_to_live), ("Ctrl+L", self.back_to_live),
                        ("Ctrl+Left", lambda: self.step(-10)), ("Ctrl+Right", lambda: self.step(10))):
            QShortcut(QKeySequence(key), window, activated=fn)
        self._last = time.monotonic()  # paces playback only; what is shown comes from the recording's times
        self._timer = QTimer(self)
        self._timer.setInterval(100)
        self._timer.timeout.connect(self._tick)
        self._timer.start()
        self._show()

    # ---------------------------------------------------------------- the operator's controls
    def toggle(self) -> None:
        s = self.shift
        if not s.shifted:
            self._guard(s.pause)
        elif s.playing:
            s.pause()
        else:
            self._guard(s.play)
        self._show()

    def seek(self, ts: float, wait_for_history: bool = False) -> None:
        if ts >= self.shift.live_ts:
            self.back_to_live()
            return
        if self._guard(lambda: self.shift.seek(ts)):
            self.history.load(self.shift.replay.older_history, wait=wait_for_history)
        self._show()

    def step(self, seconds: float) -> None:
        self.seek(self.shift.position + seconds)

    def back_to_live(self) -> None:
        self.history.cancel()
        self.shift.back_to_live()
        self._show()

    def _guard(self, fn) -> bool:
        """Time-shift needs the session's recording; without one, say so instead of failing. A big screen
        opened from this workstation shares its picture and must stay live: no time-shift while one is up."""
        if not self.shift.shifted and any(w.isVisible() for w in getattr(self.window, "walls", [])):
            if hasattr(self.window, "queue"):
                self.window.queue.show_message(_t("大屏显示中：关闭大屏后才能时移"), "error")
            return False
        try:
            fn()
            return True
        except RuntimeError as e:
            log.warning("time-shift unavailable: %s", e)
            if hasattr(self.window, "queue"):
                self.window.queue.show_message(_t("无法时移：{0}").format(str(e)), "error")
            return False

    # ---------------------------------------------------------------- following
    def _tick(self) -> None:
        now = time.monotonic()
        elapsed, self._last = now - self._last, now
        self.shift.tick(elapsed)
        if (self.marks is not None and now - self._marks_read >= MARKS_EVERY_S and self.bar.isVisible()
                and not self._marks_busy):
            self._marks_read, self._marks_busy = now, True  # read off the GUI thread: it grows with the session
            self._marks_pool.submit(self.marks.read, *self.shift.span).add_done_callback(self._marks_ready.emit)
        self._show()

    def _show_marks(self, future) -> None:
        self._marks_busy = False
        try:
            self.marks.show(future.result())
        except Exception:
            log.exception("reading the timeline's marks failed")

    def _show(self) -> None:
        s = self.shift
        if s.shifted:
            # the clock shows the recorded instant in the feed's time, as the live clock read it then (not
            # with today's offset: a sped-up feed's grows, and the picture would look minutes stale)
            self.clock.set_fixed(s.position + self.clock.offset_at(s.position))
        start, end = s.span
        self.bar.show_position(s.position, start, end, s.playing, "shifted" if s.shifted else "live")
        self.bar.show_new_since_pause(len(s.new_since_pause))
        model = getattr(self.window, "incident_model", None)
        if s.shifted and self.marks is not None and model is not None:
            model.set_pending(*self.marks.queue_at(s.position))

    def _on_mode(self, shifted: bool) -> None:
        if not shifted:
            self.clock.set_fixed(None)
            model = getattr(self.window, "incident_model", None)
            if model is not None:
                model.set_pending({}, {})
            if hasattr(self.window, "refresh_pending"):
                self.window.refresh_pending()  # the journal's pending commands, as live shows them
        if self.sender is not None:
            self.sender.held_reason = _t("时移中：回到实时（End）后才能处置事件") if shifted else None
        if self.emergency is not None:  # the platform's declarations are read from the live city
            self.emergency.state = self.shift.live
        actions = getattr(self.window, "actions", None)
        if actions is not None and hasattr(actions, "refresh"):
            actions.refresh()
        log.info("time-shift: %s", "left live" if shifted else "back to live")
