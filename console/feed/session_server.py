"""`ClientSession`s over WebSocket (asyncio): the I/O half of a `cityops.feed/1` server.

`SessionServer` accepts connections, feeds what each client sends into its session, writes out what the
session queued and hands the session's events to a back end. The built-in simulator and the NATS hub
each run one; they differ only in their back end (`FeedBackend`): where the catalog, the snapshot and
the stream come from, and what a command does.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
from collections.abc import Coroutine, Iterator
from typing import Any, Protocol

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from console.feed.client_session import ClientSession, Close, Command, Filters, Resync, SessionOptions, Subscribe


class FeedBackend(Protocol):
    """What a server serves. The handlers run in the event loop and must not block: anything that waits
    goes to `client.spawn`."""

    def identity(self) -> tuple[str, str]:
        """(source, level) for the `hello` frame."""
        ...

    def server_time(self) -> float: ...

    def on_subscribe(self, client: Client, filters: Filters) -> None:
        """Queue the catalog, any history and a snapshot, then `client.session.start_stream(filters)`."""
        ...

    def on_resync(self, client: Client) -> None: ...

    def on_command(self, client: Client, frame: dict[str, Any]) -> None: ...


class Client:
    """One connection: its session, and what needs the socket or the event loop."""

    def __init__(self, ws: ServerConnection, session: ClientSession):
        self.ws = ws
        self.session = session
        self.tasks: set[asyncio.Task] = set()  # the back end's work for this client, cancelled when it goes
        self._ready = asyncio.Event()  # the session queued something
        self._room = asyncio.Event()  # a frame went out
        session.wake = self._ready.set

    def spawn(self, coro: Coroutine) -> None:
        task = asyncio.create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def close(self, code: int, reason: str) -> None:
        await self.ws.close(code, reason)

    def abort(self) -> None:
        """Cut the line without a closing handshake (fault injection)."""
        self.ws.transport.abort()

    async def put_all(self, frames: list[bytes]) -> None:
        """Queue frames as room frees up instead of dropping them (a benchmark's burst is never dropped)."""
        s = self.session
        for data in frames:
            # an empty outbox without room is a frame beyond the byte bound: send_bytes drops it, as always
            while not s.has_room(len(data)) and s.queued_bytes > 0 and s.closing is None:
                self._room.clear()
                await self._room.wait()
            s.send_bytes(data)


class SessionServer:
    def __init__(self, backend: FeedBackend, options: SessionOptions):
        self.backend = backend
        self.options = options
        self._clients: set[Client] = set()
        self._server: Server | None = None
        self.port: int | None = None
        self.sessions_total = 0
        self.frames_sent = 0
        self._dropped_by_gone = 0  # frames dropped for clients no longer connected

    def __iter__(self) -> Iterator[Client]:
        return iter(list(self._clients))  # a copy: handlers may add or remove clients meanwhile

    def __len__(self) -> int:
        return len(self._clients)

    def subscribed(self) -> list[Client]:
        return [c for c in self._clients if c.session.subscribed]

    @property
    def frames_dropped(self) -> int:
        return self._dropped_by_gone + sum(c.session.dropped for c in self._clients)

    async def start(self, host: str, port: int, *, max_size: int, compression: str | None = None,
                    ssl: ssl.SSLContext | None = None) -> int:
        self._server = await serve(self._handle, host, port, ssl=ssl, max_size=max_size, compression=compression,
                                   ping_interval=20, ping_timeout=20)
        self.port = next(iter(self._server.sockets)).getsockname()[1]
        return self.port

    async def stop(self) -> None:
        if self._server:
            self._server.close(close_connections=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._server.wait_closed(), 3.0)

    def tick(self, now: float | None = None) -> None:
        """Heartbeats that are due (call often compared with the heartbeat interval)."""
        now = time.monotonic() if now is None else now
        for c in list(self._clients):
            c.session.tick(now)

    async def _handle(self, ws: ServerConnection) -> None:
        source, level = self.backend.identity()
        session = ClientSession(self.options, source=source, level=level, server_time=self.backend.server_time,
                                now=time.monotonic(),
                                authorization=ws.request.headers.get("Authorization") if ws.request else None)
        client = Client(ws, session)
        self._clients.add(client)
        self.sessions_total += 1
        writer = asyncio.create_task(self._write(client))
        try:
            async for msg in ws:
                event = session.receive(msg)
                if isinstance(event, Subscribe):
                    self.backend.on_subscribe(client, event.filters)
                elif isinstance(event, Resync):
                    self.backend.on_resync(client)
                elif isinstance(event, Command):
                    self.backend.on_command(client, event.frame)
        except ConnectionClosed:
            pass
        finally:
            self._clients.discard(client)
            self._dropped_by_gone += session.dropped
            for t in list(client.tasks):
                t.cancel()
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writer

    async def _write(self, client: Client) -> None:
        # one frame at a time: while the socket is slow, frames wait in the session's bounded outbox,
        # which is where a client that cannot keep up loses them
        with contextlib.suppress(ConnectionClosed):
            while True:
                item = client.session.next_outgoing()
                if item is None:
                    client._ready.clear()
                    await client._ready.wait()
                elif isinstance(item, Close):
                    await client.ws.close(item.code, item.reason)
                    return
                else:
                    await client.ws.send(item, text=True)
                    self.frames_sent += 1
                    client._room.set()
