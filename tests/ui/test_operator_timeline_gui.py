"""In replay, the operators' own actions on the timeline, and the queue at the instant shows who held what."""

from tests.recordings import T, make_recording, write_audit


def test_replay_window_shows_actions_on_the_timeline_and_the_queue_at_the_instant(qtbot, tmp_path):
    from PySide6.QtCore import Qt

    from console.ui.incident_model import COLUMNS
    from console.ui.session import ConsoleOptions, build_console

    make_recording(tmp_path / "s.cityrec")
    write_audit(tmp_path / "audit.jsonl")  # the session's audit log, in its journal folder
    session = build_console(ConsoleOptions(replay=tmp_path / "s.cityrec", with_map=False, journal_dir=tmp_path,
                                           settings_path=tmp_path / "l.ini", scope="310101"))  # 黄浦区's own
    win, ctl, bar = session.window, session.controller, session.bar
    qtbot.addWidget(win)
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
    session.close()
