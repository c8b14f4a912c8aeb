"""Replay in the window: drives the ReplaySource from the replay bar, keeps the one clock on the
replay position, rebuilds CityState on a seek, and keeps bookmarks (with notes) beside the file."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QInputDialog, QWidget

from console.model.city_state import CityState
from console.model.clock import Clock
from console.privacy.at_rest import DataKeyError
from console.recording.bookmarks import bookmarks_path, read_bookmarks, write_bookmarks
from console.recording.replay_source import ReplaySource
from console.ui.crosshair import link_crosshair
from console.ui.history_loader import HistoryLoader
from console.ui.operator_timeline import OperatorTimeline
from widgets.replay_bar import ReplayBar

log = logging.getLogger(__name__)


def _t(text: str) -> str:
    return QCoreApplication.translate("ReplayController", text)


class ReplayController(QObject):
    def __init__(self, replay: ReplaySource, state: CityState, clock: Clock, bar: ReplayBar, window: QWidget):
        super().__init__(window)
        self.history = HistoryLoader(state, self)
        self.replay, self.state, self.clock, self.bar, self.window = replay, state, clock, bar, window
        replay.add_state_sink(state)
        bar.playToggled.connect(self.toggle)
        bar.speedChosen.connect(replay.set_speed)
        bar.stepRequested.connect(self.step)
        bar.timeline.seekRequested.connect(self.seek)
        bar.bookmarkRequested.connect(self.ask_bookmark)
        self.bookmarks: list[tuple[float, str]] = self._load_bookmarks()
        bar.timeline.bookmarks = self.bookmarks
        audit = getattr(window, "audit", None)
        self.marks = OperatorTimeline(bar.timeline, state, replay.rec.path, audit.path if audit is not None else None)
        self.marks.refresh(replay.start_ts, replay.end_ts)
        if hasattr(window, "chart"):
            link_crosshair(window.chart, bar.timeline)
        for key, fn in (("Space", self.toggle), ("Left", lambda: self.step(-10)), ("Right", lambda: self.step(10)),
                        ("B", self.ask_bookmark), ("Ctrl+E", self.ask_export),
                        ("Ctrl+J", lambda: self.jump_to_incident(window.queue.selected_id or ""))):
            QShortcut(QKeySequence(key), window, activated=fn)
        self._timer = QTimer(self)
        self._timer.setInterval(100)
        self._timer.timeout.connect(self._show)
        self._timer.start()
        self.seek(replay.start_ts)

    def _show(self) -> None:
        r = self.replay
        self.clock.set_fixed(r.position)
        self.bar.show_position(r.position, r.start_ts, r.end_ts, r.playing)
        model = getattr(self.window, "incident_model", None)
        if model is not None:
            model.set_pending(*self.marks.queue_at(r.position))

    def toggle(self) -> None:
        self.replay.pause() if self.replay.playing else self.replay.play()
        self._show()

    def seek(self, ts: float, wait_for_history: bool = False) -> None:
        """The exact state at `ts` at once; the charts' older history follows from a background read."""
        n = self.replay.seek(ts, with_history=False)
        log.info("replay: seek to %.1f (%d frames replayed)", ts, n)
        self._show()
        self.history.load(self.replay.older_history, wait=wait_for_history)

    def step(self, seconds: float) -> None:
        if seconds < 0:  # backwards is a seek (with the history read off the GUI thread)
            self.seek(self.replay.position + seconds)
            return
        self.replay.step(seconds)
        self._show()

    def jump_to_incident(self, event_id: str) -> bool:
        ts = self.replay.rec.first_seen(event_id)
        if ts is None:
            return False
        self.seek(ts)
        return True

    # ---------------------------------------------------------------- export
    def export(self, out_dir: Path, fmt: str = "csv", start: float | None = None, end: float | None = None):
        """Export a range of this recording, with a progress dialog (cancel stops nothing already written)."""
        from PySide6.QtCore import QCoreApplication, Qt
        from PySide6.QtWidgets import QProgressDialog

        from console.recording.export import export_recording

        dlg = QProgressDialog("导出中…", "", 0, 100, self.window)
        dlg.setCancelButton(None)
        dlg.setWindowModality(Qt.WindowModality.WindowModal)
        dlg.setMinimumDuration(300)

        def progress(frac: float) -> None:
            dlg.setValue(int(frac * 100))
            QCoreApplication.processEvents()

        try:
            op = getattr(self.window, "operator", None)
            audit = getattr(self.window, "audit", None)
            res = export_recording(self.replay.rec, out_dir, fmt, start, end, progress=progress,
                                   unmask=bool(op and op.sees_personal_data), audit=audit.path if audit else None)
        finally:
            dlg.close()
        log.info("exported %d readings and %d incidents to %s", res.samples, res.incidents, out_dir)
        return res

    def ask_export(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        op = getattr(self.window, "operator", None)
        if op is not None and not op.can_export:
            if hasattr(self.window, "queue"):
                self.window.queue.show_message(_t("角色 {0} 不能导出数据").format(op.role.value), "error")
            return
        folder = QFileDialog.getExistingDirectory(self.window, "导出到文件夹")
        if not folder:
            return
        fmt, ok = QInputDialog.getItem(self.window, "导出", "格式", ["csv", "parquet"], 0, False)
        if ok:
            res = self.export(Path(folder), fmt)
            msg = f"已导出 {res.samples} 条读数、{res.incidents} 个事件到 {folder}"
            if hasattr(self.window, "queue"):
                self.window.queue.show_message(msg, "ok")

    # ---------------------------------------------------------------- bookmarks
    def _load_bookmarks(self) -> list[tuple[float, str]]:
        p = bookmarks_path(self.replay.rec.path)
        try:
            return read_bookmarks(p)
        except DataKeyError as exc:  # kept as they are: a new bookmark must not overwrite them
            log.error("bookmarks %s: %s; not shown, and new ones are not saved", p, exc)
            self._bookmarks_sealed_away = True
            return []
        except (ValueError, KeyError, TypeError) as exc:
            log.error("bookmarks file %s unreadable (%s); starting a new list", p, exc)
            return []

    def add_bookmark(self, note: str, ts: float | None = None) -> None:
        self.bookmarks.append((self.replay.position if ts is None else ts, note))
        self.bookmarks.sort()
        if not getattr(self, "_bookmarks_sealed_away", False):
            write_bookmarks(bookmarks_path(self.replay.rec.path), self.bookmarks)
        self.bar.timeline.update()

    def ask_bookmark(self) -> None:
        note, ok = QInputDialog.getText(self.window, "书签", "备注")
        if ok:
            self.add_bookmark(note.strip())
