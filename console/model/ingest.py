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
        self._held: list[Envelope] | None = None  # samples frames not applied yet (see `held`)

    def __call__(self, env: Envelope) -> None:
        frame = env.decoded.frame
        if frame is None:
            return
        held = self._held
        if held is not None:
            if isinstance(frame, Samples):
                if held and held[-1].health is not env.health:  # another feed: each its own counts
                    self._apply_held()
                held.append(env)
                return
            self._apply_held()  # whatever comes between samples frames comes after them, as it did
        self._count(env, self.state.apply(env.feed, frame))

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        """Within this block, consecutive samples frames of a feed are applied as one batch when
        something else arrives or the block ends (a replay's burst of recorded frames): the state and
        the counts are those of applying them one by one, at the numpy cost of one batch, not one per
        frame. A reading not newer than one before it is dropped either way (HistoryRings.append)."""
        self._held = []
        try:
            yield
        finally:
            try:
                self._apply_held()
            finally:
                self._held = None

    def _apply_held(self) -> None:
        held = self._held
        if not held:
            return
        self._held = []
        if len(held) == 1:
            self._count(held[0], self.state.apply(held[0].feed, held[0].decoded.frame))
            return
        batches = [e.decoded.frame.batch for e in held]
        batch = SampleBatch([i for b in batches for i in b.indicators], [r for b in batches for r in b.regions],
                            np.concatenate([b.ts for b in batches]), np.concatenate([b.values for b in batches]))
        self._count(held[-1], self.state.apply_samples(batch))

    @staticmethod
    def _count(env: Envelope, applied) -> None:
        if applied.rejects:
            env.health.count_rejects(applied.rejects)
        env.health.old_samples += applied.old_samples
        if applied.vanished:
            log.info("feed %s: %d open incidents closed while we were away: %s", env.feed,
                     len(applied.vanished), ", ".join(applied.vanished[:10]))
