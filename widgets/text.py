"""Feed-supplied text on screen: always literal, never markup."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel


def plain_label(text: str = "") -> QLabel:
    lab = QLabel(text)
    lab.setTextFormat(Qt.TextFormat.PlainText)
    return lab


def plain_tooltip(text: str) -> str:
    """Qt renders a tooltip as rich text whenever it merely looks like HTML; escaping it inside an
    explicit span makes it always rich text whose content is shown literally."""
    return f"<span style='white-space:pre-wrap'>{html.escape(text)}</span>" if text else ""
