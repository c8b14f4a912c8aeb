"""From one MQTT message (its topic, its payload) to one reading, by the site's mapping file, or to the
reason it could not be (a counter key). Pure and small: the subscriber (run.py) feeds it.

A mapping file (JSON) is a list of rules; the first whose `topic` matches applies:

    {"rules": [{"topic": "sensors/+/drainage/+/level",   MQTT filter: + one level, # the rest
                "indicator": "water.pump_sump_level",    an indicator of the catalog
                "region": "{1}",                         a region code, or {n}: the topic's level n (0-based)
                "value": "$.level_cm",                   JSON path of the number ($ = the payload itself)
                "scale": 0.01, "offset": 0,              value * scale + offset (cm -> m)
                "timestamp": "$.ts",                     JSON path of the reading's time, or null: arrival
                "timestamp_unit": "s"}]}                 s, ms, or iso (ISO 8601 text)

Paths are `$`, then `.name` or `[index]` steps. Values may be JSON numbers or numeric text; booleans,
NaN and infinities are refused.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

MAX_PAYLOAD_BYTES = 64 * 1024  # a sensor reading is a few hundred bytes

_STEP = re.compile(r"\.([^.\[\]]+)|\[(\d+)\]")


class MappingError(ValueError):
    """The mapping file cannot be used; the message says where."""


class Reason:
    """Why a message became no reading: the bridge's counter keys."""

    NO_RULE = "no_rule"
    TOO_LARGE = "too_large"
    NOT_JSON = "not_json"
    NO_VALUE = "no_value"
    NOT_A_NUMBER = "not_a_number"
    BAD_TIMESTAMP = "bad_timestamp"
    BAD_REGION = "bad_region"
    UNKNOWN_INDICATOR = "unknown_indicator"


def parse_path(path: str) -> tuple[str | int, ...]:
    if not path.startswith("$"):
        raise MappingError(f"JSON path {path!r} must start with $")
    rest, steps, pos = path[1:], [], 0
    while pos < len(rest):
        m = _STEP.match(rest, pos)
        if m is None:
            raise MappingError(f"JSON path {path!r}: cannot read {rest[pos:]!r}")
        steps.append(m.group(1) if m.group(1) is not None else int(m.group(2)))
        pos = m.end()
    return tuple(steps)


_MISSING = object()


def pick(doc: Any, steps: tuple[str | int, ...]) -> Any:
    for s in steps:
        if isinstance(s, int):
            if not isinstance(doc, list) or s >= len(doc):
                return _MISSING
            doc = doc[s]
        else:
            if not isinstance(doc, dict) or s not in doc:
                return _MISSING
            doc = doc[s]
    return doc


@dataclass(frozen=True, slots=True)
class Rule:
    topic: tuple[str, ...]
    indicator: str
    region: str  # a code, or a template with {n}
    value: tuple[str | int, ...]
    scale: float
    offset: float
    timestamp: tuple[str | int, ...] | None
    timestamp_unit: str

    def match(self, levels: list[str]) -> bool:
        for k, want in enumerate(self.topic):
            if want == "#":
                return True
            if k >= len(levels) or (want != "+" and want != levels[k]):
                return False
        return len(levels) == len(self.topic)

    def region_of(self, levels: list[str]) -> str:
        return re.sub(r"\{(\d+)\}", lambda m: levels[int(m.group(1))] if int(m.group(1)) < len(levels) else "",
                      self.region)


def load_rules(path: Path) -> list[Rule]:
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise MappingError(f"cannot read {path}: {exc}") from None
    raw = doc.get("rules") if isinstance(doc, dict) else None
    if not isinstance(raw, list) or not raw:
        raise MappingError(f"{path}: needs a non-empty list `rules`")
    return [_rule(r, f"rules[{k}]") for k, r in enumerate(raw)]


def _rule(r: Any, where: str) -> Rule:
    if not isinstance(r, dict):
        raise MappingError(f"{where}: an object")
    for key in ("topic", "indicator", "region", "value"):
        if not isinstance(r.get(key), str) or not r[key]:
            raise MappingError(f"{where}.{key}: required text")
    topic = tuple(r["topic"].split("/"))
    if "#" in topic[:-1] or any(("+" in t or "#" in t) and len(t) > 1 for t in topic):
        raise MappingError(f"{where}.topic: + and # stand alone, # only last")
    scale, offset = r.get("scale", 1.0), r.get("offset", 0.0)
    if any(type(x) not in (int, float) or not math.isfinite(x) for x in (scale, offset)):
        raise MappingError(f"{where}: scale and offset are numbers")
    unit = r.get("timestamp_unit", "s")
    if unit not in ("s", "ms", "iso"):
        raise MappingError(f"{where}.timestamp_unit: s, ms or iso")
    ts = r.get("timestamp")
    if ts is not None and not isinstance(ts, str):
        raise MappingError(f"{where}.timestamp: a JSON path or null (arrival time)")
    for m in re.finditer(r"\{(\d+)\}", r["region"]):
        if int(m.group(1)) >= len(topic) or topic[int(m.group(1))] in ("#",):
            raise MappingError(f"{where}.region: the topic has no level {m.group(1)}")
    return Rule(topic, r["indicator"], r["region"], parse_path(r["value"]), float(scale), float(offset),
                parse_path(ts) if ts else None, unit)


def _number(v: Any) -> float | None:
    if type(v) in (int, float):
        f = float(v)
    elif type(v) is str:
        try:
            f = float(v.strip())
        except ValueError:
            return None
    else:
        return None  # bool, null, objects
    return f if math.isfinite(f) else None


def _time(v: Any, unit: str) -> float | None:
    if unit == "iso":
        if type(v) is not str:
            return None
        try:
            t = dt.datetime.fromisoformat(v)
        except ValueError:
            return None
        if t.tzinfo is None:
            return None  # a time without a zone is a guess; refuse it
        return t.timestamp()
    f = _number(v)
    if f is None:
        return None
    f = f / 1000.0 if unit == "ms" else f
    return f if f > 0 else None


class SensorMapper:
    """Messages to readings against the catalog: an indicator or region it does not have is refused
    here, so the consoles never see a reading they would have to drop."""

    def __init__(self, rules: list[Rule], domains: dict[str, str], regions: set[str]):
        self.rules = rules
        self.domains = domains  # indicator -> domain (the subject's)
        self.regions = regions

    def map(self, topic: str, payload: bytes, arrival: float) -> tuple[list | None, str | None, str | None]:
        """(row [indicator, region, ts, value], its domain, None) or (None, None, reason)."""
        levels = topic.split("/")
        rule = next((r for r in self.rules if r.match(levels)), None)
        if rule is None:
            return None, None, Reason.NO_RULE
        if len(payload) > MAX_PAYLOAD_BYTES:
            return None, None, Reason.TOO_LARGE
        domain = self.domains.get(rule.indicator)
        if domain is None:
            return None, None, Reason.UNKNOWN_INDICATOR
        region = rule.region_of(levels)
        if region not in self.regions:
            return None, None, Reason.BAD_REGION
        try:
            doc = orjson.loads(payload)
        except orjson.JSONDecodeError:
            return None, None, Reason.NOT_JSON
        raw = pick(doc, rule.value)
        if raw is _MISSING:
            return None, None, Reason.NO_VALUE
        value = _number(raw)
        if value is None:
            return None, None, Reason.NOT_A_NUMBER
        value = value * rule.scale + rule.offset
        if not math.isfinite(value):
            return None, None, Reason.NOT_A_NUMBER
        if rule.timestamp is None:
            ts = arrival
        else:
            raw_ts = pick(doc, rule.timestamp)
            ts = None if raw_ts is _MISSING else _time(raw_ts, rule.timestamp_unit)
            if ts is None:
                return None, None, Reason.BAD_TIMESTAMP
        return [rule.indicator, region, ts, value], domain, None


def topic_of(subject: str) -> str:
    """nats-server's MQTT listener turns topic `a/b/c` into subject `a.b.c` (and a `.` in a level into `//`)."""
    return subject.replace("//", "\x00").replace(".", "/").replace("\x00", ".")
