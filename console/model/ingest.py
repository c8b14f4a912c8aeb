"""Frames into the model: the one listener that applies every decoded frame to CityState and counts
what the model refused against the feed that sent it."""

from __future__ import annotations

import logging

from console.feed.source import Envelope
from console.model.city_state import CityState

log = logging.getLogger(__name__)


class Ingest:
    def __init__(self, state: CityState):
        self.state = state

    def __call__(self, env: Envelope) -> None:
        frame = env.decoded.frame
        if frame is None:
            return
        applied = self.state.apply(env.feed, frame)
        if applied.rejects:
            env.health.count_rejects(applied.rejects)
        env.health.old_samples += applied.old_samples
        if applied.vanished:
            log.info("feed %s: %d open incidents closed while we were away: %s", env.feed,
                     len(applied.vanished), ", ".join(applied.vanished[:10]))
