"""The detail chart of one indicator: its history over a chosen range, warn/alarm bands, the typical
day's band behind the line (同期: 10th–90th percentile, the median dashed; faded on a thin basis), and
the early-warning forecast line to where the trend crosses a threshold. Handed arrays; reads nothing."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QPixmapCache
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QGraphicsItem,
    QHBoxLayout,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from console.feed.protocol import Status
from console.views.board_model import format_value
from console.views.forecast import Forecast
from console.views.labels import STATUS_COLOR
from widgets import theme
from widgets.chart_axes import GridAxis, GridDateAxis, under_the_data
from widgets.chart_bands import ThresholdBand
from widgets.fit_label import FitLabel
from widgets.text import plain_label

_TZ = dt.timezone(dt.timedelta(hours=8))
SHANGHAI_UTC_OFFSET = -8 * 3600  # pyqtgraph counts the offset westwards, like time.timezone
USUAL_RGB = (120, 160, 200)
RANGES = (("15 分钟", 900), ("1 小时", 3600), ("4 小时", 4 * 3600), ("24 小时", 86400))
# The time axis moves in steps of this many pixels, not with every reading: a moved range re-lays the
# axis's ticks and labels and repaints every item (10 ms of the GUI thread per chart and refresh, where a
# held range repaints only the line); the newest reading may stand up to this far left of the right edge.
X_STEP_PX = 8
# Qt keeps those axis pixmaps in its process-wide QPixmapCache, 10 MB by default: with four charts, the
# board and the style's own pixmaps they were evicted between two repaints (measured: every repaint
# replayed the axes, 14 ms a chart). A floor for the cache's limit, never a lowering of it.
PIXMAP_CACHE_KB = 64 * 1024


class IndicatorChart(QWidget):
    """One indicator's history with its thresholds and forecast. Hovering shows the value and time
    under the cursor (the chart keeps updating) and reports the instant, so other views can mark it."""

    rangeChanged = Signal(int)  # seconds
    regionChosen = Signal(str)  # a region of the view to chart; "" to chart what the board's tile shows
    cursorMoved = Signal(float)  # the instant under the cursor; NaN when the cursor leaves

    def __init__(self, parent=None):
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        top = QHBoxLayout()
        # elided, never wider than its share: a long street name must not widen the dock (and the map)
        self.title = FitLabel(14, bold=True)
        self.title.setObjectName("chartTitle")
        top.addWidget(self.title, 2)
        self.fresh_label = plain_label()
        self.fresh_label.setObjectName("chartFreshness")
        self.fresh_label.setStyleSheet(f"color: {theme.AMBER}; font-weight: bold;")
        top.addWidget(self.fresh_label)
        self.forecast_label = plain_label()
        self.forecast_label.setStyleSheet(f"color: {STATUS_COLOR[Status.WARN]};")
        top.addWidget(self.forecast_label)
        # what the typical band rests on: elided before the title is (it shares the title's room, a third)
        self.usual_label = FitLabel(12, theme.TEXT_DIM)
        self.usual_label.setObjectName("chartUsual")
        top.addWidget(self.usual_label, 1)
        self.region_box = QComboBox()  # the view's own series and the level below's (a district's streets)
        self.region_box.setObjectName("chartRegion")
        self.region_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.region_box.setMinimumContentsLength(8)
        self.region_box.activated.connect(lambda i: self.regionChosen.emit(self.region_box.itemData(i) or ""))
        top.addWidget(self.region_box)
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

        # grid lines opaque over the panel: translucent ones cost the raster engine ~14x (chart_axes.py)
        self.plot = pg.PlotWidget(axisItems={"bottom": GridDateAxis(theme.PANEL, utcOffset=SHANGHAI_UTC_OFFSET),
                                             "left": GridAxis("left", theme.PANEL)})
        if QPixmapCache.cacheLimit() < PIXMAP_CACHE_KB:
            QPixmapCache.setCacheLimit(PIXMAP_CACHE_KB)
        under_the_data(self.plot.getPlotItem())
        for axis in self.plot.getPlotItem().axes.values():
            # an axis (its grid lines across the plot too) is painted once per range into a pixmap and
            # copied while the range holds, where it replayed its ticks' drawing at every repaint
            axis["item"].setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self._x_range: tuple[float, float] | None = None  # the time range last set (stepped, see X_STEP_PX)
        self._shown_x: list[float] | None = None  # the view's range after it: a pan or zoom since sets it anew
        self._y_data: tuple[float, float] | None = None  # the values' span to show (thresholds near them too)
        self._y_band: tuple[float, float] | None = None  # the typical band's, when it is shown
        self.plot.setBackground(theme.PANEL)
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        self.plot.setMenuEnabled(False)
        self.curve = self.plot.plot(pen=pg.mkPen(theme.ACCENT, width=1.6))
        self.curve.setDownsampling(auto=True, method="peak")
        self.curve.setClipToView(True)
        self.forecast_curve = self.plot.plot(pen=pg.mkPen(STATUS_COLOR[Status.WARN], width=1.4,
                                                          style=Qt.PenStyle.DashLine))
        # the typical band: two edges (not drawn) and the fill between them, behind everything
        self._usual_lo = pg.PlotCurveItem(pen=pg.mkPen((0, 0, 0, 0)))  # a path for the fill, not drawn
        self._usual_hi = pg.PlotCurveItem(pen=pg.mkPen((0, 0, 0, 0)))
        self.usual_fill = pg.FillBetweenItem(self._usual_lo, self._usual_hi, brush=pg.mkBrush((*USUAL_RGB, 60)))
        self.usual_typ = pg.PlotDataItem(pen=pg.mkPen((*USUAL_RGB, 200), width=1, style=Qt.PenStyle.DashLine))
        for item, z in ((self._usual_lo, -12), (self._usual_hi, -12), (self.usual_fill, -11), (self.usual_typ, -10)):
            item.setZValue(z)
            self.plot.addItem(item)
        self.usual_fill.hide()
        self._bands: list[ThresholdBand] = []  # the bands shown now, taken from the pool in order
        self._band_pool: list[ThresholdBand] = []  # kept across redraws: creating them was most of one
        self.plot.getViewBox().sigXRangeChanged.connect(self._bands_follow_x)
        self._lines: list[pg.InfiniteLine] = []
        self._ts, self._values = np.empty(0), np.empty(0)
        self.marked = False
        self._hatch = QBrush(QColor(255, 255, 255, 22), Qt.BrushStyle.BDiagPattern)
        self.crosshair = pg.InfiniteLine(angle=90, movable=False,
                                         pen=pg.mkPen(theme.TEXT, width=1, style=Qt.PenStyle.DashLine))
        self.crosshair.setZValue(20)
        self.crosshair.hide()
        self.plot.addItem(self.crosshair, ignoreBounds=True)
        self.readout = pg.TextItem(color=theme.TEXT, fill=pg.mkBrush(theme.PANEL_2), anchor=(0, 1))
        self.readout.setZValue(21)
        self.readout.hide()
        self.plot.addItem(self.readout, ignoreBounds=True)
        self.plot.scene().sigMouseMoved.connect(self._on_mouse)
        lay.addWidget(self.plot, 1)
        self.retranslate()

    def retranslate(self) -> None:
        for b, (label, _) in zip(self.range_buttons, RANGES, strict=True):
            b.setText(QCoreApplication.translate("IndicatorChart", label))
        if self.region_box.count():
            self.region_box.setItemText(0, QCoreApplication.translate("IndicatorChart", "随看板"))
        self.region_box.setToolTip(QCoreApplication.translate("IndicatorChart", "图表所示区域"))

    def set_regions(self, regions: list[tuple[str, str]], current: str = "") -> None:
        """The regions the operator may chart, (code, name), after "as on the board" (""); `current`
        is the one charted."""
        self.region_box.clear()
        self.region_box.addItem(QCoreApplication.translate("IndicatorChart", "随看板"), "")
        for code, name in regions:
            self.region_box.addItem(name, code)
        self.region_box.setCurrentIndex(max(0, self.region_box.findData(current)))
        self.region_box.setEnabled(bool(regions))  # disabled, not hidden: the chart (and the map) keep their size

    def show_freshness(self, marked: bool, text: str) -> None:
        """Not live: the line greyed and dashed over a hatched plot, and the age said (console.views.freshness)."""
        self.fresh_label.setText(text if marked else "")
        if marked == self.marked:
            return
        self.marked = marked
        self.curve.setPen(pg.mkPen(theme.TEXT_DIM, width=1.4, style=Qt.PenStyle.DashLine) if marked
                          else pg.mkPen(theme.ACCENT, width=1.6))
        vb = self.plot.getViewBox()
        if marked:
            vb.background.setBrush(self._hatch)
            vb.background.show()
        else:
            vb.background.hide()

    # ---------------------------------------------------------------- values at the cursor
    def value_at(self, ts: float) -> tuple[float, float] | None:
        """The reading nearest to `ts` among those drawn: (its time, its value)."""
        if not len(self._ts):
            return None
        i = int(np.clip(np.searchsorted(self._ts, ts), 1, len(self._ts) - 1)) if len(self._ts) > 1 else 0
        if i and abs(self._ts[i - 1] - ts) <= abs(self._ts[i] - ts):
            i -= 1
        return float(self._ts[i]), float(self._values[i])

    def _on_mouse(self, pos) -> None:
        vb = self.plot.getViewBox()
        if not self.plot.sceneBoundingRect().contains(pos) or not vb.sceneBoundingRect().contains(pos):
            self.crosshair.hide()
            self.readout.hide()
            self.cursorMoved.emit(float("nan"))
            return
        ts = float(vb.mapSceneToView(pos).x())
        self.set_cursor(ts)
        self.cursorMoved.emit(ts)

    def set_cursor(self, ts: float | None) -> None:
        """Show the instant `ts` (from this chart's cursor or another view's); None or NaN hides it."""
        if ts is None or not np.isfinite(ts):
            self.crosshair.hide()
            self.readout.hide()
            return
        self.crosshair.setPos(ts)
        self.crosshair.show()
        near = self.value_at(ts)
        if near is None:
            self.readout.hide()
            return
        t, v = near
        stamp = dt.datetime.fromtimestamp(t, _TZ).strftime("%H:%M:%S")
        self.readout.setText(f"{stamp}  {format_value(v)}")
        self.readout.setPos(t, v)
        self.readout.show()

    @property
    def range_s(self) -> int:
        return RANGES[max(0, self._range_group.checkedId())][1]

    def show_series(self, title: str, unit: str, ts: np.ndarray, values: np.ndarray, warn: float | None,
                    alarm: float | None, direction: str, fc: Forecast | None, fc_text: str = "") -> None:
        self.title.setText(f"{title}  ({unit})" if unit else title)
        self.forecast_label.setText(fc_text)
        self.curve.setData(ts, values)
        self._ts, self._values = np.asarray(ts, dtype=float), np.asarray(values, dtype=float)
        # a handful of readings (a new series) would be invisible as a line: mark each one
        self.curve.setSymbol("o" if len(ts) < 60 else None)
        self.curve.setSymbolSize(4)
        self.curve.setSymbolBrush(theme.ACCENT)
        self.curve.setSymbolPen(None)
        for item in self._lines:
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
        for band in self._band_pool[len(self._bands):]:
            band.hide()
        self.forecast_curve.setData([], [])
        if fc is not None and fc.eta_s is not None and len(ts):
            t_end = ts[-1]
            x = np.array([t_end, t_end + fc.eta_s])
            v0 = values[-1]
            self.forecast_curve.setData(x, v0 + fc.slope_per_min / 60.0 * (x - t_end))
        if len(ts):
            t_end = ts[-1] + (fc.eta_s if fc is not None and fc.eta_s else 0)
            self._set_x_range(ts[-1] - self.range_s, max(ts[-1], t_end))
            # a series with no value below zero (a depth, a count, a rate) keeps its axis at zero or above:
            # spare room below reads as negative water depth
            ys = [max(lo - span / 2, 0.0) if lo >= 0 else lo - span / 2, hi + span / 2]
            ys += [t for t in (warn, alarm) if t is not None and lo - 2 * span <= t <= hi + 2 * span]
            self._y_data = (min(ys), max(ys))
            self._set_y_range()

    def _set_x_range(self, x0: float, x1: float) -> None:
        """Show at least [x0, x1], both ends moved out to whole steps of X_STEP_PX pixels: while the
        readings stay within the range set, it holds (and so do the axis's labels)."""
        step = self.range_s / max(1, self.plot.getViewBox().width()) * X_STEP_PX
        right, width = np.ceil(x1 / step) * step, np.ceil((x1 - x0) / step) * step
        want = (float(right - width), float(right))  # both ends move together, at the right's step
        if want != self._x_range or self.plot.getViewBox().viewRange()[0] != self._shown_x:
            self.plot.setXRange(*want, padding=0.02)
            self._x_range = want
            self._shown_x = self.plot.getViewBox().viewRange()[0]

    def _set_y_range(self) -> None:
        """Show the values (and the typical band) with a tenth of their span spare each side; the range
        holds while what is to be shown stays inside it and fills at least two thirds of it, so a
        reading within the spare room repaints the line, not the axis."""
        lo, hi = self._y_data or self._y_band or (0.0, 1.0)
        if self._y_data and self._y_band:
            lo, hi = min(lo, self._y_band[0]), max(hi, self._y_band[1])
        y0, y1 = self.plot.getViewBox().viewRange()[1]
        if not (y0 <= lo and hi <= y1 and (hi - lo) * 1.2 >= (y1 - y0) / 1.5):
            spare = 0.1 * (hi - lo)
            self.plot.setYRange(lo - spare if lo < 0 else max(lo - spare, 0.0), hi + spare, padding=0)

    def show_usual(self, band: tuple | None, basis_text: str = "") -> None:
        """The typical band as steps, (slot edges, lo, typ, hi, basis), or None to hide it; a thin basis
        (1) draws it faded, and `basis_text` says what it rests on."""
        self._y_band = None
        if band is None:
            for item in (self.usual_fill, self.usual_typ):
                item.hide()
            self.usual_label.setText("")
            self.usual_label.setToolTip("")
            return
        edges, lo, typ, hi, basis = band
        x = np.repeat(np.asarray(edges, dtype=float), 2)[1:-1]  # each slot's value held across it

        def steps(v):
            return np.repeat(np.asarray(v, dtype=float), 2)

        ok = np.isfinite(steps(lo)) & np.isfinite(steps(hi))
        self._usual_lo.setData(x[ok], steps(lo)[ok])
        self._usual_hi.setData(x[ok], steps(hi)[ok])
        self.usual_typ.setData(x, steps(typ), connect="finite")
        alpha = 60 if basis >= 2 else 22
        self.usual_fill.setBrush(pg.mkBrush((*USUAL_RGB, alpha)))
        self.usual_typ.setPen(pg.mkPen((*USUAL_RGB, 200 if basis >= 2 else 90), width=1, style=Qt.PenStyle.DashLine))
        self.usual_fill.show()
        self.usual_typ.show()
        if ok.any():  # the band in view too: a value far from usual shows how far
            self._y_band = (float(np.nanmin(lo)), float(np.nanmax(hi)))
            self._set_y_range()
        text = QCoreApplication.translate("IndicatorChart", "同期带 · {0}").format(basis_text)
        self.usual_label.setText(text)
        self.usual_label.setToolTip(text)  # whole, when the dock is too narrow for it

    def _band(self, a: float, b: float, color: str) -> None:
        """The next band of this redraw: the pool's next one moved there (a new one when its colour differs)."""
        i = len(self._bands)
        band = self._band_pool[i] if i < len(self._band_pool) else None
        if band is None or band.color != color:
            if band is not None:
                self.plot.removeItem(band)
            band = ThresholdBand(color)
            band.set_x_span(*self.plot.getViewBox().viewRange()[0])
            self.plot.addItem(band, ignoreBounds=True)
            self._band_pool[i:i + 1] = [band]
        band.set_region(a, b)
        band.show()
        self._bands.append(band)

    def _bands_follow_x(self, _vb, x_range) -> None:
        for band in self._band_pool:
            band.set_x_span(*x_range)
