"""Dragging the time-shift timeline of a live session: how long each seek takes, p50/p99.

    ./dev bench-timeshift                 # a 4-hour live session at the simulator's default rate; JSON
    ./dev bench-timeshift --hours 1       # a shorter session for a quick look
    ./dev bench-timeshift --no-gui        # the Qt-free part only (TimeShift.seek)
    ./dev bench-timeshift --code /tmp/before   # the same on another tree's console/ (git archive)

The simulator's model generates the session at full speed, as its server would send it by default
(every series at its own cadence, one frame per 50 ms tick, its incidents and their progress): every
frame goes to the Recorder (a keyframe every KEYFRAME_S of receive time, as live) and through the
TimeShift's Ingest into the console's CityState; an operator's action is audited every two minutes.
The recorder stays open: the session is still live. Then the operator pauses and drags the timeline:
a sweep back across the whole session in small steps, then random jumps, one simulated second of
live feed arriving between two positions (the live city goes on while shifted). Where a drag stops,
the charts' older hour is read (off the GUI thread) once the position has held for 150 ms; that
stop is timed apart. After the drag, the last positions are checked against an independent replay
(its own connection, the full seek), and back at live the view against a state that took every frame
straight from the feed. With the window
(offscreen, without the map, which renders in Chromium's own process), a step is what the operator
waits for: the controller's seek, the model's changes handed to the views, and the repaint. Beside
each wall time, the GUI thread's own CPU time per step (`time.thread_time`: what the load of other
processes on a shared machine does not inflate; Python's garbage collector runs inside it).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
if "--code" in sys.argv:  # another tree's console/ (the code before a change), with this benchmark
    sys.path.insert(0, str(Path(sys.argv[sys.argv.index("--code") + 1]).resolve()))

import numpy as np  # noqa: E402
import orjson  # noqa: E402

from console.feed.decoder import Decoder  # noqa: E402
from console.feed.feed_health import FeedHealth  # noqa: E402
from console.feed.protocol import PROTOCOL  # noqa: E402
from console.feed.source import Envelope  # noqa: E402
from console.incidents.audit_log import AuditLog  # noqa: E402
from console.model.city_state import CityState  # noqa: E402
from console.model.ingest import Ingest  # noqa: E402
from console.recording import time_shift as time_shift_module  # noqa: E402
from console.recording.replay_source import ReplaySource  # noqa: E402
from console.recording.store import Recorder, Recording  # noqa: E402
from console.recording.time_shift import TimeShift  # noqa: E402

KEYFRAME_S = getattr(time_shift_module, "KEYFRAME_S", 60.0)  # the live console's cadence (60 s before it was set here)
from console.simulator.city_model import SimCity  # noqa: E402
from console.simulator.server import ServerOptions  # noqa: E402


class Feed:
    """The simulator's default stream, generated on demand and stamped with its simulated receive time."""

    def __init__(self, t0: float, recorder: Recorder, shift: TimeShift, audit: AuditLog):
        self.city = SimCity(seed=5, start_ts=t0, incident_rate_per_min=2.0, auto_handle=0.7, history_s=0)
        self.tick_s = ServerOptions().tick_s
        self.now, self.seq, self.frames, self.samples = t0, 0, 0, 0
        self.recorder, self.shift, self.audit = recorder, shift, audit
        self.dec = Decoder()
        self.health = FeedHealth("sim", "bench")
        # the independent truth: a state that takes every frame straight from the feed, no time-shift between
        self.truth = CityState()
        self._truth_ingest = Ingest(self.truth)
        self._next_action = t0 + 120
        c = self.city
        self._put(orjson.dumps({"type": "hello", "protocol": PROTOCOL, "source": "sim", "level": "city",
                                "server_time": t0}))
        self._put(orjson.dumps({"type": "catalog", "indicators": [i.to_wire() for i in c.indicators],
                                "regions": [r.to_wire() for r in c.regions]}))

    def _put(self, raw: bytes) -> None:
        env = Envelope("sim", self.now, raw, self.dec.decode(raw), self.health)
        self.recorder(env)
        self.shift(env)
        self._truth_ingest(env)
        self.frames += 1

    def run(self, seconds: float) -> None:
        c, ind, reg = self.city, self.city.series_indicator, self.city.series_region
        end = self.now + seconds
        while self.now < end:
            self.now += self.tick_s
            sids, ts, vals = c.due_samples(self.now)
            if len(sids):
                self.seq += 1
                rows = [[ind[i], reg[i], t, v] for i, t, v in zip(sids.tolist(), ts.tolist(), vals.tolist(),
                                                                    strict=True)]
                self._put(orjson.dumps({"type": "samples", "seq": self.seq, "samples": rows}))
                self.samples += len(rows)
            for ev in c.new_incidents(self.now) + c.auto_progress(self.now):
                self.seq += 1
                self._put(orjson.dumps({"type": "event", "seq": self.seq, "event": ev.to_wire()}))
                if self.now >= self._next_action and ev.is_open:
                    self._next_action = self.now + 120
                    self.audit.record("acknowledge", "值班员甲", "duty_officer", ev.id, "submitted",
                                      {"command": f"c{self.seq}"}, now=self.now)
            while self.recorder._q.qsize() > 40_000:  # the writer sets the pace; nothing is dropped
                time.sleep(0.01)


def percentiles(ms: list[float]) -> dict:
    """p99 only from >= 300 samples (the default drag has 300 positions); fewer give the max as such."""
    a = np.array(ms)
    out = {"n": len(a), "p50_ms": round(float(np.percentile(a, 50)), 1), "max_ms": round(float(a.max()), 1)}
    if len(a) >= 300:
        out["p99_ms"] = round(float(np.percentile(a, 99)), 1)
    return out


def drag_positions(start: float, end: float, steps: int, jumps: int) -> list[float]:
    sweep = list(np.linspace(end - 5, start + 60, steps))  # a drag back across the whole session
    rng = np.random.default_rng(3)
    return sweep + list(rng.uniform(start + 60, end - 5, jumps))


def incidents(state: CityState) -> dict[str, int]:
    return {eid: ev.version for eid, ev in state.incidents.open.items()}


def check_live(view: CityState, truth: CityState) -> None:
    """Back to live, the view is the city as a state fed every frame directly has it."""
    assert view.latest_values() == truth.latest_values(), "latest values differ from the independent state"
    assert incidents(view) == incidents(truth), "open incidents differ from the independent state"


def exact_at(shift: TimeShift, recorder: Recorder, positions: list[float]) -> dict:
    """A drag step's picture against an independent replay of the same instant (its own recording
    connection, the full seek that replays the keyframe's whole minute): the same latest values and
    the same open incidents."""
    ok = 0
    for ts in positions:
        shift.seek(float(ts))
        recorder.flush()
        other = CityState()
        replay = ReplaySource(Recording(recorder.path))
        replay.add_listener(Ingest(other))
        replay.add_state_sink(other)
        replay.seek(float(ts), with_history=True)
        replay.rec.close()
        assert shift.view.latest_values() == other.latest_values(), f"latest values differ at {ts}"
        assert incidents(shift.view) == incidents(other), f"open incidents differ at {ts}"
        ok += 1
    return {"positions_checked": ok, "same_as_independent_replay": True}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hours", type=float, default=4.0)
    ap.add_argument("--steps", type=int, default=200, help="positions of the sweep")
    ap.add_argument("--jumps", type=int, default=100, help="random positions after it")
    ap.add_argument("--no-gui", action="store_true")
    ap.add_argument("--code", type=Path, default=None, help="import console/ from this tree (read at start-up)")
    ap.add_argument("--no-settle", action="store_true",
                    help="leave the heap unsettled (the live console settles it once its city is in)")
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="cityops-bench-ts-"))
    t0 = 1_763_913_600.0 + 8 * 3600  # 2025-11-24 08:00 Shanghai
    res = {"benchmark": "timeshift", "python": platform.python_version(),
           "machine": f"{platform.machine()}, {os.cpu_count()} cpus",
           "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "hours": args.hours,
           "code": str(Path(sys.modules["console"].__file__).parent.parent), "keyframe_s": KEYFRAME_S}
    view = CityState()
    shift = TimeShift(view, None)
    recorder = Recorder(folder / "session.cityrec", keyframe_state=lambda: shift.live, keyframe_s=KEYFRAME_S)
    shift.recorder = recorder
    audit = AuditLog(folder / "audit.jsonl")
    feed = Feed(t0, recorder, shift, audit)
    w = time.perf_counter()
    feed.run(args.hours * 3600)
    recorder.flush(60)
    res.update({"generate_s": round(time.perf_counter() - w, 1), "frames": feed.frames, "samples": feed.samples,
                "samples_per_s": round(feed.samples / (args.hours * 3600), 1),
                "file_mb": round(sum(p.stat().st_size for p in folder.glob("session.cityrec*")) / 1e6, 1)})

    positions = drag_positions(t0, feed.now, args.steps, args.jumps)
    shift.pause()
    core, core_cpu = [], []
    for ts in positions:
        t, c = time.perf_counter(), time.thread_time()
        shift.seek(float(ts))
        core.append((time.perf_counter() - t) * 1000)
        core_cpu.append((time.thread_time() - c) * 1000)
        feed.run(1.0)  # the live city goes on meanwhile
    res["seek_core"] = {**percentiles(core), "thread_cpu": percentiles(core_cpu)}
    res["seek_exact"] = exact_at(shift, recorder, positions[-5:])
    shift.back_to_live()
    check_live(view, feed.truth)

    if not args.no_gui:
        res["seek_window"] = drag_in_window(shift, feed, audit, positions, folder, settle=not args.no_settle)
    recorder.close()
    audit.close()
    print(json.dumps(res, indent=2, ensure_ascii=False))
    for p in folder.iterdir():
        p.unlink()
    folder.rmdir()


def drag_in_window(shift: TimeShift, feed: Feed, audit: AuditLog, positions: list[float], folder: Path,
                   settle: bool = True) -> dict:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from console.model.clock import Clock
    from console.ui.main_window import MainWindow
    from console.ui.session import add_time_shift_bar

    app = QApplication.instance() or QApplication([])
    clock = Clock()
    # the bare window over this benchmark's own TimeShift (no feed connection), with the live console's bar
    win = MainWindow(shift.view, None, clock, QSettings(str(folder / "l.ini"), QSettings.Format.IniFormat),
                     audit=audit)
    ctl, bar = add_time_shift_bar(win, shift, clock)
    win.show()
    for _ in range(20):
        app.processEvents()
    ctl.marks.refresh(*shift.span)
    marks = {"timeline_actions": len(bar.timeline.actions), "timeline_changes": len(bar.timeline.changes),
             "timeline_arrivals": sum(bar.timeline.density)}
    if settle:  # what ConsoleSession does once the catalog is in (console/site/heap.py)
        marks["heap_frozen_objects"] = _settle()
    passes = _count_full_collections()
    ms, seek_ms, views_ms, cpu_ms, seek_cpu_ms = [], [], [], [], []
    for ts in positions:
        c = time.thread_time()  # the GUI thread's own CPU: what the load of other processes does not inflate
        t = time.perf_counter()
        ctl.seek(float(ts))
        t1, c1 = time.perf_counter(), time.thread_time()
        win.bridge.flush()  # the changes to the views now, not at the next 5 Hz tick
        app.processEvents()  # the repaint (and whatever timers are due, the board's tile renders among them)
        t2, c2 = time.perf_counter(), time.thread_time()
        ms.append((t2 - t) * 1000)
        seek_ms.append((t1 - t) * 1000)
        views_ms.append((t2 - t1) * 1000)
        cpu_ms.append((c2 - c) * 1000)
        seek_cpu_ms.append((c1 - c) * 1000)
        feed.run(1.0)
        app.processEvents()
    gc.callbacks.remove(passes.callback)
    marks["full_collections"] = {"count": len(passes), **(percentiles(passes) if passes else {})}
    t = time.perf_counter()
    ctl.seek(float(positions[-1]) - 600, wait_for_history=True)  # where a drag stops: the charts' hour too
    settled_ms = (time.perf_counter() - t) * 1000
    t = time.perf_counter()
    ctl.marks.refresh(*shift.span)
    marks_ms = (time.perf_counter() - t) * 1000
    ctl.back_to_live()
    check_live(shift.view, feed.truth)
    win.close()
    return {**percentiles(ms), "controller_seek": percentiles(seek_ms), "views_and_repaint": percentiles(views_ms),
            "gui_thread_cpu": percentiles(cpu_ms), "gui_thread_cpu_of_the_seek": percentiles(seek_cpu_ms),
            "stop_with_chart_history_ms": round(settled_ms, 1), **marks, "timeline_marks_read_ms": round(marks_ms, 1)}


def _settle() -> int:
    from console.site.heap import settle_heap
    return settle_heap()


class _Passes(list):
    """The oldest generation's collections during the drag, each its milliseconds (gc.callbacks)."""

    def callback(self, phase: str, info: dict) -> None:
        if info.get("generation") != 2:
            return
        if phase == "start":
            self.t = time.perf_counter()
        else:
            self.append((time.perf_counter() - self.t) * 1000)


def _count_full_collections() -> _Passes:
    passes = _Passes()
    gc.callbacks.append(passes.callback)
    return passes


if __name__ == "__main__":
    main()
