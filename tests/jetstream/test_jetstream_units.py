"""Dispatch units on the NATS path: published on `city.units.<district>`, kept by the hub as the latest
report per unit (checkpointed with the rest), sent after every snapshot and on to the consoles that
watch the unit's district. The parts first, then a real nats-server with the simulated city publishing."""

from __future__ import annotations

import asyncio
import time

import orjson
import pytest

from console.feed.client_session import Filters
from console.feed.live_source import FeedConfig, LiveSource
from console.jetstream.connect import NatsUser, connect
from console.jetstream.hub import Hub, HubOptions
from console.jetstream.layout import (
    parse_subject,
    units_checkpoint_district,
    units_checkpoint_key,
    units_subject,
)
from console.jetstream.mirror import CityMirror
from console.model.city_state import CityState
from console.model.ingest import Ingest
from tests.aio import until
from tests.live import FAST
from tests.nats_stack import start_cluster, start_publisher, stop

FLEET = 30  # the simulated city's units in the stack below


def _unit(uid: str, ts: float, lat: float = 31.23, lon: float = 121.47, **kw) -> dict:
    return {"id": uid, "name": f"测试车 {uid}", "kind": "fire", "lat": lat, "lon": lon, "state": "available",
            "incident": None, "ts": ts, **kw}


# ---------------------------------------------------------------------- the parts
def test_units_have_their_own_subject_and_checkpoint_keys():
    assert units_subject("310101") == "city.units.310101"
    assert parse_subject("city.units.310115") == ("units", "310115", "")
    assert parse_subject(units_subject("a.b*")) == ("units", "a_b_", "")  # no extra tokens, no wildcards
    assert parse_subject("city.units.310101.x") is None and parse_subject("city.units") is None
    assert units_checkpoint_key("310101") == "units.310101"
    assert units_checkpoint_district(units_checkpoint_key("310101", owner="avl")) == "310101"
    assert units_checkpoint_district("state.310101.gas") is None and units_checkpoint_district("catalog") is None


def test_mirror_keeps_the_latest_report_per_unit_and_says_when_it_changed_district():
    m = CityMirror(max_units=2)
    assert m.apply_unit("310101", _unit("U1", 10.0)) == (True, None)
    assert m.apply_unit("310101", _unit("U1", 9.0, lat=30.0)) == (False, None)  # older: replayed
    assert m.apply_unit("310101", _unit("U1", 10.0, lat=30.0)) == (False, None)  # the same time: not news
    assert m.apply_unit("310115", _unit("U1", 11.0, lat=31.1)) == (True, "310101")  # it left 黄浦
    assert m.apply_unit("310115", _unit("U1", 12.0, lat=31.0)) == (True, None)
    assert m.units["U1"] == ("310115", _unit("U1", 12.0, lat=31.0))
    assert m.apply_unit("310104", _unit("U2", 1.0))[0]
    assert m.apply_unit("310104", _unit("U3", 1.0)) == (False, None)  # beyond max_units: refused
    assert m.unit_districts() == {"310115", "310104"} and [u["id"] for u in m.units_of("310104")] == ["U2"]



def test_the_mirror_forgets_silent_units_and_makes_room_for_new_ones():
    """A hub runs for months: units come and go. One silent for 12 hours leaves the mirror, and a full
    mirror takes a new unit in place of one silent for over 15 minutes (before, past max_units ids in a
    hub's life every new unit was refused, and so never reached a console)."""
    m = CityMirror(max_units=2)
    m.apply_unit("310101", _unit("U1", 0.0))
    m.apply_unit("310101", _unit("U2", 0.0))
    assert m.apply_unit("310101", _unit("U3", 600.0)) == (False, None)  # both heard within 15 minutes
    assert m.apply_unit("310101", _unit("U1", 950.0))[0]  # U1 again: U2 is now the longest silent
    assert m.apply_unit("310104", _unit("U3", 1000.0)) == (True, None)  # U2, silent 1,000 s, makes room
    assert sorted(m.units) == ["U1", "U3"]
    assert m.apply_unit("310104", _unit("U3", 950.0 + 12 * 3600 + 1))[0]  # 12 hours on: U1 forgotten
    assert sorted(m.units) == ["U3"] and m.units_of("310101") == []
    assert m.apply_unit("310101", _unit("U4", 100.0)) == (False, None)  # a report from before the horizon
    assert sorted(m.units) == ["U3"]

def test_a_console_watches_the_units_of_its_district():
    assert Filters().wants_units_of("310000") and Filters(domains=("gas",)).wants_units_of("310101")
    assert Filters(regions=("310101",)).wants_units_of("310101")
    assert Filters(regions=("310101013",)).wants_units_of("310101")  # a street console: its district's units
    assert not Filters(regions=("310101",)).wants_units_of("310115")
    assert not Filters(regions=("310101",)).wants_units_of("310000")  # the city's own units: city consoles only


# ---------------------------------------------------------------------- a real nats-server
@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    cluster = start_cluster(1)
    log = tmp_path_factory.mktemp("pub") / "publisher.log"
    pub = None
    try:
        pub = start_publisher(cluster, "--speed", "30", "--incident-rate", "20", "--checkpoint-s", "1",
                              "--units", str(FLEET), log=log)
        yield cluster
    finally:
        if pub is not None:
            stop(pub)
        cluster.stop()


async def _hub(cluster) -> Hub:
    nc = await connect(cluster.urls, NatsUser(**cluster.users["hub"]), "test-hub")
    hub = Hub(nc, HubOptions())
    await hub.start()
    return hub


async def _close(hub: Hub) -> None:
    await hub.stop()
    await hub.nc.close()


def _console(url: str, name: str, regions: tuple[str, ...] = ()):
    state, kinds = CityState(), []
    src = LiveSource([FeedConfig(url, name, regions=regions)], FAST)
    src.add_listener(Ingest(state))
    src.add_listener(lambda env: kinds.append(env.decoded.frame))
    return src, state, kinds


class _Publisher:
    """An adapter publishing unit reports by hand, as a site's vehicle-location feed would."""

    def __init__(self, cluster):
        self.cluster = cluster

    async def open(self):
        self.nc = await connect(self.cluster.urls, NatsUser(**self.cluster.users["publisher"]), "test-units")
        self.js = self.nc.jetstream()
        return self

    async def send(self, district: str, payload) -> None:
        data = payload if isinstance(payload, bytes) else orjson.dumps(payload)
        await self.js.publish(units_subject(district), data)

    async def close(self):
        await self.nc.close()


@pytest.mark.slow
def test_units_reach_consoles_through_a_hub_and_a_late_console_gets_the_latest(stack):
    async def main():
        hub = await _hub(stack)
        url = f"ws://127.0.0.1:{hub.port}"
        src, state, _ = _console(url, "city")
        pub = await _Publisher(stack).open()
        await src.start()
        try:
            # the simulated city's fleet, published by `cityops simulate --nats`
            await until(lambda: len(state.units) >= FLEET, 30, "the simulated fleet")
            t = time.time()
            await pub.send("310101", [_unit("T-1", t, lat=31.230)])
            await until(lambda: state.units.get("T-1") is not None, 20, "a unit published by hand")
            await pub.send("310101", [_unit("T-1", t + 1, lat=31.232, state="en_route")])
            await until(lambda: state.units.get("T-1").lat == 31.232, 20, "its next position")
            assert state.units.get("T-1").state.value == "en_route"

            # a console arriving now: every unit's latest report in a `unit` frame after its snapshot
            late, late_state, frames = _console(url, "late")
            await late.start()
            try:
                await until(lambda: late_state.units.get("T-1") is not None, 20, "the late console's units")
                kinds = [type(f).__name__ for f in frames]
                first_units = next(f for f in frames if type(f).__name__ == "UnitFrame")
                assert kinds.index("Snapshot") < kinds.index("UnitFrame")
                got = {u.id: u for u in first_units.units}
                assert got["T-1"].lat == 31.232 and got["T-1"].ts == t + 1  # the latest, not the first
                assert len(got) >= FLEET + 1  # the whole fleet at once, not only those that moved since
            finally:
                await late.stop()
            assert src.health()[0].reject_total == 0
        finally:
            await src.stop()
            await pub.close()
            await _close(hub)

        # a hub started now loads every unit of the simulated fleet from the publisher's checkpoint: the
        # units that have not moved since were published long before the sequence it replays from
        # (the publisher writes its checkpoints every 5 s: on a loaded machine the first that holds the whole
        # fleet can come after this point, so a hub is started again for up to three of its rounds)
        nc = await connect(stack.urls, NatsUser(**stack.users["hub"]), "test-hub-2")
        try:
            deadline = time.monotonic() + 15.0
            while True:
                fresh = Hub(nc, HubOptions())
                start = await fresh._bootstrap()
                fleet = {uid for uid in fresh.mirror.units if uid.startswith("U")}
                if len(fleet) == FLEET or time.monotonic() > deadline:
                    break
                await asyncio.sleep(1.0)
            assert start > 1
            assert len(fleet) == FLEET
        finally:
            await nc.close()

    asyncio.run(main())


@pytest.mark.slow
def test_a_district_console_gets_its_districts_units_and_sees_one_leave(stack):
    async def main():
        hub = await _hub(stack)
        url = f"ws://127.0.0.1:{hub.port}"
        huangpu_src, huangpu, _ = _console(url, "黄浦", regions=("310101",))
        pudong_src, pudong, _ = _console(url, "浦东", regions=("310115",))
        pub = await _Publisher(stack).open()
        await huangpu_src.start()
        await pudong_src.start()
        try:
            await until(lambda: huangpu.series_keys and pudong.series_keys, 20, "both consoles' snapshots")
            t = time.time()
            await pub.send("310101", [_unit("D-1", t, lat=31.230)])
            await pub.send("310115", [_unit("D-2", t, lat=31.220)])  # published after D-1
            await until(lambda: huangpu.units.get("D-1") is not None and pudong.units.get("D-2") is not None, 20,
                        "each district's unit")
            assert pudong.units.get("D-1") is None and huangpu.units.get("D-2") is None

            # D-1 is dispatched to an incident in 浦东: 黄浦 sees it leave, then no more of it
            await pub.send("310115", [_unit("D-1", t + 1, lat=31.225, state="en_route", incident="SH-X-1")])
            await until(lambda: pudong.units.get("D-1") is not None and pudong.units.get("D-1").ts == t + 1, 20,
                        "D-1 in 浦东")
            await until(lambda: huangpu.units.get("D-1").ts == t + 1, 20, "黄浦 seeing D-1 leave")
            assert huangpu.units.get("D-1").incident == "SH-X-1"
            await pub.send("310115", [_unit("D-1", t + 2, lat=31.220, state="on_scene", incident="SH-X-1")])
            await pub.send("310101", [_unit("D-3", t + 2)])  # after it: once 黄浦 has D-3, D-1's news went by
            await until(lambda: pudong.units.get("D-1").ts == t + 2 and huangpu.units.get("D-3") is not None, 20,
                        "D-1 on scene and D-3")
            assert huangpu.units.get("D-1").ts == t + 1  # 黄浦 keeps it where it left
        finally:
            await huangpu_src.stop()
            await pudong_src.stop()
            await pub.close()
            await _close(hub)

    asyncio.run(main())


@pytest.mark.slow
def test_a_malformed_unit_message_is_counted_and_dropped_and_the_others_go_on(stack):
    async def main():
        hub = await _hub(stack)
        src, state, _ = _console(f"ws://127.0.0.1:{hub.port}", "city")
        pub = await _Publisher(stack).open()
        await src.start()
        try:
            await until(lambda: src.health()[0].connects == 1, 20, "the console")
            t = time.time()
            await pub.send("310101", b"{not json")
            await pub.send("310101", b'"a text"')
            await pub.send("310101", [_unit("M-1", t), _unit("M-2", t, lat=999.0), {"id": "M-3"},
                                      _unit("M-4", t, name="<b>名</b>")])
            await pub.send("310101", _unit("M-5", t))  # one object alone is one unit
            await until(lambda: state.units.get("M-5") is not None, 20, "the unit after the bad ones")
            assert state.units.get("M-1") is not None and state.units.get("M-4").name == "<b>名</b>"
            assert state.units.get("M-2") is None and state.units.get("M-3") is None
            assert hub.unit_rejects == {"bad_json": 1, "wrong_type": 1, "bad_value": 1, "missing_field": 1}
            assert hub.summary()["unit_rejects"] == hub.unit_rejects
            assert src.health()[0].reject_total == 0  # the hub passed on nothing the console must refuse
        finally:
            await src.stop()
            await pub.close()
            await _close(hub)

    asyncio.run(main())


@pytest.mark.slow
def test_a_stream_made_before_units_gets_their_subject_from_the_admin_only(caplog):
    """A site upgrading keeps its stream: `ensure_layout` adds `city.units.>` and changes no limit; a
    publisher is not allowed to, says so, and goes on."""
    from nats.js.api import KeyValueConfig, StreamConfig

    from console.jetstream.cluster import LocalCluster
    from console.jetstream.layout import BUCKET, EVENTS, SAMPLES, STREAM, UNITS, ensure_layout

    cluster = LocalCluster(1).start()

    async def main():
        admin = await connect(cluster.urls, NatsUser(**cluster.users["admin"]), "test-admin")
        publisher = await connect(cluster.urls, NatsUser(**cluster.users["publisher"]), "test-publisher")
        try:
            js = admin.jetstream()
            deadline = time.monotonic() + 30
            while True:  # no meta leader right after start
                try:
                    await js.add_stream(StreamConfig(name=STREAM, subjects=[f"{SAMPLES}.>", f"{EVENTS}.>"],
                                                     max_age=1800.0, max_bytes=1 << 20))
                    break
                except Exception:
                    if time.monotonic() > deadline:
                        raise
                    await asyncio.sleep(0.5)
            await js.create_key_value(KeyValueConfig(bucket=BUCKET))
            await ensure_layout(publisher.jetstream())
            assert "cannot add them" in caplog.text
            assert (await js.stream_info(STREAM)).config.subjects == [f"{SAMPLES}.>", f"{EVENTS}.>"]
            await ensure_layout(js)
            cfg = (await js.stream_info(STREAM)).config
            assert cfg.subjects == [f"{SAMPLES}.>", f"{EVENTS}.>", f"{UNITS}.>"]
            assert (cfg.max_age, cfg.max_bytes) == (1800.0, 1 << 20)
        finally:
            await publisher.close()
            await admin.close()

    try:
        asyncio.run(main())
    finally:
        cluster.stop()


@pytest.mark.slow
def test_a_hub_lists_every_checkpoint_while_they_are_being_rewritten(stack):
    """The hub's listing of the bucket is whole while publishers rewrite their checkpoints: nats-py's
    kv.keys() could end early under such writes (nats-io/nats.py#842, #995; seen here as a hub that
    loaded no checkpoint and replayed from sequence 1), and a hub that listed some would never load the
    groups it missed."""
    from console.jetstream.hub import bucket_keys
    from console.jetstream.layout import BUCKET

    wanted = {f"probe.k{i:03d}" for i in range(100)}

    async def main():
        pub = await connect(stack.urls, NatsUser(**stack.users["publisher"]), "test-probe-writer")
        hub = await connect(stack.urls, NatsUser(**stack.users["hub"]), "test-probe-hub")
        kv = await pub.jetstream().key_value(BUCKET)
        for k in sorted(wanted):
            await kv.put(k, b"0")
        stop_writing = asyncio.Event()

        async def rewrite():
            n = 0
            while not stop_writing.is_set():
                n += 1
                await asyncio.gather(*(kv.put(k, str(n).encode()) for k in sorted(wanted)))

        writer = asyncio.ensure_future(rewrite())
        try:
            for _ in range(30):
                got = set(await bucket_keys(hub.jetstream(), BUCKET))
                assert wanted <= got, f"{len(wanted - got)} keys missing"
        finally:
            stop_writing.set()
            await writer
            for k in sorted(wanted):
                await kv.purge(k)
            await pub.close()
            await hub.close()

    asyncio.run(main())
