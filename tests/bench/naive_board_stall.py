"""The naive vital-sign board: the anchor the board scenario of `./dev bench-gui` is reported beside.

    python tests/bench/naive_board_stall.py 250 [norepaint|noingest]

200 sparkline PlotItems of 300 points and 4 pyqtgraph charts of 86,400 points (downsampling and
clip-to-view on), all re-set every 250 ms (the argument), while 100,000 samples/s are parsed with orjson
and written into a numpy ring on the GUI thread: what a first attempt at the board does. Copied from
the team's anchor scripts (../shared/repro/naive_board_stall.py, not part of this repository), the
same workload and run length (15 s, the first 10 ticks left out); it prints that script's line and then
the stall figures as JSON, per tick and weighted by time (tests/bench/stall.py).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np
import orjson
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from tests.bench.stall import stall_figures

N_TILES, N_SPARK, DAY = 200, 300, 86_400


def main(argv: list[str]) -> dict:
    repaint_ms = int(argv[1]) if len(argv) > 1 and argv[1].isdigit() else 250
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    win = QtWidgets.QWidget()
    lay = QtWidgets.QHBoxLayout(win)
    tiles = pg.GraphicsLayoutWidget()
    lay.addWidget(tiles, 2)
    charts = QtWidgets.QWidget()
    cl = QtWidgets.QVBoxLayout(charts)
    lay.addWidget(charts, 1)
    spark_items = []
    for i in range(N_TILES):
        p = tiles.addPlot(row=i // 20, col=i % 20)
        p.hideAxis("left")
        p.hideAxis("bottom")
        p.setMouseEnabled(False, False)
        spark_items.append(p.plot(np.zeros(N_SPARK)))
    big = []
    for _ in range(4):
        pw = pg.PlotWidget()
        cl.addWidget(pw)
        it = pw.plot(np.arange(DAY, dtype=float), np.random.rand(DAY))
        it.setDownsampling(auto=True, method="peak")
        it.setClipToView(True)
        big.append(it)
    win.resize(1920, 1080)
    win.show()
    ring = np.zeros((N_TILES, DAY))
    pos = [0]
    frame = orjson.dumps({"type": "samples", "seq": 1,
                          "samples": [[f"ind{i % N_TILES}", "310101", 1.0, float(i)] for i in range(100)]})
    idx = {f"ind{i}": i for i in range(N_TILES)}

    def ingest():  # 100 frames of 100 samples = 10k samples per 100 ms tick => 100k samples/s
        for _ in range(100):
            f = orjson.loads(frame)
            for ind, _reg, _ts, v in f["samples"]:
                ring[idx[ind], pos[0] % DAY] = v
            pos[0] += 1

    ticks: list[float] = []
    last = [time.perf_counter()]

    def tick():
        now = time.perf_counter()
        ticks.append(now - last[0])
        last[0] = now

    def repaint():
        p = pos[0]
        for i, c in enumerate(spark_items):
            c.setData(ring[i, max(0, p - N_SPARK):p] if p else np.zeros(2))
        for k, it in enumerate(big):
            it.setData(np.arange(DAY, dtype=float), ring[k])

    ing = QtCore.QTimer()
    ing.timeout.connect(ingest)
    if "noingest" not in argv:
        ing.start(100)
    rp = QtCore.QTimer()
    rp.timeout.connect(repaint)
    if "norepaint" not in argv:
        rp.start(repaint_ms)
    t16 = QtCore.QTimer()
    t16.timeout.connect(tick)
    t16.start(16)
    QtCore.QTimer.singleShot(15_000, app.quit)
    t0 = time.process_time()
    app.exec()
    cpu = time.process_time() - t0
    kept = ticks[10:]
    st = np.array(kept) * 1000 - 16
    if len(st):
        print(f"ticks {len(st)}, stall p50 {np.percentile(st, 50):.1f} ms p99 {np.percentile(st, 99):.1f} ms "
              f"max {st.max():.1f} ms, cpu {cpu / 15 * 100:.0f}% of a core", flush=True)
    # on a loaded machine the board may tick fewer than 10 times in its 15 s: say so rather than fail
    return {"scenario": "naive_board", "repaint_ms": repaint_ms, "ticks_all": len(ticks),
            "seconds_all": round(sum(ticks), 1), **stall_figures(kept),
            "gui_process_cpu_percent": round(cpu / 15 * 100)}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv)))
