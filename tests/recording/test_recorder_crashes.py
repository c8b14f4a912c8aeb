"""The recorder under crash points: a process writing a recording (tests/recording/crash_recorder.py)
is SIGKILLed at random instants, again and again on the same file, each new life reopening what the
last one left. After every kill the file opens, passes SQLite's `PRAGMA integrity_check`, and holds
every frame the writer had reported committed — an unbroken run from each life's first frame, byte
for byte, with every keyframe and history block readable. What was appended after the last commit (at
most one commit interval, `flush_s`) is all a kill may take.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
import zlib
from pathlib import Path

import numpy as np
import orjson
import pytest

from console.model import keyframe
from console.recording.store import Recording
from tests.hypothesis_profiles import budget

ROOT = Path(__file__).resolve().parents[2]
KILLS = budget(8, 60)


def committed(report: Path) -> int:
    """The last count of frames the writer reported committed (0 before its first commit)."""
    lines = report.read_bytes().split(b"\n") if report.exists() else []
    counts = [int(x) for x in lines if x.strip()]
    return counts[-1] if counts else 0


def frames_by_life(path: Path) -> dict[int, list[int]]:
    """Each life's frames' seq, in arrival order; every frame must decompress to what was written."""
    out: dict[int, list[int]] = {}
    with sqlite3.connect(path) as db:
        for (blob,) in db.execute("SELECT raw FROM frames ORDER BY id"):
            f = orjson.loads(zlib.decompress(blob))
            out.setdefault(f["life"], []).append(f["seq"])
    return out


def check_readable(path: Path) -> None:
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        for (body,) in db.execute("SELECT body FROM keyframes"):
            keyframe.decode(orjson.loads(zlib.decompress(body)))
        for (data,) in db.execute("SELECT data FROM series_blocks"):
            assert len(np.frombuffer(zlib.decompress(data), dtype="<f8")) % 2 == 0
    rec = Recording(path)  # opens read-only, as a replay does
    try:
        assert rec.count() == sum(len(v) for v in frames_by_life(path).values())
    finally:
        rec.close()


@pytest.mark.slow  # a writing process started and killed KILLS times
def test_a_recorder_killed_at_random_instants_keeps_every_committed_frame(tmp_path):
    path = tmp_path / "killed.cityrec"
    rng = random.Random(os.environ.get("CITYOPS_CRASH_SEED", "20"))
    kept: dict[int, int] = {}  # life -> frames found after its kill
    for life in range(KILLS):
        report = tmp_path / f"life{life}.commits"
        proc = subprocess.Popen([sys.executable, "-m", "tests.recording.crash_recorder", str(path), str(life),
                                 str(report)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 30
            while committed(report) == 0:  # writing: from here on every instant is fair
                assert proc.poll() is None, proc.stderr.read().decode()
                assert time.monotonic() < deadline, "the recorder never committed"
                time.sleep(0.01)
            time.sleep(rng.uniform(0.0, 0.6))
            os.kill(proc.pid, signal.SIGKILL)
            assert proc.wait(10) == -signal.SIGKILL
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.stderr.close()
        promised = committed(report)  # read after the kill: the last commit it reported
        check_readable(path)
        lives = frames_by_life(path)
        mine = lives.get(life, [])
        assert mine == list(range(1, len(mine) + 1)), f"life {life}: frames missing in the middle or out of order"
        assert len(mine) >= promised, f"life {life}: {promised} frames reported committed, {len(mine)} in the file"
        assert {lf: len(v) for lf, v in lives.items() if lf != life} == kept, "an earlier life's frames changed"
        kept[life] = len(mine)
    assert all(n > 0 for n in kept.values())
