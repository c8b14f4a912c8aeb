"""A font that renders Chinese: Noto Sans CJK (Debian's fonts-noto-cjk) when it is installed."""

from __future__ import annotations

import logging

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

log = logging.getLogger(__name__)
PREFERRED = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "Microsoft YaHei",
             "PingFang SC")


def apply_cjk_font(app: QApplication, point_size: float = 10.5) -> str | None:
    families = set(QFontDatabase.families())
    for fam in PREFERRED:
        if fam in families:
            f = QFont(fam)
            f.setPointSizeF(point_size)
            app.setFont(f)
            return fam
    log.warning("no CJK font found (Debian: apt-get install fonts-noto-cjk); Chinese may show as boxes")
    return None
