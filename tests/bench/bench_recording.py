"""A day-long recording: how much the recorder costs, how fast it opens, seeks and replays.

    ./dev bench-recording                  # 24 h at 500 samples/s (43.2 M samples); prints JSON
    ./dev bench-recording --hours 2        # a shorter day for a quick look
    ./dev bench-recording --hours 0.25 --seeks 300 --encryption both
                                           # plain and under a data key (AES-GCM per blob), same run:
                                           # the recorder's cost of each, then the same seeks in turn

The simulator's model generates the day at full speed (one frame of 500 readings per simulated
second, plus its incidents); every frame goes through the console's decoder into CityState (the
ingest) and to the Recorder, with a keyframe every simulated minute, as in a live session. Then:
open the file, seek to random instants (the exact state first, then the charts' hour before it from the
per-minute blocks, timed apart), and play at 64x.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import orjson  # noqa: E402

from console.feed.decoder import Decoder  # noqa: E402
from console.feed.frames import Catalog  # noqa: E402
from console.feed.protocol import PROTOCOL  # noqa: E402
from console.feed.source import Envelope  # noqa: E402
from console.model.city_state import CityState, StateConfig  # noqa: E402
from console.model.ingest import Ingest  # noqa: E402
from console.privacy import at_rest  # noqa: E402
from console.recording.replay_source import ReplaySource  # noqa: E402
from console.recording.store import Recorder, Recording  # noqa: E402
from console.simulator.city_model import SimCity  # noqa: E402


def generate(path: Path, hours: float, rate: int, t0: float) -> dict:
    city = SimCity(seed=5, start_ts=t0, incident_rate_per_min=2.0, auto_handle=0.9, history_s=0)
    state = CityState(StateConfig(history_s=3600))
    dec = Decoder(max_frame_bytes=1 << 24)
    rec = Recorder(path, flush_s=0.5, max_queue=50_000)
    ingest = Ingest(state)
    hello = orjson.dumps({"type": "hello", "protocol": PROTOCOL, "source": "sim", "level": "city", "server_time": t0})
    cat = orjson.dumps({"type": "catalog", "indicators": [i.to_wire() for i in city.indicators],
                        "regions": [r.to_wire() for r in city.regions]})
    seq, frames = 0, 0

    def put(ts: float, raw: bytes) -> None:
        nonlocal frames
        d = dec.decode(raw)
        env = Envelope("sim", ts, raw, d, None)
        rec(env)
        if d.frame is not None:
            state.apply("sim", d.frame)
        frames += 1

    put(t0, hello)
    put(t0, cat)
    state.apply_catalog(Catalog(city.indicators, city.regions))
    seconds = int(hours * 3600)
    ind, reg = city.series_indicator, city.series_region
    wall0, cpu0 = time.perf_counter(), time.process_time()
    for s in range(1, seconds + 1):
        now = t0 + s
        sids, ts, vals = city.rate_samples(rate, now)
        seq += 1
        rows = [[ind[i], reg[i], t, v] for i, t, v in zip(sids.tolist(), ts.tolist(), vals.tolist(), strict=True)]
        put(now, orjson.dumps({"type": "samples", "seq": seq, "samples": rows}))
        for ev in city.new_incidents(now) + city.auto_progress(now):
            seq += 1
            put(now, orjson.dumps({"type": "event", "seq": seq, "event": ev.to_wire()}))
        if s % 60 == 0:
            rec.keyframe(now, state.keyframe_body())
        while rec._q.qsize() > 40_000:  # the writer sets the pace; nothing is dropped
            time.sleep(0.01)
    gen_wall = time.perf_counter() - wall0
    t = time.perf_counter()
    rec.close()
    close_s = time.perf_counter() - t
    total_cpu = time.process_time() - cpu0
    del ingest
    return {"frames": frames, "samples": seconds * rate, "generate_wall_s": round(gen_wall + close_s, 1),
            "process_cpu_s": round(total_cpu, 1), "dropped": rec.dropped, "file_bytes": path.stat().st_size,
            "recorder_writer_cpu_s": round(rec.cpu_s, 1),
            # the recorder's own CPU per second of the day it recorded: what it costs a live console
            "recorder_core_percent_live": round(rec.cpu_s / seconds * 100, 3)}


def measure(path: Path, seeks: int, play_s: float, history_fill: bool = True) -> dict:
    t = time.perf_counter()
    rec = Recording(path)
    start, end = rec.span()
    n = rec.count()
    density = rec.incident_density(400, start, end)
    open_s = time.perf_counter() - t
    state = CityState(StateConfig(history_s=3600))
    replay = ReplaySource(rec)

    replay.add_state_sink(state)
    replay.add_listener(Ingest(state))
    rng = np.random.default_rng(1)
    seek_ms, fill_ms = [], []
    for ts in rng.uniform(start + 600, end, seeks):
        t = time.perf_counter()
        replay.seek(float(ts), with_history=False)  # the exact state at ts, as the window shows it
        seek_ms.append((time.perf_counter() - t) * 1000)
        if history_fill:
            t = time.perf_counter()
            state.prepend_history(replay.older_history())  # then the charts' older hour (a background read)
            fill_ms.append((time.perf_counter() - t) * 1000)
    fill_ms = fill_ms or [float("nan")]
    # 64x: frames due by wall time x 64 must be applied as the wall clock runs
    replay.seek(start + (end - start) / 2)
    pos0, w0 = replay.position, time.perf_counter()
    behind = []
    while time.perf_counter() - w0 < play_s:
        time.sleep(0.05)
        target = pos0 + (time.perf_counter() - w0) * 64
        t = time.perf_counter()
        replay._advance_to(target)
        behind.append(time.perf_counter() - t)
    applied_s = (replay._last_ts - pos0)
    wanted_s = (time.perf_counter() - w0) * 64
    return {"frames_in_file": n, "span_h": round((end - start) / 3600, 2), "timeline_bins": len(density),
            "open_s": round(open_s, 3),
            "seek_ms_p50": round(float(np.percentile(seek_ms, 50)), 1),
            "seek_ms_p99": round(float(np.percentile(seek_ms, 99)), 1),
            "seek_ms_max": round(max(seek_ms), 1),
            "history_fill_ms_p50": round(float(np.percentile(fill_ms, 50)), 1),
            "history_fill_ms_p99": round(float(np.percentile(fill_ms, 99)), 1),
            "play64_simulated_s_per_wall_s": round(applied_s / (time.perf_counter() - w0), 1),
            "play64_kept_up": bool(applied_s >= wanted_s - 64 * 0.1),
            "play64_tick_ms_p99": round(float(np.percentile(np.array(behind) * 1000, 99)), 1)}


def seeks_side_by_side(paths: dict[str, tuple[Path, object]], seeks: int) -> dict:
    """The same random instants sought in each recording in turn (plain, encrypted, plain, ...), so
    both see the same load on a shared machine: wall and CPU (this thread's) milliseconds per seek."""
    replays = {}
    for name, (path, cipher) in paths.items():
        rec = Recording(path, cipher)
        replay = ReplaySource(rec)
        replay.add_state_sink(state := CityState(StateConfig(history_s=3600)))
        replay.add_listener(Ingest(state))
        replays[name] = (rec, replay)
    start, end = next(iter(replays.values()))[0].span()
    wall: dict[str, list[float]] = {n: [] for n in replays}
    cpu: dict[str, list[float]] = {n: [] for n in replays}
    for ts in np.random.default_rng(2).uniform(start + 600, end, seeks):
        for name, (_rec, replay) in replays.items():
            t, c = time.perf_counter(), time.thread_time()
            replay.seek(float(ts), with_history=False)
            cpu[name].append((time.thread_time() - c) * 1000)
            wall[name].append((time.perf_counter() - t) * 1000)
    out = {"seeks_each": seeks}
    for name in replays:
        for what, xs in (("wall", wall[name]), ("cpu", cpu[name])):
            out[f"{name}_seek_{what}_ms_p50"] = round(float(np.percentile(xs, 50)), 2)
            out[f"{name}_seek_{what}_ms_p99"] = round(float(np.percentile(xs, 99)), 2)
    names = list(replays)
    if len(names) == 2:
        a, b = names
        for what in ("wall", "cpu"):
            for q in ("p50", "p99"):
                out[f"{b}_over_{a}_seek_{what}_{q}"] = round(out[f"{b}_seek_{what}_ms_{q}"] /
                                                             out[f"{a}_seek_{what}_ms_{q}"], 3)
    for rec, _replay in replays.values():
        rec.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hours", type=float, default=24.0)
    ap.add_argument("--rate", type=int, default=500, help="samples per simulated second")
    ap.add_argument("--seeks", type=int, default=100)
    ap.add_argument("--play-s", type=float, default=10.0)
    ap.add_argument("--dir", type=Path, default=None, help="where to write the recording (default: a temp dir)")
    ap.add_argument("--keep", action="store_true", help="keep the recording afterwards")
    ap.add_argument("--encryption", choices=["off", "on", "both"], default="off",
                    help="record under a fresh data key (on), or plain then encrypted in one run (both)")
    ap.add_argument("--no-history-fill", action="store_true",
                    help="time the seeks alone (the history fill-in is the slow part: 300 seeks fit in minutes)")
    args = ap.parse_args()
    folder = args.dir or Path(tempfile.mkdtemp(prefix="cityops-bench-"))
    path = folder / "day.cityrec"
    path.unlink(missing_ok=True)
    t0 = 1_763_913_600.0  # 2025-11-24 00:00 Shanghai
    res = {"benchmark": "recording", "python": platform.python_version(),
           "machine": f"{platform.machine()}, {os.cpu_count()} cpus",
           "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "hours": args.hours, "rate": args.rate}
    variants = {"off": [False], "on": [True], "both": [False, True]}[args.encryption]
    runs, files = {}, {}
    for encrypted in variants:
        name = "encrypted" if encrypted else "plain"
        cipher = at_rest.BlobCipher([at_rest.generate_key()]) if encrypted else None
        at_rest.use(cipher)
        p = path if len(variants) == 1 else folder / f"day-{name}.cityrec"
        p.unlink(missing_ok=True)
        runs[name] = generate(p, args.hours, args.rate, t0)
        if len(variants) == 1:
            runs[name].update(measure(p, args.seeks, args.play_s, not args.no_history_fill))
        files[name] = (p, cipher)
    at_rest.use(None)
    if len(runs) == 1:
        res.update(next(iter(runs.values())))
    else:
        res.update(runs)
        pl, en = runs["plain"], runs["encrypted"]
        res["encrypted_over_plain"] = {k: round(en[k] / pl[k], 3) for k in (
            "recorder_writer_cpu_s", "process_cpu_s", "file_bytes")}
        res["seeks"] = seeks_side_by_side(files, args.seeks)
    print(json.dumps(res, indent=2))
    if not args.keep:
        for p in folder.glob("day*.cityrec*"):
            p.unlink()


if __name__ == "__main__":
    main()
