"""What one full garbage collection costs the GUI thread of a street-level console (215 x 100 street series
and roll-ups, the map on), before and after its heap is settled (console/site/heap.py: collect, then
gc.freeze), and how many oldest-generation passes came due by themselves in a minute of each.

    .venv/bin/python tests/bench/bench_gc_pause.py

The session's own settling is held off (it would freeze before the first measure). Prints JSON."""

from __future__ import annotations

import asyncio
import gc
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--no-sandbox --disable-gpu")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from console.site.heap import settle_heap  # noqa: E402
from console.site.process import free_ports  # noqa: E402
from tests.bench.bench_street_city import start_simulator  # noqa: E402


def full_pass_ms() -> float:
    t = time.thread_time()
    gc.collect()
    return round((time.thread_time() - t) * 1000, 1)


def main() -> None:
    import qasync
    from PySide6.QtWidgets import QApplication

    from console.feed.live_source import FeedConfig
    from console.model.city_state import StateConfig
    from console.ui.session import ConsoleOptions, build_console

    app = QApplication.instance() or QApplication([])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    port = free_ports(1)[0]
    sim = start_simulator(port, 100)
    tmp = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench-gc-{os.getpid()}"
    session = build_console(ConsoleOptions(
        feeds=[FeedConfig(f"ws://127.0.0.1:{port}", "city")], journal_dir=tmp, settings_path=tmp / "layout.ini",
        state_config=StateConfig(max_series=32_768)))
    session._settle_heap_when_loaded = lambda *a, **k: asyncio.sleep(0)  # measured by hand below
    win, state = session.window, session.state
    win.escalator = None
    win.resize(1920, 1080)
    passes: list[float] = []

    def on_gc(phase, info):
        if info["generation"] == 2:
            if phase == "start":
                on_gc.t = time.thread_time()
            else:
                passes.append(round((time.thread_time() - on_gc.t) * 1000, 1))

    gc.callbacks.append(on_gc)
    out: dict = {}

    async def run() -> None:
        session.show()
        await session.start()
        t_end = time.monotonic() + 120
        while len(state.series_keys) < 20_000 and time.monotonic() < t_end:
            await asyncio.sleep(0.5)
        await asyncio.sleep(20)
        out["series"] = len(state.series_keys)
        out["objects_tracked"] = len(gc.get_objects())
        out["full_pass_cpu_ms_before"] = [full_pass_ms(), full_pass_ms()]
        passes.clear()
        await asyncio.sleep(60)
        out["oldest_generation_passes_in_60s_before"] = list(passes)
        out["frozen"] = settle_heap()
        out["full_pass_cpu_ms_after"] = [full_pass_ms(), full_pass_ms()]
        passes.clear()
        await asyncio.sleep(60)
        out["oldest_generation_passes_in_60s_after"] = list(passes)
        out["load_average"] = [round(x, 1) for x in os.getloadavg()]
        await session.stop()

    try:
        loop.run_until_complete(run())
    finally:
        session.close()
        sim.terminate()
        sim.wait(10)
    print(json.dumps({"benchmark": "gc_pause", **out}, indent=2))


if __name__ == "__main__":
    main()
