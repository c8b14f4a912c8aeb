"""The vital-sign board renders what is on screen: a changed tile out of sight waits, marked, until it is
scrolled into view; a hidden board renders nothing; a sparkline with a missing reading still draws; a
turn repaints the tiles it rendered, not the box around them."""

import time

import numpy as np
from PySide6.QtCore import QSize
from PySide6.QtWidgets import QScrollArea

from console.feed.protocol import Status
from console.views.board_model import TileData, TileSpec
from widgets.vital_board import VitalBoard

N = 60


def tile_data(i: int, spark=None) -> TileData:
    return TileData(f"{i}", f"region {i}", Status.NORMAL, 0, np.arange(30.0) if spark is None else spark,
                    None, None, "", False, i)


def board_in_scroll(qtbot, asked: list):
    board = VitalBoard(tile_size=QSize(196, 92), budget=1000, min_interval_s=0.0, time_budget_s=60.0)
    scroll = QScrollArea()
    scroll.setWidget(board)
    scroll.setWidgetResizable(True)
    scroll.resize(440, 300)  # two columns, about three rows of tiles in view
    qtbot.addWidget(scroll)
    specs = [TileSpec((f"ind{i}", "310000"), f"指标 {i}", "", "traffic") for i in range(N)]

    def provider(key):
        asked.append(key)
        return tile_data(int(key[0][3:]))

    board.set_tiles(specs, provider)
    return scroll, board


def test_only_tiles_in_view_are_rendered_and_the_others_when_scrolled_to(qtbot):
    asked: list = []
    scroll, board = board_in_scroll(qtbot, asked)
    assert board.render_pending() == 0  # not shown: nothing is rendered
    scroll.show()
    qtbot.waitExposed(scroll)
    board.render_pending()
    first = set(asked)
    assert 0 < len(first) <= 12 and ("ind0", "310000") in first
    assert ("ind59", "310000") not in first
    board.render_pending()
    assert len(asked) == len(first)  # nothing else changed: nothing more is asked for
    board.mark_changed([("ind0", "310000"), ("ind59", "310000")])
    board.render_pending()
    assert asked[len(first):] == [("ind0", "310000")]  # the one out of sight waits
    bar = scroll.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() + scroll.viewport().height() >= board.height())  # laid out
    bar.setValue(bar.maximum())
    qtbot.wait(20)
    board.render_pending()
    assert ("ind59", "310000") in asked and board.data(("ind59", "310000")).value_text == "59"
    assert board.data(("ind30", "310000")) is None  # in the middle, never seen: never rendered


def test_a_sparkline_with_a_missing_reading_is_drawn(qtbot):
    board = VitalBoard()
    qtbot.addWidget(board)
    spec = TileSpec(("a", "310000"), "指标", "", "traffic")
    with_gap = board._render(spec, tile_data(1, np.array([1.0, 2.0, np.nan, 4.0, 3.0, 5.0]))).toImage()
    no_line = board._render(spec, tile_data(1, np.empty(0))).toImage()
    assert with_gap != no_line


def test_a_tick_stops_rendering_once_its_time_is_spent_and_goes_on_next_tick(qtbot):
    asked: list = []
    scroll, board = board_in_scroll(qtbot, asked)
    scroll.show()
    qtbot.waitExposed(scroll)
    slow = board._provider

    def provider(key):
        time.sleep(0.003)  # a tile dearer than the tick's whole time budget below
        return slow(key)

    board._provider = provider
    assert board.render_pending(time_budget_s=0.001) == 1  # at least one, then the budget is spent
    assert board.render_pending(time_budget_s=0.001) == 1
    assert len(asked) == 2 and asked[0] != asked[1]
    assert board.render_pending(time_budget_s=1.0) >= 4  # the rest of what is in sight


def test_a_new_view_is_rendered_a_slice_at_a_time_while_the_loop_turns(qtbot):
    """render_soon (a drill) does no rendering in the call itself: the tiles in sight are rendered over
    the next turns of the event loop, one slice each, until none in sight waits; those out of sight still wait."""
    asked: list = []
    scroll, board = board_in_scroll(qtbot, asked)
    scroll.show()
    qtbot.waitExposed(scroll)
    slices: list[int] = []
    render = board.render_pending

    def counted(*a, **kw):
        n = render(*a, **kw)
        slices.append(n)
        return n

    board.render_pending = counted
    board.render_soon(slice_s=0.0)  # a slice renders one tile, then its time is spent
    assert asked == [] and not board.drawn()  # the call itself rendered nothing
    qtbot.waitUntil(board.drawn, timeout=5_000)
    in_sight = set(asked)
    assert len(in_sight) >= 4 and all(n <= 1 for n in slices)  # one tile a slice, several slices
    assert ("ind59", "310000") not in in_sight and ("ind59", "310000") in board._pending
    qtbot.waitUntil(lambda: not board._slicer.isActive(), timeout=2_000)  # and then it stops


def test_a_view_drawn_in_slices_is_painted_once_when_its_last_slice_is_rendered(qtbot):
    """A drill's slices do not each repaint the board (a paint between every slice was GUI work in the
    drill's gaps): it is painted once, after the last slice, and then shows every tile."""
    asked: list = []
    scroll, board = board_in_scroll(qtbot, asked)
    scroll.show()
    qtbot.waitExposed(scroll)
    qtbot.wait(50)
    paints: list[int] = []  # tiles rendered by the time of each paint
    paint = board.paintEvent
    board.paintEvent = lambda ev: (paints.append(len(asked)), paint(ev))
    with qtbot.waitSignal(board.viewDrawn, timeout=5_000):
        board.render_soon(slice_s=0.0)  # one tile a slice
    qtbot.wait(100)
    assert len(asked) >= 4
    assert paints == [len(asked)]


def test_a_new_view_shows_no_picture_of_the_last_one_under_the_same_key(qtbot):
    """The worst district's tile at the city and the worst street's in a district share a key: a drill
    (keep=False) starts blank rather than show the city's picture; the same view re-laid keeps its own."""
    asked: list = []
    scroll, board = board_in_scroll(qtbot, asked)
    scroll.show()
    qtbot.waitExposed(scroll)
    board.render_pending()
    assert board.drawn()
    board.set_tiles(board.specs, board._provider, keep=True)
    assert board.drawn()
    board.set_tiles(board.specs, board._provider, keep=False)
    assert not board.drawn()


def test_a_turn_repaints_the_tiles_it_rendered_not_the_box_around_them(qtbot):
    """Two changed tiles at opposite corners of the view are repainted as their own rects: the box around
    them was most of the board, filled and drawn again at every render tick (its paint p99 9.7 ms)."""
    from PySide6.QtCore import QEvent, QObject

    asked: list = []
    scroll, board = board_in_scroll(qtbot, asked)
    scroll.show()
    qtbot.waitExposed(scroll)
    board.render_pending()
    qtbot.wait(50)  # the first full paint is done
    regions = []

    class Paints(QObject):
        def eventFilter(self, obj, ev):
            if ev.type() == QEvent.Type.Paint:
                regions.append(ev.region())
            return False

    spy = Paints()
    board.installEventFilter(spy)
    first, last = board._rects[("ind0", "310000")], board._rects[("ind5", "310000")]  # top left, bottom right
    assert first.left() < last.left() and first.bottom() < last.top()
    board.mark_changed([("ind0", "310000"), ("ind5", "310000")])
    board.render_pending()
    qtbot.waitUntil(lambda: bool(regions), timeout=2000)
    painted = regions[-1]
    area = sum(r.width() * r.height() for r in painted)
    tile = first.width() * first.height()
    assert painted.contains(first) and painted.contains(last)
    assert area <= 2 * tile < first.united(last).width() * first.united(last).height()
