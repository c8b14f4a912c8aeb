"""A day-long recording to MCAP and back: how long `cityops export --format mcap` takes, how big the
file is, and whether Foxglove's `mcap` reader reads back every message.

    ./dev bench-mcap                       # 24 h at 500 samples/s (43.2 M readings); prints JSON
    ./dev bench-mcap --hours 1             # a shorter day for a quick look
    ./dev bench-mcap --recording day.cityrec   # an existing recording

The day is made as `./dev bench-recording` makes it (tests/bench/bench_recording.py: the simulator's
model, every frame decoded into CityState and recorded). Then `export_mcap` writes it (one message
per reading on /samples/<indicator>, every incident version on /incidents), and the `mcap` reader
reads the whole file back, message by message, counting per channel. The anchor, in the same run:
the CSV export of the same recording (console/recording/export.py, pandas).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from mcap.reader import make_reader  # noqa: E402

from console.recording.export import export_recording  # noqa: E402
from console.recording.mcap_export import export_mcap  # noqa: E402
from console.recording.store import Recording  # noqa: E402
from tests.bench.bench_recording import generate  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hours", type=float, default=24.0)
    ap.add_argument("--rate", type=int, default=500, help="samples per simulated second")
    ap.add_argument("--recording", type=Path, default=None, help="export this recording instead of making one")
    ap.add_argument("--dir", type=Path, default=None, help="where to write (default: a temp dir)")
    ap.add_argument("--no-csv", action="store_true", help="skip the CSV anchor")
    args = ap.parse_args()
    out: dict = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version()}}
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        tmp = Path(tmp)
        path = args.recording
        if path is None:
            path = tmp / "day.cityrec"
            out["generate"] = generate(path, args.hours, args.rate, 1_763_900_000.0)
        t = time.perf_counter()
        res = export_mcap(Recording(path), tmp / "mcap")
        export_s = time.perf_counter() - t
        out["mcap"] = {"export_s": round(export_s, 1), "bytes": res.path.stat().st_size, "readings": res.samples,
                       "incident_versions": res.incidents, "channels": res.channels, "frames": res.frames}
        t = time.perf_counter()
        counts: Counter[str] = Counter()
        with open(res.path, "rb") as f:
            reader = make_reader(f)
            stats = reader.get_summary().statistics
            for _schema, channel, _msg in reader.iter_messages():
                counts["incidents" if channel.topic == "/incidents" else "readings"] += 1
        out["read_back"] = {"seconds": round(time.perf_counter() - t, 1), "readings": counts["readings"],
                            "incident_versions": counts["incidents"], "summary_message_count": stats.message_count,
                            "same_counts": counts["readings"] == res.samples and counts["incidents"] == res.incidents
                            and stats.message_count == res.samples + res.incidents}
        if not args.no_csv:
            t = time.perf_counter()
            csv = export_recording(Recording(path), tmp / "csv", "csv")
            out["csv_anchor"] = {"export_s": round(time.perf_counter() - t, 1), "readings": csv.samples,
                                 "bytes": csv.samples_path.stat().st_size + csv.incidents_path.stat().st_size}
        out["load_avg_1m"] = round(os.getloadavg()[0], 2)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
