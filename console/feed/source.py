"""One interface for where frames come from: a live feed connection or, later, a recording.

Widgets and the model never know which source they watch (like Foxglove's Player). A source hands
every frame it receives to its listeners as an `Envelope`, stamped with its receive time.
"""

from __future__ import annotations

import abc
import logging
from collections.abc import Callable
from dataclasses import dataclass

from console.feed.feed_health import FeedHealth
from console.feed.frames import Decoded

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Envelope:
    feed: str  # the feed's name in this console
    recv_ts: float  # wall-clock UNIX time the frame arrived
    raw: bytes
    decoded: Decoded
    health: FeedHealth


Listener = Callable[[Envelope], None]


class Source(abc.ABC):
    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self._connect_listeners: list[Callable[[str], None]] = []

    def add_listener(self, fn: Listener) -> None:
        self._listeners.append(fn)

    def add_connect_listener(self, fn: Callable[[str], None]) -> None:
        """Called with a feed's name each time it is (re)connected and subscribed."""
        self._connect_listeners.append(fn)

    def _emit_connected(self, feed: str) -> None:
        for fn in self._connect_listeners:
            try:
                fn(feed)
            except Exception:
                log.exception("connect listener %r failed", fn)

    def _emit(self, env: Envelope) -> None:
        for fn in self._listeners:
            try:
                fn(env)
            except Exception:  # one broken consumer must not stop the feed for the others
                log.exception("frame listener %r failed", fn)

    @abc.abstractmethod
    async def start(self) -> None: ...

    @abc.abstractmethod
    async def stop(self) -> None: ...

    @abc.abstractmethod
    def health(self) -> list[FeedHealth]: ...

    def hold(self, max_s: float) -> None:
        """Hand no frame to the listeners for up to `max_s` (or until `release`): the GUI draws something
        the operator waits for first (a drill's view). Frames wait, none is dropped. A source whose
        frames cost nothing to hold back (a recording) may ignore it."""
        return

    def release(self) -> None:
        """End a `hold` early."""
        return

    @property
    def can_send(self) -> bool:
        """Whether operator commands can go out through this source (never in replay)."""
        return False

    async def send(self, feed: str, frame: dict) -> bool:
        return False
