"""The simulated city's dispatch units (处置力量): vehicles of the stations incidents are dispatched to.

Each unit has a base (a district's seat, round-robin) and belongs to that district's station of its
service (徐汇消防救援站), its kind by the service. When an incident is dispatched to a station, its nearest
free vehicle of that station (else the nearest free one of the same kind: another district's, in support;
else the nearest free one of any) drives there, then stays on scene until the incident is resolved or
closed, then drives back. Driving is road-ish: north-south then east-west (a city grid, not the crow's
flight), at a unit's own speed of 25-45 km/h, so a 5 km call takes 7-12 minutes. Qt-free; the server
turns `reports` into `unit` frames.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from console.feed.frames import Event, Region, Unit
from console.feed.protocol import IncidentState, UnitKind, UnitState
from console.incidents.stations import station_of
from console.model.areas import CITY_CODE

M_PER_DEG_LAT = 111_320.0
_ASSIGNED = (IncidentState.DISPATCHED, IncidentState.ON_SCENE)

# a station's kind, by a word in its name; the simulator's own stations (of stations.DISTRICT_SERVICES) all match one
_KIND_WORDS = (("消防", UnitKind.FIRE), ("交警", UnitKind.POLICE), ("急救", UnitKind.MEDICAL),
               ("供电", UnitKind.UTILITY), ("燃气", UnitKind.UTILITY), ("水务", UnitKind.UTILITY),
               ("城管", UnitKind.CITY_MGMT), ("网格", UnitKind.GRID))


def kind_of(station: str) -> UnitKind:
    return next((k for word, k in _KIND_WORDS if word in station), UnitKind.OTHER)


@dataclass(slots=True)
class _Vehicle:
    id: str
    name: str
    station: str
    kind: UnitKind
    base: tuple[float, float]
    lat: float
    lon: float
    speed_ms: float
    home: str  # the code of the district its base is in
    state: UnitState = UnitState.AVAILABLE
    incident: str | None = None
    target: tuple[float, float] | None = None

    def report(self, ts: float) -> Unit:
        return Unit(self.id, self.name, self.kind, round(self.lat, 6), round(self.lon, 6), self.state, ts,
                    self.incident)


def _metres(a: tuple[float, float], b: tuple[float, float]) -> tuple[float, float]:
    """(north, east) metres from a to b, flat-earth (fine across a city)."""
    return (b[0] - a[0]) * M_PER_DEG_LAT, (b[1] - a[1]) * M_PER_DEG_LAT * math.cos(math.radians(a[0]))


class Fleet:
    def __init__(self, services: tuple[str, ...], districts: tuple[Region, ...], n_units: int, seed: int = 7):
        rng = np.random.default_rng([seed, 2])
        seats = [r for r in districts if r.centroid is not None] or [
            Region(CITY_CODE, "上海", "Shanghai", "city", None, (31.23, 121.47))]
        self.vehicles: list[_Vehicle] = []
        for i in range(n_units):
            seat = seats[(i // len(services)) % len(seats)]
            station = station_of(seat.name_zh, services[i % len(services)])
            # bases spread a little around the seat: two stations never stand on one point
            base = (seat.centroid[0] + float(rng.normal(0, 0.006)), seat.centroid[1] + float(rng.normal(0, 0.006)))
            self.vehicles.append(_Vehicle(
                id=f"U{i + 1:04d}", name=f"{station} {i // (len(services) * len(seats)) + 1}号车",
                station=station, kind=kind_of(station), base=base, lat=base[0], lon=base[1],
                speed_ms=float(rng.uniform(25, 45)) / 3.6, home=seat.code))
        self.now: float | None = None
        self._home = {v.id: v.home for v in self.vehicles}

    def reports(self, ts: float) -> list[Unit]:
        return [v.report(ts) for v in self.vehicles]

    def district_of(self, unit: Unit, events: dict[str, Event]) -> str:
        """The district whose centre a unit works for: its assigned incident's, else its home station's
        (the city's code for a unit of neither); what a publisher files its reports under."""
        ev = events.get(unit.incident) if unit.incident else None
        return (ev.region if ev is not None else self._home.get(unit.id, CITY_CODE))[:6]

    def step(self, now: float, events: dict[str, Event]) -> list[Unit]:
        """Move every unit to `now` (dispatches, arrivals, returns); the reports of those that changed."""
        dt = 0.0 if self.now is None else max(0.0, now - self.now)
        self.now = now
        changed: dict[str, _Vehicle] = {}
        busy = {v.incident for v in self.vehicles if v.incident is not None}
        for v in self.vehicles:  # an incident resolved, closed or gone: back to base
            if v.incident is not None:
                ev = events.get(v.incident)
                if ev is None or ev.state not in _ASSIGNED:
                    v.state, v.incident, v.target = UnitState.RETURNING, None, v.base
                    changed[v.id] = v
        for ev in events.values():
            if ev.state in _ASSIGNED and ev.id not in busy and ev.location is not None:
                v = self._nearest_free(ev)
                if v is not None:
                    v.state, v.incident, v.target = UnitState.EN_ROUTE, ev.id, ev.location
                    busy.add(ev.id)
                    changed[v.id] = v
        for v in self.vehicles:
            if v.target is not None and dt > 0 and self._drive(v, dt):
                changed[v.id] = v
        return [v.report(now) for v in changed.values()]

    def _nearest_free(self, ev: Event) -> _Vehicle | None:
        free = [v for v in self.vehicles if v.incident is None]
        kind = kind_of(ev.assignee or "")
        own = ([v for v in free if v.station == ev.assignee]
               or [v for v in free if kind is not UnitKind.OTHER and v.kind is kind] or free)
        if not own:
            return None
        return min(own, key=lambda v: sum(abs(x) for x in _metres((v.lat, v.lon), ev.location)))

    def _drive(self, v: _Vehicle, dt: float) -> bool:
        """North-south first, then east-west (an L, as along two streets); True when it moved or arrived."""
        left = v.speed_ms * dt
        while left > 0 and v.target is not None:
            north, east = _metres((v.lat, v.lon), v.target)
            if abs(north) < 1 and abs(east) < 1:
                v.lat, v.lon = v.target
                v.target = None
                v.state = UnitState.ON_SCENE if v.incident is not None else UnitState.AVAILABLE
                break
            leg_north = abs(north) >= 1
            d = abs(north) if leg_north else abs(east)
            go = min(left, d)
            if leg_north:
                v.lat += math.copysign(go, north) / M_PER_DEG_LAT
            else:
                v.lon += math.copysign(go, east) / (M_PER_DEG_LAT * math.cos(math.radians(v.lat)))
            left -= go
        return True
