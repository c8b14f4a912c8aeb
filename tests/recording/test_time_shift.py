"""Time-shift of the live city against the simulator, on an accelerated feed: pause, let 60 s of feed
pass, rewind 10 minutes, play at 8x, come back to live. At every step the view must equal a CityState
rebuilt from scratch out of the recording at that instant (every frame up to it, no keyframes: a
rebuild independent of the seek path), and nothing received while away may be missing afterwards."""

import asyncio
import time

import numpy as np

from console.feed.decoder import Decoder
from console.feed.live_source import FeedConfig, LiveSource
from console.model.city_state import CityState
from console.recording.store import Recorder, Recording
from console.recording.time_shift import TimeShift
from console.simulator.run import CityOptions, make_server
from console.simulator.server import ServerOptions
from tests.aio import until
from tests.city_states import picture
from tests.live import FAST

# feed seconds per real second; the console's receive clock runs as fast (see `now`). A stall of the
# loop (a busy machine) jumps the receive clock by SPEED times as much: the waits below leave room.
SPEED = 300.0


def rebuild(path, until_ts: float) -> CityState:
    state, decoders, rec = CityState(), {}, Recording(path)
    try:
        for _fid, _ts, feed, raw in rec.frames(until_ts=until_ts):
            d = decoders.setdefault(feed, Decoder()).decode(raw)
            if d.frame is not None:
                state.apply(feed, d.frame)
    finally:
        rec.close()
    return state


def assert_same(shown: CityState, truth: CityState, what: str) -> None:
    values, incidents, statuses = picture(shown)
    want_values, want_incidents, want_statuses = picture(truth)
    assert values == want_values, f"{what}: latest values differ"
    assert incidents == want_incidents, f"{what}: open incidents differ"
    # a series first heard after the instant is kept by the seek, without data: as if not there
    assert statuses == want_statuses, f"{what}: statuses differ"


def test_pause_rewind_play_and_back_to_live(tmp_path):
    path = tmp_path / "session.cityrec"

    async def main():
        t0, m0 = time.time(), time.monotonic()

        def now() -> float:  # an accelerated workstation clock, in step with the accelerated feed
            return t0 + (time.monotonic() - m0) * SPEED

        server = make_server(CityOptions(seed=5, incident_rate_per_min=6, history_s=600), ServerOptions(speed=SPEED),
                             start_ts=t0)
        port = await server.start()
        view = CityState()
        shift = TimeShift(view, None)
        recorder = Recorder(path, flush_s=0.1, keyframe_state=lambda: shift.live)
        shift.recorder = recorder
        source = LiveSource([FeedConfig(f"ws://127.0.0.1:{port}", "city")], FAST, now=now)
        source.add_listener(recorder)  # before the model: a keyframe is the state before the frame that marks it
        source.add_listener(shift)
        await source.start()
        try:
            await until(lambda: shift.live_ts > 0, what="first frame")
            started = shift.live_ts
            # 10 minutes to rewind, and 3 more so that a keyframe is taken before the rewind's target
            await until(lambda: shift.live_ts - started > 13 * 60, timeout=90, what="13 minutes of feed")

            shift.pause()
            paused_at = shift.paused_at
            recorder.flush()
            assert_same(view, rebuild(path, paused_at), "paused")
            frozen = view.latest_values()
            # the live city goes on (a heartbeat alone can carry the receive clock past the 60 s) ...
            # (and at least one new incident: the check below needs one to have come while away)
            await until(lambda: shift.live_ts - paused_at > 60 and shift.live.latest_values() != frozen
                        and shift.new_since_pause, what="60 s of feed while paused, with new readings and incidents")
            assert view.latest_values() == frozen  # ... while the picture holds

            target = paused_at - 600
            rec = Recording(path)
            assert rec.keyframe_before(target) is not None  # the seek goes through a keyframe, as in a long session
            rec.close()
            shift.seek(target)
            assert shift.position == target
            assert_same(view, rebuild(path, target), "rewound 10 minutes")

            shift.play(8.0)
            for _ in range(4):
                shift.tick(5.0)  # 5 s of the operator's time at 8x: 40 s of the session
                assert shift.shifted and shift.playing
                assert_same(view, rebuild(path, shift.position), f"playing at 8x, {shift.position - target:.0f} s in")
            assert abs(shift.position - (target + 160)) < 1e-6

            away = set(shift.new_since_pause)
            shift.back_to_live()
            assert not shift.shifted and shift.live is view
        finally:
            await source.stop()
            await server.stop()
        recorder.flush()
        truth = rebuild(path, shift.live_ts)
        assert_same(view, truth, "back to live")
        assert away and all(truth.incidents.get(i) is not None for i in away)
        assert all(view.incidents.get(i) is not None for i in away)  # nothing that came while away is missing
        for key in truth.series_keys:  # every reading of the last minutes, including those while paused
            a, b = view.history(*key, since=paused_at - 120), truth.history(*key, since=paused_at - 120)
            assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1]), key
        recorder.close()

    asyncio.run(main())


def test_catching_up_while_playing_returns_to_live(tmp_path):
    path = tmp_path / "session.cityrec"

    async def main():
        server = make_server(CityOptions(seed=2, history_s=300), ServerOptions(speed=20))
        port = await server.start()
        view = CityState()
        recorder = Recorder(path, flush_s=0.05)
        shift = TimeShift(view, recorder)
        source = LiveSource([FeedConfig(f"ws://127.0.0.1:{port}", "city")], FAST)
        source.add_listener(recorder)
        source.add_listener(shift)
        await source.start()
        changes = []
        shift.add_mode_listener(changes.append)
        try:
            await until(lambda: len(view.series_keys) > 100, what="the city")
            shift.pause()
            await until(lambda: shift.live_ts > shift.paused_at, what="frames while paused")  # to catch up with
            shift.seek(shift.paused_at - 0.3)
            shift.play(64.0)
            for _ in range(100):
                shift.tick(0.1)
                if not shift.shifted:
                    break
            assert not shift.shifted and changes == [True, False]
        finally:
            await source.stop()
            await server.stop()
            recorder.close()

    asyncio.run(main())
