"""What a drill's board tile and chart cost to draw, each beside the bare QPainter loop behind it:

- one tile (`VitalBoard._render`) beside its dearest part, one sparkline path of 240 readings stroked at
  1.4 px (the old line) and at 1 px (the line now). A drill renders the ~20 tiles in sight;
- the chart repainted after a new value range (its axes laid out anew, as at every drill), with
  pyqtgraph's own axes (translucent grid lines) and with widgets/chart_axes.py's (the same lines opaque),
  beside the bare loop: 43 grid-long lines drawn translucent and opaque.

    ./dev bench-tile [--tiles 2000] [--repeats 5]

Prints JSON: ms per tile, per path, per chart repaint and per 43 lines, the median of the repeats and
their spread [min-max]."""

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
from PySide6.QtCore import QPointF
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


def per_lines_ms(alpha: int, n: int) -> float:
    """The bare loop: 43 one-pixel lines across a chart-sized pixmap, as a grid's levels draw them."""
    pix = QPixmap(760, 300)
    pen = QPen(QColor(200, 200, 200, alpha), 1)
    pen.setCosmetic(True)
    t = time.perf_counter()
    for _ in range(n):
        p = QPainter(pix)
        p.setPen(pen)
        for i in range(43):
            p.drawLine(QPointF(0, i * 6.3 + 0.37), QPointF(700.4, i * 6.3 + 0.37))
        p.end()
    return (time.perf_counter() - t) / n * 1e3


def chart(axes: bool):
    """A chart as IndicatorChart's plot is (grid at 0.15, a 1 h series), with or without chart_axes'."""
    import pyqtgraph as pg

    from widgets import theme
    from widgets.chart_axes import GridAxis, GridDateAxis, under_the_data

    items = {"bottom": GridDateAxis(theme.PANEL), "left": GridAxis("left", theme.PANEL)} if axes else \
        {"bottom": pg.DateAxisItem()}
    w = pg.PlotWidget(axisItems=items)
    if axes:
        under_the_data(w.getPlotItem())  # as IndicatorChart draws them
    w.setBackground(theme.PANEL)
    w.showGrid(x=True, y=True, alpha=0.15)
    w.resize(760, 300)
    w.plot(1.7e9 + np.arange(3600.0), np.random.default_rng(3).normal(size=3600).cumsum())
    w.show()
    QApplication.processEvents()
    return w


def per_chart_ms(w, n: int) -> float:
    """The chart repainted after its value range moved (a drill's new series): the axes laid out anew."""
    rng = np.random.default_rng(4)
    t = time.perf_counter()
    for _ in range(n):
        w.setYRange(rng.random(), 2 + rng.random(), padding=0)
        w.viewport().repaint()
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
    stock, ours = chart(False), chart(True)
    runs = {"tile_ms": [], "path_1.4px_ms": [], "path_1px_ms": [], "chart_new_range_stock_axes_ms": [],
            "chart_new_range_opaque_grid_ms": [], "grid_43_lines_translucent_ms": [], "grid_43_lines_opaque_ms": []}
    n_chart = max(20, a.tiles // 20)
    for _ in range(a.repeats):
        runs["tile_ms"].append(per_tile_ms(board, specs, data, a.tiles))
        runs["path_1.4px_ms"].append(per_path_ms(1.4, a.tiles))
        runs["path_1px_ms"].append(per_path_ms(1.0, a.tiles))
        runs["chart_new_range_stock_axes_ms"].append(per_chart_ms(stock, n_chart))
        runs["chart_new_range_opaque_grid_ms"].append(per_chart_ms(ours, n_chart))
        runs["grid_43_lines_translucent_ms"].append(per_lines_ms(38, n_chart))
        runs["grid_43_lines_opaque_ms"].append(per_lines_ms(255, n_chart))
    out = {k: {"median": round(float(np.median(v)), 3), "spread": [round(min(v), 3), round(max(v), 3)]}
           for k, v in runs.items()}
    out["tiles_per_repeat"] = a.tiles
    out["charts_per_repeat"] = n_chart
    print(json.dumps(out, indent=1))
    del app


if __name__ == "__main__":
    main()
