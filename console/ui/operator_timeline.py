"""The timeline of a replay or a time-shift (复盘): incident arrivals, their state changes and the
operators' own actions (from the audit log, with who and what), and the queue at the shown instant
with the commands then awaiting the platform and who held each incident."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QCoreApplication

from console.feed.protocol import CommandOp
from console.incidents.operator_history import OperatorHistory, density, incident_marks
from console.model.city_state import CityState
from console.recording.store import Recording
from widgets.replay_bar import Timeline

log = logging.getLogger(__name__)
BINS = 400


def _op_label(action: str) -> str:
    from console.ui.incident_actions import OP_ZH

    try:
        return QCoreApplication.translate("IncidentActions", OP_ZH[CommandOp(action)])
    except ValueError:
        return action


class OperatorTimeline:
    def __init__(self, timeline: Timeline, state: CityState, recording: Path, audit: Path | None):
        self.timeline, self.state = timeline, state
        self.recording_path, self.audit_path = recording, audit
        self._rec: Recording | None = None
        self.history = OperatorHistory([])
        self._queue_ts: float | None = None

    def refresh(self, start: float, end: float) -> None:
        """Read the marks again and show them (a session still being recorded grows; so does the audit log)."""
        self.show(self.read(start, end))

    def read(self, start: float, end: float) -> tuple:
        """The marks between `start` and `end`, ready to show. Safe off the GUI thread, one caller at a time
        (the recording connection is this object's own)."""
        try:
            if self._rec is None:
                self._rec = Recording(self.recording_path)
            marks = incident_marks(self._rec, start, end, self._title)
        except (FileNotFoundError, ValueError) as e:
            log.warning("timeline: recording %s unreadable: %s", self.recording_path, e)
            marks = []
        history = OperatorHistory.load(self.audit_path) if self.audit_path is not None else self.history
        marks += history.marks(start, end)
        return (history, density(marks, "arrival", BINS, start, end), [m.ts for m in marks if m.kind == "change"],
                [(m.ts, m.text) for m in marks if m.kind == "action"])

    def show(self, read: tuple) -> None:
        t = self.timeline
        self.history, t.density, t.changes, t.actions = read
        t.update()

    def _title(self, event_id: str) -> str | None:
        ev = self.state.incidents.get(event_id)
        return ev.title if ev is not None else None

    def queue_at(self, ts: float) -> tuple[dict[str, str], dict[str, str]]:
        """(pending command labels, holders) per incident at `ts`, for the queue."""
        pending = {eid: f"{_op_label(action)} · {op}" for eid, (action, op) in self.history.pending_at(ts).items()}
        return pending, self.history.holders_at(ts)

    def close(self) -> None:
        if self._rec is not None:
            self._rec.close()
            self._rec = None
