"""What every server of cityops.feed/1 does alike (the built-in simulator and the NATS hub): read a
client's frame, check its token. The servers differ in where their data comes from, not in this."""

from __future__ import annotations

import hmac
from typing import Any

import orjson


def read_client_frame(msg: str | bytes) -> tuple[dict[str, Any] | None, str]:
    """(the frame, "") or (None, why it is refused) for the server's `bad_frame` error."""
    try:
        obj = orjson.loads(msg)
    except orjson.JSONDecodeError:
        return None, "frame is not valid JSON"
    if type(obj) is not dict or type(obj.get("type")) is not str:
        return None, "frame must be an object with a type"
    return obj, ""


def token_ok(expected: str | None, given: Any) -> bool:
    """No token configured lets everyone in; else constant time, so how long a comparison takes does
    not tell how much of a guess was right."""
    if expected is None:
        return True
    return isinstance(given, str) and hmac.compare_digest(given.encode(), expected.encode())


def bearer(header: str | None) -> str | None:
    return header.removeprefix("Bearer ") if header and header.startswith("Bearer ") else None
