"""The wall's top line: which view is up (and where the carousel is), a small freshness mark that
stays quiet while the data is live, and the time, ticking, so a frozen picture shows as frozen."""

from __future__ import annotations

from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QHBoxLayout, QSizePolicy, QVBoxLayout, QWidget

from widgets.fit_label import FitLabel
from widgets.theme import ACCENT, GRID, TEXT

LIVE_COLOR = "#30a46c"


class CarouselProgress(QWidget):
    """A thin line filling up until the next view; one segment per view."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.n, self.index, self.fraction = 1, 0, 0.0
        self.setFixedHeight(6)

    def set_progress(self, n: int, index: int, fraction: float) -> None:
        self.n, self.index, self.fraction = max(1, n), index, fraction
        self.update()

    def paintEvent(self, ev) -> None:
        p = QPainter(self)
        w, h = self.width(), self.height()
        gap = h
        seg = (w - gap * (self.n - 1)) / self.n
        for i in range(self.n):
            x = i * (seg + gap)
            p.fillRect(QRectF(x, 0, seg, h), QColor(GRID))
            done = 1.0 if i < self.index else self.fraction if i == self.index else 0.0
            if done > 0:
                p.fillRect(QRectF(x, 0, seg * done, h), QColor(ACCENT))
        p.end()


class WallTopBar(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.title = FitLabel(16, TEXT, bold=True)
        self.fresh = FitLabel(12, LIVE_COLOR)
        self.clock = FitLabel(16, TEXT, bold=True)
        self.clock.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)  # the time is never cut
        self.progress = CarouselProgress()
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.title, 3)
        row.addWidget(self.fresh, 2)
        row.addWidget(self.clock)
        col = QVBoxLayout(self)
        col.setContentsMargins(0, 0, 0, 0)
        col.addLayout(row)
        col.addWidget(self.progress)

    def set_px(self, small: int, body: int, pad: int) -> None:
        self.title.set_px(body)
        self.fresh.set_px(small)
        self.clock.set_px(body)
        self.clock.setFixedWidth(self.clock.fontMetrics().horizontalAdvance("00:00:00") + pad)
        self.progress.setFixedHeight(max(4, pad // 2))
        self.layout().setSpacing(max(2, pad // 3))
        self.layout().itemAt(0).layout().setSpacing(pad)
        self.setFixedHeight(self.title.height() + self.progress.height() + self.layout().spacing())

    def show_freshness(self, text: str, quiet: bool) -> None:
        self.fresh.setText(text)
        self.fresh.set_color(LIVE_COLOR if quiet else "#ff5a5f")


