"""One client of a `cityops.feed/1` server, without I/O: what the built-in simulator and the NATS hub do
alike for every connection, kept apart from sockets and clocks so it can be tested frame by frame.

`ClientSession` takes what the client sent (`receive`) and the passage of time (`tick`); what is to go
out waits in its bounded outbox, which the caller drains (`next_outgoing`). It holds the protocol's
server side of one connection: auth (a token in the upgrade header or an `auth` frame, compared in
constant time), subscribe validation, ping, resync, `error` frames, `seq` numbering, heartbeats, and
the overflow rule (a client that cannot keep up loses frames, not memory, and the `seq` they used
shows it the gap). What only a back end knows (the catalog, the snapshot, the stream, what a command
does) goes back to it as an event: `Subscribe`, `Resync` or `Command`.

`console/feed/session_server.py` moves these sessions' bytes over WebSocket.
"""

from __future__ import annotations

import hmac
import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import orjson

from console.feed.protocol import DEFAULT_MAX_FRAME_BYTES, PROTOCOL, FrameType


def read_client_frame(msg: str | bytes) -> tuple[dict[str, Any] | None, str]:
    """(the frame, "") or (None, why it is refused) for the server's `bad_frame` error."""
    try:
        obj = orjson.loads(msg)
    except orjson.JSONDecodeError:
        return None, "frame is not valid JSON"
    if type(obj) is not dict or type(obj.get("type")) is not str:
        return None, "frame must be an object with a type"
    return obj, ""


def token_ok(expected: str | None, given: Any) -> bool:
    """No token configured lets everyone in; else constant time, so how long a comparison takes does
    not tell how much of a guess was right."""
    if expected is None:
        return True
    return isinstance(given, str) and hmac.compare_digest(given.encode(), expected.encode())


def bearer(header: str | None) -> str | None:
    return header.removeprefix("Bearer ") if header and header.startswith("Bearer ") else None


@dataclass(frozen=True)
class SessionOptions:
    token: str | None = None  # clients must present it (Authorization: Bearer, or an auth frame)
    queue_frames: int = 1000  # outbox bound; beyond it frames are dropped and seq jumps (<= 0: no bound)
    queue_bytes: int | None = None  # a second bound, on the bytes waiting (None: frames only)
    heartbeat_s: float = 2.0
    # False: a heartbeat after heartbeat_s with nothing else sent (the protocol's minimum). True: every
    # heartbeat_s regardless, for a server whose clock runs faster than the client's (the simulator)
    heartbeat_when_busy: bool = False
    skip_seq_every: int = 0  # fault injection: every Nth sequenced frame's predecessor is "lost"


@dataclass(frozen=True)
class Filters:
    """What a client subscribed to: region prefixes and domains (empty: everything). Hashable, so a back
    end builds what one set of filters wants once for every client that shares it."""

    regions: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()

    def wants_region(self, region: str) -> bool:
        return not self.regions or region.startswith(self.regions)

    def wants_event(self, region: str, domain: str) -> bool:
        return self.wants_region(region) and (not self.domains or domain in self.domains)

    def wants_units_of(self, district: str) -> bool:
        """Does a client with these filters watch the dispatch units working for this district (a unit has
        no domain; a street's filter watches its district's units)."""
        return not self.regions or any(district.startswith(p) or p.startswith(district) for p in self.regions)

    def wants_area(self, area: str, domain: str) -> Literal["all", "some", ""]:
        """For readings grouped by an area code (every region in it starts with it): all of them, "some"
        (the filter names smaller regions inside the area: rows must be filtered one by one) or none."""
        if self.domains and domain not in self.domains:
            return ""
        if not self.regions or any(area.startswith(p) for p in self.regions):
            return "all"
        return "some" if any(p.startswith(area) for p in self.regions) else ""


# what a session hands its back end: at most one per client frame
@dataclass(frozen=True)
class Subscribe:
    """Send the catalog and a snapshot (and whatever history comes before it), then call
    `start_stream(filters)` so the stream flows."""

    filters: Filters


@dataclass(frozen=True)
class Resync:
    """Send a fresh snapshot (only asked of a session that is streaming)."""


@dataclass(frozen=True)
class Command:
    """Do what the command says and send its `reply`."""

    frame: dict[str, Any]


Event = Subscribe | Resync | Command


@dataclass(frozen=True)
class Close:
    """In the outbox: close the connection here, once the frames before it have gone out."""

    code: int
    reason: str


UNAUTHORIZED = Close(1008, "unauthorized")


class ClientSession:
    """One connection's protocol state. `now` is any monotonic clock in seconds; `server_time` gives the
    server's clock for `hello` and heartbeats (the simulator's runs faster than real time)."""

    def __init__(self, options: SessionOptions, *, source: str, level: str, server_time: Callable[[], float],
                 now: float, authorization: str | None = None):
        self.opt = options
        self._server_time = server_time
        self.authed = token_ok(options.token, bearer(authorization))
        self.filters: Filters | None = None  # None until the back end starts the stream
        self.seq = 0
        self._sequenced = 0
        self.dropped = 0  # frames lost to the outbox's bound
        self.queued_bytes = 0
        self._outbox: deque[bytes | Close] = deque()
        self.closing: Close | None = None
        self.wake: Callable[[], None] | None = None  # the I/O side's "something to send"
        self._last_send = now
        self._sent_since_tick = False
        self._last_heartbeat = -math.inf  # the first tick of a heartbeat_when_busy server sends one
        self.send({"type": FrameType.HELLO, "protocol": PROTOCOL, "source": source, "level": level,
                   "server_time": server_time()})
        self._sent_since_tick = False  # the hello went out at `now`, which is known

    @property
    def subscribed(self) -> bool:
        return self.filters is not None

    # ------------------------------------------------------------------ in
    def receive(self, msg: str | bytes) -> Event | None:
        """One frame from the client; what the back end must do about it, if anything."""
        if self.closing is not None:
            return None
        obj, why = read_client_frame(msg)
        if obj is None:
            self.error("bad_frame", why)
            return None
        t = obj["type"]
        if t == FrameType.AUTH:
            if token_ok(self.opt.token, obj.get("token")):
                self.authed = True
            else:
                self._refuse("bad token")
            return None
        if not self.authed:
            self._refuse("send auth first")
            return None
        if t == FrameType.SUBSCRIBE:
            regions = obj.get("regions") or []
            domains = obj.get("domains") or []
            if not (isinstance(regions, list) and all(isinstance(r, str) for r in regions)
                    and isinstance(domains, list) and all(isinstance(d, str) for d in domains)):
                self.error("bad_frame", "regions and domains must be lists of text")
                return None
            return Subscribe(Filters(tuple(regions), tuple(domains)))
        if t == FrameType.RESYNC:
            return Resync() if self.subscribed else None  # nothing to resynchronise before a subscribe
        if t == FrameType.COMMAND:
            return Command(obj)
        if t == FrameType.PING:
            self._heartbeat()
            return None
        self.error("unknown_type", f"unknown frame type {t[:40]!r}")  # cut: the type is the client's text
        return None

    def tick(self, now: float) -> None:
        """Time has passed: a heartbeat if one is due. Frames sent since the last tick count as sent at
        this one, so a quiet client never hears a heartbeat sooner than heartbeat_s after a frame."""
        if self._sent_since_tick:
            self._last_send, self._sent_since_tick = now, False
        if self.opt.heartbeat_when_busy:
            due = now - self._last_heartbeat >= self.opt.heartbeat_s
        else:
            due = now - self._last_send >= self.opt.heartbeat_s
        if due:
            self._last_heartbeat = now
            self._heartbeat()
            self._last_send, self._sent_since_tick = now, False

    # ------------------------------------------------------------------ what the back end sends
    def start_stream(self, filters: Filters) -> None:
        """The catalog and snapshot are queued: from now on the stream for these filters flows."""
        self.filters = filters

    def take_seq(self) -> int:
        """The `seq` of the next sequenced frame (for a back end that renders frames itself)."""
        self.seq += 1
        self._sequenced += 1
        if self.opt.skip_seq_every and self._sequenced % self.opt.skip_seq_every == 0:
            self.seq += 1  # this frame's predecessor was "lost"
        return self.seq

    def claim_seqs(self, n: int) -> None:
        """n sequenced frames rendered ahead of time (a benchmark's burst) go out with the next seqs."""
        self.seq += n

    def send(self, frame: dict[str, Any], sequenced: bool = False) -> bool:
        if sequenced:
            frame["seq"] = self.take_seq()
        return self.send_bytes(orjson.dumps(frame))

    def send_snapshot(self, values: list, events: list, budget_bytes: int = DEFAULT_MAX_FRAME_BYTES // 2) -> None:
        """The full state, in frames that never outgrow a client's limit however big the city: latest
        readings beyond one budget go first as `samples` frames, the `snapshot` carries the rest with as
        many events as fit a second budget, and the events left over follow it at once as `event`
        frames, their number in the snapshot's `events_follow`: a console counts them in before it
        takes what none of them listed as closed (docs/feed-protocol.md). The whole
        city at street level is ~24,000 readings (~1.1 MB of JSON); 1,800 open incidents ~1 MB."""
        per_frame = max(1, budget_bytes // 48)  # a row is about 40 bytes of JSON
        head = (max(0, len(values) - 1) // per_frame) * per_frame
        for k in range(0, head, per_frame):
            self.send({"type": FrameType.SAMPLES, "samples": values[k : k + per_frame]}, sequenced=True)
        rendered = [orjson.dumps(e) for e in events]
        fit, used = 0, 0
        while fit < len(rendered) and used + len(rendered[fit]) + 1 <= budget_bytes:
            used += len(rendered[fit]) + 1
            fit += 1
        snapshot = {"type": FrameType.SNAPSHOT, "values": values[head:], "events": events[:fit]}
        if fit < len(events):
            snapshot["events_follow"] = len(events) - fit
        self.send(snapshot, sequenced=True)
        for e in events[fit:]:
            self.send({"type": FrameType.EVENT, "event": e}, sequenced=True)

    def error(self, code: str, message: str) -> None:
        self.send({"type": FrameType.ERROR, "code": code, "message": message})

    def has_room(self, size: int) -> bool:
        if 0 < self.opt.queue_frames <= len(self._outbox):
            return False
        return self.opt.queue_bytes is None or self.queued_bytes + size <= self.opt.queue_bytes

    def send_bytes(self, data: bytes) -> bool:
        """Queue one rendered frame; False if it was dropped (the outbox is full) or the line is closing."""
        if self.closing is not None:
            return False
        if not self.has_room(len(data)):
            self.dropped += 1  # lost to this client; a sequenced frame's seq makes the gap visible
            return False
        self._outbox.append(data)
        self.queued_bytes += len(data)
        self._sent_since_tick = True
        if self.wake is not None:
            self.wake()
        return True

    # ------------------------------------------------------------------ out
    def next_outgoing(self) -> bytes | Close | None:
        """The next frame to write, a `Close` to carry out, or None when there is nothing to send."""
        if not self._outbox:
            return None
        item = self._outbox.popleft()
        if isinstance(item, bytes):
            self.queued_bytes -= len(item)
        return item

    def _heartbeat(self) -> None:
        self.send({"type": FrameType.HEARTBEAT, "server_time": self._server_time()})

    def _refuse(self, why: str) -> None:
        self.error("unauthorized", why)
        # the close goes in behind the error frame, past the bound, so the client learns why it was cut off
        self.closing = UNAUTHORIZED
        self._outbox.append(UNAUTHORIZED)
        if self.wake is not None:
            self.wake()
