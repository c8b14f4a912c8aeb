"""LiveSource: WebSocket connections to one or more feed servers, kept alive whatever the network does.

Per feed: token auth, subscribe, a watchdog that declares the feed stale and then reconnects when it
goes quiet, exponential backoff with jitter, and `seq` checking that asks for a resync on a gap.

With `LiveOptions.reader_thread` the connections live on a thread of their own (its own asyncio loop):
reading, parsing and checking every frame happen there, and the caller's loop (the GUI's, under qasync)
only hands the checked frames to the listeners, in order, a few milliseconds at a time. A full inbox
stops the reading (the socket's flow control then holds the server back), so nothing is dropped.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import threading
import time
from dataclasses import dataclass

import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus, InvalidURI

from console.feed.backoff import backoff_delay
from console.feed.decoder import Decoder, Reason
from console.feed.feed_health import FeedHealth, FeedState
from console.feed.frames import ErrorFrame, EventFrame, Heartbeat, Hello, Samples, Snapshot, Unknown
from console.feed.protocol import DEFAULT_MAX_FRAME_BYTES, PROTOCOL, FrameType
from console.feed.source import Envelope, Source
from console.privacy.websocket_logs import install as mask_secrets_in_logs

log = logging.getLogger(__name__)
REJECT_LOG_EVERY_S = 60
mask_secrets_in_logs()


@dataclass(frozen=True)
class FeedConfig:
    url: str
    name: str = ""
    token: str | None = None
    regions: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    topics: tuple[str, ...] = ("samples", "events")
    alternates: tuple[str, ...] = ()  # more hubs serving the same feed: the next is tried when one fails

    @property
    def label(self) -> str:
        return self.name or self.url

    @property
    def urls(self) -> tuple[str, ...]:
        return (self.url, *self.alternates)


@dataclass(frozen=True)
class LiveOptions:
    max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES
    stale_after_s: float = 7.0  # heartbeats come at least every 5 s
    heartbeat_timeout_s: float = 15.0  # then give up on the connection and reconnect
    backoff_base_s: float = 0.5
    backoff_cap_s: float = 30.0
    open_timeout_s: float = 10.0
    # closing (stop, or a connection given up): how long to wait for the server's close frame. Frames
    # not yet read hold reading back (flow control), so a close in the middle of a backlog waits it out.
    close_timeout_s: float = 10.0
    stable_after_s: float = 10.0  # a connection that lived this long resets the backoff
    watchdog_s: float = 1.0  # how often rates, stale marks and silent connections are looked at
    reader_thread: bool = False  # connections, parsing and checks on a thread of their own (see above)
    inbox_frames: int = 2000  # with a reader thread: frames parsed and not yet handed over, at most
    hand_over_s: float = 0.004  # with a reader thread: the caller's loop hands frames over this long a turn


@dataclass
class _Conn:
    ws: ClientConnection | None = None
    last_seq: int | None = None
    awaiting_snapshot: bool = False


class LiveSource(Source):
    def __init__(self, feeds: list[FeedConfig], options: LiveOptions | None = None, now=time.time):
        """`now` stamps each frame's receive time (the recording's and the time-shift's timeline);
        a test of an accelerated feed passes an accelerated one."""
        super().__init__()
        self.now = now
        if not feeds:
            raise ValueError("LiveSource needs at least one feed")
        names = [f.label for f in feeds]
        if len(set(names)) != len(names):
            raise ValueError(f"feed names must be unique: {names}")
        self.feeds = feeds
        self.opt = options or LiveOptions()
        self._health = {f.label: FeedHealth(f.label, f.url) for f in feeds}
        self._conns = {f.label: _Conn() for f in feeds}
        self._tasks: list[asyncio.Task] = []
        self._stopping = False
        self._rejects_logged: dict[str, dict[str, int]] = {}
        self._reader: _ReaderThread | None = None
        self._held_until = 0.0  # monotonic time a hold ends (see Source.hold)
        self._released: asyncio.Event | None = None  # without a reader thread: set when a hold ends

    def health(self) -> list[FeedHealth]:
        return list(self._health.values())

    def hold(self, max_s: float) -> None:
        """Frames wait for up to `max_s`: in the reader's inbox with a reader thread (it reads on, up to
        its bound), else in the socket (the read loop pauses)."""
        self._held_until = time.monotonic() + max_s

    def release(self) -> None:
        self._held_until = 0.0
        if self._released is not None:
            self._released.set()
        if self._reader is not None:
            self._reader.resume()

    def held_for(self) -> float:
        """Seconds left of a hold; 0 when none."""
        return max(0.0, self._held_until - time.monotonic())

    async def _wait_while_held(self) -> None:
        left = self.held_for()
        if left > 0:
            self._released = asyncio.Event()
            # asyncio.timeout, not wait_for: on 3.11 wait_for returned a wait released in the same turn
            # as a cancel and swallowed the cancel (a stop right after a drill then never ended)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(left):
                    await self._released.wait()
        if self.held_for() <= 0:
            self._held_until = 0.0

    @property
    def can_send(self) -> bool:
        return True

    async def start(self) -> None:
        self._stopping = False
        if self.opt.reader_thread:
            self._reader = _ReaderThread(self, asyncio.get_running_loop())
            await self._reader.run(self._start_tasks())
        else:
            await self._start_tasks()

    async def _start_tasks(self) -> None:
        for f in self.feeds:
            self._tasks.append(asyncio.create_task(self._run_feed(f), name=f"feed:{f.label}"))
        self._tasks.append(asyncio.create_task(self._watchdog(), name="feed-watchdog"))

    async def _stop_tasks(self) -> None:
        for t in self._tasks:
            t.cancel()
        for t in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t
        self._tasks.clear()

    async def stop(self) -> None:
        self._stopping = True
        if self._reader is not None:
            await self._reader.run(self._stop_tasks())
            self._reader.close()  # the thread ends; what it parsed is handed over now: nothing is lost
            self._reader = None
        else:
            await self._stop_tasks()
        for h in self._health.values():
            self._log_rejects(h)  # what the last minute refused
            h.state = FeedState.STOPPED
            log.info("feed %s stopped", h.name, extra={"event": "feed_stopped", "feed": h.name,
                                                       "frames": h.frames, "reject_total": h.reject_total})

    async def send(self, feed: str, frame: dict) -> bool:
        """Send a client frame on `feed`'s connection now; False when it is not connected."""
        if self._reader is not None:
            return await self._reader.run(self._send_here(feed, frame))
        return await self._send_here(feed, frame)

    async def _send_here(self, feed: str, frame: dict) -> bool:
        conn = self._conns.get(feed)
        if conn is None or conn.ws is None or self._health[feed].state not in (FeedState.CONNECTED, FeedState.STALE):
            return False
        try:
            await conn.ws.send(orjson.dumps(frame), text=True)
            return True
        except ConnectionClosed:
            return False

    # ------------------------------------------------------------------ one feed, forever
    async def _run_feed(self, feed: FeedConfig) -> None:
        health, conn = self._health[feed.label], self._conns[feed.label]
        attempt = 0
        urls, at = feed.urls, 0
        while not self._stopping:
            health.state = FeedState.CONNECTING if health.connects == 0 else FeedState.RECONNECTING
            started = time.monotonic()
            try:
                await self._session(feed, urls[at], health, conn)
            except asyncio.CancelledError:
                raise
            except ConnectionClosed as exc:
                if exc.sent is not None and exc.sent.code == 1009:  # we refused a frame over our limit
                    health.count_rejects({Reason.OVERSIZED.value: 1})
                    health.last_error = f"frame larger than {self.opt.max_frame_bytes} bytes refused"
                else:
                    code = exc.rcvd.code if exc.rcvd else None
                    health.last_error = f"connection closed ({code}): {exc.rcvd.reason if exc.rcvd else ''}"
            except InvalidStatus as exc:
                health.last_error = f"server refused the connection: HTTP {exc.response.status_code}"
            except (OSError, InvalidHandshake, InvalidURI, TimeoutError) as exc:
                health.last_error = f"{type(exc).__name__}: {exc}"[:200]
            except Exception as exc:  # keep the feed alive whatever went wrong; the log has the detail
                log.exception("feed %s failed", feed.label)
                health.last_error = f"{type(exc).__name__}: {exc}"[:200]
            conn.ws = None
            if self._stopping:
                break
            if time.monotonic() - started >= self.opt.stable_after_s:
                attempt = 0
            if health.state != FeedState.AUTH_FAILED:
                health.state = FeedState.RECONNECTING
            at = (at + 1) % len(urls)  # with several hubs, the next one; the backoff grows per round of them
            delay = backoff_delay(attempt // len(urls), self.opt.backoff_base_s, self.opt.backoff_cap_s)
            log.warning("feed %s: %s; reconnecting in %.1f s", feed.label, health.last_error, delay,
                        extra={"event": "feed_disconnected", "feed": feed.label, "error": health.last_error,
                               "retry_in_s": round(delay, 1), "feed_state": health.state.value})
            attempt += 1
            health.reconnects += 1
            await asyncio.sleep(delay)

    async def _session(self, feed: FeedConfig, url: str, health: FeedHealth, conn: _Conn) -> None:
        headers = {"Authorization": f"Bearer {feed.token}"} if feed.token else None
        async with connect(
            url,
            additional_headers=headers,
            max_size=self.opt.max_frame_bytes,
            open_timeout=self.opt.open_timeout_s,
            close_timeout=self.opt.close_timeout_s,
            ping_interval=20,
            ping_timeout=20,
            proxy=None,  # a control-room LAN: never route feeds through an environment proxy
        ) as ws:
            conn.ws, conn.last_seq, conn.awaiting_snapshot = ws, None, False
            if health.connects and url != health.url:
                health.failovers += 1
            health.connects += 1
            health.url = url
            health.last_frame_mono = time.monotonic()
            health.state = FeedState.CONNECTED
            log.info("feed %s connected to %s", feed.label, url,
                     extra={"event": "feed_connected", "feed": feed.label, "url": url,
                            "connects": health.connects})
            if feed.token:
                await ws.send(orjson.dumps({"type": FrameType.AUTH, "token": feed.token}), text=True)
            sub: dict = {"type": FrameType.SUBSCRIBE, "topics": list(feed.topics)}
            if feed.regions:
                sub["regions"] = list(feed.regions)
            if feed.domains:
                sub["domains"] = list(feed.domains)
            await ws.send(orjson.dumps(sub), text=True)
            if health.connects > 1:
                health.resyncs += 1  # after a reconnect, the subscribe's snapshot re-synchronises the state
            self._emit_connected(feed.label)
            decoder = Decoder(self.opt.max_frame_bytes)
            slice_start = time.perf_counter()
            while True:
                raw = await ws.recv(decode=False)
                await self._on_frame(feed, health, conn, decoder, raw)
                if self._reader is not None:
                    if self._reader.full():
                        await self._reader.room()  # the listeners are behind: stop reading until they catch up
                elif self._held_until:
                    await self._wait_while_held()
                # a backlog of frames is handed over without suspending; after a few ms of them, let
                # the loop (and, under qasync, the GUI) run before taking the next
                if time.perf_counter() - slice_start > 0.004:
                    await asyncio.sleep(0)
                    slice_start = time.perf_counter()

    async def _on_frame(self, feed: FeedConfig, health: FeedHealth, conn: _Conn, decoder: Decoder, raw) -> None:
        recv_ts = self.now()
        health.last_frame_mono = time.monotonic()
        if health.state == FeedState.STALE:
            health.state = FeedState.CONNECTED
        health.frames += 1
        health.bytes += len(raw)
        d = decoder.decode(raw)
        if d.rejects:
            health.count_rejects(d.rejects)
            if d.frame is None:
                health.last_error = f"rejected frame: {next(iter(d.rejects))} ({d.detail})"[:200]
                log.debug("feed %s: %s", feed.label, health.last_error)  # a minute's rejects are summed below
        health.unknown_fields += d.unknown_fields
        f = d.frame
        if isinstance(f, Samples | EventFrame | Snapshot):
            ok, resync = self._check_seq(f, health, conn)
            if resync:
                with contextlib.suppress(ConnectionClosed):
                    await conn.ws.send(orjson.dumps({"type": FrameType.RESYNC}), text=True)
            if not ok:
                return
        if isinstance(f, Samples):
            health.samples += len(f.batch)
        elif isinstance(f, EventFrame):
            health.events += 1
        elif isinstance(f, Snapshot):
            health.samples += len(f.values)
            health.events += len(f.events)
        elif isinstance(f, Heartbeat):
            if f.server_time > 0:
                health.clock_offset = f.server_time - recv_ts
        elif isinstance(f, Hello):
            health.source = f.source
            if f.server_time > 0:
                health.clock_offset = f.server_time - recv_ts
            if not f.protocol.startswith(PROTOCOL):
                health.last_error = f"server speaks {f.protocol[:40]!r}, this console {PROTOCOL}"
                log.error("feed %s: %s", feed.label, health.last_error)
        elif isinstance(f, ErrorFrame):
            health.last_error = f"server error {f.code}: {f.message}"[:200]
            log.warning("feed %s: %s", feed.label, health.last_error)
            if f.code == "unauthorized":
                health.state = FeedState.AUTH_FAILED
        elif isinstance(f, Unknown):
            health.unknown_types += 1
        self._emit(Envelope(feed.label, recv_ts, raw, d, health))

    def _emit(self, env: Envelope) -> None:
        if self._reader is not None and self._reader.is_current():
            self._reader.post(env)
        else:
            super()._emit(env)

    def _emit_connected(self, feed: str) -> None:
        if self._reader is not None and self._reader.is_current():
            self._reader.post(feed)  # in order with the frames around it
        else:
            super()._emit_connected(feed)

    @staticmethod
    def _check_seq(f, health: FeedHealth, conn: _Conn) -> tuple[bool, bool]:
        """Track `seq`. Returns (keep this frame, ask for a resync now): an old seq is dropped, a jump
        asks once for a fresh snapshot. Not a coroutine: it runs for every frame."""
        if isinstance(f, Snapshot):
            conn.last_seq, conn.awaiting_snapshot = f.seq, False
            return True, False
        last = conn.last_seq
        resync = False
        if last is not None and f.seq != last + 1:
            if f.seq <= last:
                health.count_rejects({"seq_regression": 1})
                return False, False
            health.gaps += 1
            health.missed_frames += f.seq - last - 1
            if not conn.awaiting_snapshot and conn.ws is not None:
                conn.awaiting_snapshot = resync = True
                health.resyncs += 1
                log.warning("feed %s: seq jumped %d -> %d; asking for a resync", health.name, last, f.seq)
        conn.last_seq = f.seq
        return True, resync

    def _log_rejects(self, h: FeedHealth) -> None:
        """One line per feed and minute with the rejects by reason since the last line: a feed sending
        garbage cannot flood the log, and the log still says what was refused and why."""
        seen = self._rejects_logged.setdefault(h.name, {})
        delta = {r: n - seen.get(r, 0) for r, n in h.rejects.items() if n > seen.get(r, 0)}
        if delta:
            log.warning("feed %s: %d frame(s) or item(s) rejected in the last minute: %s", h.name,
                        sum(delta.values()), ", ".join(f"{r} {n}" for r, n in sorted(delta.items())),
                        extra={"event": "feed_rejects", "feed": h.name, "rejects": delta, "last_error": h.last_error})
            self._rejects_logged[h.name] = dict(h.rejects)

    async def _watchdog(self) -> None:
        """Every `watchdog_s`: rates, stale marks, and closing connections that went silent."""
        logged = time.monotonic()
        while True:
            await asyncio.sleep(self.opt.watchdog_s)
            now = time.monotonic()
            log_rejects = now - logged >= REJECT_LOG_EVERY_S
            if log_rejects:
                logged = now
            for name, h in self._health.items():
                h.update_rates(now)
                if log_rejects:
                    self._log_rejects(h)
                age = h.last_frame_age(now)
                conn = self._conns[name]
                if conn.ws is None or age is None:
                    continue
                if age > self.opt.heartbeat_timeout_s:
                    h.last_error = f"no frame for {age:.0f} s (heartbeat timeout)"
                    log.warning("feed %s: %s; dropping the connection", name, h.last_error)
                    if conn.ws.transport is not None:
                        conn.ws.transport.abort()
                elif age > self.opt.stale_after_s and h.state == FeedState.CONNECTED:
                    h.state = FeedState.STALE


class _ReaderThread:
    """The thread LiveSource's connections run on (with `reader_thread`), and the inbox from it to the
    caller's loop: frames and connect marks, handed to the listeners on the caller's loop in order."""

    def __init__(self, source: LiveSource, home: asyncio.AbstractEventLoop):
        self.source, self.home = source, home
        self.limit, self.turn_s = source.opt.inbox_frames, source.opt.hand_over_s
        self.inbox: collections.deque[Envelope | str] = collections.deque()
        self._handing = False  # a hand-over is scheduled on the home loop
        self.loop = asyncio.new_event_loop()
        self._room = asyncio.Event()  # belongs to self.loop: set when the inbox has room again
        self._thread = threading.Thread(target=self._serve, name="feed-reader", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    async def run(self, coro):
        """Run `coro` on the reader's loop and wait for it from the home loop."""
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, self.loop))

    def is_current(self) -> bool:
        return threading.current_thread() is self._thread

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        if not self._thread.is_alive():
            self.loop.close()
        self._hand_over(everything=True)

    # ------------------------------------------------------------ reader side
    def post(self, item: Envelope | str) -> None:
        self.inbox.append(item)
        if not self._handing:
            self._handing = True
            self.home.call_soon_threadsafe(self._hand_over)

    def full(self) -> bool:
        return len(self.inbox) >= self.limit

    async def room(self) -> None:
        self._room.clear()
        if self.full():
            await self._room.wait()

    # ------------------------------------------------------------ home side
    def resume(self) -> None:
        """A hold ended early: hand over now what waited."""
        if self.inbox:
            self._handing = True
            self.home.call_soon(self._hand_over)

    def _hand_over(self, everything: bool = False) -> None:
        """Hand the inbox's frames to the listeners for one turn of the home loop (or all of them)."""
        held = self.source.held_for()
        if held > 0 and not everything:  # the GUI draws first; what waits is handed over after
            self.home.call_later(held, self._hand_over)
            return
        end = None if everything else time.perf_counter() + self.turn_s
        emit, connected = Source._emit, Source._emit_connected
        while self.inbox and (end is None or time.perf_counter() < end):
            item = self.inbox.popleft()
            if isinstance(item, str):
                connected(self.source, item)
            else:
                emit(self.source, item)
        if len(self.inbox) < self.limit // 2 and not self.loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop stopped meanwhile
                self.loop.call_soon_threadsafe(self._room.set)
        if everything:
            return
        if self.inbox:
            self.home.call_soon(self._hand_over)  # the rest on the next turn: the GUI runs between
        else:
            self._handing = False
            if self.inbox:  # posted after the loop above saw it empty, before the flag was down
                self._handing = True
                self.home.call_soon(self._hand_over)
