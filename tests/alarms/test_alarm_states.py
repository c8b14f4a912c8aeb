"""The ISA-18.2 alarm states of console-raised alarms: every transition of the table, every illegal
one, chatter, shelving (who, why, until; always expiring; audited) and suppression by design."""

import itertools

import pytest

from console.alarms.states import (
    AlarmBook,
    AlarmInput,
    AlarmState,
    IllegalTransition,
    next_state,
)
from console.feed.protocol import Severity
from console.incidents.audit_log import AuditLog

S, In = AlarmState, AlarmInput
T = 1_700_000_000.0

# Written out by hand from ISA-18.2's state diagram (not derived from the module's table):
# (state, input, condition after) -> expected state
LEGAL = {
    (S.NORMAL, In.ACTIVATE, True): S.UNACK,
    (S.UNACK, In.ACK, True): S.ACKED,
    (S.UNACK, In.CLEAR, False): S.RTN_UNACK,
    (S.ACKED, In.CLEAR, False): S.NORMAL,
    (S.RTN_UNACK, In.ACK, False): S.NORMAL,
    (S.RTN_UNACK, In.ACTIVATE, True): S.UNACK,
    (S.SHELVED, In.ACTIVATE, True): S.SHELVED,
    (S.SHELVED, In.CLEAR, False): S.SHELVED,
    (S.SHELVED, In.UNSHELVE, True): S.UNACK,
    (S.SHELVED, In.UNSHELVE, False): S.NORMAL,
    (S.SHELVED, In.SUPPRESS, True): S.SUPPRESSED,
    (S.SHELVED, In.REMOVE, True): S.OUT_OF_SERVICE,
    (S.SUPPRESSED, In.ACTIVATE, True): S.SUPPRESSED,
    (S.SUPPRESSED, In.CLEAR, False): S.SUPPRESSED,
    (S.SUPPRESSED, In.UNSUPPRESS, True): S.UNACK,
    (S.SUPPRESSED, In.UNSUPPRESS, False): S.NORMAL,
    (S.OUT_OF_SERVICE, In.ACTIVATE, True): S.OUT_OF_SERVICE,
    (S.OUT_OF_SERVICE, In.CLEAR, False): S.OUT_OF_SERVICE,
    (S.OUT_OF_SERVICE, In.RETURN, True): S.UNACK,
    (S.OUT_OF_SERVICE, In.RETURN, False): S.NORMAL,
}
for _s in (S.NORMAL, S.UNACK, S.ACKED, S.RTN_UNACK):
    LEGAL[(_s, In.SHELVE, True)] = S.SHELVED
    LEGAL[(_s, In.SUPPRESS, True)] = S.SUPPRESSED
    LEGAL[(_s, In.REMOVE, True)] = S.OUT_OF_SERVICE
LEGAL_PAIRS = {(s, i) for s, i, _ in LEGAL}
ILLEGAL = [(s, i) for s, i in itertools.product(S, In) if (s, i) not in LEGAL_PAIRS]


@pytest.mark.parametrize(("state", "inp", "active", "expected"),
                         [(s, i, a, e) for (s, i, a), e in LEGAL.items()],
                         ids=[f"{s.value}-{i.value}-{'on' if a else 'off'}" for s, i, a in LEGAL])
def test_every_legal_transition(state, inp, active, expected):
    assert next_state(state, inp, active) is expected


@pytest.mark.parametrize(("state", "inp"), ILLEGAL, ids=[f"{s.value}-{i.value}" for s, i in ILLEGAL])
def test_every_illegal_transition_is_refused(state, inp):
    with pytest.raises(IllegalTransition, match=state.value):
        next_state(state, inp, True)


def test_there_are_illegal_ones_and_the_table_covers_every_state():
    assert len(ILLEGAL) > 30
    assert {s for s, _ in LEGAL_PAIRS} == set(S)


def book_with_alarm(audit=None) -> tuple[AlarmBook, str]:
    b = AlarmBook(audit=audit)
    b.ensure("C:r:x@310101", "r", Severity.ORANGE, T)
    return b, "C:r:x@310101"


def test_the_ordinary_life_of_an_alarm_through_the_book():
    b, aid = book_with_alarm()
    assert b.activate(aid, T) is True  # new: announce
    assert b.alarms[aid].state is S.UNACK and b.alarms[aid].active_since == T
    b.acknowledge(aid, "值班员甲", T + 10)
    b.clear(aid, T + 20)
    assert b.alarms[aid].state is S.NORMAL and not b.in_queue()
    assert [t.input for t in b.alarms[aid].history] == [In.ACTIVATE, In.ACK, In.CLEAR]
    with pytest.raises(IllegalTransition):
        b.acknowledge(aid, "值班员甲", T + 30)  # nothing to acknowledge: the state is unchanged
    assert b.alarms[aid].state is S.NORMAL


def test_returned_to_normal_unacknowledged_stays_until_acknowledged():
    b, aid = book_with_alarm()
    b.activate(aid, T)
    b.clear(aid, T + 5)
    assert [a.id for a in b.in_queue()] == [aid] and b.alarms[aid].state is S.RTN_UNACK
    b.acknowledge(aid, "值班员甲", T + 6)
    assert not b.in_queue()


def test_chatter_three_activations_in_a_minute_hold_one_entry_and_stop_announcing():
    b, aid = book_with_alarm()
    announced = []
    for k in range(5):
        announced.append(b.activate(aid, T + k * 10))
        b.clear(aid, T + k * 10 + 5)
    a = b.alarms[aid]
    assert announced == [True, True, False, False, False]
    assert a.chattering and a.activations == 5 and len(b.alarms) == 1
    b.update_chatter(a, T + 200)  # a quiet minute
    assert not a.chattering
    b.acknowledge(aid, "值班员甲", T + 200)
    assert b.activate(aid, T + 210) is True  # announced again once it has calmed down


def test_shelving_records_who_why_until_expires_and_is_audited(tmp_path):
    audit = AuditLog(tmp_path / "a.jsonl")
    b, aid = book_with_alarm(audit)
    b.activate(aid, T)
    with pytest.raises(ValueError):
        b.shelve(aid, "值班员甲", "  ", T + 600, T)  # no reason
    with pytest.raises(ValueError):
        b.shelve(aid, "值班员甲", "传感器检修", T, T)  # no end
    with pytest.raises(ValueError):
        b.shelve(aid, "值班员甲", "传感器检修", T + 48 * 3600, T)  # beyond the longest shelf
    assert b.alarms[aid].state is S.UNACK  # a refused shelf changes nothing
    b.shelve(aid, "值班员甲", "传感器检修", T + 600, T)
    a = b.alarms[aid]
    assert a.state is S.SHELVED and (a.shelf.by, a.shelf.reason, a.shelf.until) == ("值班员甲", "传感器检修", T + 600)
    assert not b.in_queue() and b.shelved() == [a]
    b.clear(aid, T + 100)
    b.activate(aid, T + 200)  # followed while shelved, silently
    assert b.expire_shelves(T + 599) == []
    (t,) = b.expire_shelves(T + 600)
    assert t.after is S.UNACK and a.shelf is None  # still active: back, unacknowledged
    actions = [(e["action"], e["operator"]) for e in audit.entries(aid)]
    assert actions == [("alarm_shelve", "值班员甲"), ("alarm_shelf_expired", "console")]
    assert audit.entries(aid)[0]["detail"] == {"reason": "传感器检修", "until": T + 600}
    audit.close()


def test_unshelve_by_hand_and_out_of_service(tmp_path):
    audit = AuditLog(tmp_path / "a.jsonl")
    b, aid = book_with_alarm(audit)
    b.shelve(aid, "值班员甲", "误报排查", T + 600, T)
    assert b.unshelve(aid, "值班员乙", T + 60).after is S.NORMAL
    with pytest.raises(ValueError):
        b.remove_from_service(aid, "值班员乙", "", T + 65)
    b.remove_from_service(aid, "值班员乙", "传感器更换", T + 70)
    b.activate(aid, T + 80)
    assert b.alarms[aid].state is S.OUT_OF_SERVICE and b.alarms[aid].note == "传感器更换"
    assert b.return_to_service(aid, "值班员乙", T + 90).after is S.UNACK
    assert [e["action"] for e in audit.entries(aid)] == [
        "alarm_shelve", "alarm_unshelve", "alarm_out_of_service", "alarm_in_service"]
    audit.close()


def test_suppressed_by_design_takes_a_rule_set_out_and_puts_it_back(tmp_path):
    audit = AuditLog(tmp_path / "a.jsonl")
    b = AlarmBook(audit=audit)
    b.ensure("C:r1:a", "r1", Severity.YELLOW, T)
    b.ensure("C:r2:b", "r2", Severity.YELLOW, T)
    b.activate("C:r1:a", T)
    b.activate("C:r2:b", T)
    with pytest.raises(ValueError):
        b.set_suppressed_by_design({"r1"}, " ", T)
    moved = b.set_suppressed_by_design({"r1"}, "应急模式：仅保留应急规则", T + 1)
    assert [t.alarm_id for t in moved] == ["C:r1:a"]
    assert b.alarms["C:r1:a"].state is S.SUPPRESSED and b.alarms["C:r2:b"].state is S.UNACK
    # a new alarm of a suppressed rule starts suppressed
    b.ensure("C:r1:c", "r1", Severity.YELLOW, T + 2)
    assert b.alarms["C:r1:c"].state is S.SUPPRESSED
    b.activate("C:r1:c", T + 3)
    b.clear("C:r1:a", T + 4)
    assert b.alarms["C:r1:c"].state is S.SUPPRESSED
    assert b.set_suppressed_by_design({"r1"}, "应急模式：仅保留应急规则", T + 5) == []  # nothing new
    b.set_suppressed_by_design(set(), "", T + 10)
    assert b.alarms["C:r1:a"].state is S.NORMAL  # cleared meanwhile
    assert b.alarms["C:r1:c"].state is S.UNACK  # still active: back, unacknowledged
    assert [e["detail"]["added"] or e["detail"]["lifted"] for e in audit.entries()] == [["r1"], ["r1"]]
    audit.close()
