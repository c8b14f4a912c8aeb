"""The chart's axes, with their grid lines drawn opaque: each line's colour is its translucent colour
already blended over the chart's solid background, and the axes drawn under the data (`under_the_data`),
so the grid looks the same on the background and never covers a line or a band; its lines cost a seventh.

Qt's raster engine draws a translucent one-pixel line through a slow path: 43 such lines across a
760 × 300 pixmap took 4.8–8.5 ms against 0.6 ms opaque (`./dev bench-tile` measures both, and the
chart's repaint with either axes). pyqtgraph draws the grid as its ticks' lines across the plot, each
level at its own alpha, so a drill's new value range (the left axis laid out anew) spent ~7 ms of the
GUI thread on them: the chart's repaint took 14.7 ms with pyqtgraph's axes and 8.1 ms with these.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QColor, QPen


def over(color: QColor, background: QColor) -> QColor:
    """`color` drawn over an opaque `background`, as one opaque colour."""
    a = color.alphaF()
    return QColor.fromRgbF(color.redF() * a + background.redF() * (1 - a),
                           color.greenF() * a + background.greenF() * (1 - a),
                           color.blueF() * a + background.blueF() * (1 - a))


def under_the_data(plot: pg.PlotItem) -> None:
    """Draw the plot's axes, and so their grid, under its view box: an opaque grid line over the data
    would cut the curve and the bands where pyqtgraph's translucent one (drawn on top) tinted them."""
    below = plot.getViewBox().zValue() - 1
    for axis in plot.axes.values():
        axis["item"].setZValue(below)


class _OpaqueGrid:
    """Mixed into a pyqtgraph axis: its tick and grid pens made opaque over `background`."""

    background = QColor("black")

    def drawPicture(self, p, axisSpec, tickSpecs, textSpecs):  # pyqtgraph's name
        solid = []
        for pen, p1, p2 in tickSpecs:
            if pen.color().alpha() < 255:
                pen = QPen(pen)
                pen.setColor(over(pen.color(), self.background))
            solid.append((pen, p1, p2))
        return super().drawPicture(p, axisSpec, solid, textSpecs)


class GridAxis(_OpaqueGrid, pg.AxisItem):
    """A value axis whose grid lines are opaque over `background`."""

    def __init__(self, orientation: str, background: str, **kw):
        super().__init__(orientation, **kw)
        self.background = QColor(background)


class GridDateAxis(_OpaqueGrid, pg.DateAxisItem):
    """A time axis whose grid lines are opaque over `background`."""

    def __init__(self, background: str, **kw):
        super().__init__(**kw)
        self.background = QColor(background)
