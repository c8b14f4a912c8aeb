"""The chart's opaque grid (widgets/chart_axes.py) looks as pyqtgraph's translucent one does over the
chart's background (the same pixels, to rounding), and lies under the data where pyqtgraph's lay over it."""

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor, QImage

from widgets import theme
from widgets.chart_axes import GridAxis, GridDateAxis, over, under_the_data


def rendered(qtbot, axes: bool, grid: bool = True, curve: bool = False) -> np.ndarray:
    items = {"bottom": GridDateAxis(theme.PANEL), "left": GridAxis("left", theme.PANEL)} if axes else \
        {"bottom": pg.DateAxisItem()}
    w = pg.PlotWidget(axisItems=items)
    qtbot.addWidget(w)
    if axes:
        under_the_data(w.getPlotItem())
    w.setBackground(theme.PANEL)
    w.showGrid(x=grid, y=grid, alpha=0.15)
    w.resize(600, 260)
    if curve:  # a thick flat line at 0.5, across the grid's vertical lines
        w.plot(1.7e9 + np.arange(600.0), np.full(600, 0.5), pen=pg.mkPen("#ff0000", width=5))
    w.setXRange(1.7e9, 1.7e9 + 600, padding=0)
    w.setYRange(-1.2, 1.2, padding=0)
    w.show()
    qtbot.waitExposed(w)
    img = w.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    return np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine())[:, :img.width() * 3] \
        .reshape(img.height(), img.width(), 3).astype(int)


def test_over_is_the_colour_a_translucent_one_leaves_on_an_opaque_ground():
    # 40% white over black is 40% grey; fully opaque stays itself; fully clear leaves the ground
    assert over(QColor(255, 255, 255, 102), QColor("black")).getRgb() == (102, 102, 102, 255)
    assert over(QColor(10, 20, 30), QColor("white")).getRgb() == (10, 20, 30, 255)
    assert over(QColor(10, 20, 30, 0), QColor(1, 2, 3)).getRgb() == (1, 2, 3, 255)


def test_the_opaque_grid_draws_the_translucent_grids_pixels(qtbot):
    stock, ours, bare = rendered(qtbot, False), rendered(qtbot, True), rendered(qtbot, True, grid=False)
    grid = np.abs(stock - bare).max(axis=2) > 3
    assert grid.sum() > 2000  # the grid is there to compare: thousands of its pixels differ from no grid
    # where two translucent lines cross they compound; the opaque ones do not (a few pixels, a shade)
    crossing = (grid.sum(axis=1) > 300)[:, None] & (grid.sum(axis=0) > 150)[None, :]
    diff = np.abs(ours - stock).max(axis=2)
    assert diff[~crossing].max() <= 2
    assert diff[crossing].max() <= 12


def test_the_data_is_drawn_over_the_opaque_grid(qtbot):
    """Where a grid line crosses the curve the curve's own red stays (pyqtgraph's grid tints it)."""
    ours, stock = rendered(qtbot, True, curve=True), rendered(qtbot, False, curve=True)
    red = (ours[..., 0] > 200) & (ours[..., 1] < 60) & (ours[..., 2] < 60)
    rows = np.nonzero(red.sum(axis=1) > 300)[0]  # the line's rows, red nearly all the way across
    assert len(rows) >= 4
    band = ours[rows[0]:rows[-1] + 1, 80:560]
    assert (band == [255, 0, 0]).all(axis=2).all()  # not one pixel of the line cut by a grid line
    assert not (stock[rows[0]:rows[-1] + 1, 80:560] == [255, 0, 0]).all(axis=2).all()  # as the stock grid does
