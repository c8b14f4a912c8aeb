"""The simulated city as a `cityops.feed/1` WebSocket server, and the authority for its incidents.

This is the simulator's back end of the shared server (`console/feed/session_server.py`): the catalog,
history, snapshot and stream come from `SimCity`, commands go to its `CommandDesk`. What every client
connection does alike (auth, subscribe checks, its own `seq` and bounded send queue, heartbeats) is
the shared `ClientSession`'s: a client too slow to keep up loses frames (its `seq` jumps, so it knows
to resync) instead of slowing every other client down.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson

from console.feed.client_session import ClientSession, Filters, SessionOptions
from console.feed.protocol import DEFAULT_MAX_FRAME_BYTES, FrameType
from console.feed.session_server import Client, SessionServer
from console.incidents.stations import DISTRICT_SERVICES
from console.simulator.city_model import SimCity
from console.simulator.command_desk import BadCommand, CommandDesk
from console.simulator.fleet import Fleet
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
    units: int = 112  # dispatch units driving to their incidents (0: none, no `unit` frames)
    units_every_s: float = 1.0  # real seconds between `unit` frames (the units that moved)


class SimServer:
    """The simulator's `FeedBackend`, and the server around it (`start`, `stop`, its tick)."""

    def __init__(self, city: SimCity, options: ServerOptions | None = None, start_ts: float | None = None):
        self.city = city
        self.opt = options or ServerOptions()
        self._t0_mono = time.monotonic()
        self._t0_sim = time.time() if start_ts is None else start_ts
        # heartbeats every heartbeat_s even when samples flow: their server_time keeps a client's clock on
        # the simulated one (which runs --speed times faster), so the age of data stays true when the feed stops
        self.clients = SessionServer(self, SessionOptions(
            token=self.opt.token, queue_frames=self.opt.queue_frames, heartbeat_s=self.opt.heartbeat_s,
            heartbeat_when_busy=True, skip_seq_every=self.opt.skip_seq_every))
        self._ticker: asyncio.Task | None = None
        self.desk = CommandDesk(city)
        self._series_domain = np.array([city.indicator_by_id[i].domain for i in city.series_indicator])
        self._series_region = np.array(city.series_region)
        self._wanted: dict[Filters, np.ndarray] = {}
        self._burst_frames: list[bytes] | None = None
        self._burst_snapshot: tuple | None = None  # the city just before the burst (see _render_burst)
        if self.opt.storm:
            city.schedule_storm(self._t0_sim + self.opt.storm_at_s, self.opt.storm, self.opt.storm_over_s)
        self.port: int | None = None
        self.commands = 0
        districts = tuple(r for r in city.regions if r.level == "district")
        self.fleet = Fleet(DISTRICT_SERVICES, districts, self.opt.units) if self.opt.units > 0 else None
        self._unit_district: dict[str, str] = {}  # unit id -> the district of its last report
        self._next_units_mono = 0.0

    def sim_now(self) -> float:
        return self._t0_sim + (time.monotonic() - self._t0_mono) * self.opt.speed

    @property
    def frames_sent(self) -> int:
        return self.clients.frames_sent

    # ------------------------------------------------------------------ lifecycle
    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        self.port = await self.clients.start(host, port, max_size=self.opt.max_frame_bytes,
                                             compression=self.opt.compression)
        self._ticker = asyncio.create_task(self._tick_loop(), name="sim-tick")
        log.info("simulator %s listening on ws://%s:%d", self.opt.source, host, self.port)
        return self.port

    async def stop(self) -> None:
        if self._ticker:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
        await self.clients.stop()

    async def kick_all(self) -> None:
        """Drop every client connection (tests: the console must reconnect and resync)."""
        for c in self.clients:
            await c.close(1012, "service restart")

    # ------------------------------------------------------------------ the back end
    def identity(self) -> tuple[str, str]:
        return self.opt.source, self.opt.level

    def server_time(self) -> float:
        return self.sim_now()

    def on_subscribe(self, client: Client, filters: Filters) -> None:
        s = client.session
        s.start_stream(filters)
        s.send({"type": FrameType.CATALOG,
                "indicators": [i.to_wire() for i in self.city.indicators],
                "regions": [r.to_wire() for r in self.city.regions]})
        if not self.opt.burst and not self.opt.rate:
            self._send_backfill(s)
        if self.opt.burst:
            self._render_burst()
        self._send_snapshot(s, self._burst_snapshot)
        self._send_units(s)
        if self.opt.burst:
            self._send_burst(client)

    def on_resync(self, client: Client) -> None:
        self._send_snapshot(client.session)
        self._send_units(client.session)

    def on_command(self, client: Client, frame: dict[str, Any]) -> None:
        self.commands += 1
        try:
            reply, new = self.desk.handle(frame, self.sim_now())
        except BadCommand as exc:
            client.session.error("bad_frame", str(exc))
            return
        if new is not None:
            self._broadcast_event(new)
        if self.opt.drop_after_commands > 0:
            self.opt.drop_after_commands -= 1
            client.abort()  # the command took effect; its answer is lost with the line
            return
        client.session.send(reply)

    # ------------------------------------------------------------------ what a client gets
    def _send_backfill(self, s: ClientSession) -> None:
        """Recent history before the snapshot: older readings the client keeps for its charts (the
        snapshot's latest values then arrive as already-known and are not stored twice)."""
        sids, ts, vals = self.city.recent_samples()
        rows = self._rows(s.filters, sids, ts, vals)
        for i in range(0, len(rows), self.opt.batch):
            s.send({"type": FrameType.SAMPLES, "samples": rows[i : i + self.opt.batch]}, sequenced=True)

    def _send_snapshot(self, s: ClientSession, rows: tuple | None = None) -> None:
        sids, ts, vals = self.city.snapshot_rows() if rows is None else rows
        f = s.filters or Filters()
        s.send_snapshot(self._rows(f, sids, ts, vals),
                        [e.to_wire() for e in self.city.events.values() if f.wants_event(e.region, e.domain)])

    def _send_units(self, s: ClientSession, units=None, heard: dict[str, tuple[str, ...]] | None = None) -> None:
        """Every unit (after subscribe and resync) or those given, with the districts each is heard in
        (`_moves_heard`); unsequenced (docs/feed-protocol.md). A district's centre gets its district's units
        (as the hub does: docs/deployment.md)."""
        if self.fleet is None:
            return
        reports = self.fleet.reports(self.sim_now()) if units is None else units
        if s.filters is not None and s.filters.regions:
            if heard is None:
                heard = {u.id: (self.fleet.district_of(u, self.city.events),) for u in reports}
            reports = [u for u in reports if any(s.filters.wants_units_of(d) for d in heard[u.id])]
        if reports:
            s.send({"type": FrameType.UNIT, "units": [u.to_wire() for u in reports]})

    def _moves_heard(self, moved) -> dict[str, tuple[str, ...]]:
        """Once a step, for every console: each moved unit's district now and, when it worked for another at
        its last report, that one too (its report is told there once more as it leaves)."""
        out = {}
        for u in moved:
            now = self.fleet.district_of(u, self.city.events)
            before = self._unit_district.get(u.id, now)
            self._unit_district[u.id] = now
            out[u.id] = (now,) if before == now else (now, before)
        return out

    def _mask(self, f: Filters | None) -> np.ndarray | None:
        """Per series: does a client with these filters want it (None: everything). Built once per
        filters; the cache is emptied now and then so clients inventing filters cannot grow it."""
        if f is None or not (f.regions or f.domains):
            return None
        want = self._wanted.get(f)
        if want is None:
            if len(self._wanted) >= 64:
                self._wanted.clear()
            want = np.ones(self.city.n_series, dtype=bool)
            if f.regions:
                want &= np.array([r.startswith(f.regions) for r in self._series_region])
            if f.domains:
                want &= np.isin(self._series_domain, f.domains)
            self._wanted[f] = want
        return want

    def _rows(self, f: Filters | None, sids: np.ndarray, ts: np.ndarray, vals: np.ndarray) -> list:
        want = self._mask(f)
        if want is not None:
            m = want[sids]
            sids, ts, vals = sids[m], ts[m], vals[m]
        ind, reg = self.city.series_indicator, self.city.series_region
        return [[ind[i], reg[i], t, v] for i, t, v in zip(sids.tolist(), ts.tolist(), vals.tolist(), strict=True)]

    def _render_burst(self) -> None:
        """The burst's frames, rendered once, and the snapshot from just before them: every client gets
        that snapshot and then the frames, so each reading is newer than what the client was told (the
        city's own state has moved on to the burst's end, and a snapshot of it made every reading of the
        burst old: a console dropped them all unread)."""
        if self._burst_frames is None:
            self._burst_snapshot = self.city.snapshot_rows()
            frames, left, now = [], self.opt.burst, self.sim_now()
            seq = 1  # the snapshot was seq 1 on a fresh connection
            while left > 0:
                n = min(self.opt.batch, left)
                sids, ts, vals = self.city.rate_samples(n, now)
                seq += 1
                frames.append(orjson.dumps({"type": FrameType.SAMPLES, "seq": seq,
                                            "samples": self._rows(None, sids, ts, vals)}))
                left -= n
                # the clock of a feed whose every series reports once a second (a reading per series per
                # second, whatever the frame's size): a second a frame made each series of a one-reading
                # stream report every 27 minutes, every reading opening a new minute and emptying the
                # skipped ones, a cost no live feed has
                now += n / self.city.n_series
            self._burst_frames = frames

    def _send_burst(self, client: Client) -> None:
        """The same pre-rendered frames for every client, so a benchmark compares like with like."""
        client.session.claim_seqs(len(self._burst_frames))
        client.spawn(client.put_all(self._burst_frames))  # waits for the writer: a burst is never dropped

    # ------------------------------------------------------------------ the stream
    def _broadcast_event(self, ev) -> None:
        if self.opt.burst:
            return
        wire = ev.to_wire()
        for c in self.clients.subscribed():
            if c.session.filters.wants_event(ev.region, ev.domain):
                c.session.send({"type": FrameType.EVENT, "event": wire}, sequenced=True)

    def _broadcast_samples(self, sids: np.ndarray, ts: np.ndarray, vals: np.ndarray) -> None:
        if len(sids) == 0:
            return
        chunks: dict[Filters, list[list]] = {}  # clients with the same filters get the same rows; only seq differs
        for c in self.clients.subscribed():
            f = c.session.filters
            if f not in chunks:
                rows = self._rows(f, sids, ts, vals)
                chunks[f] = [rows[i : i + self.opt.batch] for i in range(0, len(rows), self.opt.batch)]
            for chunk in chunks[f]:
                c.session.send({"type": FrameType.SAMPLES, "samples": chunk}, sequenced=True)

    async def _tick_loop(self) -> None:
        pacer = SamplePacer(self.city, self.opt.rate)
        while True:
            await asyncio.sleep(self.opt.tick_s)
            try:
                mono = time.monotonic()
                now = self.sim_now()
                if not self.opt.burst:
                    sids, ts, vals = pacer.take(now, mono)
                    self._broadcast_samples(sids, ts, vals)
                    for ev in self.city.new_incidents(now) + self.city.auto_progress(now):
                        self._broadcast_event(ev)
                    if self.fleet is not None and mono >= self._next_units_mono:
                        self._next_units_mono = mono + self.opt.units_every_s
                        moved = self.fleet.step(now, self.city.events)
                        heard = self._moves_heard(moved)
                        for c in self.clients.subscribed():
                            self._send_units(c.session, moved, heard)
                self.clients.tick(mono)
            except Exception:  # the simulator must keep running whatever one tick did
                log.exception("simulator tick failed")
