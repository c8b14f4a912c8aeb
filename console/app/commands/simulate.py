"""`cityops simulate`: the simulated city served over WebSocket, or published to NATS JetStream with
--nats. Also the simulated city and its publisher as the simulator's flags describe them, for `demo`
(console/app/commands/run.py) and `cluster`."""

from __future__ import annotations

import argparse
import asyncio

from console.app.commands.common import read_token
from console.site.config import Config


def city_server(args: argparse.Namespace, token: str | None = None, burst: int = 0, skip: int = 0):
    """The simulator's WebSocket server for the "simulated city" flags (not started)."""
    from console.simulator.run import CityOptions, make_server
    from console.simulator.server import ServerOptions

    emergency = None
    if getattr(args, "emergency_at", None) is not None:
        emergency = (args.emergency_at, args.emergency_for, args.emergency_level,
                     tuple(args.emergency_district or ["310101"]))
    city = CityOptions(seed=args.seed, incident_rate_per_min=args.incident_rate, auto_handle=args.auto_handle,
                       hostile=args.hostile, emergency=emergency, street_indicators=args.street_indicators,
                       rest_days=getattr(args, "rest_days", False),
                       settle_s=3600.0 * getattr(args, "settle_hours", 0.0))
    opts = ServerOptions(speed=args.speed, rate=args.rate, batch=args.batch, burst=burst, token=token,
                         skip_seq_every=skip, source=getattr(args, "source", "shanghai-city"),
                         storm=args.storm, storm_at_s=args.storm_at, units=getattr(args, "units", 112))
    return make_server(city, opts)


def publisher_options(args: argparse.Namespace):
    from console.jetstream.publisher import PublisherOptions

    return PublisherOptions(source=getattr(args, "source", "shanghai-city"), speed=args.speed, rate=args.rate,
                            batch=max(args.batch, 1), checkpoint_s=getattr(args, "checkpoint_s", 5.0),
                            units=getattr(args, "units", 112))


def simulate(args: argparse.Namespace, cfg: Config) -> int:
    if args.nats:
        return _simulate_nats(args)
    from console.simulator.run import serve_until_stopped

    server = city_server(args, read_token(args), args.burst, args.skip_seq_every)
    asyncio.run(serve_until_stopped(server, args.host, args.port, args.duration))
    return 0


def _simulate_nats(args: argparse.Namespace) -> int:
    from console.jetstream.connect import split_urls
    from console.jetstream.run import serve_publisher

    urls = split_urls(args.nats)
    if args.burst or args.skip_seq_every or args.token_env or args.token_file:
        raise SystemExit("cityops: --burst, --skip-seq-every and feed tokens belong to the WebSocket simulator; "
                         "with --nats the hubs serve (and guard) the consoles")
    city = city_server(args).city
    asyncio.run(serve_publisher(urls, args.nats_creds, city, publisher_options(args), args.duration,
                                args.state_json))
    return 0
