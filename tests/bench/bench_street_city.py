"""The whole city at street level in one workstation console (issue 16's bar).

    ./dev bench-street-city                      # an hour, the city console, 215 streets x 100 indicators
    ./dev bench-street-city --minutes 10 --scope 310104

The simulator (its own process, `cityops simulate --street-indicators 100 --speed 1`) publishes
215 x 100 street series plus their district and city roll-ups at 1 Hz (about 23,700 series and as many
readings a second) at nice 10 (`--publisher-nice`): it stands in for the feed servers, which a
workstation does not host; at the console's own priority it took the cores a drill needed (the hour
of 2026-11-30 04:08 UTC: the GUI thread waited 97 ms (p99) for a core per drill). The console is the
real one, built by `build_console` with the map, at 1920x1080 offscreen, on the city view (or
`--scope`'s). Measured after a warm-up:

- memory: the console process's RSS and, apart, its Qt WebEngine helper processes' RSS (every 10 s);
- ingest + model: the time spent in `Ingest` (decoded frames into CityState), as a share of one core;
  the whole GUI process's CPU beside it;
- GUI stall: how late a 16 ms timer fires (p50/p99/max), the share of time beyond one 16 ms frame and
  the p99 lateness of the 16 ms frame slots (tests/bench/stall.py);
- drill-down: every 10 s (`--drill-every`) the window drills to a district (from the city; to a
  street from a district) and back; timed from the call to the board (its tiles in sight rendered, a
  slice at a time while the loop runs) and chart repainted and the map page's answer that it frames the
  region (p50/p99 over >= 300 drills in an hour; the max beside), and the GUI thread's CPU time for the
  drill's own work (drill, its slices, board and chart repainted), which a loaded machine's waiting
  does not inflate;
- with `--cpu-by-thread`: the CPU every thread of the console, its WebEngine processes and the publisher
  used per drill, from just before the call to just after the page's answer (read from /proc around each
  drill, outside the timed part, in 10 ms ticks: a mean over many drills), the wall time of the same
  span beside it. On 2 cores, what the drill costs the whole machine;
- with `--page-listeners`: the map page's own script time per drill (down and back) by Leaflet event
  listener (tests/bench/page_listener_timing.js: which layer's redraw at the new zoom costs what), and its
  `cityops.setView` call; timed in the page with performance.now(), inclusive of what a listener fires.
Prints JSON; the anchor is the bare websockets + orjson loop of `./dev bench` (same machine, same day).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource as rlimit
import subprocess
import sys
import threading
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--no-sandbox --disable-gpu")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from console.site.process import free_ports  # noqa: E402
from tests.bench.soak_wall import cpu_seconds, descendants, rss_kb, thread_cpu_seconds  # noqa: E402
from tests.bench.stall import stall_figures  # noqa: E402


def start_simulator(port: int, per_street: int, nice: int = 0) -> subprocess.Popen:
    """The city's feed server, on this machine. `nice`: its scheduling priority below the console's (a
    workstation does not host the feed servers; on one 2-core machine, a publisher at the console's
    own priority takes cores from the console's GUI thread that a real one would not)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "console.app.cli", "--log-level", "WARNING", "simulate", "--port", str(port),
         "--street-indicators", str(per_street), "--speed", "1", "--seed", "3"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        preexec_fn=(lambda: os.nice(nice)) if nice else None)
    assert "listening" in proc.stdout.readline()
    return proc


def runqueue_wait_s() -> float:
    """Seconds this thread has spent ready to run but waiting for a core (Linux schedstat; 0 elsewhere):
    on 2 cores shared with the simulator and the page's renderer, the part of a drill no code of ours
    can shorten."""
    try:
        with open(f"/proc/self/task/{threading.get_native_id()}/schedstat") as f:
            return int(f.read().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return 0.0


def pct(a, q) -> float:
    return round(float(np.percentile(np.asarray(a), q)), 1) if len(a) else float("nan")


HANDLERS = (("console.ui.main_window", "MainWindow", "_on_changes"),
            ("console.ui.main_window", "MainWindow", "_on_second"),
            ("console.ui.main_window", "MainWindow", "evaluate_rules"),
            ("console.ui.main_window", "MainWindow", "drill_to"),
            ("widgets.vital_board", "VitalBoard", "render_pending"),
            ("widgets.vital_board", "VitalBoard", "_render_slice"),
            ("console.ui.map_bridge", "CityMapView", "apply_changes"))


def time_handlers() -> dict[str, list[float]]:
    """The GUI thread's CPU time per call of the window's handlers (wrapped on their classes before the
    window connects them): per-call CPU is what the code costs, whatever else the machine runs."""
    import importlib

    out: dict[str, list[float]] = {}
    for module, cls_name, name in HANDLERS:
        cls = getattr(importlib.import_module(module), cls_name)
        calls = out.setdefault(f"{cls_name}.{name}", [])
        fn = getattr(cls, name)

        def timed(*a, _fn=fn, _calls=calls, **kw):
            c0 = time.thread_time()
            try:
                return _fn(*a, **kw)
            finally:
                _calls.append(time.thread_time() - c0)
        setattr(cls, name, timed)
    return out


def run(minutes: float, warmup_s: float, scope: str, per_street: int, max_series: int,
        drill_every_s: float, reader_thread: bool = False, publisher_nice: int = 0,
        cpu_by_thread: bool = False, page_listeners: bool = False) -> dict:
    import qasync
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from console.feed.live_source import FeedConfig, LiveOptions
    from console.model.areas import child_level, in_area
    from console.model.city_state import StateConfig
    from console.model.ingest import Ingest
    from console.ui.session import ConsoleOptions, build_console

    cpu_calls = time_handlers()

    app = QApplication.instance() or QApplication([])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    port = free_ports(1)[0]
    sim = start_simulator(port, per_street, publisher_nice)
    tmp = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench-street-city-{os.getpid()}"
    session = build_console(ConsoleOptions(
        feeds=[FeedConfig(f"ws://127.0.0.1:{port}", "city")], scope=scope, journal_dir=tmp,
        settings_path=tmp / "layout.ini", state_config=StateConfig(max_series=max_series),
        live_options=LiveOptions(reader_thread=True) if reader_thread else None))
    win, state = session.window, session.state
    win.escalator = None  # a benchmark sends no commands
    win.resize(1920, 1080)

    # time spent turning frames into model state: wrap the one Ingest listener the session registered
    ingest_s = [0.0]
    for listener in list(getattr(session.source, "_listeners", [])):
        if isinstance(listener, Ingest):
            original = listener.__call__

            def timed(env, _orig=original):
                t = time.perf_counter()
                try:
                    return _orig(env)
                finally:
                    ingest_s[0] += time.perf_counter() - t

            session.source._listeners[session.source._listeners.index(listener)] = timed
    result: dict = {"scope": scope, "per_street": per_street}
    ticks: list[float] = []
    drills: list[float] = []
    rss_main: list[int] = []
    rss_web: list[int] = []

    drill_cpu: list[float] = []
    drill_board: list[float] = []
    drill_queued: list[float] = []  # the GUI thread ready to run but waiting for a core, until drawn
    by_thread: dict[tuple[str, str], float] = {}  # --cpu-by-thread: CPU seconds summed over the drills
    by_thread_wall = [0.0]

    # the board says when a view's last slice is rendered (viewDrawn): waited for, not polled, since
    # polling `drawn()` every millisecond was GUI-thread work of the benchmark's own inside every drill
    view_drawn: list = [None]
    if hasattr(win.board, "viewDrawn"):
        def on_drawn():
            fut = view_drawn[0]
            if fut is not None and not fut.done():
                fut.set_result(time.perf_counter())
        win.board.viewDrawn.connect(on_drawn)

    async def drill_once(code: str) -> float:
        if cpu_by_thread:
            pids = {p: "" for p in descendants(os.getpid())} | {os.getpid(): "console", sim.pid: "publisher"}
            before, w0 = thread_cpu_seconds(pids), time.perf_counter()
        dt = await drill_timed(code)
        if cpu_by_thread:
            for key, s in thread_cpu_seconds(pids).items():
                by_thread[key] = by_thread.get(key, 0.0) + s - before.get(key, 0.0)
            by_thread_wall[0] += time.perf_counter() - w0
        win.drill_up()
        return dt

    async def drill_timed(code: str) -> float:
        t0, c0, q0 = time.perf_counter(), time.thread_time(), runqueue_wait_s()
        slices = cpu_calls.get("VitalBoard._render_slice", [])
        n_slices = len(slices)
        view_drawn[0] = asyncio.get_running_loop().create_future()
        assert win.drill_to(code), code
        cpu = time.thread_time() - c0
        # drawn means the tiles in sight rendered: this code renders them a slice at a time on the next
        # turns of the loop (waited for here, the loop running); older code in the drill itself, or on
        # its next ticks (rendered here: the same work counted on either)
        board = win.board
        if hasattr(board, "viewDrawn"):
            await asyncio.wait_for(view_drawn[0], 10)
            assert board.drawn(), code
            cpu += sum(slices[n_slices:])
        elif hasattr(board, "render_soon"):
            while not board.drawn():
                await asyncio.sleep(0.001)
            cpu += sum(slices[n_slices:])
        else:
            vis = board.visibleRegion().boundingRect()
            c1 = time.thread_time()
            while any(k in board._pending for k, r in board._rects.items() if r.intersects(vis)):
                if not board.render_pending():
                    break
            cpu += time.thread_time() - c1
        c1 = time.thread_time()
        win.board.repaint()
        # the plot is a QGraphicsView: its viewport paints the chart (the chart widget's repaint() does
        # not reach it; runs before 2026-11-30 08:30 UTC counted the chart's paint in the drill's wall
        # time only, where the loop ran it between the board's slices)
        win.chart.plot.viewport().repaint()
        # the GUI thread's own work for the drill (the drill, its slices, the repaints), whatever the load
        drill_cpu.append(cpu + time.thread_time() - c1)
        # which side of the drill sets its time: the board drawn (this thread) or the page's answer
        drill_board.append(time.perf_counter() - t0)
        drill_queued.append(runqueue_wait_s() - q0)
        got = await page_js("cityops.viewState().code")
        dt = time.perf_counter() - t0
        assert got == code, (got, code)
        return dt

    async def page_js(code: str):
        answered = asyncio.get_running_loop().create_future()
        win.map.page().runJavaScript(code, lambda v: answered.done() or answered.set_result(v))
        return await asyncio.wait_for(answered, 10)

    async def main() -> None:
        session.show()
        await session.start()
        t_end = time.monotonic() + 120
        while len(state.series_keys) < 20_000 * per_street // 100 and time.monotonic() < t_end:
            await asyncio.sleep(0.5)
        result["series"] = len(state.series_keys)
        await asyncio.sleep(warmup_s)
        targets = sorted(c for c, r in state.regions.items()
                         if in_area(c, scope) and c != scope and r.level == child_level(scope))
        last = [time.perf_counter()]

        def tick():
            t = time.perf_counter()
            ticks.append(t - last[0])
            last[0] = t

        timer = QTimer(win)
        timer.setInterval(16)
        timer.timeout.connect(tick)
        ing0, cpu0, pub0 = ingest_s[0], time.process_time(), cpu_seconds(sim.pid)
        for calls in cpu_calls.values():
            calls.clear()  # the warm-up's calls are not counted
        ru0 = rlimit.getrusage(rlimit.RUSAGE_SELF)
        samples0 = state.samples_total
        if page_listeners:
            timing = (ROOT / "tests" / "bench" / "page_listener_timing.js").read_text(encoding="utf-8")
            assert await page_js(timing + "; window.__cityopsTiming.on = true; 1") == 1
        t0 = time.monotonic()
        timer.start()
        k = 0
        next_rss = t0
        while time.monotonic() - t0 < minutes * 60:
            await asyncio.sleep(drill_every_s)
            if time.monotonic() >= next_rss:
                next_rss += 10
                rss_main.append(rss_kb(os.getpid()))
                rss_web.append(sum(rss_kb(p) for p in descendants(os.getpid())))
            if targets:
                drills.append(await drill_once(targets[k % len(targets)]))
                k += 1
        timer.stop()
        t1 = time.monotonic()
        if page_listeners and drills:
            t = json.loads(await page_js("window.__cityopsTiming.on = false; JSON.stringify(window.__cityopsTiming)"))
            top = sorted(t["ms"].items(), key=lambda kv: -kv[1])[:20]
            n = len(drills)  # a drill: down and back up
            result["page_ms_per_drill_by_listener"] = {k: [round(v / n, 2), round(t["calls"][k] / n, 1)]
                                                       for k, v in top}
            # each setView call, the drill's and the way back's
            result["page_setview_ms_p50_p90"] = [pct(np.array(t["setView"]), 50), pct(np.array(t["setView"]), 90)]
        ru1 = rlimit.getrusage(rlimit.RUSAGE_SELF)
        result.update({
            "seconds": round(t1 - t0, 1),
            "samples_per_s": round((state.samples_total - samples0) / (t1 - t0)),
            "ingest_model_core_share": round((ingest_s[0] - ing0) / (t1 - t0), 3),
            "gui_process_cpu_share": round((time.process_time() - cpu0) / (t1 - t0), 3),
            # the feed server's own share of a core, and its priority: what it takes from the console here
            "publisher_cpu_share": round((cpu_seconds(sim.pid) - pub0) / (t1 - t0), 3),
            "publisher_nice": publisher_nice,
            "max_rss_mb_self": round(ru1.ru_maxrss / 1024),
            "ru_maxrss_before_mb": round(ru0.ru_maxrss / 1024),
        })
        await session.stop()

    try:
        loop.run_until_complete(main())
    finally:
        session.close()
        sim.terminate()
        sim.wait(10)
    result.update(stall_figures(ticks))
    result.update({
        "drills": len(drills),
        "drill_ms_max": round(max(drills) * 1000, 1) if drills else None,
        "drill_gui_cpu_ms_p50": pct(np.array(drill_cpu) * 1000, 50),
        "drill_gui_cpu_ms_p99": pct(np.array(drill_cpu) * 1000, 99),
        "drill_board_drawn_ms_p50": pct(np.array(drill_board) * 1000, 50),
        "drill_board_drawn_ms_p99": pct(np.array(drill_board) * 1000, 99),
        "drill_gui_waiting_for_cpu_ms_p50": pct(np.array(drill_queued) * 1000, 50),
        "drill_gui_waiting_for_cpu_ms_p99": pct(np.array(drill_queued) * 1000, 99),
        "load_average": [round(x, 1) for x in os.getloadavg()],
        **({"drill_cpu_ms_by_thread": {f"{k} / {t}": round(v / len(drills) * 1000, 1)
                                       for (k, t), v in sorted(by_thread.items(), key=lambda kv: -kv[1])[:12]},
            "drill_cpu_ms_all_threads": round(sum(by_thread.values()) / len(drills) * 1000, 1),
            "drill_span_wall_ms": round(by_thread_wall[0] / len(drills) * 1000, 1)}
           if cpu_by_thread and drills else {}),
        # CPU ms per call (p50 / p99 / calls); _on_changes includes the map's apply_changes, _on_second the
        # freshness check and the roll-up line, drill_to the tiles in sight rendered (this code)
        "gui_cpu_ms_per_call": {k: [pct(np.array(v) * 1000, 50), pct(np.array(v) * 1000, 99), len(v)]
                                for k, v in cpu_calls.items()},
        "drill_ms_p50": pct(np.array(drills) * 1000, 50), "drill_ms_p99": pct(np.array(drills) * 1000, 99),
        # the run in six consecutive parts (p50, max of each): a drill that slows as the hour goes on shows
        # here, where the whole run's p99 cannot tell a drift from scattered bad luck
        "drill_ms_p50_max_by_sixth": [[pct(np.array(part) * 1000, 50), round(float(np.max(part)) * 1000, 1)]
                                      for part in np.array_split(np.array(drills), 6) if len(part)],
        "open_incidents_end": len(state.incidents.open),
        "rss_mb_console_end": round(rss_main[-1] / 1024) if rss_main else None,
        "rss_mb_console_max": round(max(rss_main) / 1024) if rss_main else None,
        "rss_mb_webengine_max": round(max(rss_web) / 1024) if rss_web else None,
        "rss_mb_console_first": round(rss_main[0] / 1024) if rss_main else None,
        "bytes_per_series_model": round(state.rings.bytes_allocated / max(1, len(state.series_keys)))
        if hasattr(state.rings, "bytes_allocated") else None,
    })
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=60.0)
    ap.add_argument("--warmup", type=float, default=30.0, help="seconds after the catalog is in")
    ap.add_argument("--scope", default="310000")
    ap.add_argument("--street-indicators", type=int, default=100)
    ap.add_argument("--max-series", type=int, default=32_768)
    ap.add_argument("--drill-every", type=float, default=10.0,
                    help="seconds between drills (a p99 needs >= 300: an hour at 10 s, or 10 min at 2 s)")
    ap.add_argument("--reader-thread", action="store_true", help="the feed read on its own thread")
    ap.add_argument("--publisher-nice", type=int, default=10,
                    help="the simulator's nice value (a workstation does not host the feed servers; 0: at the "
                         "console's own priority, as runs before 2026-11-30 05:00 UTC were)")
    ap.add_argument("--cpu-by-thread", action="store_true",
                    help="report the CPU each thread of the console, its WebEngine processes and the publisher "
                         "used per drill")
    ap.add_argument("--page-listeners", action="store_true",
                    help="report the map page's script time per drill by Leaflet event listener")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    res = run(args.minutes, args.warmup, args.scope, args.street_indicators, args.max_series, args.drill_every,
              args.reader_thread, args.publisher_nice, args.cpu_by_thread, args.page_listeners)
    res["reader_thread"] = args.reader_thread
    doc = {"benchmark": "street_city", "python": platform.python_version(),
           "machine": f"{platform.machine()}, {os.cpu_count()} cpus",
           "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), **res}
    text = json.dumps(doc, indent=2, ensure_ascii=False)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
