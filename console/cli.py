"""`cityops`: the command line. Subcommands: demo, run, simulate."""

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
    g.add_argument("--emergency-at", type=float, default=None, metavar="S",
                   help="declare an emergency response S simulated seconds after start (emergency mode)")
    g.add_argument("--emergency-for", type=float, default=1800.0, metavar="S", help="how long it lasts")
    g.add_argument("--emergency-level", type=int, default=2, choices=[1, 2, 3, 4], help="1–4 = Ⅳ…Ⅰ级")
    g.add_argument("--emergency-district", action="append", default=[], metavar="CODE",
                   help="a district under it (repeat; default 310101 黄浦区)")


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


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="cityops", description="CityOps Console (城运态势台)")
    p.add_argument("--version", action="version", version=f"cityops {__version__}")
    p.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    sub = p.add_subparsers(dest="cmd", required=True)

    demo = sub.add_parser("demo", help="the console on the built-in simulated Shanghai")
    _add_sim_args(demo)
    _add_view_args(demo)

    run = sub.add_parser("run", help="the console on real feeds")
    run.add_argument("--feed", action="append", required=True, metavar="[NAME=]URL",
                     help="a feed server, ws:// or wss:// (repeat for a city feed plus district feeds)")
    run.add_argument("--token-env", metavar="VAR", help="read the feed token from this environment variable")
    run.add_argument("--token-file", metavar="FILE", help="read the feed token from this file")
    run.add_argument("--region", action="append", default=[], help="subscribe only to these region codes")
    run.add_argument("--domain", action="append", default=[], help="subscribe only to these domains")
    run.add_argument("--record", type=Path, default=None, help="record every frame to this file (headless)")
    _add_view_args(run)

    wl = sub.add_parser("wall", help="the big-screen wall (大屏): on --feed, or on the built-in simulated city")
    wl.add_argument("--feed", action="append", default=[], metavar="[NAME=]URL", help="a feed server (repeat)")
    wl.add_argument("--token-env", metavar="VAR", help="read the feed token from this environment variable")
    wl.add_argument("--token-file", metavar="FILE", help="read the feed token from this file")
    _add_sim_args(wl)
    _add_view_args(wl)

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
    _add_sim_args(sim)

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

    emergency = None
    if getattr(args, "emergency_at", None) is not None:
        emergency = (args.emergency_at, args.emergency_for, args.emergency_level,
                     tuple(args.emergency_district or ["310101"]))
    city = CityOptions(seed=args.seed, incident_rate_per_min=args.incident_rate, auto_handle=args.auto_handle,
                       hostile=args.hostile, emergency=emergency)
    opts = ServerOptions(speed=args.speed, rate=args.rate, batch=args.batch, burst=burst, token=token,
                         skip_seq_every=skip, source=getattr(args, "source", "shanghai-city"))
    return make_server(city, opts)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.cmd == "simulate":
        from console.simulator.run import serve_until_stopped

        server = _server(args, _token(args), args.burst, args.skip_seq_every)
        asyncio.run(serve_until_stopped(server, args.host, args.port, args.duration))
        return 0
    if args.cmd == "wall":
        args.wall = True
        if not args.feed:
            args.cmd = "demo"  # the wall on the built-in simulated city
    if args.cmd in ("run", "wall"):
        return _run_console(args, _feeds(args), None)
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


def _feeds(args: argparse.Namespace) -> list[FeedConfig]:
    tok = _token(args)
    feeds = []
    for spec in args.feed:
        name, url = _feed_spec(spec)
        if not url.startswith(("ws://", "wss://")):
            raise SystemExit(f"cityops: feed URL must start with ws:// or wss://: {url!r}")
        feeds.append(FeedConfig(url, name, tok, tuple(getattr(args, "region", ())), tuple(getattr(args, "domain", ()))))
    return feeds


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
    from console.operator import Role, load_role_policies
    from console.recording import Recording
    from console.resources import resource

    if not args.file.exists():
        raise SystemExit(f"cityops: no such recording: {args.file}")
    policy = load_role_policies(resource("config", "roles.json"))[Role(args.role)]
    if not policy.export:
        raise SystemExit(f"cityops: role {args.role} may not export (resources/config/roles.json)")
    if args.unmask and not policy.unmask_personal:
        raise SystemExit(f"cityops: role {args.role} may not unmask personal data (resources/config/roles.json)")

    def progress(frac: float) -> None:
        print(f"\rexporting {frac * 100:5.1f}%", end="", file=sys.stderr, flush=True)

    from console.paths import data_dir

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
                                         record=getattr(args, "record", None)))
        if not args.stats_json:
            print(f"frames {stats['frames']} samples {stats['samples']} events {stats['events']} "
                  f"rejects {stats['reject_total']} reconnects {stats['reconnects']} gaps {stats['gaps']}")
        return 0
    from console.gui_app import run_gui
    from console.operator import Operator, Role, load_role_policies
    from console.paths import data_dir
    from console.resources import resource

    role = Role(args.role)
    policy = load_role_policies(resource("config", "roles.json"))[role]
    operator = Operator(args.operator, role, policy) if args.operator else Operator.from_login(role, policy)
    wall = _wall_options(args)
    # a wall only watches (the workstation beside it records); a workstation records unless told not to
    record_dir = None if args.no_record or wall is not None else (args.record_dir or data_dir() / "recordings")
    return run_gui(feeds, _state_config(args), screenshot=args.screenshot,
                   quit_after=args.quit_after if args.quit_after is not None else args.duration,
                   tile_url=args.tile_url, language=args.lang, operator=operator,
                   replay=getattr(args, "file", None), record_dir=record_dir, wall=wall,
                   wall_views=args.wall_views.split(",") if args.wall_views else None, wall_dwell=args.wall_dwell,
                   layout_file=args.layout, status_file=args.status_file)


if __name__ == "__main__":
    sys.exit(main())
