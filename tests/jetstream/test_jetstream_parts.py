"""The NATS back end's parts that need no server: subjects, the mirror, the hub's per-console frames,
credentials that never show, and a console failing over between two feed servers. (What every console
connection does alike is tested on its own in tests/feed/test_client_session.py.)"""

import asyncio
import json

import orjson
import pytest

from console.feed.client_session import ClientSession, Filters, SessionOptions
from console.feed.live_source import FeedConfig, LiveSource
from console.feed.session_server import Client, SessionServer
from console.jetstream.connect import load_creds, redact, split_urls
from console.jetstream.hub import Hub, HubOptions
from console.jetstream.layout import (
    checkpoint_group,
    checkpoint_key,
    commands_subject,
    district_of,
    events_subject,
    parse_subject,
    samples_subject,
)
from console.jetstream.mirror import CityMirror
from console.model.city_state import CityState
from console.model.ingest import Ingest
from console.simulator.run import CityOptions, make_server
from console.simulator.server import ServerOptions
from tests.aio import until
from tests.live import FAST


def _ev(eid="E1", version=1, state="new", region="310101013", domain="gas"):
    return {"id": eid, "version": version, "state": state, "region": region, "domain": domain}


def test_subjects_carry_district_and_domain():
    assert district_of("310101013") == "310101" and district_of("310000") == "310000"
    assert samples_subject("310101", "traffic") == "city.samples.310101.traffic"
    assert parse_subject(events_subject("310115", "a.b*")) == ("events", "310115", "a_b_")
    assert parse_subject("city.commands") is None and parse_subject("city.samples.x") is None
    assert checkpoint_key("310000", "power") == "state.310000.power"


def test_each_publisher_checkpoints_under_its_own_key_and_owns_its_commands():
    assert checkpoint_key("310101", "weather") == "state.310101.weather"
    assert checkpoint_key("310101", "weather", owner="cap") == "state.310101.weather.cap"
    assert checkpoint_group("state.310101.weather") == checkpoint_group("state.310101.weather.cap") == ("310101",
                                                                                                         "weather")
    assert checkpoint_group("bridge.cap") is None and checkpoint_group("catalog") is None
    assert commands_subject("SH-20400-000001") == "city.commands"  # the main authority's incidents
    assert commands_subject("cap:3a2c8faffe85-0") == "city.commands.cap"
    assert commands_subject("a.b*:x") == "city.commands.a_b_"  # an owner never adds subject tokens or wildcards
    assert commands_subject(None) == commands_subject(":x") == "city.commands"


def test_mirror_is_idempotent_and_order_proof():
    m = CityMirror()
    m.apply_rows("310101", "gas", [["g", "310101013", 10.0, 1.0], ["g", "310101013", 12.0, 2.0]])
    m.apply_rows("310101", "gas", [["g", "310101013", 11.0, 9.0]])  # older: replayed after a checkpoint
    assert m.latest() == {("g", "310101013"): (12.0, 2.0)}
    assert m.apply_event(_ev(version=2)) and not m.apply_event(_ev(version=1))
    assert m.apply_event(_ev(version=3, state="closed"))
    assert not m.apply_event(_ev(version=2))  # a late update cannot bring a closed incident back
    assert m.open_versions() == {}
    assert m.apply_event(_ev("E2", 1, region="310115001", domain="water"))
    assert m.groups() == {("310101", "gas"), ("310115", "water")}
    rows, evs = m.group_body(("310115", "water"))
    assert rows == [] and [e["id"] for e in evs] == ["E2"]


def test_sample_bodies_split_at_the_budget_and_splice_rows_unchanged():
    hub = Hub.__new__(Hub)
    hub.opt = HubOptions(frame_budget=60)
    a = orjson.dumps([["g", "310101013", 1.0, 1.5], ["g", "310101014", 1.0, 2.5]])
    b = orjson.dumps([["p", "310115001", 1.0, 3.0]])
    pending = [("310101", "gas", a, orjson.loads(a)), ("310115", "power", b, orjson.loads(b))]
    bodies = Hub._sample_bodies(hub, Filters(), pending)
    rows = [r for body in bodies for r in orjson.loads(b"[" + body + b"]")]
    assert rows == orjson.loads(a) + orjson.loads(b) and len(bodies) == 2  # split at the budget
    street = Filters(regions=("310101014",))
    assert orjson.loads(b"[" + Hub._sample_bodies(hub, street, pending)[0] + b"]") == [["g", "310101014", 1.0, 2.5]]
    power = Filters(domains=("power",))
    assert Hub._sample_bodies(hub, power, pending) == [b[1:-1]]


def test_a_flush_builds_each_filter_once_for_all_the_consoles_that_share_it():
    """The hub's per-filter cache, through `_flush` and real sessions: three consoles, two of them with
    the same filters; the rows are built twice, and every console gets its rows under its own seq."""
    hub = Hub.__new__(Hub)
    hub.opt = HubOptions(frame_budget=60)
    hub.clients = SessionServer(hub, SessionOptions())
    everything, street = Filters(), Filters(regions=("310101014",))
    sessions = []
    for f in (everything, street, everything):
        s = ClientSession(SessionOptions(), source="hub", level="city", server_time=lambda: 1.0, now=0.0)
        s.next_outgoing()  # the hello
        s.start_stream(f)
        s.take_seq()  # as after its snapshot: streams are at different points
        hub.clients._clients.add(Client(None, s))
        sessions.append(s)
    a = orjson.dumps([["g", "310101013", 1.0, 1.5], ["g", "310101014", 1.0, 2.5]])
    b = orjson.dumps([["p", "310115001", 1.0, 3.0]])
    hub._pending = [("310101", "gas", a, orjson.loads(a)), ("310115", "power", b, orjson.loads(b))]
    hub._pending_bytes = len(a) + len(b)
    built = []
    build = hub._sample_bodies
    hub._sample_bodies = lambda f, pending: (built.append(f), build(f, pending))[1]
    hub._flush()
    assert sorted(built, key=repr) == sorted([everything, street], key=repr)  # once per distinct filters
    got = []
    for s in sessions:
        frames = []
        while (out := s.next_outgoing()) is not None:
            frames.append(orjson.loads(out))
        got.append(frames)
    assert [[f["seq"] for f in frames] for frames in got] == [[2, 3], [2], [2, 3]]
    assert [r for f in got[0] for r in f["samples"]] == orjson.loads(a) + orjson.loads(b)
    assert got[2] == got[0] and [r for f in got[1] for r in f["samples"]] == [["g", "310101014", 1.0, 2.5]]
    assert hub._pending == []


def test_credentials_never_show(tmp_path):
    creds = tmp_path / "users.json"
    creds.write_text(json.dumps({"hub": {"user": "hub", "password": "s3cret-pw"}}), encoding="utf-8")
    who = load_creds(creds, "hub")
    assert who.password == "s3cret-pw" and "s3cret" not in repr(who)
    with pytest.raises(SystemExit, match="no user for the role 'publisher'"):
        load_creds(creds, "publisher")
    assert load_creds(None, "hub") is None
    assert redact("nats://hub:s3cret-pw@127.0.0.1:4222") == "nats://***@127.0.0.1:4222"
    with pytest.raises(SystemExit) as exc:
        split_urls("http://u:s3cret-pw@host")
    assert "s3cret" not in str(exc.value)


def test_console_fails_over_to_the_next_hub(free_port):
    async def main():
        a = make_server(CityOptions(seed=3), ServerOptions(speed=60))
        b = make_server(CityOptions(seed=3), ServerOptions(speed=60))
        pa, pb = await a.start(), await b.start()
        dead = free_port
        state = CityState()
        # the first URL has nobody listening: the console moves on at once
        src = LiveSource([FeedConfig(f"ws://127.0.0.1:{dead}", "city", alternates=(f"ws://127.0.0.1:{pa}",
                                                                                      f"ws://127.0.0.1:{pb}"))], FAST)
        src.add_listener(Ingest(state))
        h = src.health()[0]
        await src.start()
        try:
            await until(lambda: h.connects == 1 and h.samples > 0, what="first hub")
            assert h.url.endswith(str(pa)) and h.failovers == 0
            await a.stop()
            await until(lambda: h.connects == 2 and h.url.endswith(str(pb)), what="failover to the second hub")
            assert h.failovers == 1 and h.to_dict()["failovers"] == 1
            before = h.samples
            await until(lambda: h.samples > before, what="samples from the second hub")
        finally:
            await src.stop()
            await b.stop()

    asyncio.run(main())


def test_tokens_are_masked_in_websockets_logs(caplog):
    import logging

    from console.privacy.websocket_logs import install, mask

    install()
    assert mask("Authorization: Bearer abc.def") == "Authorization: Bearer [redacted]"
    assert "abc" not in mask('''{"type":"auth","token":"abc"}''')
    caplog.set_level(logging.DEBUG, "websockets.client")
    logging.getLogger("websockets.client").debug("> %s: %s", "Authorization", "Bearer top-secret-1")
    logging.getLogger("websockets.client").debug("> TEXT %r", {"type": "auth", "token": "top-secret-2"})
    assert "top-secret" not in caplog.text and caplog.text.count("[redacted]") == 2


def test_hub_history_is_bounded_by_age_and_bytes(monkeypatch):
    import console.jetstream.hub as hub_mod

    hub = Hub.__new__(Hub)
    hub.opt = HubOptions(history_s=10.0, history_bytes=100)
    hub._history, hub._history_bytes = hub_mod.deque(), 0
    clock = [1000.0]
    monkeypatch.setattr(hub_mod.time, "time", lambda: clock[0])
    raw = b"x" * 40
    for _ in range(3):
        hub._remember(("310101", "gas", raw, []))
    assert len(hub._history) == 2 and hub._history_bytes == 80  # the third would pass 100 bytes
    clock[0] += 11
    hub._remember(("310101", "gas", raw, []))
    assert len(hub._history) == 1  # the older ones aged out
    hub.opt = HubOptions(history_s=0)
    hub._remember(("310101", "gas", raw, []))
    assert len(hub._history) == 1


def test_hub_serves_a_snapshot_only_once_it_has_caught_up_with_the_stream():
    from types import SimpleNamespace

    class FakeJs:
        async def stream_info(self, name):
            return SimpleNamespace(state=SimpleNamespace(last_seq=10))

    class FakeClient:
        closed = None
        session = object()

        async def close(self, code, reason):
            self.closed = code

    async def main():
        hub = Hub.__new__(Hub)
        hub.opt = HubOptions(current_wait_s=0.5)
        hub.js, hub.processed, hub.stats = FakeJs(), 5, {"not_current": 0}
        served = []
        behind = FakeClient()
        await Hub._when_current(hub, behind, lambda s: served.append(s))
        assert served == [] and behind.closed == 1013 and hub.stats["not_current"] == 1

        async def catch_up():
            await asyncio.sleep(0.1)
            hub.processed = 10

        hub.opt = HubOptions(current_wait_s=5)
        fine = FakeClient()
        fine.session = object()
        await asyncio.gather(Hub._when_current(hub, fine, lambda s: served.append(s)), catch_up())
        assert served == [fine.session] and fine.closed is None

    asyncio.run(main())


def test_run_takes_several_hubs_for_one_feed():
    from console.app.cli import build_parser
    from console.app.commands.run import resolve_feeds

    args = build_parser().parse_args(["run", "--headless", "--feed", "上海=ws://a:1, ws://b:2", "--feed", "ws://c:3"])
    a, c = resolve_feeds(args, None)  # the config file's feeds (the second argument) only count without --feed
    assert (a.name, a.url, a.alternates, a.urls) == ("上海", "ws://a:1", ("ws://b:2",), ("ws://a:1", "ws://b:2"))
    assert (c.label, c.alternates) == ("ws://c:3", ())
    with pytest.raises(SystemExit):
        resolve_feeds(build_parser().parse_args(["run", "--feed", "x=ws://a:1,http://b:2"]), None)


def test_a_slow_console_loses_frames_not_memory():
    from console.feed.client_session import ClientSession

    class FakeNc:
        def jetstream(self):
            return None

    hub = Hub(FakeNc(), HubOptions(queue_frames=100, queue_bytes=250))
    s = ClientSession(hub.clients.options, source="hub", level="city", server_time=hub.server_time, now=0.0)
    while s.next_outgoing() is not None:  # the hello
        pass
    for _ in range(4):
        s.send_bytes(b"x" * 100)
    assert s.queued_bytes == 200 and s.dropped == 2
