"""Replay in the window: a recording opened, sought to an instant, the queue shows what was open then;
jump to an incident; bookmarks are saved beside the file; no action can be sent."""

import json

from console.recording.bookmarks import bookmarks_path
from console.ui.session import ConsoleOptions, build_console
from tests.recordings import T, make_recording


def test_replay_window_seeks_jumps_and_bookmarks(qtbot, tmp_path):
    path = tmp_path / "s.cityrec"
    make_recording(path)
    session = build_console(ConsoleOptions(replay=path, with_map=False, journal_dir=tmp_path / "j",
                                           settings_path=tmp_path / "l.ini", scope="310101"))  # 黄浦区's own
    state, clock, replay, win, ctl = session.state, session.clock, session.source, session.window, session.controller
    qtbot.addWidget(win)
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
    session.close()


def test_arrow_keys_move_the_board_when_it_has_focus_and_step_the_replay_otherwise(qtbot, tmp_path):
    """Replay's ←/→ (10 s steps) are window shortcuts; the vital board walks its tiles with the same
    keys. Whoever has the keyboard focus gets them: the board is not robbed of its arrows."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    path = tmp_path / "s.cityrec"
    make_recording(path)
    session = build_console(ConsoleOptions(replay=path, with_map=False, journal_dir=tmp_path / "j",
                                           settings_path=tmp_path / "l.ini"))
    replay, win, ctl = session.source, session.window, session.controller
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    ctl.seek(T + 20, wait_for_history=True)
    replay.pause()
    board = win.board
    win.bridge.flush()
    qtbot.waitUntil(lambda: len(board._specs) >= 1, timeout=5000)
    board.setFocus()
    qtbot.waitUntil(board.hasFocus, timeout=5000)
    with qtbot.waitSignal(board.tileActivated, timeout=2000):  # the board walked its tiles
        QTest.keyClick(board, Qt.Key.Key_Right)
    assert replay.position == T + 20  # and the replay did not
    ctl.bar.setFocus()
    qtbot.waitUntil(ctl.bar.hasFocus, timeout=5000)
    QTest.keyClick(ctl.bar, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: replay.position == T + 30, timeout=5000)  # elsewhere, → steps 10 s
    session.close()
