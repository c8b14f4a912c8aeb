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


def _glibc_malloc_trim():
    """glibc's malloc_trim, or None where the C library is another (musl, macOS, Windows)."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim


def give_back_freed() -> float | None:
    """Hand the heap's free pages back to the system (glibc's malloc_trim(0)); the milliseconds it took,
    or None where there is no such call.

    Why: freeing memory does not return it. glibc keeps what a large teardown freed (a wall's whole map
    view, its page and profile, every 30 minutes) in its heap for reuse, with live allocations in between
    pinning it, so the process's resident memory stays at its peak: a wall measured +11 MB after each of
    its first two page renewals, a step the 2-hour soak reads as growth. malloc_trim(0) releases every
    free page of the heap, not only its top."""
    trim = _glibc_malloc_trim()
    if trim is None:
        return None
    t = time.perf_counter()
    trim(0)
    return (time.perf_counter() - t) * 1000


def status_kb(field: str) -> int | None:
    """A kB figure of this process from Linux's /proc/self/status (`VmRSS`, `RssAnon`, ...), or None."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def resident_anon_mb() -> float | None:
    """The process's private resident memory (Linux's RssAnon), or None where there is no /proc."""
    kb = status_kb("RssAnon")
    return None if kb is None else kb / 1024


def collect_and_give_back() -> dict | None:
    """After a large teardown (a wall's replaced map view): a full collection, since a Qt view's Python side
    is held in reference cycles (its page's signals call its methods) that only the collector frees (on
    the settled heap it walks only what was made since start-up), then `give_back_freed`. What it did, for
    the log: MB of private memory returned and the milliseconds of each step; None without glibc."""
    before = resident_anon_mb()
    t = time.perf_counter()
    gc.collect()
    collect_ms = (time.perf_counter() - t) * 1000
    trim_ms = give_back_freed()
    after = resident_anon_mb()
    if trim_ms is None or before is None or after is None:
        return None
    return {"mb": round(before - after, 1), "collect_ms": round(collect_ms, 1), "trim_ms": round(trim_ms, 1)}
