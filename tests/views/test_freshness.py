"""Freshness rules (Qt-free): live, stale after 3 cadences, down with the feed; the worst of several.
The real window with a killed feed is tests/ui/test_freshness_gui.py."""

import math
import time

from console.feed.feed_health import FeedHealth, FeedState
from console.views.freshness import DOWN, LIVE, STALE, feed_freshness, feeds_down, judge, stale_bound, worst


def test_the_rules():
    b = stale_bound(60.0)
    assert b == 180.0
    assert judge(1000.0, b, 1000.0 + b, False).level == LIVE  # exactly at the bound: still live
    f = judge(1000.0, b, 1000.0 + b + 1, False)
    assert f.level == STALE and f.marked and f.text() == "停滞 · 3 分钟前" and f.text(True) == "stale · 3 min ago"
    assert judge(1000.0, b, 1010.0, True).level == DOWN and "断开" in judge(1000.0, b, 1010.0, True).text()
    assert judge(None, b, 5.0, False).text() == "停滞 · 无数据"
    assert judge(-math.inf, b, 5.0, False).level == STALE
    assert judge(1000.0, b, 1001.0, False).text() == ""
    up, gone = FeedHealth("a", "ws://a", state=FeedState.CONNECTED), FeedHealth("b", "ws://b",
                                                                                 state=FeedState.RECONNECTING)
    assert not feeds_down([up], False) and feeds_down([up, gone], False)
    assert not feeds_down([up, gone], True)  # a shifted or replayed picture is judged by its instant
    assert feed_freshness([up, gone], True, 7.0).level == LIVE
    up.last_frame_mono = time.monotonic() - 2
    assert feed_freshness([up], False, 7.0).level == LIVE
    up.last_frame_mono = time.monotonic() - 20
    assert feed_freshness([up], False, 7.0).level == STALE
    assert worst(judge(1.0, 10, 2.0, False), judge(1.0, 10, 50.0, False)).level == STALE
