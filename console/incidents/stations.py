"""Dispatch stations (处置单位): each district has its own station of each service (徐汇消防救援站), and a
site may add units of its own (120急救分站). The dispatch dialog offers the incident's district's stations
first; the simulated city names its vehicles' stations the same way. A site gives its own list in the
file its configuration names ([dispatch] file), checked whole before the console starts. Qt-free."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from console.resources import resource

# the services every district has a station of; a site's list (dispatch_units.json) may name its own
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


MAX_NAME = 64  # a unit's name on one line of the dialog and the resources dock
MAX_FILE_BYTES = 1 << 20


class DispatchConfigError(ValueError):
    """A dispatch list that cannot be used: names the file and what is wrong."""


@dataclass(frozen=True, slots=True)
class DispatchList:
    services: tuple[str, ...] = DISTRICT_SERVICES  # each district's station of each
    units: tuple[str, ...] = ()  # the site's own units, offered for every incident

    def choices(self, district_zh: str | None) -> list[str]:
        return dispatch_choices(district_zh, self.services, list(self.units))


def _names(path: Path, doc: dict, key: str) -> tuple[str, ...]:
    names = doc[key]
    if not isinstance(names, list):
        raise DispatchConfigError(f"{path}: {key}: a list of names, not {type(names).__name__}")
    for i, n in enumerate(names):
        if not isinstance(n, str) or not n.strip():
            raise DispatchConfigError(f"{path}: {key}[{i}]: a name, not {n!r}")
        if len(n) > MAX_NAME or not n.isprintable():
            raise DispatchConfigError(f"{path}: {key}[{i}]: a name of at most {MAX_NAME} printable characters")
    return tuple(dict.fromkeys(n.strip() for n in names))


def load_dispatch_list(path: Path) -> DispatchList:
    """The units a duty officer can dispatch to: `district_services` (optional: the shipped services)
    and `units` (the site's own)."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise DispatchConfigError(f"{path}: larger than {MAX_FILE_BYTES >> 20} MB")
        doc = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DispatchConfigError(f"{path}: cannot read it: {exc.strerror or exc}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise DispatchConfigError(f"{path}: not JSON: {exc}") from None
    if not isinstance(doc, dict) or "units" not in doc:
        raise DispatchConfigError(f"{path}: an object with \"units\" (and optionally \"district_services\")")
    services = _names(path, doc, "district_services") if "district_services" in doc else DISTRICT_SERVICES
    return DispatchList(services, _names(path, doc, "units"))


def shipped_dispatch_list() -> DispatchList:
    """The list shipped in resources/config/dispatch_units.json, the one used when a site names none."""
    return load_dispatch_list(resource("config", "dispatch_units.json"))
