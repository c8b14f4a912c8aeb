"""`cityops`: the command line. Subcommands: demo, run, replay, export, simulate, hub, cluster, handover, paths,
check-config.

Everything that could stop a start (the config file, its tokens, SLA and rules files, the folders) is
checked in `main` before a window opens or a feed is dialled."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from pathlib import Path
from typing import NoReturn

from console.feed.live_source import FeedConfig
from console.model.city_state import StateConfig
from console.privacy.scrub import SCRUB
from console.site.config import Config, ConfigError, load_config
from console.site.logs import setup_logging

log = logging.getLogger("cityops")


def _feed_spec(spec: str) -> tuple[str, str]:
    """`URL` or `NAME=URL`."""
    name, sep, url = spec.partition("=")
    if sep and "://" not in name:
        return name, url
    return "", spec


def _token(args: argparse.Namespace) -> str | None:
    # tokens come from the environment or a file, never from the command line (it shows in `ps`)
    tok = None
    if getattr(args, "token_env", None):
        tok = (os.environ.get(args.token_env) or "").strip()
        if not tok:
            raise SystemExit(f"cityops: environment variable {args.token_env} is empty or not set")
    elif getattr(args, "token_file", None):
        try:
            tok = Path(args.token_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise SystemExit(f"cityops: cannot read token file: {exc}") from None
    SCRUB.add_secret(tok)  # from here on no log line can carry it
    return tok


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
    g.add_argument("--emergency-at", type=float, default=None, metavar="S",
                   help="declare an emergency response S simulated seconds after start (emergency mode)")
    g.add_argument("--emergency-for", type=float, default=1800.0, metavar="S", help="how long it lasts")
    g.add_argument("--emergency-level", type=int, default=2, choices=[1, 2, 3, 4], help="1–4 = Ⅳ…Ⅰ级")
    g.add_argument("--emergency-district", action="append", default=[], metavar="CODE",
                   help="a district under it (repeat; default 310101 黄浦区)")
    g.add_argument("--storm", type=int, default=0, metavar="N",
                   help="alarm-flood drill: N incidents of one cause in one district within 2 simulated minutes")
    g.add_argument("--storm-at", type=float, default=60.0, metavar="S",
                   help="when the storm starts, in simulated seconds after the start")


def _add_view_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("window and automation")
    g.add_argument("--headless", action="store_true", help="no window: ingest and write counters")
    g.add_argument("--duration", type=float, default=None, help="stop after S seconds")
    g.add_argument("--stats-json", type=Path, default=None, help="write counters here (headless)")
    g.add_argument("--screenshot", type=Path, default=None, help="write a PNG of the window")
    g.add_argument("--quit-after", type=float, default=None, help="quit the window after S seconds")
    g.add_argument("--history-hours", type=float, default=24.0, help="history kept in memory per series")
    g.add_argument("--max-series", type=int, default=4096, help="most (indicator, region) series kept")
    g.add_argument("--tile-url", default=None,  # default: the config file's [map] tile_url
                   help="an intranet map tile server, e.g. http://tiles.local/{z}/{x}/{y}.png (default: none, "
                        "the map draws boundaries only)")
    g.add_argument("--lang", choices=["zh", "en"], default=None, help="interface language (default: config, zh)")
    g.add_argument("--operator", default=None, help="the operator's name on commands (default: config, login name)")
    g.add_argument("--role", choices=["duty_officer", "leader", "analyst"], default=None,
                   help="duty officers act on incidents; leaders and analysts only view (default: config, "
                        "duty_officer)")
    g.add_argument("--no-record", action="store_true", help="do not record this live session")
    g.add_argument("--layout", type=Path, default=None, help="start with this layout file (exported for the role)")
    g.add_argument("--status-file", type=Path, default=None,
                   help="write what the screen shows (freshness, banner, dialogs, memory) here every 5 s")
    w = p.add_argument_group("big-screen wall")
    w.add_argument("--wall", action="store_true", help="the big-screen wall instead of the workstation window")
    w.add_argument("--wall-screen", type=int, default=None, metavar="N", help="which monitor (default: primary)")
    w.add_argument("--wall-span", action="store_true", help="span every monitor")
    w.add_argument("--wall-diagonal", type=float, default=None, metavar="IN",
                   help="the panel's diagonal in inches, when it misreports its size")
    w.add_argument("--wall-width-mm", type=float, default=None, metavar="MM", help="or the glass width")
    w.add_argument("--wall-distance", type=float, default=5.0, metavar="M", help="viewing distance (default 5 m)")
    w.add_argument("--wall-views", default=None, metavar="ID,ID",
                   help="views the carousel shows, from resources/config/wall.json (default: all)")
    w.add_argument("--wall-dwell", type=float, default=None, metavar="S", help="seconds per view")
    w.add_argument("--no-carousel", action="store_true", help="stay on the first view")
    w.add_argument("--wall-size", default=None, metavar="WxH", help="a window of this size instead of full screen")


def _add_place_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("where files go (each also an environment variable; see `cityops paths`)")
    g.add_argument("--config", type=Path, default=None, help="the TOML config file (env CITYOPS_CONFIG)")
    g.add_argument("--layouts-dir", type=Path, default=None, help="saved window layouts (env CITYOPS_LAYOUTS_DIR)")
    g.add_argument("--record-dir", type=Path, default=None,
                   help="where live sessions are recorded (env CITYOPS_RECORDINGS_DIR)")
    g.add_argument("--journal-dir", type=Path, default=None,
                   help="the command journal and audit log (env CITYOPS_JOURNAL_DIR)")
    g.add_argument("--log-dir", type=Path, default=None, help="the rotating program log (env CITYOPS_LOG_DIR)")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="cityops", description="CityOps Console (城运态势台)")
    p.add_argument("--version", action="store_true", help="print the version and build, and exit")
    p.add_argument("--log-level", default=None, choices=["DEBUG", "INFO", "WARNING", "ERROR"],
                   help="default: the config file's [logging] level, else INFO")
    sub = p.add_subparsers(dest="cmd")

    demo = sub.add_parser("demo", help="the console on the built-in simulated Shanghai")
    _add_sim_args(demo)
    _add_view_args(demo)
    _add_place_args(demo)

    run = sub.add_parser("run", help="the console on real feeds")
    run.add_argument("--feed", action="append", default=[], metavar="[NAME=]URL[,URL…]",
                     help="a feed server, ws:// or wss:// (repeat for a city feed plus district feeds; several "
                          "URLs separated by commas are hubs of one feed, tried in turn; "
                          "default: the config file's [[feeds]])")
    run.add_argument("--token-env", metavar="VAR", help="read the feed token from this environment variable")
    run.add_argument("--token-file", metavar="FILE", help="read the feed token from this file")
    run.add_argument("--region", action="append", default=[], help="subscribe only to these region codes")
    run.add_argument("--domain", action="append", default=[], help="subscribe only to these domains")
    run.add_argument("--record", type=Path, default=None, help="record every frame to this file (headless)")
    run.add_argument("--state-json", type=Path, default=None,
                     help="headless: at the end, write the open incidents' versions and every latest value")
    _add_view_args(run)
    _add_place_args(run)

    wl = sub.add_parser("wall", help="the big-screen wall (大屏): on --feed, or on the built-in simulated city")
    wl.add_argument("--feed", action="append", default=[], metavar="[NAME=]URL", help="a feed server (repeat)")
    wl.add_argument("--token-env", metavar="VAR", help="read the feed token from this environment variable")
    wl.add_argument("--token-file", metavar="FILE", help="read the feed token from this file")
    _add_sim_args(wl)
    _add_view_args(wl)
    _add_place_args(wl)

    rp = sub.add_parser("replay", help="open a recording in the console (play, seek, speed, bookmarks)")
    rp.add_argument("file", type=Path)
    _add_view_args(rp)
    _add_place_args(rp)

    pa = sub.add_parser("paths", help="print where the config, layouts, recordings, journal and logs are")
    _add_place_args(pa)
    cc = sub.add_parser("check-config", help="check the config file (and its tokens, SLA and rules files)")
    _add_place_args(cc)

    ex = sub.add_parser("export", help="a time range of a recording to CSV or Parquet (pandas)")
    ex.add_argument("file", type=Path)
    ex.add_argument("--from", dest="start", default=None, help="start: ISO time (Shanghai if no zone) or UNIX s")
    ex.add_argument("--to", dest="end", default=None, help="end: ISO time or UNIX seconds")
    ex.add_argument("--format", choices=["csv", "parquet"], default="csv")
    ex.add_argument("--out", type=Path, default=Path("out/export"))
    ex.add_argument("--unmask", action="store_true", help="keep personal data (only where the role allows it)")
    ex.add_argument("--role", choices=["duty_officer", "leader", "analyst"], default="analyst",
                    help="whose export this is: the site's role policy decides export and unmasking")
    ex.add_argument("--audit", type=Path, default=None,
                    help="the operators' actions from this audit log too (default: the data folder's, if any)")

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

    af = sub.add_parser("alarm-figures", help="alarm-system figures (EEMUA 191) of a shift: printed, CSV, PDF")
    af.add_argument("--sample", action="store_true", required=True,
                    help="from a simulated shift, accelerated, with the console's own rules running")
    af.add_argument("--hours", type=float, default=1.0)
    af.add_argument("--seed", type=int, default=7)
    af.add_argument("--incident-rate", type=float, default=1.0, help="new incidents per simulated minute")
    af.add_argument("--storm", type=int, default=0, metavar="N",
                    help="N incidents of one cause in one district a third of the way into the shift")
    af.add_argument("--out", type=Path, default=Path("out/alarm-figures"), help="folder for the CSV files")
    af.add_argument("--pdf", type=Path, default=None, help="also write the handover report with the figures")
    return p


def _state_config(args: argparse.Namespace) -> StateConfig:
    return StateConfig(history_s=args.history_hours * 3600, max_series=args.max_series)


def _server(args: argparse.Namespace, token: str | None = None, burst: int = 0, skip: int = 0):
    from console.simulator.run import CityOptions, make_server
    from console.simulator.server import ServerOptions

    emergency = None
    if getattr(args, "emergency_at", None) is not None:
        emergency = (args.emergency_at, args.emergency_for, args.emergency_level,
                     tuple(args.emergency_district or ["310101"]))
    city = CityOptions(seed=args.seed, incident_rate_per_min=args.incident_rate, auto_handle=args.auto_handle,
                       hostile=args.hostile, emergency=emergency)
    opts = ServerOptions(speed=args.speed, rate=args.rate, batch=args.batch, burst=burst, token=token,
                         skip_seq_every=skip, source=getattr(args, "source", "shanghai-city"),
                         storm=args.storm, storm_at_s=args.storm_at)
    return make_server(city, opts)


PLACE_FLAGS = {"config": "config", "layouts": "layouts_dir", "recordings": "record_dir", "journal": "journal_dir",
               "logs": "log_dir"}
FILE_LOG_COMMANDS = ("demo", "run", "replay", "wall")  # the console keeps a log file; tools log to stderr only


def _prepare(args: argparse.Namespace) -> Config:
    """Read the config, settle the places, start logging. Raises ConfigError / SystemExit on anything
    wrong, before any window or connection exists."""
    from console.site import paths

    flags = {place: getattr(args, dest, None) for place, dest in PLACE_FLAGS.items()}
    cfg_path, cfg_source = paths.config_file(flags["config"])
    # a file named on purpose must exist; the default place may hold none (then the built-in defaults)
    cfg = load_config(cfg_path, must_exist=cfg_source != "default")
    places = paths.resolve(flags, cfg.paths)
    paths.use(places)
    level = args.log_level or cfg.log_level
    if args.cmd in FILE_LOG_COMMANDS:
        paths.ensure(places)
        setup_logging(level, places.logs, int(cfg.log_max_mb * 1e6), cfg.log_backups)
    else:
        setup_logging(level)
    return cfg


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.version:
        from console.site.about import version_line

        print(version_line())
        return 0
    if args.cmd is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        cfg = _prepare(args)
    except (ConfigError, OSError) as exc:
        _refuse(args, f"configuration error: {exc}" if isinstance(exc, ConfigError) else str(exc))
    if args.cmd == "paths":
        return _print_paths(cfg)
    if args.cmd == "check-config":
        return _print_config(cfg)
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
    if args.cmd == "wall":
        args.wall = True
        if not args.feed and not cfg.feeds:
            args.cmd = "demo"  # the wall on the built-in simulated city
    if args.cmd in ("run", "wall"):
        feeds = _feeds(args, cfg)
        return _run_console(args, cfg, feeds, None)
    if args.cmd == "replay":
        if not args.file.exists():
            raise SystemExit(f"cityops: no such recording: {args.file}")
        if args.headless:
            raise SystemExit("cityops: replay needs the window (use `cityops export` for data)")
        return _run_console(args, cfg, [], None)
    if args.cmd == "export":
        return _export(args, cfg)
    if args.cmd == "handover":
        return _handover_sample(args)
    if args.cmd == "alarm-figures":
        return _alarm_figures_sample(args)
    if args.cmd == "demo":
        from console.simulator.run import SimulatorThread

        sim = SimulatorThread(_server(args))
        port = sim.start()
        log.info("built-in simulated Shanghai on ws://127.0.0.1:%d", port)
        try:
            return _run_console(args, cfg, [FeedConfig(f"ws://127.0.0.1:{port}", "上海市城运平台(模拟)")], sim)
        finally:
            sim.stop()
    return 2


def _started_from_a_desktop(args: argparse.Namespace) -> bool:
    """A window would open, there is a display, and no terminal to read stderr (the menu entry)."""
    return (args.cmd in FILE_LOG_COMMANDS and not getattr(args, "headless", False)
            and bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
            and not sys.stderr.isatty())


def _refuse(args: argparse.Namespace, message: str) -> NoReturn:
    """Stop before starting: the reason on stderr, and in a window when started from the desktop menu."""
    print(f"cityops: {message}", file=sys.stderr)
    if _started_from_a_desktop(args):
        from console.ui.startup_error import show_startup_error

        show_startup_error(message)
    raise SystemExit(2)


def _feeds(args: argparse.Namespace, cfg: Config) -> list[FeedConfig]:
    """--feed on the command line replaces the config file's [[feeds]]; one or the other must give some."""
    if args.feed:
        tok = _token(args)
        feeds = []
        for spec in args.feed:
            name, url_spec = _feed_spec(spec)
            urls = [u.strip() for u in url_spec.split(",") if u.strip()] or [url_spec]
            for url in urls:  # several URLs: hubs of one feed
                if not url.startswith(("ws://", "wss://")):
                    _refuse(args, f"feed URL must start with ws:// or wss://: {url!r}")
            feeds.append(FeedConfig(urls[0], name, tok, tuple(getattr(args, "region", ())),
                                    tuple(getattr(args, "domain", ())), alternates=tuple(urls[1:])))
        return feeds
    if args.token_env or args.token_file:
        _refuse(args, "--token-env/--token-file go with --feed; feeds from the config file name their own "
                      "token_env or token_file")
    if not cfg.feeds:
        _refuse(args, f"no feed: give --feed URL, or [[feeds]] in the config file ({cfg.path or 'none'})")
    return [FeedConfig(f.url, f.name, f.token, f.regions or tuple(getattr(args, "region", ())),
                       f.domains or tuple(getattr(args, "domain", ()))) for f in cfg.feeds]


def _print_paths(cfg: Config) -> int:
    from console.resources import resources_dir
    from console.site.paths import active

    places = active()
    for name, path in places.items():
        note = places.sources.get(name, "default")
        if name == "config" and cfg.path is None:
            note += ", not present: built-in defaults"
        print(f"{name:<11}{path}  ({note})")
    print(f"{'resources':<11}{resources_dir()}  (shipped, read-only)")
    return 0


def _print_config(cfg: Config) -> int:
    if cfg.path is None:
        print("no config file: the built-in defaults (see `cityops paths` for where one would be read)")
        return 0
    print(f"{cfg.path}: OK")
    print(f"  operator  {cfg.operator_name or '(login name)'}, role {cfg.role.value}")
    for f in cfg.feeds:
        print(f"  feed      {f.name or f.url}  {f.url}  token: {f.token_source or 'none'}")
    print(f"  map tiles {cfg.tile_url or '(none: boundaries only)'}")
    print(f"  sla       {cfg.sla_file or '(shipped)'}")
    print(f"  rules     {cfg.rules_file or '(shipped)'}")
    print(f"  recording {'on' if cfg.record else 'off'}, keep {cfg.retention_days:g} days / {cfg.retention_gb:g} GB")
    print(f"  logging   {cfg.log_level}, {cfg.log_max_mb:g} MB x {cfg.log_backups + 1} files")
    return 0


def _wall_options(args: argparse.Namespace):
    if not getattr(args, "wall", False):
        return None
    from console.ui.wall_window import WallOptions

    size = None
    if args.wall_size:
        try:
            w, h = (int(x) for x in args.wall_size.lower().split("x"))
            size = (w, h)
        except ValueError:
            raise SystemExit(f"cityops: --wall-size wants WIDTHxHEIGHT (3840x2160), not {args.wall_size!r}") from None
    return WallOptions(screen=args.wall_screen, span=args.wall_span, width_mm=args.wall_width_mm,
                       diagonal_in=args.wall_diagonal, distance_m=args.wall_distance, rotate=not args.no_carousel,
                       size=size)




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


def _export(args: argparse.Namespace, cfg: Config) -> int:
    from console.incidents.operator import Role
    from console.recording.export import export_recording
    from console.recording.store import Recording

    if not args.file.exists():
        raise SystemExit(f"cityops: no such recording: {args.file}")
    policy = cfg.role_policy(Role(args.role))
    if not policy.export:
        raise SystemExit(f"cityops: role {args.role} may not export (role policy)")
    if args.unmask and not policy.unmask_personal:
        raise SystemExit(f"cityops: role {args.role} may not unmask personal data (role policy)")

    def progress(frac: float) -> None:
        print(f"\rexporting {frac * 100:5.1f}%", end="", file=sys.stderr, flush=True)

    from console.site.paths import data_dir

    audit = args.audit or (data_dir() / "audit.jsonl")
    if args.audit is not None and not audit.exists():
        raise SystemExit(f"cityops: no such audit log: {audit}")
    res = export_recording(Recording(args.file), args.out, args.format, parse_time(args.start), parse_time(args.end),
                           unmask=args.unmask, progress=progress, audit=audit if audit.exists() else None)
    print(file=sys.stderr)
    print(f"{res.samples} readings -> {res.samples_path}\n{res.incidents} incidents -> {res.incidents_path}")
    if res.actions_path is not None:
        print(f"{res.actions} operator actions -> {res.actions_path}")
    return 0


def _handover_sample(args: argparse.Namespace) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    from console.alarms.discovery_rules import RuleEngine, load_rules
    from console.incidents.handover import summarize
    from console.incidents.sla import SlaBook
    from console.resources import resource
    from console.simulator.sample_shift import SHIFT_OPERATOR, simulate_shift
    from console.ui.handover_pdf import write_handover_pdf

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 - fonts and painting need it
    rules = RuleEngine(load_rules(resource("config", "rules.json")))
    state, start, end = simulate_shift(args.hours, args.seed, rules=rules)
    summary = summarize(state, SlaBook.load(resource("config", "sla.json")), start, end, SHIFT_OPERATOR, rules)
    write_handover_pdf(summary, args.out, state.region_label)
    print(f"{args.out}: {len(summary.opened)} opened, {len(summary.closed)} closed, "
          f"{len(summary.still_open)} handed over, {len(summary.breached)} breached")
    return 0


def _alarm_figures_sample(args: argparse.Namespace) -> int:
    import time

    from console.alarms.discovery_rules import RuleEngine, load_rules
    from console.alarms.figures import figures, records, write_csv
    from console.incidents.sla import SlaBook
    from console.resources import resource
    from console.simulator.sample_shift import SHIFT_OPERATOR, simulate_shift

    sla = SlaBook.load(resource("config", "sla.json"))
    rules = RuleEngine(load_rules(resource("config", "rules.json")))
    t0 = time.monotonic()
    state, start, end = simulate_shift(args.hours, args.seed, incident_rate_per_min=args.incident_rate, rules=rules,
                                       storm=args.storm)
    took = time.monotonic() - t0
    recs = records(state, rules)
    figs = figures(recs, start, end, sla)
    print(f"simulated {args.hours:g} h (seed {args.seed}, {args.incident_rate:g} incidents/min"
          f"{f', storm of {args.storm}' if args.storm else ''}) in {took:.1f} s")
    for f in figs:
        print(f"\n[{f.kind} {f.label}]  alarms {f.alarms} · avg/10 min {f.per_10min:.1f} (≈1) · peak 10 min "
              f"{f.peak_10min} (≤10) · in flood {f.flood_pct:.1f}% (<1%) · top-10 share {f.top10_pct:.0f}% · "
              f"chattering {f.chattering} · stale {f.stale} · priority low/med/high "
              + "/".join(f"{f.priority_pct[p]:.0f}" for p in ("low", "medium", "high")) + " (80/15/5)")
        print("  bad actors: " + ", ".join(f"{s} ×{n}" for s, n in f.bad_actors.head(5).itertuples(index=False)))
        r = f.response
        if not r.empty:
            print("  acknowledge within SLA: " + ", ".join(
                f"{c} {m:.0f}%" for c, m in zip(r["category"].head(6), r["ack_met_pct"].head(6), strict=True)
                if m == m))
    for path in write_csv(figs, args.out):
        print(f"wrote {path}")
    if args.pdf is not None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from PySide6.QtGui import QGuiApplication

        from console.incidents.handover import summarize
        from console.ui.handover_pdf import write_handover_pdf

        app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 - fonts and painting need it
        write_handover_pdf(summarize(state, sla, start, end, SHIFT_OPERATOR, rules), args.pdf, state.region_label)
        print(f"wrote {args.pdf}")
    return 0


def _run_console(args: argparse.Namespace, cfg: Config, feeds: list[FeedConfig], sim) -> int:
    if args.headless:
        from console.app.headless import run_headless

        stats = asyncio.run(run_headless(feeds, args.duration, args.stats_json, _state_config(args),
                                         record=getattr(args, "record", None),
                                         state_path=getattr(args, "state_json", None)))
        if not args.stats_json:
            print(f"frames {stats['frames']} samples {stats['samples']} events {stats['events']} "
                  f"rejects {stats['reject_total']} reconnects {stats['reconnects']} gaps {stats['gaps']}")
        return 0
    from console.incidents.operator import Operator, Role
    from console.site.paths import active
    from console.ui.gui_app import run_gui
    from console.ui.session import ConsoleOptions

    role = Role(args.role) if args.role else cfg.role
    policy = cfg.role_policy(role)
    name = args.operator or cfg.operator_name
    operator = Operator(name, role, policy) if name else Operator.from_login(role, policy)
    places = active()
    wall = _wall_options(args)
    # a wall only watches (the workstation beside it records); a workstation records unless told not to
    record_dir = None if args.no_record or not cfg.record or wall is not None else places.recordings
    return run_gui(ConsoleOptions(
        feeds=feeds, replay=getattr(args, "file", None), wall=wall, state_config=_state_config(args), config=cfg,
        operator=operator, record_dir=record_dir, journal_dir=places.journal,
        settings_path=places.layouts / "window.ini", layout_file=args.layout or cfg.role_options(role).layout,
        tile_url=args.tile_url or cfg.tile_url, language=args.lang or cfg.language,
        wall_views=args.wall_views.split(",") if args.wall_views else None, wall_dwell=args.wall_dwell,
        screenshot=args.screenshot, quit_after=args.quit_after if args.quit_after is not None else args.duration,
        status_file=args.status_file))


if __name__ == "__main__":
    sys.exit(main())
