"""The console's view of the city against a reference model of the authority (Hypothesis state machine).

The authority (written here, small on purpose) keeps a log of what happened: readings and incident
versions. A hub streams that log to the console with `seq` numbers and misbehaves in every way the
protocol page allows: it drops frames (a gap), sends out of order, re-sends old frames with new or old
`seq`, answers resyncs with snapshots that lag its stream, and the console fails over to another hub
that starts at an older point of the log. Thresholds change at any time. Meanwhile the operator pauses
the picture, seeks, plays and comes back to live (time-shift, over a real recording).

What runs is the console's: the real decoder, LiveSource's frame handling and gap logic (its
`_on_frame`, with a fake socket that only records what the console sends back), the Ingest into a
TimeShift's CityState, the Recorder writing SQLite, and the replay a seek drives.

Invariants, after every step:
- the open incidents are exactly those whose newest description received is open and that no snapshot
  since left out (docs/feed-protocol.md: a snapshot is the new truth, the stream after it is newer);
  no open incident the console holds is invisible, and every one shown is at the version received;
- versions the console holds never go backwards;
- every status is what the thresholds in force say of the latest value (the rule written out here);
- the console asks for one resync per gap, and only then;
- once the console has received every frame since its last snapshot (and nothing from before it was
  re-sent since), its open incidents and latest values equal the authority's;
- a shifted picture is exactly what the live console showed at that instant; back at live, the view
  is the live city.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import tempfile
from pathlib import Path

import orjson
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from console.feed.decoder import Decoder
from console.feed.feed_health import FeedState
from console.feed.live_source import FeedConfig, LiveSource
from console.feed.protocol import IncidentState, Status
from console.model.city_state import CityState
from console.recording.store import Recorder
from console.recording.time_shift import TimeShift
from tests.city_states import picture
from tests.frames_factory import IND, IND_BELOW, REGIONS, event
from tests.hypothesis_profiles import PROFILE, budget

FEED = "city"
SCRATCH = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
T0 = 1_763_900_000.0
INDICATORS = {IND["id"]: IND, IND_BELOW["id"]: IND_BELOW}
SERIES = [(ind, r["code"]) for ind in INDICATORS for r in REGIONS]
# values around each indicator's thresholds, so every status is reached
VALUES = {IND["id"]: (4.0, 6.0, 7.0, 8.0, 9.5), IND_BELOW["id"]: (0.12, 0.14, 0.15, 0.16, 0.2)}
LEVELS = {IND["id"]: [(6.0, 8.0), (5.0, 7.0), (None, 9.0), (7.0, None), (None, None)],
          IND_BELOW["id"]: [(0.16, 0.14), (0.15, 0.13), (None, 0.14), (0.17, None), (None, None)]}
EVENT_IDS = ("E1", "E2", "E3", "E4", "E5")
STATES = [s.value for s in IncidentState]


def expected_status(value: float, warn: float | None, alarm: float | None, direction: str) -> Status:
    """The protocol's thresholds, written out: `above`, high is bad; `below`, low is bad; null, no level."""
    def reaches(level: float | None) -> bool:
        if level is None:
            return False
        return value >= level if direction == "above" else value <= level

    if reaches(alarm):
        return Status.ALARM
    return Status.WARN if reaches(warn) else Status.NORMAL


class Authority:
    """What happened, in order: ("samples", rows) and ("event", wire event). The state after the first
    `n` entries is what a hub that has read that far holds."""

    def __init__(self) -> None:
        self.log: list[tuple[str, object]] = []
        self.t = T0
        self.thresholds = {ind: (d["thresholds"]["warn"], d["thresholds"]["alarm"]) for ind, d in INDICATORS.items()}

    def state_at(self, n: int) -> tuple[dict, dict]:
        """(latest (ts, value) per series, latest wire event per id) after the first n entries."""
        latest: dict[tuple[str, str], tuple[float, float]] = {}
        events: dict[str, dict] = {}
        for kind, body in self.log[:n]:
            if kind == "samples":
                for ind, reg, ts, v in body:
                    latest[(ind, reg)] = (ts, v)
            else:
                events[body["id"]] = body
        return latest, events

    def version(self, eid: str) -> int:
        return max((b["version"] for k, b in self.log if k == "event" and b["id"] == eid), default=0)

    def catalog(self) -> bytes:
        inds = []
        for ind_id, d in INDICATORS.items():
            warn, alarm = self.thresholds[ind_id]
            inds.append({**d, "thresholds": {**d["thresholds"], "warn": warn, "alarm": alarm}})
        return orjson.dumps({"type": "catalog", "indicators": inds, "regions": REGIONS})


class ErrorsLogged(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(self.format(record))


class FakeSocket:
    """Stands in for the connection only to record what the console sends back (its resyncs)."""

    def __init__(self) -> None:
        self.sent: list[dict] = []

    async def send(self, data, text: bool = False) -> None:
        self.sent.append(orjson.loads(data))


class ConsoleView(RuleBasedStateMachine):
    @initialize()
    def start(self):
        self.auth = Authority()
        # in memory where there is one: thousands of recordings a run, and their fsyncs prove nothing here
        self.dir = Path(tempfile.mkdtemp(prefix="cityops-machine-", dir=SCRATCH))
        self.loop = asyncio.new_event_loop()
        self.view = CityState()
        self.shift = TimeShift(self.view, None)
        self.recorder = Recorder(self.dir / "session.cityrec", flush_s=0.02,
                                 keyframe_state=lambda: self.shift.live, keyframe_s=20.0)
        self.shift.recorder = self.recorder
        self.recv = T0
        self.source = LiveSource([FeedConfig("ws://hub.invalid", FEED)], now=lambda: self.recv)
        self.source.add_listener(self.recorder)  # as the console: the recorder first, then the model
        self.source.add_listener(self.shift)
        self.pictures: list[tuple[float, tuple]] = []  # (receive time, the live picture after that frame)
        self.source.add_listener(lambda env: self.pictures.append((env.recv_ts, picture(self.shift.live))))
        self.health = self.source.health()[0]
        self.errors = ErrorsLogged()  # a listener that raises is logged by the source, not raised: catch it here
        logging.getLogger("console").addHandler(self.errors)
        self.quiet = logging.getLogger("console.feed.live_source")  # the gaps this machine makes on purpose
        self.level, self.quiet.level = self.quiet.level, logging.ERROR
        self.conn = None
        # the reference of what the console received (docs/feed-protocol.md's rules, written out here)
        self.step = 0
        self.known: dict[str, tuple[int, bool]] = {}  # id -> (newest version received, open in it)
        self.seen: dict[str, int] = {}  # id -> step its newest version (or a snapshot listing it) came
        self.omitted: dict[str, int] = {}  # id -> step of the last snapshot that left it out
        self.max_version: dict[str, int] = {}
        self.resyncs_expected = 0
        self.resyncs_sent_before = 0  # by earlier connections
        self.connect(0)
        STEPS["examples"] += 1
        STEPS["steps"] -= 1  # the invariants run once after this set-up too

    def teardown(self):
        if getattr(self, "errors", None) is not None:
            logging.getLogger("console").removeHandler(self.errors)
            self.quiet.setLevel(self.level)
        if getattr(self, "recorder", None) is not None:
            self.shift.close()
            self.recorder.close()
            self.loop.close()
            shutil.rmtree(self.dir, ignore_errors=True)

    # ------------------------------------------------------------ the hub's side of one connection
    def connect(self, lag: int) -> None:
        """A (re)connection, to a hub `lag` entries behind the authority: catalog, then its snapshot."""
        if self.conn is not None:
            self.resyncs_sent_before += self.resyncs_sent()
        conn = self.source._conns[FEED]
        conn.ws, conn.last_seq, conn.awaiting_snapshot = FakeSocket(), None, False  # as LiveSource._session
        self.health.state = FeedState.CONNECTED
        self.conn = conn
        self.seq = 0  # the last seq the hub used on this connection
        self.console_seq: int | None = None  # the last one the console accepted (the protocol's rule)
        self.awaiting = False
        self.deliver(self.auth.catalog())
        self.snapshot(len(self.auth.log) - lag)

    def snapshot(self, at: int) -> None:
        latest, events = self.auth.state_at(at)
        open_events = [e for e in events.values() if IncidentState(e["state"]).is_open]
        self.seq += 1
        raw = orjson.dumps({"type": "snapshot", "seq": self.seq,
                            "values": [[i, r, ts, v] for (i, r), (ts, v) in latest.items()],
                            "events": open_events})
        self.step += 1
        listed = {e["id"] for e in open_events}
        for e in open_events:
            version, _ = self.known.get(e["id"], (0, False))
            if e["version"] > version:
                self.known[e["id"]] = (e["version"], True)
            self.seen[e["id"]] = self.step  # listed: open now, whatever version it names
        for eid in self.known.keys() - listed:
            self.omitted[eid] = self.step
        self.console_seq, self.awaiting = self.seq, False
        self.queue = list(range(at, len(self.auth.log)))  # the hub streams on from where its snapshot stands
        self.complete = True  # nothing lost since this snapshot
        # nothing older than the snapshot re-sent since: a stream that keeps the protocol's promise that
        # what follows a snapshot is newer than it (a re-sent frame from before it may carry what the
        # snapshot already overtook, and the console cannot tell it from news)
        self.consistent = True
        self.at = at
        self.deliver(raw)

    def send_entry(self, index: int, seq: int) -> None:
        kind, body = self.auth.log[index]
        if kind == "samples":
            raw = orjson.dumps({"type": "samples", "seq": seq, "samples": body})
        else:
            raw = orjson.dumps({"type": "event", "seq": seq, "event": body})
        accepted = self.console_seq is None or seq > self.console_seq
        if accepted:
            if self.console_seq is not None and seq > self.console_seq + 1 and not self.awaiting:
                self.awaiting = True
                self.resyncs_expected += 1
            self.console_seq = seq
            if kind == "event":
                self.step += 1
                eid, v = body["id"], body["version"]
                version, _ = self.known.get(eid, (0, False))
                if v > version:
                    self.known[eid] = (v, IncidentState(body["state"]).is_open)
                if v >= version:
                    self.seen[eid] = self.step
        self.deliver(raw)

    def deliver(self, raw: bytes) -> None:
        self.recv += self.gap_s
        self.loop.run_until_complete(self.source._on_frame(self.source.feeds[0], self.health, self.conn,
                                                           Decoder(), raw))

    gap_s = 1.0

    def resyncs_sent(self) -> int:
        return sum(1 for f in self.conn.ws.sent if f == {"type": "resync"})

    # ------------------------------------------------------------ the authority
    @rule(rows=st.lists(st.tuples(st.sampled_from(SERIES), st.integers(0, 4)), min_size=1, max_size=3,
                        unique_by=lambda row: row[0]))  # one reading of a series per instant
    def readings(self, rows):
        self.auth.t += 1
        body = [[ind, reg, self.auth.t, VALUES[ind][i]] for (ind, reg), i in rows]
        self.auth.log.append(("samples", body))
        self.queue.append(len(self.auth.log) - 1)

    @rule(eid=st.sampled_from(EVENT_IDS), state=st.sampled_from(STATES))
    def incident_changes(self, eid, state):
        self.auth.t += 1
        version = self.auth.version(eid) + 1
        self.auth.log.append(("event", event(eid, version, state, updated_ts=self.auth.t)))
        self.queue.append(len(self.auth.log) - 1)

    @rule(ind=st.sampled_from(sorted(INDICATORS)), level=st.integers(0, 4))
    def thresholds_change(self, ind, level):
        self.auth.thresholds[ind] = LEVELS[ind][level]
        self.deliver(self.auth.catalog())  # a catalog has no seq: it is sent when it changes

    # ------------------------------------------------------------ the hub, misbehaving as the protocol allows
    @precondition(lambda self: self.queue)
    @rule(k=st.integers(0, 2), gap=st.sampled_from([0.5, 1.0, 7.0, 45.0]))
    def hub_sends(self, k, gap):
        """The next frame, or one of the two after it (out of order, consecutive seq)."""
        self.gap_s = gap
        self.seq += 1
        self.send_entry(self.queue.pop(min(k, len(self.queue) - 1)), self.seq)

    @precondition(lambda self: self.queue)
    @rule(k=st.integers(0, 2))
    def hub_drops(self, k):
        """The hub cannot keep up: the frame is lost and its seq used (the console sees a gap)."""
        self.queue.pop(min(k, len(self.queue) - 1))
        self.seq += 1
        self.complete = False

    @precondition(lambda self: self.auth.log)
    @rule(data=st.data())
    def hub_resends_an_old_frame(self, data):
        """A stale or duplicated frame, with a fresh seq (a hub re-publishing)."""
        index = data.draw(st.integers(0, len(self.auth.log) - 1))
        self.consistent = self.consistent and index >= self.at
        self.seq += 1
        self.send_entry(index, self.seq)

    @precondition(lambda self: self.auth.log and self.console_seq)
    @rule(data=st.data())
    def hub_repeats_a_seq(self, data):
        """A frame with a seq the console has already passed: dropped as a regression."""
        index = data.draw(st.integers(0, len(self.auth.log) - 1))
        self.send_entry(index, data.draw(st.integers(0, self.console_seq)))

    @precondition(lambda self: self.awaiting)
    @rule(data=st.data())
    def hub_answers_the_resync(self, data):
        """A snapshot: usually the hub's present, sometimes lagging what it has already streamed."""
        lag = data.draw(st.integers(0, len(self.auth.log)))
        self.snapshot(len(self.auth.log) - lag)

    @rule(data=st.data())
    def fail_over_to_another_hub(self, data):
        """The connection is lost; the next hub may be behind the authority by any number of entries."""
        self.connect(data.draw(st.integers(0, len(self.auth.log))))

    # ------------------------------------------------------------ the operator's time-shift
    @rule()
    def pause(self):
        was_live = not self.shift.shifted
        self.shift.pause()
        if was_live:
            self.shown_at = self.shift.paused_at

    @precondition(lambda self: self.pictures)
    @rule(data=st.data(), offset=st.sampled_from([-0.25, 0.0, 0.25]))
    def seek(self, data, offset):
        ts = data.draw(st.sampled_from([t for t, _ in self.pictures])) + offset
        self.shift.seek(ts)
        self.shown_at = self.shift.replay.position

    @precondition(lambda self: self.shift.shifted)
    @rule(speed=st.sampled_from([1.0, 8.0, 64.0]), elapsed=st.sampled_from([0.5, 5.0, 60.0]))
    def play(self, speed, elapsed):
        self.recorder.flush()  # what the recording holds must not depend on when the writer committed
        self.shift.play(speed)
        self.shift.tick(elapsed)
        if self.shift.shifted:
            self.shown_at = self.shift.replay.position

    @rule()
    def back_to_live(self):
        self.shift.back_to_live()

    # ------------------------------------------------------------ invariants
    @invariant()
    def count_the_step(self):
        STEPS["steps"] += 1

    @invariant()
    def nothing_failed_quietly(self):
        assert self.errors.records == []

    @invariant()
    def shows_exactly_the_incidents_it_was_told_are_open(self):
        expected = {eid: v for eid, (v, is_open) in self.known.items()
                    if is_open and self.seen[eid] > self.omitted.get(eid, 0)}
        shown = {eid: e.version for eid, e in self.shift.live.incidents.open.items()}
        assert shown == expected

    @invariant()
    def versions_never_go_backwards(self):
        book = self.shift.live.incidents
        for eid in self.known:
            ev = book.get(eid)
            assert ev is not None, f"{eid} forgotten"
            assert ev.version >= self.max_version.get(eid, 0), f"{eid} went back to version {ev.version}"
            self.max_version[eid] = ev.version
            wire = next(b for k, b in self.auth.log if k == "event" and b["id"] == eid and b["version"] == ev.version)
            assert ev.state.value == wire["state"]  # and it is that version as the authority wrote it

    @invariant()
    def statuses_follow_the_thresholds_in_force(self):
        live = self.shift.live
        for (ind, reg), (_ts, value) in live.latest_values().items():
            warn, alarm = self.auth.thresholds[ind]
            direction = INDICATORS[ind]["thresholds"]["direction"]
            assert live.status(ind, reg) is expected_status(value, warn, alarm, direction), (ind, reg, value)

    @invariant()
    def one_resync_per_gap(self):
        assert self.resyncs_sent_before + self.resyncs_sent() == self.resyncs_expected

    @invariant()
    def equals_the_authority_when_nothing_is_missing(self):
        if not (self.complete and self.consistent and not self.queue):
            return
        latest, events = self.auth.state_at(len(self.auth.log))
        live = self.shift.live
        assert live.latest_values() == latest
        assert ({eid: e.version for eid, e in live.incidents.open.items()}
                == {eid: e["version"] for eid, e in events.items() if IncidentState(e["state"]).is_open})

    @invariant()
    def the_picture_is_the_live_one_or_what_was_live_then(self):
        if not self.shift.shifted:
            assert self.shift.view is self.shift.live
            return
        then = [p for t, p in self.pictures if t <= self.shown_at]
        assert picture(self.view) == (then[-1] if then else picture(CityState()))


STEPS = {"examples": 0, "steps": 0}  # what a run did (the thorough run reports it)


def test_console_view():
    run_state_machine_as_test(ConsoleView, settings=settings(max_examples=budget(40, 1500)))
    if PROFILE != "quick":
        print(f"\nconsole view machine: {STEPS['examples']} examples, {STEPS['steps']} steps")
