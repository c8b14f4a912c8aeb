"""`cityops bridge cap`: CAP 1.2 alerts from a watched folder and HTTP(S) feeds into the city stream.

Why the stream and not a feed server of its own: a console connects to one feed (its hubs); the hubs
already serve everything on the stream to every console, filtered by region, with checkpoints and
failover. So the bridge publishes each incident the way the simulator's publisher does
(console/bridges/stream_writer.py), checkpoints its own groups, and is the authority for its incidents
(ids `cap:…`, commands on `city.commands.cap`), so a duty officer can acknowledge and dispatch an
upper-level warning like any other incident. Its own memory (which alert began which chain, what
expires when) is kept in the key-value bucket under `bridge.cap`, so a restart loses nothing.

A bad alert is refused with a counted reason and moved to `rejected/`; nothing stops the bridge.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import orjson
from nats.js.errors import KeyNotFoundError

from console.bridges.cap.alert import parse_alert, read_alert
from console.bridges.cap.book import OWNER, CapIncidentBook
from console.bridges.cap.safe_xml import DEFAULT_MAX_BYTES, Refused
from console.bridges.cap.sources import FeedSource, FolderSource, Item
from console.bridges.stream_writer import StreamWriter, cancel_all, every, run_bridge
from console.feed.frames import Event
from console.jetstream.authority import Authority
from console.jetstream.layout import commands_subject

log = logging.getLogger(__name__)
STATE_KEY = f"bridge.{OWNER}"


@dataclass
class CapBridgeOptions:
    folder: Path | None = None
    feeds: tuple[str, ...] = ()
    folder_poll_s: float = 2.0
    feed_poll_s: float = 30.0
    max_bytes: int = DEFAULT_MAX_BYTES
    fetch_timeout_s: float = 10.0
    ssl_context: ssl.SSLContext | None = None  # https feeds: the site's CA (default: the system's)
    checkpoint_s: float = 30.0
    expire_check_s: float = 5.0


class CapIngest:
    """Items to incidents, counting what was refused (by reason) and what changed nothing (by why).
    No I/O: the bridge below publishes what this returns."""

    def __init__(self, book: CapIncidentBook, max_bytes: int = DEFAULT_MAX_BYTES):
        self.book = book
        self.max_bytes = max_bytes
        self.alerts = 0
        self.rejected: Counter[str] = Counter()

    def ingest(self, item: Item, now: float) -> tuple[list[Event], Refused | None]:
        try:
            if item.refused is not None:
                raise item.refused
            alert = read_alert(item.element) if item.element is not None else parse_alert(item.data, self.max_bytes)
        except Refused as exc:
            self.rejected[exc.reason.value] += 1
            log.warning("CAP alert from %s refused: %s", item.origin[:200], exc)
            return [], exc
        self.alerts += 1
        return self.book.apply_alert(alert, now).events, None


class _Desk:
    """The three parts Authority needs of a publisher, for the bridge's own incidents."""

    def __init__(self, bridge: CapBridge):
        self.city = bridge.book
        self._bridge = bridge

    @staticmethod
    def sim_now() -> float:
        return time.time()

    async def publish_event(self, ev: Event) -> None:
        await self._bridge.publish([ev])


class CapBridge:
    def __init__(self, nc, writer: StreamWriter, kv, book: CapIncidentBook, options: CapBridgeOptions):
        self.nc = nc
        self.writer = writer
        self.kv = kv
        self.book = book
        self.opt = options
        self.ingest = CapIngest(book, options.max_bytes)
        self.folder = FolderSource(options.folder, options.max_bytes) if options.folder else None
        self.feeds = [FeedSource(u, options.max_bytes, options.fetch_timeout_s, options.ssl_context)
                      for u in options.feeds]
        self.authority = Authority(nc, _Desk(self), subject=commands_subject(f"{OWNER}:x"), queue=f"authority-{OWNER}")
        self._tasks: list[asyncio.Task] = []
        self._change = asyncio.Lock()  # an alert and an operator's command never interleave
        self.published = 0

    async def start(self) -> None:
        await self._restore()
        await self.authority.start()
        await self.writer.checkpoint()
        loops = [(self._expire_round, self.opt.expire_check_s), (self.writer.checkpoint, self.opt.checkpoint_s)]
        if self.folder:
            loops.append((self.folder_round, self.opt.folder_poll_s))
        if self.feeds:
            loops.append((self.feed_round, self.opt.feed_poll_s))
        self._tasks = [asyncio.create_task(every(fn, s, "CAP", first_now=True), name=f"cap-{fn.__name__}")
                       for fn, s in loops]

    async def stop(self) -> None:
        await self.authority.stop()
        await cancel_all(self._tasks)
        with contextlib.suppress(Exception):
            await self.writer.checkpoint()

    # ------------------------------------------------------------------ rounds
    async def folder_round(self) -> None:
        items = await asyncio.to_thread(self.folder.poll)
        for item in items:
            refused = await self._take(item)
            await asyncio.to_thread(self.folder.settle, item, refused)

    async def feed_round(self) -> None:
        for feed in self.feeds:
            for item in await asyncio.to_thread(feed.poll):
                await self._take(item)

    async def _take(self, item: Item) -> Refused | None:
        async with self._change:
            events, refused = self.ingest.ingest(item, time.time())
        await self.publish(events)
        return refused

    async def _expire_round(self) -> None:
        async with self._change:
            events = self.book.expire(time.time())
        await self.publish(events)

    async def publish(self, events: list[Event]) -> None:
        if not events:
            return
        for ev in events:
            await self.writer.publish_event(ev)
        self.published += len(events)
        await self._save()

    # ------------------------------------------------------------------ memory
    async def _save(self) -> None:
        await self.kv.put(STATE_KEY, orjson.dumps(self.book.state()))

    async def _restore(self) -> None:
        try:
            entry = await self.kv.get(STATE_KEY)
        except KeyNotFoundError:
            return
        self.book.restore(orjson.loads(entry.value))
        for ev in self.book.events.values():
            self.writer.mirror.apply_event(ev.to_wire())
        log.info("CAP bridge: %d open warnings restored", len(self.book.events))

    def summary(self) -> dict:
        return {"alerts": self.ingest.alerts, "incidents_published": self.published,
                "open_incidents": len(self.book.events), "rejected": dict(self.ingest.rejected),
                "skipped": dict(self.book.skipped), "commands": self.authority.answered, **self.writer.summary()}


async def catalog_regions(kv) -> dict:
    """The regions of the catalog the stream's publisher wrote, else Shanghai's shipped list: the GB/T 2260
    codes a warning's geocodes are matched against."""
    from console.feed.decoder import decode_region
    from console.jetstream.layout import CATALOG_KEY
    from console.simulator.city_catalog import load_regions

    try:
        doc = orjson.loads((await kv.get(CATALOG_KEY)).value)
        regions = [decode_region(r) for r in doc.get("regions", [])]
    except KeyNotFoundError:
        regions = []
    if not regions:
        regions = list(load_regions())
    return {r.code: r for r in regions}


async def serve_cap_bridge(urls: list[str], creds: Path | None, options: CapBridgeOptions, mapping: Path | None,
                           duration: float | None, stats_json: Path | None) -> None:
    from console.bridges.cap.mapping import load_mapping
    from console.jetstream.connect import connect, load_creds
    from console.jetstream.layout import BUCKET

    table = load_mapping(mapping)
    nc = await connect(urls, load_creds(creds, "bridge"), "cityops-bridge-cap")
    js = nc.jetstream()
    kv = await js.key_value(BUCKET)
    book = CapIncidentBook(table, await catalog_regions(kv))
    bridge = CapBridge(nc, StreamWriter(js, kv, OWNER), kv, book, options)
    await bridge.start()
    print(f"CAP bridge: folder {options.folder or '-'}, {len(options.feeds)} feed(s)", flush=True)

    await run_bridge(bridge, nc, "CAP", stats_json, duration, stats_every_s=2.0)
