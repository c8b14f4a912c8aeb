"""The replay bar: play/pause, speed, step, a timeline with incident density that seeks on click,
and bookmarks. It is handed positions and densities and reports what the analyst asked for."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
from PySide6.QtCore import QCoreApplication, QLineF, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPainter, QPen, QPixmap, QPolygonF
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QPushButton, QSizePolicy, QWidget

from widgets import theme
from widgets.text import plain_label

_TZ = dt.timezone(dt.timedelta(hours=8))
SPEED_CHOICES = ((0.25, "0.25×"), (0.5, "0.5×"), (1.0, "1×"), (2.0, "2×"), (4.0, "4×"), (8.0, "8×"),
                 (16.0, "16×"), (32.0, "32×"), (64.0, "64×"), (float("inf"), "最快"))


def _t(text: str) -> str:
    return QCoreApplication.translate("ReplayBar", text)


class Timeline(QWidget):
    seekRequested = Signal(float)
    hovered = Signal(float)  # the instant under the mouse (NaN when it leaves), for the charts' crosshair

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setMinimumHeight(34)
        self.setMinimumWidth(600)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.start, self.end, self.position = 0.0, 1.0, 0.0
        self.density: list[int] = []  # new incidents per slice
        self.bookmarks: list[tuple[float, str]] = []
        self.changes: list[float] = []  # times incidents changed state
        self.actions: list[tuple[float, str]] = []  # operators' actions: (time, who and what)
        self.cursor_ts: float | None = None  # the instant under a chart's cursor (shared crosshair)
        self.setMouseTracking(True)
        # a drag asks for one seek per turn of the event loop, to the latest position: mouse moves that
        # come faster than a seek are folded into the next one, never queued behind it
        self._drag_to: float | None = None
        self._drag_timer = QTimer(self)
        self._drag_timer.setSingleShot(True)
        self._drag_timer.setInterval(0)
        self._drag_timer.timeout.connect(self._drag_seek)
        self._marks_key: tuple | None = None
        self._marks_end = 0.0
        self._marks_pix = QPixmap(1, 1)

    def _x(self, ts: float) -> float:
        return (ts - self.start) / ((self.end - self.start) or 1.0) * self.width()

    def paintEvent(self, _ev) -> None:
        w, h = self.width(), self.height()
        # the marks change every few seconds, the position ten times a second: they are drawn once into a
        # picture, again only when they, the size, or the span by a pixel's worth, change
        px_s = ((self.end - self.start) or 1.0) / max(1, w)
        key = (w, h, self.start, id(self.density), len(self.changes), len(self.actions), len(self.bookmarks))
        if key != self._marks_key or abs(self.end - self._marks_end) >= px_s:
            self._marks_key, self._marks_end = key, self.end
            self._marks_pix = self._draw_marks(w, h)
        p = QPainter(self)
        p.drawPixmap(0, 0, self._marks_pix)
        p.setBrush(Qt.BrushStyle.NoBrush)
        if self.cursor_ts is not None:
            p.setPen(QPen(QColor(theme.TEXT), 1, Qt.PenStyle.DashLine))
            x = int(self._x(self.cursor_ts))
            p.drawLine(x, 0, x, h)
        p.setPen(QPen(QColor("#b39ddb"), 2))
        for ts, _note in self.bookmarks:
            x = self._x(ts)
            p.drawLine(int(x), 0, int(x), h)
        p.setPen(QPen(QColor(theme.ACCENT), 3))
        x = self._x(self.position)
        p.drawLine(int(x), 0, int(x), h)
        p.end()

    def _draw_marks(self, w: int, h: int) -> QPixmap:
        dpr = self.devicePixelRatioF()
        pix = QPixmap(int(max(1, w) * dpr), int(max(1, h) * dpr))
        pix.setDevicePixelRatio(dpr)
        pix.fill(QColor(theme.PANEL))
        p = QPainter(pix)
        if self.density:  # new incidents per slice, on a log scale: a connect's snapshot must not flatten the rest
            top = math.log1p(max(self.density) or 1)
            bw = w / len(self.density)
            for i, n in enumerate(self.density):
                if n:
                    bh = (h - 6) * math.log1p(n) / top
                    p.fillRect(QRectF(i * bw, h - bh, max(1.0, bw - 1), bh), QColor(247, 107, 21, 150))
        p.setPen(QPen(QColor(theme.ACCENT), 1))
        if self.changes:  # state changes: short ticks along the top, one per pixel column at most
            xs = np.unique(((np.asarray(self.changes) - self.start) / ((self.end - self.start) or 1.0) * w).astype(int))
            p.drawLines([QLineF(float(x), 0.0, float(x), 6.0) for x in xs[(xs >= 0) & (xs <= w)].tolist()])
        p.setPen(QPen(QColor("#ffffff"), 1))
        p.setBrush(QColor("#ffffff"))
        for ts, _text in self.actions:  # operators' actions: small triangles along the bottom
            x = self._x(ts)
            p.drawPolygon(QPolygonF([QPointF(x, h - 7), QPointF(x - 4, h), QPointF(x + 4, h)]))
        p.end()
        return pix

    def near(self, x: float, px: float = 5.0) -> list[str]:
        """What is marked within `px` pixels of `x`: operators' actions, then bookmarks."""
        acts = [t for ts, t in self.actions if abs(self._x(ts) - x) <= px]
        notes = [_t("书签：{0}").format(n) for ts, n in self.bookmarks if abs(self._x(ts) - x) <= px]
        return acts[:8] + notes[:3]

    def mouseMoveEvent(self, ev) -> None:
        x = ev.position().x()
        ts = self.start + min(max(x / max(1, self.width()), 0.0), 1.0) * (self.end - self.start)
        if ev.buttons() & Qt.MouseButton.LeftButton:  # dragging: seek to where the mouse is now
            self._drag_to = ts
            if not self._drag_timer.isActive():
                self._drag_timer.start()
        stamp = dt.datetime.fromtimestamp(ts, _TZ).strftime("%H:%M:%S") if ts > 0 else ""
        self.setToolTip("\n".join([stamp, *self.near(x)]))
        self.hovered.emit(ts)

    def _drag_seek(self) -> None:
        if self._drag_to is not None:
            ts, self._drag_to = self._drag_to, None
            self.seekRequested.emit(ts)

    def leaveEvent(self, _ev) -> None:
        self.hovered.emit(float("nan"))

    def set_cursor(self, ts: float | None) -> None:
        """Mark the instant another view points at (a chart's crosshair); None or NaN clears it."""
        self.cursor_ts = ts if ts is not None and ts == ts else None
        self.update()

    def mousePressEvent(self, ev) -> None:
        frac = min(max(ev.position().x() / max(1, self.width()), 0.0), 1.0)
        self.seekRequested.emit(self.start + frac * (self.end - self.start))


class ReplayBar(QWidget):
    """In replay, and on a live console as its time-shift bar (with "back to live" and the count of new
    incidents since the picture left live)."""

    playToggled = Signal()
    liveRequested = Signal()
    speedChosen = Signal(float)
    stepRequested = Signal(float)
    bookmarkRequested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(4, 2, 4, 2)
        self.play = QPushButton()
        self.play.setObjectName("replayPlay")
        self.play.clicked.connect(self.playToggled.emit)
        self.back = QPushButton("◀◀ 10s")
        self.back.clicked.connect(lambda: self.stepRequested.emit(-10.0))
        self.fwd = QPushButton("10s ▶▶")
        self.fwd.clicked.connect(lambda: self.stepRequested.emit(10.0))
        self.speed = QComboBox()
        for value, label in SPEED_CHOICES:
            self.speed.addItem(label, value)
        self.speed.setCurrentIndex(2)
        self.speed.currentIndexChanged.connect(lambda _i: self.speedChosen.emit(self.speed.currentData()))
        self.mark = QPushButton()
        self.mark.clicked.connect(self.bookmarkRequested.emit)
        self.live = QPushButton()
        self.live.setObjectName("backToLive")
        self.live.clicked.connect(self.liveRequested.emit)
        self.live.hide()
        self.news = plain_label()
        self.news.setObjectName("newSincePause")
        self.news.setStyleSheet(f"color: {theme.RED}; font-weight: bold;")
        self.news.hide()
        self._mode = "replay"
        self.timeline = Timeline()
        self.time = plain_label()
        self.time.setObjectName("replayTime")
        self.time.setStyleSheet("font-weight: bold;")
        for w in (self.play, self.back, self.fwd, self.speed, self.mark):
            lay.addWidget(w)
        lay.addWidget(self.timeline, 1)
        lay.addWidget(self.time)
        lay.addWidget(self.news)
        lay.addWidget(self.live)
        self.retranslate()
        self.show_position(0.0, 0.0, 1.0, False)

    def retranslate(self) -> None:
        self.mark.setText(_t("书签"))
        self.mark.setToolTip(_t("在当前时刻加书签（B）"))
        self.speed.setItemText(len(SPEED_CHOICES) - 1, _t("最快"))
        self.live.setText(_t("回到实时 (End)"))
        self.live.setToolTip(_t("回到实时画面（End 或 Ctrl+L）"))

    def show_position(self, position: float, start: float, end: float, playing: bool, mode: str = "replay") -> None:
        """`mode`: "replay" (a recording), "live" (the live picture) or "shifted" (a live session, behind)."""
        t = self.timeline
        t.start, t.end, t.position = start, end, position
        t.update()
        self._mode = mode
        self.play.setText(_t("■ 暂停") if playing or mode == "live" else _t("▶ 播放"))
        stamp = dt.datetime.fromtimestamp(position, _TZ).strftime("%Y-%m-%d %H:%M:%S") if position else "—"
        if mode == "live":
            self.time.setText(_t("实时 {0}").format(stamp))
        elif mode == "shifted":
            behind = max(0, int(end - position))
            self.time.setText(_t("时移 {0}（落后 {1}）").format(stamp, f"{behind // 60}:{behind % 60:02d}"))
        else:
            self.time.setText(_t("回放 {0}").format(stamp))
        self.live.setVisible(mode == "shifted")
        self.time.setStyleSheet("font-weight: bold;" + (f" color: {theme.AMBER};" if mode == "shifted" else ""))

    def show_new_since_pause(self, n: int) -> None:
        self.news.setText(_t("暂停后新增 {0} 个事件").format(n))
        self.news.setVisible(n > 0 and self._mode == "shifted")
