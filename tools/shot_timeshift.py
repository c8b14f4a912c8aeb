"""The picture of the time-shift timeline in docs/: a live console on the simulator, a duty officer
acknowledging and dispatching incidents through the real command path (journal, audit log), then the
picture paused and taken back a minute, with the timeline showing arrivals, state changes and the
officer's actions, and the queue as it was then.

    QT_QPA_PLATFORM=offscreen .venv/bin/python tools/shot_timeshift.py [--out docs/timeshift.png] [--seconds 90]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RANK = {"blue": 0, "yellow": 1, "orange": 2, "red": 3}
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "timeshift.png")
    ap.add_argument("--seconds", type=float, default=90.0, help="how long the live session runs first")
    args = ap.parse_args()

    from console.ui.gui_app import _prepare_env

    _prepare_env()  # Chromium's flags (the map), as the application sets them
    import PySide6.QtWebEngineWidgets  # noqa: F401 - before the QApplication
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication, QToolBar

    from console.feed.live_source import FeedConfig, LiveSource
    from console.feed.protocol import CommandOp, IncidentState
    from console.incidents.audit_log import AuditLog
    from console.incidents.command_journal import CommandJournal
    from console.incidents.command_sender import CommandSender
    from console.incidents.operator import Operator
    from console.model.city_state import CityState
    from console.model.clock import Clock
    from console.recording.store import Recorder
    from console.recording.time_shift import TimeShift
    from console.simulator.run import CityOptions, make_server
    from console.simulator.server import ServerOptions
    from console.ui.gui_fonts import apply_cjk_font
    from console.ui.main_window import MainWindow
    from console.ui.time_shift_controller import TimeShiftController
    from widgets.replay_bar import ReplayBar
    from widgets.theme import STYLE_SHEET

    app = QApplication.instance() or QApplication([])
    apply_cjk_font(app)
    app.setStyleSheet(STYLE_SHEET)
    tmp = Path(tempfile.mkdtemp(prefix="cityops-shot-"))

    async def run() -> None:
        async def pump():
            while True:
                app.processEvents()
                await asyncio.sleep(0.01)

        pumping = asyncio.create_task(pump())
        server = make_server(CityOptions(seed=11, incident_rate_per_min=40, auto_handle=0.3, history_s=1800),
                             ServerOptions(speed=10))
        port = await server.start()
        state, clock = CityState(), Clock()
        recorder = Recorder(tmp / "session.cityrec", flush_s=0.1)
        shift = TimeShift(state, recorder)
        recorder._keyframe_state = lambda: shift.live
        source = LiveSource([FeedConfig(f"ws://127.0.0.1:{port}", "city")])
        source.add_listener(recorder)
        source.add_listener(shift)
        journal, audit = CommandJournal(tmp / "journal.db"), AuditLog(tmp / "audit.jsonl")
        sender = CommandSender(source, journal, Operator("值班员张敏"), state.incidents.feed_of.get, audit)
        from console.ui.map_bridge import CityMapView

        win = MainWindow(state, source, clock, QSettings(str(tmp / "l.ini"), QSettings.Format.IniFormat),
                         map_widget=CityMapView(state, clock), sender=sender, audit=audit)
        bar = ReplayBar()
        tb = QToolBar()
        tb.setObjectName("timeShiftToolbar")
        tb.addWidget(bar)
        win.addToolBar(tb)
        win.timeshift = shift
        ctl = TimeShiftController(shift, clock, bar, win, sender)
        win.resize(1920, 1080)
        win.show()
        await source.start()
        loop = asyncio.get_running_loop()
        end = loop.time() + args.seconds
        ops = [CommandOp.ACKNOWLEDGE, CommandOp.DISPATCH]
        i = 0
        while loop.time() < end:
            await asyncio.sleep(4.0)
            new = [e for e in state.incidents.open.values() if e.state is IncidentState.NEW]
            acked = [e for e in state.incidents.open.values() if e.state is IncidentState.ACKNOWLEDGED]
            op = ops[i % 2]
            pick = (new if op is CommandOp.ACKNOWLEDGE else acked) or new
            if pick:
                ev = max(pick, key=lambda e: RANK[e.severity.value])  # the most severe: at the top of the queue
                args_ = {"assignee": "黄浦消防救援站", "note": ""} if ev.state is IncidentState.ACKNOWLEDGED else {}
                await sender.submit(ev, CommandOp.DISPATCH if args_ else CommandOp.ACKNOWLEDGE, args_)
            i += 1
        await asyncio.sleep(1.0)
        ctl.toggle()  # pause
        ctl.seek(shift.paused_at - args.seconds * 0.4, wait_for_history=True)
        ctl.marks.refresh(*shift.span)
        await asyncio.sleep(2.0)  # a few seconds of live while away: "N new since you paused"
        win.bridge.flush()
        ctl._show()
        for _ in range(30):
            app.processEvents()
            await asyncio.sleep(0.02)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        win.grab().save(str(args.out), "PNG")
        bar.grab().save(str(args.out.with_name(args.out.stem + "-bar.png")), "PNG")
        print(f"{args.out}: {len(bar.timeline.actions)} actions, {len(bar.timeline.changes)} changes, "
              f"{sum(bar.timeline.density)} arrivals on the timeline; {len(shift.new_since_pause)} new since paused")
        await source.stop()
        await server.stop()
        shift.close()
        win.close()
        recorder.close()
        journal.close()
        audit.close()
        pumping.cancel()

    asyncio.run(run())


if __name__ == "__main__":
    main()
