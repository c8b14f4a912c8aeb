"""LiveSource against real local servers: the simulator, and small hostile ones written here."""

import asyncio
from dataclasses import replace

from websockets.asyncio.server import serve

from console.feed.feed_health import FeedState
from console.feed.live_source import FeedConfig, LiveOptions, LiveSource
from console.model.city_state import CityState
from console.model.ingest import Ingest
from console.simulator.run import CityOptions, make_server
from console.simulator.server import ServerOptions
from tests.aio import until
from tests.frames_factory import catalog, dumps, event, hello, samples
from tests.live import FAST

CITY = CityOptions(seed=9, incident_rate_per_min=20, history_s=300)  # five minutes of past: enough to resync


async def with_sim(opts: ServerOptions, body, live: LiveOptions = FAST, token=None, city=None, port=0):
    server = make_server(city or CITY, opts)
    port = await server.start(port=port)
    state = CityState()
    src = LiveSource([FeedConfig(f"ws://127.0.0.1:{port}", "city", token)], live)
    src.add_listener(Ingest(state))
    await src.start()
    try:
        return await body(server, src, state, src.health()[0])
    finally:
        await src.stop()
        await server.stop()


def test_frames_flow_into_city_state():
    async def body(server, src, state, h):
        await until(lambda: h.samples > 500 and len(state.incidents.open) > 0, what="samples and incidents")
        assert h.state is FeedState.CONNECTED and h.source == "shanghai-city"
        assert h.reject_total == 0 and h.gaps == 0
        assert len(state.series_keys) > 400

    asyncio.run(with_sim(ServerOptions(speed=60), body))


def test_dropped_connection_reconnects_and_resyncs():
    async def body(server, src, state, h):
        await until(lambda: h.samples > 100)
        await server.kick_all()
        await until(lambda: h.connects == 2 and h.state is FeedState.CONNECTED, what="reconnect")
        before = h.samples
        await until(lambda: h.samples > before + 50, what="samples after reconnect")
        assert h.reconnects == 1 and h.resyncs == 1 and "1012" in h.last_error

    asyncio.run(with_sim(ServerOptions(speed=60), body))


def test_seq_gap_triggers_resync():
    async def body(server, src, state, h):
        await until(lambda: h.resyncs >= 2, what="resyncs")
        assert h.gaps >= 2 and h.missed_frames >= 2 and h.reject_total == 0 and h.connects == 1

    asyncio.run(with_sim(ServerOptions(speed=120, skip_seq_every=10), body))


def test_token_auth_good_and_bad():
    async def good(server, src, state, h):
        await until(lambda: h.samples > 10)
        assert h.state is FeedState.CONNECTED

    async def bad(server, src, state, h):
        await until(lambda: h.state is FeedState.AUTH_FAILED or "unauthorized" in h.last_error, what="refusal")
        assert h.samples == 0
        assert "s3cret" not in h.last_error

    asyncio.run(with_sim(ServerOptions(speed=60, token="s3cret"), good, token="s3cret"))
    asyncio.run(with_sim(ServerOptions(speed=60, token="s3cret"), bad, token="wrong"))


def test_server_vanishes_and_comes_back_on_the_same_port(free_port):
    port = free_port

    async def body(server, src, state, h):
        await until(lambda: h.samples > 10)
        await server.stop()
        await until(lambda: h.state is FeedState.RECONNECTING and h.reconnects >= 2, what="retrying")
        again = make_server(CITY, ServerOptions(speed=60))
        await again.start(port=port)
        try:
            await until(lambda: h.state is FeedState.CONNECTED and h.connects >= 2, what="back")
        finally:
            await again.stop()

    asyncio.run(with_sim(ServerOptions(speed=60), body, port=port))


async def with_raw_server(frames_then, body, live: LiveOptions = FAST, max_size=None):
    """A hand-written server: sends hello + catalog, then whatever `frames_then` sends."""
    async def handler(ws):
        await ws.send(hello().decode())
        await ws.recv()  # subscribe
        await ws.send(catalog().decode())
        await frames_then(ws)
        await ws.wait_closed()

    async with serve(handler, "127.0.0.1", 0, max_size=max_size) as srv:
        port = next(iter(srv.sockets)).getsockname()[1]
        state = CityState()
        src = LiveSource([FeedConfig(f"ws://127.0.0.1:{port}", "raw")], live)
        src.add_listener(Ingest(state))
        await src.start()
        try:
            return await body(src, state, src.health()[0])
        finally:
            await src.stop()


def test_hostile_frames_are_counted_and_nothing_else_is_lost():
    async def frames(ws):
        await ws.send("{broken")
        await ws.send('{"type":"samples","seq":1,"samples":[["traffic.congestion_index","310101",1,NaN]]}')
        await ws.send(samples(2, [["traffic.congestion_index", "310101", 10.0, 3.0], ["nope", "310101", 10.0, 1.0],
                                  ["traffic.congestion_index", "310101", 11.0, "7"]]).decode())
        title = '<script>alert(1)</script><img src=x onerror=alert(2)>'
        await ws.send(dumps({"type": "event", "seq": 3, "event": event("E1", title=title)}).decode())
        await ws.send(b"\x00\x01binary")  # a binary frame is not JSON text
        await ws.send(dumps({"type": "future_thing", "x": 1}).decode())
        await ws.send(samples(4, [["traffic.congestion_index", "310104", 12.0, 9.0]]).decode())

    async def body(src, state, h):
        await until(lambda: h.frames >= 9, what="all frames")
        await asyncio.sleep(0.1)
        assert h.rejects == {"bad_json": 2, "non_finite_number": 1, "unknown_indicator": 1, "bad_sample": 1}
        assert h.unknown_types == 1
        assert state.latest("traffic.congestion_index", "310101") == (10.0, 3.0)
        assert state.latest("traffic.congestion_index", "310104") == (12.0, 9.0)
        assert state.incidents.open["E1"].title == '<script>alert(1)</script><img src=x onerror=alert(2)>'
        assert h.state is FeedState.CONNECTED and h.connects == 1

    asyncio.run(with_raw_server(frames, body))


def test_five_megabyte_frame_is_refused_counted_and_the_feed_recovers():
    connections = []

    async def frames(ws):
        connections.append(ws)
        if len(connections) > 1:  # the next connection: an ordinary reading, newer than the huge frame's
            await ws.send(samples(1, [["traffic.congestion_index", "310101", 20_000.0, 2.0]]).decode())
            return
        await ws.send(samples(1, [["traffic.congestion_index", "310101", 1.0, 1.0]]).decode())
        # (its readings within a day of the others: the model keeps 24 h of history)
        huge = samples(2, [["traffic.congestion_index", "310101", 2.0 + i / 10, 1.0] for i in range(120_000)])
        assert len(huge) > 5_000_000
        await ws.send(huge.decode())

    async def body(src, state, h):
        await until(lambda: state.latest("traffic.congestion_index", "310101") == (20_000.0, 2.0),
                    what="the reading sent after the reconnect")
        assert h.rejects == {"oversized_frame": 1} and h.connects == 2 and h.state is FeedState.CONNECTED
        assert "larger than 1048576 bytes refused" in h.last_error  # what the status bar says went wrong
        assert state.history("traffic.congestion_index", "310101")[0].tolist() == [1.0, 20_000.0]

    asyncio.run(with_raw_server(frames, body))


def test_silent_server_goes_stale_then_reconnects():
    async def frames(ws):
        return  # and then nothing at all: no heartbeats

    async def body(src, state, h):
        await until(lambda: h.state is FeedState.STALE, timeout=5, what="stale")
        await until(lambda: h.connects >= 2, timeout=8, what="reconnect after heartbeat timeout")
        assert h.reconnects >= 1

    quick = replace(FAST, stale_after_s=0.2, heartbeat_timeout_s=0.4, watchdog_s=0.05)
    asyncio.run(with_raw_server(frames, body, quick))


def test_seq_regression_is_rejected():
    async def frames(ws):
        for seq in (1, 2, 2, 1, 3):
            await ws.send(samples(seq, [["traffic.congestion_index", "310101", float(seq * 10 + 1), 1.0]]).decode())

    async def body(src, state, h):
        await until(lambda: h.frames >= 7)
        await asyncio.sleep(0.05)
        assert h.rejects == {"seq_regression": 2} and h.gaps == 0

    asyncio.run(with_raw_server(frames, body))


def test_commands_go_out_and_replies_come_back():
    replies = []

    async def body(server, src, state, h):
        src.add_listener(lambda env: replies.append(env.decoded.frame)
                         if type(env.decoded.frame).__name__ == "Reply" else None)
        await until(lambda: len(state.incidents.open) > 0)
        ev = next(iter(state.incidents.open.values()))
        frame = {"type": "command", "id": "c-77", "op": "acknowledge", "event_id": ev.id,
                 "expected_version": ev.version, "operator": "值班员", "args": {}}
        assert await src.send("city", frame)
        await until(lambda: replies, what="reply")
        assert replies[0].ok and replies[0].ref == "c-77"
        await until(lambda: state.incidents.get(ev.id).version == ev.version + 1, what="event update")
        assert not await src.send("nope", frame)

    asyncio.run(with_sim(ServerOptions(speed=10), body, city=replace(CITY, auto_handle=0.0)))


def test_failover_to_a_hub_whose_snapshot_lags_keeps_the_incident_its_stream_brings_back():
    """From outside, the protocol page alone: the first hub's snapshot lists E1; the connection drops;
    the next hub's snapshot does not list E1 yet (it lags the stream), then its stream delivers E1 at
    the same version. The console must show E1 open: an open incident the operator never sees is the
    failure this guards against."""
    connections = []

    async def handler(ws):
        connections.append(ws)
        await ws.send(hello().decode())
        await ws.recv()  # subscribe
        await ws.send(catalog().decode())
        if len(connections) == 1:
            await ws.send(dumps({"type": "snapshot", "seq": 1, "values": [], "events": [event("E1", 2)]}).decode())
            await ws.close(1012)
            return
        await ws.send(dumps({"type": "snapshot", "seq": 1, "values": [], "events": []}).decode())
        await ws.send(dumps({"type": "event", "seq": 2, "event": event("E1", 2)}).decode())
        await ws.send(samples(3, [["traffic.congestion_index", "310101", 10.0, 3.0]]).decode())  # a marker
        await ws.wait_closed()

    async def run():
        async with serve(handler, "127.0.0.1", 0) as srv:
            port = next(iter(srv.sockets)).getsockname()[1]
            state = CityState()
            src = LiveSource([FeedConfig(f"ws://127.0.0.1:{port}", "hub")], FAST)
            src.add_listener(Ingest(state))
            await src.start()
            try:
                await until(lambda: state.latest("traffic.congestion_index", "310101") is not None,
                            what="the second hub's stream")
                assert src.health()[0].connects == 2
                assert "E1" in state.incidents.open
            finally:
                await src.stop()

    asyncio.run(run())
