"""A seek shows exactly the incidents the live console showed, even when the stream after a keyframe
carries versions older than what the console held then (a hub re-sending, a lagging hub's snapshot).

Found by the console-view state machine (tests/model/test_console_view_machine.py): a keyframe listed
only open incidents, so a replay did not know that an incident closed before the keyframe (or left out
by a resync snapshot) was held at a newer version, and took a stale version after the keyframe for news.
"""

from console.feed.decoder import Decoder
from console.feed.source import Envelope
from console.model.city_state import CityState
from console.model.ingest import Ingest
from console.recording.replay_source import ReplaySource
from console.recording.store import Recorder, Recording
from tests.frames_factory import catalog, dumps, event, samples

T = 1_763_899_980.0  # the start of a minute: the recorder keyframes as each minute of receive time begins
KEYFRAME = b"keyframe here"  # one taken in the middle of a minute, as a recorder may be asked to


def record(path, frames) -> list[tuple[float, dict]]:
    """Feed (receive offset, raw) into a live state and a recorder keyframing it every minute, as a
    session does; returns the open incidents (id -> version) the live console showed after each frame."""
    live, dec = CityState(), Decoder()
    rec = Recorder(path, flush_s=0.01, keyframe_state=lambda: live, keyframe_s=60.0)
    shown = []
    for offset, raw in frames:
        if raw is KEYFRAME:
            rec.keyframe(T + offset, live.keyframe_body())
            continue
        d = dec.decode(raw)
        env = Envelope("city", T + offset, raw, d, None)
        rec(env)
        live.apply("city", d.frame)
        shown.append((T + offset, {e.id: e.version for e in live.incidents.open.values()}))
    rec.close()
    return shown


def replayed_at(path, ts: float) -> dict:
    state = CityState()
    replay = ReplaySource(Recording(path))
    replay.add_state_sink(state)
    replay.add_listener(Ingest(state))
    replay.seek(ts)
    replay.rec.close()
    return {e.id: e.version for e in state.incidents.open.values()}


def ev(seq: int, *args, **kw) -> bytes:
    return dumps({"type": "event", "seq": seq, "event": event(*args, **kw)})


def snap(seq: int, *events) -> bytes:
    return dumps({"type": "snapshot", "seq": seq, "values": [], "events": list(events)})


def check_every_instant(path, shown) -> None:
    assert Recording(path).keyframe_before(shown[-1][0]) is not None  # the seeks below start from one
    for ts, live in shown:
        assert replayed_at(path, ts) == live, f"at +{ts - T:.0f} s"


def test_a_stale_version_after_the_keyframe_does_not_reopen_an_incident_closed_before_it(tmp_path):
    shown = record(tmp_path / "s.cityrec", [
        (0, catalog()), (1, ev(1, "E1", 1)), (2, ev(2, "E1", 2, "closed")),
        (61, samples(3, [["traffic.congestion_index", "310101", T + 61, 5.0]])),  # a keyframe just before it
        (62, ev(4, "E1", 1)),  # re-sent: older than what the console holds
    ])
    assert shown[-1][1] == {}
    check_every_instant(tmp_path / "s.cityrec", shown)


def test_an_incident_a_snapshot_vanished_before_the_keyframe_stays_vanished_for_an_older_version(tmp_path):
    shown = record(tmp_path / "s.cityrec", [
        (0, catalog()), (1, ev(1, "E1", 2)), (2, snap(2)),  # a lagging snapshot leaves E1 out
        (61, samples(3, [["traffic.congestion_index", "310101", T + 61, 5.0]])),
        (62, ev(4, "E1", 1)),  # an older version: not news that E1 is open
        (63, snap(5, event("E1", 1))),  # listed again (at an older version): back, at the version held
    ])
    assert [s for _, s in shown[-2:]] == [{}, {"E1": 2}]
    check_every_instant(tmp_path / "s.cityrec", shown)


def test_an_incident_the_replayed_minute_opens_but_the_keyframe_knows_closed_is_not_shown(tmp_path):
    """Frames from the start of the keyframe's minute are replayed onto an empty book before the
    keyframe is merged in: a stale version among them must not survive the merge."""
    shown = record(tmp_path / "s.cityrec", [
        (0, catalog()), (1, ev(1, "E1", 1)), (2, ev(2, "E1", 3, "cancelled")),
        (60.5, samples(3, [["traffic.congestion_index", "310101", T + 60, 5.0]])),  # a minute's keyframe before
        (61, ev(4, "E1", 2)),  # stale, replayed from the minute's start onto an empty book...
        (62, KEYFRAME),  # ... before this keyframe is merged in
        (63, samples(5, [["traffic.congestion_index", "310101", T + 62, 5.0]])),
    ])
    check_every_instant(tmp_path / "s.cityrec", shown)
