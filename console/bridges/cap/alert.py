"""A CAP 1.2 alert: checked against the official schema (`resources/cap/CAP-v1.2.xsd`, with `xmlschema`),
then read into plain frozen dataclasses. Times become UNIX seconds, `<polygon>` and `<circle>` become
numbers (the schema types them as text, so their syntax is checked here), `<references>` becomes
(sender, identifier, sent) triples.
"""

from __future__ import annotations

import datetime as dt
import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import cache

import xmlschema

from console.bridges.cap.safe_xml import DEFAULT_MAX_BYTES, Reason, Refused, parse_xml
from console.resources import resource

CAP12_NS = "urn:oasis:names:tc:emergency:cap:1.2"
_N = f"{{{CAP12_NS}}}"

Point = tuple[float, float]  # (lat, lon), WGS-84 as CAP has it


@dataclass(frozen=True, slots=True)
class CapArea:
    desc: str
    polygons: tuple[tuple[Point, ...], ...]
    circles: tuple[tuple[float, float, float], ...]  # (lat, lon, radius km)
    geocodes: tuple[tuple[str, str], ...]  # (valueName, value)


@dataclass(frozen=True, slots=True)
class CapInfo:
    language: str
    categories: tuple[str, ...]
    event: str
    urgency: str
    severity: str
    certainty: str
    effective: float | None
    onset: float | None
    expires: float | None
    sender_name: str
    headline: str
    description: str
    instruction: str
    contact: str
    event_codes: tuple[tuple[str, str], ...]
    parameters: tuple[tuple[str, str], ...]
    areas: tuple[CapArea, ...]


@dataclass(frozen=True, slots=True)
class CapAlert:
    identifier: str
    sender: str
    sent: float
    status: str
    msg_type: str
    scope: str
    references: tuple[tuple[str, str, str], ...]  # (sender, identifier, sent) of earlier alerts
    note: str
    infos: tuple[CapInfo, ...]

    @property
    def key(self) -> tuple[str, str]:
        """What `<references>` names an alert by."""
        return self.sender, self.identifier


@cache
def cap12_schema() -> xmlschema.XMLSchema10:
    return xmlschema.XMLSchema10(str(resource("cap", "CAP-v1.2.xsd")))


def validate(root: ET.Element) -> None:
    if root.tag != f"{_N}alert":
        raise Refused(Reason.NOT_CAP, f"root element {root.tag[:120]!r}, not a CAP 1.2 alert")
    err = next(cap12_schema().iter_errors(root), None)
    if err is not None:
        path = err.path or ""
        raise Refused(Reason.SCHEMA, f"{path}: {err.reason or err.message}")


def parse_alert(data: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> CapAlert:
    """Bytes from outside to a checked alert, or `Refused`."""
    return read_alert(parse_xml(data, max_bytes))


def read_alert(root: ET.Element) -> CapAlert:
    validate(root)
    return CapAlert(
        identifier=_text(root, "identifier"),
        sender=_text(root, "sender"),
        sent=_time(_text(root, "sent")),
        status=_text(root, "status"),
        msg_type=_text(root, "msgType"),
        scope=_text(root, "scope"),
        references=_references(_text(root, "references")),
        note=_text(root, "note"),
        infos=tuple(_info(e) for e in root.findall(f"{_N}info")),
    )


def _text(parent: ET.Element, name: str) -> str:
    e = parent.find(f"{_N}{name}")
    return (e.text or "").strip() if e is not None else ""


def _texts(parent: ET.Element, name: str) -> tuple[str, ...]:
    return tuple((e.text or "").strip() for e in parent.findall(f"{_N}{name}"))


def _pairs(parent: ET.Element, name: str) -> tuple[tuple[str, str], ...]:
    return tuple((_text(e, "valueName"), _text(e, "value")) for e in parent.findall(f"{_N}{name}"))


def _time(text: str) -> float:
    try:
        return dt.datetime.fromisoformat(text).timestamp()
    except ValueError:
        raise Refused(Reason.BAD_CONTENT, f"time {text[:40]!r}") from None


def _opt_time(text: str) -> float | None:
    return _time(text) if text else None


def _references(text: str) -> tuple[tuple[str, str, str], ...]:
    out = []
    for triple in text.split():
        parts = triple.split(",")
        if len(parts) != 3 or not parts[0] or not parts[1]:
            raise Refused(Reason.BAD_CONTENT, f"reference {triple[:80]!r} is not sender,identifier,sent")
        out.append((parts[0], parts[1], parts[2]))
    return tuple(out)


def _point(text: str) -> Point:
    try:
        lat_s, lon_s = text.split(",")
        lat, lon = float(lat_s), float(lon_s)
    except ValueError:
        raise Refused(Reason.BAD_CONTENT, f"point {text[:40]!r} is not lat,lon") from None
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise Refused(Reason.BAD_CONTENT, f"point {text[:40]!r} is off the globe")
    return lat, lon


def _polygon(text: str) -> tuple[Point, ...]:
    pts = tuple(_point(p) for p in text.split())
    # CAP: at least four pairs, the first and the last the same
    if len(pts) < 4 or pts[0] != pts[-1]:
        raise Refused(Reason.BAD_CONTENT, f"polygon of {len(pts)} points, not closed or too short")
    return pts


def _circle(text: str) -> tuple[float, float, float]:
    parts = text.split()
    if len(parts) != 2:
        raise Refused(Reason.BAD_CONTENT, f"circle {text[:60]!r} is not 'lat,lon radius'")
    lat, lon = _point(parts[0])
    try:
        radius = float(parts[1])
    except ValueError:
        raise Refused(Reason.BAD_CONTENT, f"circle radius {parts[1][:20]!r}") from None
    if not (math.isfinite(radius) and radius >= 0):
        raise Refused(Reason.BAD_CONTENT, f"circle radius {parts[1][:20]!r}")
    return lat, lon, radius


def _area(e: ET.Element) -> CapArea:
    return CapArea(
        desc=_text(e, "areaDesc"),
        polygons=tuple(_polygon(t) for t in _texts(e, "polygon")),
        circles=tuple(_circle(t) for t in _texts(e, "circle")),
        geocodes=_pairs(e, "geocode"),
    )


def _info(e: ET.Element) -> CapInfo:
    return CapInfo(
        language=_text(e, "language") or "en-US",  # the schema's default
        categories=_texts(e, "category"),
        event=_text(e, "event"),
        urgency=_text(e, "urgency"),
        severity=_text(e, "severity"),
        certainty=_text(e, "certainty"),
        effective=_opt_time(_text(e, "effective")),
        onset=_opt_time(_text(e, "onset")),
        expires=_opt_time(_text(e, "expires")),
        sender_name=_text(e, "senderName"),
        headline=_text(e, "headline"),
        description=_text(e, "description"),
        instruction=_text(e, "instruction"),
        contact=_text(e, "contact"),
        event_codes=_pairs(e, "eventCode"),
        parameters=_pairs(e, "parameter"),
        areas=tuple(_area(a) for a in e.findall(f"{_N}area")),
    )
