"""Validate raw `cityops.feed/1` server frames and turn them into typed frames.

Sans-I/O: a decoder takes bytes or text and returns a `Decoded`; it never raises. A bad frame becomes
a named, counted reason (see `Reason`); a bad sample inside a good `samples` frame is dropped alone so
the rest of the batch is kept.
"""

from __future__ import annotations

import logging
import math
from enum import StrEnum
from typing import Any, Literal

import msgspec
import numpy as np
import orjson

from console.feed.frames import (
    Area,
    Catalog,
    Decoded,
    ErrorFrame,
    Event,
    EventFrame,
    Heartbeat,
    Hello,
    HistoryEntry,
    Indicator,
    Region,
    Reply,
    SampleBatch,
    Samples,
    Snapshot,
    Unit,
    UnitFrame,
    Unknown,
)
from console.feed.protocol import (
    DEFAULT_MAX_FRAME_BYTES,
    FrameType,
    IncidentState,
    Level,
    Severity,
    UnitKind,
    UnitState,
)

log = logging.getLogger(__name__)


class Reason(StrEnum):
    OVERSIZED = "oversized_frame"
    BAD_ENCODING = "bad_encoding"  # not UTF-8
    BAD_JSON = "bad_json"
    NON_FINITE = "non_finite_number"  # NaN, Infinity, or a number too large for a double
    NOT_OBJECT = "not_an_object"
    MISSING_TYPE = "missing_type"
    MISSING_FIELD = "missing_field"
    WRONG_TYPE = "wrong_type"  # a field of the wrong JSON type (a number as a string, ...)
    BAD_VALUE = "bad_value"  # right type, impossible value (unknown severity, negative seq, ...)
    BAD_SAMPLE = "bad_sample"  # one reading malformed; the rest of its frame is kept
    UNKNOWN_INDICATOR = "unknown_indicator"  # counted by the model, which knows the catalog
    UNKNOWN_REGION = "unknown_region"
    INTERNAL = "internal_error"  # a decoder bug: logged with the traceback, never raised


class _Bad(Exception):
    def __init__(self, reason: Reason, detail: str):
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


_NUM = (int, float)
_NUM_TYPES = frozenset({int, float})
_STR_TYPES = frozenset({str})

_KNOWN_FIELDS: dict[str, frozenset[str]] = {
    FrameType.HELLO: frozenset({"type", "protocol", "source", "level", "server_time"}),
    FrameType.CATALOG: frozenset({"type", "indicators", "regions"}),
    FrameType.SNAPSHOT: frozenset({"type", "seq", "values", "events", "events_follow"}),
    FrameType.SAMPLES: frozenset({"type", "seq", "samples"}),
    FrameType.EVENT: frozenset({"type", "seq", "event"}),
    FrameType.HEARTBEAT: frozenset({"type", "server_time"}),
    FrameType.REPLY: frozenset({"type", "ref", "ok", "error", "event"}),
    FrameType.ERROR: frozenset({"type", "code", "message"}),
    FrameType.UNIT: frozenset({"type", "units"}),
}
_EVENT_FIELDS = frozenset(
    {"id", "version", "title", "category", "domain", "severity", "source", "region", "location", "state",
     "created_ts", "updated_ts", "sla_due_ts", "assignee", "detail", "history", "merged_into", "level", "area"}
)


def _num(obj: dict, key: str, *, required: bool = True, default: float | None = None) -> float | None:
    v = obj.get(key)
    if v is None:
        if required:
            raise _Bad(Reason.MISSING_FIELD, key)
        return default
    if type(v) not in _NUM_TYPES:  # bool is an int subclass, and not a number here
        raise _Bad(Reason.WRONG_TYPE, f"{key} must be a number, got {type(v).__name__}")
    f = float(v)
    if not math.isfinite(f):
        raise _Bad(Reason.NON_FINITE, key)
    return f


# a time on the wire is seconds since 1970 before 2100: 1.5e308 is a finite double, and a reading stamped
# with it reached the model, whose minute buckets (ts // 60 as int64) overflowed (found by the fuzzer)
MAX_TS = 4_102_444_800.0  # 2100-01-01 00:00 UTC


def _time(obj: dict, key: str, *, required: bool = True, default: float | None = None) -> float | None:
    """A number that is a time: finite, and between 1970 (a negative one: a broken clock) and 2100."""
    t = _num(obj, key, required=required, default=default)
    if t is not None and not 0 <= t < MAX_TS:
        raise _Bad(Reason.BAD_VALUE, f"{key} is not a time between 1970 and 2100: {t!r}")
    return t


def _str(obj: dict, key: str, *, required: bool = True, default: str | None = None) -> str | None:
    v = obj.get(key)
    if v is None:
        if required:
            raise _Bad(Reason.MISSING_FIELD, key)
        return default
    if type(v) is not str:
        raise _Bad(Reason.WRONG_TYPE, f"{key} must be text, got {type(v).__name__}")
    return v


def _seq(obj: dict) -> int:
    v = obj.get("seq")
    if v is None:
        raise _Bad(Reason.MISSING_FIELD, "seq")
    if type(v) is not int:
        raise _Bad(Reason.WRONG_TYPE, "seq must be an integer")
    if v < 0:
        raise _Bad(Reason.BAD_VALUE, "seq must not be negative")
    return v


def _names(obj: dict, key: str) -> tuple[str, str]:
    v = obj.get(key)
    if type(v) is str:  # lenient: a single name serves both languages
        return v, v
    if type(v) is not dict:
        raise _Bad(Reason.WRONG_TYPE, f"{key} must be {{zh, en}}")
    zh, en = v.get("zh"), v.get("en")
    if type(zh) is not str and type(en) is not str:
        raise _Bad(Reason.MISSING_FIELD, f"{key}.zh/en")
    zh = zh if type(zh) is str else en
    en = en if type(en) is str else zh
    return zh, en


def _enum(enum_cls: type, obj: dict, key: str):
    v = _str(obj, key)
    try:
        return enum_cls(v)
    except ValueError:
        allowed = [e.value for e in enum_cls]
        raise _Bad(Reason.BAD_VALUE, f"{key}={v[:40]!r} is not one of {allowed}") from None


def decode_indicator(d: Any) -> Indicator:
    if type(d) is not dict:
        raise _Bad(Reason.WRONG_TYPE, "indicator must be an object")
    zh, en = _names(d, "name")
    th = d.get("thresholds") or {}
    if type(th) is not dict:
        raise _Bad(Reason.WRONG_TYPE, "thresholds must be an object")
    direction = th.get("direction", "above")
    if direction not in ("above", "below"):
        raise _Bad(Reason.BAD_VALUE, "thresholds.direction must be above or below")
    cadence = _num(d, "cadence_s", required=False, default=60.0)
    if cadence <= 0:
        raise _Bad(Reason.BAD_VALUE, "cadence_s must be positive")
    rollup = _str(d, "rollup", required=False)
    if rollup not in (None, "sum", "mean"):
        raise _Bad(Reason.BAD_VALUE, "rollup must be sum or mean")
    return Indicator(
        id=_str(d, "id"),
        name_zh=zh,
        name_en=en,
        domain=_str(d, "domain", required=False, default="other"),
        unit=_str(d, "unit", required=False, default=""),
        scope=_str(d, "scope", required=False, default="district"),
        warn=_num(th, "warn", required=False),
        alarm=_num(th, "alarm", required=False),
        direction=direction,
        cadence_s=cadence,
        rollup=rollup,
    )


def decode_region(d: Any) -> Region:
    if type(d) is not dict:
        raise _Bad(Reason.WRONG_TYPE, "region must be an object")
    zh, en = _names(d, "name")
    c = d.get("centroid")
    centroid = None
    if c is not None:
        if type(c) is not list or len(c) != 2 or any(type(x) not in _NUM_TYPES for x in c):
            raise _Bad(Reason.WRONG_TYPE, "centroid must be [lat, lon]")
        if not all(math.isfinite(x) for x in c):
            raise _Bad(Reason.NON_FINITE, "centroid")
        centroid = (float(c[0]), float(c[1]))
    return Region(
        code=_str(d, "code"),
        name_zh=zh,
        name_en=en,
        level=_str(d, "level", required=False, default="district"),
        parent=_str(d, "parent", required=False),
        centroid=centroid,
        point=_str(d, "point", required=False),
    )


MAX_AREA_POINTS = 10_000  # all polygons of one incident together: a district's outline is a few hundred


def _lat_lon(p: Any, what: str) -> tuple[float, float]:
    if type(p) is not list or len(p) != 2 or any(type(x) not in _NUM_TYPES for x in p):
        raise _Bad(Reason.WRONG_TYPE, f"{what} must be [lat, lon]")
    lat, lon = float(p[0]), float(p[1])
    if not (math.isfinite(lat) and math.isfinite(lon)):
        raise _Bad(Reason.NON_FINITE, what)
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise _Bad(Reason.BAD_VALUE, f"{what} is off the globe")
    return lat, lon


def decode_area(d: Any) -> Area:
    if type(d) is not dict:
        raise _Bad(Reason.WRONG_TYPE, "event.area must be an object")
    polys, circles = d.get("polygons") or [], d.get("circles") or []
    if type(polys) is not list or type(circles) is not list:
        raise _Bad(Reason.WRONG_TYPE, "event.area.polygons/circles must be lists")
    polygons = []
    n = 0
    for poly in polys:
        if type(poly) is not list:
            raise _Bad(Reason.WRONG_TYPE, "an area polygon must be a list of [lat, lon]")
        n += len(poly)
        if n > MAX_AREA_POINTS:
            raise _Bad(Reason.BAD_VALUE, f"event.area has more than {MAX_AREA_POINTS} points")
        polygons.append(tuple(_lat_lon(p, "an area point") for p in poly))
    out_circles = []
    for c in circles:
        if type(c) is not dict:
            raise _Bad(Reason.WRONG_TYPE, "an area circle must be {lat, lon, radius_km}")
        lat, lon = _lat_lon([c.get("lat"), c.get("lon")], "a circle's centre")
        r = _num(c, "radius_km")
        if r < 0:
            raise _Bad(Reason.BAD_VALUE, "radius_km must not be negative")
        out_circles.append((lat, lon, r))
    return Area(desc=_str(d, "desc", required=False, default=""), polygons=tuple(polygons),
                circles=tuple(out_circles))


def decode_event(d: Any) -> Event:
    if type(d) is not dict:
        raise _Bad(Reason.WRONG_TYPE, "event must be an object")
    version = d.get("version")
    if type(version) is not int:
        raise _Bad(Reason.WRONG_TYPE if version is not None else Reason.MISSING_FIELD, "event.version")
    loc = d.get("location")
    location = None
    if loc is not None:
        if type(loc) is not dict:
            raise _Bad(Reason.WRONG_TYPE, "event.location must be {lat, lon}")
        location = (_num(loc, "lat"), _num(loc, "lon"))
    hist_raw = d.get("history") or []
    if type(hist_raw) is not list:
        raise _Bad(Reason.WRONG_TYPE, "event.history must be a list")
    history = []
    for h in hist_raw:
        if type(h) is not dict:
            raise _Bad(Reason.WRONG_TYPE, "event.history entries must be objects")
        history.append(
            HistoryEntry(
                ts=_time(h, "ts"),
                state=_str(h, "state", required=False, default=""),
                operator=_str(h, "operator", required=False, default=""),
                note=_str(h, "note", required=False, default=""),
            )
        )
    created = _time(d, "created_ts")
    return Event(
        id=_str(d, "id"),
        version=version,
        title=_str(d, "title"),
        category=_str(d, "category", required=False, default=""),
        domain=_str(d, "domain", required=False, default="other"),
        severity=_enum(Severity, d, "severity"),
        source=_str(d, "source", required=False, default="unknown"),
        region=_str(d, "region"),
        location=location,
        state=_enum(IncidentState, d, "state"),
        created_ts=created,
        updated_ts=_time(d, "updated_ts", required=False, default=created),
        sla_due_ts=_time(d, "sla_due_ts", required=False),
        assignee=_str(d, "assignee", required=False),
        detail=_str(d, "detail", required=False, default=""),
        history=tuple(history),
        merged_into=_str(d, "merged_into", required=False),
        # optional: absent means the level of the region code (street 9 digits, district 6, city xx0000)
        level=_enum(Level, d, "level") if d.get("level") is not None else None,
        area=decode_area(d["area"]) if d.get("area") is not None else None,
    )


MAX_UNIT_ID = 64  # characters of a unit's id and of its kind kept; a longer id is refused
MAX_UNIT_NAME = 200


def decode_unit(d: Any) -> Unit:
    """One unit upsert `{id, name, kind, lat, lon, state, incident, ts}` or `_Bad` naming its defect."""
    if type(d) is not dict:
        raise _Bad(Reason.WRONG_TYPE, "a unit must be an object")
    uid = _str(d, "id")
    if not uid or len(uid) > MAX_UNIT_ID:
        raise _Bad(Reason.BAD_VALUE, f"unit.id must be 1-{MAX_UNIT_ID} characters")
    lat, lon = _num(d, "lat"), _num(d, "lon")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise _Bad(Reason.BAD_VALUE, "a unit's lat/lon is off the globe")
    ts = _time(d, "ts")
    if ts <= 0:
        raise _Bad(Reason.BAD_VALUE, "unit.ts must be positive")
    kind_text = _str(d, "kind", required=False, default=UnitKind.OTHER.value)[:MAX_UNIT_ID]
    try:
        kind: UnitKind | str = UnitKind(kind_text)
    except ValueError:
        kind = kind_text  # a kind this version does not know: kept, drawn as "other"
    return Unit(id=uid, name=_str(d, "name", required=False, default=uid)[:MAX_UNIT_NAME], kind=kind,
                lat=lat, lon=lon, state=_enum(UnitState, d, "state"), ts=ts,
                incident=_str(d, "incident", required=False))


def decode_units(items: Any, rejects: dict[str, int]) -> tuple[Unit, ...]:
    """A list of unit upserts: each bad one is dropped alone and counted by its defect's reason."""
    if type(items) is not list:
        raise _Bad(Reason.WRONG_TYPE if items is not None else Reason.MISSING_FIELD, "unit.units must be a list")
    out = []
    for d in items:
        try:
            out.append(decode_unit(d))
        except _Bad as bad:
            rejects[bad.reason.value] = rejects.get(bad.reason.value, 0) + 1
    return tuple(out)


def _decode_rows_slow(rows: list, rejects: dict[str, int]) -> SampleBatch:
    """Row by row: keeps every good reading and counts each bad one by its reason."""
    inds, regs, ts, vals = [], [], [], []
    for r in rows:
        if type(r) is not list or len(r) != 4:
            rejects[Reason.BAD_SAMPLE] = rejects.get(Reason.BAD_SAMPLE, 0) + 1
            continue
        i, g, t, v = r
        if type(i) is not str or type(g) is not str or type(t) not in _NUM_TYPES or type(v) not in _NUM_TYPES:
            rejects[Reason.BAD_SAMPLE] = rejects.get(Reason.BAD_SAMPLE, 0) + 1
            continue
        if not (math.isfinite(t) and math.isfinite(v)):
            rejects[Reason.NON_FINITE] = rejects.get(Reason.NON_FINITE, 0) + 1
            continue
        if not 0 < t < MAX_TS:
            rejects[Reason.BAD_SAMPLE] = rejects.get(Reason.BAD_SAMPLE, 0) + 1
            continue
        inds.append(i)
        regs.append(g)
        ts.append(t)
        vals.append(v)
    return SampleBatch(inds, regs, np.asarray(ts, dtype=np.float64), np.asarray(vals, dtype=np.float64))


def decode_rows(rows: Any, rejects: dict[str, int]) -> SampleBatch:
    """`[[indicator, region, ts, value], ...]` to columns. The common, clean case runs at C speed;
    anything odd falls back to the row-by-row path that names each bad reading."""
    if type(rows) is not list:
        raise _Bad(Reason.WRONG_TYPE, "samples must be a list")
    if not rows:
        return SampleBatch.empty()
    # No per-row type/length pass: zip(strict=True) refuses rows of unequal length, unpacking refuses
    # a width other than 4, and a row that is not a list (text, an object) yields columns of the
    # wrong types, which the column checks refuse. Any refusal falls back to the row-by-row path.
    try:
        inds, regs, ts, vals = zip(*rows, strict=True)
    except (ValueError, TypeError):
        return _decode_rows_slow(rows, rejects)
    if (
        set(map(type, inds)) == _STR_TYPES
        and set(map(type, regs)) == _STR_TYPES
        and set(map(type, ts)) <= _NUM_TYPES
        and set(map(type, vals)) <= _NUM_TYPES
    ):
        ts_a = np.array(ts, dtype=np.float64)
        # no isfinite() pass: orjson refuses NaN, Infinity and out-of-range numbers while parsing
        if ts_a.min() > 0 and ts_a.max() < MAX_TS:
            return SampleBatch(list(inds), list(regs), ts_a, np.array(vals, dtype=np.float64))
    return _decode_rows_slow(rows, rejects)


def _bad_json_reason(err: orjson.JSONDecodeError, text: bytes | str) -> Reason:
    msg = str(err)
    if "utf-8" in msg.lower():
        return Reason.BAD_ENCODING
    if "infinity" in msg.lower() or "nan" in msg.lower():
        return Reason.NON_FINITE
    pos = getattr(err, "pos", None)
    if isinstance(pos, int) and 0 <= pos < len(text):
        tail = text[pos : pos + 9]
        if isinstance(tail, bytes):
            tail = tail.decode("utf-8", "replace")
        if tail.startswith(("NaN", "Infinity", "-Infinity")):
            return Reason.NON_FINITE
    return Reason.BAD_JSON


class _SamplesFrame(msgspec.Struct, forbid_unknown_fields=True):
    """The schema of a clean `samples` frame, compiled by msgspec: it parses and type-checks in one C
    pass. Anything it refuses (another type, an extra field, a wrong type, bad JSON) goes the general
    way, which names the reason; so this only ever accepts what the general way accepts. `type` is a
    field, not msgspec's tag: a lone tagged struct takes a frame with no tag at all, which the general
    way refuses (missing_type)."""

    type: Literal["samples"]
    seq: int
    samples: list[tuple[str, str, float, float]]


_samples_frame = msgspec.json.Decoder(_SamplesFrame)


def _fast_samples(raw: bytes | str) -> Decoded | None:
    """A clean `samples` frame decoded by the compiled schema, or None to take the general way."""
    try:
        f = _samples_frame.decode(raw)
    except (msgspec.DecodeError, UnicodeDecodeError):  # ValidationError is a DecodeError
        return None
    if f.seq < 0:
        return None
    rows = f.samples
    if not rows:
        return Decoded(Samples(f.seq, SampleBatch.empty()))
    inds, regs, ts, vals = zip(*rows, strict=True)
    ts_a, vals_a = np.array(ts, dtype=np.float64), np.array(vals, dtype=np.float64)
    # msgspec refuses a number beyond a double, and JSON has no NaN: every reading is finite. The sums
    # are a second guard at C speed (one that overflows only sends the frame the general way); over a
    # few dozen readings numpy's min and sums are the cheaper, below them Python's
    if len(rows) > 48:
        with np.errstate(over="ignore"):  # an overflow is an answer here, not a warning
            if not (ts_a.min() > 0 and ts_a.max() < MAX_TS and math.isfinite(vals_a.sum())):
                return None
    elif not (min(ts) > 0 and max(ts) < MAX_TS and math.isfinite(sum(vals))):
        return None
    return Decoded(Samples(f.seq, SampleBatch(list(inds), list(regs), ts_a, vals_a)))


class Decoder:
    """Decodes server frames. One per connection; it keeps no state between frames but its limit."""

    def __init__(self, max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES):
        self.max_frame_bytes = max_frame_bytes

    def decode(self, raw: bytes | str) -> Decoded:
        try:
            if len(raw) <= self.max_frame_bytes:
                fast = _fast_samples(raw)
                if fast is not None:
                    return fast
            return self._decode(raw)
        except _Bad as bad:
            return Decoded(None, {bad.reason.value: 1}, detail=bad.detail)
        except Exception:  # a bug here must not take the event loop down with it
            log.exception("decoder failed on a frame")
            return Decoded(None, {Reason.INTERNAL.value: 1}, detail="internal decoder error")

    def parse(self, raw: bytes | str) -> dict:
        """Bytes/text to a JSON object, or `_Bad`."""
        if len(raw) > self.max_frame_bytes:
            raise _Bad(Reason.OVERSIZED, f"{len(raw)} bytes > limit {self.max_frame_bytes}")
        try:  # orjson validates UTF-8 itself, so bytes need no separate decode pass
            obj = orjson.loads(raw)
        except orjson.JSONDecodeError as err:
            raise _Bad(_bad_json_reason(err, raw), str(err)[:120]) from None
        if type(obj) is not dict:
            raise _Bad(Reason.NOT_OBJECT, f"frame is a JSON {type(obj).__name__}, not an object")
        return obj

    def _decode(self, raw: bytes | str) -> Decoded:
        obj = self.parse(raw)
        t = obj.get("type")
        if t is None:
            raise _Bad(Reason.MISSING_TYPE, "frame has no type")
        if type(t) is not str:
            raise _Bad(Reason.WRONG_TYPE, "type must be text")
        known = _KNOWN_FIELDS.get(t)
        if known is None:
            return Decoded(Unknown(t[:64]))
        unknown_fields = len(obj.keys() - known)
        rejects: dict[str, int] = {}
        frame = self._build(t, obj, rejects)
        return Decoded(frame, rejects, unknown_fields)

    def _build(self, t: str, obj: dict, rejects: dict[str, int]):
        if t == FrameType.SAMPLES:
            return Samples(_seq(obj), decode_rows(obj.get("samples"), rejects))
        if t == FrameType.HEARTBEAT:
            return Heartbeat(_time(obj, "server_time", required=False, default=0.0))
        if t == FrameType.EVENT:
            return EventFrame(_seq(obj), decode_event(obj.get("event")))
        if t == FrameType.SNAPSHOT:
            events = obj.get("events") or []
            if type(events) is not list:
                raise _Bad(Reason.WRONG_TYPE, "snapshot.events must be a list")
            follow = obj.get("events_follow", 0)
            if type(follow) is not int or follow < 0:
                raise _Bad(Reason.WRONG_TYPE, "snapshot.events_follow must be a count (an integer >= 0)")
            return Snapshot(_seq(obj), decode_rows(obj.get("values") or [], rejects),
                            [decode_event(e) for e in events], follow)
        if t == FrameType.CATALOG:
            inds, regs = obj.get("indicators") or [], obj.get("regions") or []
            if type(inds) is not list or type(regs) is not list:
                raise _Bad(Reason.WRONG_TYPE, "catalog.indicators/regions must be lists")
            return Catalog(tuple(decode_indicator(i) for i in inds), tuple(decode_region(r) for r in regs))
        if t == FrameType.HELLO:
            return Hello(
                protocol=_str(obj, "protocol"),
                source=_str(obj, "source"),
                level=_str(obj, "level", required=False, default="city"),
                server_time=_time(obj, "server_time", required=False, default=0.0),
            )
        if t == FrameType.REPLY:
            ok = obj.get("ok")
            if type(ok) is not bool:
                raise _Bad(Reason.WRONG_TYPE, "reply.ok must be true or false")
            ev = obj.get("event")
            return Reply(_str(obj, "ref"), ok, _str(obj, "error", required=False),
                         decode_event(ev) if ev is not None else None)
        if t == FrameType.UNIT:
            return UnitFrame(decode_units(obj.get("units"), rejects))
        if t == FrameType.ERROR:
            return ErrorFrame(_str(obj, "code", required=False, default="error"),
                              _str(obj, "message", required=False, default=""))
        return Unknown(t)
