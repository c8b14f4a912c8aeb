"""Replay in the window: a recording opened, sought to an instant, the queue shows what was open then;
jump to an incident; bookmarks are saved beside the file; no action can be sent."""

import json

from PySide6.QtCore import QSettings

from console.city_state import CityState
from console.clock import Clock
from console.decoder import Decoder
from console.frames import EventFrame
from console.ingest import Ingest
from console.recording import Recorder, Recording
from console.replay_source import ReplaySource
from console.source import Envelope
from console.ui.main_window import MainWindow
from console.ui.replay_controller import ReplayController, bookmarks_path
from tests.frames_factory import catalog, dumps, event, hello, samples
from widgets.replay_bar import ReplayBar

T = 1_763_900_000.0


def make_recording(path):
    """hello, catalog, readings every second, incident E1 at +10 s (closed at +30 s), E2 at +20 s."""
    rec, dec, state = Recorder(path, flush_s=0.05), Decoder(), CityState()
    frames = [(T, hello()), (T + 0.1, catalog())]
    for i in range(40):
        frames.append((T + 1 + i, samples(i + 1, [["traffic.congestion_index", "310101", T + 1 + i, float(i % 10)]])))
    frames += [(T + 10.5, dumps({"type": "event", "seq": 100, "event": event("E1", created_ts=T + 10)})),
               (T + 20.5, dumps({"type": "event", "seq": 101, "event": event("E2", created_ts=T + 20)})),
               (T + 30.5, dumps({"type": "event", "seq": 102, "event": event("E1", version=2, state="closed")}))]
    for ts, raw in sorted(frames):
        d = dec.decode(raw)
        rec(Envelope("city", ts, raw, d, None))
        if d.frame is not None:
            state.apply("city", d.frame)
        if ts == T + 25:
            rec.keyframe(ts, state.keyframe_body())
    rec.close()
    assert isinstance(dec.decode(frames[-1][1]).frame, EventFrame)


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
