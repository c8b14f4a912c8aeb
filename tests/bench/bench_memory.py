"""Memory per series and ingest throughput of CityState: N series at 1 Hz fed for simulated hours as
fast as the model takes them, each N in its own process (so RSS is that state's alone).

    ./dev bench-memory                          # 2,150 and 23,500 series, one simulated hour; JSON + a table
    ./dev bench-memory --series 2150 --hours 24 # RSS after every simulated hour: flat, not growing
    ./dev bench-memory --before --series 2150   # the same script against the model before the tiers

`--before [REV]` runs the same measurement on the console package of another commit (default: the one
before console/model/ring_buffer.py was removed, i.e. the old flat ring of 24 h per series at its
cadence), unpacked with `git archive` into a temporary directory: only public API is used
(CityState, StateConfig, SampleBatch), so both layouts run the same code.

Reported per run: the history store's bytes in use (the model's own count) and reserved (numpy arrays'
size: the tiers reserve `max_series` rows, which the OS backs only once touched), process RSS before
the state, after each simulated hour and at peak, all also per series; readings/s through
`CityState.apply_samples` in frames of `--batch` readings per CPU second of this process (a shared
machine's waits left out), beside an anchor from the same run: a bare
numpy loop doing only what any store must (look each reading's series up in a dict, write time and
value into a preallocated array), on the same frames.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def rss_kib() -> tuple[int, int]:
    """(VmRSS, VmHWM) of this process in KiB."""
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            k, v = line.split(":")
            fields[k] = int(v.split()[0])
    return fields["VmRSS"], fields["VmHWM"]


def child(n_series: int, hours: float, batch: int, anchor_minutes: float) -> dict:
    import numpy as np

    from console.feed.frames import Catalog, Indicator, Region, SampleBatch
    from console.model.city_state import CityState, StateConfig

    per_region = 10 if n_series <= 5000 else 100  # 215 streets x 10, or 235 regions x 100
    n_regions = math.ceil(n_series / per_region)
    inds = [Indicator(f"bench.i{i:03d}", f"指标{i}", f"indicator {i}", "bench", "", "street", 80.0, 95.0, "above", 1.0)
            for i in range(per_region)]
    regs = [Region(f"{310101001 + r}", f"街道{r}", f"street {r}", "street", None, None) for r in range(n_regions)]
    keys = [(i.id, r.code) for r in regs for i in inds][:n_series]
    rng = np.random.default_rng(1)
    offset = rng.uniform(0, 1, n_series)  # each series' phase within the second
    level = rng.uniform(20, 70, n_series)
    t0 = 1_763_900_000.0
    chunks = [(s, min(s + batch, n_series)) for s in range(0, n_series, batch)]
    names = [([k[0] for k in keys[a:b]], [k[1] for k in keys[a:b]]) for a, b in chunks]

    def frames(sec: int):
        ts = t0 + sec + offset
        vals = level + 10 * np.sin(ts / 600 + offset * 6)
        for (a, b), (ind, reg) in zip(chunks, names, strict=True):
            yield ind, reg, ts[a:b], vals[a:b]

    rss_start, _ = rss_kib()
    fields = {f.name for f in StateConfig.__dataclass_fields__.values()}
    cfg = StateConfig(max_series=max(n_series, StateConfig().max_series)) if "max_series" in fields else StateConfig()
    state = CityState(cfg)
    state.apply_catalog(Catalog(tuple(inds), tuple(regs)))
    rss_state, _ = rss_kib()
    out: dict = {"series": n_series, "hours": hours, "batch": batch, "config": repr(cfg), "rss_hourly_mib": []}
    readings, busy = 0, 0.0
    for sec in range(int(hours * 3600)):
        for ind, reg, ts, vals in frames(sec):
            t = time.process_time()
            applied = state.apply_samples(SampleBatch(ind, reg, ts, vals))
            busy += time.process_time() - t
            readings += applied.samples
            if applied.rejects:
                raise SystemExit(f"the model refused readings: {applied.rejects}")
        if (sec + 1) % 3600 == 0:
            out["rss_hourly_mib"].append(round(rss_kib()[0] / 1024, 1))
    rss_end, hwm = rss_kib()
    summary = state.summary()
    in_use = summary.get("history_bytes_allocated", summary.get("ring_bytes_allocated"))
    rings = state.rings
    reserved = sum(a.nbytes for a in vars(rings).values() if isinstance(a, np.ndarray))

    # the anchor: look up each reading's series, write time and value into a preallocated ring
    index = {k: i for i, k in enumerate(keys)}
    ring_t = np.zeros((n_series, 900))
    ring_v = np.zeros((n_series, 900))
    a_readings, a_busy = 0, 0.0
    for sec in range(int(min(hours * 60, anchor_minutes) * 60)):
        col = sec % 900
        for ind, reg, ts, vals in frames(sec):
            t = time.process_time()
            sid = np.fromiter(map(index.get, zip(ind, reg, strict=True)), dtype=np.int64, count=len(ind))
            ring_t[sid, col] = ts
            ring_v[sid, col] = vals
            a_busy += time.process_time() - t
            a_readings += len(ind)
    out.update({
        "readings": readings,
        "model_readings_per_s": round(readings / busy),
        "anchor_readings_per_s": round(a_readings / a_busy),
        "model_vs_anchor": round((readings / busy) / (a_readings / a_busy), 3),
        "core_share_at_1hz": round(n_series / (readings / busy), 4),  # of one core, to keep up with 1 Hz
        "model_cpu_s": round(busy, 2),
        "history_bytes_in_use": in_use,
        "history_bytes_in_use_per_series": round(in_use / n_series),
        "history_bytes_reserved": reserved,
        "rss_start_mib": round(rss_start / 1024, 1),
        "rss_after_state_mib": round(rss_state / 1024, 1),
        "rss_end_mib": round(rss_end / 1024, 1),
        "rss_peak_mib": round(hwm / 1024, 1),
        "rss_growth_per_series_kib": round((rss_end - rss_start) / n_series, 1),
    })
    return out


def before_tree(rev: str | None) -> tuple[Path, str]:
    """The console package of `rev` (default: the commit before ring_buffer.py was removed), unpacked."""
    if rev is None:
        gone = subprocess.run(["git", "rev-list", "-1", "HEAD", "--", "console/model/ring_buffer.py"], cwd=ROOT,
                              capture_output=True, text=True, check=True).stdout.strip()
        rev = f"{gone}^"
    rev = subprocess.run(["git", "rev-parse", "--short", rev], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout.strip()
    tree = Path(tempfile.mkdtemp(prefix="cityops-before-"))
    archive = subprocess.run(["git", "archive", rev, "console", "resources"], cwd=ROOT, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
    return tree, rev


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--series", type=int, nargs="+", default=[2150, 23_500])
    ap.add_argument("--hours", type=float, default=1.0, help="simulated hours at 1 Hz")
    ap.add_argument("--batch", type=int, default=1000, help="readings per frame")
    ap.add_argument("--anchor-minutes", type=float, default=10.0, help="simulated minutes for the anchor loop")
    ap.add_argument("--before", nargs="?", const="", default=None, metavar="REV",
                    help="measure the console package of another commit instead")
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        sys.path.insert(0, str(args.root))
        print(json.dumps(child(args.child, args.hours, args.batch, args.anchor_minutes)))
        return
    root, label = ROOT, "this tree"
    if args.before is not None:
        root, rev = before_tree(args.before or None)
        label = f"commit {rev}"
    try:
        runs = measure(args, root)
    finally:
        if root != ROOT:
            shutil.rmtree(root, ignore_errors=True)
    print(json.dumps({"tree": label, "python": platform.python_version(), "cpus": os.cpu_count(),
                      "load_avg": os.getloadavg(), "runs": runs}, indent=1))
    print(f"\n{label}: {args.hours:g} simulated h at 1 Hz, frames of {args.batch}", file=sys.stderr)
    print("| series | history in use / series | RSS end (MiB) | RSS growth / series | model readings/CPU s | "
          "anchor readings/CPU s | model/anchor | core share at 1 Hz |", file=sys.stderr)
    for r in runs:
        if "failed" in r:
            print(f"| {r['series']:,} | {r['failed'][0]} |", file=sys.stderr)
            continue
        print(f"| {r['series']:,} | {r['history_bytes_in_use_per_series'] / 1024:.1f} KiB | {r['rss_end_mib']:,.0f} | "
              f"{r['rss_growth_per_series_kib']:.1f} KiB | {r['model_readings_per_s']:,} | "
              f"{r['anchor_readings_per_s']:,} | {r['model_vs_anchor']:.2f} | {r['core_share_at_1hz']:.1%} |",
              file=sys.stderr)


def measure(args: argparse.Namespace, root: Path) -> list[dict]:
    """Each number of series in its own process."""
    runs = []
    for n in args.series:
        if args.before is not None and n * 86_401 * 16 > 8 * 2**30:
            runs.append({"series": n, "failed": [f"not run: the old layout reserves 24 h at 1 Hz per series, "
                                                 f"{n * 86_401 * 16 / 2**30:.0f} GiB for {n:,} (and stops at its "
                                                 f"max_series, 4,096, by default)"]})
            continue
        cmd = [sys.executable, __file__, "--child", str(n), "--hours", str(args.hours), "--batch", str(args.batch),
               "--anchor-minutes", str(args.anchor_minutes), "--root", str(root)]
        p = subprocess.run(cmd, cwd=root, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(root)})
        if p.returncode != 0:
            runs.append({"series": n, "failed": p.stderr.strip().splitlines()[-1:] or [f"exit {p.returncode}"]})
            continue
        runs.append(json.loads(p.stdout.strip().splitlines()[-1]))
    return runs


if __name__ == "__main__":
    main()
