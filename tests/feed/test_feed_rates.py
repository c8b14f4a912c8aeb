"""What the status strip says of a feed's pace: a rate over the last ten seconds, not the last one, and
a slow live feed in readings a minute, never "0/s" (which an officer reads as a dead feed)."""

from console.feed.feed_health import FeedHealth
from console.views.labels import format_rate


def test_a_feed_sending_every_other_second_reads_its_mean_rate_at_every_update():
    h = FeedHealth("city", "ws://x")
    h._rate_marks[0] = (0.0, 0, 0)
    seen = []
    for t in range(1, 31):  # one update a second; 2 readings in a frame every other second
        if t % 2 == 0:
            h.frames, h.samples = h.frames + 1, h.samples + 2
        h.update_rates(float(t))
        seen.append(h.sample_rate)
    # past the first window every look reads 1.0 a second (5 frames of 2 in any 10 s), where a one-second
    # window read 0, 2, 0, 2 in turn
    assert seen[10:] == [1.0] * 20


def test_the_window_forgets_a_burst_once_it_is_ten_seconds_old():
    h = FeedHealth("city", "ws://x")
    h._rate_marks[0] = (0.0, 0, 0)
    h.samples = 1000
    h.update_rates(1.0)
    assert h.sample_rate == 1000.0
    for t in range(2, 13):
        h.update_rates(float(t))
    assert h.sample_rate == 0.0


def test_rates_read_as_an_officer_would_say_them():
    assert format_rate(23_456.4) == "23,456/s"
    assert format_rate(3.44) == "3.4/s"
    assert format_rate(0.2) == "12/分"
    assert format_rate(0.2, english=True) == "12/min"
    assert format_rate(0.005) == "<1/分"
    assert format_rate(0.0) == "0/s"
