"""Frames into the model: the one listener that applies every decoded frame to CityState and counts
what the model refused against the feed that sent it."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

import numpy as np

from console.feed.frames import SampleBatch, Samples
from console.feed.source import Envelope
from console.model.city_state import CityState

log = logging.getLogger(__name__)


class Ingest:
    def __init__(self, state: CityState):
        self.state = state
        self._held: _Held | None = None  # samples not applied yet (see `held`)

    def __call__(self, env: Envelope) -> None:
        frame = env.decoded.frame
        if frame is None:
            return
        held = self._held
        if held is not None:
            if isinstance(frame, Samples):
                if held.env is not None and held.env.health is not env.health:  # another feed: its own counts
                    self._apply_held()
                held.add(env, frame.batch)
                return
            self._apply_held()  # whatever comes between samples frames comes after them, as it did
        self._count(env, self.state.apply(env.feed, frame))

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        """Within this block, consecutive samples frames of a feed are applied as one batch when
        something else arrives or the block ends (a replay's burst of recorded frames): the state and
        the counts are those of applying them one by one, at the numpy cost of one batch, not one per
        frame. A reading not newer than one before it is dropped either way (HistoryRings.append)."""
        self._held = _Held()
        try:
            yield
        finally:
            try:
                self._apply_held()
            finally:
                self._held = None

    def _apply_held(self) -> None:
        held = self._held
        if held is None or held.env is None:
            return
        self._held = _Held()
        self._count(held.env, self.state.apply_samples(held.batch()))

    @staticmethod
    def _count(env: Envelope, applied) -> None:
        if applied.rejects:
            env.health.count_rejects(applied.rejects)
        env.health.old_samples += applied.old_samples
        if applied.vanished:
            log.info("feed %s: %d open incidents closed while we were away: %s", env.feed,
                     len(applied.vanished), ", ".join(applied.vanished[:10]))


class _Held:
    """Samples frames' readings gathered as columns: the frames themselves are let go at once (held
    until the run ends, a few hundred of them would live long enough to be swept by the collector's
    older generations, whose full pass was the tail of a time-shift drag step)."""

    __slots__ = ("env", "indicators", "regions", "ts", "values")

    def __init__(self) -> None:
        self.env: Envelope | None = None  # the last one (its feed's health takes the counts)
        self.indicators: list[str] = []
        self.regions: list[str] = []
        self.ts: list[np.ndarray] = []
        self.values: list[np.ndarray] = []

    def add(self, env: Envelope, batch: SampleBatch) -> None:
        self.env = env
        self.indicators += batch.indicators
        self.regions += batch.regions
        self.ts.append(batch.ts)
        self.values.append(batch.values)

    def batch(self) -> SampleBatch:
        return SampleBatch(self.indicators, self.regions, np.concatenate(self.ts), np.concatenate(self.values))
