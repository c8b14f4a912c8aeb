"""LiveSource with its connections on a reader thread (`LiveOptions.reader_thread`): the listeners are
still called on the caller's loop, in the order the frames came, nothing is lost when they are slow
(the reader stops reading instead), commands still go out, and stopping hands over what was read."""

import asyncio
import threading
import time
from dataclasses import replace

from console.feed.live_source import FeedConfig, LiveOptions, LiveSource
from console.model.city_state import CityState
from console.model.ingest import Ingest
from console.simulator.run import make_server
from console.simulator.server import ServerOptions
from tests.aio import until
from tests.feed.test_live_source import CITY, with_raw_server
from tests.frames_factory import samples
from tests.live import FAST

THREADED = replace(FAST, reader_thread=True)


def test_listeners_run_on_the_callers_thread_in_the_order_sent_and_a_slow_one_loses_nothing():
    n = 3000  # more than the inbox holds (200 here): the reader has to wait for the listener

    async def frames(ws):
        for i in range(1, n + 1):
            await ws.send(samples(i, [["traffic.congestion_index", "310101", float(i), float(i)]]).decode())

    seen, threads, waiting = [], set(), []

    def slow_listener(env):
        threads.add(threading.current_thread())
        waiting.append(len(src_box[0]._reader.inbox))  # parsed, not yet handed over
        f = env.decoded.frame
        if type(f).__name__ == "Samples":
            seen.append(f.seq)
            if f.seq % 500 == 0:
                time.sleep(0.02)

    src_box = []

    async def body(src, state, h):
        src_box.append(src)
        src.add_listener(slow_listener)
        await until(lambda: len(seen) >= n, timeout=30, what="every frame")
        assert seen == list(range(1, n + 1))
        assert max(waiting) <= 200 + 1  # the reader stopped at the inbox's bound
        assert threads == {threading.current_thread()}  # never the reader's
        assert h.rejects == {} and h.gaps == 0
        assert state.latest("traffic.congestion_index", "310101") == (float(n), float(n))

    asyncio.run(with_raw_server(frames, body, live=replace(THREADED, inbox_frames=200)))


def test_a_threaded_source_reconnects_sends_commands_and_hands_over_what_it_read_when_stopped():
    async def main():
        server = make_server(CITY, ServerOptions(speed=60))
        port = await server.start(port=0)
        state, connected, got = CityState(), [], []
        src = LiveSource([FeedConfig(f"ws://127.0.0.1:{port}", "city")], THREADED)
        src.add_listener(Ingest(state))
        src.add_listener(lambda env: got.append(env.decoded.frame))
        src.add_connect_listener(lambda feed: connected.append((feed, threading.current_thread())))
        await src.start()
        h = src.health()[0]
        try:
            await until(lambda: h.samples > 200 and len(state.incidents.open) > 0, what="samples and incidents")
            await server.kick_all()
            await until(lambda: h.connects == 2 and len(connected) == 2, what="reconnect seen by the listener")
            assert connected == [("city", threading.current_thread())] * 2
            ev = next(iter(state.incidents.open.values()))
            frame = {"type": "command", "id": "c-1", "op": "acknowledge", "event_id": ev.id,
                     "expected_version": ev.version, "operator": "值班员", "args": {}}
            assert await src.send("city", frame)
            await until(lambda: any(type(f).__name__ == "Reply" for f in got), what="reply")
        finally:
            await src.stop()
            await server.stop()
        # everything the reader counted was handed to the listeners before stop returned
        handed = sum(len(f.batch) for f in got if type(f).__name__ == "Samples")
        handed += sum(len(f.values) for f in got if type(f).__name__ == "Snapshot")
        assert handed == h.samples

    asyncio.run(main())


def test_stopping_hands_over_every_frame_already_read():
    n = 300

    async def frames(ws):
        for i in range(1, n + 1):
            await ws.send(samples(i, [["traffic.congestion_index", "310101", float(i), float(i)]]).decode())

    seen = []

    def slow(env):
        if type(env.decoded.frame).__name__ == "Samples":
            seen.append(env.decoded.frame.seq)
            time.sleep(0.005)

    async def body(src, state, h):
        src.add_listener(slow)
        await until(lambda: h.samples >= n, what="the reader has read them all")
        assert len(seen) < n  # the listener is behind: frames wait in the inbox
        await src.stop()
        assert seen == list(range(1, n + 1))

    asyncio.run(with_raw_server(frames, body, live=THREADED))


def test_options_default_to_the_callers_loop():
    assert LiveOptions().reader_thread is False


async def _steady_frames(ws):
    """A frame every 2 ms, numbered from 1, for as long as a test runs."""
    for i in range(1, 100_000):
        await ws.send(samples(i, [["traffic.congestion_index", "310101", float(i), float(i)]]).decode())
        await asyncio.sleep(0.002)


def _held_and_released(live):
    """Frames flow; a hold stops them reaching the listeners while the server goes on sending; a release
    hands every one over, in order; a hold not released ends by itself."""
    seen = []

    async def body(src, state, h):
        src.add_listener(lambda env: seen.append(env.decoded.frame.seq)
                         if type(env.decoded.frame).__name__ == "Samples" else None)
        await until(lambda: len(seen) > 20, what="frames flowing")
        src.hold(30.0)
        await asyncio.sleep(0.05)  # what was already being handed over finishes
        during = len(seen)
        sent_before = h.frames
        await asyncio.sleep(0.4)
        assert len(seen) == during  # nothing handed on while held
        src.release()
        await until(lambda: len(seen) > during + 20, what="frames after the release")
        if live.reader_thread:
            assert h.frames > sent_before  # the reader read on meanwhile, into its inbox
        src.hold(0.2)  # not released: it ends by itself
        await asyncio.sleep(0.05)
        n = len(seen)
        await until(lambda: len(seen) > n + 10, what="frames after a hold ran out")
        assert seen == list(range(1, len(seen) + 1))  # none lost, none out of order

    asyncio.run(with_raw_server(_steady_frames, body, live=live))


def test_a_hold_keeps_frames_from_the_listeners_until_released_without_a_reader_thread():
    _held_and_released(FAST)


def test_a_hold_keeps_frames_from_the_listeners_until_released_with_a_reader_thread():
    _held_and_released(THREADED)


def test_stopping_while_a_hold_is_released_stops():
    """A drill's hold released in the same turn of the loop as the console stops (the last drill before
    closing): the stop ends. Python 3.11's asyncio.wait_for returned the released wait's result and
    swallowed the cancel, so the read loop read on and `stop()` waited for it forever."""
    seen = []

    async def body(src, state, h):
        src.add_listener(lambda env: seen.append(1))
        await until(lambda: len(seen) > 20, what="frames flowing")
        src.hold(30.0)
        await asyncio.sleep(0.1)  # the read loop is waiting for the release
        src.release()
        stopping = asyncio.ensure_future(src.stop())
        done, _ = await asyncio.wait({stopping}, timeout=10)  # not a timing: it ends, or never does
        assert stopping in done, "stop() never ended"
        n = len(seen)
        await asyncio.sleep(0.3)
        assert len(seen) == n  # and nothing is read after it

    asyncio.run(with_raw_server(_steady_frames, body, live=FAST))
