"""Dispatch stations (处置单位): each district has its own station of each service (徐汇消防救援站), and a
site may add units of its own (120急救分站). The dispatch dialog offers the incident's district's stations
first; the simulated city names its vehicles' stations the same way. Qt-free."""

from __future__ import annotations

# the services every district has a station of; a site's config (dispatch_units.json) may name its own
DISTRICT_SERVICES = ("消防救援站", "城管执法中队", "供电抢修班", "燃气抢修中心", "水务应急队", "交警支队", "网格工作站")


def station_of(district_zh: str, service: str) -> str:
    """A district's station of a service: ("徐汇区", "消防救援站") -> "徐汇消防救援站" (the district's name
    without 区 or 新区, as stations are named: 浦东新区 -> 浦东)."""
    for suffix in ("新区", "区"):
        if district_zh.endswith(suffix) and len(district_zh) > len(suffix) + 1:
            return district_zh[: -len(suffix)] + service
    return district_zh + service


def dispatch_choices(district_zh: str | None, services: list[str] | tuple[str, ...],
                     site_units: list[str]) -> list[str]:
    """What the officer may dispatch an incident to: its district's stations (none for an incident with
    no district), then the site's own units, each once."""
    own = [station_of(district_zh, s) for s in services] if district_zh else []
    return list(dict.fromkeys([*own, *site_units]))
