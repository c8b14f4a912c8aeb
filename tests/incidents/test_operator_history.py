"""The operators on the timeline: incident arrivals and state changes from the recording, actions from
the audit log with who and what, the queue's pending commands and holders at an instant, and the
actions in an export of a time range."""

import pandas as pd

from console.incidents.operator_history import OperatorHistory, density, incident_marks
from console.recording.export import export_recording
from console.recording.store import Recording
from tests.recordings import T, make_recording, write_audit


def test_marks_pending_and_holders(tmp_path):
    make_recording(tmp_path / "s.cityrec")
    write_audit(tmp_path / "a.jsonl")
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
    write_audit(tmp_path / "a.jsonl")
    res = export_recording(Recording(tmp_path / "s.cityrec"), tmp_path / "out", "csv", T + 5, T + 25,
                           audit=tmp_path / "a.jsonl")
    assert res.actions == 4
    df = pd.read_csv(res.actions_path)
    assert list(df.operator) == ["值班员甲", "值班员甲", "值班员乙", "值班员乙"]
    assert "138****5678" in df.detail[2] and "13812345678" not in df.detail[2]  # masked like everything else
    none = export_recording(Recording(tmp_path / "s.cityrec"), tmp_path / "out2", "csv", T + 5, T + 25)
    assert none.actions_path is None
