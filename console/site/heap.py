"""The console's heap settled once its city is in: a full collection, then everything left is frozen out of
the cyclic garbage collector's view (gc.freeze).

Why: a full collection walks every tracked object, and a street-level console holds ~150,000 of them,
nearly all made once at start (the catalog's series and regions, the widgets). One full pass measured
180-196 ms of the GUI thread (`python tests/bench/bench_gc_pause.py`), a stall the operator sees
whenever the collector's oldest generation comes due (a time-shift drag met it every ~50 steps). Frozen,
the same pass costs under a millisecond: it walks only what was made since. Objects freed by their
reference count are freed as ever; only a reference cycle among frozen objects would stay (the start-up
objects live as long as the console)."""

from __future__ import annotations

import gc
import logging
import time

log = logging.getLogger(__name__)


def settle_heap() -> int:
    """Collect, then freeze what is left; returns how many objects are frozen now."""
    t = time.perf_counter()
    gc.collect()
    gc.freeze()
    frozen = gc.get_freeze_count()
    log.info("heap settled: %d objects frozen out of the collector's walks (%.0f ms)", frozen,
             (time.perf_counter() - t) * 1000, extra={"event": "heap_settled", "frozen": frozen})
    return frozen
