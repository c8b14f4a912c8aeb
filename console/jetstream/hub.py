"""`cityops hub`: a stateless WebSocket gateway that speaks `cityops.feed/1` to consoles from NATS.

Stateless means nothing here needs keeping: at start the hub loads the latest checkpoint from the
key-value bucket and replays the stream from the sequence that checkpoint includes; from then on one
ordered consumer feeds an in-memory mirror and every console at once. Kill a hub and start another,
or run several: consoles list them all and move to the next when one goes.

The hub is a back end of the shared server (`console/feed/session_server.py`): what every console
connection does alike (auth, subscribe checks, its own `seq` and bounded send queue: a slow console
loses frames, sees the `seq` jump and resyncs, nobody else slows down) is the shared
`ClientSession`'s. The hub adds where the data comes from: the mirror for snapshots, the stream for
readings, incidents and units, the authority over NATS for commands. Readings arriving within `flush_s`
go out as one `samples` frame, built once for all consoles with the same filters; units likewise as one
unsequenced `unit` frame (each unit's newest report only).

Units go to the consoles that watch their district (a street's console: its district's units; domain
filters do not apply, a unit has no domain). A unit published under another district than before is
sent once more to the old district's consoles, so they see it leave (its new state and incident), and
from then on only to the new one's.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

import nats.errors
import orjson
from nats.js.api import ConsumerConfig, DeliverPolicy
from nats.js.errors import KeyDeletedError, KeyNotFoundError

from console.feed.client_session import ClientSession, Filters, SessionOptions
from console.feed.decoder import Reason, decode_units
from console.feed.protocol import DEFAULT_MAX_FRAME_BYTES, FrameType
from console.feed.session_server import Client, SessionServer
from console.jetstream.layout import (
    BUCKET,
    CATALOG_KEY,
    EVENTS,
    SAMPLES,
    STREAM,
    UNITS,
    checkpoint_group,
    commands_subject,
    parse_subject,
    units_checkpoint_district,
)
from console.jetstream.mirror import CityMirror
from console.privacy.websocket_logs import install as mask_secrets_in_logs

log = logging.getLogger(__name__)
mask_secrets_in_logs()


async def bucket_keys(js, bucket: str) -> list[str]:
    """Every key the bucket holds, as the server counts its stream's subjects. Not nats-py's `kv.keys()`:
    its watcher can end its first listing early while keys are being written (nats-io/nats.py#842,
    #995), and the publishers rewrite their checkpoints every few seconds; a hub that listed only some
    would replay from the wrong place and never load the groups it missed."""
    prefix = f"$KV.{bucket}."
    info = await js.stream_info(f"KV_{bucket}", subjects_filter=prefix + ">")
    return sorted(subj[len(prefix):] for subj in (info.state.subjects or {}))


@dataclass
class HubOptions:
    token: str | None = None  # consoles must present it (Authorization: Bearer, or an auth frame)
    ssl: ssl.SSLContext | None = None  # wss:// to the consoles
    queue_frames: int = 1000  # per console; beyond it (or queue_bytes) frames are dropped and seq jumps
    queue_bytes: int = 64 << 20  # a street-level city is 1.4 MB/s: ~45 s for a console to fall behind
    heartbeat_s: float = 2.0
    flush_s: float = 0.1  # readings are gathered this long into one frame
    # recent readings kept for a new console's charts, sent before its snapshot (as the simulator does);
    # bounded by age and by bytes, so a street-level city keeps minutes and a district-level one hours
    history_s: float = 3600.0
    history_bytes: int = 64 << 20
    frame_budget: int = 512 * 1024  # bytes of readings per frame, well under the consoles' 1 MiB limit
    max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES  # what the hub accepts from a console
    command_timeout_s: float = 5.0
    idle_heartbeat_s: float = 1.0  # the stream consumer's heartbeat: a silent consumer is recreated
    stall_check_s: float = 5.0
    current_wait_s: float = 10.0  # to catch up with the stream before a snapshot, else the console goes elsewhere


class Hub:
    def __init__(self, nc, options: HubOptions | None = None):
        self.nc = nc
        self.js = nc.jetstream()
        self.opt = options or HubOptions()
        self.mirror = CityMirror()
        self.catalog: dict[str, Any] = {}
        self.clients = SessionServer(self, SessionOptions(
            token=self.opt.token, queue_frames=self.opt.queue_frames, queue_bytes=self.opt.queue_bytes,
            heartbeat_s=self.opt.heartbeat_s))
        self.processed = 0  # the stream sequence of the last message applied
        self._pending: list[tuple[str, str, bytes, list]] = []
        self._pending_bytes = 0
        self._history: deque[tuple[float, tuple]] = deque()  # (wall time, pending entry)
        self._history_bytes = 0
        # units reported since the last flush: id -> (districts whose consoles get it, its report as JSON)
        self._pending_units: dict[str, tuple[tuple[str, ...], bytes]] = {}
        self.unit_rejects: dict[str, int] = {}  # units (and unit messages) dropped, by reason
        self._sub = None
        self._tasks: list[asyncio.Task] = []
        self._last_msg_mono = time.monotonic()
        self.port: int | None = None
        self.stats = {"messages": 0, "consumer_restarts": 0, "commands": 0, "command_timeouts": 0,
                      "not_current": 0}

    # ------------------------------------------------------------------ lifecycle
    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        start_seq = await self._bootstrap()
        await self._subscribe(start_seq)
        self.port = await self.clients.start(host, port, ssl=self.opt.ssl, max_size=self.opt.max_frame_bytes)
        self._tasks = [asyncio.create_task(self._flush_loop(), name="hub-flush"),
                       asyncio.create_task(self._heartbeat_loop(), name="hub-heartbeat"),
                       asyncio.create_task(self._stall_loop(), name="hub-stall")]
        log.info("hub serving %s://%s:%d from stream sequence %d", "wss" if self.opt.ssl else "ws", host,
                 self.port, start_seq)
        return self.port

    async def stop(self) -> None:
        for t in self._tasks:
            t.cancel()
        for t in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await t
        if self._sub is not None:
            with contextlib.suppress(Exception):
                await self._sub.unsubscribe()
        await self.clients.stop()

    async def _bootstrap(self) -> int:
        """Load the catalog and the checkpoint; the stream sequence to replay from."""
        kv = await self.js.key_value(BUCKET)
        waited = False
        while True:
            try:
                entry = await kv.get(CATALOG_KEY)
                break
            except KeyNotFoundError:
                if not waited:
                    log.warning("hub: no catalog in %s yet; waiting for a publisher", BUCKET)
                    waited = True
                await asyncio.sleep(1.0)
        self.catalog = orjson.loads(entry.value)
        uptos = []
        for key in await bucket_keys(self.js, BUCKET):
            group = checkpoint_group(key)  # the main publisher's and each bridge's
            units_district = units_checkpoint_district(key)
            if group is None and units_district is None:
                continue
            try:
                body = orjson.loads((await kv.get(key)).value)
            except (KeyNotFoundError, KeyDeletedError):  # deleted (a retired bridge's): nothing to load
                continue
            if group is not None:
                self.mirror.load_group(group, body["values"], body["events"])
            else:
                self._take_units(units_district, body["units"], f"checkpoint {key}")
            uptos.append(int(body["upto"]))
        # every checkpoint includes the stream up to its `upto`: replaying from the oldest one is complete,
        # and re-applying what a checkpoint already had changes nothing
        start = (min(uptos) + 1) if uptos else 1
        self.processed = start - 1
        log.info("hub loaded %d checkpoints (%d series, %d open incidents, %d units)", len(uptos),
                 len(self.mirror.latest()), len(self.mirror.events), len(self.mirror.units))
        return start

    async def _subscribe(self, start_seq: int) -> None:
        cfg = ConsumerConfig(filter_subjects=[f"{SAMPLES}.>", f"{EVENTS}.>", f"{UNITS}.>"],
                             deliver_policy=DeliverPolicy.BY_START_SEQUENCE, opt_start_seq=max(1, start_seq))
        self._sub = await self.js.subscribe(f"{SAMPLES}.>", stream=STREAM, config=cfg, cb=self._on_msg,
                                            ordered_consumer=True, idle_heartbeat=self.opt.idle_heartbeat_s,
                                            pending_msgs_limit=-1, pending_bytes_limit=-1)

    async def _stall_loop(self) -> None:
        """Belt and braces over the ordered consumer's own recovery: when the stream has moved on and
        nothing came for a while (its node died and recreating it failed), start a new one."""
        while True:
            await asyncio.sleep(self.opt.stall_check_s)
            if time.monotonic() - self._last_msg_mono < self.opt.stall_check_s:
                continue
            try:
                info = await self.js.stream_info(STREAM)
                if info.state.last_seq > self.processed:
                    log.warning("hub: stream at %d, applied %d and nothing for %.0f s: new consumer",
                                info.state.last_seq, self.processed, time.monotonic() - self._last_msg_mono)
                    old, self._sub = self._sub, None
                    with contextlib.suppress(Exception):
                        await old.unsubscribe()
                    await self._subscribe(self.processed + 1)
                    self.stats["consumer_restarts"] += 1
                    self._last_msg_mono = time.monotonic()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("hub: stream check failed: %s", type(exc).__name__)

    # ------------------------------------------------------------------ stream in
    async def _on_msg(self, msg) -> None:
        self._last_msg_mono = time.monotonic()
        sseq = msg.metadata.sequence.stream
        if sseq <= self.processed:  # a recreated consumer may hand back what we had
            return
        self.processed = sseq
        self.stats["messages"] += 1
        parsed = parse_subject(msg.subject)
        if parsed is None:
            return
        kind, district, domain = parsed
        try:
            body = orjson.loads(msg.data)
        except orjson.JSONDecodeError:
            log.warning("hub: message %d on %s is not JSON; skipped", sseq, msg.subject)
            if kind == "units":
                self._reject_units(Reason.BAD_JSON)
            return
        if kind == "units":
            self._take_units(district, body, f"message {sseq} on {msg.subject}")
        elif kind == "samples":
            if not isinstance(body, list):
                return
            self.mirror.apply_rows(district, domain, body)
            entry = (district, domain, msg.data, body)
            self._pending.append(entry)
            self._remember(entry)
            self._pending_bytes += len(msg.data)
            if self._pending_bytes >= self.opt.frame_budget:
                self._flush()
        elif isinstance(body, dict) and self.mirror.apply_event(body):
            self._flush()  # readings that came first go first
            self._broadcast_event(msg.data, body)

    def _reject_units(self, reason: Reason, n: int = 1) -> None:
        self.unit_rejects[reason.value] = self.unit_rejects.get(reason.value, 0) + n

    def _take_units(self, district: str, body: Any, where: str) -> None:
        """A message of unit reports (a JSON array, or one object): each checked as a console would
        (console.feed.decoder), a bad one dropped alone and counted; the good ones into the mirror and,
        when news, out at the next flush in the form the decoder read them."""
        items = [body] if isinstance(body, dict) else body
        if not isinstance(items, list):
            self._reject_units(Reason.WRONG_TYPE)
            log.warning("hub: %s is neither a unit nor a list of them; skipped", where)
            return
        rejects: dict[str, int] = {}
        for unit in decode_units(items, rejects):
            wire = unit.to_wire()
            news, left = self.mirror.apply_unit(district, wire)
            if news:
                # the districts told since the last flush stay told: a unit that left one gets there once more
                told = self._pending_units.get(unit.id, ((), b""))[0]
                districts = tuple(dict.fromkeys((district, *([left] if left else []), *told)))
                self._pending_units[unit.id] = (districts, orjson.dumps(wire))
        if rejects:
            for reason, n in rejects.items():
                self.unit_rejects[reason] = self.unit_rejects.get(reason, 0) + n
            log.warning("hub: %s: dropped %d bad unit(s) of %d (%s)", where, sum(rejects.values()), len(items),
                        ", ".join(sorted(rejects)))

    def _flush_units(self) -> None:
        """The units reported since the last flush, one unsequenced `unit` frame per console (split at the
        frame budget), built once for all consoles with the same filters."""
        if not self._pending_units:
            return
        pending, self._pending_units = list(self._pending_units.values()), {}
        frames: dict[Filters, list[bytes]] = {}
        for c in self.clients.subscribed():
            s = c.session
            if s.filters not in frames:
                frames[s.filters] = self._unit_frames(
                    [raw for districts, raw in pending if any(s.filters.wants_units_of(d) for d in districts)])
            for frame in frames[s.filters]:
                s.send_bytes(frame)

    def _unit_frames(self, raws: list[bytes]) -> list[bytes]:
        out, cur, size = [], [], 0
        for raw in raws:
            if cur and size + len(raw) > self.opt.frame_budget:
                out.append(b'{"type":"unit","units":[%s]}' % b",".join(cur))
                cur, size = [], 0
            cur.append(raw)
            size += len(raw) + 1
        if cur:
            out.append(b'{"type":"unit","units":[%s]}' % b",".join(cur))
        return out

    def _remember(self, entry: tuple) -> None:
        if self.opt.history_s <= 0 or self.opt.history_bytes <= 0:
            return
        now = time.time()
        self._history.append((now, entry))
        self._history_bytes += len(entry[2])
        while self._history and (self._history_bytes > self.opt.history_bytes
                                 or self._history[0][0] < now - self.opt.history_s):
            self._history_bytes -= len(self._history.popleft()[1][2])

    def _broadcast_event(self, raw: bytes, ev: dict) -> None:
        for c in self.clients.subscribed():
            s = c.session
            if s.filters.wants_event(ev["region"], ev["domain"]):
                s.send_bytes(b'{"type":"event","seq":%d,"event":%s}' % (s.take_seq(), raw))

    def _flush(self) -> None:
        if not self._pending:
            return
        pending, self._pending, self._pending_bytes = self._pending, [], 0
        bodies: dict[Filters, list[bytes]] = {}
        for c in self.clients.subscribed():
            s = c.session
            if s.filters not in bodies:
                bodies[s.filters] = self._sample_bodies(s.filters, pending)
            self._send_bodies(s, bodies[s.filters])

    @staticmethod
    def _send_bodies(s: ClientSession, bodies: list[bytes]) -> None:
        for body in bodies:
            s.send_bytes(b'{"type":"samples","seq":%d,"samples":[%s]}' % (s.take_seq(), body))

    def _sample_bodies(self, f: Filters, pending: list) -> list[bytes]:
        """The rows this console wants, as the inside of JSON arrays of at most `frame_budget` bytes:
        whole messages are spliced in as they came (no re-encoding), only street filters cut rows."""
        parts: list[bytes] = []
        for district, domain, raw, rows in pending:
            want = f.wants_area(district, domain)
            if want == "all":
                inner = raw.strip()[1:-1]
            elif want == "some":
                inner = orjson.dumps([r for r in rows if r[1].startswith(f.regions)])[1:-1]
            else:
                continue
            if inner:
                parts.append(inner)
        out, cur, size = [], [], 0
        for p in parts:
            if cur and size + len(p) > self.opt.frame_budget:
                out.append(b",".join(cur))
                cur, size = [], 0
            cur.append(p)
            size += len(p) + 1
        if cur:
            out.append(b",".join(cur))
        return out

    # ------------------------------------------------------------------ consoles (the back end)
    def identity(self) -> tuple[str, str]:
        return self.catalog.get("source", "hub"), self.catalog.get("level", "city")

    def server_time(self) -> float:
        return time.time()

    def on_subscribe(self, client: Client, filters: Filters) -> None:
        client.spawn(self._when_current(client, self._start_stream, filters))

    def on_resync(self, client: Client) -> None:
        client.spawn(self._when_current(client, self._send_snapshot))

    def on_command(self, client: Client, frame: dict[str, Any]) -> None:
        client.spawn(self._forward_command(client.session, frame))

    def _start_stream(self, s: ClientSession, filters: Filters) -> None:
        s.start_stream(filters)
        s.send({"type": FrameType.CATALOG, "indicators": self.catalog.get("indicators", []),
                "regions": self.catalog.get("regions", [])})
        if self._history:
            # older readings for the charts first; the snapshot's latest values then arrive as known
            self._send_bodies(s, self._sample_bodies(filters, [entry for _, entry in self._history]))
        self._send_snapshot(s)

    async def _when_current(self, client: Client, then, *args) -> None:
        """Run `then` once this hub has applied everything the stream held when the console asked.

        A snapshot is the console's new truth: incidents it does not list are taken as closed. A hub
        whose consumer is catching up (its NATS node just died) would hand a console that comes from a
        hub ahead of it an older truth, and the console would drop incidents it had rightly seen. So
        the hub first reads the stream's last sequence and waits to reach it; a hub that cannot within
        `current_wait_s` closes with 1013 (try again later) and the console moves to its next hub."""
        deadline = time.monotonic() + self.opt.current_wait_s
        target = None
        while time.monotonic() < deadline:
            if target is None:
                try:
                    target = (await self.js.stream_info(STREAM)).state.last_seq
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    log.debug("hub: stream position unknown (%s)", type(exc).__name__)
            if target is not None and self.processed >= target:
                then(client.session, *args)
                return
            await asyncio.sleep(0.05 if target is not None else 0.5)
        self.stats["not_current"] += 1
        log.warning("hub: not caught up with the stream after %.0f s (at %d of %s); sending the console elsewhere",
                    self.opt.current_wait_s, self.processed, target)
        await client.close(1013, "hub catching up; try another")

    def _send_snapshot(self, s: ClientSession) -> None:
        """The mirror, filtered, split to fit the consoles' frame limit (ClientSession.send_snapshot)."""
        f = s.filters
        rows: list = []
        for (district, domain), group in self.mirror.values.items():
            want = f.wants_area(district, domain)
            if want:
                rows.extend([i, r, t, v] for (i, r), (t, v) in group.items()
                            if want == "all" or r.startswith(f.regions))
        events = [e for e in self.mirror.events.values() if f.wants_event(e["region"], e["domain"])]
        s.send_snapshot(rows, events, self.opt.frame_budget)
        # then every unit of the console's districts, as the simulator sends them after a snapshot
        for frame in self._unit_frames([orjson.dumps(u) for d, u in self.mirror.units.values() if f.wants_units_of(d)]):
            s.send_bytes(frame)

    async def _forward_command(self, s: ClientSession, obj: dict) -> None:
        self.stats["commands"] += 1
        cid = obj.get("id")
        try:
            resp = await self.nc.request(commands_subject(obj.get("event_id")), orjson.dumps(obj),
                                         timeout=self.opt.command_timeout_s)
            s.send_bytes(resp.data)
        except (nats.errors.TimeoutError, nats.errors.NoRespondersError, nats.errors.ConnectionReconnectingError):
            self.stats["command_timeouts"] += 1
            if isinstance(cid, str) and cid:
                # the command may still have been applied: re-sending the same id gets its real answer
                s.send({"type": FrameType.REPLY, "ref": cid, "ok": False,
                        "error": "指挥平台未应答，请重试 / the authority did not answer; try again"})

    # ------------------------------------------------------------------ clocks
    async def _flush_loop(self) -> None:
        while True:
            await asyncio.sleep(self.opt.flush_s)
            try:
                self._flush()
                self._flush_units()
            except Exception:
                log.exception("hub flush failed")

    async def _heartbeat_loop(self) -> None:
        while True:
            await asyncio.sleep(0.5)
            self.clients.tick()

    def summary(self) -> dict:
        url = self.nc.connected_url
        return {**self.stats, "frames_sent": self.clients.frames_sent, "frames_dropped": self.clients.frames_dropped,
                "sessions_total": self.clients.sessions_total, "sessions": len(self.clients),
                "stream_seq": self.processed,
                "nats_server": f"{url.hostname}:{url.port}" if url else None,  # no userinfo: never the password
                "nats_reconnects": self.nc.stats.get("reconnects", 0),
                "series": sum(len(g) for g in self.mirror.values.values()), "open_incidents": len(self.mirror.events),
                "units": len(self.mirror.units), "unit_rejects": dict(self.unit_rejects)}
