"""`cityops bridge mqtt`: sensor readings from nats-server's MQTT listener to the city stream.

Devices publish MQTT 3.1.1 to any node of the cluster (the `sensor` user); nats-server hands each
message to NATS subscribers as subject `sensors.…`. This process subscribes (a queue group, so
several bridges share the load and none reads a message twice), maps each payload by the site's file
(console/bridges/mqtt/mapper.py), gathers the readings for `flush_s` and publishes them as rows on
`city.samples.<district>.<domain>`, like any publisher (console/bridges/stream_writer.py), with
checkpoints of the latest reading of each series under `state.<district>.<domain>.mqtt`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import orjson
from nats.js.errors import KeyNotFoundError

from console.bridges.mqtt.mapper import Rule, SensorMapper, topic_of
from console.bridges.stream_writer import StreamWriter, cancel_all, every, run_bridge
from console.jetstream.layout import CATALOG_KEY, SENSORS, district_of

log = logging.getLogger(__name__)
OWNER = "mqtt"
QUEUE = "bridge-mqtt"


@dataclass
class MqttBridgeOptions:
    flush_s: float = 0.05  # readings gathered this long into one message per (district, domain)
    checkpoint_s: float = 5.0
    catalog_wait_s: float = 60.0


async def load_catalog(kv, wait_s: float) -> tuple[dict[str, str], set[str]]:
    """(indicator -> domain, region codes) of the catalog in the bucket, waiting for a publisher to write it."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            doc = orjson.loads((await kv.get(CATALOG_KEY)).value)
            break
        except KeyNotFoundError:
            if time.monotonic() > deadline:
                raise SystemExit("cityops: no catalog in the bucket; the city's publisher writes it") from None
            await asyncio.sleep(0.5)
    domains = {i["id"]: i.get("domain", "other") for i in doc.get("indicators", []) if isinstance(i, dict)}
    regions = {r["code"] for r in doc.get("regions", []) if isinstance(r, dict)}
    return domains, regions


class MqttBridge:
    def __init__(self, nc, writer: StreamWriter, mapper: SensorMapper, options: MqttBridgeOptions | None = None):
        self.nc = nc
        self.writer = writer
        self.mapper = mapper
        self.opt = options or MqttBridgeOptions()
        self._groups: dict[tuple[str, str], list[list]] = {}
        self._sub = None
        self._tasks: list[asyncio.Task] = []
        self.received = 0
        self.mapped = 0
        self.rejected: Counter[str] = Counter()

    async def start(self) -> None:
        self._sub = await self.nc.subscribe(f"{SENSORS}.>", queue=QUEUE, cb=self._on_msg,
                                            pending_msgs_limit=1 << 20, pending_bytes_limit=256 << 20)
        self._tasks = [asyncio.create_task(every(self.flush, self.opt.flush_s, "MQTT", first_now=False),
                                           name="mqtt-flush"),
                       asyncio.create_task(every(self.writer.checkpoint, self.opt.checkpoint_s, "MQTT",
                                                 first_now=False), name="mqtt-checkpoint")]

    async def stop(self) -> None:
        if self._sub is not None:
            with contextlib.suppress(Exception):
                await self._sub.drain()
        await cancel_all(self._tasks)
        with contextlib.suppress(Exception):
            await self.flush()
            await self.writer.checkpoint()

    async def _on_msg(self, msg) -> None:
        self.received += 1
        row, domain, reason = self.mapper.map(topic_of(msg.subject), msg.data, time.time())
        if reason is not None:
            self.rejected[reason] += 1
            if self.rejected[reason] in (1, 100, 10_000):
                log.warning("MQTT bridge: %s from %s (%d so far)", reason, msg.subject[:120], self.rejected[reason])
            return
        self.mapped += 1
        self._groups.setdefault((district_of(row[1]), domain), []).append(row)

    async def flush(self) -> None:
        if not self._groups:
            return
        groups, self._groups = self._groups, {}
        await self.writer.publish_rows(groups)

    def summary(self) -> dict:
        return {"received": self.received, "mapped": self.mapped, "rejected": dict(self.rejected),
                **self.writer.summary()}


async def serve_mqtt_bridge(urls: list[str], creds: Path | None, rules: list[Rule], options: MqttBridgeOptions,
                            duration: float | None, stats_json: Path | None) -> None:
    from console.jetstream.connect import connect, load_creds
    from console.jetstream.layout import BUCKET

    nc = await connect(urls, load_creds(creds, "bridge"), "cityops-bridge-mqtt")
    js = nc.jetstream()
    kv = await js.key_value(BUCKET)
    domains, regions = await load_catalog(kv, options.catalog_wait_s)
    bridge = MqttBridge(nc, StreamWriter(js, kv, OWNER), SensorMapper(rules, domains, regions), options)
    await bridge.start()
    print(f"MQTT bridge: {len(rules)} rule(s), listening on {SENSORS}.>", flush=True)

    await run_bridge(bridge, nc, "MQTT", stats_json, duration, stats_every_s=1.0)
