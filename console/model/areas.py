"""Which area a region code belongs to, by the code alone: China's division codes nest by prefix
(上海市 310000 › 徐汇区 310104 › 天平路街道 310104003), so a scope's area is every code that starts with
the scope's own meaningful digits. One place for this rule: the subscription filter, the board's
roll-up, the queue's level rules, the map's framing and the breadcrumb all ask here."""

from __future__ import annotations

from console.feed.protocol import Level

CITY_CODE = "310000"


def level_of(code: str) -> Level:
    """city (xx0000), district (6 digits), street/town (9 digits)."""
    if len(code) >= 9:
        return Level.STREET
    return Level.CITY if code.endswith("0000") else Level.DISTRICT


def area_prefix(scope: str) -> str:
    """The prefix every code inside `scope` starts with: '31' for the city, the 6 digits of a district,
    the 9 of a street."""
    return scope[:2] if level_of(scope) is Level.CITY else scope


def in_area(code: str, scope: str) -> bool:
    """True when `code` is `scope` itself or lies inside it."""
    return code.startswith(area_prefix(scope))


def parent_of(code: str) -> str | None:
    """The next level up by code: a street's district, a district's city; None for the city."""
    level = level_of(code)
    if level is Level.STREET:
        return code[:6]
    if level is Level.DISTRICT:
        return code[:2] + "0000"
    return None


def chain(code: str) -> list[str]:
    """From the city down to `code` (the breadcrumb): ['310000', '310104', '310104003']."""
    out = [code]
    while (up := parent_of(out[0])) is not None:
        out.insert(0, up)
    return out


def child_level(scope: str) -> Level | None:
    """The level a console of `scope` rolls up over: districts for the city, streets for a district."""
    return {Level.CITY: Level.DISTRICT, Level.DISTRICT: Level.STREET}.get(level_of(scope))
