"""The incidents the platforms told us about, upserted by id with the higher version winning.

The console never changes an incident's state itself; it mirrors what the authority sends. Closed and
cancelled incidents leave the open book for a bounded archive, so memory does not grow with uptime.

A resync snapshot is the new truth: an open incident it does not list leaves the open book ("vanished",
closed while we were not listening). But a snapshot may lag the stream (a console failing over to a hub
that is behind), and what arrives after a snapshot is newer than it: a vanished incident comes back
when a snapshot lists it again (at any version: listed means open now; the newer copy is kept) or when
the stream delivers it at the version we hold or a higher one. An older version re-delivered is a
statement about the past and does not bring it back.

A replay stands at an instant by merging a keyframe (console/model/keyframe.py) into its book; the
keyframe names closed incidents by version only, so the book also keeps "tombstones": the version a
closed incident had, without the incident, which is all the version rule needs. A closed incident
pushed out of the archive leaves its tombstone too (~0.15 KB instead of ~2.8 KB), so a small archive
(the wall's, which shows no closed incident) does not let a late, older copy reopen it. A vanished
incident pushed out leaves none: it was only presumed closed, and a snapshot listing it brings it back.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict
from dataclasses import dataclass

from console.feed.frames import Event

# how many closed incidents a keyframe names, the newest: as many as a book held before an incident pushed
# out of the archive left a tombstone (5,000 archived + 5,000 tombstones), so keyframes do not grow with
# the 50,000 tombstones a workstation may now hold
KEYFRAME_CLOSED = 10_000


@dataclass(frozen=True, slots=True)
class Upsert:
    applied: bool
    created: bool = False
    closed: bool = False  # the event left the open book with this update


class IncidentBook:
    def __init__(self, max_archive: int = 5000, max_tombstones: int = 50_000):
        self.open: dict[str, Event] = {}
        self.archive: OrderedDict[str, Event] = OrderedDict()  # closed/cancelled, oldest first
        self.feed_of: dict[str, str] = {}  # event id -> the feed that delivered it (commands go there)
        self.max_archive = max_archive
        self.max_tombstones = max_tombstones
        self.vanished: set[str] = set()  # archived open (not closed) because a snapshot left them out
        self.tombstones: OrderedDict[str, int] = OrderedDict()  # closed, known by version only (a keyframe's)
        self.stale_updates = 0

    def clear(self) -> None:
        """Forget every incident, in place (whoever holds `feed_of.get` keeps seeing this book)."""
        self.open.clear()
        self.archive.clear()
        self.feed_of.clear()
        self.vanished.clear()
        self.tombstones.clear()
        self.stale_updates = 0

    def copy_from(self, other: IncidentBook) -> None:
        """Become an exact copy of `other` (the archive's order too), in place."""
        for mine, theirs in ((self.open, other.open), (self.archive, other.archive), (self.feed_of, other.feed_of),
                             (self.tombstones, other.tombstones)):
            mine.clear()
            mine.update(theirs)
        self.vanished.clear()
        self.vanished.update(other.vanished)
        self.max_archive = other.max_archive
        self.max_tombstones = other.max_tombstones
        self.stale_updates = other.stale_updates

    def get(self, event_id: str) -> Event | None:
        return self.open.get(event_id) or self.archive.get(event_id)

    def version_of(self, event_id: str) -> int | None:
        """The newest version held, of an incident or of its tombstone."""
        current = self.get(event_id)
        return current.version if current is not None else self.tombstones.get(event_id)

    def upsert(self, event: Event, feed: str, listed: bool = False) -> Upsert:
        """Take `event` if it is newer than what we hold. `listed`: it comes in a snapshot, which says it
        is open now (so it brings back a vanished incident even at an older version)."""
        current = self.get(event.id)
        held = current.version if current is not None else self.tombstones.get(event.id)
        if held is not None and held >= event.version:
            if event.id in self.vanished and (listed or held == event.version):
                self._reinstate(current, feed)
                return Upsert(True)
            self.stale_updates += 1
            return Upsert(False)
        self.vanished.discard(event.id)
        self.tombstones.pop(event.id, None)
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
            old_id, old = self.archive.popitem(last=False)
            if old_id in self.vanished:
                self.vanished.discard(old_id)
                self.feed_of.pop(old_id, None)
            else:
                self._bury(old_id, old.version)  # keeps its feed: a keyframe names it with its feed

    def _bury(self, event_id: str, version: int) -> None:
        self.tombstones[event_id] = version
        self.tombstones.move_to_end(event_id)
        while len(self.tombstones) > self.max_tombstones:
            gone, _ = self.tombstones.popitem(last=False)
            if gone not in self.open and gone not in self.archive:
                self.feed_of.pop(gone, None)

    def retain_only(self, feed: str, open_ids: set[str]) -> list[str]:
        """After a resync snapshot from `feed`: its open incidents the snapshot no longer lists were
        closed while we were not listening. They leave the open book; returns their ids."""
        gone = [eid for eid in self.open if self.feed_of.get(eid) == feed and eid not in open_ids]
        for eid in gone:
            self._archive(self.open.pop(eid))
        self.vanished.update(eid for eid in gone if eid in self.archive)
        return gone

    # ----------------------------------------------------------------- keyframes
    def closed_versions(self, newest: int = KEYFRAME_CLOSED) -> list[tuple[str, str, int]]:
        """(feed, id, version) of the `newest` closed incidents held (archived ones and tombstones), oldest
        first: what a keyframe carries of them, so that keyframes do not grow with the tombstones."""
        archived = [(self.feed_of.get(eid, ""), eid, e.version) for eid, e in self.archive.items()
                    if eid not in self.vanished]
        room = max(0, newest - len(archived))
        buried = list(itertools.islice(reversed(self.tombstones.items()), room))[::-1]
        return [(self.feed_of.get(eid, ""), eid, v) for eid, v in buried] + archived[-newest:]

    def vanished_events(self) -> list[tuple[str, Event]]:
        return [(self.feed_of.get(eid, ""), self.archive[eid]) for eid in self.archive if eid in self.vanished]

    def restore(self, open_events, vanished, closed) -> None:
        """Merge a keyframe's book in, at the keyframe's place in the stream: for each incident it names,
        its version and whether it is open, vanished or closed are the keyframe's, unless this book
        holds a newer version. `open_events` and `vanished` are (feed, Event), `closed` (feed, id, version)."""
        for feed, ev in open_events:
            if self._newer_here(ev.id, ev.version):
                continue
            self._forget(ev.id)
            self.open[ev.id] = ev
            self.feed_of[ev.id] = feed
        for feed, ev in vanished:
            if self._newer_here(ev.id, ev.version):
                continue
            self._forget(ev.id)
            self.feed_of[ev.id] = feed
            self._archive(ev)
            if ev.id in self.archive:
                self.vanished.add(ev.id)
        for feed, eid, version in closed:
            if self._newer_here(eid, version):
                continue
            held = self.get(eid)
            self._forget(eid)
            if held is not None and held.version == version and not held.is_open:
                self._archive(held)  # the very version: keep the incident itself for lookups
                if feed:
                    self.feed_of[eid] = feed
            else:
                self._bury(eid, version)
                if feed:
                    self.feed_of[eid] = feed

    def _newer_here(self, event_id: str, version: int) -> bool:
        held = self.version_of(event_id)
        return held is not None and held > version

    def _forget(self, event_id: str) -> None:
        self.open.pop(event_id, None)
        self.archive.pop(event_id, None)
        self.vanished.discard(event_id)
        self.tombstones.pop(event_id, None)
        self.feed_of.pop(event_id, None)

    def __len__(self) -> int:
        return len(self.open)
