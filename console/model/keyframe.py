"""Keyframes: the part of the city's state a replay needs to stand at an instant, as JSON.

A keyframe holds the feed's catalog (as the feed described it: the console's threshold overrides are a
mode of the console, not the city's state), the latest reading of every series and the open incidents
with the feed each came from. History is not in it: a replay rebuilds that from the frames and the
recording's per-minute blocks. Format `cityops.keyframe/1`, described in docs/recording-format.md:

    {"format": "cityops.keyframe/1",
     "catalog": {"indicators": [indicator…], "regions": [region…]},
     "values": [[indicator, region, ts, value]…],
     "events": [[feed, event]…],
     "vanished": [[feed, event]…],
     "closed": [[feed, id, version]…],
     "units": [[feed, unit, [[ts, lat, lon]…]]…]}

in the wire formats of docs/feed-protocol.md. `vanished` (open incidents a resync snapshot left out) and
`closed` (the version of each closed incident the console holds) are optional: without them a replay
may take a stale version after the keyframe for news; bodies written before they existed lack them.
`units` (optional, dispatch units with their 15-minute trails) is absent from bodies written before
units existed; a malformed unit or trail point is left out.
Recordings made before the `format` key existed hold the same layout without it; they are read as /1.
Any other format is refused (`KeyframeError`), never guessed at.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from console.feed.decoder import decode_event, decode_indicator, decode_region, decode_rows, decode_units
from console.feed.frames import Catalog, Event, Indicator, Region, SampleBatch, Unit

FORMAT = "cityops.keyframe/1"


class KeyframeError(ValueError):
    """A keyframe body this console cannot read (another format, not an object)."""


@dataclass(frozen=True, slots=True)
class KeyframeBody:
    catalog: Catalog
    values: SampleBatch  # the latest reading of each series
    events: tuple[tuple[str, Event], ...]  # (feed, open incident)
    vanished: tuple[tuple[str, Event], ...] = ()  # (feed, open incident a resync snapshot left out)
    closed: tuple[tuple[str, str, int], ...] = ()  # (feed, id, version) of closed incidents
    units: tuple[tuple[str, Unit, list[tuple[float, float, float]]], ...] = ()  # (feed, unit, trail)


def encode(indicators: Iterable[Indicator], regions: Iterable[Region],
           values: Iterable[tuple[str, str, float, float]], events: Iterable[tuple[str, Event]],
           vanished: Iterable[tuple[str, Event]] = (), closed: Iterable[tuple[str, str, int]] = (),
           units: Iterable[tuple[str, Unit, list[tuple[float, float, float]]]] = ()) -> dict[str, Any]:
    """The JSON-ready body (the recorder serialises it with orjson)."""
    return {
        "format": FORMAT,
        "catalog": {"indicators": [i.to_wire() for i in indicators], "regions": [r.to_wire() for r in regions]},
        "values": [[ind, reg, float(ts), float(val)] for ind, reg, ts, val in values],
        "events": [[feed, e.to_wire()] for feed, e in events],
        "vanished": [[feed, e.to_wire()] for feed, e in vanished],
        "closed": [[feed, eid, int(version)] for feed, eid, version in closed],
        "units": [[feed, u.to_wire(), [[t, lat, lon] for t, lat, lon in trail]] for feed, u, trail in units],
    }


def decode(body: Any) -> KeyframeBody:
    """Read a body as `encode` wrote it (or as recordings before the `format` key did). A malformed
    indicator, region or event raises as the feed decoder does; malformed readings are left out.
    A body read already (a KeyframeBody: a replay keeps those it stands at) is returned as it is."""
    if type(body) is KeyframeBody:
        return body
    if type(body) is not dict:
        raise KeyframeError(f"a keyframe body is an object, not {type(body).__name__}")
    fmt = body.get("format", FORMAT)
    if fmt != FORMAT:
        raise KeyframeError(f"keyframe format {fmt!r}: this console reads {FORMAT!r}")
    cat = body.get("catalog", {})
    catalog = Catalog(tuple(decode_indicator(i) for i in cat.get("indicators", [])),
                      tuple(decode_region(r) for r in cat.get("regions", [])))
    values = decode_rows(body.get("values", []), {})
    events = tuple((feed, decode_event(ev)) for feed, ev in body.get("events", []))
    vanished = tuple((feed, decode_event(ev)) for feed, ev in body.get("vanished", []))
    closed = tuple((feed, eid, version) for feed, eid, version in body.get("closed", [])
                   if type(feed) is str and type(eid) is str and type(version) is int)
    return KeyframeBody(catalog, values, events, vanished, closed, _units(body.get("units", [])))


def _units(rows: Any) -> tuple[tuple[str, Unit, list[tuple[float, float, float]]], ...]:
    out = []
    for row in rows if type(rows) is list else ():
        if type(row) is not list or len(row) != 3 or type(row[0]) is not str or type(row[2]) is not list:
            continue
        units = decode_units([row[1]], {})
        if units:
            trail = [(float(p[0]), float(p[1]), float(p[2])) for p in row[2]
                     if type(p) is list and len(p) == 3 and all(type(x) in (int, float) for x in p)]
            out.append((row[0], units[0], trail))
    return tuple(out)
