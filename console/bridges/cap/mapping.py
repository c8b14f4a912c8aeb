"""From a CAP `<info>` to an incident's fields, by the site's table (`resources/config/cap_mapping.json`,
documented in docs/integration.md): its level (red/orange/yellow/blue), domain, region (GB/T 2260
geocodes against the catalog's regions), location and drawn area, title and detail. Pure: no clock,
no I/O besides loading the table.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from console.bridges.cap.alert import CapAlert, CapInfo
from console.feed.frames import Area, Region
from console.feed.protocol import Severity
from console.resources import resource

CAP_SEVERITIES = ("Extreme", "Severe", "Moderate", "Minor", "Unknown")
CAP_URGENCIES = ("Immediate", "Expected", "Future", "Past", "Unknown")
CAP_CERTAINTIES = ("Observed", "Likely", "Possible", "Unlikely", "Unknown")
_TEXT_LIMIT = 4000  # detail text kept from one warning; the rest is in the issuer's own copy


class MappingError(ValueError):
    """The mapping file cannot be used; the message says where."""


@dataclass(frozen=True, slots=True)
class LevelRule:
    severity: frozenset[str] | None
    urgency: frozenset[str] | None
    certainty: frozenset[str] | None
    level: Severity

    def matches(self, info: CapInfo) -> bool:
        return all(allowed is None or value in allowed for allowed, value in
                   ((self.severity, info.severity), (self.urgency, info.urgency), (self.certainty, info.certainty)))


@dataclass(frozen=True, slots=True)
class CapMapping:
    levels: tuple[LevelRule, ...]
    colour_words: tuple[tuple[str, Severity], ...]
    domains: dict[str, str]
    event_domains: tuple[tuple[str, str], ...]
    geocode_names: frozenset[str]
    statuses: frozenset[str]
    languages: tuple[str, ...]
    outside: str
    city_code: str


def _list(rule: dict, key: str, allowed: tuple[str, ...], where: str) -> frozenset[str] | None:
    v = rule.get(key)
    if v is None:
        return None
    if not isinstance(v, list) or not all(isinstance(x, str) and x in allowed for x in v):
        raise MappingError(f"{where}.{key}: a list of {', '.join(allowed)}")
    return frozenset(v)


def _severity(v: Any, where: str) -> Severity:
    try:
        return Severity(v)
    except ValueError:
        raise MappingError(f"{where}: {v!r} is not red, orange, yellow or blue") from None


def load_mapping(path: Path | None = None) -> CapMapping:
    path = path or resource("config", "cap_mapping.json")
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise MappingError(f"cannot read {path}: {exc}") from None
    if not isinstance(doc, dict):
        raise MappingError(f"{path}: a JSON object")
    rules = []
    for k, r in enumerate(doc.get("levels") or []):
        where = f"levels[{k}]"
        if not isinstance(r, dict):
            raise MappingError(f"{where}: an object")
        rules.append(LevelRule(_list(r, "severity", CAP_SEVERITIES, where), _list(r, "urgency", CAP_URGENCIES, where),
                               _list(r, "certainty", CAP_CERTAINTIES, where), _severity(r.get("level"), where)))
    if not rules or any(x is not None for x in (rules[-1].severity, rules[-1].urgency, rules[-1].certainty)):
        raise MappingError("levels: the last rule must match anything (give it only a level)")
    words = doc.get("colour_words") or {}
    domains = doc.get("domains") or {}
    event_domains = doc.get("event_domains") or {}
    for name, table in (("colour_words", words), ("domains", domains), ("event_domains", event_domains)):
        if not isinstance(table, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in table.items()):
            raise MappingError(f"{name}: an object of text to text")
    outside = doc.get("outside", "city")
    if outside not in ("city", "drop"):
        raise MappingError("outside: \"city\" or \"drop\"")
    city = doc.get("city_code", "310000")
    if not (isinstance(city, str) and city.isdigit()):
        raise MappingError("city_code: a GB/T 2260 code")
    texts = {}
    for name in ("geocode_names", "statuses", "languages"):
        v = doc.get(name) or []
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            raise MappingError(f"{name}: a list of text")
        texts[name] = v
    return CapMapping(
        levels=tuple(rules),
        colour_words=tuple((w, _severity(c, f"colour_words[{w!r}]")) for w, c in words.items()),
        domains=dict(domains), event_domains=tuple(event_domains.items()),
        geocode_names=frozenset(texts["geocode_names"]), statuses=frozenset(texts["statuses"]),
        languages=tuple(texts["languages"]), outside=outside, city_code=city)


# ---------------------------------------------------------------------- the fields
def level_of(info: CapInfo, m: CapMapping) -> tuple[Severity, str]:
    """The level and why: the colour the warning names (GB/T 35965.1 warnings do), else the table.
    When a text names two colours the last one counts: "暴雨红色预警降级为橙色" is orange now."""
    for text in (info.event, info.headline):
        named = [(text.rfind(word), word, colour) for word, colour in m.colour_words if word in text]
        if named:
            _, word, colour = max(named)
            return colour, f"named: {word}"
    for k, rule in enumerate(m.levels):
        if rule.matches(info):
            return rule.level, f"levels[{k}]"
    raise AssertionError("the last level rule matches anything")  # load_mapping makes sure


def domain_of(info: CapInfo, m: CapMapping) -> str:
    for word, domain in m.event_domains:
        if word in info.event:
            return domain
    for cat in info.categories:
        if cat in m.domains:
            return m.domains[cat]
    return "safety"


def chosen_infos(alert: CapAlert, m: CapMapping) -> list[CapInfo]:
    """The infos of one language: the first of `languages` the alert has, else its first info's.
    Infos in other languages say the same thing again (CAP's multilingual alerts)."""
    langs = [i.language for i in alert.infos]
    pick = next((lang for pref in m.languages for lang in langs if lang.lower() == pref.lower()), None)
    if pick is None and langs:
        pick = langs[0]
    return [i for i in alert.infos if i.language == pick]


def _region_codes(info: CapInfo, m: CapMapping) -> list[str]:
    return [v.strip() for a in info.areas for name, v in a.geocodes if name in m.geocode_names and v.strip().isdigit()]


def _known(code: str, regions: dict[str, Region]) -> str | None:
    """A GB/T 2260 code (6 digits; 9 for a street or town; 12 for a village) to the nearest region
    the catalog has: a village to its street, `310100` (市辖区) to the city."""
    for n in (12, 9, 6):
        if len(code) >= n and code[:n] in regions:
            return code[:n]
    if len(code) >= 4 and code[:2] + "0000" in regions and code[2:4] in ("01", "00"):
        return code[:2] + "0000"
    return None


def _ancestors(code: str, regions: dict[str, Region]) -> list[str]:
    out = []
    cur: str | None = code
    while cur is not None and cur in regions and cur not in out:
        out.append(cur)
        cur = regions[cur].parent
    return out


def region_of(info: CapInfo, regions: dict[str, Region], m: CapMapping) -> str | None:
    """The one region the warning covers: its geocode's, or the smallest region holding all of them;
    None when none is in the catalog."""
    known = [k for k in (_known(c, regions) for c in _region_codes(info, m)) if k is not None]
    if not known:
        return None
    common = _ancestors(known[0], regions)
    for code in known[1:]:
        up = set(_ancestors(code, regions))
        common = [c for c in common if c in up]
    return common[0] if common else m.city_code


def area_of(info: CapInfo) -> Area | None:
    polygons = tuple(p for a in info.areas for p in a.polygons)
    circles = tuple(c for a in info.areas for c in a.circles)
    desc = "; ".join(a.desc for a in info.areas if a.desc)
    if not (polygons or circles or desc):
        return None
    return Area(desc=desc[:_TEXT_LIMIT], polygons=polygons, circles=circles)


def location_of(area: Area | None, region: Region | None) -> tuple[float, float] | None:
    """The first polygon's vertex mean (its closing point counted once), else the first circle's centre,
    else the region's centroid."""
    if area is not None and area.polygons:
        pts = area.polygons[0][:-1]
        return (round(sum(p[0] for p in pts) / len(pts), 5), round(sum(p[1] for p in pts) / len(pts), 5))
    if area is not None and area.circles:
        return area.circles[0][0], area.circles[0][1]
    return region.centroid if region is not None else None


def title_of(info: CapInfo) -> str:
    return (info.headline or info.event or "上级预警 / upper-level warning")[:200]


def detail_of(alert: CapAlert, info: CapInfo) -> str:
    parts = [info.description, info.instruction]
    if info.sender_name:
        parts.append(f"发布单位 / issuer: {info.sender_name}")
    parts.append(f"CAP {alert.msg_type} {alert.identifier} ({alert.sender}); {info.urgency}/{info.severity}/"
                 f"{info.certainty}")
    return "\n".join(p for p in parts if p)[:_TEXT_LIMIT]


def category_of(info: CapInfo) -> str:
    """`warning:<event>`: an SLA or rules file can match all warnings with `warning:*`."""
    return f"warning:{info.event[:60]}"
