"""settle_heap: garbage made before is collected first (a reference cycle's finaliser runs), what is left is
frozen (a later full collection does not walk it), and what is made after is still collected."""

import gc
import weakref

from console.site.heap import settle_heap


class Node:
    def __init__(self):
        self.me = self  # a reference cycle: only the cyclic collector frees it


def test_garbage_first_then_frozen_then_later_garbage_still_collected():
    gc.disable()  # no automatic pass may collect the cycles before the calls under test
    try:
        before = Node()
        gone_before = weakref.finalize(before, lambda: None)
        del before
        kept = [Node() for _ in range(1000)]
        frozen = settle_heap()
        assert not gone_before.alive  # collected before the freeze, not frozen with it
        assert frozen >= 1000 and gc.get_freeze_count() == frozen
        after = Node()
        gone_after = weakref.finalize(after, lambda: None)
        del after
        gc.collect()
        assert not gone_after.alive  # made after the freeze: collected as ever
        assert kept[0].me is kept[0]
    finally:
        gc.unfreeze()
        gc.enable()


def test_memory_freed_under_a_live_allocation_goes_back_to_the_system():
    """What a teardown frees below something still alive stays in the process (glibc returns only the
    heap's top by itself); give_back_freed returns it."""
    import sys

    from console.site.heap import give_back_freed, resident_anon_mb

    if not sys.platform.startswith("linux") or give_back_freed() is None:
        import pytest

        pytest.skip("glibc's malloc_trim only")
    blocks = [bytes(1024) + bytes([i % 256]) for i in range(150_000)]  # ~150 MB of malloc'd 1 KB blocks
    pin = [bytes(1024) + b"pin" for _ in range(100)]  # allocated after them: the heap's top stays in use
    del blocks
    held = resident_anon_mb()
    give_back_freed()
    given = held - resident_anon_mb()
    assert given > 100, f"only {given:.0f} MB of ~150 MB freed went back"
    assert pin[0].endswith(b"pin")
