"""The simulated city as a `cityops.feed/1` WebSocket server, and the authority for its incidents.

Each connection gets its own `seq` and its own bounded send queue: a client too slow to keep up loses
frames (its `seq` jumps, so it knows to resync) instead of slowing every other client down.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import orjson
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from console.feed.client_session import bearer, read_client_frame, token_ok
from console.feed.protocol import DEFAULT_MAX_FRAME_BYTES, PROTOCOL, FrameType
from console.simulator.city_model import SimCity
from console.simulator.command_desk import BadCommand, CommandDesk
from console.simulator.pacing import SamplePacer

log = logging.getLogger(__name__)


@dataclass
class ServerOptions:
    source: str = "shanghai-city"
    level: str = "city"
    token: str | None = None
    speed: float = 1.0  # simulated seconds per real second
    rate: float | None = None  # samples/s in total, round-robin over all series, instead of cadences
    batch: int = 500  # most readings in one `samples` frame
    burst: int = 0  # benchmark: after the snapshot, send this many readings as fast as possible
    tick_s: float = 0.05
    queue_frames: int = 2000  # per client; beyond it frames are dropped and seq jumps
    heartbeat_s: float = 2.0
    skip_seq_every: int = 0  # fault injection: every Nth sequenced frame is "lost"
    storm: int = 0  # drills: this many incidents of one cause in one district ...
    storm_at_s: float = 60.0  # ... starting this many simulated seconds after the server starts ...
    storm_over_s: float = 120.0  # ... arriving within this many simulated seconds
    drop_after_commands: int = 0  # fault injection: apply the next N commands, then cut the line unanswered
    compression: str | None = None
    max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES


@dataclass(eq=False)
class _Session:
    ws: ServerConnection
    queue: asyncio.Queue
    seq: int = 0
    subscribed: bool = False
    authed: bool = False
    wanted: np.ndarray | None = None  # per series: does this client want it (None: everything)
    regions: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    last_send: float = 0.0
    last_heartbeat: float = 0.0
    sequenced: int = 0
    dropped: int = 0
    tasks: list = field(default_factory=list)


class SimServer:
    def __init__(self, city: SimCity, options: ServerOptions | None = None, start_ts: float | None = None):
        self.city = city
        self.opt = options or ServerOptions()
        self._t0_mono = time.monotonic()
        self._t0_sim = time.time() if start_ts is None else start_ts
        self.sessions: set[_Session] = set()
        self._server: Server | None = None
        self._ticker: asyncio.Task | None = None
        self.desk = CommandDesk(city)
        self._series_domain = np.array([city.indicator_by_id[i].domain for i in city.series_indicator])
        self._series_region = np.array(city.series_region)
        self._burst_frames: list[bytes] | None = None
        if self.opt.storm:
            city.schedule_storm(self._t0_sim + self.opt.storm_at_s, self.opt.storm, self.opt.storm_over_s)
        self.port: int | None = None
        self.frames_sent = 0
        self.commands = 0

    def sim_now(self) -> float:
        return self._t0_sim + (time.monotonic() - self._t0_mono) * self.opt.speed

    # ------------------------------------------------------------------ lifecycle
    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        self._server = await serve(
            self._handle, host, port, max_size=self.opt.max_frame_bytes, compression=self.opt.compression,
            ping_interval=20, ping_timeout=20,
        )
        self.port = next(iter(self._server.sockets)).getsockname()[1]
        self._ticker = asyncio.create_task(self._tick_loop(), name="sim-tick")
        log.info("simulator %s listening on ws://%s:%d", self.opt.source, host, self.port)
        return self.port

    async def stop(self) -> None:
        if self._ticker:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
        if self._server:
            self._server.close(close_connections=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._server.wait_closed(), 3.0)

    async def kick_all(self) -> None:
        """Drop every client connection (tests: the console must reconnect and resync)."""
        for s in list(self.sessions):
            await s.ws.close(1012, "service restart")

    # ------------------------------------------------------------------ per connection
    async def _handle(self, ws: ServerConnection) -> None:
        s = _Session(ws, asyncio.Queue(self.opt.queue_frames))
        auth = ws.request.headers.get("Authorization", "") if ws.request else ""
        s.authed = token_ok(self.opt.token, bearer(auth))
        self.sessions.add(s)
        writer = asyncio.create_task(self._writer(s))
        try:
            self._send(s, {"type": FrameType.HELLO, "protocol": PROTOCOL, "source": self.opt.source,
                           "level": self.opt.level, "server_time": self.sim_now()})
            async for msg in ws:
                await self._on_client_frame(s, msg)
        except ConnectionClosed:
            pass
        finally:
            self.sessions.discard(s)
            for t in s.tasks:
                t.cancel()
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writer

    async def _writer(self, s: _Session) -> None:
        with contextlib.suppress(ConnectionClosed):
            while True:
                data = await s.queue.get()
                await s.ws.send(data, text=True)
                self.frames_sent += 1

    def _send(self, s: _Session, frame: dict[str, Any], sequenced: bool = False) -> None:
        if sequenced:
            s.seq += 1
            s.sequenced += 1
            if self.opt.skip_seq_every and s.sequenced % self.opt.skip_seq_every == 0:
                s.seq += 1  # this frame's predecessor was "lost"
            frame["seq"] = s.seq
        self._enqueue(s, orjson.dumps(frame))

    def _enqueue(self, s: _Session, data: bytes) -> None:
        try:
            s.queue.put_nowait(data)
            s.last_send = time.monotonic()
        except asyncio.QueueFull:
            s.dropped += 1  # the frame is lost to this client; the seq it used makes the gap visible

    def _error(self, s: _Session, code: str, message: str) -> None:
        self._send(s, {"type": FrameType.ERROR, "code": code, "message": message})

    async def _on_client_frame(self, s: _Session, msg: str | bytes) -> None:
        obj, why = read_client_frame(msg)
        if obj is None:
            self._error(s, "bad_frame", why)
            return
        t = obj["type"]
        if t == FrameType.AUTH:
            if token_ok(self.opt.token, obj.get("token")):
                s.authed = True
            else:
                self._error(s, "unauthorized", "bad token")
                await asyncio.sleep(0.05)  # let the error frame go out first
                await s.ws.close(1008, "unauthorized")
            return
        if not s.authed:
            self._error(s, "unauthorized", "send auth first")
            await asyncio.sleep(0.05)
            await s.ws.close(1008, "unauthorized")
            return
        if t == FrameType.SUBSCRIBE:
            self._subscribe(s, obj)
        elif t == FrameType.RESYNC:
            if s.subscribed:
                self._send_snapshot(s)
        elif t == FrameType.COMMAND:
            self._command(s, obj)
        elif t == FrameType.PING:
            self._send(s, {"type": FrameType.HEARTBEAT, "server_time": self.sim_now()})
        else:
            self._error(s, "unknown_type", f"unknown frame type {t[:40]!r}")

    def _subscribe(self, s: _Session, obj: dict) -> None:
        regions = obj.get("regions") or []
        domains = obj.get("domains") or []
        if not (isinstance(regions, list) and all(isinstance(r, str) for r in regions)
                and isinstance(domains, list) and all(isinstance(d, str) for d in domains)):
            self._error(s, "bad_frame", "regions and domains must be lists of text")
            return
        s.regions, s.domains = tuple(regions), tuple(domains)
        if regions or domains:
            want = np.ones(self.city.n_series, dtype=bool)
            if regions:
                want &= np.array([r.startswith(tuple(regions)) for r in self._series_region])
            if domains:
                want &= np.isin(self._series_domain, domains)
            s.wanted = want
        s.subscribed = True
        self._send(s, {"type": FrameType.CATALOG,
                       "indicators": [i.to_wire() for i in self.city.indicators],
                       "regions": [r.to_wire() for r in self.city.regions]})
        if not self.opt.burst and not self.opt.rate:
            self._send_backfill(s)
        self._send_snapshot(s)
        if self.opt.burst:
            self._send_burst(s)

    def _send_backfill(self, s: _Session) -> None:
        """Recent history before the snapshot: older readings the client keeps for its charts (the
        snapshot's latest values then arrive as already-known and are not stored twice)."""
        sids, ts, vals = self.city.recent_samples()
        rows = self._rows(s, sids, ts, vals)
        for i in range(0, len(rows), self.opt.batch):
            self._send(s, {"type": FrameType.SAMPLES, "samples": rows[i : i + self.opt.batch]}, sequenced=True)

    def _event_wanted(self, s: _Session, ev) -> bool:
        return (not s.regions or ev.region.startswith(s.regions)) and (not s.domains or ev.domain in s.domains)

    def _send_snapshot(self, s: _Session) -> None:
        sids, ts, vals = self.city.snapshot_rows()
        self._send(s, {"type": FrameType.SNAPSHOT, "values": self._rows(s, sids, ts, vals),
                       "events": [e.to_wire() for e in self.city.events.values() if self._event_wanted(s, e)]},
                   sequenced=True)

    def _rows(self, s: _Session | None, sids: np.ndarray, ts: np.ndarray, vals: np.ndarray) -> list:
        if s is not None and s.wanted is not None:
            m = s.wanted[sids]
            sids, ts, vals = sids[m], ts[m], vals[m]
        ind, reg = self.city.series_indicator, self.city.series_region
        return [[ind[i], reg[i], t, v] for i, t, v in zip(sids.tolist(), ts.tolist(), vals.tolist(), strict=True)]

    def _send_burst(self, s: _Session) -> None:
        """The same pre-rendered frames for every client, so a benchmark compares like with like."""
        if self._burst_frames is None:
            frames, left, now = [], self.opt.burst, self.sim_now()
            seq = 1  # the snapshot was seq 1 on a fresh connection
            while left > 0:
                n = min(self.opt.batch, left)
                sids, ts, vals = self.city.rate_samples(n, now)
                seq += 1
                frames.append(orjson.dumps({"type": FrameType.SAMPLES, "seq": seq,
                                            "samples": self._rows(None, sids, ts, vals)}))
                left -= n
                now += 1.0
            self._burst_frames = frames
        s.seq += len(self._burst_frames)
        s.tasks.append(asyncio.create_task(self._feed_burst(s, self._burst_frames)))

    @staticmethod
    async def _feed_burst(s: _Session, frames: list[bytes]) -> None:
        for f in frames:
            await s.queue.put(f)  # waits for the writer: a burst is never dropped

    def _command(self, s: _Session, obj: dict) -> None:
        self.commands += 1
        try:
            reply, new = self.desk.handle(obj, self.sim_now())
        except BadCommand as exc:
            self._error(s, "bad_frame", str(exc))
            return
        if new is not None:
            self._broadcast_event(new)
        if self.opt.drop_after_commands > 0:
            self.opt.drop_after_commands -= 1
            s.ws.transport.abort()  # the command took effect; its answer is lost with the line
            return
        self._send(s, reply)

    # ------------------------------------------------------------------ the stream
    def _broadcast_event(self, ev) -> None:
        wire = ev.to_wire()
        for s in list(self.sessions):
            if s.subscribed and not self.opt.burst and self._event_wanted(s, ev):
                self._send(s, {"type": FrameType.EVENT, "event": wire}, sequenced=True)

    def _broadcast_samples(self, sids: np.ndarray, ts: np.ndarray, vals: np.ndarray) -> None:
        if len(sids) == 0:
            return
        targets = [s for s in self.sessions if s.subscribed]
        shared: list[bytes] | None = None
        for s in targets:
            if s.wanted is None:
                if shared is None:  # everyone unfiltered gets the same rows; only seq differs
                    rows = self._rows(None, sids, ts, vals)
                    shared = [rows[i : i + self.opt.batch] for i in range(0, len(rows), self.opt.batch)]
                chunks = shared
            else:
                rows = self._rows(s, sids, ts, vals)
                chunks = [rows[i : i + self.opt.batch] for i in range(0, len(rows), self.opt.batch)]
            for chunk in chunks:
                self._send(s, {"type": FrameType.SAMPLES, "samples": chunk}, sequenced=True)

    async def _tick_loop(self) -> None:
        pacer = SamplePacer(self.city, self.opt.rate)
        while True:
            await asyncio.sleep(self.opt.tick_s)
            try:
                mono = time.monotonic()
                now = self.sim_now()
                if self.opt.burst:
                    self._heartbeats(mono)
                    continue
                sids, ts, vals = pacer.take(now, mono)
                self._broadcast_samples(sids, ts, vals)
                for ev in self.city.new_incidents(now) + self.city.auto_progress(now):
                    self._broadcast_event(ev)
                self._heartbeats(mono)
            except Exception:  # the simulator must keep running whatever one tick did
                log.exception("simulator tick failed")

    def _heartbeats(self, mono: float) -> None:
        # every heartbeat_s even when samples flow: its server_time keeps a client's clock on the simulated
        # one (which runs --speed times faster), so the age of data stays true when the feed stops
        for s in list(self.sessions):
            if mono - s.last_heartbeat >= self.opt.heartbeat_s:
                s.last_heartbeat = mono
                self._send(s, {"type": FrameType.HEARTBEAT, "server_time": self.sim_now()})
