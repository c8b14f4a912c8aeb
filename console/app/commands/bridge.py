"""`cityops bridge cap|mqtt`: real systems into the city stream. `cap`: CAP 1.2 warnings from a watched
folder and HTTP(S) Atom/RSS feeds become incidents of source upper_level. `mqtt`: sensor readings that
nats-server's MQTT listener receives become samples, by a mapping file. docs/integration.md."""

from __future__ import annotations

import argparse
import asyncio
import ssl

from console.site.config import Config


def bridge(args: argparse.Namespace, cfg: Config) -> int:
    from console.jetstream.connect import split_urls

    urls = split_urls(args.nats)
    if args.kind == "cap":
        from console.bridges.cap.mapping import MappingError, load_mapping
        from console.bridges.cap.run import CapBridgeOptions, serve_cap_bridge

        if args.folder is None and not args.feed:
            raise SystemExit("cityops: bridge cap needs --folder or --feed (or both)")
        try:
            load_mapping(args.mapping)  # refuse a bad table before connecting
        except MappingError as exc:
            raise SystemExit(f"cityops: CAP mapping: {exc}") from None
        ctx = None
        if args.ca_file is not None:
            try:
                ctx = ssl.create_default_context(cafile=str(args.ca_file))
            except (OSError, ssl.SSLError) as exc:
                raise SystemExit(f"cityops: cannot load the CA file: {exc}") from None
        opts = CapBridgeOptions(folder=args.folder, feeds=tuple(args.feed), folder_poll_s=args.folder_poll,
                                feed_poll_s=args.feed_poll, max_bytes=args.max_kb * 1024, ssl_context=ctx)
        asyncio.run(serve_cap_bridge(urls, args.nats_creds, opts, args.mapping, args.duration, args.stats_json))
        return 0
    from console.bridges.mqtt.mapper import MappingError as MqttMappingError
    from console.bridges.mqtt.mapper import load_rules
    from console.bridges.mqtt.run import MqttBridgeOptions, serve_mqtt_bridge

    try:
        rules = load_rules(args.mapping)
    except MqttMappingError as exc:
        raise SystemExit(f"cityops: MQTT mapping: {exc}") from None
    opts = MqttBridgeOptions(flush_s=args.flush_s)
    asyncio.run(serve_mqtt_bridge(urls, args.nats_creds, rules, opts, args.duration, args.stats_json))
    return 0
