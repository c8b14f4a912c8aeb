"""The incident queue with 100,000 open incidents: sort and filter latency, and the GUI stall while
1,000 incident updates a second flow through CityState, the bridge and the queue.

    ./dev bench-queue              # prints JSON
    ./dev bench-queue --incidents 100000 --seconds 20

Sorting is timed as the operator does it, a click on a column header (QTableView.sortByColumn would
sort twice: Qt sorts on the indicator change and again when forced); filtering as a change of the
queue's own filter controls; both including the view's repaint (processEvents). The stall is how
late a 16 ms timer fires while updates stream in (after a warm-up).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402


def make_events(n: int, now: float):
    from console.feed.frames import Event, HistoryEntry
    from console.feed.protocol import IncidentState, Severity

    rng = np.random.default_rng(9)
    sev = list(Severity)
    states = [IncidentState.NEW, IncidentState.ACKNOWLEDGED, IncidentState.DISPATCHED, IncidentState.ON_SCENE]
    districts = ["310101", "310104", "310105", "310106", "310107", "310109", "310110", "310112", "310113",
                 "310114", "310115", "310116", "310117", "310118", "310120", "310151"]
    what = ["道路积水", "占道经营", "噪音扰民", "燃气异味", "路灯不亮", "井盖位移", "垃圾满溢", "交通事故"]
    cats = ["road_waterlogging", "street_vending", "noise", "gas_smell", "street_light", "manhole_cover",
            "garbage_overflow", "traffic_accident"]
    out = []
    for i in range(n):
        k = int(rng.integers(len(what)))
        created = now - float(rng.uniform(0, 86_400))
        st = states[int(rng.integers(len(states)))]
        out.append(Event(
            id=f"Q-{i:06d}", version=1, title=f"{what[k]} {i}", category=cats[k], domain="city_management",
            severity=sev[int(rng.integers(4))], source="hotline_12345", region=districts[int(rng.integers(16))],
            location=(31.2, 121.47), state=st, created_ts=created, updated_ts=created, sla_due_ts=created + 7200,
            history=(HistoryEntry(created, "new", "x", ""),)))
    return out


def run(n: int, seconds: float, warmup: float) -> dict:
    from PySide6.QtCore import QSettings, Qt, QTimer
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
    now = clock.now()
    t = time.perf_counter()
    for ev in make_events(n, now):
        state.incidents.upsert(ev, "bench")
    state.mark_events_changed(set(state.incidents.open))
    load_s = time.perf_counter() - t
    settings = QSettings(str(Path(os.environ.get("TMPDIR", "/tmp")) / "bench-queue.ini"), QSettings.Format.IniFormat)
    win = MainWindow(state, None, clock, settings, sla=SlaBook.load(resource("config", "sla.json")))
    if hasattr(win, "flood"):  # a day of 100,000 is a load, not a flood: measure the plain queue (flood mode groups)
        win.flood.threshold = n + 1
    win.resize(1920, 1080)
    win.show()
    t = time.perf_counter()
    win.bridge.flush()
    app.processEvents()
    first_s = time.perf_counter() - t
    model = win.incident_model
    result = {"incidents": n, "rows_shown": model.rowCount(), "load_s": round(load_s, 2),
              "first_fill_ms": round(first_s * 1000, 1)}

    def timed(fn) -> float:
        t0 = time.perf_counter()
        fn()
        app.processEvents()
        return (time.perf_counter() - t0) * 1000

    sort_ms = []
    for _ in range(3):
        for col in range(model.columnCount()):
            for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
                header = win.queue.table.horizontalHeader()
                sort_ms.append(timed(lambda col=col, order=order, h=header: h.setSortIndicator(col, order)))
    win.queue.table.horizontalHeader().setSortIndicator(0, Qt.SortOrder.DescendingOrder)
    q = win.queue
    filters = [
        lambda: q.sev_buttons[next(iter(q.sev_buttons))].setChecked(True),
        lambda: q.search.setText("积水"),
        lambda: q.district_box.setCurrentIndex(3),
        lambda: q.state_box.setCurrentIndex(2),
        lambda: q.group_box.setChecked(True),
        lambda: (q.group_box.setChecked(False), q.state_box.setCurrentIndex(0)),
        lambda: q.district_box.setCurrentIndex(0),
        lambda: q.search.setText(""),
        lambda: q.sev_buttons[next(iter(q.sev_buttons))].setChecked(False),
    ]
    filter_ms = [timed(f) for _ in range(3) for f in filters]
    result.update({
        "sort_ms_p50": round(float(np.percentile(sort_ms, 50)), 1),
        "sort_ms_p99": round(float(np.percentile(sort_ms, 99)), 1),
        "sort_ms_max": round(max(sort_ms), 1),
        "filter_ms_p50": round(float(np.percentile(filter_ms, 50)), 1),
        "filter_ms_p99": round(float(np.percentile(filter_ms, 99)), 1),
        "filter_ms_max": round(max(filter_ms), 1),
    })

    # 1,000 updates a second: every 10 ms, ten incidents change (a new version, sometimes a new state)
    rng = np.random.default_rng(2)
    ids = list(state.incidents.open)
    from console.feed.protocol import IncidentState

    nxt = {IncidentState.NEW: IncidentState.ACKNOWLEDGED, IncidentState.ACKNOWLEDGED: IncidentState.DISPATCHED,
           IncidentState.DISPATCHED: IncidentState.ON_SCENE, IncidentState.ON_SCENE: IncidentState.NEW}
    sent = [0]

    def update():
        for i in rng.integers(0, len(ids), 10):
            ev = state.incidents.open.get(ids[int(i)])
            if ev is None:
                continue
            state.incidents.upsert(ev.evolve(version=ev.version + 1, state=nxt[ev.state], updated_ts=clock.now()),
                                   "bench")
            state.mark_events_changed({ev.id})
            sent[0] += 1

    apply_ms = []
    orig = model.apply_changes

    def timed_apply(ch):
        t0 = time.perf_counter()
        orig(ch)
        apply_ms.append((time.perf_counter() - t0) * 1000)

    win.bridge.changed.disconnect()
    win.bridge.changed.connect(win._on_changes)
    model.apply_changes = timed_apply
    ticks, last = [], [time.perf_counter()]

    def tick():
        now_ = time.perf_counter()
        ticks.append(now_ - last[0])
        last[0] = now_

    up = QTimer()
    up.timeout.connect(update)
    up.start(10)
    tk = QTimer()
    tk.timeout.connect(tick)
    tk.start(16)
    end_warm = time.perf_counter() + warmup
    while time.perf_counter() < end_warm:
        app.processEvents()
        time.sleep(0.001)
    ticks.clear()
    apply_ms.clear()
    s0, t0, c0 = sent[0], time.perf_counter(), time.process_time()
    while time.perf_counter() < t0 + seconds:
        app.processEvents()
        time.sleep(0.001)
    dt = time.perf_counter() - t0
    stall = (np.array(ticks) - 0.016) * 1000
    result.update({
        "updates_per_s": round((sent[0] - s0) / dt),
        "stall_ms_p50": round(float(np.percentile(stall, 50)), 1),
        "stall_ms_p99": round(float(np.percentile(stall, 99)), 1),
        "stall_ms_max": round(float(stall.max()), 1),
        "apply_changes_ms_p99": round(float(np.percentile(apply_ms, 99)), 1) if apply_ms else None,
        "cpu_percent": round((time.process_time() - c0) / dt * 100),
        "rows_after": model.rowCount(),
    })
    up.stop()
    tk.stop()
    win.close()
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--incidents", type=int, default=100_000)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--warmup", type=float, default=3.0)
    args = ap.parse_args()
    res = run(args.incidents, args.seconds, args.warmup)
    print(json.dumps({"benchmark": "incident_queue", "python": platform.python_version(),
                      "machine": f"{platform.machine()}, {os.cpu_count()} cpus",
                      "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), **res}, indent=2))


if __name__ == "__main__":
    main()
