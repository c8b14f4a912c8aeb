"""Replay in the window: a recording opened, sought to an instant, the queue shows what was open then;
jump to an incident; bookmarks are saved beside the file; no action can be sent."""

import json

from PySide6.QtCore import QSettings

from console.model.city_state import CityState
from console.model.clock import Clock
from console.model.ingest import Ingest
from console.recording.replay_source import ReplaySource
from console.recording.store import Recording
from console.ui.main_window import MainWindow
from console.ui.replay_controller import ReplayController, bookmarks_path
from tests.recordings import T, make_recording
from widgets.replay_bar import ReplayBar


def test_replay_window_seeks_jumps_and_bookmarks(qtbot, tmp_path):
    path = tmp_path / "s.cityrec"
    make_recording(path)
    state, clock = CityState(), Clock()
    replay = ReplaySource(Recording(path), history_s=2)
    replay.add_listener(Ingest(state))
    win = MainWindow(state, replay, clock, QSettings(str(tmp_path / "l.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    bar = ReplayBar()
    ctl = ReplayController(replay, state, clock, bar, win)
    win.show()

    def open_ids():
        win.bridge.flush()
        return {win.incident_model.event_at(r).id for r in range(win.incident_model.rowCount())}

    ctl.seek(T + 25, wait_for_history=True)
    assert open_ids() == {"E1", "E2"} and clock.now() == T + 25
    assert state.latest("traffic.congestion_index", "310101")[0] == T + 25
    ctl.seek(T + 35, wait_for_history=True)
    assert open_ids() == {"E2"}  # E1 was closed at +30
    ctl.seek(T + 15, wait_for_history=True)  # backwards
    assert open_ids() == {"E1"}
    assert ctl.jump_to_incident("E2") and replay.position == T + 20.5
    assert open_ids() == {"E1", "E2"}
    ctl.add_bookmark("交通拥堵开始")
    saved = json.loads(bookmarks_path(path).read_text(encoding="utf-8"))
    assert saved == [{"ts": T + 20.5, "note": "交通拥堵开始"}]
    assert sum(replay.rec.incident_density(10, replay.start_ts, replay.end_ts)) == 2
    res = ctl.export(tmp_path / "exp", "csv", T + 5, T + 25)
    assert res.samples == 21 and res.incidents == 2
    assert not replay.can_send
    assert not any(a.isEnabled() for a in win.actions.actions.values())
