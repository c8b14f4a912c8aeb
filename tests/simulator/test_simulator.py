"""The simulated Shanghai: real districts, enough indicators, rhythms, incidents and the authority."""

import asyncio

import numpy as np
import orjson
from websockets.asyncio.client import connect

from console.feed.decoder import Decoder
from console.feed.frames import Catalog, EventFrame, Reply, Samples, Snapshot
from console.simulator.city_model import SimCity, rhythm
from console.simulator.run import CityOptions, make_server
from console.simulator.server import ServerOptions
from tests.aio import until

T0 = 1_763_856_000.0  # 2025-11-23 08:00 Shanghai time


def test_catalog_is_shanghai():
    city = SimCity(seed=1, start_ts=T0)
    districts = {r.code: r.name_zh for r in city.regions if r.level == "district"}
    assert len(districts) == 16
    assert districts["310101"] == "黄浦区" and districts["310115"] == "浦东新区" and districts["310151"] == "崇明区"
    streets = [r for r in city.regions if r.level == "street"]
    assert all(len(r.code) == 9 and r.code.startswith(r.parent) for r in streets)
    assert {r.parent for r in streets} == set(districts)
    assert len(city.indicators) >= 40
    domains = {i.domain for i in city.indicators}
    assert {"traffic", "metro", "power", "water", "gas", "weather", "air", "crowd", "health", "hotline",
            "safety", "iot"} <= domains


def test_rhythms_have_rush_hours():
    h = lambda hour: T0 + (hour - 8) * 3600  # noqa: E731
    commute = rhythm("commute", np.array([h(3), h(8.2), h(13), h(18)]))
    assert commute[1] > 0.9 and commute[3] > 0.8 and commute[0] < 0.05 and commute[2] < 0.3


def test_same_seed_same_city_and_values_stay_in_range():
    a, b = SimCity(seed=5, start_ts=T0), SimCity(seed=5, start_ts=T0)
    sa, ta, va = a.due_samples(T0 + 3600)
    sb, tb, vb = b.due_samples(T0 + 3600)
    np.testing.assert_array_equal(sa, sb)
    np.testing.assert_array_equal(ta, tb)
    np.testing.assert_array_equal(va, vb)
    assert len(sa) > 1000
    assert np.all(va >= a._lo[sa]) and np.all(va <= a._hi[sa])
    # readings of one series come in time order at the indicator's cadence
    first = np.flatnonzero(sa == sa[0])
    assert np.allclose(np.diff(ta[first]), a._cadence[sa[0]])


def test_incidents_come_from_every_channel_and_close_the_loop_by_themselves():
    city = SimCity(seed=2, start_ts=T0, incident_rate_per_min=5, auto_handle=1.0)
    events = []
    for k in range(1, 8 * 60):
        t = T0 + k * 60
        events += city.new_incidents(t)
        events += city.auto_progress(t)
    sources = {e.source for e in events}
    assert sources == {"sensor", "ai_camera", "grid_officer", "hotline_12345", "upper_level", "media"}
    states = {e.state.value for e in events}
    assert {"new", "acknowledged", "dispatched", "on_scene", "resolved", "closed"} <= states
    assert all(e.version == len(e.history) for e in events)


def test_rate_mode_gives_strictly_increasing_times_per_series():
    city = SimCity(seed=3, start_ts=T0)
    n = city.n_series * 3 + 7
    sids, ts, _ = city.rate_samples(n, T0)
    for s in np.unique(sids):
        assert np.all(np.diff(ts[sids == s]) > 0)
    sids2, ts2, _ = city.rate_samples(n, T0)
    assert np.all(ts2 > city.last_ts[sids2] - 1) and len(sids2) == n


async def _server_session(opts: ServerOptions, script, history_s: float = 300.0, incident_rate: float = 30.0):
    """A client's session with the simulator; five minutes of simulated past unless the test reads more."""
    server = make_server(CityOptions(seed=4, incident_rate_per_min=incident_rate, auto_handle=0.0,
                                     history_s=history_s), opts)
    port = await server.start()
    try:
        async with connect(f"ws://127.0.0.1:{port}") as ws:
            return await script(ws, server)
    finally:
        await server.stop()


def test_server_speaks_the_protocol_and_is_the_authority():
    dec = Decoder()

    async def script(ws, server):
        frames = []

        async def read_until(pred, n=1000):  # an hour's backfill of 215 streets is ~250 frames
            for _ in range(n):
                f = dec.decode(await asyncio.wait_for(ws.recv(), 5)).frame
                frames.append(f)
                if pred(f):
                    return f
            raise AssertionError("not seen")

        await ws.send(orjson.dumps({"type": "subscribe", "topics": ["samples", "events"]}).decode())
        await read_until(lambda f: isinstance(f, Catalog))
        snap = await read_until(lambda f: isinstance(f, Snapshot))
        backfill = [f for f in frames if isinstance(f, Samples)]
        assert len(snap.values) > 400 and snap.seq == len(backfill) + 1
        # an hour of recent history came first, older than the snapshot's latest values
        history = np.concatenate([f.batch.ts for f in backfill])
        assert history.max() <= snap.values.ts.max() and history.max() - history.min() > 3000
        await read_until(lambda f: isinstance(f, Samples))
        ev = snap.events[0] if snap.events else (await read_until(lambda f: isinstance(f, EventFrame))).event
        cmd = {"type": "command", "id": "cmd-1", "op": "acknowledge", "event_id": ev.id,
               "expected_version": ev.version, "operator": "测试员", "args": {}}
        await ws.send(orjson.dumps(cmd).decode())
        rep = await read_until(lambda f: isinstance(f, Reply))
        assert rep.ok and rep.event.state.value == "acknowledged" and rep.event.version == ev.version + 1
        await ws.send(orjson.dumps(cmd).decode())  # the same id again: same answer, applied once
        rep2 = await read_until(lambda f: isinstance(f, Reply))
        assert rep2.ok and rep2.event.version == rep.event.version
        stale = dict(cmd, id="cmd-2")
        await ws.send(orjson.dumps(stale).decode())
        rep3 = await read_until(lambda f: isinstance(f, Reply))
        assert not rep3.ok and "stale version" in rep3.error
        seqs = [f.seq for f in frames if hasattr(f, "seq")]
        assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)

    # an hour of past at 10 incidents a minute, none handled: 600 open incidents in the snapshot (at 30 a
    # minute, 1,800 would outgrow one frame: a snapshot splits its readings, not yet its events)
    asyncio.run(_server_session(ServerOptions(speed=60), script, history_s=3600, incident_rate=10))


def test_server_filters_by_region_and_domain():
    dec = Decoder()

    async def script(ws, server):
        await ws.send(orjson.dumps({"type": "subscribe", "topics": ["samples"], "regions": ["310104"],
                                    "domains": ["traffic"]}).decode())
        seen = []
        for _ in range(60):
            f = dec.decode(await asyncio.wait_for(ws.recv(), 5)).frame
            if isinstance(f, Samples | Snapshot):
                b = f.batch if isinstance(f, Samples) else f.values
                seen += list(zip(b.indicators, b.regions, strict=True))
            if len(seen) > 20:
                break
        assert seen and all(r.startswith("310104") for _, r in seen)
        assert all(server.city.indicator_by_id[i].domain == "traffic" for i, _ in seen)

    asyncio.run(_server_session(ServerOptions(speed=120), script))


def test_server_answers_garbage_with_error_frames_and_stays_up():
    dec = Decoder()

    async def script(ws, server):
        for junk in ["{oops", "[1]", '{"type":"fly"}', '{"type":"command","op":"acknowledge"}']:
            await ws.send(junk)
            f = dec.decode(await asyncio.wait_for(ws.recv(), 5)).frame
            while f.__class__.__name__ in ("Hello", "Heartbeat"):
                f = dec.decode(await asyncio.wait_for(ws.recv(), 5)).frame
            assert f.__class__.__name__ == "ErrorFrame", f
        await ws.send(orjson.dumps({"type": "subscribe", "topics": ["samples"]}).decode())
        await until(lambda: server.frames_sent > 3)

    asyncio.run(_server_session(ServerOptions(), script))


def test_the_authority_says_each_incidents_level_and_a_surge_is_handed_up_to_the_city():
    from console.feed.protocol import Level

    city = SimCity(seed=4, start_ts=T0, incident_rate_per_min=2, auto_handle=0.7)
    city.schedule_storm(T0 + 1800, 30)
    first, events = {}, {}  # incident id -> its first version, its last
    for k in range(1, 61):
        for e in city.new_incidents(T0 + k * 60) + city.auto_progress(T0 + k * 60):
            first.setdefault(e.id, e)
            events[e.id] = e
    assert {(len(e.region), e.level) for e in first.values()} == {(9, Level.STREET), (6, Level.DISTRICT)}
    storm = [e for e in events.values() if e.category == "road_waterlogging" and e.created_ts >= T0 + 1800]
    handed_up = [e for e in storm if e.level is Level.CITY]
    assert len(storm) >= 30 and len(handed_up) >= 20  # all but the first few of the surge
    for e in handed_up:  # street, district, city: one escalation a level, each in the history
        assert sum("handed up" in h.note for h in e.history) == (2 if len(e.region) == 9 else 1)
    ordinary = [e for e in events.values() if e.id not in {s.id for s in storm}]
    assert all(e.level is (Level.STREET if len(e.region) == 9 else Level.DISTRICT) for e in ordinary)


def a_week(city: SimCity, step_s: float = 600.0) -> tuple[list[int], dict[str, int]]:
    """The open incidents at each step of a simulated week, and how the others ended."""
    open_counts, ended = [], {"closed": 0, "cancelled": 0}
    for k in range(1, int(7 * 86_400 / step_s) + 1):
        t = T0 + k * step_s
        city.new_incidents(t)
        for ev in city.auto_progress(t):
            if ev.state.value in ended:
                ended[ev.state.value] += 1
        open_counts.append(len(city.events))
    return open_counts, ended


def test_the_city_is_stationary_over_a_week():
    """With the default share handled by the districts' own officers, the rest (left for the console's
    operator) are taken over when their SLA runs out: the open incidents level off instead of growing
    for as long as the simulator runs (long demos and soaks)."""
    city = SimCity(seed=8, start_ts=T0, incident_rate_per_min=2.0)  # the default auto_handle, 0.7
    counts, ended = a_week(city)
    per_day = len(counts) // 7
    daily_mean = [float(np.mean(counts[d * per_day:(d + 1) * per_day])) for d in range(7)]
    # after the first day (the longest SLA is a day) the level holds: the last days are no higher
    # than the second, within the day-to-day swing of a random city
    assert max(daily_mean[4:]) < 1.25 * daily_mean[1], daily_mean
    assert max(counts) < 2 * daily_mean[1]
    created = city._n_events
    assert created > 7 * 1440 * 2 * 0.9  # 2 a minute for a week
    # nearly everything created ended, mostly closed, some cancelled (false alarms)
    assert ended["closed"] + ended["cancelled"] > created - 2 * max(daily_mean)
    assert 0.02 < ended["cancelled"] / created < 0.1


def test_with_auto_handle_zero_nobody_but_the_console_acts():
    """Tests drive the incidents themselves: the simulated officers then never touch one."""
    city = SimCity(seed=8, start_ts=T0, incident_rate_per_min=2.0, auto_handle=0.0)
    for k in range(1, 3 * 24 + 1):
        city.new_incidents(T0 + k * 3600)
        assert city.auto_progress(T0 + k * 3600) == []
    assert len(city.events) == city._n_events


def test_a_burst_is_new_to_every_client_even_after_the_first():
    """The ingest benchmark's stream (`--burst`): rendered once for all clients, it moves the city to the
    burst's end, so a snapshot of the city then made every burst reading old for the next client, and a
    console dropped them all unread (the benchmark measured the drop, not the ingest). Each client is
    told the city as it was before the burst, so every reading of it is news, for the second as for the
    first."""
    from console.model.city_state import CityState

    burst = 3000

    async def client(port: int) -> CityState:
        dec, state = Decoder(), CityState()
        got = 0
        async with connect(f"ws://127.0.0.1:{port}") as ws:
            await ws.send(orjson.dumps({"type": "subscribe", "topics": ["samples"]}).decode())
            while got < burst:
                f = dec.decode(await asyncio.wait_for(ws.recv(), 5)).frame
                applied = state.apply("sim", f)
                if isinstance(f, Samples):
                    got += len(f.batch)
                    assert applied.old_samples == 0, f"seq {f.seq}: {applied.old_samples} readings already old"
        return state

    async def run() -> list[int]:
        server = make_server(CityOptions(seed=4, incident_rate_per_min=0, auto_handle=0.0, history_s=300),
                             ServerOptions(burst=burst, batch=100))
        port = await server.start()
        try:
            return [(await client(port)).samples_total for _ in range(2)]
        finally:
            await server.stop()

    first, second = asyncio.run(run())
    assert first == second > burst  # the snapshot's readings and all of the burst's, for both
