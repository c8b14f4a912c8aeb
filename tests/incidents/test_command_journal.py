import sqlite3

from console.feed.protocol import CommandOp
from console.incidents.command_journal import CommandJournal, CommandState


def test_record_send_answer_and_survive_reopen(tmp_path):
    path = tmp_path / "journal.db"
    j = CommandJournal(path)
    a = j.record("city", CommandOp.DISPATCH, "E1", 3, "值班员甲", "duty_officer", {"assignee": "一班"}, now=10.0)
    b = j.record("city", CommandOp.ACKNOWLEDGE, "E2", 1, "值班员甲", "duty_officer", now=11.0)
    j.mark_sent(a.id)
    assert [c.id for c in j.pending()] == [a.id, b.id]  # oldest first: the order to re-send in
    assert a.frame() == {"type": "command", "id": a.id, "op": "dispatch", "event_id": "E1", "expected_version": 3,
                         "operator": "值班员甲", "args": {"assignee": "一班"}}
    j.close()
    # a new process (after a crash) finds the same pending commands, sends counted
    j = CommandJournal(path)
    assert j.get(a.id).sends == 1 and j.get(b.id).sends == 0
    assert j.answer(a.id, ok=True)
    assert not j.answer(a.id, ok=True)  # a repeated answer settles nothing twice
    assert j.answer(b.id, ok=False, error="stale version")
    assert j.get(b.id).state is CommandState.REFUSED and j.get(b.id).error == "stale version"
    assert j.pending() == []
    assert not j.answer("cmd-not-ours", ok=True)
    j.close()


def test_journal_is_wal_and_prunes_only_answered(tmp_path):
    path = tmp_path / "j.db"
    j = CommandJournal(path)
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    old = j.record("city", CommandOp.ACKNOWLEDGE, "E1", 1, "x", "duty_officer", now=100.0)
    stuck = j.record("city", CommandOp.ACKNOWLEDGE, "E2", 1, "x", "duty_officer", now=100.0)
    j.answer(old.id, ok=True)
    assert j.prune(older_than_s=50, now=1000.0) == 1
    assert j.get(old.id) is None and j.get(stuck.id) is not None
    assert len({CommandJournal.new_id() for _ in range(1000)}) == 1000
