"""The operators on the timeline: incident arrivals and state changes from the recording, actions from
the audit log with who and what, the queue's pending commands and holders at an instant, and the
actions in an export of a time range."""

import pandas as pd

from console.incidents.audit_log import AuditLog
from console.incidents.operator_history import OperatorHistory, density, incident_marks
from console.recording.export import export_recording
from console.recording.store import Recording
from tests.recordings import T, make_recording


def _audit(path):
    log = AuditLog(path)
    log.record("acknowledge", "值班员甲", "duty_officer", "E1", "submitted", {"command": "c1"}, now=T + 12)
    log.record("acknowledge", "值班员甲", "duty_officer", "E1", "done", {"command": "c1"}, now=T + 14)
    log.record("dispatch", "值班员乙", "duty_officer", "E2", "submitted",
               {"command": "c2", "note": "报警人 13812345678"}, now=T + 22)
    log.record("mute", "值班员乙", "duty_officer", "breach_sound", "done", {}, now=T + 23)
    log.record("escalate", "值班员甲", "duty_officer", "E2", "submitted", {"command": "c3"}, now=T + 40)
    log.close()
    with open(path, "a", encoding="utf-8") as f:
        f.write('{"ts": 1, "operator": "torn')  # a torn last line is skipped, never fatal


def test_marks_pending_and_holders(tmp_path):
    make_recording(tmp_path / "s.cityrec")
    _audit(tmp_path / "a.jsonl")
    rec = Recording(tmp_path / "s.cityrec")
    marks = incident_marks(rec, T, T + 50)
    assert [(m.kind, m.ts) for m in marks] == [("arrival", T + 10.5), ("arrival", T + 20.5), ("change", T + 30.5)]
    assert "closed" in marks[2].text and "E1" in marks[2].text
    assert incident_marks(rec, T + 25, T + 50)[0].kind == "change"  # E1 arrived before the range
    hist = OperatorHistory.load(tmp_path / "a.jsonl")
    acts = hist.marks(T, T + 30)
    assert len(acts) == 4 and "值班员甲" in acts[0].text and "acknowledge" in acts[0].text
    assert hist.pending_at(T + 13) == {"E1": ("acknowledge", "值班员甲")}
    assert hist.pending_at(T + 15) == {} and hist.holders_at(T + 15) == {"E1": "值班员甲"}
    assert hist.pending_at(T + 25) == {"E2": ("dispatch", "值班员乙")}
    assert hist.holders_at(T + 11) == {}
    assert density(marks, "arrival", 5, T, T + 50) == [0, 1, 1, 0, 0]
    assert OperatorHistory.load(tmp_path / "missing.jsonl").entries == []
    rec.close()


def test_export_of_a_range_includes_the_actions(tmp_path):
    make_recording(tmp_path / "s.cityrec")
    _audit(tmp_path / "a.jsonl")
    res = export_recording(Recording(tmp_path / "s.cityrec"), tmp_path / "out", "csv", T + 5, T + 25,
                           audit=tmp_path / "a.jsonl")
    assert res.actions == 4
    df = pd.read_csv(res.actions_path)
    assert list(df.operator) == ["值班员甲", "值班员甲", "值班员乙", "值班员乙"]
    assert "138****5678" in df.detail[2] and "13812345678" not in df.detail[2]  # masked like everything else
    none = export_recording(Recording(tmp_path / "s.cityrec"), tmp_path / "out2", "csv", T + 5, T + 25)
    assert none.actions_path is None


def test_replay_window_shows_actions_on_the_timeline_and_the_queue_at_the_instant(qtbot, tmp_path):
    from PySide6.QtCore import Qt

    from console.ui.incident_model import COLUMNS
    from console.ui.session import ConsoleOptions, build_console

    make_recording(tmp_path / "s.cityrec")
    _audit(tmp_path / "audit.jsonl")  # the session's audit log, in its journal folder
    session = build_console(ConsoleOptions(replay=tmp_path / "s.cityrec", with_map=False, journal_dir=tmp_path,
                                           settings_path=tmp_path / "l.ini"))
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
