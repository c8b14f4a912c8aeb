"""A one-node NATS stack for the bridges' end-to-end tests: nats-server (JetStream and its MQTT
listener on), the simulated city publishing from its own process (the catalog and the main authority),
a hub in this process and consoles on it. Everything on loopback."""

from __future__ import annotations

from console.feed.frames import Reply
from console.feed.live_source import FeedConfig, LiveSource
from console.jetstream.connect import NatsUser, connect
from console.jetstream.hub import Hub, HubOptions
from console.model.city_state import CityState
from console.model.ingest import Ingest
from tests.live import FAST


async def start_hub(cluster, **opts) -> Hub:
    nc = await connect(cluster.urls, NatsUser(**cluster.users["hub"]), "test-hub")
    hub = Hub(nc, HubOptions(**opts))
    await hub.start()
    return hub


async def close_hub(hub: Hub) -> None:
    await hub.stop()
    await hub.nc.close()


def console_on(hub: Hub, **filters):
    """A console's feed, state and the replies it got."""
    state, replies = CityState(), []
    src = LiveSource([FeedConfig(f"ws://127.0.0.1:{hub.port}", "city", **filters)], FAST)
    src.add_listener(Ingest(state))
    src.add_listener(lambda env: replies.append(env.decoded.frame) if isinstance(env.decoded.frame, Reply) else None)
    return src, state, replies


async def as_role(cluster, role: str, name: str):
    return await connect(cluster.urls, NatsUser(**cluster.users[role]), name)
