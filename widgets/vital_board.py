"""The vital-sign board: indicator tiles grouped by domain, painted by one widget.

Measured (shared/design/measured.md): 200 pyqtgraph PlotItems repainted together stall the GUI for
~100 ms. So every tile is rendered into its own cached pixmap; a tile whose data changed is only
marked; each tick re-renders at most `budget` marked tiles that are on screen and stops once it has
spent `time_budget_s` (a tile cost 1-2 ms with its data, ~1 ms since 2026-11-30; ten in one tick
were a lost frame), none more often than `min_interval_s`, asking the provider for their data just
then; a paint only copies pixmaps. A tile scrolled out of sight stays marked and is rendered when it
comes into view (at street level the city board has ~200 tiles changing every second, of which a
dock shows ~20: rendering the unseen ones took a third of the GUI thread).
"""

from __future__ import annotations

import time

import numpy as np
import pyqtgraph.functions as pgfn
from PySide6.QtCore import QEvent, QPointF, QRect, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPen, QPixmap, QRegion
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from console.feed.protocol import Status
from console.views.board_model import TileData, TileSpec
from console.views.labels import STATUS_COLOR
from widgets import theme
from widgets.text import plain_tooltip

TREND_MARK = {1: "▲", -1: "▼", 0: "▬"}
_ARROWS = (Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Up, Qt.Key.Key_Down)


def scaled_font(base: QFont, k: float) -> QFont:
    """`base` scaled by k, whether it was sized in points or (via a style sheet) in pixels."""
    f = QFont(base)
    if base.pointSizeF() > 0:
        f.setPointSizeF(max(6.0, base.pointSizeF() * k))
    else:
        f.setPixelSize(max(8, round(base.pixelSize() * k)))
    return f


class VitalBoard(QWidget):
    tileActivated = Signal(object)  # the tile's key
    tileDrilled = Signal(object)  # the tile's key, double-clicked: drill to the region it shows
    viewDrawn = Signal()  # render_soon's tiles in sight are all rendered

    def __init__(self, parent=None, tile_size: QSize | None = None, budget: int = 10, min_interval_s: float = 1.0,
                 time_budget_s: float = 0.006):
        super().__init__(parent)
        self.tile_size = tile_size or QSize(196, 92)
        self.budget = budget
        self.time_budget_s = time_budget_s
        self.min_interval_s = min_interval_s
        self._rendered_at: dict[tuple, float] = {}
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._specs: list[TileSpec] = []
        self.spec_by_key: dict[tuple, TileSpec] = {}
        self._height = 0
        self._cols = 0
        self._rects: dict[tuple, QRect] = {}
        self._headers: list[tuple[QRect, str]] = []
        self._cache: dict[tuple, QPixmap] = {}
        self._data: dict[tuple, TileData] = {}
        self._pending: dict[tuple, None] = {}  # keys whose pixmaps must be re-rendered, in order
        self._in_sight: tuple[tuple, set] = ((), set())  # (the visible rect, the keys laid out inside it)
        self._fonts: tuple[tuple, tuple] = ((), ())  # (the board's font, its small / big / bold scalings)
        self._provider = None
        self._domain_title = lambda d: d
        self.selected: tuple | None = None
        self.renders = 0  # pixmaps rendered so far (the benchmark reads it)
        self.tooltip_for = None  # key -> text under the pointer (what a double-click drills to), if given
        # a new view's tiles in sight, rendered a slice at a time on the next turns of the event loop
        self._slicer = QTimer(self)
        self._slicer.setInterval(0)
        self._slicer.timeout.connect(self._render_slice)
        self._slice_s = 0.008
        self._slice_dirty = QRegion()  # what the slices so far rendered, painted when they are done

    # ---------------------------------------------------------------- content
    def set_tiles(self, specs: list[TileSpec], provider, domain_title=None, keep: bool = True) -> None:
        """Lay out these tiles; `provider(key) -> TileData` is asked for a tile's data when it is drawn.
        `keep`: the same view re-laid (new series), so a tile kept keeps its picture until re-rendered;
        a new view starts blank, since the same key can mean another region there (the worst district's
        tile at the city is the worst street's in a district)."""
        self._specs = list(specs)
        self._provider = provider
        if domain_title is not None:
            self._domain_title = domain_title
        keys = {s.key for s in specs} if keep else set()
        self._cache = {k: v for k, v in self._cache.items() if k in keys}
        self._data = {k: v for k, v in self._data.items() if k in keys}
        self._rendered_at = {}
        self._pending = dict.fromkeys(s.key for s in specs)
        self._layout()
        self.update()

    def mark_changed(self, keys) -> None:
        """These tiles' data changed; they are re-rendered over the next ticks."""
        pending, laid = self._pending, self.spec_by_key
        for k in keys:
            if k in laid:
                pending[k] = None

    @property
    def specs(self) -> list[TileSpec]:
        """The tiles laid out, in order."""
        return list(self._specs)

    def spec(self, key) -> TileSpec | None:
        return self.spec_by_key.get(key)

    def render_pending(self, visible: QRect | None = None, now: float | None = None, budget: int | None = None,
                       time_budget_s: float | None = None) -> int:
        """Re-render up to `budget` changed tiles inside `visible` (default: what is on screen; nothing
        while the board is hidden), each at most once per min_interval_s, until `time_budget_s` is spent
        (defaults: the board's; a drill renders everything in sight at once). Returns how many were
        rendered."""
        if not self._pending:
            return 0
        now = time.monotonic() if now is None else now
        if visible is None:
            visible = self.visibleRegion().boundingRect() if self.isVisible() else QRect()
        if visible.isEmpty():
            return 0
        sight, at, wait = self._keys_in(visible), self._rendered_at, self.min_interval_s
        todo = [k for k in self._pending if k in sight and now - at.get(k, -1e9) >= wait][: budget or self.budget]
        if not todo:
            return 0
        t0, limit = time.perf_counter(), self.time_budget_s if time_budget_s is None else time_budget_s
        dirty, done = QRegion(), set()  # the tiles' own rects: their bounding box was most of the board
        for key in todo:
            if done and time.perf_counter() - t0 > limit:
                break  # the rest on the next tick
            done.add(key)
            spec, rect = self.spec_by_key.get(key), self._rects[key]
            if spec is None:
                continue
            data = self._provider(key) if self._provider else None
            self._data[key] = data
            self._cache[key] = self._render(spec, data)
            self._rendered_at[key] = now
            self.renders += 1
            dirty += rect
        for k in done:
            del self._pending[k]
        if self._slicer.isActive():  # a view drawn in slices is painted once, when the last is rendered
            self._slice_dirty += dirty
        elif not dirty.isEmpty():
            self.update(dirty)
        return len(done)

    def _keys_in(self, visible: QRect) -> set:
        """The keys laid out inside `visible`, kept until the layout or the rect changes: a drill's slices
        and every tick ask with the same rect, and testing each pending tile's rect cost a twentieth of a
        drill."""
        at = (visible.x(), visible.y(), visible.width(), visible.height())
        if self._in_sight[0] != at:
            self._in_sight = (at, {k for k, r in self._rects.items() if r.intersects(visible)})
        return self._in_sight[1]

    def render_soon(self, slice_s: float = 0.008) -> None:
        """Render every changed tile in sight over the next turns of the event loop, `slice_s` of work at
        a time. A drill's ~20 new tiles (2-3 ms each then) rendered in one go held the GUI thread for 60-90 ms:
        sliced, the view is drawn a few frames later and nothing else (input, the feed, the map's
        answers) waits more than a slice."""
        self._slice_s = slice_s
        if not self._slicer.isActive():
            self._slice_dirty = QRegion()
            self._slicer.start()

    def _render_slice(self) -> None:
        if not self.render_pending(budget=len(self._specs) or 1, time_budget_s=self._slice_s):
            self._slicer.stop()
            if not self._slice_dirty.isEmpty():
                self.update(self._slice_dirty)
            self.viewDrawn.emit()

    def drawn(self) -> bool:
        """Every tile in sight has been rendered since it was laid out (a drill's view is drawn)."""
        vis = self.visibleRegion().boundingRect() if self.isVisible() else QRect()
        return all(k in self._cache for k, r in self._rects.items() if r.intersects(vis))

    def data(self, key) -> TileData | None:
        return self._data.get(key)

    # ---------------------------------------------------------------- geometry
    def _layout(self) -> None:
        self.spec_by_key = {s.key: s for s in self._specs}
        self._in_sight = ((), set())
        w = max(self.width(), self.tile_size.width() + 8)
        tw, th, gap, head = self.tile_size.width(), self.tile_size.height(), 6, 24
        cols = max(1, (w - gap) // (tw + gap))
        self._rects, self._headers = {}, []
        y, domain, col = gap, None, 0
        for s in self._specs:
            if s.domain != domain:
                if domain is not None:
                    y += th + gap
                domain, col = s.domain, 0
                self._headers.append((QRect(gap, y, w - 2 * gap, head), self._domain_title(s.domain)))
                y += head
            if col == cols:
                col = 0
                y += th + gap
            self._rects[s.key] = QRect(gap + col * (tw + gap), y, tw, th)
            col += 1
        self._height = y + th + gap if self._specs else 0
        self.setMinimumHeight(self._height)
        self.updateGeometry()

    def sizeHint(self) -> QSize:
        return QSize(4 * (self.tile_size.width() + 6), self._height or 400)

    def resizeEvent(self, ev) -> None:
        cols = self._cols_now()
        if cols != self._cols:
            self._cols = cols
            self._layout()
        super().resizeEvent(ev)

    def key_at(self, pos) -> tuple | None:
        return next((k for k, r in self._rects.items() if r.contains(pos)), None)

    # ---------------------------------------------------------------- painting
    def paintEvent(self, ev) -> None:
        p = QPainter(self)
        area = ev.region()  # a few tiles' rects: filled and drawn alone, not the box around them
        bg = QColor(theme.BG)
        for r in area:
            p.fillRect(r, bg)
        p.setPen(QColor(theme.TEXT_DIM))
        f = QFont(self.font())
        f.setBold(True)
        p.setFont(f)
        for rect, title in self._headers:
            if area.intersects(rect):
                p.drawText(rect.adjusted(2, 0, 0, 0), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, title)
        for key, rect in self._rects.items():
            if not area.intersects(rect):
                continue
            pix = self._cache.get(key)
            if pix is not None:
                p.drawPixmap(rect.topLeft(), pix)
            else:
                p.fillRect(rect, QColor(theme.PANEL))
            if key == self.selected:
                p.setPen(QPen(QColor(theme.ACCENT), 2))
                p.drawRect(rect.adjusted(1, 1, -1, -1))
        p.end()

    def _render(self, spec: TileSpec, d: TileData | None) -> QPixmap:
        dpr = self.devicePixelRatioF()
        w, h = self.tile_size.width(), self.tile_size.height()
        pix = QPixmap(int(w * dpr), int(h * dpr))
        pix.setDevicePixelRatio(dpr)
        pix.fill(QColor(theme.PANEL))
        p = QPainter(pix)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        status = d.status if d else Status.NODATA
        stale = d is None or d.stale
        color = QColor(STATUS_COLOR[status])
        if stale:
            color = QColor(STATUS_COLOR[Status.NODATA])
        p.fillRect(QRectF(0, 0, 4, h), color)  # the status stripe
        base, small, big = self._tile_fonts()
        p.setFont(base)
        p.setPen(QColor(theme.TEXT if not stale else theme.TEXT_DIM))
        fm = p.fontMetrics()
        p.drawText(QRectF(10, 4, w - 14, fm.height()), Qt.AlignmentFlag.AlignLeft,
                   fm.elidedText(spec.title, Qt.TextElideMode.ElideRight, w - 14))
        if d is not None:
            p.setFont(small)
            p.setPen(QColor(theme.TEXT_DIM))
            sub = d.subtitle + (f"  ⟳ {d.fresh_text}" if d.stale and d.fresh_text else "")
            p.drawText(QRectF(10, 4 + fm.height(), w - 14, 16), Qt.AlignmentFlag.AlignLeft,
                       p.fontMetrics().elidedText(sub, Qt.TextElideMode.ElideRight, w - 14))
            p.setFont(big)
            p.setPen(color if status.rank >= Status.WARN.rank and not stale else QColor(theme.TEXT))
            value = f"{d.value_text} {TREND_MARK[d.trend]}"
            p.drawText(QRectF(10, 38, w * 0.5, 28), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, value)
            p.setFont(small)
            p.setPen(QColor(theme.TEXT_DIM))
            p.drawText(QRectF(10, 64, w * 0.5, 14), Qt.AlignmentFlag.AlignLeft, spec.unit)
            usual_w = 0.0
            if d.usual_text:  # against the typical day; faded on a thin basis
                usual = QColor(theme.TEXT_DIM)
                usual.setAlpha(255 if d.usual_basis >= 2 else 110)
                p.setPen(usual)
                usual_w = min(w * 0.5, p.fontMetrics().horizontalAdvance(d.usual_text) + 4.0)
                p.drawText(QRectF(w - 4 - usual_w, h - 16, usual_w, 14), Qt.AlignmentFlag.AlignRight, d.usual_text)
            if d.forecast_text:
                p.setPen(QColor(STATUS_COLOR[Status.WARN]))
                room = int(w - 14 - usual_w)
                p.drawText(QRectF(10, h - 16, room, 14), Qt.AlignmentFlag.AlignLeft,
                           p.fontMetrics().elidedText(d.forecast_text, Qt.TextElideMode.ElideRight, room))
            self._spark(p, QRectF(w * 0.52, 40, w * 0.46, 34), d, color)
        if stale:  # hatched: the last value stays visible, but nobody mistakes it for live
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QBrush(QColor(255, 255, 255, 18), Qt.BrushStyle.BDiagPattern))
            p.drawRect(QRectF(0, 0, w, h))
        p.end()
        return pix

    def _tile_fonts(self) -> tuple[QFont, QFont, QFont]:
        """The tile's fonts (its own, the small lines', the bold value's), made again only when the board's
        font changes."""
        base = self.font()
        if self._fonts[0] != (base.key(),):
            big = scaled_font(base, 1.5)
            big.setBold(True)
            self._fonts = ((base.key(),), (QFont(base), scaled_font(base, 0.8), big))
        return self._fonts[1]

    @staticmethod
    def _spark(p: QPainter, r: QRectF, d: TileData, color: QColor) -> None:
        y = np.asarray(d.spark, dtype=float)
        finite = y[np.isfinite(y)]
        if len(y) < 2 or not len(finite):
            return
        lo, hi = float(finite.min()), float(finite.max())  # a missing reading must not blank the line
        for th in (d.warn, d.alarm):  # keep a nearby threshold in view so the line means something
            if th is not None and lo - (hi - lo) <= th <= hi + (hi - lo):
                lo, hi = min(lo, th), max(hi, th)
        span = hi - lo or 1.0
        xs = r.left() + np.linspace(0, r.width(), len(y))
        ys = r.bottom() - (y - lo) / span * r.height()
        if d.warn is not None and lo <= d.warn <= hi:
            yy = r.bottom() - (d.warn - lo) / span * r.height()
            p.setPen(QPen(QColor(STATUS_COLOR[Status.WARN]), 1, Qt.PenStyle.DotLine))
            p.drawLine(QPointF(r.left(), yy), QPointF(r.right(), yy))
        if d.alarm is not None and lo <= d.alarm <= hi:
            yy = r.bottom() - (d.alarm - lo) / span * r.height()
            p.setPen(QPen(QColor(STATUS_COLOR[Status.ALARM]), 1, Qt.PenStyle.DotLine))
            p.drawLine(QPointF(r.left(), yy), QPointF(r.right(), yy))
        # one path from the arrays (a QPointF per reading in Python was a tenth of the GUI thread);
        # a missing reading breaks the line. One pixel wide: Qt's raster engine strokes a 1.4 px line
        # through its general stroker, 12x slower (0.25 against 0.02 ms for 240 readings), and the line
        # was the dearest part of a tile (a drill renders ~20)
        path = pgfn.arrayToQPath(xs, ys, connect="finite")
        p.setPen(QPen(color.lighter(120), 1.0))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawPath(path)

    # ---------------------------------------------------------------- input
    def mousePressEvent(self, ev) -> None:
        key = self.key_at(ev.position().toPoint())
        if key is not None:
            self.select(key)
            self.tileActivated.emit(key)

    def mouseDoubleClickEvent(self, ev) -> None:
        key = self.key_at(ev.position().toPoint())
        if key is not None:
            self.tileDrilled.emit(key)

    def event(self, ev) -> bool:
        if ev.type() == QEvent.Type.ToolTip and self.tooltip_for is not None:
            key = self.key_at(ev.pos())
            text = self.tooltip_for(key) if key is not None else ""
            if text:
                QToolTip.showText(ev.globalPos(), plain_tooltip(text), self)
            else:
                QToolTip.hideText()
            return True
        # The window's shortcuts (replay's ←/→ steps) would take the arrows before keyPressEvent:
        # claiming them here, as text fields do, gives them to the board while it has the focus.
        if (ev.type() == QEvent.Type.ShortcutOverride and ev.key() in _ARROWS
                and ev.modifiers() == Qt.KeyboardModifier.NoModifier):
            ev.accept()
            return True
        return super().event(ev)

    def select(self, key) -> None:
        old = self._rects.get(self.selected)
        self.selected = key
        for r in (old, self._rects.get(key)):
            if r is not None:
                self.update(r)

    def keyPressEvent(self, ev) -> None:
        keys = [s.key for s in self._specs]
        if not keys:
            return
        i = keys.index(self.selected) if self.selected in keys else -1
        step = {Qt.Key.Key_Right: 1, Qt.Key.Key_Left: -1, Qt.Key.Key_Down: self._cols_now(),
                Qt.Key.Key_Up: -self._cols_now()}.get(ev.key())
        if step is not None:
            j = min(max(i + step, 0), len(keys) - 1)
            self.select(keys[j])
            self.tileActivated.emit(keys[j])
        elif ev.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.selected:
            self.tileActivated.emit(self.selected)
        else:
            super().keyPressEvent(ev)

    def _cols_now(self) -> int:
        return max(1, (self.width() - 6) // (self.tile_size.width() + 6))
