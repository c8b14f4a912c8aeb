"""DrawPause: while a drilled view is drawn, the feed is held and the window's periodic work waits; both
go on once every part has drawn the view, or when the cap runs out if a part never says so."""

import time

from console.ui.draw_pause import DrawPause
from tests.ui.noting_feed import NotingFeed as Feed


def test_work_put_off_runs_once_after_every_part_has_drawn(qtbot):
    feed, ran = Feed(), []
    pause = DrawPause(feed, 5.0)
    assert not pause.defer("second", lambda: ran.append("second"))  # no view being drawn: run it now
    pause.begin({"board", "map"})
    assert feed.calls == [("hold", 5.0)]
    for _ in range(3):  # due three times while drawing: runs once
        assert pause.defer("second", lambda: ran.append("second"))
    assert pause.defer("rules", lambda: ran.append("rules"))
    pause.drawn("board")
    qtbot.wait(100)
    assert ran == [] and feed.calls == [("hold", 5.0)]  # the map has not drawn it yet
    pause.drawn("map")
    assert [c[0] for c in feed.calls] == ["hold", "release"]
    qtbot.waitUntil(lambda: len(ran) == 2, timeout=2_000)
    qtbot.wait(50)
    assert sorted(ran) == ["rules", "second"]
    assert not pause.active and not pause.defer("second", lambda: None)


def test_a_part_that_never_answers_holds_nothing_past_the_cap(qtbot):
    feed, ran = Feed(), []
    pause = DrawPause(feed, 0.3)
    t0 = time.monotonic()
    pause.begin({"board", "map"})
    pause.defer("rules", lambda: ran.append(time.monotonic() - t0))
    pause.drawn("board")  # the map never answers
    qtbot.waitUntil(lambda: bool(ran), timeout=3_000)
    assert ran[0] >= 0.3 and [c[0] for c in feed.calls] == ["hold", "release"]


def test_a_part_not_waited_for_is_ignored(qtbot):
    feed = Feed()
    pause = DrawPause(feed, 5.0)
    pause.drawn("board")  # a board's slices finishing outside a drill
    assert feed.calls == [] and not pause.active
    pause.begin({"map"})
    pause.drawn("board")
    assert pause.active and feed.calls == [("hold", 5.0)]


def test_an_answer_about_an_earlier_view_does_not_end_the_next(qtbot):
    """The map answers each setView in turn: a drill made while the last was drawing must not take the
    last one's answer for its own."""
    feed = Feed()
    pause = DrawPause(feed, 5.0)
    first = pause.begin({"map"})
    second = pause.begin({"map"})
    pause.drawn("map", first)
    assert pause.active
    pause.drawn("map", second)
    assert not pause.active
