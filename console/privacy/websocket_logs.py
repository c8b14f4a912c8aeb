"""Tokens never reach a log: websockets writes every handshake header at DEBUG level, the console's
`Authorization: Bearer …` and the `auth` frame's token among them. A filter on its loggers masks them
(whoever configures logging, at whatever level)."""

from __future__ import annotations

import logging

from console.privacy.scrub import SCRUB

_LOGGERS = ("websockets", "websockets.client", "websockets.server", "websockets.protocol")


def mask(text: str) -> str:
    """The program log's own scrubber: known tokens and passwords, anything shaped like a credential."""
    return SCRUB(text)


class SecretFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        # the arguments may be frames or headers objects: mask the message as it will be written
        text = record.getMessage()
        masked = mask(text)
        if masked != text:
            record.msg, record.args = masked, None
        return True


_FILTER = SecretFilter()


def install() -> None:
    """Idempotent: attach the mask to websockets' loggers (a filter on a logger, so it holds for every
    handler, including pytest's)."""
    for name in _LOGGERS:
        lg = logging.getLogger(name)
        if _FILTER not in lg.filters:
            lg.addFilter(_FILTER)
