"""`cityops run --headless`: connect, ingest, and write the counters as JSON (for automation and CI)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from pathlib import Path

from console.feed.live_source import FeedConfig, LiveOptions, LiveSource
from console.model.areas import CITY_CODE
from console.model.city_state import CityState, StateConfig
from console.model.ingest import Ingest
from console.recording.store import Recorder
from console.site.process import stop_on_signals, write_json_atomic

log = logging.getLogger(__name__)


def collect_stats(source: LiveSource, state: CityState, started: float, scope: str = CITY_CODE) -> dict:
    feeds = [h.to_dict() for h in source.health()]
    rejects: dict[str, int] = {}
    for f in feeds:
        for k, v in f["rejects"].items():
            rejects[k] = rejects.get(k, 0) + v
    total = {k: sum(f[k] for f in feeds) for k in
             ("frames", "samples", "events", "bytes", "gaps", "missed_frames", "resyncs", "reconnects",
              "connects", "failovers", "unknown_types", "unknown_fields", "old_samples")}
    return {
        "scope": scope,  # the console's area (its feeds subscribe to it only)
        "elapsed_s": round(time.monotonic() - started, 3),
        **total,
        "rejects": rejects,
        "reject_total": sum(rejects.values()),
        "feeds": feeds,
        "state": state.summary(),
    }


def state_digest(state: CityState) -> dict:
    """What a console ends up believing, in a form to compare with the authority's: every open incident's
    version and every series' latest (ts, value)."""
    return {"open_incidents": {eid: ev.version for eid, ev in sorted(state.incidents.open.items())},
            "latest": {f"{i}|{r}": [ts, v] for (i, r), (ts, v) in sorted(state.latest_values().items())}}


async def _keyframes(recorder: Recorder, state: CityState, every_s: float) -> None:
    while True:
        await asyncio.sleep(every_s)
        recorder.keyframe(time.time(), state.keyframe_body())


async def run_headless(feeds: list[FeedConfig], duration: float | None, stats_path: Path | None,
                       state_config: StateConfig | None = None, options: LiveOptions | None = None,
                       stats_every_s: float = 5.0, record: Path | None = None, keyframe_s: float = 60.0,
                       state_path: Path | None = None, scope: str = CITY_CODE) -> dict:
    state = CityState(state_config)
    source = LiveSource(feeds, options)
    recorder = Recorder(record) if record else None
    if recorder is not None:
        source.add_listener(recorder)  # every frame as received, rejected ones included
    source.add_listener(Ingest(state))
    keyframes = asyncio.create_task(_keyframes(recorder, state, keyframe_s)) if recorder else None
    started = time.monotonic()
    stop = stop_on_signals()
    await source.start()
    try:
        deadline = None if duration is None else started + duration
        while not stop.is_set():
            left = stats_every_s if deadline is None else min(stats_every_s, deadline - time.monotonic())
            if left <= 0:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), left)
            if stats_path:  # written as we go, so a killed run still leaves its counters
                write_json_atomic(stats_path, collect_stats(source, state, started, scope))
    finally:
        await source.stop()
        if keyframes is not None:
            keyframes.cancel()
        if recorder is not None:
            recorder.close()
    stats = collect_stats(source, state, started, scope)
    if recorder is not None:
        stats["recording"] = {"path": str(record), "frames": recorder.frames_written,
                              "bytes": recorder.bytes_written, "dropped": recorder.dropped}
    if stats_path:
        write_json_atomic(stats_path, stats)
    if state_path:
        write_json_atomic(state_path, state_digest(state))
    log.info("headless run done: %d frames, %d samples, %d events, %d rejects", stats["frames"],
             stats["samples"], stats["events"], stats["reject_total"])
    return stats
