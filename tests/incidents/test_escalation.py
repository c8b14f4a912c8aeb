"""Auto-escalation against the real simulator: an unacknowledged red/orange incident escalates after
the configured time, exactly once (also across a console restart), journaled and audited."""

import asyncio
import json

import pytest

from console.feed.protocol import CommandOp, IncidentState, Severity
from console.incidents.escalation import AutoEscalator, EscalationConfigError, EscalationPolicy
from console.incidents.operator import Operator, Role
from console.resources import resource
from tests.aio import until
from tests.incidents.test_commands import Console, with_server

POLICY = EscalationPolicy({Severity.RED: 120.0, Severity.ORANGE: 300.0})


def test_an_unacknowledged_incident_escalates_once_after_the_configured_time(tmp_path):
    async def body(server, port):
        async with Console(port, tmp_path / "j.db") as c:
            await until(lambda: any(e.state is IncidentState.NEW and e.severity in POLICY.after_s
                                    for e in c.state.incidents.open.values()), what="a red or orange incident")
            ev = next(e for e in c.state.incidents.open.values()
                      if e.state is IncidentState.NEW and e.severity in POLICY.after_s)
            limit = POLICY.after_s[ev.severity]
            esc = AutoEscalator(POLICY, c.sender)
            assert await esc.run([ev], ev.created_ts + limit - 1) == []  # not yet
            (cmd,) = await esc.run([ev], ev.created_ts + limit + 1)
            assert cmd.op is CommandOp.ESCALATE and cmd.args["auto"] is True
            await until(lambda: c.state.incidents.get(ev.id).version > ev.version, what="the escalated event")
            now_ev = c.state.incidents.get(ev.id)
            assert now_ev.severity.rank >= ev.severity.rank and now_ev.state is IncidentState.NEW
            # still unacknowledged, and now red and later still: never a second time
            assert ev.id not in {x.event_id for x in await esc.run([now_ev], ev.created_ts + 10 * limit)}
            audit = [e["action"] for e in c.audit.entries(ev.id)]
            assert audit.count("auto_escalate") == 1 and audit.count("escalate") == 2  # submitted, done
        async with Console(port, tmp_path / "j.db") as again:  # a restarted console
            esc = AutoEscalator(POLICY, again.sender)
            await until(lambda: again.state.incidents.get(ev.id) is not None, what="the incident after restart")
            assert await esc.run([again.state.incidents.get(ev.id)], ev.created_ts + 20 * limit) == []
        ops = [h.note for h in (server.city.events.get(ev.id) or server.city.closed[ev.id]).history]
        assert sum("自动升级" in n for n in ops) == 1

    asyncio.run(with_server(body))


def test_a_backlog_goes_a_few_at_a_time_worst_and_oldest_first():
    from console.feed.frames import Event

    def ev(i, sev, created):
        return Event(f"E{i}", 1, "t", "c", "d", sev, "sensor", "310101", None, IncidentState.NEW, created, created)

    class NoJournal:
        def has_command(self, *_):
            return False

    class Sender:
        journal = NoJournal()

    backlog = [ev(i, Severity.ORANGE, 1000.0 + i) for i in range(10)] + [ev(99, Severity.RED, 5000.0)]
    esc = AutoEscalator(POLICY, Sender(), max_per_run=3)
    assert [e.id for e in esc.due(backlog, 10_000.0)] == ["E99", "E0", "E1"]


def test_only_a_duty_officer_console_escalates(tmp_path):
    async def body(server, port):
        async with Console(port, tmp_path / "j.db", Operator("领导", Role.LEADER)) as c:
            ev = c.a_new_incident().evolve(severity=Severity.RED)
            assert await AutoEscalator(POLICY, c.sender).run([ev], ev.created_ts + 3600) == []
            assert c.journal.pending() == [] and not c.journal.has_command(ev.id, CommandOp.ESCALATE)

    asyncio.run(with_server(body))


def test_the_shipped_policy_loads_and_a_bad_one_is_named(tmp_path):
    p = EscalationPolicy.load(resource("config", "escalation.json"))
    assert p.after_s[Severity.RED] < p.after_s[Severity.ORANGE] and Severity.BLUE not in p.after_s
    bad = tmp_path / "e.json"
    bad.write_text(json.dumps({"after_s": {"purple": 5}}))
    with pytest.raises(EscalationConfigError, match="purple"):
        EscalationPolicy.load(bad)
    bad.write_text(json.dumps({"after_s": {"red": 0}}))
    with pytest.raises(EscalationConfigError, match="positive"):
        EscalationPolicy.load(bad)
