"""A full-width band for what must not be missed: emergency mode, a wall whose data is old."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QWidget

from widgets.fit_label import FitLabel

KINDS = {"emergency": ("#b3141b", "#ffffff"), "stale": ("#8a5a00", "#ffffff"), "down": ("#b3141b", "#ffffff")}


class Banner(QWidget):
    def __init__(self, px: int = 16, parent=None):
        super().__init__(parent)
        self.setObjectName("banner")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)  # paint the band's colour
        self.label = FitLabel(px, "#ffffff", bold=True)
        lay = QHBoxLayout(self)
        lay.addWidget(self.label)
        self.kind = ""
        self.set_px(px)
        self.hide()

    def set_px(self, px: int) -> None:
        self.label.set_px(px)
        m = max(2, px // 4)
        self.layout().setContentsMargins(m * 2, m, m * 2, m)
        self.setFixedHeight(self.label.height() + 2 * m)

    def show_message(self, kind: str, text: str) -> None:
        bg, fg = KINDS[kind]
        if kind != self.kind:
            self.kind = kind
            self.setStyleSheet(f"QWidget#banner {{ background: {bg}; }}")
            self.label.set_color(fg)
        self.label.setText(text)
        self.show()

    def clear(self) -> None:
        self.kind = ""
        self.hide()
