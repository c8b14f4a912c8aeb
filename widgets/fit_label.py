"""Labels for text that must never be clipped: sized in pixels, elided with "…" when a long name
meets a narrow box, or shrunk (numbers are never elided: a cut number is a wrong number)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QLabel, QSizePolicy


class FitLabel(QLabel):
    def __init__(self, px: int = 13, color: str = "", bold: bool = False, shrink: bool = False, parent=None):
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.PlainText)  # feed text is literal, never markup
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self._full = ""
        self._shrink = shrink  # shrink the font to fit instead of eliding
        self._color, self._bold, self._px = color, bold, px
        self._min_px = max(8, px // 2)
        self.set_px(px)

    def set_px(self, px: int, color: str | None = None) -> None:
        self._px = px
        self._min_px = max(8, px // 2)
        if color is not None:
            self._color = color
        self._apply(px)
        self.setFixedHeight(QFontMetrics(self._font(px)).height() + 2)
        self._fit()

    def set_color(self, color: str) -> None:
        if color != self._color:
            self._color = color
            self._apply(self.font().pixelSize() or self._px)

    def _font(self, px: int) -> QFont:
        f = QFont(self.font())
        f.setPixelSize(px)
        f.setBold(self._bold)
        return f

    def _apply(self, px: int) -> None:
        # the application style sheet fixes every widget's font size, so ours is set the same way
        weight = "bold" if self._bold else "normal"
        color = f"color: {self._color};" if self._color else ""
        self.setStyleSheet(f"font-size: {px}px; font-weight: {weight}; {color} background: transparent;")
        self.setFont(self._font(px))

    def setText(self, text: str) -> None:
        self._full = text
        self._fit()

    def full_text(self) -> str:
        return self._full

    def resizeEvent(self, ev) -> None:
        super().resizeEvent(ev)
        self._fit()

    def _fit(self) -> None:
        width = self.contentsRect().width()
        if width <= 0:
            super().setText(self._full)
            return
        if self._shrink:
            px = self._px
            while px > self._min_px and QFontMetrics(self._font(px)).horizontalAdvance(self._full) > width:
                px -= max(1, px // 12)
            if px != self.font().pixelSize():
                self._apply(px)
            super().setText(self._full)
        else:
            fm = QFontMetrics(self._font(self._px))
            super().setText(fm.elidedText(self._full, Qt.TextElideMode.ElideRight, width))
