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

    from console.feed.live_source import FeedConfig
    from console.feed.protocol import CommandOp, IncidentState
    from console.incidents.operator import Operator
    from console.simulator.run import CityOptions, make_server
    from console.simulator.server import ServerOptions
    from console.ui.gui_app import application
    from console.ui.session import ConsoleOptions, build_console

    app = application()  # Chromium's flags (the map), fonts and style, as the console starts
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
        # the console as `cityops run` builds it, recording (so the time-shift) into a scratch folder
        session = build_console(ConsoleOptions(feeds=[FeedConfig(f"ws://127.0.0.1:{port}", "city")], record_dir=tmp,
                                               journal_dir=tmp, settings_path=tmp / "l.ini",
                                               operator=Operator("值班员张敏")))
        state, shift, sender, win = session.state, session.shift, session.sender, session.window
        ctl, bar = session.controller, session.bar
        win.escalator = None  # the picture is of the officer's actions, not of the simulator's old hour escalated
        win.resize(1920, 1080)
        session.show()
        await session.start()
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
        await session.stop()
        await server.stop()
        session.close()
        pumping.cancel()

    asyncio.run(run())


if __name__ == "__main__":
    main()
