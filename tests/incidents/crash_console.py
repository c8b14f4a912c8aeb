"""A console process for the crash tests of tests/incidents/test_command_crashes.py: the real live
source, model, journal and command sender, and a fault-injecting sender that SIGKILLs this process at a
chosen point of a command's life. Run as `python -m tests.incidents.crash_console` from the repository.

Points (where the process dies, for the command on `--crash-event`):
  written   the journal holds it; nothing was sent
  sent      the frame is on the wire; the journal does not know it was sent
  marked    the journal counts the send; no answer yet
  cut       the authority applied it and cut the line before answering; killed while reconnecting
  answered  the reply has arrived; the journal has not recorded it
  recorded  the journal has recorded the reply (DONE)
  none      no crash: a restarted console, which sends what is pending and waits for the answers

Everything this process does that the test judges goes to `--report`, one JSON object a line, written
through at once (a SIGKILL loses nothing the kernel already has): each command frame sent, with the
journal's state of that command at the instant of sending; what the console shows as pending at start;
the journal at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys

import orjson

from console.feed.frames import Reply
from console.feed.live_source import FeedConfig, LiveOptions, LiveSource
from console.feed.protocol import CommandOp
from console.incidents.command_journal import CommandJournal
from console.incidents.command_sender import CommandSender
from console.incidents.operator import Operator
from console.model.city_state import CityState
from console.model.ingest import Ingest

POINTS = ("written", "sent", "marked", "cut", "answered", "recorded", "none")
FAST = LiveOptions(backoff_base_s=0.05, backoff_cap_s=0.3, close_timeout_s=0.5, watchdog_s=0.1)


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


class Report:
    def __init__(self, path: str):
        self._f = open(path, "ab", buffering=0)  # noqa: SIM115 (open for the life of the process)

    def write(self, **fields) -> None:
        self._f.write(orjson.dumps(fields) + b"\n")


class CrashingSource(LiveSource):
    """The real LiveSource; `send` reports every command frame and dies where it is told to."""

    def __init__(self, feeds, options, report: Report, crash: str, crash_event: str):
        super().__init__(feeds, options)
        self.report, self.crash, self.crash_event = report, crash, crash_event
        self.journal: CommandJournal | None = None

    async def send(self, feed: str, frame: dict) -> bool:
        if frame.get("type") == "command":
            crashing = frame["event_id"] == self.crash_event
            if crashing and self.crash == "written":
                die()
            state = self.journal.get(frame["id"]).state.value
            ok = await super().send(feed, frame)
            self.report.write(send=frame["id"], state=state, ok=ok)
            if crashing and self.crash == "sent" and ok:
                die()  # the bytes are with the kernel; the journal is never told, the reply never read
            return ok
        return await super().send(feed, frame)


async def main(a: argparse.Namespace) -> int:
    report = Report(a.report)
    state = CityState()
    done, hit = a.events  # the first command completes before the crash; the second is hit by it
    source = CrashingSource([FeedConfig(f"ws://127.0.0.1:{a.port}", "city")], FAST, report, a.crash, hit)
    journal = CommandJournal(a.journal)
    source.journal = journal

    def for_the_hit_command(env) -> bool:
        f = env.decoded.frame
        if not isinstance(f, Reply):
            return False
        cmd = journal.get(f.ref)
        return cmd is not None and cmd.event_id == hit

    def before_sender(env) -> None:  # runs before the sender's listener: the reply is here, not recorded
        if a.crash == "answered" and for_the_hit_command(env):
            die()

    source.add_listener(before_sender)
    source.add_listener(Ingest(state))
    sender = CommandSender(source, journal, Operator(a.operator), state.incidents.feed_of.get)

    def after_sender(env) -> None:
        if a.crash == "recorded" and for_the_hit_command(env):
            die()

    source.add_listener(after_sender)
    report.write(pending_at_start=sender.pending_by_event())  # what the incident queue marks ⏳
    await source.start()
    try:
        await until(lambda: all(e in state.incidents.open for e in a.events), 15, "the incidents")
        if a.crash == "none":
            await until(lambda: not journal.pending(), 20, "every pending command answered")
            report.write(final={c.id: [c.event_id, c.state.value, c.sends] for c in journal.recent()})
            return 0
        cmd = await sender.submit(state.incidents.open[done], CommandOp.ACKNOWLEDGE)
        await until(lambda: journal.get(cmd.id).state.value != "pending", 10, "the first answer")
        await sender.submit(state.incidents.open[hit], CommandOp.ACKNOWLEDGE)
        if a.crash == "marked":
            die()
        if a.crash == "cut":
            health = source.health()[0]
            await until(lambda: health.reconnects > 0, 10, "the cut line")
            die()
        await asyncio.sleep(10)
        report.write(error=f"crash point {a.crash} never reached")
        return 3
    finally:
        await source.stop()


async def until(cond, timeout: float, what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not cond():
        if loop.time() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--journal", required=True)
    p.add_argument("--report", required=True)
    p.add_argument("--operator", required=True)
    p.add_argument("--crash", choices=POINTS, required=True)
    p.add_argument("--events", nargs=2, required=True, help="the incident answered before the crash, and the one hit")
    sys.exit(asyncio.run(main(p.parse_args())))
