"""The server side of one client connection without sockets: frames in, frames out, a fake clock.
What the simulator and the NATS hub share: reading a client's frame, the token check, the session."""

import orjson

from console.feed.client_session import (
    UNAUTHORIZED,
    ClientSession,
    Close,
    Command,
    Filters,
    Resync,
    SessionOptions,
    Subscribe,
    bearer,
    read_client_frame,
    token_ok,
)


def test_client_frames_are_objects_with_a_type():
    assert read_client_frame(b'{"type": "subscribe"}') == ({"type": "subscribe"}, "")
    assert read_client_frame(b"{nope") == (None, "frame is not valid JSON")
    for bad in (b"[1]", b'{"type": 3}', b"{}", b'"subscribe"'):
        assert read_client_frame(bad)[0] is None


def test_tokens():
    assert token_ok(None, None) and token_ok(None, "anything")  # no token configured
    assert token_ok("s3cret-token", "s3cret-token")
    assert not token_ok("s3cret-token", "s3cret-tokeN") and not token_ok("s3cret-token", None)
    assert not token_ok("s3cret-token", 12345)
    assert bearer("Bearer abc") == "abc" and bearer("Basic abc") is None and bearer(None) is None


class Clock:
    def __init__(self):
        self.now = 100.0

    def server_time(self) -> float:
        return 1_763_856_000.0 + self.now


def session(clock: Clock | None = None, authorization: str | None = None, **opts) -> ClientSession:
    clock = clock or Clock()
    return ClientSession(SessionOptions(**opts), source="test-city", level="city", server_time=clock.server_time,
                         now=clock.now, authorization=authorization)


def out(s: ClientSession) -> list:
    """Everything the session has queued: frames as dicts, a Close as itself."""
    got = []
    while (item := s.next_outgoing()) is not None:
        got.append(item if isinstance(item, Close) else orjson.loads(item))
    return got


def frame(obj) -> bytes:
    return orjson.dumps(obj)


def test_hello_first_then_frames_become_events():
    s = session()
    [hello] = out(s)
    assert hello == {"type": "hello", "protocol": "cityops.feed/1", "source": "test-city", "level": "city",
                     "server_time": 1_763_856_100.0}
    assert s.receive(frame({"type": "resync"})) is None  # nothing to resync before a subscribe
    sub = s.receive(frame({"type": "subscribe", "topics": ["samples"], "regions": ["310101"]}))
    assert sub == Subscribe(Filters(("310101",), ())) and not s.subscribed
    s.start_stream(sub.filters)
    assert s.receive(frame({"type": "resync"})) == Resync()
    cmd = {"type": "command", "id": "c1", "op": "acknowledge"}
    assert s.receive(frame(cmd)) == Command(cmd)
    assert s.receive(frame({"type": "ping"})) is None
    assert out(s) == [{"type": "heartbeat", "server_time": 1_763_856_100.0}]


def test_auth_refused_without_a_token_or_with_a_wrong_one():
    s = session(token="s3cret")
    out(s)
    assert s.receive(frame({"type": "subscribe"})) is None
    assert out(s) == [{"type": "error", "code": "unauthorized", "message": "send auth first"}, UNAUTHORIZED]
    assert Close(1008, "unauthorized") == UNAUTHORIZED
    # closing: nothing more is read or sent
    assert s.receive(frame({"type": "auth", "token": "s3cret"})) is None and not s.authed
    assert not s.send({"type": "heartbeat"}) and out(s) == []

    wrong = session(token="s3cret")
    out(wrong)
    assert wrong.receive(frame({"type": "auth", "token": "s3creT"})) is None
    assert out(wrong) == [{"type": "error", "code": "unauthorized", "message": "bad token"}, UNAUTHORIZED]

    assert not session(token="s3cret", authorization="Bearer nope").authed
    assert not session(token="s3cret", authorization="s3cret").authed  # not a bearer header


def test_auth_by_header_or_frame_lets_the_client_in():
    by_header = session(token="s3cret", authorization="Bearer s3cret")
    assert by_header.authed and isinstance(by_header.receive(frame({"type": "subscribe"})), Subscribe)
    by_frame = session(token="s3cret")
    assert by_frame.receive(frame({"type": "auth", "token": "s3cret"})) is None and by_frame.authed
    assert isinstance(by_frame.receive(frame({"type": "subscribe"})), Subscribe)
    assert [f["type"] for f in out(by_frame)] == ["hello"]  # no error, no close
    # junk before auth is answered as junk, not with a refusal
    junk = session(token="s3cret")
    out(junk)
    junk.receive(b"{oops")
    assert out(junk) == [{"type": "error", "code": "bad_frame", "message": "frame is not valid JSON"}]


def test_bad_subscribe_and_unknown_types_are_refused_with_error_frames():
    s = session()
    out(s)
    for bad in ({"regions": "310101"}, {"regions": [310101]}, {"domains": ["gas", None]}, {"domains": {"a": 1}}):
        assert s.receive(frame({"type": "subscribe", **bad})) is None
    refusal = {"type": "error", "code": "bad_frame", "message": "regions and domains must be lists of text"}
    assert out(s) == [refusal] * 4 and not s.subscribed
    s.receive(frame({"type": "fly" + "x" * 100}))
    [err] = out(s)
    assert err["code"] == "unknown_type" and err["message"] == f"unknown frame type {'fly' + 'x' * 37!r}"
    s.receive(b"[1]")
    assert out(s) == [{"type": "error", "code": "bad_frame", "message": "frame must be an object with a type"}]
    # a missing or null list means everything
    assert s.receive(frame({"type": "subscribe", "regions": None})) == Subscribe(Filters())


def test_outbox_is_bounded_by_frames_and_bytes_and_a_drop_still_uses_its_seq():
    s = session(queue_frames=3, queue_bytes=10_000)
    assert s.queued_bytes > 0  # the hello
    assert s.send({"type": "samples", "samples": []}, sequenced=True)
    assert s.send({"type": "samples", "samples": []}, sequenced=True)
    assert not s.send({"type": "samples", "samples": []}, sequenced=True)  # the fourth frame
    assert s.dropped == 1
    out(s)
    assert s.queued_bytes == 0 and s.send({"type": "samples", "samples": []}, sequenced=True)
    assert [f["seq"] for f in out(s)] == [4]  # seq 3 was lost: the client sees the gap and resyncs

    by_bytes = session(queue_frames=100, queue_bytes=250)
    out(by_bytes)
    sent = [by_bytes.send_bytes(b"x" * 100) for _ in range(4)]
    assert sent == [True, True, False, False] and by_bytes.queued_bytes == 200 and by_bytes.dropped == 2
    assert [by_bytes.next_outgoing() for _ in range(3)] == [b"x" * 100, b"x" * 100, None]

    full = session(token="t", queue_frames=1)  # the hello fills it
    full.receive(frame({"type": "resync"}))  # the error frame is dropped, the close still gets through
    assert full.dropped == 1 and out(full)[-1] == UNAUTHORIZED


def test_a_big_snapshot_arrives_in_frames_under_the_budget_and_in_order():
    """The whole city at street level: 24,000 latest readings would be ~1.1 MB in one frame, over a
    client's 1 MiB limit; they come as samples frames, then a snapshot with the rest and the events."""
    s = session(queue_frames=0)
    out(s)
    rows = [["x.i", f"310101{k % 1000:03d}", 1_763_856_000.0 + k, k * 0.5] for k in range(24_000)]
    s.send_snapshot(rows, [{"id": "E1"}])
    frames = [orjson.dumps(f) for f in out(s)]
    got = [orjson.loads(f) for f in frames]
    assert max(len(f) for f in frames) < 600_000 and len(got) > 2
    assert [f["type"] for f in got] == ["samples"] * (len(got) - 1) + ["snapshot"]
    assert [f["seq"] for f in got] == list(range(1, len(got) + 1))
    assert [r for f in got[:-1] for r in f["samples"]] + got[-1]["values"] == rows
    assert got[-1]["events"] == [{"id": "E1"}]
    small = session()
    out(small)
    small.send_snapshot(rows[:3], [])
    assert [f["type"] for f in out(small)] == ["snapshot"]  # one frame when it fits


def test_open_incidents_beyond_a_frame_follow_the_snapshot_and_a_console_holds_them_all():
    """A city console with 2,500 open incidents (~2 MB of events): the snapshot carries what fits and
    the rest follow at once as event frames; every frame stays under the client's 1 MiB limit, and a
    console fed these frames (the real decoder and CityState) ends up holding every one of them open."""
    from console.feed.decoder import Decoder
    from console.model.city_state import CityState
    from tests.frames_factory import catalog, event

    s = session(queue_frames=0)
    out(s)
    events = [event(f"E{k:05d}", detail="路面积水，车辆缓行。" * 20) for k in range(2_500)]
    s.send_snapshot([["traffic.congestion_index", "310101", 1_700_000_000.0, 3.0]], events)
    frames = []
    while (item := s.next_outgoing()) is not None:
        frames.append(item)
    assert max(len(f) for f in frames) < 1 << 20
    kinds = [orjson.loads(f)["type"] for f in frames]
    assert kinds[0] == "snapshot" and set(kinds[1:]) == {"event"} and len(kinds) > 100
    dec, state = Decoder(), CityState()
    state.apply("city", dec.decode(catalog()).frame)
    for f in frames:
        state.apply("city", dec.decode(f).frame)
    assert set(state.incidents.open) == {e["id"] for e in events}


def test_heartbeat_after_heartbeat_s_of_silence():
    clock = Clock()
    s = session(clock, heartbeat_s=2.0)
    out(s)
    for t in (0.5, 1.0, 1.5):
        s.tick(clock.now + t)
    assert out(s) == []  # the hello counts as sent
    s.tick(clock.now + 2.0)
    assert [f["type"] for f in out(s)] == ["heartbeat"]
    s.tick(clock.now + 2.5)
    s.send({"type": "samples", "samples": []}, sequenced=True)  # between ticks: counts as sent at 3.0
    for t in (3.0, 3.5, 4.0, 4.5):
        s.tick(clock.now + t)
    assert [f["type"] for f in out(s)] == ["samples"]
    s.tick(clock.now + 5.0)
    assert [f["type"] for f in out(s)] == ["heartbeat"]


def test_heartbeat_every_heartbeat_s_even_when_busy():
    clock = Clock()
    s = session(clock, heartbeat_s=2.0, heartbeat_when_busy=True)
    out(s)
    beats = []
    for k in range(1, 21):  # 5 s in quarter seconds, a frame every tick
        s.send({"type": "samples", "samples": []}, sequenced=True)
        clock.now += 0.25
        s.tick(clock.now)
        beats += [(k, f["server_time"]) for f in out(s) if f["type"] == "heartbeat"]
    assert [k for k, _ in beats] == [1, 9, 17]  # the first tick, then every 2 s
    assert beats[1][1] - beats[0][1] == 2.0


def test_skip_seq_every_loses_every_nth_frame():
    s = session(skip_seq_every=3)
    assert [s.take_seq() for _ in range(6)] == [1, 2, 4, 5, 6, 8]
    s.claim_seqs(10)
    assert s.take_seq() == 19


def test_filters():
    street = Filters(regions=("310101014",))
    assert street.wants_event("310101014", "gas") and not street.wants_event("310101013", "gas")
    assert street.wants_area("310101", "gas") == "some" and street.wants_area("310115", "gas") == ""
    power = Filters(domains=("power",))
    assert power.wants_area("310101", "power") == "all" and power.wants_area("310101", "gas") == ""
    assert Filters().wants_area("310101", "gas") == "all" and Filters(("3101",)).wants_area("310101", "x") == "all"
    assert hash(Filters(("a",), ("b",))) == hash(Filters(("a",), ("b",)))
