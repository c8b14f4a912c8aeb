"""Site layers read away from the caller: the first read of a big file (a 20 MB GeoPackage: 15-37 s of
reading, repairing, simplifying and writing the cache, console/gis/layer_cache.py) runs in a child process,
so the console's GUI thread never waits for it, not even for the interpreter lock the Python parts of the
work hold.

`layer_later(spec, cache_dir)` is a Future of the LoadedLayer (done at once when the cache has it, see
layer_cache.cached_layer). Reads run one after
the other (one child at a time: the machine's cores are the GUI's and Qt WebEngine's too); two views
asking for the same file (a workstation's map and its wall twin) share one read. A child that dies
(a crash in GDAL, killed) gives a LoadedLayer whose Problem names the file; a broken feature is still named
by the read itself, and the rest of its layer loads.

The children are daemonic, spawned (never forked from a process that runs Qt's threads): at exit,
multiprocessing ends a read still under way, and the worker thread that waits on it is a daemon, so a
console quits at once whatever is being read. A frozen bundle calls multiprocessing.freeze_support()
first (packaging/cityops_entry.py)."""

from __future__ import annotations

import logging
import multiprocessing
import queue
import threading
from concurrent.futures import Future
from pathlib import Path

from console.gis.layer_cache import cache_key, cached_layer, load_layer
from console.gis.layer_load import LoadedLayer, Problem
from console.gis.layer_spec import LayerSpec

log = logging.getLogger(__name__)

_lock = threading.Lock()
_futures: dict[tuple[str, str], Future] = {}  # (cache dir, cache key) -> its read, while and after it runs
_jobs: queue.Queue = queue.Queue()
_thread: threading.Thread | None = None


def layer_later(spec: LayerSpec, cache_dir: Path) -> Future:
    """A Future of the layer, read in a child process unless the cache has it (then already done)."""
    done = cached_layer(spec, cache_dir)
    if done is not None:
        f: Future = Future()
        f.set_result(done)
        return f
    ident = (str(cache_dir), cache_key(spec) or str(spec.file))
    global _thread
    with _lock:
        f = _futures.get(ident)
        if f is not None and not (f.done() and not f.result().count):
            return f  # under way, or read: a second view waits for the same read (a failed one is tried again)
        f = Future()
        _futures[ident] = f
        _jobs.put((spec, cache_dir, f))
        if _thread is None:
            _thread = threading.Thread(target=_work, name="cityops-gis-reader", daemon=True)
            _thread.start()
    return f


def _child(spec: LayerSpec, cache_dir: Path, conn) -> None:
    """In the child: read the layer (filling the cache) and send it back."""
    conn.send(load_layer(spec, cache_dir))
    conn.close()


def _read(spec: LayerSpec, cache_dir: Path) -> LoadedLayer:
    ctx = multiprocessing.get_context("spawn")
    mine, theirs = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(spec, cache_dir, theirs), name="cityops-gis-read", daemon=True)
    proc.start()
    theirs.close()
    try:
        layer = mine.recv()  # blocks this thread only (the lock is released while it waits)
    except EOFError:  # the child died before sending: GDAL crashed, or it was killed
        proc.join()
        return LoadedLayer(spec, "", problems=[Problem(str(spec.file), None,
                                                       f"the reader stopped (exit code {proc.exitcode})")])
    finally:
        mine.close()
    proc.join()
    return layer


def _work() -> None:
    while True:
        spec, cache_dir, f = _jobs.get()
        if not f.set_running_or_notify_cancel():
            continue
        try:
            f.set_result(_read(spec, cache_dir))
        except Exception as exc:  # the child could not start (no resources): say so, keep serving others
            log.exception("map layer %s: the reader could not run", spec.name)
            f.set_result(LoadedLayer(spec, "", problems=[Problem(str(spec.file), None,
                                                                 f"the reader could not run: {exc}")]))
