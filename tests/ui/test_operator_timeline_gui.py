"""In replay, the operators' own actions on the timeline, and the queue at the instant shows who held what."""

from console.incidents.audit_log import AuditLog
from console.recording.store import Recording
from tests.recordings import T, make_recording, write_audit


def test_replay_window_shows_actions_on_the_timeline_and_the_queue_at_the_instant(qtbot, tmp_path):
    from PySide6.QtCore import QSettings, Qt

    from console.model.city_state import CityState
    from console.model.clock import Clock
    from console.model.ingest import Ingest
    from console.recording.replay_source import ReplaySource
    from console.ui.incident_model import COLUMNS
    from console.ui.main_window import MainWindow
    from console.ui.replay_controller import ReplayController
    from widgets.replay_bar import ReplayBar

    make_recording(tmp_path / "s.cityrec")
    write_audit(tmp_path / "a.jsonl")
    state, clock = CityState(), Clock()
    replay = ReplaySource(Recording(tmp_path / "s.cityrec"), history_s=2)
    replay.add_listener(Ingest(state))
    audit = AuditLog(tmp_path / "a.jsonl")
    win = MainWindow(state, replay, clock, QSettings(str(tmp_path / "l.ini"), QSettings.Format.IniFormat),
                     audit=audit)
    qtbot.addWidget(win)
    bar = ReplayBar()
    qtbot.addWidget(bar)
    ctl = ReplayController(replay, state, clock, bar, win)
    tl = bar.timeline
    assert len(tl.actions) == 5 and len(tl.changes) == 1 and sum(tl.density) == 2

    def state_cell(eid):
        win.bridge.flush()
        m = win.incident_model
        row = m.row_of(eid)
        return m.data(m.index(row, COLUMNS.index("state")), Qt.ItemDataRole.DisplayRole)

    ctl.seek(T + 13, wait_for_history=True)
    assert "⏳" in state_cell("E1") and "值班员甲" in state_cell("E1")
    ctl.seek(T + 15, wait_for_history=True)
    assert "⏳" not in state_cell("E1") and state_cell("E1").endswith("· 值班员甲")
    tl.resize(1000, 34)
    x = tl._x(T + 12)
    assert any("值班员甲" in t for t in tl.near(x))
    audit.close()
