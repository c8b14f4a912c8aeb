"""`cityops alarm-figures --sample`: the alarm-system figures (EEMUA 191) of a simulated shift, with
the console's own rules running: printed, as CSV files, and optionally in the handover PDF."""

from __future__ import annotations

import argparse
import os
import sys

from console.site.config import Config


def alarm_figures(args: argparse.Namespace, cfg: Config) -> int:
    import time

    from console.alarms.discovery_rules import RuleEngine, load_rules
    from console.alarms.figures import figures, records, write_csv
    from console.incidents.levels import LevelView, load_level_rules
    from console.incidents.sla import SlaBook
    from console.resources import resource
    from console.simulator.sample_shift import SHIFT_OPERATOR, simulate_shift

    sla = SlaBook.load(resource("config", "sla.json"))
    rules = RuleEngine(load_rules(resource("config", "rules.json")))
    levels = LevelView(load_level_rules(resource("config", "levels.json")), args.scope)
    t0 = time.monotonic()
    state, start, end = simulate_shift(args.hours, args.seed, incident_rate_per_min=args.incident_rate, rules=rules,
                                       storm=args.storm, levels=levels)
    took = time.monotonic() - t0
    recs = records(state, rules, levels)
    figs = figures(recs, start, end, sla)
    print(f"simulated {args.hours:g} h (seed {args.seed}, {args.incident_rate:g} incidents/min"
          f"{f', storm of {args.storm}' if args.storm else ''}) in {took:.1f} s; the queue of a "
          f"{levels.level.value} console ({args.scope}): what its level handles (resources/config/levels.json)")
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
        summary = summarize(state, sla, start, end, SHIFT_OPERATOR, rules, levels)
        write_handover_pdf(summary, args.pdf, state.region_label)
        print(f"wrote {args.pdf}")
    return 0
