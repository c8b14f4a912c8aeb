"""The incidents the platforms told us about, upserted by id with the higher version winning.

The console never changes an incident's state itself; it mirrors what the authority sends. Closed and
cancelled incidents leave the open book for a bounded archive, so memory does not grow with uptime.

A resync snapshot is the new truth: an open incident it does not list leaves the open book ("vanished",
closed while we were not listening). But a snapshot may lag the stream (a console failing over to a hub
that is behind), and what arrives after a snapshot is newer than it: a vanished incident comes back
when a snapshot lists it again (at any version: listed means open now; the newer copy is kept) or when
the stream delivers it at the version we hold or a higher one. An older version re-delivered is a
statement about the past and does not bring it back.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from console.feed.frames import Event


@dataclass(frozen=True, slots=True)
class Upsert:
    applied: bool
    created: bool = False
    closed: bool = False  # the event left the open book with this update


class IncidentBook:
    def __init__(self, max_archive: int = 5000):
        self.open: dict[str, Event] = {}
        self.archive: OrderedDict[str, Event] = OrderedDict()  # closed/cancelled, oldest first
        self.feed_of: dict[str, str] = {}  # event id -> the feed that delivered it (commands go there)
        self.max_archive = max_archive
        self.vanished: set[str] = set()  # archived open (not closed) because a snapshot left them out
        self.stale_updates = 0

    def clear(self) -> None:
        """Forget every incident, in place (whoever holds `feed_of.get` keeps seeing this book)."""
        self.open.clear()
        self.archive.clear()
        self.feed_of.clear()
        self.vanished.clear()
        self.stale_updates = 0

    def copy_from(self, other: IncidentBook) -> None:
        """Become an exact copy of `other` (the archive's order too), in place."""
        for mine, theirs in ((self.open, other.open), (self.archive, other.archive), (self.feed_of, other.feed_of)):
            mine.clear()
            mine.update(theirs)
        self.vanished.clear()
        self.vanished.update(other.vanished)
        self.max_archive = other.max_archive
        self.stale_updates = other.stale_updates

    def get(self, event_id: str) -> Event | None:
        return self.open.get(event_id) or self.archive.get(event_id)

    def upsert(self, event: Event, feed: str, listed: bool = False) -> Upsert:
        """Take `event` if it is newer than what we hold. `listed`: it comes in a snapshot, which says it
        is open now (so it brings back a vanished incident even at an older version)."""
        current = self.get(event.id)
        if current is not None and current.version >= event.version:
            if event.id in self.vanished and (listed or current.version == event.version):
                self._reinstate(current, feed)
                return Upsert(True)
            self.stale_updates += 1
            return Upsert(False)
        self.vanished.discard(event.id)
        self.feed_of[event.id] = feed
        if event.is_open:
            self.archive.pop(event.id, None)  # a reopened incident comes back to the open book
            self.open[event.id] = event
            return Upsert(True, created=current is None)
        self.open.pop(event.id, None)
        self._archive(event)
        return Upsert(True, created=current is None, closed=True)

    def _reinstate(self, event: Event, feed: str) -> None:
        self.vanished.discard(event.id)
        self.archive.pop(event.id, None)
        self.open[event.id] = event
        self.feed_of[event.id] = feed

    def _archive(self, event: Event) -> None:
        self.archive[event.id] = event
        self.archive.move_to_end(event.id)
        while len(self.archive) > self.max_archive:
            old_id, _ = self.archive.popitem(last=False)
            self.vanished.discard(old_id)
            if old_id not in self.open:
                self.feed_of.pop(old_id, None)

    def retain_only(self, feed: str, open_ids: set[str]) -> list[str]:
        """After a resync snapshot from `feed`: its open incidents the snapshot no longer lists were
        closed while we were not listening. They leave the open book; returns their ids."""
        gone = [eid for eid in self.open if self.feed_of.get(eid) == feed and eid not in open_ids]
        for eid in gone:
            self._archive(self.open.pop(eid))
        self.vanished.update(eid for eid in gone if eid in self.archive)
        return gone

    def __len__(self) -> int:
        return len(self.open)
