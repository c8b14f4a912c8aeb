"""The simulated city published to JetStream (`cityops simulate --nats URL`): readings, incident
events and its dispatch units' reports to the stream, and every few seconds a checkpoint of the latest
state to the key-value bucket, so a hub that starts (or restarts) loads the checkpoint and replays
seconds of stream, never a day.

Any real feed adapter publishes the same way: rows `[indicator, region, ts, value]` as a JSON array
on `city.samples.<district>.<domain>`, one event object per message on `city.events.<district>.<domain>`,
unit objects (docs/feed-protocol.md) as a JSON array on `city.units.<district>`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from dataclasses import dataclass

import nats.errors
import numpy as np
import orjson

from console.feed.frames import Event, Unit
from console.incidents.stations import DISTRICT_SERVICES
from console.jetstream.layout import (
    CATALOG_KEY,
    checkpoint_key,
    district_of,
    events_subject,
    samples_subject,
    units_checkpoint_key,
    units_subject,
)
from console.jetstream.mirror import CityMirror
from console.simulator.city_model import SimCity
from console.simulator.fleet import Fleet
from console.simulator.pacing import SamplePacer

log = logging.getLogger(__name__)


async def publish_until_acked(js, subject: str, payload: bytes, msg_id: str, ack_timeout_s: float = 2.0):
    """Publish until the stream acknowledges, however long that takes; (the ack, the retries it took).

    What a publisher computed must reach the stream, or the consoles and the authority would disagree. A
    node going down means a few seconds of leader election; meanwhile the caller waits (readings then
    catch up, as after a pause). Every retry carries the same message id, so the stream's duplicate
    window keeps one copy whatever happened. The simulator's publisher and the bridges all publish so."""
    headers = {"Nats-Msg-Id": msg_id}
    delay, attempt = 0.1, 0
    while True:
        try:
            return await js.publish(subject, payload, headers=headers, timeout=ack_timeout_s), attempt
        except nats.errors.ConnectionClosedError:
            raise  # we are shutting down
        except nats.errors.Error as exc:  # every other NATS and JetStream error derives from it
            attempt += 1
            if attempt == 5 or attempt % 30 == 0:
                log.warning("the stream has not acknowledged %s for %d attempts (%s); still trying", subject,
                            attempt, type(exc).__name__)
            await asyncio.sleep(delay)
            delay = min(2.0, delay * 2)


@dataclass
class PublisherOptions:
    source: str = "shanghai-city"
    level: str = "city"
    speed: float = 1.0  # simulated seconds per real second
    rate: float | None = None  # samples/s in total, round-robin over all series, instead of cadences
    tick_s: float = 0.25
    batch: int = 2000  # most readings in one message
    checkpoint_s: float = 5.0
    ack_timeout_s: float = 2.0
    units: int = 112  # dispatch units driving to their incidents (0: none)
    units_every_s: float = 1.0  # real seconds between the reports of the units that moved


class CityPublisher:
    def __init__(self, city: SimCity, js, kv, options: PublisherOptions | None = None, start_ts: float | None = None):
        self.city = city
        self.js, self.kv = js, kv
        self.opt = options or PublisherOptions()
        self._t0_mono = time.monotonic()
        self._t0_sim = time.time() if start_ts is None else start_ts
        self.mirror = CityMirror()
        self.last_seq = 0  # the stream sequence of the last message the stream acknowledged
        # a checkpoint must not see half a batch: it would claim a sequence whose neighbours are missing
        self._lock = asyncio.Lock()
        groups = [(district_of(r), city.indicator_by_id[i].domain)
                  for i, r in zip(city.series_indicator, city.series_region, strict=True)]
        self._group_names = sorted(set(groups))
        index = {g: k for k, g in enumerate(self._group_names)}
        self._series_group = np.array([index[g] for g in groups], dtype=np.int64)
        self._checkpointed: set[tuple[str, str]] = set()
        self._units_checkpointed: set[str] = set()
        districts = tuple(r for r in city.regions if r.level == "district")
        self.fleet = Fleet(DISTRICT_SERVICES, districts, self.opt.units) if self.opt.units > 0 else None
        self._tasks: list[asyncio.Task] = []
        self._running = False
        self.messages = 0
        self.samples = 0
        self.events = 0
        self.checkpoints = 0
        self.unit_reports = 0
        self.retries = 0
        self._run_id = secrets.token_hex(6)  # message ids for the stream's duplicate window
        self._msg_no = 0

    def sim_now(self) -> float:
        return self._t0_sim + (time.monotonic() - self._t0_mono) * self.opt.speed

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        catalog = {"source": self.opt.source, "level": self.opt.level,
                   "indicators": [i.to_wire() for i in self.city.indicators],
                   "regions": [r.to_wire() for r in self.city.regions]}
        await self.kv.put(CATALOG_KEY, orjson.dumps(catalog))
        # what the city already knows (its warm-up) goes out first, so the first checkpoint is whole
        sids, ts, vals = self.city.snapshot_rows()
        await self.publish_samples(sids, ts, vals)
        for ev in list(self.city.events.values()):
            await self.publish_event(ev)
        if self.fleet is not None:
            await self.publish_units(self.fleet.reports(self.sim_now()))
        await self.checkpoint()
        self._running = True
        self._tasks = [asyncio.create_task(self._tick_loop(), name="publisher-tick"),
                       asyncio.create_task(self._checkpoint_loop(), name="publisher-checkpoint")]

    async def stop(self) -> None:
        # the tick in progress finishes: what the city computed is published, so the authority's state
        # and the stream's agree when the feed stops
        self._running = False
        ticker, *others = self._tasks or [None]
        if ticker is not None:
            with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(ticker, 60.0)
        for t in others:
            t.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await t
        self._tasks.clear()
        with contextlib.suppress(Exception):
            await self.checkpoint()

    # ------------------------------------------------------------------ publishing
    async def publish_samples(self, sids: np.ndarray, ts: np.ndarray, vals: np.ndarray) -> None:
        if len(sids) == 0:
            return
        ind, reg = self.city.series_indicator, self.city.series_region
        groups = self._series_group[sids]
        order = np.argsort(groups, kind="stable")
        sids, ts, vals, groups = sids[order], ts[order], vals[order], groups[order]
        cuts = np.flatnonzero(np.diff(groups)) + 1
        batches = []
        for lo, hi in zip(np.r_[0, cuts].tolist(), np.r_[cuts, len(sids)].tolist(), strict=True):
            district, domain = self._group_names[int(groups[lo])]
            rows = [[ind[i], reg[i], t, v] for i, t, v in
                    zip(sids[lo:hi].tolist(), ts[lo:hi].tolist(), vals[lo:hi].tolist(), strict=True)]
            for k in range(0, len(rows), self.opt.batch):
                batches.append((district, domain, rows[k : k + self.opt.batch]))
        async with self._lock:
            acks = await asyncio.gather(*(self._publish(samples_subject(d, m), orjson.dumps(rows))
                                          for d, m, rows in batches))
            for (district, domain, rows), ack in zip(batches, acks, strict=True):
                self.mirror.apply_rows(district, domain, rows)
                self.last_seq = max(self.last_seq, ack.seq)
            self.messages += len(batches)
            self.samples += len(sids)

    async def publish_event(self, ev: Event) -> None:
        wire = ev.to_wire()
        async with self._lock:  # one at a time: an incident's versions reach the stream in order
            ack = await self._publish(events_subject(district_of(ev.region), ev.domain), orjson.dumps(wire))
            self.mirror.apply_event(wire)
            self.last_seq = max(self.last_seq, ack.seq)
            self.messages += 1
            self.events += 1

    async def publish_units(self, units: list[Unit]) -> None:
        """One message per district (Fleet.district_of) with its units' reports (at most `batch` each)."""
        if self.fleet is None:
            return
        by_district: dict[str, list[dict]] = {}
        for u in units:
            by_district.setdefault(self.fleet.district_of(u, self.city.events), []).append(u.to_wire())
        batches = [(d, wires[k : k + self.opt.batch]) for d, wires in sorted(by_district.items())
                   for k in range(0, len(wires), self.opt.batch)]
        if not batches:
            return
        async with self._lock:
            acks = await asyncio.gather(*(self._publish(units_subject(d), orjson.dumps(w)) for d, w in batches))
            for (district, wires), ack in zip(batches, acks, strict=True):
                for w in wires:
                    self.mirror.apply_unit(district, w)
                self.last_seq = max(self.last_seq, ack.seq)
            self.messages += len(batches)
            self.unit_reports += len(units)

    async def _publish(self, subject: str, payload: bytes):
        self._msg_no += 1
        ack, attempts = await publish_until_acked(self.js, subject, payload, f"{self._run_id}-{self._msg_no}",
                                                  self.opt.ack_timeout_s)
        self.retries += attempts
        return ack

    async def checkpoint(self) -> None:
        """Every group's latest readings and open incidents, and every district's units, each stamped with
        the stream sequence they include; a group that emptied is written empty, so a stale incident (or
        a unit that left the district) cannot come back from it."""
        async with self._lock:
            upto = self.last_seq
            groups = self.mirror.groups()
            bodies = {g: self.mirror.group_body(g) for g in groups | self._checkpointed}
            unit_districts = self.mirror.unit_districts()
            units = {d: self.mirror.units_of(d) for d in unit_districts | self._units_checkpointed}
        await asyncio.gather(*(self.kv.put(checkpoint_key(*g), orjson.dumps({"upto": upto, "values": rows,
                                                                                "events": evs}))
                               for g, (rows, evs) in bodies.items()),
                             *(self.kv.put(units_checkpoint_key(d), orjson.dumps({"upto": upto, "units": us}))
                               for d, us in units.items()))
        self._checkpointed = groups
        self._units_checkpointed = unit_districts
        self.checkpoints += 1

    # ------------------------------------------------------------------ the clock
    async def _tick_loop(self) -> None:
        pacer = SamplePacer(self.city, self.opt.rate)
        next_units_mono = 0.0
        while self._running:
            await asyncio.sleep(self.opt.tick_s)
            if not self._running:
                break
            try:
                mono = time.monotonic()
                now = self.sim_now()
                sids, ts, vals = pacer.take(now, mono)
                await self.publish_samples(sids, ts, vals)
                for ev in self.city.new_incidents(now) + self.city.auto_progress(now):
                    await self.publish_event(ev)
                if self.fleet is not None and mono >= next_units_mono:
                    next_units_mono = mono + self.opt.units_every_s
                    await self.publish_units(self.fleet.step(now, self.city.events))
            except asyncio.CancelledError:
                raise
            except Exception:  # a broker hiccup (leader election, reconnect) must not end the feed
                log.exception("publishing a tick failed; going on")

    async def _checkpoint_loop(self) -> None:
        while True:
            await asyncio.sleep(self.opt.checkpoint_s)
            try:
                await self.checkpoint()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("checkpoint failed (%s); the next one will try again", type(exc).__name__)
