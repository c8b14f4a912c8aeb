"""CAP 1.2 in, end to end: alert files dropped in the bridge's folder reach a console behind a hub as
incidents of source upper_level (with their area); the console's operator acknowledges one through the
hub (commands on `cap:` incidents go to the bridge); an Update amends it, a Cancel ends it; a hub that
starts later gets the open warnings from the bridge's own checkpoint; a bad alert changes nothing."""

from __future__ import annotations

import asyncio

import pytest

from console.bridges.cap.book import OWNER, CapIncidentBook
from console.bridges.cap.mapping import load_mapping
from console.bridges.cap.run import CapBridge, CapBridgeOptions, catalog_regions
from console.bridges.stream_writer import StreamWriter
from console.feed.protocol import IncidentState, Severity
from console.jetstream.layout import BUCKET
from tests.aio import until
from tests.bridges.cap_files import BILLION_LAUGHS, fixture
from tests.bridges.stack import as_role, close_hub, console_on, start_hub
from tests.nats_stack import cluster_with_publisher, stop

pytestmark = pytest.mark.slow

FUTURE = b"2099-07-12T21:30:00+08:00"  # the fixtures' warnings would have expired long before the test runs


def live(name: str) -> bytes:
    data = fixture(name)
    for old in (b"2026-07-12T21:30:00+08:00", b"2026-07-12T18:00:00+08:00"):
        data = data.replace(old, FUTURE)
    return data


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    pub_logs = tmp_path_factory.mktemp("pub")
    with cluster_with_publisher(pub_logs, "--speed", "10", "--incident-rate", "2", "--checkpoint-s", "1") as cluster:
        yield cluster


def test_alerts_in_the_folder_reach_the_console_and_operators_act_on_them(stack, tmp_path):
    async def main():
        nc = await as_role(stack, "bridge", "test-cap-bridge")
        js = nc.jetstream()
        kv = await js.key_value(BUCKET)
        book = CapIncidentBook(load_mapping(), await catalog_regions(kv))
        inbox = tmp_path / "inbox"
        bridge = CapBridge(nc, StreamWriter(js, kv, OWNER), kv, book,
                           CapBridgeOptions(folder=inbox, folder_poll_s=0.1, checkpoint_s=0.5))
        await bridge.start()
        hub = await start_hub(stack)
        src, state, replies = console_on(hub)
        await src.start()
        later_hub = None
        try:
            await until(lambda: len(state.series_keys) > 100, 30, "the console's snapshot")
            (inbox / "bomb.xml").write_bytes(BILLION_LAUGHS)
            (inbox / "red.xml").write_bytes(live("rainstorm_red.xml"))

            def warnings():
                return [e for e in state.incidents.open.values()
                        if e.source == "upper_level" and e.id.startswith("cap:")]

            await until(lambda: len(warnings()) == 1, 20, "the warning on the console")
            ev = warnings()[0]
            assert (ev.severity, ev.region, ev.title) == (Severity.RED, "310000", "上海市气象台发布暴雨红色预警信号")
            assert ev.area is not None and len(ev.area.polygons[0]) == 5
            assert bridge.ingest.rejected == {"entity_declaration": 1}
            assert sorted(p.name for p in (inbox / "rejected").iterdir()) == ["bomb.xml", "bomb.xml.reason.txt"]

            # the operator acknowledges it: through the hub to the bridge, back to every console
            cmd = {"type": "command", "id": "cap-ack-1", "op": "acknowledge", "event_id": ev.id,
                   "expected_version": ev.version, "operator": "市城运中心值班员", "args": {}}
            assert await src.send("city", cmd)
            await until(lambda: any(r.ref == "cap-ack-1" for r in replies), 20, "the bridge's reply")
            assert next(r for r in replies if r.ref == "cap-ack-1").ok
            await until(lambda: state.incidents.get(ev.id).state is IncidentState.ACKNOWLEDGED, 20, "acknowledged")

            (inbox / "upd.xml").write_bytes(live("rainstorm_orange_update.xml"))
            await until(lambda: state.incidents.get(ev.id).version == 3, 20, "the update")
            upd = state.incidents.get(ev.id)
            assert (upd.severity, upd.region, upd.state) == (Severity.ORANGE, "310101", IncidentState.ACKNOWLEDGED)

            # a hub that starts now has it from the bridge's checkpoint, not from replaying the stream
            checkpoints = bridge.writer.checkpoints
            await until(lambda: bridge.writer.checkpoints > checkpoints + 1, 20, "the bridge's checkpoint")
            await asyncio.sleep(1.5)  # and the publisher's, so replay starts after the update
            later_hub = await start_hub(stack)
            assert later_hub.mirror.events[ev.id]["version"] == 3

            (inbox / "cancel.xml").write_bytes(live("rainstorm_cancel.xml"))
            await until(lambda: state.incidents.get(ev.id) is None or not state.incidents.get(ev.id).is_open, 20,
                        "the cancellation")
            assert not warnings() and bridge.summary()["incidents_published"] == 4
            assert bridge.summary()["rejected"] == {"entity_declaration": 1}
        finally:
            await src.stop()
            if later_hub is not None:
                await close_hub(later_hub)
            await close_hub(hub)
            await bridge.stop()
            await nc.close()

    asyncio.run(main())


def test_the_command_line_bridge_counts_what_it_took_and_refused(stack, tmp_path):
    import json
    import time

    from tests.nats_stack import cityops

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "typhoon.xml").write_bytes(live("typhoon_blue.xml").replace(b"2026-09-05T18:00:00+08:00", FUTURE))
    (inbox / "xxe.xml").write_bytes(fixture("a1_homeland_security.xml").replace(
        b"<alert ", b'<!DOCTYPE alert [<!ENTITY x SYSTEM "file:///etc/hostname">]>\n<alert ', 1))
    stats = tmp_path / "stats.json"
    proc = cityops("bridge", "cap", "--nats", stack.url_list(), "--nats-creds", str(stack.creds_path),
                   "--folder", str(inbox), "--folder-poll", "0.2", "--stats-json", str(stats), "--duration", "30",
                   log=tmp_path / "bridge.log")
    try:
        deadline = time.monotonic() + 30
        while not (stats.exists() and json.loads(stats.read_text())["alerts"] == 1):
            assert proc.poll() is None, (tmp_path / "bridge.log").read_text()
            assert time.monotonic() < deadline, "the bridge took nothing"
            time.sleep(0.2)
        doc = json.loads(stats.read_text())
        assert doc["rejected"] == {"external_entity": 1} and doc["incidents_published"] == 1
        assert sorted(p.name for p in (inbox / "done").iterdir()) == ["typhoon.xml"]
    finally:
        stop(proc)
