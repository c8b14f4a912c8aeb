"""`cityops simulate-history`: weeks of the simulated city's history, with labelled anomalies, written
beside the recordings in seconds (the demo's known normal; the anomaly benchmark's ground truth), then
its typical days built. `cityops build-usual`: the typical days rebuilt from the recordings now."""

from __future__ import annotations

import argparse
import datetime as dt
import time
from pathlib import Path

from console.site.config import Config


def _recordings(args: argparse.Namespace) -> Path:
    from console.site.paths import active

    return Path(args.record_dir) if args.record_dir else active().recordings


def simulate_history(args: argparse.Namespace, cfg: Config) -> int:
    from console.normal.day_class import local_day_number
    from console.normal.minute_archive import MinuteArchive
    from console.normal.refresh import refresh
    from console.normal.usual import usual_dir
    from console.simulator.city_catalog import sim_catalog
    from console.simulator.city_model import SimCity
    from console.simulator.history import HistorySim

    end = dt.date.fromisoformat(args.end) if args.end else None
    last_day = (end - dt.date(1970, 1, 1)).days if end else int(local_day_number(time.time())) - 1
    days = round(args.weeks * 7)
    first_day = last_day - days + 1
    city = SimCity(seed=args.seed, sim_indicators=sim_catalog(args.street_indicators), rest_days=True)
    clean = frozenset(range(last_day - args.clean_days + 1, last_day + 1)) if args.clean_days else frozenset()
    sim = HistorySim(city, first_day, days, args.anomalies, seed=args.seed + 1, clean_days=clean)
    folder = usual_dir(_recordings(args))
    archive = MinuteArchive(folder / "days")
    t = time.monotonic()
    for day, values in sim.run():
        archive.write_day(day, sim.keys, values)
    sim.write_labels(folder / "labels.csv")
    print(f"{folder}: {days} days of {sim.n:,} series at 1 reading/min in {time.monotonic() - t:.1f} s; "
          f"{len(sim.anomalies)} anomalies labelled in labels.csv")
    if not args.no_build:
        r = refresh(_recordings(args), weeks=args.weeks, now=(last_day + 1) * 86_400 - 8 * 3600 + 60,
                    read_recordings=False)
        print(f"typical days built from {r.days_used} days in {r.seconds:.1f} s: {folder / 'profiles.npz'}")
    return 0


def build_usual(args: argparse.Namespace, cfg: Config) -> int:
    from console.normal.day_class import CalendarError
    from console.normal.refresh import refresh

    try:
        r = refresh(_recordings(args), weeks=args.weeks)
    except CalendarError as exc:
        print(f"holiday calendar: {exc}")
        return 2
    if r.profiles is None:
        print("not enough history: no whole day recorded yet")
        return 1
    print(f"typical days of {len(r.profiles.keys):,} series from {r.days_used} days "
          f"({r.recordings_read} recordings read) in {r.seconds:.1f} s")
    return 0


def add_parsers(sub) -> None:
    sh = sub.add_parser("simulate-history", help="weeks of simulated history with labelled anomalies, and its "
                                                 "typical days (beside the recordings)")
    sh.add_argument("--weeks", type=float, default=4.0)
    sh.add_argument("--end", default=None, metavar="YYYY-MM-DD", help="the last day (default: yesterday)")
    sh.add_argument("--seed", type=int, default=7, help="the simulated city's seed (as `demo --seed`)")
    sh.add_argument("--street-indicators", type=int, default=None, metavar="N",
                    help="as `demo --street-indicators` (default: the shipped catalog)")
    sh.add_argument("--anomalies", type=float, default=0.5, metavar="RATE",
                    help="injected anomalies per series per week (default 0.5)")
    sh.add_argument("--clean-days", type=int, default=0, metavar="N", help="no anomaly in the last N days")
    sh.add_argument("--no-build", action="store_true", help="only the history, not the typical days")
    sh.add_argument("--record-dir", type=Path, default=None, help="the recordings folder (default: the console's)")
    bu = sub.add_parser("build-usual", help="rebuild the typical days (同期) from the recordings now")
    bu.add_argument("--weeks", type=float, default=4.0)
    bu.add_argument("--record-dir", type=Path, default=None, help="the recordings folder (default: the console's)")
