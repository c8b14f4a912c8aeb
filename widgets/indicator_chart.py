"""The detail chart of one indicator: its history over a chosen range, warn/alarm bands, and the
early-warning forecast line to where the trend crosses a threshold. Handed arrays; reads nothing."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from console.forecast import Forecast
from console.labels import STATUS_COLOR
from console.protocol import Status
from widgets import theme
from widgets.text import plain_label

SHANGHAI_UTC_OFFSET = -8 * 3600  # pyqtgraph counts the offset westwards, like time.timezone
RANGES = (("15 分钟", 900), ("1 小时", 3600), ("4 小时", 4 * 3600), ("24 小时", 86400))


class IndicatorChart(QWidget):
    rangeChanged = Signal(int)  # seconds

    def __init__(self, parent=None):
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        top = QHBoxLayout()
        self.title = plain_label()
        self.title.setObjectName("chartTitle")
        self.title.setStyleSheet("font-weight: bold; font-size: 14px;")
        top.addWidget(self.title, 1)
        self.forecast_label = plain_label()
        self.forecast_label.setStyleSheet(f"color: {STATUS_COLOR[Status.WARN]};")
        top.addWidget(self.forecast_label)
        self._range_group = QButtonGroup(self)
        self.range_buttons: list[QPushButton] = []
        for i, (_, secs) in enumerate(RANGES):
            b = QPushButton()
            b.setCheckable(True)
            b.setProperty("seconds", secs)
            self._range_group.addButton(b, i)
            self.range_buttons.append(b)
            top.addWidget(b)
        self.range_buttons[1].setChecked(True)
        self._range_group.idClicked.connect(lambda i: self.rangeChanged.emit(RANGES[i][1]))
        lay.addLayout(top)

        self.plot = pg.PlotWidget(axisItems={"bottom": pg.DateAxisItem(utcOffset=SHANGHAI_UTC_OFFSET)})
        self.plot.setBackground(theme.PANEL)
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        self.plot.setMenuEnabled(False)
        self.curve = self.plot.plot(pen=pg.mkPen(theme.ACCENT, width=1.6))
        self.curve.setDownsampling(auto=True, method="peak")
        self.curve.setClipToView(True)
        self.forecast_curve = self.plot.plot(pen=pg.mkPen(STATUS_COLOR[Status.WARN], width=1.4,
                                                          style=Qt.PenStyle.DashLine))
        self._bands: list[pg.LinearRegionItem] = []
        self._lines: list[pg.InfiniteLine] = []
        lay.addWidget(self.plot, 1)
        self.retranslate()

    def retranslate(self) -> None:
        for b, (label, _) in zip(self.range_buttons, RANGES, strict=True):
            b.setText(QCoreApplication.translate("IndicatorChart", label))

    @property
    def range_s(self) -> int:
        return RANGES[max(0, self._range_group.checkedId())][1]

    def show_series(self, title: str, unit: str, ts: np.ndarray, values: np.ndarray, warn: float | None,
                    alarm: float | None, direction: str, fc: Forecast | None, fc_text: str = "") -> None:
        self.title.setText(f"{title}  ({unit})" if unit else title)
        self.forecast_label.setText(fc_text)
        self.curve.setData(ts, values)
        # a handful of readings (a new series) would be invisible as a line: mark each one
        self.curve.setSymbol("o" if len(ts) < 60 else None)
        self.curve.setSymbolSize(4)
        self.curve.setSymbolBrush(theme.ACCENT)
        self.curve.setSymbolPen(None)
        for item in self._bands + self._lines:
            self.plot.removeItem(item)
        self._bands, self._lines = [], []
        finite = values[np.isfinite(values)] if len(values) else values
        lo = float(finite.min()) if len(finite) else 0.0
        hi = float(finite.max()) if len(finite) else 1.0
        span = max(hi - lo, abs(hi) * 0.02, 1e-6)  # a flat series still gets a readable band of axis
        far = 1e3 * span + abs(hi) + abs(lo) + 1  # the bands run "to infinity" beyond the data
        below = direction == "below"
        if warn is not None:
            edge = (alarm if alarm is not None else (warn - far if below else warn + far))
            self._band(warn, edge, STATUS_COLOR[Status.WARN])
        if alarm is not None:
            self._band(alarm, alarm - far if below else alarm + far, STATUS_COLOR[Status.ALARM])
        self.forecast_curve.setData([], [])
        if fc is not None and fc.eta_s is not None and len(ts):
            t_end = ts[-1]
            x = np.array([t_end, t_end + fc.eta_s])
            v0 = values[-1]
            self.forecast_curve.setData(x, v0 + fc.slope_per_min / 60.0 * (x - t_end))
        if len(ts):
            t_end = ts[-1] + (fc.eta_s if fc is not None and fc.eta_s else 0)
            self.plot.setXRange(ts[-1] - self.range_s, max(ts[-1], t_end), padding=0.02)
            ys = [lo - span / 2, hi + span / 2]
            ys += [t for t in (warn, alarm) if t is not None and lo - 2 * span <= t <= hi + 2 * span]
            self.plot.setYRange(min(ys), max(ys), padding=0.1)

    def _band(self, a: float, b: float, color: str) -> None:
        c = pg.mkColor(color)
        c.setAlpha(38)
        band = pg.LinearRegionItem(values=(min(a, b), max(a, b)), orientation="horizontal", movable=False, brush=c)
        for line in band.lines:
            line.setPen(pg.mkPen(color, width=1, style=Qt.PenStyle.DashLine))
        self.plot.addItem(band)
        self._bands.append(band)
