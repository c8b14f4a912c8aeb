"""Operator commands against the real simulator: the closed loop round-trips, a cut line never loses or
doubles a command, and a refusal comes back with its reason. A console process killed (SIGKILL) at
each point of a command's life is tests/incidents/test_command_crashes.py."""

import asyncio
from pathlib import Path

import pytest

from console.feed.live_source import FeedConfig, LiveSource
from console.feed.protocol import CommandOp, IncidentState
from console.incidents.audit_log import AuditLog
from console.incidents.command_journal import CommandJournal, CommandState
from console.incidents.command_sender import CommandNotAllowed, CommandSender
from console.incidents.operator import Operator, Role
from console.model.city_state import CityState
from console.model.ingest import Ingest
from console.simulator.run import CityOptions, make_server
from console.simulator.server import ServerOptions
from tests.aio import until
from tests.live import FAST

CITY = CityOptions(seed=11, incident_rate_per_min=20, auto_handle=0.0, history_s=300)  # a past with open incidents


class Console:
    """One console process: state, live source, journal, sender."""

    def __init__(self, port: int, journal_path, operator: Operator | None = None):
        operator = operator or Operator("值班员甲")
        self.state = CityState()
        self.source = LiveSource([FeedConfig(f"ws://127.0.0.1:{port}", "city")], FAST)
        self.source.add_listener(Ingest(self.state))
        self.journal = CommandJournal(journal_path)
        self.audit = AuditLog(Path(journal_path).with_suffix(".audit.jsonl"))
        self.sender = CommandSender(self.source, self.journal, operator, self.state.incidents.feed_of.get, self.audit)
        self.outcomes = []
        self.sender.add_outcome_listener(self.outcomes.append)

    async def start(self):
        await self.source.start()
        await until(lambda: any(e.state is IncidentState.NEW for e in self.state.incidents.open.values()),
                    what="a new incident")

    async def stop(self):
        await self.source.stop()
        self.journal.close()
        self.audit.close()

    async def __aenter__(self):
        await self.start()
        return self

    async def __aexit__(self, *exc):
        await self.stop()

    def a_new_incident(self):
        return next(e for e in self.state.incidents.open.values() if e.state is IncidentState.NEW)

    def history_ops(self, server, eid):
        ev = server.city.events.get(eid) or server.city.closed.get(eid)
        return [(h.state, h.operator) for h in ev.history]


async def with_server(body, opts=None):
    server = make_server(CITY, opts or ServerOptions(speed=5))
    port = await server.start()
    try:
        await body(server, port)
    finally:
        await server.stop()


def test_closed_loop_round_trip(tmp_path):
    async def body(server, port):
        async with Console(port, tmp_path / "j.db") as c:
            ev = c.a_new_incident()
            steps = [(CommandOp.ACKNOWLEDGE, {}, "acknowledged"),
                     (CommandOp.DISPATCH, {"assignee": "供电抢修一班"}, "dispatched"),
                     (CommandOp.ARRIVE, {}, "on_scene"), (CommandOp.RESOLVE, {"note": "已修复"}, "resolved"),
                     (CommandOp.CLOSE, {}, "closed")]
            for op, args, state in steps:
                cur = c.state.incidents.get(ev.id)
                cmd = await c.sender.submit(cur, op, args)
                await until(lambda cmd=cmd: c.journal.get(cmd.id).state is CommandState.DONE, what=f"{op} done")
                await until(lambda state=state: c.state.incidents.get(ev.id).state.value == state, what=state)
            final = c.state.incidents.get(ev.id)
            assert final.version == ev.version + 5 and final.assignee == "供电抢修一班"
            assert ev.id not in c.state.incidents.open
            assert [h.operator for h in final.history[-5:]] == ["值班员甲"] * 5
            assert all(o.ok for o in c.outcomes) and len(c.outcomes) == 5
            trail = c.audit.entries(ev.id)
            assert [(e["action"], e["outcome"]) for e in trail] == [
                (op.value, outcome) for op, _, _ in steps for outcome in ("submitted", "done")]
            assert all(e["operator"] == "值班员甲" and e["role"] == "duty_officer" for e in trail)

    asyncio.run(with_server(body))


def test_line_cut_mid_command_completes_exactly_once(tmp_path):
    async def body(server, port):
        async with Console(port, tmp_path / "j.db") as c:
            ev = c.a_new_incident()
            server.opt.drop_after_commands = 1  # applied, then the line dies before the reply
            cmd = await c.sender.submit(ev, CommandOp.ACKNOWLEDGE)
            await until(lambda: c.source.health()[0].connects >= 2, what="reconnect")
            await until(lambda: c.journal.get(cmd.id).state is CommandState.DONE, what="answer after reconnect")
            assert c.journal.get(cmd.id).sends >= 2  # sent again with the same id...
            acks = [h for h in c.history_ops(server, ev.id) if h[0] == "acknowledged"]
            assert acks == [("acknowledged", "值班员甲")]  # ...and applied once
            assert server.city.events[ev.id].version == ev.version + 1

    asyncio.run(with_server(body))


def test_stale_version_is_refused_and_shown(tmp_path):
    async def body(server, port):
        async with Console(port, tmp_path / "j.db") as c:
            ev = c.a_new_incident()
            stale = ev.evolve(version=ev.version - 1) if ev.version > 1 else ev.evolve(version=ev.version + 7)
            cmd = await c.sender.submit(stale, CommandOp.ACKNOWLEDGE)
            await until(lambda: c.journal.get(cmd.id).state is CommandState.REFUSED, what="refusal")
            assert "stale version" in c.journal.get(cmd.id).error
            assert c.outcomes and not c.outcomes[-1].ok and "stale version" in c.outcomes[-1].error
            assert server.city.events[ev.id].state is IncidentState.NEW  # nothing changed
            assert c.audit.entries(ev.id)[-1]["outcome"] == "refused"

    asyncio.run(with_server(body))


def test_roles_and_illegal_ops_are_refused_before_anything_is_written(tmp_path):
    async def body(server, port):
        async with Console(port, tmp_path / "j.db", operator=Operator("领导乙", Role.LEADER)) as c:
            ev = c.a_new_incident()
            with pytest.raises(CommandNotAllowed):
                await c.sender.submit(ev, CommandOp.ACKNOWLEDGE)
            c.sender.operator = Operator("值班员甲")
            with pytest.raises(CommandNotAllowed):
                await c.sender.submit(ev, CommandOp.CLOSE)  # not from "new"
            assert c.journal.recent() == []

    asyncio.run(with_server(body))
