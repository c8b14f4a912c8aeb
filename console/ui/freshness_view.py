"""Once a second, every view of the workstation is told how fresh its data is (console.views.freshness has
the rules; the widgets only draw the marking): the tiles, the chart, the map and the queue. It reads the
window's public parts only (clock, source, state, board_model, board, chart, chart_key, queue, map,
english) and keeps its own memory of what each tile last said."""

from __future__ import annotations

from console.feed.live_source import LiveOptions
from console.views.freshness import Fresh, feed_freshness, feeds_down, readings_freshness, worst

FEED_STALE_AFTER_S = LiveOptions().stale_after_s  # the incident stream: the feeds' heartbeat bound


class FreshnessView:
    def __init__(self, win):
        self.win = win  # a MainWindow
        self._tile_shown: dict = {}  # what each tile last said (level, words): redraw only what moved

    def show(self) -> dict[str, object]:
        """Judge and mark every view; returns what each shows, for tests and the log."""
        win = self.win
        now, pinned = win.clock.now(), win.clock.pinned
        health = win.source.health() if win.source is not None else []
        down = feeds_down(health, pinned)
        english = win.english
        model = win.board_model
        model.feeds_down = down
        every = model.freshness_all(now)  # all tiles' series picked at once (a few hundred at street level)
        tiles: dict[tuple[str, str], Fresh] = {}
        redraw = []
        for key in win.board.spec_by_key:
            f = every.get(key)
            if f is None:
                continue
            tiles[key] = f
            shown = (f.level, f.text(english))
            if self._tile_shown.get(key) != shown:  # a change of level, or the age in words moved on
                self._tile_shown[key] = shown
                redraw.append(key)
        if redraw:
            win.board.mark_changed(redraw)
        chart = model.freshness(win.chart_key, now) if win.chart_key is not None else None
        if chart is not None:
            win.chart.show_freshness(chart.marked, chart.text(english))
        queue = feed_freshness(health, pinned, FEED_STALE_AFTER_S)
        win.queue.show_freshness(queue.marked, queue.text(english))
        map_fresh = worst(readings_freshness(win.state, now, down), queue)
        win.map.set_freshness(map_fresh.marked, map_fresh.text(english))
        return {"tiles": tiles, "chart": chart, "queue": queue, "map": map_fresh}


def show_freshness(win) -> dict[str, object]:
    """Judge and mark every view of `win` (a MainWindow) now, through the window's own FreshnessView."""
    return win.freshness_view.show()
