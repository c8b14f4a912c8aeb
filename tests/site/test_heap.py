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
