"""The indicator chart's warn and alarm bands follow each redraw: kept items are moved, never left
behind where a threshold was (the chart keeps its bands across redraws instead of re-creating them)."""

import numpy as np

from console.feed.protocol import Status
from console.views.labels import STATUS_COLOR
from widgets.indicator_chart import IndicatorChart


def shown_bands(chart) -> list[tuple[tuple[float, float], str]]:
    """(region, colour) of every band item drawn on the plot and visible."""
    import pyqtgraph as pg

    items = [i for i in chart.plot.getPlotItem().items if isinstance(i, pg.LinearRegionItem) and i.isVisible()]
    return sorted((tuple(round(x, 3) for x in i.getRegion()), i.brush.color().name()) for i in items)


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
    assert len([i for i in chart.plot.getPlotItem().items if type(i).__name__ == "LinearRegionItem"]) <= 2
