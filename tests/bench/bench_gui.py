"""GUI-thread stall under load: the numbers behind "the console stays responsive".

    ./dev bench-gui                       # both scenarios and the naive board anchor, prints JSON
    ./dev bench-gui --scenario board --seconds 30 --repeat 3   # the board beside its anchor, 3 times each
    ./dev bench-gui --scenario board --repeat 3 --before /tmp/before   # and beside older code (git archive)

Scenario `board`: the simulator (own process) pushes --rate samples/s (default 100,000) into the
console's real path (LiveSource -> Decoder -> CityState -> StateBridge), while a board of 200 tiles
and 4 detail charts of 24 h at 1 s resolution are on screen and kept current.
Scenario `map`: the same ingest, plus the city map with 10,000 incident markers; every second the 16
districts change colour and 200 incidents change state (each a new version and state applied through
CityState.apply, then the bridge to the queue, drawn in a table beside the map, and to the map).

Scenario `anchor`: tests/bench/naive_board_stall.py 250, the naive board (200 PlotItems, the charts
re-set every 250 ms, 100k samples/s parsed on the GUI thread), run beside the board in every repeat.

The stall is how late a 16 ms timer fires (interval minus 16 ms), measured after a warm-up, per tick
and weighted by time (tests/bench/stall.py: the share of wall time beyond 16 ms, the p99 lateness of
the 16 ms frame slots); the report also gives the samples/s actually ingested and the GUI process's
CPU. Each scenario runs in its own process; with --repeat N the summary gives each figure's median
and its range.
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
if "--root" in sys.argv:  # a child measuring another tree's code (--before): its console and widgets first
    sys.path.insert(0, sys.argv[sys.argv.index("--root") + 1])

import numpy as np  # noqa: E402

from console.site.process import free_ports  # noqa: E402
from tests.bench.stall import stall_figures  # noqa: E402


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


def timed_paint(cls, cpu_bucket: list) -> None:
    """Every paintEvent of `cls`'s widgets adds the GUI thread's CPU for it to `cpu_bucket`."""
    paint = cls.paintEvent

    def timed(self, ev):
        c = time.thread_time()
        paint(self, ev)
        cpu_bucket.append((time.thread_time() - c) * 1000)

    cls.paintEvent = timed


def run(scenario: str, seconds: float, warmup: float, rate: int, reader_thread: bool = False) -> dict:
    import qasync
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QHBoxLayout, QVBoxLayout, QWidget

    if scenario == "map":
        import PySide6.QtWebEngineWidgets  # noqa: F401

    from console.feed.decoder import Decoder
    from console.feed.live_source import FeedConfig, LiveOptions, LiveSource
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
    # (older trees' LiveOptions has no reader_thread: only asked for when wanted)
    src = LiveSource([FeedConfig(f"ws://127.0.0.1:{port}", "bench")],
                     LiveOptions(reader_thread=True) if reader_thread else None)
    src.add_listener(Ingest(state))
    bridge = StateBridge(state, src, clock)
    win = QWidget()
    win.resize(1920, 1080)
    lay = QHBoxLayout(win)
    import console

    result: dict = {"scenario": scenario, "code": str(Path(console.__file__).resolve().parents[1])}
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

            def timed(fn, bucket, cpu_bucket):
                def run_timed():
                    t, c = time.perf_counter(), time.thread_time()
                    fn()
                    bucket.append((time.perf_counter() - t) * 1000)
                    cpu_bucket.append((time.thread_time() - c) * 1000)  # the GUI thread's own work
                return run_timed

            render_ms, chart_ms, render_cpu, chart_cpu, changes_cpu = [], [], [], [], []
            paint_cpu, board_paint_cpu = [], []
            result["_buckets"] = {"tile_render_tick_ms": render_ms, "chart_refresh_ms": chart_ms,
                                  "tile_render_tick_cpu_ms": render_cpu, "chart_refresh_cpu_ms": chart_cpu,
                                  "on_changes_cpu_ms": changes_cpu, "chart_paint_cpu_ms": paint_cpu,
                                  "board_paint_cpu_ms": board_paint_cpu}
            # the charts' and the board's paints come after their handlers, on Qt's own turn: timed apart
            timed_paint(type(charts[0].plot), paint_cpu)
            timed_paint(type(board), board_paint_cpu)

            def on_changes_timed(ch):
                c = time.thread_time()
                on_changes(ch)
                changes_cpu.append((time.thread_time() - c) * 1000)

            bridge.changed.connect(on_changes_timed)
            rt = QTimer(win)
            rt.timeout.connect(timed(board.render_pending, render_ms, render_cpu))
            rt.start(50)
            ct = QTimer(win)
            ct.timeout.connect(timed(refresh_one_chart, chart_ms, chart_cpu))
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
        for bucket in result.get("_buckets", {}).values():
            bucket.clear()  # the warm-up's calls are not counted
        r0 = board.renders if board is not None else 0  # tiles rendered: the board keeping up, beside its stall
        h0, c0, t0 = src.health()[0].samples, time.process_time(), time.perf_counter()
        a0 = state.samples_total
        g0 = time.thread_time()
        await asyncio.sleep(seconds)
        h1, c1, t1 = src.health()[0].samples, time.process_time(), time.perf_counter()
        a1 = state.samples_total
        if board is not None:
            result["tile_renders_per_s"] = round((board.renders - r0) / (t1 - t0), 1)
        result["gui_thread_cpu_percent"] = round((time.thread_time() - g0) / (t1 - t0) * 100)
        result["reader_thread"] = reader_thread
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
                result[name + "_p50"] = round(float(np.percentile(bucket, 50)), 2)
                result[name + "_p99"] = round(float(np.percentile(bucket, 99)), 1)
                result[name + "_max"] = round(float(np.max(bucket)), 1)
        result.update(stall_figures(ticks))
        result.update({
            "seconds": round(t1 - t0, 1),
            "load_average": [round(x, 1) for x in os.getloadavg()],
            "samples_per_s_ingested": round((h1 - h0) / (t1 - t0)),
            "samples_per_s_applied": round((a1 - a0) / (t1 - t0)),  # received and new: written to the rings
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


SUMMARY = ("stall_ms_p50", "stall_ms_p99", "stall_ms_max", "time_share_beyond_16ms", "slot_lateness_ms_p99",
           "gui_process_cpu_percent", "gui_thread_cpu_percent", "samples_per_s_ingested", "tile_render_tick_cpu_ms_p50",
           "tile_render_tick_cpu_ms_p99", "chart_refresh_cpu_ms_p99", "chart_paint_cpu_ms_p50",
           "chart_paint_cpu_ms_p99", "board_paint_cpu_ms_p99", "on_changes_cpu_ms_p99", "tile_renders_per_s")


def run_in_process(sc: str, args) -> dict:
    import subprocess

    if sc == "anchor":
        cmd = [sys.executable, str(Path(__file__).with_name("naive_board_stall.py")), "250"]
    else:
        name, _, tree = sc.partition("@")  # "board@before": this script, run on the --before tree's code
        name, _, thread = name.partition(":")  # "board:thread": with the feed read on its own thread
        root = Path(args.before).resolve() if tree else ROOT
        cmd = [sys.executable, __file__, "--in-process", "--root", str(root), "--scenario", name,
               "--seconds", str(args.seconds), "--warmup", str(args.warmup), "--rate", str(args.rate)]
        cmd += ["--reader-thread"] if thread else []
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    line = [x for x in out.stdout.splitlines() if x.startswith("{")]
    return json.loads(line[-1]) if line else {"scenario": sc, "error": out.stderr[-1500:]}


def summarize(runs: list[dict]) -> dict:
    """Each figure's median and range over the repeats of one scenario."""
    out = {}
    for k in SUMMARY:
        v = [r[k] for r in runs if isinstance(r.get(k), (int, float))]
        if v:
            out[k] = {"median": round(float(np.median(v)), 4), "min": min(v), "max": max(v)}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenario", choices=["board", "map", "anchor"], default=None,
                    help="default: all three; board also runs its anchor")
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--warmup", type=float, default=8.0)
    ap.add_argument("--rate", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=1, help="runs of each scenario (alternating)")
    ap.add_argument("--before", default=None, metavar="DIR",
                    help="also run the board and the map on the code in DIR (e.g. `git archive REV | tar -x "
                         "-C DIR`), interleaved with this tree's and the anchor")
    ap.add_argument("--reader-thread", action="store_true",
                    help="also run the board with the feed read on its own thread (board@thread)")
    ap.add_argument("--in-process", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--root", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.in_process:  # a child: one scenario, one line of JSON
        print(json.dumps(run(args.scenario, args.seconds, args.warmup, args.rate, args.reader_thread)))
        return
    scenarios = {"board": ["board", "anchor"], "map": ["map"], "anchor": ["anchor"]}.get(
        args.scenario or "", ["board", "anchor", "map"])
    if args.before:  # each scenario's run on the older code right after this tree's
        for name in [sc for sc in scenarios if sc in ("board", "map")]:
            scenarios.insert(scenarios.index(name) + 1, f"{name}@before")
    if args.reader_thread:
        scenarios.insert(scenarios.index("board") + 1 if "board" in scenarios else 0, "board:thread")
    runs: dict[str, list[dict]] = {sc: [] for sc in scenarios}
    for _ in range(args.repeat):  # alternating, so load that comes and goes falls on each alike
        for sc in scenarios:
            runs[sc].append(run_in_process(sc, args))
            print(json.dumps(runs[sc][-1]), file=sys.stderr, flush=True)
    print(json.dumps({"benchmark": "gui_stall", "python": platform.python_version(),
                      "machine": f"{platform.machine()}, {os.cpu_count()} cpus",
                      "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                      "rate": args.rate, "repeat": args.repeat,
                      "summary": {sc: summarize(r) for sc, r in runs.items()}, "runs": runs}, indent=2))


if __name__ == "__main__":
    main()
