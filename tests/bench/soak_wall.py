"""Soak of the big-screen wall: hours unattended on an accelerated feed, with the feed server gone for a
long stretch in the middle. Prints JSON: the wall's memory (its own process and Qt WebEngine's children)
over time, growth after warm-up, what the screen said during the outage (it must say the data is old,
in its freshness and in a banner, never show a dialog) and after the server came back (live again);
and at every look, that the status file was written lately (its own `ts`): a hung wall would keep
reporting its last state.

    ./dev soak                                # 120 min, server gone from minute 30 to 90
    ./dev soak --minutes 20 --outage-at 5 --outage-min 5 --speed 20
    ./dev soak --outage-at 1 --outage-min 4 --renew-min 25   # growth: one feed from before the warm-up

The feed runs by default at the pace that makes the first and the last measured windows fall at the same
hour of the simulated day (24 simulated hours between them): the city's load follows its day, and a
window at 04:00 against one at 18:00 compares two cities. For a growth figure, the outage goes before the
warm-up: a simulator started again is a new city (its clock, its incidents), so one killed in the middle
leaves the end drawing a different city from the start.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CITYOPS = [sys.executable, "-m", "console.app.cli"]
sys.path.insert(0, str(ROOT))

from console.app.cli import SETTLED_DEMO_HOURS  # noqa: E402
from console.site.process import free_ports  # noqa: E402


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def anon_by_kind(pids: list[int]) -> dict[str, float]:
    """Private anonymous memory in MB per kind of page process (renderer, gpu-process, utility, zygote): which
    of them holds any growth"""
    out: dict[str, float] = {}
    for p in pids:
        kind = process_kind(p)
        out[kind] = round(out.get(kind, 0.0) + anon_shmem_kb(p)[0] / 1024, 1)
    return out


def anon_shmem_kb(pid: int) -> tuple[int, int]:
    """(private anonymous, shared memory) RSS: the compositor's bitmaps are shared memory, mapped by the wall
    and its renderer both, and their size follows the view on screen (58 or 77 MB in a wall's page processes
    as the carousel turns, docs/benchmarks.md)"""
    anon = shm = 0
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("RssAnon:"):
                anon = int(line.split()[1])
            elif line.startswith("RssShmem:"):
                shm = int(line.split()[1])
    except OSError:
        pass
    return anon, shm


def descendants(pid: int) -> list[int]:
    kids: dict[int, list[int]] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            kids.setdefault(ppid, []).append(int(d.name))
    out, todo = [], [pid]
    while todo:
        for k in kids.get(todo.pop(), []):
            out.append(k)
            todo.append(k)
    return out


def process_kind(pid: int) -> str:
    """What a process of ours is: a Qt WebEngine helper's `--type` (gpu-process, utility, zygote; a
    process the zygote forked keeps the zygote's command line: it is the page's renderer) or its
    program's name."""
    def kind_of(p: int) -> str:
        try:
            args = Path(f"/proc/{p}/cmdline").read_bytes().split(b"\0")
        except OSError:
            return "gone"
        kind = next((a.split(b"=", 1)[1] for a in args if a.startswith(b"--type=")), None)
        return (kind or Path(args[0].decode(errors="replace")).name.encode()).decode(errors="replace")

    kind = kind_of(pid)
    if kind == "zygote":
        try:
            ppid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            return kind
        if kind_of(ppid) == "zygote":
            return "renderer"
    return kind


def thread_cpu_seconds(pids: dict[int, str]) -> dict[tuple[str, str], float]:
    """User + system CPU seconds per (process label, thread name) over the threads of `pids` (pid ->
    label; "" for its `process_kind`). Linux /proc, in clock ticks: 10 ms steps, so sum many intervals
    before reading one."""
    out: dict[tuple[str, str], float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for pid, label in pids.items():
        kind = label or process_kind(pid)
        try:
            tasks = list(Path(f"/proc/{pid}/task").iterdir())
        except OSError:
            continue
        for t in tasks:
            try:
                raw = (t / "stat").read_text()
            except OSError:
                continue
            name, rest = raw.split("(", 1)[1].rsplit(")", 1)
            f = rest.split()
            # Python names no thread for the system: the main (the GUI) thread told from the others
            key = (kind, f"{name} (main)" if t.name == str(pid) else name)
            out[key] = out.get(key, 0.0) + (int(f[11]) + int(f[12])) / tick
    return out


def growth(samples: list[dict], key: str, warmup_min: float) -> dict:
    warm = [r[key] for r in samples if r["t_min"] >= warmup_min and r[key]]
    if len(warm) < 2:
        return {}
    base = sum(warm[:3]) / len(warm[:3])
    end = sum(warm[-3:]) / len(warm[-3:])
    # also the medians of the first and last 10 minutes after warm-up: 30 carousel turns each, so which
    # view happened to be on screen at three samples does not decide the figure
    t_warm = [r["t_min"] for r in samples if r["t_min"] >= warmup_min and r.get(key)]
    first = [v for t, v in zip(t_warm, warm, strict=True) if t < t_warm[0] + 10]
    last = [v for t, v in zip(t_warm, warm, strict=True) if t > t_warm[-1] - 10]
    m0, m1 = statistics.median(first), statistics.median(last)
    return {"after_warmup_mb": round(base, 1), "end_mb": round(end, 1), "max_mb": max(warm),
            "growth_pct": round(100 * (end - base) / base, 2),
            "median_first_10min_mb": round(m0, 1), "median_last_10min_mb": round(m1, 1),
            "median_growth_pct": round(100 * (m1 - m0) / m0, 2)}


def same_minutes_of_each_life(samples: list[dict], key: str, warmup_min: float) -> dict:
    """The median of `key` over the same 10 minutes of each map page's life as the warm-up window of the
    first (minutes warmup..warmup+10 after the page was made), the last complete one against the first.

    Why beside `growth`: the wall renews its page every --wall-renew-min minutes, and a page grows through
    its life (docs/benchmarks.md). Unless the renewal period divides the time between the two windows
    `growth` compares, they fall at different ages of a page, and `growth` adds one life's growth to any
    accumulation across lives. This compares pages at the same age: what the wall keeps, not when."""
    starts, seen = [0.0], 0
    for r in samples:
        if r.get("renewals", 0) > seen:
            seen = r["renewals"]
            starts.append(r["t_min"])
    lives = []
    for i, t0 in enumerate(starts):
        w = [r for r in samples if t0 + warmup_min <= r["t_min"] < t0 + warmup_min + 10 and r.get(key)]
        # read from this page only (renewed after the window), and the window run through (to its last
        # minute: the run's last sample is a little before its end)
        ended = i + 1 < len(starts) and starts[i + 1] < t0 + warmup_min + 10
        through = samples[-1]["t_min"] >= t0 + warmup_min + 9
        if len(w) >= 10 and through and not ended:
            opened = [r["open_incidents"] for r in w if r.get("open_incidents") is not None]
            lives.append({"life": i + 1, "from_min": round(t0 + warmup_min, 1),
                          "median_mb": round(statistics.median(r[key] for r in w), 1),
                          "feed_up": not any(r["sim_down"] for r in w),
                          # what the page drew: two lives compare only if they drew alike cities
                          "open_incidents": statistics.median(opened) if opened else None})
    fed = [x for x in lives if x["feed_up"]]
    out: dict = {"lives": lives}
    if len(fed) >= 2:
        out["growth_pct"] = round(100 * (fed[-1]["median_mb"] - fed[0]["median_mb"]) / fed[0]["median_mb"], 2)
    return out


def from_second_page(samples: list[dict], key: str, warmup_min: float) -> dict:
    """The median of `key` over the second page's warm-up window (minutes warmup..warmup+10 of it) against
    the run's last 10 minutes. Why beside `growth`: the first page's browser-side state leaves the wall's
    process at the first renewal (~11 MB in the soaks of 2026-12-01), which hides growth after it."""
    starts, seen = [], 0
    for r in samples:
        if r.get("renewals", 0) > seen:
            seen = r["renewals"]
            starts.append(r["t_min"])
    if not starts:
        return {}
    t0, end = starts[0] + warmup_min, samples[-1]["t_min"]
    first = [r[key] for r in samples if t0 <= r["t_min"] < t0 + 10 and r.get(key)]
    last = [r[key] for r in samples if r["t_min"] > end - 10 and r.get(key)]
    if len(first) < 10 or len(last) < 10 or end - 10 < t0 + 10:
        return {}
    m0, m1 = statistics.median(first), statistics.median(last)
    return {"from_min": round(t0, 1), "median_mb": round(m0, 1), "median_last_10min_mb": round(m1, 1),
            "growth_pct": round(100 * (m1 - m0) / m0, 2)}


def day_pace(minutes: float, warmup_min: float) -> float:
    """Simulated seconds per real second that put 24 simulated hours between the first measured window's
    start (the warm-up's end) and the last's (ten minutes before the end), so both see the same hour of
    the city's day"""
    span = minutes - 10 - warmup_min
    if span <= 0:
        return 10.0  # a run too short for two windows: the old pace
    return round(24 * 60 / span, 2)


def renewals(wall_log: Path) -> int:
    """How many times the wall has given its map a new page so far (its log says so each time)."""
    return wall_log.read_text(errors="replace").count("wall map renewed")


def start_sim(port: int, speed: float, settle_hours: float, log) -> subprocess.Popen:
    return subprocess.Popen([*CITYOPS, "--log-level", "WARNING", "simulate", "--port", str(port), "--speed",
                             str(speed), "--emergency-at", "600", "--emergency-for", "3600",
                             "--settle-hours", str(settle_hours)],
                            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=120.0)
    ap.add_argument("--speed", type=float, default=None,
                    help="simulated seconds per real second; default: 24 simulated hours between the starts of "
                         "the first and the last measured windows (14.4 for 120 minutes)")
    ap.add_argument("--outage-at", type=float, default=30.0, help="minute the feed server is killed")
    ap.add_argument("--outage-min", type=float, default=60.0, help="minutes it stays away")
    ap.add_argument("--warmup-min", type=float, default=10.0, help="growth is measured from here")
    ap.add_argument("--settle-hours", type=float, default=SETTLED_DEMO_HOURS,
                    help="the simulated city's incidents run this long before the feed starts (`cityops simulate "
                         "--settle-hours`): a fresh city's open incidents fill for a day, 2.2x from the first "
                         "window to the last of a 2-hour soak; settled, they hold")
    ap.add_argument("--renew-min", type=float, default=None,
                    help="the wall's --wall-renew-min (its map page renewed this often); else its default")
    ap.add_argument("--out", type=Path, default=ROOT / "out" / "soak")
    a = ap.parse_args()
    if a.speed is None:
        a.speed = day_pace(a.minutes, a.warmup_min)
    a.out.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", CITYOPS_DATA_DIR=tempfile.mkdtemp(prefix="cityops-soak-"))
    env.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--no-sandbox --disable-gpu")
    port = free_ports(1)[0]
    sim_log = open(a.out / "simulator.log", "w")  # noqa: SIM115 - open for the whole run
    sim = start_sim(port, a.speed, a.settle_hours, sim_log)
    time.sleep(3)
    status = a.out / "status.json"
    wall = subprocess.Popen([*CITYOPS, "wall", "--feed", f"ws://127.0.0.1:{port}", "--wall-size", "1920x1080",
                             "--wall-diagonal", "65", "--wall-dwell", "20", "--status-file", str(status),
                             "--screenshot", str(a.out / "wall-end.png"), "--quit-after", str(a.minutes * 60),
                             *(["--wall-renew-min", str(a.renew_min)] if a.renew_min is not None else [])],
                            cwd=ROOT, env=env, stdout=open(a.out / "wall.log", "w"), stderr=subprocess.STDOUT)  # noqa: SIM115
    t0 = time.monotonic()
    samples, during_outage, after_outage = [], [], []
    outage = (a.outage_at * 60, (a.outage_at + a.outage_min) * 60)
    sim_down = False
    try:
        while wall.poll() is None:
            t = time.monotonic() - t0
            if not sim_down and outage[0] <= t < outage[1]:
                sim.send_signal(signal.SIGKILL)  # vanishes, no goodbye
                sim.wait()
                sim_down = True
            elif sim_down and t >= outage[1]:
                sim = start_sim(port, a.speed, a.settle_hours, sim_log)
                sim_down = False
            if t >= a.minutes * 60:  # the wall is quitting (--quit-after): its page processes are going
                time.sleep(1)
                continue
            main_kb = rss_kb(wall.pid)
            kids = descendants(wall.pid)
            kids_kb = sum(rss_kb(p) for p in kids)
            kids_parts = [anon_shmem_kb(p) for p in kids]
            st = {}
            with contextlib.suppress(OSError, ValueError):  # not written yet, or mid-replace
                st = json.loads(status.read_text())
            # the file's own time: a hung wall would leave its last state there (it is written every 5 s)
            # when it was written, by this machine's clock ("ts" is the feed's instant: 10x ahead here)
            written = st.get("written_ts", st.get("ts"))
            status_age = round(time.time() - written, 1) if isinstance(written, int | float) else None
            row = {"t_min": round(t / 60, 2), "wall_rss_mb": round(main_kb / 1024, 1),
                   "webengine_rss_mb": round(kids_kb / 1024, 1),
                   "wall_anon_mb": round(anon_shmem_kb(wall.pid)[0] / 1024, 1),
                   "webengine_anon_mb": round(sum(a for a, _ in kids_parts) / 1024, 1),
                   "webengine_shmem_mb": round(sum(m for _, m in kids_parts) / 1024, 1),
                   "webengine_anon_by_kind_mb": anon_by_kind(kids),
                   "freshness": st.get("freshness"),
                   "banner": st.get("banner"), "status_age_s": status_age,
                   "age_s": st.get("age_s"), "modal": st.get("modal"), "series": st.get("series"),
                   "open_incidents": st.get("open_incidents"), "archived_incidents": st.get("archived_incidents"),
                   "closed_known_by_version": st.get("closed_known_by_version"), "sim_down": sim_down,
                   "renewals": renewals(a.out / "wall.log")}
            samples.append(row)
            if sim_down and t > outage[0] + 60:
                during_outage.append(row)
            elif not sim_down and t > outage[1] + 60:
                after_outage.append(row)
            print(json.dumps(row), flush=True)
            time.sleep(30)
    finally:
        if wall.poll() is None:
            wall.terminate()
        if sim.poll() is None:
            sim.terminate()
            sim.wait()

    summary = {
        "minutes": a.minutes, "speed": a.speed, "settle_hours": a.settle_hours,
        "outage_min": [a.outage_at, a.outage_at + a.outage_min],
        "wall_exit_code": wall.returncode,
        "wall_process": growth(samples, "wall_rss_mb", a.warmup_min),
        "webengine_processes": growth(samples, "webengine_rss_mb", a.warmup_min),
        "wall_process_anon": growth(samples, "wall_anon_mb", a.warmup_min),
        "webengine_processes_anon": growth(samples, "webengine_anon_mb", a.warmup_min),
        "wall_process_anon_from_second_page": from_second_page(samples, "wall_anon_mb", a.warmup_min),
        # the same age of each page, lives with the feed up only (an idle page is not a fed one)
        "webengine_same_age": same_minutes_of_each_life(samples, "webengine_rss_mb", a.warmup_min),
        "webengine_anon_same_age": same_minutes_of_each_life(samples, "webengine_anon_mb", a.warmup_min),
        # the same, per kind of page process: the renderer is new with each page, the others are not
        "webengine_anon_same_age_by_kind": {
            kind: same_minutes_of_each_life(
                [{**r, kind: r["webengine_anon_by_kind_mb"].get(kind)} for r in samples], kind, a.warmup_min)
            for kind in sorted({k for r in samples for k in r["webengine_anon_by_kind_mb"]})},
        "outage_samples": len(during_outage),
        "outage_all_flagged": all(r["freshness"] in ("down", "stale") for r in during_outage),
        "outage_banner_always_shown": bool(during_outage) and all(r["banner"] for r in during_outage),
        # written within the last 15 s at every look (every 5 s when the wall's GUI thread is alive)
        "status_file_always_current": bool(samples) and all(
            r["status_age_s"] is not None and 0 <= r["status_age_s"] < 15
            for r in samples if r["t_min"] >= a.warmup_min),
        "status_age_s_max": max((r["status_age_s"] or 0 for r in samples), default=None),
        "outage_max_age_s": max((r["age_s"] or 0 for r in during_outage), default=None),
        "live_again_after_outage": bool(after_outage) and all(r["freshness"] == "live" for r in after_outage[1:]),
        "modal_dialogs_seen": any(r["modal"] for r in samples),
        # the wall gives its map a new page (and page process) every --wall-renew-min minutes: how many
        "map_renewals": renewals(a.out / "wall.log"),
        "screenshot": str(a.out / "wall-end.png"),
    }
    (a.out / "summary.json").write_text(json.dumps({"summary": summary, "samples": samples}, indent=1))
    print(json.dumps(summary, indent=1))
    return 0 if wall.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
