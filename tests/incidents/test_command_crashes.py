"""The command journal under crash points: a console process (tests/incidents/crash_console.py) is
SIGKILLed at each point of a command's life, then a second console process starts on the same journal.

The authority is the real simulator, in this process, so what it applied can be counted. Whatever the
point: the authority applies each command exactly once; the restarted console shows as pending exactly
the commands the journal had not seen answered; no command frame is ever sent once its answer is
recorded (in the dying process or the restarted one); and at the end every command is answered.
The last test injects a stall into the sender instead of a kill, for the same last-but-one promise.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import orjson
import pytest

from console.feed.live_source import FeedConfig, LiveSource
from console.feed.protocol import CommandOp, IncidentState
from console.incidents.command_journal import CommandJournal, CommandState
from console.incidents.command_sender import CommandSender
from console.incidents.operator import Operator
from console.model.city_state import CityState
from console.model.ingest import Ingest
from console.simulator.run import CityOptions, make_server
from console.simulator.server import ServerOptions
from tests.aio import until
from tests.live import FAST

ROOT = Path(__file__).resolve().parents[2]
CITY = CityOptions(seed=11, incident_rate_per_min=20, auto_handle=0.0, history_s=300)  # nobody else acts
POINTS = ["written", "sent", "marked", "cut", "answered", "recorded"]
KILLED = -9  # the return code of a process ended by SIGKILL


async def console(port: int, journal: Path, report: Path, operator: str, crash: str, events) -> int:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.incidents.crash_console", "--port", str(port), "--journal", str(journal),
        "--report", str(report), "--operator", operator, "--crash", crash, "--events", *events, cwd=ROOT)
    return await asyncio.wait_for(proc.wait(), 60)


def lines(path: Path) -> list[dict]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()] if path.exists() else []


def acknowledgements(server, eid: str, operator: str) -> int:
    ev = server.city.events.get(eid) or server.city.closed.get(eid)
    return sum(1 for h in ev.history if h.state == "acknowledged" and h.operator == operator)


@pytest.mark.slow  # two console processes per point
@pytest.mark.parametrize("point", POINTS)
def test_a_console_killed_at_any_point_of_a_command_applies_it_exactly_once(tmp_path, point):
    operator = f"值班员-{point}"

    async def main():
        server = make_server(CITY, ServerOptions(speed=5))
        port = await server.start()
        try:
            new = [e.id for e in server.city.events.values() if e.state is IncidentState.NEW][:2]
            assert len(new) == 2
            if point == "cut":
                server.opt.drop_after_commands = 2  # the first command is cut too: its answer comes after a resend
            first = await console(port, tmp_path / "j.db", tmp_path / "first.jsonl", operator, point, new)
            assert first == KILLED, lines(tmp_path / "first.jsonl")
            second = await console(port, tmp_path / "j.db", tmp_path / "second.jsonl", operator, "none", new)
            assert second == 0, lines(tmp_path / "second.jsonl")
            return new, [acknowledgements(server, eid, operator) for eid in new]
        finally:
            await server.stop()

    (done, hit), applied = asyncio.run(main())
    assert applied == [1, 1]  # exactly once each, by the authority
    first, second = lines(tmp_path / "first.jsonl"), lines(tmp_path / "second.jsonl")
    # the restarted console shows pending exactly what was not answered when the first one died
    pending = second[0]["pending_at_start"]
    assert pending == ({} if point == "recorded" else {hit: "acknowledge"})
    # no frame of a command whose answer was recorded, before or after the crash
    sends = [e for e in first + second if "send" in e]
    assert sends and all(e["state"] == "pending" for e in sends), sends
    final = second[-1]["final"]
    assert sorted(v[:2] for v in final.values()) == sorted([[done, "done"], [hit, "done"]])
    if point == "written":  # never on the wire before the crash: the restarted console sent it
        assert [e for e in first if "send" in e and e["send"] in final and final[e["send"]][0] == hit] == []
    if point == "recorded":
        assert [e for e in second if "send" in e] == []  # nothing left to send


class StallingSource(LiveSource):
    """The real LiveSource with a fault-injecting `send`: the frame of command `stall` waits until
    `until()` holds (a network stall); every command frame is noted with its journal state then."""

    def __init__(self, port: int):
        super().__init__([FeedConfig(f"ws://127.0.0.1:{port}", "city")], FAST)
        self.journal: CommandJournal | None = None
        self.stall: str | None = None
        self.until = lambda: True
        self.sent: list[tuple[str, str]] = []

    async def send(self, feed: str, frame: dict) -> bool:
        if frame.get("type") == "command":
            if frame["id"] == self.stall:
                await until(self.until, what="the stall to end")
            self.sent.append((frame["id"], self.journal.get(frame["id"]).state.value))
        return await super().send(feed, frame)


def test_a_command_answered_while_the_resend_stalls_is_not_sent_again(tmp_path):
    """Found writing the crash tests: `resend_pending` read the pending list once, then sent each in
    turn; a command answered while an earlier send stalled was sent again after its answer."""

    async def main():
        server = make_server(CITY, ServerOptions(speed=5))
        port = await server.start()
        source = StallingSource(port)
        journal = source.journal = CommandJournal(tmp_path / "j.db")
        state = CityState()
        source.add_listener(Ingest(state))
        old, new = [e for e in server.city.events.values() if e.state is IncidentState.NEW][:2]
        # written by a console that died before sending it: the resend on connect sends it first
        stuck = journal.record("city", CommandOp.ACKNOWLEDGE, old.id, old.version, "值班员甲", "duty_officer", now=1.0)
        submitted, tasks = [], []

        def operator_acts_at_once(feed: str) -> None:  # a connect listener that runs before the sender's
            async def act():
                ev = state.incidents.open.get(new.id) or new
                submitted.append(await sender.submit(ev, CommandOp.ACKNOWLEDGE))

            tasks.append(asyncio.ensure_future(act()))

        source.add_connect_listener(operator_acts_at_once)
        sender = CommandSender(source, journal, Operator("值班员甲"), lambda eid: "city")
        source.stall = stuck.id  # the old command's frame stalls until the new one is answered
        source.until = lambda: bool(submitted) and journal.get(submitted[0].id).state is CommandState.DONE
        await source.start()
        try:
            await until(lambda: not journal.pending(), what="both answered")
            await asyncio.sleep(0.2)
        finally:
            await source.stop()
            await server.stop()
            journal.close()
        return source.sent, submitted[0].id, stuck.id

    sent, fresh, stuck = asyncio.run(main())
    assert (fresh, "pending") in sent and (stuck, "pending") in sent
    assert [s for s in sent if s[1] != "pending"] == []  # nothing sent once its answer was recorded
