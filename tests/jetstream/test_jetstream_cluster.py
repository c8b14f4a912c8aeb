"""The NATS back end against a real 3-node JetStream cluster on loopback: a hub serving consoles
(subscribe with filters, snapshot, resync, commands through the authority), least privilege, TLS."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import shutil
import ssl
import subprocess

import pytest
from nats.js.errors import NotFoundError

from console.feed.feed_health import FeedState
from console.feed.frames import EventFrame, Reply, Snapshot
from console.feed.live_source import FeedConfig, LiveSource
from console.jetstream.connect import NatsUser, connect
from console.jetstream.hub import Hub, HubOptions
from console.jetstream.layout import COMMANDS, STREAM
from console.model.city_state import CityState
from console.model.ingest import Ingest
from tests.aio import until
from tests.live import FAST
from tests.nats_stack import start_cluster, start_publisher, stop

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    cluster = start_cluster(3)
    log = tmp_path_factory.mktemp("pub") / "publisher.log"
    pub = None
    try:
        pub = start_publisher(cluster, "--speed", "30", "--incident-rate", "20", "--checkpoint-s", "1", log=log)
        yield cluster
    finally:
        if pub is not None:
            stop(pub)
        cluster.stop()


async def _hub(cluster, **opts) -> Hub:
    nc = await connect(cluster.urls, NatsUser(**cluster.users["hub"]), "test-hub")
    hub = Hub(nc, HubOptions(**opts))
    await hub.start()
    return hub


async def _close(hub: Hub) -> None:
    await hub.stop()
    await hub.nc.close()


def _console(feeds):
    state, replies = CityState(), []
    src = LiveSource(feeds, FAST)
    src.add_listener(Ingest(state))
    src.add_listener(lambda env: replies.append(env.decoded.frame) if isinstance(env.decoded.frame, Reply) else None)
    return src, state, replies


def test_hub_serves_snapshot_stream_filters_and_commands(stack, caplog):
    caplog.set_level(logging.INFO, "console.model.ingest")

    async def main():
        hub = await _hub(stack)
        url = f"ws://127.0.0.1:{hub.port}"
        src, state, replies = _console([FeedConfig(url, "city")])
        street_src, street, _ = _console([FeedConfig(url, "street", regions=("310101",), domains=("traffic",))])
        await src.start()
        await street_src.start()
        try:
            h = src.health()[0]
            await until(lambda: len(state.series_keys) > 400 and len(state.incidents.open) > 5, 20, "snapshot")
            assert h.gaps == 0 and h.reject_total == 0
            before = h.samples
            await until(lambda: h.samples > before + 50, 20, "readings from the stream")
            await until(lambda: len(street.series_keys) > 0, 20, "the filtered console's snapshot")
            # a console arriving later gets the hub's recent readings for its charts before the snapshot
            late, late_state, _ = _console([FeedConfig(url, "late")])
            kinds = []
            late.add_listener(lambda env: kinds.append(type(env.decoded.frame).__name__))
            await late.start()
            try:
                await until(lambda: "Snapshot" in kinds, 20, "the late console's snapshot")
                history = kinds[kinds.index("Catalog") + 1 : kinds.index("Snapshot")]
                assert history and set(history) == {"Samples"}
                assert late_state.summary()["samples_stored"] > len(late_state.series_keys)
            finally:
                await late.stop()
            assert all(r.startswith("310101") and state.indicators[i].domain == "traffic"
                       for i, r in street.series_keys)

            # a command goes through the hub to the authority; the changed incident comes back to everyone
            ev = next(e for e in state.incidents.open.values() if e.state.value != "resolved")
            cmd = {"type": "command", "id": "test-esc-1", "op": "escalate", "event_id": ev.id,
                   "expected_version": ev.version, "operator": "测试值班员", "args": {"note": "升级"}}
            assert await src.send("city", cmd)
            await until(lambda: any(r.ref == "test-esc-1" for r in replies), 20, "the reply")
            reply = next(r for r in replies if r.ref == "test-esc-1")
            assert reply.ok and reply.event.version == ev.version + 1
            await until(lambda: (state.incidents.get(ev.id) or ev).version > ev.version, 20, "the event")
            # the same id again: the same answer, applied once
            assert await src.send("city", cmd)
            await until(lambda: sum(r.ref == "test-esc-1" for r in replies) == 2, 20, "the repeated reply")
            assert [r.ok for r in replies if r.ref == "test-esc-1"] == [True, True]
            # a stale version is refused with a reason
            stale = dict(cmd, id="test-esc-2")
            assert await src.send("city", stale)
            await until(lambda: any(r.ref == "test-esc-2" for r in replies), 20, "the refusal")
            refusal = next(r for r in replies if r.ref == "test-esc-2")
            assert not refusal.ok and "stale version" in refusal.error

            # resync: a fresh snapshot on request, with every open incident and every series again
            snapshots, listed = [], set()

            def on_snapshot(env):  # runs after Ingest applied it: what the console holds at that moment
                frame = env.decoded.frame
                if isinstance(frame, Snapshot):
                    listed.update(e.id for e in frame.events)
                    snapshots.append([frame, frame.events_follow, set(state.incidents.open), len(state.series_keys)])
                elif snapshots and snapshots[-1][1] > 0 and isinstance(frame, EventFrame):
                    # the open incidents that did not fit the snapshot follow it as event frames
                    listed.add(frame.event.id)
                    snapshots[-1][1] -= 1
                    snapshots[-1][2] = set(state.incidents.open)

            src.add_listener(on_snapshot)
            assert await src.send("city", {"type": "resync"})
            await until(lambda: len(snapshots) == 1 and snapshots[0][1] == 0, 20, "the snapshot asked for")
            snap, _, open_then, series_then = snapshots[0]
            assert listed == open_then  # the snapshot (with its followers) is the whole truth
            assert "closed while we were away" not in caplog.text  # and took nothing the console had seen
            assert len(set(zip(snap.values.indicators, snap.values.regions, strict=True))) == series_then
            assert h.gaps == 0 and h.reject_total == 0
        finally:
            await src.stop()
            await street_src.stop()
            await _close(hub)

    asyncio.run(main())


def test_district_and_street_consoles_through_the_hub_get_their_area_only(stack):
    """`cityops run --scope` through `cityops hub`: the hub's region filter serves a district centre and
    a street centre their area; an incident the street escalates reaches the district's view."""
    from console.app.cli import build_parser
    from console.app.commands.run import resolve_feeds
    from console.feed.protocol import Level
    from console.incidents.levels import LevelView, load_level_rules
    from console.resources import resource
    from console.site.config import Config

    rules = load_level_rules(resource("config", "levels.json"))
    district, street = "310104", "310104014"  # 徐汇区 and one of its streets

    def scoped(url, scope):
        args = build_parser().parse_args(["run", "--feed", f"{scope}={url}", "--scope", scope])
        state, replies = CityState(), []
        # a street's feed is quiet: give the hub's 2-second heartbeats room before calling it dead
        src = LiveSource(resolve_feeds(args, Config()), dataclasses.replace(FAST, stale_after_s=3.0,
                                                                             heartbeat_timeout_s=6.0))
        src.add_listener(Ingest(state))
        src.add_listener(lambda env: replies.append(env.decoded.frame) if isinstance(env.decoded.frame, Reply)
                         else None)
        return src, state, replies

    async def main():
        hub = await _hub(stack)
        url = f"ws://127.0.0.1:{hub.port}"
        d_src, d_state, _ = scoped(url, district)
        s_src, s_state, s_replies = scoped(url, street)
        await d_src.start()
        await s_src.start()
        try:
            await until(lambda: d_state.series_keys and d_state.incidents.open and s_state.series_keys
                        and s_state.incidents.open, 30, "both consoles' snapshots")
            before = d_src.health()[0].samples
            await until(lambda: d_src.health()[0].samples > before + 20, 20, "readings from the stream")
            assert {r[:6] for _, r in d_state.series_keys} == {district}
            assert all(e.region.startswith(district) for e in d_state.incidents.open.values())
            assert {r for _, r in s_state.series_keys} == {street}
            assert {e.region for e in s_state.incidents.open.values()} == {street}

            ev = next(e for e in s_state.incidents.open.values() if e.level is Level.STREET
                      and e.severity.value == "blue" and e.state.value != "resolved")
            view = LevelView(rules, district)
            assert not view.handles(d_state.incidents.get(ev.id) or ev, ev.updated_ts)
            cmd = {"type": "command", "id": "test-scope-esc", "op": "escalate", "event_id": ev.id,
                   "expected_version": ev.version, "operator": "街道值班员", "args": {"note": "上报"}}
            assert await s_src.send(street, cmd)
            await until(lambda: any(r.ref == "test-scope-esc" and r.ok for r in s_replies), 20, "the reply")
            await until(lambda: (d_state.incidents.get(ev.id) or ev).version > ev.version, 20, "the district's copy")
            up = d_state.incidents.get(ev.id)
            assert up.level is Level.DISTRICT and view.reason(up, up.updated_ts).id == "escalated"
            assert all(e.region.startswith(district) for e in d_state.incidents.open.values())
            assert d_src.health()[0].reject_total == 0 and s_src.health()[0].reject_total == 0
        finally:
            await d_src.stop()
            await s_src.stop()
            await _close(hub)

    asyncio.run(main())


def test_least_privilege_is_enforced_by_the_cluster(stack):
    async def main():
        denied: list[str] = []

        async def errors(exc):
            denied.append(str(exc))

        pub = await connect(stack.urls, NatsUser(**stack.users["publisher"]), "t-pub", error_cb=errors)
        hub = await connect(stack.urls, NatsUser(**stack.users["hub"]), "t-hub", error_cb=errors)
        auth = await connect(stack.urls, NatsUser(**stack.users["authority"]), "t-auth", error_cb=errors)
        admin = await connect(stack.urls, NatsUser(**stack.users["admin"]), "t-admin")
        try:
            seen = []

            async def overheard(msg):
                seen.append(msg)

            await pub.subscribe(COMMANDS, cb=overheard)  # publishers must not read commands
            await hub.publish("city.samples.999999.fake", b'[["x","999999001",1.0,1.0]]')  # hubs: no samples
            await hub.publish("city.events.999999.fake", b"{}")
            await auth.publish("city.samples.999998.fake", b"[]")  # the authority neither
            await pub.flush()
            await hub.flush()
            await auth.flush()
            await until(lambda: len(denied) >= 4, 10, "four permission violations")
            assert all("permissions violation" in d.lower() for d in denied)
            assert any("subscription" in d.lower() and COMMANDS in d for d in denied)
            # what was refused never reached the stream
            # a command still reaches the authority, and only the authority
            answer = await admin.request(COMMANDS, b'{"op": "acknowledge"}', timeout=10)
            assert b"command needs a text id" in answer.data
            await asyncio.sleep(0.3)
            assert seen == []
            js = admin.jetstream()
            for subject in ("city.samples.999999.fake", "city.events.999999.fake", "city.samples.999998.fake"):
                with pytest.raises(NotFoundError):
                    await js.get_last_msg(STREAM, subject)
        finally:
            for nc in (pub, hub, auth, admin):
                await nc.close()

    asyncio.run(main())


@pytest.fixture
def self_signed(tmp_path):
    if shutil.which("openssl") is None:
        pytest.fail("openssl is needed (./dev installs it)")
    cert, key = tmp_path / "hub.pem", tmp_path / "hub.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True)
    return cert, key


def test_tls_and_token_between_hub_and_consoles(stack, self_signed, monkeypatch, caplog):
    cert, key = self_signed
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    token = "hub-token-Zq9x"
    caplog.set_level(logging.DEBUG)

    async def main():
        hub = await _hub(stack, ssl=ctx, token=token)
        try:
            # the consoles trust the hub's certificate through the standard SSL_CERT_FILE
            monkeypatch.setenv("SSL_CERT_FILE", str(cert))
            good, state, _ = _console([FeedConfig(f"wss://127.0.0.1:{hub.port}", "tls", token)])
            wrong, _, _ = _console([FeedConfig(f"wss://127.0.0.1:{hub.port}", "wrong", "not-the-token")])
            plain, _, _ = _console([FeedConfig(f"ws://127.0.0.1:{hub.port}", "plain", token)])
            for s in (good, wrong, plain):
                await s.start()
            try:
                await until(lambda: len(state.series_keys) > 400, 20, "a snapshot over TLS")
                await until(lambda: wrong.health()[0].state is FeedState.AUTH_FAILED, 20, "the wrong token refused")
                await until(lambda: plain.health()[0].reconnects > 0, 20, "plain ws refused by a TLS hub")
                assert plain.health()[0].samples == 0
            finally:
                for s in (good, wrong, plain):
                    await s.stop()
        finally:
            await _close(hub)

    asyncio.run(main())
    logged = caplog.text
    assert token not in logged and "not-the-token" not in logged
    assert all((u.get("seed") or u["password"]) not in logged for u in stack.users.values())  # NKEY seeds too


def test_cityops_cluster_runs_the_stack_and_cleans_up():
    import re
    import subprocess
    import sys
    import time
    from pathlib import Path

    from console.app.headless import run_headless

    proc = subprocess.Popen([sys.executable, "-m", "console.app.cli", "cluster", "--hubs", "2", "--duration", "40",
                             "--speed", "10"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            cwd=Path(__file__).resolve().parents[2])
    try:
        lines, deadline = [], time.monotonic() + 90
        while not any(line.startswith("console:") for line in lines):
            assert time.monotonic() < deadline and proc.poll() is None, f"no console line: {lines}"
            lines.append(proc.stdout.readline())
        data_dir = Path(re.search(r"data and logs in (\S+),", "".join(lines)).group(1))
        hubs = next(line for line in lines if line.startswith("hubs:")).split()[1]
        assert data_dir.is_dir() and len(hubs.split(",")) == 2
        stats = asyncio.run(run_headless([FeedConfig(hubs.split(",")[0], "c", alternates=(hubs.split(",")[1],))],
                                         4.0, None))
        assert stats["samples"] > 400 and stats["state"]["open_incidents"] > 0 and stats["reject_total"] == 0
        proc.terminate()  # Ctrl+C or the end of --duration: everything stops and the folder goes
        assert proc.wait(60) == 0
        assert not data_dir.exists()
        leftover = []  # no nats-server (or hub) still running with a file of that folder
        for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
            try:
                if str(data_dir).encode() in cmdline.read_bytes():
                    leftover.append(cmdline.parent.name)
            except OSError:
                pass  # gone meanwhile
        assert leftover == []
    finally:
        if proc.poll() is None:
            proc.kill()
