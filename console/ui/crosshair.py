"""One instant under the cursor, shown on every view that draws time: hovering the chart marks the
instant on the timeline, hovering the timeline puts the chart's crosshair (with the value) there."""

from __future__ import annotations


def link_crosshair(chart, timeline) -> None:
    """`chart`: an IndicatorChart; `timeline`: the replay/time-shift bar's Timeline."""
    chart.cursorMoved.connect(timeline.set_cursor)
    timeline.hovered.connect(chart.set_cursor)
