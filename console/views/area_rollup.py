"""A view's level below, rolled up (区 › 街镇): each child region's worst status, the one-line summary
above the board ("12 街镇均正常 · 1 处预警"), and the streets' seat points the map draws inside a
district. Qt-free; which code lies inside which comes from console/model/areas.py, a region's worst
status from CityState.region_status (the same roll-up that colours the map)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from console.feed.protocol import Level, Status
from console.model.areas import child_level, level_of, parent_of
from console.model.city_state import CityState
from console.views.labels import ROLLUP_NORMAL_ONE_ZH, ROLLUP_NORMAL_ZH, ROLLUP_STATUS_ZH

# worst first after the healthy count: the eye goes to what is wrong
_ORDER = (Status.ALARM, Status.WARN, Status.NODATA)


def children(state: CityState, code: str) -> list[str]:
    """The regions one level below `code` that the catalog knows, by code."""
    return sorted(c for c in state.regions if c != code and parent_of(c) == code)


def child_statuses(state: CityState, code: str, roll: dict[str, Status] | None = None) -> dict[str, Status]:
    """Each child's worst status (a child without any series has no data). `roll` is a
    CityState.region_status() already computed, when the caller has one."""
    roll = state.region_status() if roll is None else roll
    return {c: roll.get(c, Status.NODATA) for c in children(state, code)}


@dataclass(frozen=True, slots=True)
class Rollup:
    level: Level | None  # the level rolled up over (None: a street, nothing below)
    counts: dict[Status, int]

    @property
    def worst(self) -> Status:
        return max((s for s, n in self.counts.items() if n), key=lambda s: s.rank, default=Status.NODATA)


def rollup(state: CityState, code: str, roll: dict[str, Status] | None = None) -> Rollup:
    counts = dict.fromkeys((Status.NORMAL, *_ORDER), 0)
    for st in child_statuses(state, code, roll).values():
        counts[st] += 1
    return Rollup(child_level(code), counts)


def rollup_text(r: Rollup, tr: Callable[[str], str] = lambda s: s) -> str:
    """'12 街镇均正常 · 1 处预警'; '' when nothing lies below. `tr` translates a template (the Qt layer
    passes its "Labels" translator, so English reads '12 streets normal · 1 in warning')."""
    if r.level is None or not sum(r.counts.values()):
        return ""
    parts = []
    if r.counts[Status.NORMAL]:
        n = r.counts[Status.NORMAL]
        parts.append(tr((ROLLUP_NORMAL_ONE_ZH if n == 1 else ROLLUP_NORMAL_ZH)[r.level]).format(n))
    parts += [tr(ROLLUP_STATUS_ZH[s]).format(r.counts[s]) for s in _ORDER if r.counts[s]]
    return " · ".join(parts)


def place_name(state: CityState, code: str, english: bool = False) -> str:
    """A region's own name ('天平路街道'), the code when the catalog does not know it."""
    r = state.regions.get(code)
    if r is None:
        return code
    return (r.name_en or r.name_zh) if english else r.name_zh


def street_points(state: CityState, code: str, roll: dict[str, Status], english: bool = False) -> list[dict]:
    """The seat points of the streets the map draws while it looks at a district (or at one of its
    streets): code, name, lat, lon and worst status. Streets without a seat point are left out."""
    if level_of(code) is Level.CITY:
        return []
    district = code[:6]
    out = []
    for c in children(state, district):
        r = state.regions[c]
        if r.centroid is None:
            continue
        out.append({"code": c, "name": place_name(state, c, english), "lat": r.centroid[0], "lon": r.centroid[1],
                    "st": roll.get(c, Status.NODATA).value})
    return out


def area_choices(state: CityState, crumbs: list[str], english: bool = False) -> list[tuple[str, str]]:
    """What the queue's area filter offers while the views look at crumbs[-1]: the crumbs below the city
    (the whole city is the filter's "all"), then the regions one level down, indented."""
    out = [(c, place_name(state, c, english)) for c in crumbs if level_of(c) is not Level.CITY]
    return out + [(c, "  " + place_name(state, c, english)) for c in children(state, crumbs[-1])]
