"""The latest state of the city as the stream tells it: the newest reading of every series and every
open incident, grouped by (district, domain) the way subjects and checkpoints are, and the latest
report of every dispatch unit with the district it was last published under.

The publisher keeps one to write checkpoints; a hub keeps one to answer `snapshot` at once. Applying a
message twice, or an older one after a newer one, changes nothing (readings by time, incidents by
version, units by report time), which is what lets a hub load a checkpoint and then replay the stream
from a little before it.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from console.jetstream.layout import district_of
from console.model.unit_book import FORGET_S, MAX_UNITS, TRAIL_S, silent_before

Row = list  # [indicator, region, ts, value], as on the wire


class CityMirror:
    def __init__(self, max_closed: int = 20_000, max_units: int = MAX_UNITS):
        # (district, domain) -> {(indicator, region): (ts, value)}
        self.values: dict[tuple[str, str], dict[tuple[str, str], tuple[float, float]]] = {}
        self.events: dict[str, dict[str, Any]] = {}  # open incidents by id, as wire dicts
        self._closed: OrderedDict[str, int] = OrderedDict()  # id -> version, so a late update cannot reopen
        self._max_closed = max_closed
        self.samples_applied = 0
        # id -> (district, latest report as a wire dict), in the order the latest reports came: the longest silent first
        self.units: dict[str, tuple[str, dict[str, Any]]] = {}
        self._max_units = max_units
        self._newest_unit_ts = 0.0

    def apply_rows(self, district: str, domain: str, rows: list[Row]) -> None:
        group = self.values.setdefault((district, domain), {})
        for ind, reg, ts, val in rows:
            key = (ind, reg)
            old = group.get(key)
            if old is None or ts > old[0]:
                group[key] = (ts, val)
        self.samples_applied += len(rows)

    def apply_event(self, ev: dict[str, Any]) -> bool:
        """Upsert by id, higher version wins; True when it changed the state (so it is news)."""
        eid, ver = ev["id"], ev["version"]
        cur = self.events.get(eid)
        if cur is not None and cur["version"] >= ver:
            return False
        closed = self._closed.get(eid)
        if closed is not None and closed >= ver:
            return False
        if ev["state"] in ("closed", "cancelled"):
            self.events.pop(eid, None)
            self._closed[eid] = ver
            self._closed.move_to_end(eid)
            while len(self._closed) > self._max_closed:
                self._closed.popitem(last=False)
        else:
            self._closed.pop(eid, None)
            self.events[eid] = ev
        return True

    def apply_unit(self, district: str, unit: dict[str, Any]) -> tuple[bool, str | None]:
        """Upsert by id, the newer `ts` wins; (news, the district the unit was under before if it moved to
        another one). Bounded and forgetting as the consoles' unit book (console/model/unit_book.py): a unit
        silent for 12 hours of the feed's time leaves the mirror (and so the checkpoints); beyond
        `max_units` a new unit takes the place of the longest silent one only if that one has been silent
        for over 15 minutes, else it is refused, so a feed inventing ids cannot grow the mirror without
        bound, and a hub running for months still passes new units on."""
        uid, ts = unit["id"], unit["ts"]
        if ts < self._newest_unit_ts - FORGET_S:  # it would be forgotten as it came
            return False, None
        old = self.units.get(uid)
        if old is None:
            if len(self.units) >= self._max_units:
                first = next(silent_before(self.units, _report_ts, ts - TRAIL_S), None)
                if first is None:
                    return False, None
                del self.units[first]
        elif old[1]["ts"] >= ts:
            return False, None
        else:
            del self.units[uid]  # to the end: the order of the latest reports
        self.units[uid] = (district, unit)
        self._newest_unit_ts = max(self._newest_unit_ts, ts)
        for gone in list(silent_before(self.units, _report_ts, self._newest_unit_ts - FORGET_S)):
            del self.units[gone]
        return True, old[0] if old is not None and old[0] != district else None

    def unit_districts(self) -> set[str]:
        return {d for d, _ in self.units.values()}

    def units_of(self, district: str) -> list[dict[str, Any]]:
        return [u for d, u in self.units.values() if d == district]

    @staticmethod
    def event_group(ev: dict[str, Any]) -> tuple[str, str]:
        return district_of(ev["region"]), ev["domain"]

    def groups(self) -> set[tuple[str, str]]:
        return set(self.values) | {self.event_group(e) for e in self.events.values()}

    def group_body(self, group: tuple[str, str]) -> tuple[list[Row], list[dict[str, Any]]]:
        rows = [[i, r, t, v] for (i, r), (t, v) in self.values.get(group, {}).items()]
        evs = [e for e in self.events.values() if self.event_group(e) == group]
        return rows, evs

    def load_group(self, group: tuple[str, str], rows: list[Row], events: list[dict[str, Any]]) -> None:
        self.apply_rows(*group, rows)
        for ev in events:
            self.apply_event(ev)

    def latest(self) -> dict[tuple[str, str], tuple[float, float]]:
        out: dict[tuple[str, str], tuple[float, float]] = {}
        for group in self.values.values():
            out.update(group)
        return out

    def open_versions(self) -> dict[str, int]:
        return {eid: e["version"] for eid, e in self.events.items()}


def _report_ts(held: tuple[str, dict[str, Any]]) -> float:
    return held[1]["ts"]
