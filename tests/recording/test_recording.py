"""Recordings: a live session recorded and replayed reproduces the live CityState at chosen instants;
a recorder killed with SIGKILL leaves a file that opens with all but at most the last second."""

import asyncio
import json
import os
import signal
import sqlite3
import time
from pathlib import Path

import pytest

from console.feed.live_source import FeedConfig, LiveSource
from console.model.city_state import CityState, StateConfig
from console.model.ingest import Ingest
from console.recording.replay_source import ReplaySource
from console.recording.store import Recorder, Recording
from console.simulator.run import CityOptions, make_server
from console.simulator.server import ServerOptions
from tests.aio import until
from tests.app.test_cli_headless import headless, simulate
from tests.live import FAST

ROOT = Path(__file__).resolve().parents[2]


def picture(state: CityState) -> tuple[dict, dict, dict]:
    """What the console shows: every latest value, every open incident's state and version, and every
    series' history (what the charts draw)."""
    hist = {k: tuple(map(tuple, state.history(*k))) for k in state.series_keys}
    return (state.latest_values(), {e.id: (e.state.value, e.version) for e in state.incidents.open.values()},
            {k: v for k, v in hist.items() if v[0]})


def test_replay_reproduces_the_live_state_at_chosen_instants(tmp_path):
    path = tmp_path / "session.cityrec"
    checkpoints = []  # (recv_ts, picture) captured live, right after frames were applied

    async def record():
        server = make_server(CityOptions(seed=21, incident_rate_per_min=60, auto_handle=1.0, history_s=300),
                             ServerOptions(speed=120, skip_seq_every=40, tick_s=0.01))
        port = await server.start()
        live = CityState()
        src = LiveSource([FeedConfig(f"ws://127.0.0.1:{port}", "city")], FAST)
        rec = Recorder(path, flush_s=0.2)
        src.add_listener(rec)
        src.add_listener(Ingest(live))
        last = {"ts": 0.0, "n": 0}

        def after(env):
            last["ts"] = env.recv_ts
            last["n"] += 1
            if last["n"] % 25 == 0:
                checkpoints.append((env.recv_ts, picture(live)))

        src.add_listener(after)
        await src.start()

        async def keyframes():
            while True:
                await asyncio.sleep(0.5)
                rec.keyframe(last["ts"], live.keyframe_body())

        kf = asyncio.create_task(keyframes())
        await until(lambda: len(checkpoints) >= 12, timeout=20, what="checkpoints")
        await asyncio.sleep(0.3)
        kf.cancel()
        await src.stop()
        await server.stop()
        checkpoints.append((last["ts"], picture(live)))
        rec.close()
        assert rec.dropped == 0 and rec.errors == 0
        assert src.health()[0].resyncs > 0  # the recording holds gaps and resync snapshots too

    asyncio.run(record())
    recording = Recording(path)
    replay_state = CityState()
    replay = ReplaySource(recording, history_s=0.4)

    replay.add_state_sink(replay_state)
    replay.add_listener(Ingest(replay_state))
    for i in (2, len(checkpoints) // 2, len(checkpoints) - 3, len(checkpoints) - 1, 1):  # forwards and back
        ts, (values, incidents, history) = checkpoints[i]
        replay.seek(ts)
        got_values, got_incidents, got_history = picture(replay_state)
        assert got_incidents == incidents, f"checkpoint {i}"
        assert got_values == values, f"checkpoint {i}"
        assert got_history == history, f"checkpoint {i}: chart history differs"
    assert replay.rec.keyframe_before(checkpoints[-1][0]) is not None  # seeks started from keyframes


@pytest.mark.slow  # real processes: the simulator and a headless console killed mid-write
def test_sigkill_mid_write_loses_at_most_the_last_second(tmp_path, free_port):
    port = free_port
    path = tmp_path / "killed.cityrec"
    sim = simulate(port)
    run = headless(port, "--duration", "60", "--record", str(path))
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if path.exists():
                try:
                    with sqlite3.connect(path) as db:
                        if db.execute("SELECT COUNT(*) FROM frames").fetchone()[0] > 200:
                            break
                except sqlite3.Error:
                    pass
            time.sleep(0.2)
        time.sleep(1.5)  # frames keep arriving; kill in the middle of that
        killed_at = time.time()
        os.kill(run.pid, signal.SIGKILL)
        run.wait(5)
    finally:
        sim.kill()
        if run.poll() is None:
            run.kill()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    rec = Recording(path)
    _, last = rec.span()
    assert rec.count() > 200
    assert last >= killed_at - 1.0, f"lost {killed_at - last:.2f} s"
    frames = list(rec.frames(limit=3))
    assert json.loads(frames[0][3])["type"] == "hello"  # frames are stored exactly as received


# the defaults (every reading of these ten minutes as received), and a ring of 20 readings (charts
# mostly from minute envelopes; a seek's frames overflow the ring, so older history goes in in place)
CONFIGS = pytest.mark.parametrize("config", [StateConfig(), StateConfig(recent_points=20)], ids=["raw", "envelopes"])


@CONFIGS
def test_replay_history_from_blocks_meets_the_replayed_frames_exactly(tmp_path, config):
    """Ten minutes at one frame a second with keyframes every minute: seeks far from any keyframe
    take history from the per-minute blocks and frames after; charts must match live exactly."""
    from console.feed.decoder import Decoder
    from console.feed.source import Envelope
    from tests.frames_factory import catalog, dumps, event, hello, samples

    path = tmp_path / "m.cityrec"
    t0 = 1_763_900_013.5  # not on a minute boundary
    rec, dec, live = Recorder(path, flush_s=0.05), Decoder(), CityState(config)
    checkpoints = []
    frames = [(t0, hello()), (t0 + 0.2, catalog())]
    for i in range(600):
        ts = t0 + 1 + i
        rows = [["traffic.congestion_index", "310101", ts, float(i % 13)],
                ["water.pressure", "310104", ts - 0.5, 0.2 + (i % 7) / 100]]
        frames.append((ts, samples(i + 1, rows)))
        if i % 45 == 0:
            frames.append((ts + 0.1, dumps({"type": "event", "seq": 10_000 + i,
                                            "event": event(f"E{i}", created_ts=ts)})))
        if i % 45 == 30:
            frames.append((ts + 0.2, dumps({"type": "event", "seq": 20_000 + i,
                                            "event": event(f"E{i - 30}", version=2, state="closed")})))
    for n, (ts, raw) in enumerate(frames):
        d = dec.decode(raw)
        rec(Envelope("city", ts, raw, d, None))
        live.apply("city", d.frame)
        if n % 60 == 59:
            rec.keyframe(ts, live.keyframe_body())
        if n % 97 == 0:
            checkpoints.append((ts, picture(live)))
    rec.close()
    replay_state = CityState(config)
    replay = ReplaySource(Recording(path), history_s=30, chart_history_s=3600)
    replay.add_state_sink(replay_state)
    replay.add_listener(Ingest(replay_state))
    for ts, expected in reversed(checkpoints):
        replay.seek(ts)
        assert picture(replay_state) == expected, f"at +{ts - t0:.1f} s"


@CONFIGS
def test_history_filled_in_after_the_state_shows_is_the_same(tmp_path, config):
    """seek(with_history=False) then prepend_history(older_history()) == seek with history."""
    import shutil

    src = tmp_path / "m.cityrec"
    test_replay_history_from_blocks_meets_the_replayed_frames_exactly(tmp_path, config)
    assert src.exists()
    shutil.copy(src, tmp_path / "copy.cityrec")
    a, b = CityState(config), CityState(config)
    ra = ReplaySource(Recording(src), history_s=30)
    rb = ReplaySource(Recording(tmp_path / "copy.cityrec"), history_s=30)
    ra.add_state_sink(a)
    ra.add_listener(Ingest(a))
    rb.add_state_sink(b)
    rb.add_listener(Ingest(b))
    start, end = ra.rec.span()
    for ts in (start + 400.3, start + 250.0, end - 1):
        ra.seek(ts)
        rb.seek(ts, with_history=False)
        b.prepend_history(rb.older_history())
        assert picture(b) == picture(a)
