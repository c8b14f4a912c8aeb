"""ReplaySource: a recording played back through the same Source interface as the live feeds.

Play, pause, speed (0.25x ... 64x, or as fast as possible), seek and step. A seek takes the latest
keyframe at or before the target, replays the frames from the start of that keyframe's minute
(merging the keyframe in at its exact place in the stream) up to the target: the latest values and
the open incidents are then exactly the live console's. The charts' hour before that comes from the
recording's per-minute series blocks, which meet the replayed frames at the minute boundary; the
window reads them off the GUI thread after the state shows (`older_history`). A time-shift's drag
(`with_history=False`) stands at the keyframe and replays only the frames after it; the keyframe's
minute before it then comes with the older history; a step forward whose keyframe is behind where the
drag stands goes on from there instead. Frames are handed to the listeners that can hold them (the
model's Ingest) a run at a time. Commands are never sent from a replay.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time

import numpy as np

from console.feed.decoder import Decoder
from console.feed.feed_health import FeedHealth, FeedState
from console.feed.frames import Catalog, Samples
from console.feed.source import Envelope, Source
from console.model import keyframe
from console.recording.store import Recording

log = logging.getLogger(__name__)
MAX_SPEED = float("inf")  # as fast as possible


class ReplaySource(Source):
    def __init__(self, recording: Recording, history_s: float = 0.0, tick_s: float = 0.05,
                 chart_history_s: float = 3600.0):
        super().__init__()
        self.rec = recording
        # replayed frame by frame before the target, at least (from the keyframe's minute on); the
        # per-minute blocks give the charts the exact hour before that, so none is needed for them
        self.history_s = history_s
        self.chart_history_s = chart_history_s  # before that, loaded from the per-minute series blocks
        self.tick_s = tick_s
        span = recording.span()
        self.start_ts, self.end_ts = span if span else (0.0, 0.0)
        self.position = self.start_ts  # the instant the console shows
        self.speed = 1.0
        self.playing = False
        self._last_id = 0  # the last frame applied
        self._last_ts = self.start_ts
        self._decoders: dict[str, Decoder] = {}
        self._health: dict[str, FeedHealth] = {
            name: FeedHealth(name, f"replay:{recording.path.name}", state=FeedState.REPLAY)
            for name in recording.feeds.values()}
        self._reset_listeners: list = []
        self._task: asyncio.Task | None = None
        self._history_window: tuple[float, float] | None = None
        self._partial: tuple[int, int] | None = None  # frames (after id, through id) older_history adds
        self._keyframes: dict[float, keyframe.KeyframeBody] = {}  # the last few read, by their time
        self._catalog: tuple[dict, Catalog] | None = None  # the last keyframe catalog read: as stored, decoded
        self._stands = False  # the sinks hold exactly the instant `position` (a seek of this replay put them there)

    def add_state_sink(self, sink) -> None:
        """What a seek rebuilds (CityState is one): `sink.reset_to(keyframe body or None, history)`,
        then the frames are replayed, with `sink.restore(body)` at the keyframe's place among them.
        The body is read already (a console.model.keyframe.KeyframeBody, shared by the seeks that
        stand at the same keyframe: never changed by a sink)."""
        self._reset_listeners.append(sink)

    def health(self) -> list[FeedHealth]:
        return list(self._health.values())

    # ---------------------------------------------------------------- controls
    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="replay")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for h in self._health.values():
            h.state = FeedState.STOPPED

    def play(self) -> None:
        self.playing = True

    def pause(self) -> None:
        self.playing = False

    def set_speed(self, speed: float) -> None:
        if not (speed > 0):
            raise ValueError("speed must be positive")
        self.speed = speed

    def seek(self, ts: float, with_history: bool = True) -> int:
        """Stand at `ts`: restore a keyframe, replay up to it. Returns the frames replayed.
        `with_history=False` leaves the older chart history to `older_history()` (read it off the
        GUI thread, then hand it to the sink's `prepend_history`): the exact state shows at once."""
        ts = min(max(ts, self.start_ts), self.end_ts)
        kf = self.rec.keyframe_before(ts - self.history_s, body=False)
        body = self._read_keyframe(kf) if kf else None
        # the history blocks cover whole minutes of receive time; the frames are replayed from the
        # start of the keyframe's minute, so the two meet exactly
        minute_start = int(kf.recv_ts // 60) * 60 if kf else 0.0
        self._history_window = (ts - self.chart_history_s, minute_start - 1) if kf is not None else None
        self._partial = None
        if kf is not None and not with_history and self.history_s <= 0:
            if self._stands and self._last_ts <= ts and kf.last_frame <= self._last_id:
                # forward, and the keyframe is behind where the sinks stand: on from there, fewer frames
                self._partial = (self.rec.frame_before(minute_start), kf.last_frame)
                self.position = ts
                return self._advance_to(ts)
            return self._seek_from_keyframe(ts, kf, body, minute_start)
        history = self.older_history() if with_history else []
        for sink in self._reset_listeners:
            sink.reset_to(body, history)
        self._decoders.clear()
        self._last_id = self.rec.frame_before(minute_start) if kf else 0
        self.position = ts
        n = 0
        if kf is not None:
            n += self._advance_to(ts, until_id=kf.last_frame)
            for sink in self._reset_listeners:
                sink.restore(body)  # exactly where the keyframe was taken in the stream
        self._stands = True
        return n + self._advance_to(ts)

    def _read_keyframe(self, kf) -> keyframe.KeyframeBody:
        """The keyframe's body, read and decoded once: a drag stands at the same few keyframes again and
        again (a 1,643-series keyframe is a few milliseconds to load and as many to decode)."""
        body = self._keyframes.get(kf.recv_ts)
        if body is None:
            raw = self.rec.keyframe_before(kf.recv_ts).body
            seen = self._catalog
            if type(raw) is dict and seen is not None and raw.get("catalog") == seen[0]:
                # the session's catalog, as every keyframe of it repeats it: decoded once (its few
                # hundred objects made again per keyframe would also feed the collector's full passes)
                body = dataclasses.replace(keyframe.decode(dict(raw, catalog={})), catalog=seen[1])
            else:
                body = keyframe.decode(raw)
                if type(raw) is dict:
                    self._catalog = (raw.get("catalog"), body.catalog)
            if len(self._keyframes) >= 8:
                self._keyframes.pop(next(iter(self._keyframes)))
            self._keyframes[kf.recv_ts] = body
        return body

    def _seek_from_keyframe(self, ts: float, kf, body: keyframe.KeyframeBody, minute_start: float) -> int:
        """`seek` when the older history comes later anyway (a time-shift's drag): stand at the keyframe
        and replay only the frames after it, so a step replays at most the keyframe interval (seconds),
        not the minute the history blocks are cut in. The frames of the keyframe's minute before it
        are readings only for the charts: `older_history` adds them, off the GUI thread."""
        for sink in self._reset_listeners:
            sink.reset_to(body, [])
            sink.restore(body)
        self._partial = (self.rec.frame_before(minute_start), kf.last_frame)
        self._decoders.clear()
        self._last_id = kf.last_frame
        self.position = ts
        self._stands = True
        return self._advance_to(ts)

    def refresh_span(self) -> None:
        """The recording is still being written (time-shift of a live session): take in its new end."""
        self.rec.refresh_feeds()
        span = self.rec.span()
        if span:
            self.start_ts, self.end_ts = span

    def older_history(self) -> list:
        """The readings before what the last seek replayed frame by frame: (indicator, region, ts,
        values) per series, from the recording's per-minute blocks. Safe to call from a thread."""
        if self._history_window is None or self.chart_history_s <= 0:
            return []
        rec = Recording(self.rec.path)  # its own connection: SQLite connections are not shared across threads
        try:
            blocks = list(rec.history(*self._history_window))
            if self._partial is None:
                return blocks
            return _joined(blocks, _readings(rec.frames(self._partial[0], until_id=self._partial[1])))
        finally:
            rec.close()

    def step(self, seconds: float) -> int:
        """Move by `seconds` (forward plays frames; backward seeks)."""
        if seconds < 0:
            return self.seek(self.position + seconds)
        self.position = min(self.end_ts, self.position + seconds)
        return self._advance_to(self.position)

    # ---------------------------------------------------------------- playing
    def _advance_to(self, ts: float, limit: int | None = None, until_id: int | None = None) -> int:
        with contextlib.ExitStack() as held:
            for fn in self._listeners:  # listeners that can (the model's Ingest) take a run of samples at once
                if hasattr(fn, "held"):
                    held.enter_context(fn.held())
            return self._emit_frames(ts, limit, until_id)

    def _emit_frames(self, ts: float, limit: int | None, until_id: int | None) -> int:
        n = 0
        for fid, recv_ts, feed, raw in self.rec.frames(self._last_id, until_ts=ts, limit=limit, until_id=until_id):
            dec = self._decoders.get(feed)
            if dec is None:
                dec = self._decoders[feed] = Decoder()
            health = self._health.setdefault(feed, FeedHealth(feed, "replay", state=FeedState.REPLAY))
            health.frames += 1
            health.bytes += len(raw)
            health.last_frame_mono = time.monotonic()
            d = dec.decode(raw)
            if d.rejects:
                health.count_rejects(d.rejects)
            if isinstance(d.frame, Samples):
                health.samples += len(d.frame.batch)
            self._emit(Envelope(feed, recv_ts, raw, d, health))
            self._last_id, self._last_ts = fid, recv_ts
            n += 1
        return n

    async def _run(self) -> None:
        last = time.monotonic()
        while True:
            await asyncio.sleep(self.tick_s)
            now = time.monotonic()
            dt, last = now - last, now
            for h in self._health.values():
                h.update_rates(now)
            self.advance(dt)

    def advance(self, dt: float) -> int:
        """Play `dt` seconds of the operator's time at the chosen speed (nothing when paused); stops
        at the end. Returns the frames applied."""
        if not self.playing:
            return 0
        if self.speed == MAX_SPEED:
            n = self._advance_to(self.end_ts, limit=2000)  # a slice a tick: the GUI stays alive
            self.position = self._last_ts if n else self.end_ts
        else:
            self.position = min(self.end_ts, self.position + dt * self.speed)
            n = self._advance_to(self.position)
        if self.position >= self.end_ts:
            self.playing = False
        return n


def _readings(frames) -> dict[tuple[str, str], tuple[list, list]]:
    """The readings of these recorded frames, per series in arrival order (bad frames skipped: the
    replay of them counted their rejects already)."""
    out: dict[tuple[str, str], tuple[list, list]] = {}
    dec = Decoder()
    for _fid, _ts, _feed, raw in frames:
        f = dec.decode(raw).frame
        if not isinstance(f, Samples):
            continue
        b = f.batch
        for ind, reg, t, v in zip(b.indicators, b.regions, b.ts.tolist(), b.values.tolist(), strict=True):
            acc = out.get((ind, reg))
            if acc is None:
                acc = out[(ind, reg)] = ([], [])
            acc[0].append(t)
            acc[1].append(v)
    return out


def _joined(blocks: list, later: dict[tuple[str, str], tuple[list, list]]) -> list:
    """Each series' block readings followed by its later ones: one item per series, arrival order."""
    out = []
    for ind, reg, ts, vals in blocks:
        more = later.pop((ind, reg), None)
        if more is not None:
            ts, vals = np.concatenate((ts, more[0])), np.concatenate((vals, more[1]))
        out.append((ind, reg, ts, vals))
    out.extend((ind, reg, np.array(t, dtype=np.float64), np.array(v, dtype=np.float64))
               for (ind, reg), (t, v) in later.items())
    return out
