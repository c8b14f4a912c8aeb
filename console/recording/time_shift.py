"""Time-shift of the live city (like a DVR): pause the picture, go back to any earlier instant of this
session, play at any speed, and come back to live, while the feed keeps being received and recorded.

Two CityStates: `view`, the one every widget reads, and while shifted a `live` shadow that keeps
ingesting every frame. While live there is only one (the view ingests directly: no double cost on
the hot path). Pausing copies the view into the shadow and moves the one Ingest onto it in the same
GUI-thread step; coming back copies the shadow into the view and moves the Ingest back, again in
one step, so no frame falls between. A shifted view is driven by a ReplaySource opened on the
recording being written (SQLite WAL lets it read while the recorder commits; the recorder is
flushed first so the newest frames are there). Commands are refused while shifted.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from console.feed.frames import EventFrame, Snapshot
from console.feed.source import Envelope
from console.model.city_state import CityState
from console.model.ingest import Ingest
from console.recording.replay_source import ReplaySource
from console.recording.store import Recorder, Recording

log = logging.getLogger(__name__)
# a keyframe of the live city every 15 s of recording: a drag step stands at the nearest one and replays
# at most these seconds of frames (the keyframe's minute before it reaches the charts with their older hour)
KEYFRAME_S = 15.0


class TimeShift:
    def __init__(self, view: CityState, recorder: Recorder | None):
        self.view = view
        self.recorder = recorder
        self._ingest = Ingest(view)
        self._shadow: CityState | None = None
        self.replay: ReplaySource | None = None
        self.live_ts = 0.0  # receive time of the newest frame (the live edge of the timeline)
        self.paused_at = 0.0
        self.speed = 1.0
        self._start = 0.0
        self.new_since_pause: set[str] = set()  # incidents first seen while shifted
        self._listeners: list[Callable[[bool], None]] = []

    # ------------------------------------------------------------ the live feed's one listener
    def __call__(self, env: Envelope) -> None:
        self.live_ts = max(self.live_ts, env.recv_ts)
        shadow = self._shadow
        if shadow is not None:
            f = env.decoded.frame
            events = (f.event,) if isinstance(f, EventFrame) else f.events if isinstance(f, Snapshot) else ()
            for ev in events:
                if shadow.incidents.get(ev.id) is None:
                    self.new_since_pause.add(ev.id)
        self._ingest(env)

    @property
    def shifted(self) -> bool:
        return self._shadow is not None

    @property
    def live(self) -> CityState:
        """The state that holds the live city now (what keyframes, rules and commands must use)."""
        return self._shadow if self._shadow is not None else self.view

    @property
    def position(self) -> float:
        if self.replay is not None:
            return self.replay.position
        return self.paused_at if self.shifted else self.live_ts

    @property
    def playing(self) -> bool:
        return self.replay is not None and self.replay.playing

    @property
    def span(self) -> tuple[float, float]:
        """(start of this session's recording, the live edge): what the timeline can reach."""
        if not self._start and self.recorder is not None:
            rec = self._open_recording()
            if rec is not None:
                span = rec.span()
                rec.close()
                self._start = span[0] if span else 0.0
        return (self._start or self.live_ts), self.live_ts

    def add_mode_listener(self, fn: Callable[[bool], None]) -> None:
        """Called with True on leaving live, False on coming back."""
        self._listeners.append(fn)

    # ------------------------------------------------------------ controls
    def pause(self) -> None:
        """Freeze the picture where it is; the live city goes on in the shadow."""
        if self.shifted:
            if self.replay is not None:
                self.replay.pause()
            return
        if self.recorder is None:
            raise RuntimeError("time-shift needs the session's recording (started with --no-record?)")
        shadow = CityState(self.view.config)
        shadow.copy_from(self.view)
        shadow.take_changes()  # nobody draws the shadow
        self._shadow = shadow
        self._ingest.state = shadow
        self.paused_at = self.live_ts
        self.new_since_pause = set()
        log.info("time-shift: paused at %.1f", self.paused_at)
        for fn in self._listeners:
            fn(True)

    def seek(self, ts: float) -> int:
        """Show the exact state at `ts` (clamped to this session); the view's older chart history is the
        caller's to add from `replay.older_history()` off the GUI thread. Returns frames replayed."""
        if not self.shifted:
            self.pause()
        replay = self._ensure_replay()
        if ts > replay.end_ts:  # beyond what was committed when last looked: wait for the newest frames
            self.recorder.flush()
            replay.refresh_span()
        return replay.seek(ts, with_history=False)

    def play(self, speed: float | None = None) -> None:
        if not self.shifted:
            return  # live already plays
        if speed is not None:
            self.speed = speed
        if self.replay is None:
            self.seek(self.paused_at)  # continue from the frozen picture, now driven by the recording
        self.replay.set_speed(self.speed)
        self.replay.play()

    def set_speed(self, speed: float) -> None:
        self.speed = speed
        if self.replay is not None:
            self.replay.set_speed(speed)

    def tick(self, elapsed_s: float) -> int:
        """Advance a playing shifted view by `elapsed_s` of the operator's time; catching up with what is
        recorded returns to live. Returns the frames applied."""
        r = self.replay
        if r is None or not r.playing:
            return 0
        r.refresh_span()
        n = r.advance(elapsed_s)
        if r.position >= r.end_ts:
            self.back_to_live()
        return n

    def back_to_live(self) -> None:
        if not self.shifted:
            return
        self.view.copy_from(self._shadow)  # and in the same step the Ingest moves back: no frame between
        self._ingest.state = self.view
        self._shadow = None
        self._close_replay()
        log.info("time-shift: back to live (%d new incidents while away)", len(self.new_since_pause))
        self.new_since_pause = set()
        for fn in self._listeners:
            fn(False)

    def close(self) -> None:
        self._close_replay()

    # ------------------------------------------------------------ the recording being written
    def _open_recording(self) -> Recording | None:
        try:
            return Recording(self.recorder.path)
        except (FileNotFoundError, ValueError):
            return None

    def _ensure_replay(self) -> ReplaySource:
        if self.replay is None:
            self.recorder.flush()
            rec = self._open_recording()
            if rec is None:
                raise RuntimeError(f"the session's recording {self.recorder.path} cannot be read")
            self.replay = ReplaySource(rec)
            self.replay.add_listener(Ingest(self.view))
            self.replay.add_state_sink(self.view)
            self.replay.position = self.paused_at
        return self.replay

    def _close_replay(self) -> None:
        if self.replay is not None:
            self.replay.rec.close()
            self.replay = None
