"""What one board tile costs to render (`VitalBoard._render`), beside the bare QPainter loop that is its
dearest part: one sparkline path of 240 readings stroked at 1.4 px (the old line) and at 1 px (the
line now). A drill renders the ~20 tiles in sight, so a tile's cost is a drill's.

    ./dev bench-tile [--tiles 2000] [--repeats 5]

Prints JSON: ms per tile / per path, the median of the repeats and their spread [min-max]."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np
import pyqtgraph.functions as pgfn
from PySide6.QtGui import QColor, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QApplication


def tiles(n: int):
    from console.feed.protocol import Status
    from console.views.board_model import TileData, TileSpec

    rng = np.random.default_rng(1)
    specs = [TileSpec((f"i{i}", "worst"), f"道路拥堵指数 {i}", "km/h", "traffic") for i in range(n)]
    data = [TileData(f"{rng.uniform(0, 1000):.1f}", f"最差: 徐汇区 · 天平路街道 {i}",
                     Status.WARN if i % 3 else Status.NORMAL, 1, rng.normal(size=240).cumsum(), 5.0, 10.0,
                     "预计 12 分钟后越限" if i % 2 else "", False, i, usual_text="高于同期 18%", usual_basis=2)
            for i in range(n)]
    return specs, data


def per_tile_ms(board, specs, data, n: int) -> float:
    t = time.perf_counter()
    for k in range(n):
        board._render(specs[k % len(specs)], data[k % len(data)])
    return (time.perf_counter() - t) / n * 1e3


def per_path_ms(width: float, n: int) -> float:
    """The bare loop: one 240-reading path stroked antialiased into a tile-sized pixmap."""
    y = np.random.default_rng(2).normal(size=240).cumsum()
    path = pgfn.arrayToQPath(100 + np.linspace(0, 90, 240), 74 - (y - y.min()) / np.ptp(y) * 34, connect="finite")
    pix = QPixmap(196, 92)
    p = QPainter(pix)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(QPen(QColor(200, 220, 80), width))
    t = time.perf_counter()
    for _ in range(n):
        p.drawPath(path)
    p.end()
    return (time.perf_counter() - t) / n * 1e3


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tiles", type=int, default=2000)
    ap.add_argument("--repeats", type=int, default=5)
    a = ap.parse_args()
    app = QApplication.instance() or QApplication([])
    from widgets.vital_board import VitalBoard

    board = VitalBoard()
    board.resize(900, 600)
    specs, data = tiles(40)
    per_tile_ms(board, specs, data, 200)  # warm: fonts, glyph caches
    runs = {"tile_ms": [], "path_1.4px_ms": [], "path_1px_ms": []}
    for _ in range(a.repeats):
        runs["tile_ms"].append(per_tile_ms(board, specs, data, a.tiles))
        runs["path_1.4px_ms"].append(per_path_ms(1.4, a.tiles))
        runs["path_1px_ms"].append(per_path_ms(1.0, a.tiles))
    out = {k: {"median": round(float(np.median(v)), 3), "spread": [round(min(v), 3), round(max(v), 3)]}
           for k, v in runs.items()}
    out["tiles_per_repeat"] = a.tiles
    print(json.dumps(out, indent=1))
    del app


if __name__ == "__main__":
    main()
