"""The clock remembers what the live clock read at every earlier instant: a time-shifted picture stands
at the feed's time of the frames it shows, though a sped-up feed's offset has grown since."""

from console.model import clock as clock_mod
from console.model.clock import Clock


def test_offset_at_an_earlier_instant(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(clock_mod.time, "time", lambda: now[0])
    c = Clock()
    assert c.offset_at(999.0) == 0.0  # nothing followed yet: the offset there is
    for t, off in ((1000.0, 5.0), (1001.0, 14.0), (1002.0, 14.01), (1003.0, 32.0)):  # a 10x feed (and jitter)
        now[0] = t
        c.follow_feed(off)
    assert c.offset == 32.0
    assert c.offset_at(990.0) == 5.0  # before the first: the first
    assert c.offset_at(1000.5) == 5.0 and c.offset_at(1001.0) == 14.0
    assert c.offset_at(1002.5) == 14.0  # a jitter under OFFSET_STEP_S is not a change
    assert c.offset_at(1010.0) == 32.0
    c.set_fixed(1001.5 + c.offset_at(1001.5))
    assert c.now() == 1015.5 and c.pinned


def test_the_changes_kept_are_bounded_oldest_first(monkeypatch):
    now = [0.0]
    monkeypatch.setattr(clock_mod.time, "time", lambda: now[0])
    monkeypatch.setattr(clock_mod, "OFFSET_CHANGES_KEPT", 10)
    c = Clock()
    for t in range(25):  # a change every second
        now[0] = float(t)
        c.follow_feed(t * 9.0)
    assert len(c._offsets) <= 10 and c.offset_at(24.0) == 216.0
    assert c.offset_at(0.0) == c._offsets[0] > 0.0  # before the oldest kept: the oldest kept
