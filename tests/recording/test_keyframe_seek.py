"""A time-shift's drag stands at the nearest keyframe and replays only the frames after it
(ReplaySource.seek with_history=False); the frames of the keyframe's minute before it reach the charts
with the older hour (`older_history`). After both, the city is what the full seek gives (which replays
the keyframe's whole minute and loads the hour with it): the same latest values, incidents and every
series' readings. And a step replays at most the keyframe interval's frames."""

import numpy as np
import orjson

from console.feed.decoder import Decoder
from console.feed.feed_health import FeedHealth
from console.feed.source import Envelope
from console.model.city_state import CityState
from console.model.ingest import Ingest
from console.recording.replay_source import ReplaySource
from console.recording.store import Recorder, Recording
from console.recording.time_shift import KEYFRAME_S
from console.simulator.city_model import SimCity

T0 = 1_763_913_600.0


def record(path, minutes: float) -> float:
    """A simulated feed's frames into a recording with the live console's keyframe cadence."""
    live = CityState()
    ingest = Ingest(live)
    recorder = Recorder(path, keyframe_state=lambda: live, keyframe_s=KEYFRAME_S)
    city = SimCity(seed=3, start_ts=T0, incident_rate_per_min=6.0, history_s=0)
    ind, reg = city.series_indicator, city.series_region
    dec, health, now, seq = Decoder(), FeedHealth("sim", "test"), T0, 0

    def put(obj) -> None:
        raw = orjson.dumps(obj)
        env = Envelope("sim", now, raw, dec.decode(raw), health)
        recorder(env)
        ingest(env)

    put({"type": "catalog", "indicators": [i.to_wire() for i in city.indicators],
         "regions": [r.to_wire() for r in city.regions]})
    while now < T0 + minutes * 60:
        now += 0.5
        sids, ts, vals = city.due_samples(now)
        if len(sids):
            seq += 1
            rows = zip(sids.tolist(), ts.tolist(), vals.tolist(), strict=True)
            put({"type": "samples", "seq": seq, "samples": [[ind[i], reg[i], t, v] for i, t, v in rows]})
        for ev in city.new_incidents(now) + city.auto_progress(now):
            seq += 1
            put({"type": "event", "seq": seq, "event": ev.to_wire()})
    recorder.close()
    return now


def at(path, ts: float, with_history: bool) -> tuple[CityState, int]:
    state = CityState()
    replay = ReplaySource(Recording(path))
    replay.add_listener(Ingest(state))
    replay.add_state_sink(state)
    n = replay.seek(ts, with_history=with_history)
    if not with_history:
        state.prepend_history(replay.older_history())
    replay.rec.close()
    return state, n


def test_a_drag_step_from_the_keyframe_is_the_full_seek_once_the_history_is_in(tmp_path):
    path = tmp_path / "s.cityrec"
    end = record(path, 3)
    rec = Recording(path)
    frames_per_s = rec.count() / (end - T0)
    rec.close()
    for ts in (T0 + 100.2, T0 + 134.9, end - 3):
        step, replayed = at(path, ts, with_history=False)
        full, _ = at(path, ts, with_history=True)
        assert step.latest_values() == full.latest_values()
        assert {k: e.version for k, e in step.incidents.open.items()} == \
               {k: e.version for k, e in full.incidents.open.items()}
        assert set(step.series_keys) == set(full.series_keys)
        for key in full.series_keys:
            a = step.history(*key)
            b = full.history(*key)
            assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1], equal_nan=True), key
        assert replayed <= (KEYFRAME_S + 1) * frames_per_s * 1.5  # seconds of frames, not the minute


def same_city(state: CityState, full: CityState, history: bool = False) -> None:
    assert state.latest_values() == full.latest_values()
    assert {k: e.version for k, e in state.incidents.open.items()} == \
           {k: e.version for k, e in full.incidents.open.items()}
    if history:
        for key in full.series_keys:
            a, b = state.history(*key), full.history(*key)
            assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1], equal_nan=True), key


def test_drag_steps_back_and_forth_on_one_replay_are_each_the_full_seek(tmp_path):
    """One view dragged along (as the time-shift does): each step, backward or forward, across
    keyframes or within one interval, shows what a fresh full seek shows; where the drag stops, with
    the older history in, every series' readings too."""
    path = tmp_path / "s.cityrec"
    end = record(path, 3)
    state = CityState()
    replay = ReplaySource(Recording(path))
    replay.add_listener(Ingest(state))
    replay.add_state_sink(state)
    for ts in (end - 3, end - 4.5, T0 + 100.2, T0 + 101.7, T0 + 107.0, T0 + 91.0, T0 + 130.0, T0 + 134.9):
        replay.seek(ts, with_history=False)
        same_city(state, at(path, ts, with_history=True)[0])
    state.prepend_history(replay.older_history())
    same_city(state, at(path, T0 + 134.9, with_history=True)[0], history=True)
    replay.rec.close()


def test_a_step_forward_within_a_keyframe_interval_replays_only_the_frames_between(tmp_path):
    path = tmp_path / "s.cityrec"
    record(path, 3)
    state = CityState()
    replay = ReplaySource(Recording(path))
    replay.add_listener(Ingest(state))
    replay.add_state_sink(state)
    a, b = T0 + 100.2, T0 + 104.7  # both after the keyframe at T0 + 90
    replay.seek(a, with_history=False)
    between = replay.rec.frame_at_or_before(b) - replay.rec.frame_at_or_before(a)
    assert between > 0
    assert replay.seek(b, with_history=False) == between
    same_city(state, at(path, b, with_history=True)[0])
    replay.rec.close()


def test_drag_steps_across_a_change_of_catalog_take_each_keyframes_own(tmp_path):
    """The replay decodes the session's catalog once and reuses it for the keyframes that repeat it; a
    keyframe after the feed changed its catalog has its own (here a second indicator), and the view
    dragged across the change shows what a fresh full seek shows on either side."""
    from tests.frames_factory import IND, IND_BELOW, REGIONS, dumps, samples

    path = tmp_path / "c.cityrec"
    live = CityState()
    ingest, dec, health = Ingest(live), Decoder(), FeedHealth("sim", "test")
    recorder = Recorder(path, keyframe_state=lambda: live, keyframe_s=KEYFRAME_S)

    def put(t: float, raw: bytes) -> None:
        env = Envelope("sim", t, raw, dec.decode(raw), health)
        recorder(env)
        ingest(env)

    put(T0, dumps({"type": "catalog", "indicators": [IND], "regions": REGIONS}))
    for i in range(1, 81):
        t = T0 + i
        if i == 40:
            put(t, dumps({"type": "catalog", "indicators": [IND, IND_BELOW], "regions": REGIONS}))
        rows = [["traffic.congestion_index", "310101", t, float(i)], ["water.pressure", "310101013", t, i / 100]]
        put(t + 0.5, samples(i, rows))
    recorder.close()
    state = CityState()
    replay = ReplaySource(Recording(path))
    replay.add_listener(Ingest(state))
    replay.add_state_sink(state)
    for ts in (T0 + 70.7, T0 + 20.7, T0 + 35.7, T0 + 76.7, T0 + 50.7):
        replay.seek(ts, with_history=False)
        full = at(path, ts, with_history=True)[0]
        same_city(state, full)
        assert ("water.pressure" in state.indicators) == (ts > T0 + 40)
    replay.rec.close()
