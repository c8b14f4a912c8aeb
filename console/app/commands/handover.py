"""`cityops handover --sample`: a shift handover report (PDF) from a simulated shift; the live console
writes its own from the menu."""

from __future__ import annotations

import argparse
import os
import sys

from console.site.config import Config


def handover(args: argparse.Namespace, cfg: Config) -> int:
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
