"""A chart's warn or alarm band: the values beyond a threshold tinted across the chart's whole width,
its edge at the threshold dashed.

pyqtgraph's LinearRegionItem draws the same, but it is an interactive region: it works out its bounds
from the view in Python at every paint (with its two InfiniteLines), and was ~40% of a chart's paint
in the board benchmark. This is a plain Qt rect and two lines in the plot's own coordinates, their x ends
kept a view's width beyond what is shown (`set_x_span`, at every change of the view's range)."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPen
from PySide6.QtWidgets import QGraphicsLineItem, QGraphicsRectItem

FILL_ALPHA = 38
Z = -5  # behind the line, in front of the typical day's band


class ThresholdBand(QGraphicsRectItem):
    def __init__(self, color: str):
        super().__init__()
        self.color = color
        fill = QColor(color)
        fill.setAlpha(FILL_ALPHA)
        self.setBrush(QBrush(fill))
        self.setPen(QPen(Qt.PenStyle.NoPen))
        edge = QPen(QColor(color), 1, Qt.PenStyle.DashLine)
        edge.setCosmetic(True)  # one pixel whatever the plot's scale
        self.edges = (QGraphicsLineItem(self), QGraphicsLineItem(self))
        for line in self.edges:
            line.setPen(edge)
        self.setZValue(Z)
        self._y = (0.0, 1.0)
        self._x = (0.0, 1.0)

    def region(self) -> tuple[float, float]:
        return self._y

    def set_region(self, a: float, b: float) -> None:
        self._y = (min(a, b), max(a, b))
        self._place()

    def set_x_span(self, x0: float, x1: float) -> None:
        """The view now shows x0..x1: the band reaches a view's width beyond each end."""
        w = max(x1 - x0, 1e-9)
        self._x = (x0 - w, x1 + w)
        self._place()

    def _place(self) -> None:
        (x0, x1), (y0, y1) = self._x, self._y
        self.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))
        self.edges[0].setLine(x0, y0, x1, y0)
        self.edges[1].setLine(x0, y1, x1, y1)
