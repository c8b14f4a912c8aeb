"""`cityops`: the command line. Subcommands: demo, run, replay, export, simulate, hub, cluster, handover."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from pathlib import Path

from console import __version__
from console.city_state import StateConfig
from console.live_source import FeedConfig

log = logging.getLogger("cityops")


def _feed_spec(spec: str) -> tuple[str, str]:
    """`URL` or `NAME=URL`."""
    name, sep, url = spec.partition("=")
    if sep and "://" not in name:
        return name, url
    return "", spec


def _token(args: argparse.Namespace) -> str | None:
    # tokens come from the environment or a file, never from the command line (it shows in `ps`)
    if getattr(args, "token_env", None):
        tok = os.environ.get(args.token_env)
        if not tok:
            raise SystemExit(f"cityops: environment variable {args.token_env} is empty or not set")
        return tok.strip()
    if getattr(args, "token_file", None):
        try:
            return Path(args.token_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise SystemExit(f"cityops: cannot read token file: {exc}") from None
    return None


def _add_sim_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("simulated city")
    g.add_argument("--seed", type=int, default=7, help="random seed (same seed, same city)")
    g.add_argument("--speed", type=float, default=1.0, help="simulated seconds per real second")
    g.add_argument("--rate", type=float, default=None,
                   help="push this many samples/s in total instead of each indicator's own cadence")
    g.add_argument("--batch", type=int, default=500, help="most samples in one frame")
    g.add_argument("--incident-rate", type=float, default=2.0, help="new incidents per simulated minute")
    g.add_argument("--auto-handle", type=float, default=0.7,
                   help="share of incidents the simulated district officers handle by themselves (0..1)")
    g.add_argument("--hostile", action="store_true", help="some incident titles carry markup and scripts")


def _add_view_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("window and automation")
    g.add_argument("--headless", action="store_true", help="no window: ingest and write counters")
    g.add_argument("--duration", type=float, default=None, help="stop after S seconds")
    g.add_argument("--stats-json", type=Path, default=None, help="write counters here (headless)")
    g.add_argument("--screenshot", type=Path, default=None, help="write a PNG of the window")
    g.add_argument("--quit-after", type=float, default=None, help="quit the window after S seconds")
    g.add_argument("--history-hours", type=float, default=24.0, help="history kept in memory per series")
    g.add_argument("--max-series", type=int, default=4096, help="most (indicator, region) series kept")
    g.add_argument("--tile-url", default=None,
                   help="an intranet map tile server, e.g. http://tiles.local/{z}/{x}/{y}.png (default: none, "
                        "the map draws boundaries only)")
    g.add_argument("--lang", choices=["zh", "en"], default="zh", help="interface language")
    g.add_argument("--operator", default=None, help="the operator's name on commands (default: login name)")
    g.add_argument("--role", choices=["duty_officer", "leader", "analyst"], default="duty_officer",
                   help="duty officers act on incidents; leaders and analysts only view")
    g.add_argument("--record-dir", type=Path, default=None,
                   help="where live sessions are recorded (default: the data folder's recordings/)")
    g.add_argument("--no-record", action="store_true", help="do not record this live session")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="cityops", description="CityOps Console (城运态势台)")
    p.add_argument("--version", action="version", version=f"cityops {__version__}")
    p.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    sub = p.add_subparsers(dest="cmd", required=True)

    demo = sub.add_parser("demo", help="the console on the built-in simulated Shanghai")
    _add_sim_args(demo)
    _add_view_args(demo)

    run = sub.add_parser("run", help="the console on real feeds")
    run.add_argument("--feed", action="append", required=True, metavar="[NAME=]URL[,URL…]",
                     help="a feed server, ws:// or wss:// (repeat for a city feed plus district feeds); "
                          "several URLs separated by commas are hubs of one feed, tried in turn")
    run.add_argument("--token-env", metavar="VAR", help="read the feed token from this environment variable")
    run.add_argument("--token-file", metavar="FILE", help="read the feed token from this file")
    run.add_argument("--region", action="append", default=[], help="subscribe only to these region codes")
    run.add_argument("--domain", action="append", default=[], help="subscribe only to these domains")
    run.add_argument("--record", type=Path, default=None, help="record every frame to this file (headless)")
    run.add_argument("--state-json", type=Path, default=None,
                     help="headless: at the end, write the open incidents' versions and every latest value")
    _add_view_args(run)

    rp = sub.add_parser("replay", help="open a recording in the console (play, seek, speed, bookmarks)")
    rp.add_argument("file", type=Path)
    _add_view_args(rp)

    ex = sub.add_parser("export", help="a time range of a recording to CSV or Parquet (pandas)")
    ex.add_argument("file", type=Path)
    ex.add_argument("--from", dest="start", default=None, help="start: ISO time (Shanghai if no zone) or UNIX s")
    ex.add_argument("--to", dest="end", default=None, help="end: ISO time or UNIX seconds")
    ex.add_argument("--format", choices=["csv", "parquet"], default="csv")
    ex.add_argument("--out", type=Path, default=Path("out/export"))
    ex.add_argument("--unmask", action="store_true", help="keep personal data (only where the role allows it)")

    sim = sub.add_parser("simulate", help="serve the simulated city over WebSocket")
    sim.add_argument("--host", default="127.0.0.1")
    sim.add_argument("--port", type=int, default=8765)
    sim.add_argument("--source", default="shanghai-city", help="feed id announced in hello")
    sim.add_argument("--token-env", metavar="VAR", help="require the token in this environment variable")
    sim.add_argument("--token-file", metavar="FILE", help="require the token in this file")
    sim.add_argument("--burst", type=int, default=0,
                     help="benchmark: after the snapshot, send this many samples as fast as possible")
    sim.add_argument("--skip-seq-every", type=int, default=0, help="fault injection: lose every Nth frame")
    sim.add_argument("--duration", type=float, default=None, help="stop after S seconds")
    sim.add_argument("--nats", metavar="URL[,URL…]", default=None,
                     help="publish to NATS JetStream instead of serving WebSocket (hubs serve the consoles)")
    sim.add_argument("--nats-creds", type=Path, default=None, metavar="FILE",
                     help="NATS users by role, JSON (`cityops cluster` writes one); none: no auth")
    sim.add_argument("--checkpoint-s", type=float, default=5.0, help="with --nats: seconds between checkpoints")
    sim.add_argument("--state-json", type=Path, default=None,
                     help="with --nats: at the end, write the authority's open incidents and latest values")
    _add_sim_args(sim)

    hub = sub.add_parser("hub", help="a stateless cityops.feed/1 WebSocket gateway in front of NATS JetStream")
    hub.add_argument("--nats", metavar="URL[,URL…]", required=True, help="the NATS cluster's servers")
    hub.add_argument("--nats-creds", type=Path, default=None, metavar="FILE", help="NATS users by role, JSON")
    hub.add_argument("--host", default="127.0.0.1")
    hub.add_argument("--port", type=int, default=8766)
    hub.add_argument("--token-env", metavar="VAR", help="require this token (environment variable) from consoles")
    hub.add_argument("--token-file", metavar="FILE", help="require the token in this file from consoles")
    hub.add_argument("--tls-cert", type=Path, default=None, help="serve wss:// with this certificate (PEM)")
    hub.add_argument("--tls-key", type=Path, default=None, help="…and this private key (PEM)")
    hub.add_argument("--queue-frames", type=int, default=1000, help="frames queued per console before dropping")
    hub.add_argument("--history-s", type=float, default=3600.0,
                     help="recent readings kept for a new console's charts (seconds; 0: none)")
    hub.add_argument("--history-mb", type=float, default=64.0, help="…and at most this many MB of them")
    hub.add_argument("--stats-json", type=Path, default=None, help="write the hub's counters here")
    hub.add_argument("--duration", type=float, default=None, help="stop after S seconds")

    cl = sub.add_parser("cluster", help="a local 3-node NATS JetStream cluster, the simulated city and hubs")
    cl.add_argument("--hubs", type=int, default=2)
    cl.add_argument("--hub-port", type=int, default=0, help="first hub's port (default: free ports)")
    cl.add_argument("--duration", type=float, default=None, help="stop after S seconds")
    _add_sim_args(cl)

    rep = sub.add_parser("handover", help="write a shift handover report (PDF)")
    rep.add_argument("--sample", action="store_true", required=True,
                     help="from a simulated shift (the live console writes its own from the menu)")
    rep.add_argument("--hours", type=float, default=8.0)
    rep.add_argument("--seed", type=int, default=7)
    rep.add_argument("--out", type=Path, default=Path("out/handover-sample.pdf"))
    return p


def _state_config(args: argparse.Namespace) -> StateConfig:
    return StateConfig(history_s=args.history_hours * 3600, max_series=args.max_series)


def _server(args: argparse.Namespace, token: str | None = None, burst: int = 0, skip: int = 0):
    from console.simulator.run import CityOptions, make_server
    from console.simulator.server import ServerOptions

    city = CityOptions(seed=args.seed, incident_rate_per_min=args.incident_rate, auto_handle=args.auto_handle,
                       hostile=args.hostile)
    opts = ServerOptions(speed=args.speed, rate=args.rate, batch=args.batch, burst=burst, token=token,
                         skip_seq_every=skip, source=getattr(args, "source", "shanghai-city"))
    return make_server(city, opts)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.cmd == "simulate" and args.nats:
        return _simulate_nats(args)
    if args.cmd == "hub":
        return _hub(args)
    if args.cmd == "cluster":
        from console.jetstream.run import run_stack

        city = _server(args).city
        asyncio.run(run_stack(city, _publisher_options(args), args.hubs, args.hub_port, args.duration))
        return 0
    if args.cmd == "simulate":
        from console.simulator.run import serve_until_stopped

        server = _server(args, _token(args), args.burst, args.skip_seq_every)
        asyncio.run(serve_until_stopped(server, args.host, args.port, args.duration))
        return 0
    if args.cmd == "run":
        return _run_console(args, _feeds(args, None), None)
    if args.cmd == "replay":
        if not args.file.exists():
            raise SystemExit(f"cityops: no such recording: {args.file}")
        if args.headless:
            raise SystemExit("cityops: replay needs the window (use `cityops export` for data)")
        return _run_console(args, [], None)
    if args.cmd == "export":
        return _export(args)
    if args.cmd == "handover":
        return _handover_sample(args)
    if args.cmd == "demo":
        from console.simulator.run import SimulatorThread

        sim = SimulatorThread(_server(args))
        port = sim.start()
        log.info("built-in simulated Shanghai on ws://127.0.0.1:%d", port)
        try:
            return _run_console(args, [FeedConfig(f"ws://127.0.0.1:{port}", "上海市城运平台(模拟)")], sim)
        finally:
            sim.stop()
    return 2


def _feeds(args: argparse.Namespace, cfg=None) -> list[FeedConfig]:
    """One FeedConfig per --feed; several URLs in one (comma-separated) are hubs of that feed. (`cfg`: the
    shape main's config file work gives this function, for the merge.)"""
    tok = _token(args)
    feeds = []
    for spec in args.feed:
        name, url_spec = _feed_spec(spec)
        urls = [u.strip() for u in url_spec.split(",") if u.strip()] or [url_spec]
        for url in urls:
            if not url.startswith(("ws://", "wss://")):
                raise SystemExit(f"cityops: feed URL must start with ws:// or wss://: {url!r}")
        feeds.append(FeedConfig(urls[0], name, tok, tuple(getattr(args, "region", ())),
                                tuple(getattr(args, "domain", ())), alternates=tuple(urls[1:])))
    return feeds


def _publisher_options(args: argparse.Namespace):
    from console.jetstream.publisher import PublisherOptions

    return PublisherOptions(source=getattr(args, "source", "shanghai-city"), speed=args.speed, rate=args.rate,
                            batch=max(args.batch, 1), checkpoint_s=getattr(args, "checkpoint_s", 5.0))


def _simulate_nats(args: argparse.Namespace) -> int:
    from console.jetstream.connect import split_urls
    from console.jetstream.run import serve_publisher

    urls = split_urls(args.nats)
    if args.burst or args.skip_seq_every or args.token_env or args.token_file:
        raise SystemExit("cityops: --burst, --skip-seq-every and feed tokens belong to the WebSocket simulator; "
                         "with --nats the hubs serve (and guard) the consoles")
    city = _server(args).city
    asyncio.run(serve_publisher(urls, args.nats_creds, city, _publisher_options(args), args.duration,
                                args.state_json))
    return 0


def _hub(args: argparse.Namespace) -> int:
    from console.jetstream.connect import split_urls
    from console.jetstream.hub import HubOptions
    from console.jetstream.run import serve_hub, tls_context

    urls = split_urls(args.nats)
    opts = HubOptions(token=_token(args), ssl=tls_context(args.tls_cert, args.tls_key),
                      queue_frames=max(args.queue_frames, 1), history_s=max(args.history_s, 0.0),
                      history_bytes=int(max(args.history_mb, 0.0) * (1 << 20)))
    asyncio.run(serve_hub(urls, args.nats_creds, opts, args.host, args.port, args.duration, args.stats_json))
    return 0


def parse_time(text: str | None) -> float | None:
    """UNIX seconds, or an ISO time (Shanghai time when it names no zone)."""
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        pass
    import datetime as dt

    try:
        t = dt.datetime.fromisoformat(text)
    except ValueError:
        raise SystemExit(f"cityops: cannot read the time {text!r} (ISO 8601 or UNIX seconds)") from None
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.timezone(dt.timedelta(hours=8)))
    return t.timestamp()


def _export(args: argparse.Namespace) -> int:
    from console.export import export_recording
    from console.recording import Recording

    if not args.file.exists():
        raise SystemExit(f"cityops: no such recording: {args.file}")

    def progress(frac: float) -> None:
        print(f"\rexporting {frac * 100:5.1f}%", end="", file=sys.stderr, flush=True)

    res = export_recording(Recording(args.file), args.out, args.format, parse_time(args.start), parse_time(args.end),
                           unmask=args.unmask, progress=progress)
    print(file=sys.stderr)
    print(f"{res.samples} readings -> {res.samples_path}\n{res.incidents} incidents -> {res.incidents_path}")
    return 0


def _handover_sample(args: argparse.Namespace) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    from console.handover import summarize
    from console.resources import resource
    from console.simulator.sample_shift import simulate_shift
    from console.sla import SlaBook
    from console.ui.handover_pdf import write_handover_pdf

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 - fonts and painting need it
    state, start, end = simulate_shift(args.hours, args.seed)
    summary = summarize(state, SlaBook.load(resource("config", "sla.json")), start, end, "值班员（模拟）")
    write_handover_pdf(summary, args.out, state.region_label)
    print(f"{args.out}: {len(summary.opened)} opened, {len(summary.closed)} closed, "
          f"{len(summary.still_open)} handed over, {len(summary.breached)} breached")
    return 0


def _run_console(args: argparse.Namespace, feeds: list[FeedConfig], sim) -> int:
    if args.headless:
        from console.headless import run_headless

        stats = asyncio.run(run_headless(feeds, args.duration, args.stats_json, _state_config(args),
                                         record=getattr(args, "record", None),
                                         state_path=getattr(args, "state_json", None)))
        if not args.stats_json:
            print(f"frames {stats['frames']} samples {stats['samples']} events {stats['events']} "
                  f"rejects {stats['reject_total']} reconnects {stats['reconnects']} gaps {stats['gaps']}")
        return 0
    from console.gui_app import run_gui
    from console.operator import Operator, Role
    from console.paths import data_dir

    role = Role(args.role)
    operator = Operator(args.operator, role) if args.operator else Operator.from_login(role)
    record_dir = None if args.no_record else (args.record_dir or data_dir() / "recordings")
    return run_gui(feeds, _state_config(args), screenshot=args.screenshot,
                   quit_after=args.quit_after if args.quit_after is not None else args.duration,
                   tile_url=args.tile_url, language=args.lang, operator=operator,
                   replay=getattr(args, "file", None), record_dir=record_dir)


if __name__ == "__main__":
    sys.exit(main())
