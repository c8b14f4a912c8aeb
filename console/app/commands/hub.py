"""`cityops hub`: a stateless cityops.feed/1 WebSocket gateway for the consoles, in front of NATS
JetStream."""

from __future__ import annotations

import argparse
import asyncio

from console.app.commands.common import read_token
from console.site.config import Config


def hub(args: argparse.Namespace, cfg: Config) -> int:
    from console.jetstream.connect import split_urls
    from console.jetstream.hub import HubOptions
    from console.jetstream.run import serve_hub, tls_context

    urls = split_urls(args.nats)
    opts = HubOptions(token=read_token(args), ssl=tls_context(args.tls_cert, args.tls_key),
                      queue_frames=max(args.queue_frames, 1), history_s=max(args.history_s, 0.0),
                      history_bytes=int(max(args.history_mb, 0.0) * (1 << 20)))
    asyncio.run(serve_hub(urls, args.nats_creds, opts, args.host, args.port, args.duration, args.stats_json))
    return 0
