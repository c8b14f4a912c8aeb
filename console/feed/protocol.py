"""The names and constants of the wire contract `cityops.feed/1` (docs/feed-protocol.md).

One place for every string the protocol defines, so the decoder, the simulator and the console
cannot drift apart.
"""

from __future__ import annotations

from enum import StrEnum

PROTOCOL = "cityops.feed/1"
DEFAULT_MAX_FRAME_BYTES = 1 << 20  # 1 MiB, the contract's default client limit


class FrameType(StrEnum):
    HELLO = "hello"
    CATALOG = "catalog"
    SNAPSHOT = "snapshot"
    SAMPLES = "samples"
    EVENT = "event"
    HEARTBEAT = "heartbeat"
    REPLY = "reply"
    ERROR = "error"
    UNIT = "unit"  # optional: dispatch units' positions and states (older consoles ignore it)
    # client -> server
    AUTH = "auth"
    SUBSCRIBE = "subscribe"
    RESYNC = "resync"
    COMMAND = "command"
    PING = "ping"


class Level(StrEnum):
    CITY = "city"
    DISTRICT = "district"
    STREET = "street"


class Severity(StrEnum):
    """China's four warning levels; `rank` orders them, red highest."""

    RED = "red"
    ORANGE = "orange"
    YELLOW = "yellow"
    BLUE = "blue"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.BLUE: 1, Severity.YELLOW: 2, Severity.ORANGE: 3, Severity.RED: 4}


class DiscoverySource(StrEnum):
    SENSOR = "sensor"
    AI_CAMERA = "ai_camera"
    GRID_OFFICER = "grid_officer"
    HOTLINE_12345 = "hotline_12345"
    UPPER_LEVEL = "upper_level"
    MEDIA = "media"


class IncidentState(StrEnum):
    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    DISPATCHED = "dispatched"
    ON_SCENE = "on_scene"
    RESOLVED = "resolved"
    CLOSED = "closed"
    CANCELLED = "cancelled"

    @property
    def is_open(self) -> bool:
        return self not in (IncidentState.CLOSED, IncidentState.CANCELLED)



class UnitKind(StrEnum):
    """What a dispatch unit is; the map draws each with its own icon."""

    FIRE = "fire"
    POLICE = "police"
    MEDICAL = "medical"
    UTILITY = "utility"  # power, gas, water repair crews
    CITY_MGMT = "city_mgmt"  # 城管
    GRID = "grid"  # a grid officer's team
    OTHER = "other"


class UnitState(StrEnum):
    AVAILABLE = "available"  # at base, free
    EN_ROUTE = "en_route"  # travelling to its incident
    ON_SCENE = "on_scene"
    RETURNING = "returning"  # back to base, not yet free
    OFFLINE = "offline"


class CommandOp(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    DISPATCH = "dispatch"
    ARRIVE = "arrive"
    RESOLVE = "resolve"
    CLOSE = "close"
    REOPEN = "reopen"
    CANCEL = "cancel"
    ESCALATE = "escalate"
    MERGE = "merge"


class Status(StrEnum):
    """An indicator reading against its thresholds. `NODATA` until the first reading."""

    NODATA = "nodata"
    NORMAL = "normal"
    WARN = "warn"
    ALARM = "alarm"

    @property
    def rank(self) -> int:
        return _STATUS_RANK[self]


_STATUS_RANK = {Status.NODATA: 0, Status.NORMAL: 1, Status.WARN: 2, Status.ALARM: 3}
