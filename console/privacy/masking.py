"""Personal data in incident details (a hotline caller's phone, an ID number) is masked on screen,
in exports and in reports unless the operator's role may see it."""

from __future__ import annotations

import re

# mainland mobile numbers and 18-character resident ID numbers, not inside longer digit runs
_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")
_ID_CARD = re.compile(r"(?<![\dXx])(\d{6})(\d{8})(\d{3}[\dXx])(?![\dXx])")


def mask_personal(text: str) -> str:
    text = _ID_CARD.sub(lambda m: m.group(1) + "*" * 8 + m.group(3)[-1:].rjust(4, "*"), text)
    return _MOBILE.sub(lambda m: m.group(1) + "****" + m.group(3), text)
