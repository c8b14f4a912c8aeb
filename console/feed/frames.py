"""Typed, validated frames of `cityops.feed/1`: what the decoder produces and the model consumes.

Plain dataclasses, no Qt, no I/O. Samples travel in columns (numpy arrays) because a frame may carry
thousands of readings and the hot path must stay vectorised.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from console.feed.protocol import IncidentState, Level, Severity, UnitKind, UnitState


@dataclass(frozen=True, slots=True)
class Indicator:
    id: str
    name_zh: str
    name_en: str
    domain: str
    unit: str
    scope: str  # the region level it is published for: city / district / street / hotspot
    warn: float | None
    alarm: float | None
    direction: str  # "above": high is bad; "below": low is bad
    cadence_s: float
    # a street indicator's district and city series, when published, are its streets' "sum" or "mean"
    rollup: str | None = None

    def to_wire(self) -> dict[str, Any]:
        out = {
            "id": self.id,
            "name": {"zh": self.name_zh, "en": self.name_en},
            "domain": self.domain,
            "unit": self.unit,
            "scope": self.scope,
            "thresholds": {"warn": self.warn, "alarm": self.alarm, "direction": self.direction},
            "cadence_s": self.cadence_s,
        }
        if self.rollup is not None:
            out["rollup"] = self.rollup
        return out


@dataclass(frozen=True, slots=True)
class Region:
    code: str
    name_zh: str
    name_en: str
    level: str
    parent: str | None
    centroid: tuple[float, float] | None  # (lat, lon)
    # what the centroid is: "geonames" (a sourced seat), "schematic" (示意: placed for display only),
    # "boundary" (inside the region's outline); None: the feed does not say
    point: str | None = None

    def to_wire(self) -> dict[str, Any]:
        out = {
            "code": self.code,
            "name": {"zh": self.name_zh, "en": self.name_en},
            "level": self.level,
            "parent": self.parent,
            "centroid": list(self.centroid) if self.centroid else None,
        }
        if self.point is not None:
            out["point"] = self.point
        return out


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    ts: float
    state: str
    operator: str
    note: str

    def to_wire(self) -> dict[str, Any]:
        return {"ts": self.ts, "state": self.state, "operator": self.operator, "note": self.note}


@dataclass(frozen=True, slots=True)
class Area:
    """Where an incident applies, as its source drew it (a CAP warning's `<area>`s): polygons of
    (lat, lon) points, WGS-84, and circles (lat, lon, radius in km). For the map to draw."""

    desc: str
    polygons: tuple[tuple[tuple[float, float], ...], ...] = ()
    circles: tuple[tuple[float, float, float], ...] = ()

    def to_wire(self) -> dict[str, Any]:
        return {"desc": self.desc, "polygons": [[[lat, lon] for lat, lon in p] for p in self.polygons],
                "circles": [{"lat": lat, "lon": lon, "radius_km": r} for lat, lon, r in self.circles]}


@dataclass(frozen=True, slots=True)
class Event:
    """An incident as the platform (the authority) last described it. Text fields are plain text."""

    id: str
    version: int
    title: str
    category: str
    domain: str
    severity: Severity
    source: str  # a DiscoverySource value, or an unknown channel kept verbatim
    region: str
    location: tuple[float, float] | None  # (lat, lon)
    state: IncidentState
    created_ts: float
    updated_ts: float
    sla_due_ts: float | None = None
    assignee: str | None = None
    detail: str = ""
    history: tuple[HistoryEntry, ...] = ()
    merged_into: str | None = None
    # the level whose centre handles it (street / district / city); None: the level of its region code
    # (console/incidents/levels.py reads it through handling_level)
    level: Level | None = None
    area: Area | None = None

    @property
    def is_open(self) -> bool:
        return self.state.is_open

    def evolve(self, **changes: Any) -> Event:
        return replace(self, **changes)

    def to_wire(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "id": self.id,
            "version": self.version,
            "title": self.title,
            "category": self.category,
            "domain": self.domain,
            "severity": self.severity.value,
            "source": self.source,
            "region": self.region,
            "location": {"lat": self.location[0], "lon": self.location[1]} if self.location else None,
            "state": self.state.value,
            "created_ts": self.created_ts,
            "updated_ts": self.updated_ts,
            "sla_due_ts": self.sla_due_ts,
            "assignee": self.assignee,
            "detail": self.detail,
            "history": [h.to_wire() for h in self.history],
        }
        if self.merged_into is not None:
            d["merged_into"] = self.merged_into
        if self.level is not None:
            d["level"] = self.level.value
        if self.area is not None:
            d["area"] = self.area.to_wire()
        return d


@dataclass(slots=True)
class SampleBatch:
    """Readings in columns: indicator ids, region codes, timestamps and values (finite float64)."""

    indicators: list[str]
    regions: list[str]
    ts: np.ndarray
    values: np.ndarray

    def __len__(self) -> int:
        return len(self.indicators)

    @classmethod
    def empty(cls) -> SampleBatch:
        return cls([], [], np.empty(0), np.empty(0))


@dataclass(frozen=True, slots=True)
class Hello:
    protocol: str
    source: str
    level: Level | str
    server_time: float


@dataclass(frozen=True, slots=True)
class Catalog:
    indicators: tuple[Indicator, ...]
    regions: tuple[Region, ...]


@dataclass(slots=True)
class Snapshot:
    seq: int
    values: SampleBatch
    events: list[Event]
    events_follow: int = 0  # open incidents that did not fit: they follow at once as event frames


@dataclass(slots=True)
class Samples:
    seq: int
    batch: SampleBatch


@dataclass(frozen=True, slots=True)
class EventFrame:
    seq: int
    event: Event


@dataclass(frozen=True, slots=True)
class Heartbeat:
    server_time: float


@dataclass(frozen=True, slots=True)
class Reply:
    ref: str
    ok: bool
    error: str | None
    event: Event | None


@dataclass(frozen=True, slots=True)
class ErrorFrame:
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class Unit:
    """A dispatch unit where and as it last reported. `name` is plain text; `incident` is the id of the
    incident it is assigned to, if any (WGS-84 position, `ts` in the feed's UNIX seconds)."""

    id: str
    name: str
    kind: UnitKind | str  # an unknown kind is kept as text (drawn as "other")
    lat: float
    lon: float
    state: UnitState
    ts: float
    incident: str | None = None

    def to_wire(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "kind": str(self.kind), "lat": self.lat, "lon": self.lon,
                "state": self.state.value, "incident": self.incident, "ts": self.ts}


@dataclass(frozen=True, slots=True)
class UnitFrame:
    """Unit upserts (unsequenced: a lost one is replaced by the next report)."""

    units: tuple[Unit, ...]


@dataclass(frozen=True, slots=True)
class Unknown:
    """A frame of a type this version does not know: ignored, but counted (forward compatibility)."""

    type: str


Frame = Hello | Catalog | Snapshot | Samples | EventFrame | Heartbeat | Reply | ErrorFrame | UnitFrame | Unknown


@dataclass(slots=True)
class Decoded:
    """What one raw frame became: a frame (or None when refused) and the reasons counted on the way."""

    frame: Frame | None
    rejects: dict[str, int] = field(default_factory=dict)
    unknown_fields: int = 0
    detail: str = ""  # a readable line on the first problem, for the log
