"""GUI-thread stall under load: the numbers behind "the console stays responsive".

    ./dev bench-gui                       # both scenarios, prints JSON
    ./dev bench-gui --scenario board --seconds 30

Scenario `board`: the simulator (own process) pushes --rate samples/s (default 100,000) into the
console's real path (LiveSource -> Decoder -> CityState -> StateBridge), while a board of 200 tiles
and 4 detail charts of 24 h at 1 s resolution are on screen and kept current.
Scenario `map`: the same ingest, plus the city map with 10,000 incident markers; every second the 16
districts change colour and 200 incidents change state (each a new version and state applied through
CityState.apply, then the bridge to the queue, drawn in a table beside the map, and to the map).

The stall is how late a 16 ms timer fires (interval minus 16 ms), measured after a warm-up; the
report also gives the samples/s actually ingested and the GUI process's CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--no-sandbox --disable-gpu")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from console.site.process import free_ports  # noqa: E402


def start_rate_simulator(port: int, rate: int):
    import subprocess

    proc = subprocess.Popen(
        [sys.executable, "-m", "console.app.cli", "--log-level", "WARNING", "simulate", "--port", str(port),
         "--rate", str(rate), "--batch", "500", "--seed", "1", "--incident-rate", "0.5"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    assert "listening" in proc.stdout.readline()
    return proc


def synthetic_events(n: int, now: float, version: int = 1, states=("new",)) -> list[bytes]:
    import orjson

    rng = np.random.default_rng(5)
    sev = ["red", "orange", "yellow", "blue"]
    out = []
    for i in range(n):
        ev = {"id": f"B-{i:05d}", "version": version, "title": f"压测事件 {i}", "category": "bench", "domain": "iot",
              "severity": sev[i % 4], "source": "sensor", "region": "310101",
              "location": {"lat": float(30.9 + rng.random() * 0.7), "lon": float(121.1 + rng.random() * 0.8)},
              "state": states[i % len(states)], "created_ts": now - 60, "updated_ts": now, "sla_due_ts": now + 3600,
              "assignee": None, "detail": "", "history": []}
        out.append(orjson.dumps({"type": "event", "seq": 0, "event": ev}))
    return out


def run(scenario: str, seconds: float, warmup: float, rate: int) -> dict:
    import qasync
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QHBoxLayout, QVBoxLayout, QWidget

    if scenario == "map":
        import PySide6.QtWebEngineWidgets  # noqa: F401

    from console.feed.decoder import Decoder
    from console.feed.live_source import FeedConfig, LiveSource
    from console.model.city_state import CityState, StateConfig
    from console.model.clock import Clock
    from console.model.ingest import Ingest
    from console.ui.state_bridge import StateBridge
    from console.views.board_model import BoardModel
    from console.views.forecast import forecast
    from console.views.history import display_series
    from widgets.indicator_chart import IndicatorChart
    from widgets.vital_board import VitalBoard

    app = QApplication.instance() or QApplication([])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    port = free_ports(1)[0]
    sim = start_rate_simulator(port, rate)
    state = CityState(StateConfig())
    clock = Clock()
    src = LiveSource([FeedConfig(f"ws://127.0.0.1:{port}", "bench")])
    src.add_listener(Ingest(state))
    bridge = StateBridge(state, src, clock)
    win = QWidget()
    win.resize(1920, 1080)
    lay = QHBoxLayout(win)
    result: dict = {"scenario": scenario}
    ticks: list[float] = []
    board = charts = map_view = None

    async def main() -> None:
        nonlocal board, charts, map_view
        await src.start()
        t_end = time.monotonic() + 15
        while len(state.series_keys) < 400 and time.monotonic() < t_end:
            await asyncio.sleep(0.1)
        now = time.time()
        model = BoardModel(state)
        chart_sids = list(range(4))
        # 24 h at 1 s in four series, ending just before the live stream continues them (put before what
        # they hold: their history is then a day of minute envelopes and the last 15 minutes as received)
        for sid in chart_sids:
            ind, reg = state.series_keys[sid]
            ts = float(state.rings.last_ts[sid]) - 86_400 + np.arange(86_400, dtype=float) - 1
            state.prepend_history([(ind, reg, ts, np.sin(ts / 600) + 5)])
        if scenario == "board":
            board = VitalBoard()
            specs = model.specs_for_series(list(range(200)))
            board.set_tiles(specs, lambda k: model.data(k, clock.now()), domain_title=lambda d: d)
            lay.addWidget(board, 2)
            col = QVBoxLayout()
            charts = [IndicatorChart() for _ in range(4)]
            for c in charts:
                c.range_buttons[3].click()  # 24 h
                col.addWidget(c)
            lay.addLayout(col, 1)
            chart_turn = [0]

            def on_changes(ch):
                board.mark_changed(model.tiles_touched(ch.series))

            def refresh_one_chart():  # one chart per 250 ms: each is redrawn once a second
                i = chart_turn[0] % 4
                chart_turn[0] += 1
                sid = chart_sids[i]
                ts, vals = state.rings.series(sid)
                t, v = display_series(ts, vals, ts[-1] - 86_400, max_points=2 * charts[i].width())
                ind = state.indicators[state.series_keys[sid][0]]
                charts[i].show_series(ind.name_zh, ind.unit, t, v, ind.warn, ind.alarm, ind.direction,
                                      forecast(ts, vals, ind.warn, ind.alarm, ind.direction))

            bridge.changed.connect(on_changes)
            def timed(fn, bucket):
                def run_timed():
                    t = time.perf_counter()
                    fn()
                    bucket.append((time.perf_counter() - t) * 1000)
                return run_timed

            render_ms, chart_ms = [], []
            result["_buckets"] = {"tile_render_tick_ms": render_ms, "chart_refresh_ms": chart_ms}
            rt = QTimer(win)
            rt.timeout.connect(timed(board.render_pending, render_ms))
            rt.start(50)
            ct = QTimer(win)
            ct.timeout.connect(timed(refresh_one_chart, chart_ms))
            ct.start(250)
            win._timers = (rt, ct)
        else:
            from PySide6.QtWidgets import QTableView

            from console.feed.frames import EventFrame
            from console.feed.protocol import IncidentState
            from console.ui.incident_model import IncidentTableModel
            from console.ui.map_bridge import CityMapView

            map_view = CityMapView(state, clock)
            lay.addWidget(map_view)
            win.show()  # a hidden page does not load
            qmodel = IncidentTableModel(state, clock)
            queue_view = QTableView()  # the queue is drawn, as in the window
            queue_view.setModel(qmodel)
            lay.addWidget(queue_view)
            bridge.changed.connect(qmodel.apply_changes)
            bridge.changed.connect(map_view.apply_changes)
            while not map_view.is_ready:
                await asyncio.sleep(0.1)
            dec = Decoder()
            for raw in synthetic_events(10_000, now):
                state.apply("bench", dec.decode(raw).frame)
            flip = [0]

            def every_second():
                flip[0] += 1
                codes = [r for r, reg in state.regions.items() if reg.level == "district"]
                sts = ["normal", "warn", "alarm"]
                map_view.js("setDistrictStatus", {c: sts[(i + flip[0]) % 3] for i, c in enumerate(codes)})
                rng = np.random.default_rng(flip[0])
                cycle = (IncidentState.NEW, IncidentState.ACKNOWLEDGED, IncidentState.DISPATCHED,
                         IncidentState.ON_SCENE)
                for i in rng.choice(10_000, 200, replace=False):
                    ev = state.incidents.open.get(f"B-{i:05d}")
                    if ev is not None:  # a new state, as the feed would send it: through CityState.apply
                        nxt = cycle[(cycle.index(ev.state) + 1) % len(cycle)] if ev.state in cycle else cycle[0]
                        state.apply("bench", EventFrame(0, ev.evolve(version=ev.version + 1, state=nxt,
                                                                     updated_ts=clock.now())))

            st = QTimer(win)
            st.timeout.connect(every_second)
            st.start(1000)
            win._timers = (st,)
            result["markers"] = None
        win.show()
        last = [time.perf_counter()]

        def tick():
            t = time.perf_counter()
            ticks.append(t - last[0])
            last[0] = t

        timer = QTimer(win)
        timer.timeout.connect(tick)
        timer.start(16)
        await asyncio.sleep(warmup)
        ticks.clear()
        h0, c0, t0 = src.health()[0].samples, time.process_time(), time.perf_counter()
        await asyncio.sleep(seconds)
        h1, c1, t1 = src.health()[0].samples, time.process_time(), time.perf_counter()
        timer.stop()
        if map_view is not None:
            box = []
            map_view.page().runJavaScript("cityops.count()", 0, box.append)
            for _ in range(50):
                if box:
                    break
                await asyncio.sleep(0.1)
            result["markers"] = box[0] if box else None
            result["map_diffs_sent"] = map_view.diffs_sent
            result["map_blocked_requests"] = len(map_view.guard.blocked)
        if board is not None:
            result["tiles"] = len(board.spec_by_key)
            result["tile_renders"] = board.renders
            result["charts"] = 4
            result["chart_points_each"] = len(state.rings.series(0)[0])
        for name, bucket in result.pop("_buckets", {}).items():
            if bucket:
                result[name + "_p99"] = round(float(np.percentile(bucket, 99)), 1)
                result[name + "_max"] = round(float(np.max(bucket)), 1)
        stall = (np.array(ticks) - 0.016) * 1000
        result.update({
            "seconds": round(t1 - t0, 1),
            "ticks": len(ticks),
            "stall_ms_p50": round(float(np.percentile(stall, 50)), 1),
            "stall_ms_p99": round(float(np.percentile(stall, 99)), 1),
            "stall_ms_max": round(float(stall.max()), 1),
            "samples_per_s_ingested": round((h1 - h0) / (t1 - t0)),
            "gui_process_cpu_percent": round((c1 - c0) / (t1 - t0) * 100),
            "series": len(state.series_keys),
            "rejects": src.health()[0].reject_total,
        })
        await src.stop()

    try:
        with loop:
            loop.run_until_complete(main())
    finally:
        sim.terminate()
        sim.wait(10)
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenario", choices=["board", "map"], default=None, help="default: both, one per process")
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--warmup", type=float, default=8.0)
    ap.add_argument("--rate", type=int, default=100_000)
    args = ap.parse_args()
    if args.scenario:
        print(json.dumps(run(args.scenario, args.seconds, args.warmup, args.rate)))
        return
    import subprocess

    results = []
    for sc in ("board", "map"):  # separate processes: one QApplication each, nothing shared
        out = subprocess.run([sys.executable, __file__, "--scenario", sc, "--seconds", str(args.seconds),
                              "--warmup", str(args.warmup), "--rate", str(args.rate)],
                             capture_output=True, text=True, timeout=600)
        line = [x for x in out.stdout.splitlines() if x.startswith("{")]
        results.append(json.loads(line[-1]) if line else {"scenario": sc, "error": out.stderr[-1500:]})
        print(json.dumps(results[-1]), file=sys.stderr, flush=True)
    print(json.dumps({"benchmark": "gui_stall", "python": platform.python_version(),
                      "machine": f"{platform.machine()}, {os.cpu_count()} cpus",
                      "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                      "rate": args.rate, "results": results}, indent=2))


if __name__ == "__main__":
    main()
