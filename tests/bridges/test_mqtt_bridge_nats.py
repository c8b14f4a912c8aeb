"""MQTT in, end to end: a device publishing MQTT 3.1.1 with aiomqtt to nats-server's own MQTT listener;
the bridge maps each payload by the example mapping and publishes readings to the city stream; a
console behind a hub has every good reading, and the bad ones are counted by reason at the bridge."""

from __future__ import annotations

import asyncio
import time

import aiomqtt
import pytest

from console.bridges.mqtt.mapper import SensorMapper, load_rules
from console.bridges.mqtt.run import OWNER, MqttBridge, MqttBridgeOptions, load_catalog
from console.bridges.stream_writer import StreamWriter
from console.jetstream.layout import BUCKET
from console.resources import resource
from tests.aio import until
from tests.bridges.stack import as_role, close_hub, console_on, start_hub
from tests.nats_stack import cluster_with_publisher, stop

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    pub_logs = tmp_path_factory.mktemp("pub")
    with cluster_with_publisher(pub_logs, "--speed", "1", "--incident-rate", "1", "--checkpoint-s", "1") as cluster:
        yield cluster


def test_mqtt_readings_reach_the_console_and_bad_payloads_are_counted(stack):
    async def main():
        nc = await as_role(stack, "bridge", "test-mqtt-bridge")
        js = nc.jetstream()
        kv = await js.key_value(BUCKET)
        domains, regions = await load_catalog(kv, 10)
        bridge = MqttBridge(nc, StreamWriter(js, kv, OWNER),
                            SensorMapper(load_rules(resource("config", "mqtt_mapping.json")), domains, regions),
                            MqttBridgeOptions(flush_s=0.05, checkpoint_s=1.0))
        await bridge.start()
        hub = await start_hub(stack)
        src, state, _ = console_on(hub)
        await src.start()
        try:
            await until(lambda: len(state.series_keys) > 100, 30, "the console's snapshot")
            host, port = stack.mqtt_endpoints[0]
            user = stack.users["sensor"]
            t0 = time.time()
            sent = []
            async with aiomqtt.Client(host, port, username=user["user"], password=user["password"],
                                      identifier="pump-station-P07", protocol=aiomqtt.ProtocolVersion.V311) as dev:
                for k in range(50):
                    ts_ms = int((t0 + k * 0.01) * 1000)
                    level_cm = 150 + k
                    await dev.publish("sensors/310101013/drainage/P07/level",
                                      b'{"level_cm": %d, "ts": %d}' % (level_cm, ts_ms), qos=1)
                    sent.append((ts_ms / 1000, level_cm / 100))
                for topic, payload in (("sensors/310101013/drainage/P07/level", b"{oops"),
                                       ("sensors/310101013/drainage/P07/level", b'{"level_cm": "x", "ts": 1}'),
                                       ("sensors/999999/drainage/P07/level", b'{"level_cm": 1, "ts": 1}'),
                                       ("sensors/310101013/unknown/thing", b"1")):
                    await dev.publish(topic, payload, qos=1)
            key = ("water.pump_sump_level", "310101013")
            await until(lambda: state.latest(*key) is not None and state.latest(*key)[0] == sent[-1][0], 20,
                        "the last reading on the console")
            ts, values = state.history(*key)
            assert len(ts) == 50  # every one of them, none lost
            assert ts.tolist() == pytest.approx([t for t, _ in sent], abs=1e-6)
            assert values.tolist() == pytest.approx([v for _, v in sent])  # cm scaled to m
            assert bridge.mapped == 50 and bridge.received == 54
            assert dict(bridge.rejected) == {"not_json": 1, "not_a_number": 1, "bad_region": 1, "no_rule": 1}
        finally:
            await src.stop()
            await close_hub(hub)
            await bridge.stop()
            await nc.close()

    asyncio.run(main())


def test_devices_and_bridges_have_least_privilege(stack):
    from console.jetstream.layout import COMMANDS

    async def main():
        denied: list[str] = []

        async def errors(exc):
            denied.append(str(exc))

        from console.jetstream.connect import NatsUser, connect

        admin = await as_role(stack, "admin", "t-admin")
        bridge = await connect(stack.urls, NatsUser(**stack.users["bridge"]), "t-bridge", error_cb=errors)
        try:
            seen = []

            async def overheard(msg):
                seen.append(msg.subject)

            await admin.subscribe("city.samples.999999.>", cb=overheard)
            await admin.flush()
            await bridge.subscribe(COMMANDS, cb=overheard)  # the main authority's commands: not a bridge's
            await bridge.flush()
            host, port = stack.mqtt_endpoints[0]
            user = stack.users["sensor"]
            async with aiomqtt.Client(host, port, username=user["user"], password=user["password"],
                                      identifier="rogue", protocol=aiomqtt.ProtocolVersion.V311) as dev:
                # a device writing readings straight into the stream: nats-server drops it
                await dev.publish("city/samples/999999/water", b'[["x","999999001",1,1]]', qos=0)
                await dev.publish("sensors/999999/ok", b"1", qos=0)  # what it may do
            await asyncio.sleep(0.5)
            assert any("permissions violation" in d.lower() for d in denied)
            assert seen == []
        finally:
            await bridge.close()
            await admin.close()

    asyncio.run(main())


def test_the_command_line_bridge_maps_and_counts(stack, tmp_path):
    import json

    from tests.nats_stack import cityops

    stats = tmp_path / "stats.json"
    proc = cityops("bridge", "mqtt", "--nats", stack.url_list(), "--nats-creds", str(stack.creds_path),
                   "--mapping", str(resource("config", "mqtt_mapping.json")), "--stats-json", str(stats),
                   "--duration", "60", log=tmp_path / "bridge.log")

    async def main():
        deadline = time.monotonic() + 30
        while not stats.exists():  # written once it listens
            assert proc.poll() is None, (tmp_path / "bridge.log").read_text()
            assert time.monotonic() < deadline
            await asyncio.sleep(0.2)
        host, port = stack.mqtt_endpoints[0]
        user = stack.users["sensor"]
        async with aiomqtt.Client(host, port, username=user["user"], password=user["password"],
                                  identifier="manhole-M9", protocol=aiomqtt.ProtocolVersion.V311) as dev:
            for k in range(5):
                await dev.publish("sensors/310101/manhole/M9/alarm_rate", b'{"count_per_hour": %d}' % k, qos=1)
            await dev.publish("sensors/310101/manhole/M9/alarm_rate", b'{"count_per_hour": null}', qos=1)
        while json.loads(stats.read_text())["received"] < 6:
            assert time.monotonic() < deadline + 30, stats.read_text()
            await asyncio.sleep(0.2)

    try:
        asyncio.run(main())
        doc = json.loads(stats.read_text())
        assert (doc["received"], doc["mapped"], doc["rejected"]) == (6, 5, {"not_a_number": 1})
    finally:
        stop(proc)
