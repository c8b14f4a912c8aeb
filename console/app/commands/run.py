"""`cityops run`, `demo` and `wall`: the console on real feeds, on the built-in simulated city, or as
the big-screen wall. `console()` starts it (headless, the workstation window or the wall) for these
and for `cityops replay`; `resolve_feeds()` turns --feed (or the config file's [[feeds]]) into feed configs,
each subscribing to the console's scope only (`scope_of`, `scoped_regions`)."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging

from console.app.commands.common import read_token, refuse
from console.app.commands.simulate import city_server
from console.feed.live_source import FeedConfig
from console.model.areas import CITY_CODE, area_prefix, in_area
from console.model.city_state import StateConfig
from console.site.config import Config

log = logging.getLogger("cityops")


def run(args: argparse.Namespace, cfg: Config) -> int:
    return console(args, cfg, resolve_feeds(args, cfg))


def scope_of(args: argparse.Namespace, cfg: Config | None) -> str:
    """--scope, else the config's [scope] region, else the city (both already checked)."""
    return getattr(args, "scope", None) or (cfg.scope if cfg is not None else CITY_CODE)


def scoped_regions(regions: tuple[str, ...], scope: str) -> tuple[str, ...]:
    """A feed's region filters inside the console's scope: none given -> the scope's area; one inside
    the scope stays; one around it narrows to the scope. The city's console keeps what it was given.
    Raises ValueError for a filter outside the scope (it would subscribe to nothing of it)."""
    if scope == CITY_CODE:
        return regions
    area = area_prefix(scope)
    if not regions:
        return (area,)
    out: list[str] = []
    for r in regions:
        if in_area(r, scope):
            keep = r
        elif area.startswith(r):  # a filter around the scope ("31", "3101")
            keep = area
        else:
            raise ValueError(f"the region filter {r} lies outside the console's scope {scope}")
        if keep not in out:
            out.append(keep)
    return tuple(out)


def _scoped(args: argparse.Namespace, feeds: list[FeedConfig], scope: str) -> list[FeedConfig]:
    try:
        return [dataclasses.replace(f, regions=scoped_regions(f.regions, scope)) for f in feeds]
    except ValueError as exc:
        refuse(args, str(exc))


def wall(args: argparse.Namespace, cfg: Config) -> int:
    args.wall = True
    if not args.feed and not cfg.feeds:
        args.cmd = "demo"  # the wall on the built-in simulated city
        return demo(args, cfg)
    return run(args, cfg)


def demo(args: argparse.Namespace, cfg: Config) -> int:
    from console.simulator.run import SimulatorThread

    sim = SimulatorThread(city_server(args))
    port = sim.start()
    log.info("built-in simulated Shanghai on ws://127.0.0.1:%d", port)
    try:
        feeds = _scoped(args, [FeedConfig(f"ws://127.0.0.1:{port}", "上海市城运平台(模拟)")], scope_of(args, cfg))
        return console(args, cfg, feeds)
    finally:
        sim.stop()


def feed_spec(spec: str) -> tuple[str, str]:
    """`URL` or `NAME=URL`."""
    name, sep, url = spec.partition("=")
    if sep and "://" not in name:
        return name, url
    return "", spec


def resolve_feeds(args: argparse.Namespace, cfg: Config) -> list[FeedConfig]:
    """--feed on the command line replaces the config file's [[feeds]]; one or the other must give some.
    Each subscribes to the console's scope only."""
    return _scoped(args, _given_feeds(args, cfg), scope_of(args, cfg))


def _given_feeds(args: argparse.Namespace, cfg: Config) -> list[FeedConfig]:
    if args.feed:
        tok = read_token(args)
        out = []
        for spec in args.feed:
            name, url_spec = feed_spec(spec)
            urls = [u.strip() for u in url_spec.split(",") if u.strip()] or [url_spec]
            for url in urls:  # several URLs: hubs of one feed
                if not url.startswith(("ws://", "wss://")):
                    refuse(args, f"feed URL must start with ws:// or wss://: {url!r}")
            out.append(FeedConfig(urls[0], name, tok, tuple(getattr(args, "region", ())),
                                  tuple(getattr(args, "domain", ())), alternates=tuple(urls[1:])))
        return out
    if args.token_env or args.token_file:
        refuse(args, "--token-env/--token-file go with --feed; feeds from the config file name their own "
                     "token_env or token_file")
    if not cfg.feeds:
        refuse(args, f"no feed: give --feed URL, or [[feeds]] in the config file ({cfg.path or 'none'})")
    return [FeedConfig(f.url, f.name, f.token, f.regions or tuple(getattr(args, "region", ())),
                       f.domains or tuple(getattr(args, "domain", ()))) for f in cfg.feeds]


# The wall shows no closed incident and makes no handover or alarm figures, the archive's readers: it
# keeps a few closed incidents and the versions of the rest (the 2-hour soaks saw the wall's memory
# grow by the default archive filling, ~2.8 KB per closed incident up to ~14 MB).
WALL_ARCHIVE = 200


def state_config(args: argparse.Namespace) -> StateConfig:
    if not (args.history_hours > 0 and args.max_series > 0):
        refuse(args, "--history-hours and --max-series must be positive")
    cfg = StateConfig(history_s=args.history_hours * 3600, max_series=args.max_series)
    return dataclasses.replace(cfg, max_archive=WALL_ARCHIVE) if getattr(args, "wall", False) else cfg


def wall_options(args: argparse.Namespace):
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
                       size=size, renew_map_min=args.wall_renew_min)


def console(args: argparse.Namespace, cfg: Config, feeds: list[FeedConfig]) -> int:
    """The console on `feeds` (or on the recording `args.file`): headless, or the session that
    console/ui/session.py builds from the flags and the config, run by run_gui."""
    if args.headless:
        from console.app.headless import run_headless

        stats = asyncio.run(run_headless(feeds, args.duration, args.stats_json, state_config(args),
                                         record=getattr(args, "record", None),
                                         keyframe_s=getattr(args, "keyframe_s", 60.0),
                                         state_path=getattr(args, "state_json", None), scope=scope_of(args, cfg)))
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
    wall = wall_options(args)
    # a wall only watches (the workstation beside it records); a workstation records unless told not to
    record_dir = None if args.no_record or not cfg.record or wall is not None else places.recordings
    return run_gui(ConsoleOptions(
        feeds=feeds, replay=getattr(args, "file", None), wall=wall, state_config=state_config(args), config=cfg,
        operator=operator, record_dir=record_dir, journal_dir=places.journal,
        settings_path=places.layouts / "window.ini", layout_file=args.layout or cfg.role_options(role).layout,
        tile_url=args.tile_url or cfg.tile_url, language=args.lang or cfg.language,
        wall_views=args.wall_views.split(",") if args.wall_views else None, wall_dwell=args.wall_dwell,
        screenshot=args.screenshot, quit_after=args.quit_after if args.quit_after is not None else args.duration,
        status_file=args.status_file, scope=scope_of(args, cfg)))
