"""Where a queue sort or filter change spends the GUI thread's CPU (time.thread_time, which a loaded
machine inflates less than wall time): the model's part (`sort` / `set_filters`, the reset signals
included) against the rest (the view's repaint and whatever else runs in that processEvents), per
filter step, with the number of data() calls per change; then a viewport repaint alone (its painted
rows kept, and made again) and the once-a-second tick. The real window with 100,000 incidents at
1920x1080 offscreen, as bench_queue.py sets it up; prints JSON.

    python tests/bench/queue_cpu_split.py                    # this tree
    python tests/bench/queue_cpu_split.py --code /tmp/before  # another tree's console/ and widgets/
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
if "--code" in sys.argv:
    sys.path.insert(0, str(Path(sys.argv[sys.argv.index("--code") + 1]).resolve()))

import numpy as np  # noqa: E402

from tests.bench.bench_queue import make_events  # noqa: E402


def summary(samples: list[tuple[float, float, int]]) -> dict:
    a = np.array(samples, dtype=float)
    return {"total_p50_ms": round(float(np.percentile(a[:, 0], 50)), 1), "total_max_ms": round(float(a[:, 0].max()), 1),
            "model_p50_ms": round(float(np.percentile(a[:, 1], 50)), 1), "model_max_ms": round(float(a[:, 1].max()), 1),
            "rest_p50_ms": round(float(np.percentile(a[:, 0] - a[:, 1], 50)), 1), "data_calls": int(a[:, 2].max())}


def run(n: int, sort_rounds: int, filter_rounds: int) -> dict:
    from PySide6.QtCore import QSettings, Qt
    from PySide6.QtWidgets import QApplication

    from console.feed.decoder import Decoder
    from console.incidents.sla import SlaBook
    from console.model.city_state import CityState
    from console.model.clock import Clock
    from console.resources import resource
    from console.ui.main_window import MainWindow
    from tests.frames_factory import catalog

    app = QApplication.instance() or QApplication([])
    state, clock = CityState(), Clock()
    state.apply("bench", Decoder().decode(catalog()).frame)
    settings = QSettings(str(Path(os.environ.get("TMPDIR", "/tmp")) / "queue-split.ini"), QSettings.Format.IniFormat)
    win = MainWindow(state, None, clock, settings, sla=SlaBook.load(resource("config", "sla.json")))
    win.flood.threshold = n + 1
    win.resize(1920, 1080)
    win.show()
    for ev in make_events(n, clock.now()):
        state.incidents.upsert(ev, "bench")
    state.mark_events_changed(set(state.incidents.open))
    win.bridge.flush()
    app.processEvents()
    model = win.incident_model
    model_s, calls = [0.0], [0]

    def timed_method(name):
        inner = getattr(model, name)

        def wrapper(*a, **kw):
            c = time.thread_time()
            out = inner(*a, **kw)
            model_s[0] += time.thread_time() - c
            return out
        setattr(model, name, wrapper)

    timed_method("sort")
    timed_method("set_filters")
    data = model.data

    def counted(*a):
        calls[0] += 1
        return data(*a)
    model.data = counted

    def timed(fn) -> tuple[float, float, int]:
        model_s[0], calls[0] = 0.0, 0
        c = time.thread_time()
        fn()
        app.processEvents()
        return (time.thread_time() - c) * 1000, model_s[0] * 1000, calls[0]

    header = win.queue.table.horizontalHeader()
    sorts = [timed(lambda c=c, o=o: header.setSortIndicator(c, o)) for _ in range(sort_rounds)
             for c in range(model.columnCount()) for o in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder)]
    header.setSortIndicator(0, Qt.SortOrder.DescendingOrder)
    app.processEvents()
    q = win.queue
    steps = [("level on", lambda: q.sev_buttons[next(iter(q.sev_buttons))].setChecked(True)),
             ("search 积水", lambda: q.search.setText("积水")),
             ("district 3", lambda: q.district_box.setCurrentIndex(3)),
             ("state 2", lambda: q.state_box.setCurrentIndex(2)),
             ("grouping on", lambda: q.group_box.setChecked(True)),
             ("grouping off + all states", lambda: (q.group_box.setChecked(False), q.state_box.setCurrentIndex(0))),
             ("all districts", lambda: q.district_box.setCurrentIndex(0)),
             ("search cleared", lambda: q.search.setText("")),
             ("level off", lambda: q.sev_buttons[next(iter(q.sev_buttons))].setChecked(False))]
    per_step: dict[str, list] = {name: [] for name, _ in steps}
    for _ in range(filter_rounds):
        for name, fn in steps:
            per_step[name].append(timed(fn))
    viewport = q.table.viewport()

    def repaint(made_again: bool) -> float:
        if made_again:
            model._memo.clear()
        c = time.thread_time()
        viewport.repaint()
        return (time.thread_time() - c) * 1000

    second = []
    for _ in range(10):
        c = time.thread_time()
        win._on_second()
        app.processEvents()
        second.append((time.thread_time() - c) * 1000)
    out = {"sort": summary(sorts), "filter_steps": {k: summary(v) for k, v in per_step.items()},
           "repaint_rows_kept_ms_p50": round(float(np.median([repaint(False) for _ in range(30)])), 1),
           "repaint_rows_made_ms_p50": round(float(np.median([repaint(True) for _ in range(30)])), 1),
           "second_tick_ms_p50": round(float(np.median(second)), 1), "second_tick_ms_max": round(max(second), 1)}
    win.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--incidents", type=int, default=100_000)
    ap.add_argument("--sort-rounds", type=int, default=3, help="x 16 sorts")
    ap.add_argument("--filter-rounds", type=int, default=6, help="x 9 filter changes")
    ap.add_argument("--code", type=Path, default=None, help="import console/ and widgets/ from this tree")
    args = ap.parse_args()
    import console
    print(json.dumps({"tree": str(Path(console.__file__).parent.parent),
                      "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                      **run(args.incidents, args.sort_rounds, args.filter_rounds)}, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
