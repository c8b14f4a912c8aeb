"""`cityops cluster`: a local 3-node NATS JetStream cluster, the simulated city publishing to it, and
hubs in front of it (docs/deployment.md)."""

from __future__ import annotations

import argparse
import asyncio

from console.app.commands.simulate import city_server, publisher_options
from console.site.config import Config


def cluster(args: argparse.Namespace, cfg: Config) -> int:
    from console.jetstream.run import run_stack

    city = city_server(args).city
    asyncio.run(run_stack(city, publisher_options(args), args.hubs, args.hub_port, args.duration))
    return 0
