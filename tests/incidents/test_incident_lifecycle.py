"""The closed loop, transition by transition: every op from every state is either allowed (and leads
where the protocol's table says) or rejected with a readable reason. The table is written out here
from docs/feed-protocol.md (Commands), not taken from the module under test."""

import pytest

from console.feed.decoder import decode_event
from console.feed.protocol import CommandOp, IncidentState, Severity
from console.incidents.lifecycle import Command, CommandRejected, allowed_ops, apply_command
from tests.frames_factory import event

ARGS = {
    CommandOp.DISPATCH: {"assignee": "供电抢修一班", "note": "go"},
    CommandOp.MERGE: {"merged_into": "E2"},
    CommandOp.CANCEL: {"note": "误报"},
}


BEFORE_RESOLVED = ("new", "acknowledged", "dispatched", "on_scene")
# op -> (the states it is allowed from, the state it leads to; None: unchanged), as docs/feed-protocol.md has it
EXPECTED = {
    "acknowledge": (("new",), "acknowledged"),
    "dispatch": (("new", "acknowledged", "dispatched"), "dispatched"),
    "arrive": (("dispatched",), "on_scene"),
    "resolve": (("on_scene",), "resolved"),
    "close": (("resolved",), "closed"),
    "reopen": (("resolved",), "on_scene"),
    "cancel": (BEFORE_RESOLVED, "cancelled"),
    "merge": (BEFORE_RESOLVED, "cancelled"),
    "escalate": ((*BEFORE_RESOLVED, "resolved"), None),
}


def test_the_table_names_every_op():
    assert set(EXPECTED) == {op.value for op in CommandOp}


def ev(state: IncidentState, version=3, severity="orange"):
    return decode_event(event(state=state.value, version=version, severity=severity))


def cmd(op, version=3, **args):
    return Command("c1", op, "E1", version, "值班员甲", args or ARGS.get(op, {}))


@pytest.mark.parametrize("state", list(IncidentState))
@pytest.mark.parametrize("op", list(CommandOp))
def test_every_op_from_every_state(state, op):
    sources, target = EXPECTED[op.value]
    e = ev(state)
    others = {"E2": ev(IncidentState.NEW)}
    if state.value in sources:
        new = apply_command(e, cmd(op), now=2_000_000_000.0, open_events=others)
        assert new.version == e.version + 1
        assert new.state.value == (target or state.value)
        assert new.history[-1].operator == "值班员甲"
        assert new.history[-1].state == new.state.value
        assert new.updated_ts == 2_000_000_000.0
    else:
        with pytest.raises(CommandRejected, match="illegal transition"):
            apply_command(e, cmd(op), now=1.0, open_events=others)


def test_the_happy_path_closes_the_loop():
    e = ev(IncidentState.NEW, version=1)
    for op in (CommandOp.ACKNOWLEDGE, CommandOp.DISPATCH, CommandOp.ARRIVE, CommandOp.RESOLVE, CommandOp.CLOSE):
        e = apply_command(e, cmd(op, e.version), now=1.0)
    assert e.state is IncidentState.CLOSED and e.version == 6 and not e.is_open
    assert e.assignee == "供电抢修一班"


def test_stale_version_is_refused():
    with pytest.raises(CommandRejected, match="stale version"):
        apply_command(ev(IncidentState.NEW, version=4), cmd(CommandOp.ACKNOWLEDGE, 3), now=1.0)


def test_reopen_after_failed_verification():
    e = apply_command(ev(IncidentState.RESOLVED), cmd(CommandOp.REOPEN), now=1.0)
    assert e.state is IncidentState.ON_SCENE


def test_arguments_are_checked():
    with pytest.raises(CommandRejected, match="assignee"):
        apply_command(ev(IncidentState.ACKNOWLEDGED), cmd(CommandOp.DISPATCH, note="x"), now=1.0)
    with pytest.raises(CommandRejected, match="another incident"):
        apply_command(ev(IncidentState.NEW), cmd(CommandOp.MERGE, merged_into="E1"), now=1.0)
    with pytest.raises(CommandRejected, match="not open"):
        apply_command(ev(IncidentState.NEW), cmd(CommandOp.MERGE, merged_into="E9"), now=1.0, open_events={})
    with pytest.raises(CommandRejected, match="note"):
        apply_command(ev(IncidentState.NEW), cmd(CommandOp.CANCEL, note=""), now=1.0)


def test_merge_records_the_target_and_escalate_raises_severity():
    m = apply_command(ev(IncidentState.NEW), cmd(CommandOp.MERGE), now=1.0, open_events={"E2": None})
    assert m.state is IncidentState.CANCELLED and m.merged_into == "E2"
    up = apply_command(ev(IncidentState.DISPATCHED, severity="orange"), cmd(CommandOp.ESCALATE), now=1.0)
    assert up.severity is Severity.RED and up.state is IncidentState.DISPATCHED
    top = apply_command(up, cmd(CommandOp.ESCALATE, up.version), now=2.0)
    assert top.severity is Severity.RED


def test_allowed_ops_lists_what_the_ui_may_offer():
    assert set(allowed_ops(IncidentState.NEW)) == {CommandOp.ACKNOWLEDGE, CommandOp.DISPATCH, CommandOp.CANCEL,
                                                   CommandOp.ESCALATE, CommandOp.MERGE}
    assert allowed_ops(IncidentState.CLOSED) == []


def test_holder_is_the_unit_or_whoever_moved_it_and_since_when():
    from console.feed.frames import Event, HistoryEntry
    from console.incidents.lifecycle import holder_of

    h = (HistoryEntry(100.0, "new", "sensor", ""), HistoryEntry(160.0, "acknowledged", "值班员甲", ""),
         HistoryEntry(200.0, "acknowledged", "值班员乙", "escalate"))
    ev = Event("E", 3, "t", "c", "d", Severity.RED, "sensor", "310101", None, IncidentState.ACKNOWLEDGED, 100.0,
               200.0, history=h)
    assert holder_of(ev) == ("值班员甲", 160.0)  # who took it, not who escalated it since
    sent = ev.evolve(state=IncidentState.DISPATCHED, assignee="水务应急队",
                     history=(*h, HistoryEntry(300.0, "dispatched", "值班员甲", "")))
    assert holder_of(sent) == ("水务应急队", 300.0)
    assert holder_of(ev.evolve(state=IncidentState.NEW, history=h[:1])) is None
