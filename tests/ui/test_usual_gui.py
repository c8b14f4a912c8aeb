"""The typical day on screen: the chart's band behind the line (faded on a thin basis, gone without
one) and the wall headline's line against it (never on stale data)."""

import numpy as np

from console.feed.protocol import Status
from widgets.indicator_chart import IndicatorChart
from widgets.wall_headline import HeadlineTile, WallHeadline

T = 1_700_000_000.0


def test_chart_draws_the_band_faded_when_thin_and_hides_it_without_a_basis(qtbot):
    c = IndicatorChart()
    qtbot.addWidget(c)
    ts = T + np.arange(0, 3600, 30.0)
    c.show_series("交通拥堵指数", "", ts, 3 + np.sin(ts / 600), None, None, "above", None)
    edges = T - 900 + 900.0 * np.arange(6)
    band = (edges, np.full(5, 2.0), np.full(5, 3.0), np.full(5, 9.0))
    c.show_usual((*band, 2), "基于 4 周历史")
    assert c.usual_fill.isVisible() and c.usual_label.full_text() == "同期带 · 基于 4 周历史"
    assert c.usual_fill.brush().color().alpha() == 60
    path = c._usual_hi.getPath().boundingRect()
    assert path.left() == edges[0] and path.right() == edges[-1] and path.top() == 9.0
    assert c.plot.getViewBox().viewRange()[1][1] >= 9.0  # the band kept in view
    c.show_usual((*band, 1), "基于 1 周历史")
    assert c.usual_fill.brush().color().alpha() == 22
    c.show_usual(None)
    assert not c.usual_fill.isVisible() and not c.usual_typ.isVisible() and c.usual_label.full_text() == ""


def test_wall_headline_says_vs_usual_on_its_own_line_but_not_on_stale_data(qtbot):
    t = HeadlineTile()
    qtbot.addWidget(t)
    t.show_data("全市用电负荷", "MW", "28,562", "上海市", Status.NORMAL, 0, False, "", "高于同期 18%")
    assert t.usual.text() == "高于同期 18%" and "同期" not in t.sub.text()
    t.show_data("全市用电负荷", "MW", "28,562", "上海市", Status.NORMAL, 0, True, "数据停滞", "高于同期 18%")
    assert t.usual.text() == ""


def test_the_headline_keeps_a_line_for_the_typical_day_only_once_there_are_typical_days(qtbot):
    """Before a site has typical days the line is not kept empty (it took a line from the wall's map);
    once there are, every tile has it, whatever one value says, so the wall does not move."""
    h = WallHeadline()
    qtbot.addWidget(h)
    h.set_px(22, 26, 60, 16)
    h.set_count(4)
    h.show()
    without = h.height()
    assert not any(t.usual.isVisible() for t in h.tiles)
    h.set_usual_line(True)
    line = h.tiles[0].usual.height() + h.tiles[0].layout().spacing()
    assert h.height() == without + line and line >= 22
    assert all(t.usual.isVisible() for t in h.tiles)
    h.tiles[0].show_data("全市用电负荷", "MW", "28,562", "上海市", Status.NORMAL, 0, True, "数据停滞", "")
    assert h.height() == without + line  # a stale value empties its line, never the layout
    h.set_count(5)
    assert h.tiles[4].usual.isVisible() and h.height() == without + line
