"""The indicator chart's warn and alarm bands follow each redraw: kept items are moved, never left
behind where a threshold was (the chart keeps its bands across redraws instead of re-creating them)."""

import itertools

import numpy as np

from console.feed.protocol import Status
from console.views.labels import STATUS_COLOR
from widgets.chart_bands import ThresholdBand
from widgets.indicator_chart import IndicatorChart


def shown_bands(chart) -> list[tuple[tuple[float, float], str]]:
    """(region, colour) of every band item drawn on the plot and visible."""
    items = [i for i in chart.plot.getPlotItem().items if isinstance(i, ThresholdBand) and i.isVisible()]
    return sorted((tuple(round(x, 3) for x in i.region()), i.brush().color().name()) for i in items)


def test_bands_move_disappear_and_come_back_with_the_thresholds(qtbot):
    chart = IndicatorChart()
    qtbot.addWidget(chart)
    ts, v = np.arange(100.0), np.full(100, 5.0)
    warn, alarm = STATUS_COLOR[Status.WARN].lower(), STATUS_COLOR[Status.ALARM].lower()
    chart.show_series("a", "", ts, v, 6.0, 8.0, "above", None)
    first = shown_bands(chart)
    assert [(r[0], c) for r, c in first] == [(6.0, warn), (8.0, alarm)] and first[0][0][1] == 8.0
    chart.show_series("a", "", ts, v, 7.0, None, "above", None)  # no alarm threshold now
    assert [(r[0], c) for r, c in shown_bands(chart)] == [(7.0, warn)]
    chart.show_series("a", "", ts, v, None, 2.0, "below", None)  # only an alarm, low is bad
    assert [(r[1], c) for r, c in shown_bands(chart)] == [(2.0, alarm)]
    chart.show_series("a", "", ts, v, 6.0, 8.0, "above", None)
    assert shown_bands(chart) == first
    assert len([i for i in chart.plot.getPlotItem().items if isinstance(i, ThresholdBand)]) <= 2


def test_the_time_axis_holds_between_steps_and_the_newest_reading_is_always_in_view(qtbot):
    """A refresh one reading later keeps the range (no re-laid axis), a reading past the edge moves it,
    and every refresh shows the newest reading and the chosen span behind it."""
    chart = IndicatorChart()
    qtbot.addWidget(chart)
    chart.resize(640, 260)
    chart.show()
    chart.range_buttons[3].click()  # 24 h: 8 px of a ~600 px plot are ~30 minutes
    ts = 1_700_000_000.0 + np.arange(0, 86_400.0, 60.0)
    v = np.full(len(ts), 5.0)
    seen = []
    for step in range(120):  # two hours, a minute at a time
        now = ts[-1] + 60.0 * step
        t = ts + 60.0 * step
        chart.show_series("a", "", t, v, None, None, "above", None)
        x0, x1 = chart.plot.getViewBox().viewRange()[0]
        assert x0 <= now - 86_400 and now <= x1, f"the newest reading or the day behind it out of view at {step}"
        assert x1 - now < 0.1 * 86_400  # and not lost in empty room on the right
        seen.append((x0, x1))
    moves = sum(1 for a, b in itertools.pairwise(seen) if a != b)
    assert 1 <= moves <= 12, moves  # a move per step of pixels, not one per reading


def test_the_value_axis_holds_within_its_spare_room_and_fits_a_value_beyond_it(qtbot):
    chart = IndicatorChart()
    qtbot.addWidget(chart)
    chart.resize(640, 260)
    chart.show()
    ts = np.arange(100.0)

    def y_range(values):
        chart.show_series("a", "", ts, np.asarray(values, dtype=float), None, None, "above", None)
        return tuple(chart.plot.getViewBox().viewRange()[1])

    base = np.full(100, 5.0) + np.linspace(0, 1, 100)
    first = y_range(base)
    assert first[0] < 5.0 and first[1] > 6.0
    assert y_range(base + 0.01) == first  # a reading inside the spare room: the axis stays
    high = y_range(np.append(base[:-1], 40.0))
    assert high[1] >= 40.0  # a value beyond it is shown
    assert y_range(base)[1] < 20.0  # and when it has gone, the range fits the values again


def test_a_series_never_below_zero_keeps_its_axis_at_zero_or_above(qtbot):
    """A water depth of 0–0.5 cm drew an axis down to −0.5: spare room below zero reads as a negative
    depth. A series with a value below zero still gets room below its lowest value."""
    chart = IndicatorChart()
    qtbot.addWidget(chart)
    chart.resize(640, 260)
    chart.show()
    ts = np.arange(100.0)
    depth = np.abs(np.sin(ts / 10)) * 0.5  # 0 … 0.5, zero at the start
    chart.show_series("a", "", ts, depth, None, None, "above", None)
    y0, y1 = chart.plot.getViewBox().viewRange()[1]
    assert y0 == 0.0 and y1 > 0.5
    temperature = depth * 10 - 3  # −3 … 2 °C
    chart.show_series("b", "", ts, temperature, None, None, "above", None)
    assert chart.plot.getViewBox().viewRange()[1][0] < -3.0


def test_refreshes_within_the_step_copy_the_axes_even_when_others_fill_qts_pixmap_cache(qtbot):
    """The axes are painted once per range and copied after; other widgets' pixmaps in Qt's shared
    cache (the style's, other charts') must not evict them between two refreshes."""
    from PySide6.QtGui import QPixmap, QPixmapCache

    chart = IndicatorChart()
    qtbot.addWidget(chart)
    chart.resize(640, 260)
    chart.show()
    qtbot.waitExposed(chart)
    painted = []
    for name, axis in chart.plot.getPlotItem().axes.items():
        item = axis["item"]
        item.paint = lambda *a, _paint=item.paint, _name=name: (painted.append(_name), _paint(*a))[1]
    ts = 1_700_000_000.0 + np.arange(0, 86_400.0, 60.0)
    v = 5.0 + np.sin(ts / 3600)
    chart.range_buttons[3].click()
    chart.show_series("a", "", ts, v, None, None, "above", None)
    qtbot.waitUntil(lambda: len(painted) >= 2)  # both axes, once
    other = QPixmap(1024, 1024)  # 4 MB
    other.fill()
    painted.clear()
    for step in range(1, 31):  # 30 refreshes a second apart: a day's axis moves once at most
        for i in range(3):  # between two refreshes, others put 12 MB in: more than Qt's default 10 MB
            QPixmapCache.insert(f"other-{step}-{i}", other.copy())
        chart.show_series("a", "", ts + step, v, None, None, "above", None)
        chart.plot.viewport().repaint()
    assert painted.count("bottom") <= 2 and painted.count("left") <= 2, painted


def test_a_band_spans_the_view_after_the_view_moves(qtbot):
    """A band is a rect with ends (not pyqtgraph's region, which works out its bounds at every paint):
    it must still reach across the view after a refresh moves the time range, or a pan or zoom."""
    chart = IndicatorChart()
    qtbot.addWidget(chart)
    ts, v = np.arange(0.0, 3600.0, 10.0), np.full(360, 5.0)
    chart.show_series("a", "", ts, v, 6.0, 8.0, "above", None)
    vb = chart.plot.getViewBox()
    for x0, x1 in ((0.0, 3600.0), (86_400.0, 90_000.0), (-5e5, 5e5)):  # far to the right, then zoomed out
        vb.setXRange(x0, x1, padding=0)
        shown = vb.viewRange()[0]
        for band in (i for i in chart.plot.getPlotItem().items if isinstance(i, ThresholdBand)):
            r = band.rect()
            assert r.left() <= shown[0] and r.right() >= shown[1], (band.color, r, shown)
            assert all(e.line().x1() <= shown[0] and e.line().x2() >= shown[1] for e in band.edges)
