"""A killed feed: every view (tiles, chart, map, queue, wall) says so, and says live again after the
reconnect."""

import asyncio

import pytest

from console.feed.live_source import FeedConfig
from console.simulator.run import CityOptions, make_server
from console.simulator.server import ServerOptions
from console.views.freshness import DOWN, LIVE, feeds_down
from tests.aio import pump_qt, until
from tests.live import FAST


@pytest.mark.slow  # the real window, its WebEngine map (a Chromium process) and a simulator in real time
def test_killed_feed_every_view_says_so_and_live_again_after_reconnect(qapp, tmp_path, free_port):
    from console.ui.freshness_view import show_freshness
    from console.ui.session import ConsoleOptions, build_console
    from console.ui.wall_window import WallOptions

    async def main():
        pumping = asyncio.create_task(pump_qt(qapp))
        port = free_port
        city = CityOptions(seed=4, history_s=900)
        server = make_server(city, ServerOptions(speed=1))
        await server.start(port=port)
        session = build_console(ConsoleOptions(feeds=[FeedConfig(f"ws://127.0.0.1:{port}", "city")],
                                               live_options=FAST, journal_dir=tmp_path,
                                               settings_path=tmp_path / "l.ini"))
        state, clock, source, win, map_view = session.state, session.clock, session.source, session.window, session.map
        session.show()
        await session.start()
        wall = None
        try:
            await until(lambda: map_view.is_ready and len(win.board.spec_by_key) > 20, timeout=60,
                        what="the map and the board")

            def all_live() -> bool:
                win.bridge.flush()
                f = show_freshness(win)
                return all(f[v].level == LIVE for v in ("queue", "map", "chart")) and all(
                    t.level == LIVE for t in f["tiles"].values())

            # every view live first (on a loaded machine the first readings of some series can lag the
            # map and board being ready): the precondition of what follows, not what is under test
            await until(all_live, timeout=30, what="every view live")
            f = show_freshness(win)
            assert f["queue"].level == LIVE and f["map"].level == LIVE and f["chart"].level == LIVE
            assert all(t.level == LIVE for t in f["tiles"].values()), [k for k, t in f["tiles"].items() if t.marked]
            assert not win.queue.freshness.isVisible() and win.chart.fresh_label.text() == ""
            wall = win.open_wall(WallOptions(screen=0, windowed=True, size=(1280, 720)))

            killed = clock.now()
            await server.stop()
            await until(lambda: feeds_down(source.health(), False), what="the feed seen down")
            f = show_freshness(win)
            now = clock.now()
            for key, t in f["tiles"].items():
                last = state.rings.last_ts[win.board_model._shown_series(win.board_model._candidates[key])]
                assert t.level == DOWN and abs(t.age_s - (now - last)) < 0.5, key  # (the clock runs on)
                assert t.age_s <= t.bound_s + (now - killed) + 1.0, key  # it was live until the feed went
            tile = win.board_model.data(next(iter(f["tiles"])), now)
            assert tile.stale and "断开" in tile.fresh_text
            assert f["chart"].level == DOWN and "断开" in win.chart.fresh_label.text() and win.chart.marked
            assert f["queue"].level == DOWN and win.queue.freshness.isVisible()
            assert "断开" in win.queue.freshness.text()
            assert f["map"].level == DOWN and map_view._fresh_sent == (True, f["map"].text())
            box = []
            map_view.page().runJavaScript(
                "document.querySelector('.cityops-freshness').textContent + '|' + "
                "document.querySelector('.leaflet-container').classList.contains('cityops-stale')", 0, box.append)
            await until(lambda: bool(box), what="the map's own answer")
            assert box[0] == f"{f['map'].text()}|true"
            wall.refresh_all()
            assert wall.banner_data.isVisible() and "数据中断" in wall.banner_data.label.full_text()

            server = make_server(city, ServerOptions(speed=1))
            await server.start(port=port)
            await until(lambda: not feeds_down(source.health(), False), timeout=20, what="reconnected")
            await until(lambda: all(t.level == LIVE for t in show_freshness(win)["tiles"].values()),
                        what="tiles live again")
            f = show_freshness(win)
            assert f["queue"].level == LIVE and f["map"].level == LIVE and f["chart"].level == LIVE
            assert not win.queue.freshness.isVisible() and not win.chart.marked
            assert map_view._fresh_sent == (False, "")
            wall.refresh_all()
            assert not wall.banner_data.isVisible()
        finally:
            await session.stop()
            await server.stop()
            if wall is not None:
                wall.close()
            session.close()
            pumping.cancel()

    asyncio.run(main())
