"""A small recording made for tests: a known session to replay, seek, export, and the operators' audit
log that goes with it."""

from __future__ import annotations

from console.feed.decoder import Decoder
from console.feed.frames import EventFrame
from console.feed.source import Envelope
from console.incidents.audit_log import AuditLog
from console.model.city_state import CityState
from console.recording.store import Recorder
from tests.frames_factory import catalog, dumps, event, hello, samples

T = 1_763_900_000.0


def make_recording(path):
    """hello, catalog, readings every second, incident E1 at +10 s (closed at +30 s), E2 at +20 s."""
    rec, dec, state = Recorder(path, flush_s=0.05), Decoder(), CityState()
    frames = [(T, hello()), (T + 0.1, catalog())]
    for i in range(40):
        frames.append((T + 1 + i, samples(i + 1, [["traffic.congestion_index", "310101", T + 1 + i, float(i % 10)]])))
    frames += [(T + 10.5, dumps({"type": "event", "seq": 100, "event": event("E1", created_ts=T + 10)})),
               (T + 20.5, dumps({"type": "event", "seq": 101, "event": event("E2", created_ts=T + 20)})),
               (T + 30.5, dumps({"type": "event", "seq": 102, "event": event("E1", version=2, state="closed")}))]
    for ts, raw in sorted(frames):
        d = dec.decode(raw)
        rec(Envelope("city", ts, raw, d, None))
        if d.frame is not None:
            state.apply("city", d.frame)
        if ts == T + 25:
            rec.keyframe(ts, state.keyframe_body())
    rec.close()
    assert isinstance(dec.decode(frames[-1][1]).frame, EventFrame)


def write_audit(path):
    """Five actions of two officers on E1 and E2 (one note with a phone number), then a torn last line."""
    log = AuditLog(path)
    log.record("acknowledge", "值班员甲", "duty_officer", "E1", "submitted", {"command": "c1"}, now=T + 12)
    log.record("acknowledge", "值班员甲", "duty_officer", "E1", "done", {"command": "c1"}, now=T + 14)
    log.record("dispatch", "值班员乙", "duty_officer", "E2", "submitted",
               {"command": "c2", "note": "报警人 13812345678"}, now=T + 22)
    log.record("mute", "值班员乙", "duty_officer", "breach_sound", "done", {}, now=T + 23)
    log.record("escalate", "值班员甲", "duty_officer", "E2", "submitted", {"command": "c3"}, now=T + 40)
    log.close()
    with open(path, "a", encoding="utf-8") as f:
        f.write('{"ts": 1, "operator": "torn')  # a torn last line is skipped, never fatal
