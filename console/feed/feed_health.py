"""Health of one feed connection as the duty officer sees it: state, rates, ages and counters."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from enum import StrEnum


class FeedState(StrEnum):
    CONNECTING = "connecting"
    CONNECTED = "connected"
    STALE = "stale"  # connected, but nothing heard for longer than a heartbeat allows
    RECONNECTING = "reconnecting"
    AUTH_FAILED = "auth_failed"
    STOPPED = "stopped"
    REPLAY = "replay"  # frames come from a recording, not a connection


FEED_STATE_LABELS_ZH = {
    FeedState.CONNECTING: "连接中",
    FeedState.CONNECTED: "已连接",
    FeedState.STALE: "数据停滞",
    FeedState.RECONNECTING: "重连中",
    FeedState.AUTH_FAILED: "认证失败",
    FeedState.STOPPED: "已停止",
    FeedState.REPLAY: "回放",
}


RATE_WINDOW_S = 10.0


@dataclass
class FeedHealth:
    name: str
    url: str
    state: FeedState = FeedState.CONNECTING
    source: str = ""  # the feed id the server announced in hello
    frames: int = 0
    samples: int = 0
    events: int = 0
    bytes: int = 0
    gaps: int = 0  # seq jumps seen
    missed_frames: int = 0  # frames the jumps skipped over
    resyncs: int = 0  # fresh snapshots asked for: after a seq gap, or by re-subscribing after a reconnect
    reconnects: int = 0
    connects: int = 0
    failovers: int = 0  # reconnected to another of the feed's servers (hubs) than the one before
    unknown_types: int = 0
    unknown_fields: int = 0
    old_samples: int = 0  # not newer than what we had (after a resync): dropped, not an error
    rejects: dict[str, int] = field(default_factory=dict)
    last_error: str = ""
    clock_offset: float | None = None  # the server's time minus ours, from hello and heartbeats
    last_frame_mono: float | None = None
    # (monotonic time, frames, samples) at each rate update over the last RATE_WINDOW_S: a feed that sends
    # a series at its own cadence (a street console hears a few readings a minute) reads 0 one second
    # and 3 the next over a one-second window, and "0/s" beside a live feed reads as a dead one
    _rate_marks: deque = field(default_factory=lambda: deque([(time.monotonic(), 0, 0)]))
    frame_rate: float = 0.0  # frames/s over the last RATE_WINDOW_S
    sample_rate: float = 0.0

    def count_rejects(self, rejects: dict[str, int]) -> None:
        for reason, n in rejects.items():
            self.rejects[reason] = self.rejects.get(reason, 0) + n

    @property
    def reject_total(self) -> int:
        return sum(self.rejects.values())

    def last_frame_age(self, now_mono: float | None = None) -> float | None:
        if self.last_frame_mono is None:
            return None
        return (now_mono or time.monotonic()) - self.last_frame_mono

    def update_rates(self, now_mono: float | None = None) -> None:
        """Refresh frame_rate/sample_rate over the last RATE_WINDOW_S; call about once a second."""
        now = now_mono or time.monotonic()
        marks = self._rate_marks
        if now - marks[-1][0] < 0.5:
            return
        marks.append((now, self.frames, self.samples))
        while len(marks) > 2 and now - marks[1][0] >= RATE_WINDOW_S:
            marks.popleft()  # the oldest kept is the last one at least a window old
        t0, frames0, samples0 = marks[0]
        self.frame_rate = (self.frames - frames0) / (now - t0)
        self.sample_rate = (self.samples - samples0) / (now - t0)

    def to_dict(self) -> dict:
        age = self.last_frame_age()
        return {
            "name": self.name,
            "url": self.url,
            "state": self.state.value,
            "source": self.source,
            "frames": self.frames,
            "samples": self.samples,
            "events": self.events,
            "bytes": self.bytes,
            "gaps": self.gaps,
            "missed_frames": self.missed_frames,
            "resyncs": self.resyncs,
            "reconnects": self.reconnects,
            "connects": self.connects,
            "failovers": self.failovers,
            "unknown_types": self.unknown_types,
            "unknown_fields": self.unknown_fields,
            "old_samples": self.old_samples,
            "rejects": dict(sorted(self.rejects.items())),
            "reject_total": self.reject_total,
            "last_error": self.last_error,
            "clock_offset_s": None if self.clock_offset is None else round(self.clock_offset, 3),
            "last_frame_age_s": None if age is None else round(age, 3),
            "frame_rate": round(self.frame_rate, 1),
            "sample_rate": round(self.sample_rate, 1),
        }
