"""`cityops`: the command line. Subcommands: demo, run, wall, replay, export, simulate, hub, cluster, bridge,
handover, alarm-figures, paths, check-config, audit, keys, simulate-history, build-usual. This module holds
the parser and the dispatch; each subcommand's body lives in console/app/commands/.

Everything that could stop a start (the config file, its tokens, SLA and rules files, the folders) is
checked in `main` before a window opens or a feed is dialled."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from console.app.commands import (
    alarm_figures,
    bridge,
    cluster,
    config_cmds,
    export,
    handover,
    hub,
    replay,
    run,
    security,
    simulate,
    usual,
)
from console.app.commands.common import FILE_LOG_COMMANDS, refuse
from console.model.city_state import StateConfig
from console.site.config import Config, ConfigError, load_config, scope_problem
from console.site.logs import setup_logging


def _count(text: str) -> int:
    n = int(text)
    if n < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {n}")
    return n


SETTLED_DEMO_HOURS = 26.0  # a blue incident waits a day for the district's officers: a day and two hours on, level


def _add_sim_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("simulated city")
    g.add_argument("--seed", type=int, default=7, help="random seed (same seed, same city)")
    g.add_argument("--speed", type=float, default=1.0, help="simulated seconds per real second")
    g.add_argument("--rate", type=float, default=None,
                   help="push this many samples/s in total instead of each indicator's own cadence")
    g.add_argument("--batch", type=int, default=500, help="most samples in one frame")
    g.add_argument("--incident-rate", type=float, default=2.0, help="new incidents per simulated minute")
    g.add_argument("--auto-handle", type=float, default=0.7,
                   help="share of incidents the simulated district officers handle at once (0..1); they take over "
                        "the rest when its SLA runs out, unless 0 (then only the console acts)")
    g.add_argument("--hostile", action="store_true", help="some incident titles carry markup and scripts")
    g.add_argument("--rest-days", action="store_true",
                   help="weekends follow rest-day rhythms (later, softer rush hours), as `cityops simulate-history` "
                        "writes them: use both for the typical days (同期)")
    g.add_argument("--emergency-at", type=float, default=None, metavar="S",
                   help="declare an emergency response S simulated seconds after start (emergency mode)")
    g.add_argument("--emergency-for", type=float, default=1800.0, metavar="S", help="how long it lasts")
    g.add_argument("--emergency-level", type=int, default=2, choices=[1, 2, 3, 4], help="1–4 = Ⅳ…Ⅰ级")
    g.add_argument("--emergency-district", action="append", default=[], metavar="CODE",
                   help="a district under it (repeat; default 310101 黄浦区)")
    g.add_argument("--settle-hours", type=float, default=0.0, metavar="H",
                   help="start on a city whose incidents have run for H simulated hours (26, the default of demo "
                        "and wall: the open incidents have levelled off, where a fresh city fills for its first day)")
    g.add_argument("--storm", type=int, default=0, metavar="N",
                   help="alarm-flood drill: N incidents of one cause in one district within 2 simulated minutes")
    g.add_argument("--storm-at", type=float, default=60.0, metavar="S",
                   help="when the storm starts, in simulated seconds after the start")
    g.add_argument("--units", type=int, default=112, metavar="N",
                   help="dispatch units driving to their incidents, reported in `unit` frames (0: none)")
    g.add_argument("--street-indicators", type=_count, default=None, metavar="N",
                   help="N indicators per street at 1 Hz for each of the 215 streets, plus their district and "
                        "city roll-ups (100: ~23,700 series, ~23,700 readings/s); default: the shipped 5 per "
                        "street at their own cadences (~1,640 series, ~35 readings/s in all)")


def _scope_arg(code: str) -> str:
    if (problem := scope_problem(code)) is not None:
        raise argparse.ArgumentTypeError(problem)
    return code


def _add_scope_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--scope", type=_scope_arg, default=None, metavar="CODE",
                   help="a district (310104) or street/town (310104003) centre's console: it subscribes to its "
                        "area only and its queue holds what its level handles (default: the config's [scope] "
                        "region, else the city, 310000)")


def _add_view_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("window and automation")
    g.add_argument("--headless", action="store_true", help="no window: ingest and write counters")
    g.add_argument("--duration", type=float, default=None, help="stop after S seconds")
    g.add_argument("--stats-json", type=Path, default=None, help="write counters here (headless)")
    g.add_argument("--screenshot", type=Path, default=None, help="write a PNG of the window")
    g.add_argument("--quit-after", type=float, default=None, help="quit the window after S seconds")
    g.add_argument("--history-hours", type=float, default=24.0,
                   help="history kept in memory per series (before its last 960 readings: min/max/mean/last a minute)")
    g.add_argument("--max-series", type=int, default=StateConfig().max_series,
                   help="most (indicator, region) series kept (memory: about 32 KB each at the defaults)")
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
    w.add_argument("--wall-renew-min", type=float, default=30.0, metavar="M",
                   help="a new map page, in a new page process, every M minutes (0: never); default 30")
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
    # the built-in city as a console meets a real one: its backlog levelled off, the city's queue holding
    # what was handed up to it (a fresh city opens with an empty city queue, filling for a day)
    demo.set_defaults(settle_hours=SETTLED_DEMO_HOURS)
    _add_scope_arg(demo)
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
    run.add_argument("--keyframe-s", type=float, default=60.0, help="headless --record: a keyframe every S seconds")
    run.add_argument("--state-json", type=Path, default=None,
                     help="headless: at the end, write the open incidents' versions and every latest value")
    _add_scope_arg(run)
    _add_view_args(run)
    _add_place_args(run)

    wl = sub.add_parser("wall", help="the big-screen wall (大屏): on --feed, or on the built-in simulated city")
    wl.add_argument("--feed", action="append", default=[], metavar="[NAME=]URL", help="a feed server (repeat)")
    wl.add_argument("--token-env", metavar="VAR", help="read the feed token from this environment variable")
    wl.add_argument("--token-file", metavar="FILE", help="read the feed token from this file")
    _add_sim_args(wl)
    wl.set_defaults(settle_hours=SETTLED_DEMO_HOURS, wall=True)
    _add_scope_arg(wl)
    _add_view_args(wl)
    _add_place_args(wl)

    rp = sub.add_parser("replay", help="open a recording in the console (play, seek, speed, bookmarks)")
    rp.add_argument("file", type=Path)
    _add_scope_arg(rp)  # a district's or a street's view of a (city) recording
    _add_view_args(rp)
    _add_place_args(rp)

    pa = sub.add_parser("paths", help="print where the config, layouts, recordings, journal and logs are")
    _add_place_args(pa)
    cc = sub.add_parser("check-config", help="check the config file (and its tokens, SLA and rules files)")
    _add_place_args(cc)

    ex = sub.add_parser("export", help="a time range of a recording to CSV, Parquet or MCAP")
    ex.add_argument("file", type=Path)
    ex.add_argument("--from", dest="start", default=None, help="start: ISO time (Shanghai if no zone) or UNIX s")
    ex.add_argument("--to", dest="end", default=None, help="end: ISO time or UNIX seconds")
    ex.add_argument("--format", choices=["csv", "parquet", "mcap"], default="csv",
                    help="mcap: one file of JSON-schema channels that Foxglove and Lichtblick open")
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

    br = sub.add_parser("bridge", help="real systems into the city stream: CAP 1.2 warnings, MQTT sensors")
    br_sub = br.add_subparsers(dest="kind", required=True)
    cap = br_sub.add_parser("cap", help="CAP 1.2 alerts (folder, Atom/RSS feeds) -> incidents of source upper_level")
    cap.add_argument("--folder", type=Path, default=None, help="watch this folder for alert files (*.xml, *.cap)")
    cap.add_argument("--feed", action="append", default=[], metavar="URL", help="an http(s) Atom/RSS feed (repeat)")
    cap.add_argument("--mapping", type=Path, default=None,
                     help="the level/domain/region table (default: resources/config/cap_mapping.json)")
    cap.add_argument("--folder-poll", type=float, default=2.0, metavar="S", help="seconds between folder scans")
    cap.add_argument("--feed-poll", type=float, default=30.0, metavar="S", help="seconds between feed polls")
    cap.add_argument("--max-kb", type=int, default=2048, help="largest alert or feed accepted, KiB")
    cap.add_argument("--ca-file", type=Path, default=None, help="https feeds: trust this CA bundle (PEM)")
    mq = br_sub.add_parser("mqtt", help="MQTT sensor readings (nats-server's MQTT listener) -> samples")
    mq.add_argument("--mapping", type=Path, required=True, help="topic patterns to indicators, JSON")
    mq.add_argument("--flush-s", type=float, default=0.05, help="readings gathered this long into one message")
    for b in (cap, mq):
        b.add_argument("--nats", metavar="URL[,URL…]", required=True, help="the NATS cluster's servers")
        b.add_argument("--nats-creds", type=Path, default=None, metavar="FILE",
                       help="NATS users by role, JSON (the `bridge` role)")
        b.add_argument("--stats-json", type=Path, default=None, help="write the bridge's counters here")
        b.add_argument("--duration", type=float, default=None, help="stop after S seconds")

    rep = sub.add_parser("handover", help="write a shift handover report (PDF)")
    rep.add_argument("--sample", action="store_true", required=True,
                     help="from a simulated shift (the live console writes its own from the menu)")
    rep.add_argument("--hours", type=float, default=8.0)
    rep.add_argument("--seed", type=int, default=7)
    rep.add_argument("--out", type=Path, default=Path("out/handover-sample.pdf"))

    security.add_parsers(sub)

    af = sub.add_parser("alarm-figures", help="alarm-system figures (EEMUA 191) of a shift: printed, CSV, PDF")
    af.add_argument("--sample", action="store_true", required=True,
                    help="from a simulated shift, accelerated, with the console's own rules running")
    af.add_argument("--hours", type=float, default=1.0)
    af.add_argument("--seed", type=int, default=7)
    af.add_argument("--incident-rate", type=float, default=1.0, help="new incidents per simulated minute")
    af.add_argument("--storm", type=int, default=0, metavar="N",
                    help="N incidents of one cause in one district a third of the way into the shift")
    af.add_argument("--scope", default="310000", type=_scope_arg, metavar="CODE",
                    help="whose queue: the city (310000, default), a district or a street centre's console")
    af.add_argument("--out", type=Path, default=Path("out/alarm-figures"), help="folder for the CSV files")
    af.add_argument("--pdf", type=Path, default=None, help="also write the handover report with the figures")
    usual.add_parsers(sub)
    return p



# each subcommand's body: (args, checked config) -> exit code
COMMANDS = {
    "demo": run.demo, "run": run.run, "wall": run.wall, "replay": replay.replay, "export": export.export,
    "simulate": simulate.simulate, "hub": hub.hub, "cluster": cluster.cluster, "handover": handover.handover,
    "alarm-figures": alarm_figures.alarm_figures, "bridge": bridge.bridge, "paths": config_cmds.paths,
    "check-config": config_cmds.check_config, "audit": security.audit_verify, "keys": security.keys,
    "simulate-history": usual.simulate_history, "build-usual": usual.build_usual,
}
KEYED_COMMANDS = ("demo", "run", "wall", "replay", "export", "handover")  # they read or write the data folder


PLACE_FLAGS = {"config": "config", "layouts": "layouts_dir", "recordings": "record_dir", "journal": "journal_dir",
               "logs": "log_dir"}


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
    if args.cmd in KEYED_COMMANDS:
        _data_key(args, places)
    return cfg


def _data_key(args: argparse.Namespace, places) -> None:
    """The data key, before anything is opened: a wrong or exposed key is a refusal; none is a warning."""
    import logging

    from console.privacy.at_rest import DataKeyError
    from console.site import data_key

    try:
        source = data_key.configure(places)
    except DataKeyError as exc:
        refuse(args, f"data key: {exc}")
    log = logging.getLogger("cityops")
    if source == "none":
        msg = ("no data key configured: recordings, the command journal and the audit log are written IN CLEAR "
               "(`cityops keys init`, docs/security.md)")
        log.warning(msg)
        if args.cmd != "replay":
            print(f"cityops: WARNING: {msg}", file=sys.stderr)
    else:
        log.info("data key: %s", source)


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
    from console.privacy.at_rest import DataKeyError

    try:
        cfg = _prepare(args)
    except (ConfigError, OSError) as exc:
        refuse(args, f"configuration error: {exc}" if isinstance(exc, ConfigError) else str(exc))
    try:
        return COMMANDS[args.cmd](args, cfg)
    except DataKeyError as exc:  # an encrypted file and no key, or the wrong one: say so, never a traceback
        refuse(args, f"data key: {exc}")


if __name__ == "__main__":
    sys.exit(main())
