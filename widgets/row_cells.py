"""A table delegate that paints each cell from its row's texts and colours (one data role, asked once
per row and paint), with every text laid out once: elided to its column's width, kept as a QStaticText.

Why: a QStyledItemDelegate asks the model seven roles per cell and the style lays each text out twice
(once to elide, once to draw); on a 100,000-row queue that is most of a sort's or a filter change's
repaint. Here the model answers ROW_ROLE with (texts, foregrounds, backgrounds), one tuple per row,
and a text seen at a width before is drawn from its cached layout. The look is the style's, pixel for
pixel (tests/ui/test_queue_cells.py): the view paints alternate rows, a background is filled as the
style's item panel fills it, the selected and current cells get the style's own panel and focus frame,
and the text sits where QCommonStyle puts it (the focus-frame margin inside, vertically centred,
elided with the view's elide mode, a multi-line text's first line marked cut). Text is plain: a
QStaticText set to Qt.PlainText, never markup.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPointF, QRect, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPalette, QStaticText
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionFocusRect, QStyleOptionViewItem

# the data role under which a row-cells model gives each row as (texts, foreground colours or None,
# background brushes or None), one entry per column; console/ui/incident_model.py provides it
ROW_ROLE = Qt.ItemDataRole.UserRole + 3

_CACHE_MAX = 4096  # laid-out texts kept: a screen holds ~250 cells, and countdowns make new ones each second
_SELECTED, _FOCUS = QStyle.StateFlag.State_Selected.value, QStyle.StateFlag.State_HasFocus.value
_ENABLED, _ACTIVE = QStyle.StateFlag.State_Enabled.value, QStyle.StateFlag.State_Active.value


class _Pass:
    """What every cell of one paint shares: the view's font, its metrics and the palette's text colours."""

    def __init__(self, option, style, widget) -> None:
        self.style, self.elide = style, option.textElideMode
        self.font = QFont(option.font)  # copies: the option's own die with the cell's paint
        self.font_key = self.font.key()
        self.metrics = QFontMetricsF(self.font)
        self.margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, widget) + 1
        pal = option.palette
        self.row, self.cells = -1, None  # the row whose cells were asked last, and its cells
        self.text = {g: QColor(pal.color(g, QPalette.ColorRole.Text)) for g in _GROUPS}


class RowCellsDelegate(QStyledItemDelegate):
    """Install on a view (its parent): `RowCellsDelegate(view)`; cells whose model gives no ROW_ROLE are
    painted as QStyledItemDelegate paints them."""

    def __init__(self, view):
        super().__init__(view)
        self._view = view
        self._laid: dict[tuple[str, int], QStaticText] = {}
        self._font_key = ""
        self._pass: _Pass | None = None
        view.viewport().installEventFilter(self)  # a paint starts: look at the view's font and palette again

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.Paint:
            self._pass = None
        return False

    def paint(self, painter, option, index) -> None:
        p, widget = self._pass, self._view
        if p is None:
            p = self._pass = _Pass(option, widget.style(), widget)
            if p.font_key != self._font_key:  # another font: other widths
                self._font_key, self._laid = p.font_key, {}
            painter.setFont(p.font)  # the texts' font, on the one painter of this paint
        r = index.row()
        if r == p.row:  # a paint goes along each row: its cells asked once
            row = p.cells
        else:
            row = p.cells = index.data(ROW_ROLE)
            p.row = r
        if row is None:
            super().paint(painter, option, index)
            return
        texts, fgs, bgs = row
        col = index.column()
        style = p.style
        state = option.state.value
        if state & (_SELECTED | _FOCUS):  # a few cells a paint: the style draws their panel and frame
            self._paint_special(painter, option, style, widget, p, texts[col], bgs[col] if bgs is not None else None)
            return
        rect = option.rect
        if bgs is not None and bgs[col] is not None:  # what the style's item panel does with a background
            painter.fillRect(rect, bgs[col])
        fg = fgs[col] if fgs is not None else None
        self._draw_text(painter, rect, p, texts[col], p.elide,
                        fg if fg is not None else p.text[_group(state)])

    def _paint_special(self, painter, option, style, widget, p: _Pass, text: str, bg) -> None:
        """A selected or current cell: the style's panel (the selection), our text, then the style's focus
        frame over it (Fusion's tints the text)."""
        state = option.state.value
        opt = QStyleOptionViewItem(option)
        opt.features &= ~QStyleOptionViewItem.ViewItemFeature.HasDisplay
        opt.text = ""
        opt.state &= ~QStyle.StateFlag.State_HasFocus
        if bg is not None:
            opt.backgroundBrush = bg
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        color = option.palette.color(_group(state), QPalette.ColorRole.HighlightedText
                                     if state & _SELECTED else QPalette.ColorRole.Text)
        painter.save()
        self._draw_text(painter, option.rect, p, text, p.elide, color)
        painter.restore()
        if state & _FOCUS:
            o = QStyleOptionFocusRect()
            o.state = option.state | QStyle.StateFlag.State_KeyboardFocusChange | QStyle.StateFlag.State_Item
            o.direction, o.palette, o.fontMetrics = option.direction, option.palette, option.fontMetrics
            o.rect = style.subElementRect(QStyle.SubElement.SE_ItemViewItemFocusRect, option, widget)
            o.backgroundColor = option.palette.color(
                _group(state), QPalette.ColorRole.Highlight if state & _SELECTED else QPalette.ColorRole.Window)
            style.drawPrimitive(QStyle.PrimitiveElement.PE_FrameFocusRect, o, painter, widget)

    def _draw_text(self, painter, rect: QRect, p: _Pass, text: str, elide, color) -> None:
        """The text where QCommonStyle puts it: inside the focus-frame margin, elided, vertically centred
        (as its layout is, whose height counts any fallback font's)."""
        width = rect.width() - 2 * p.margin
        if not text or width <= 0:
            return
        static = self._laid.get((text, width))
        if static is None:
            static = self._lay_out(text, width, p, elide)
        painter.setPen(color)
        top = rect.top() + int((rect.height() - static.size().height()) / 2)
        painter.drawStaticText(QPointF(rect.left() + p.margin, top), static)

    def _lay_out(self, text: str, width: int, p: _Pass, elide) -> QStaticText:
        """The text as the cell shows it: one line (the first, as the style shows a multi-line text in a
        one-line cell), elided to the width when it does not fit."""
        lines = text.split("\n", 1)
        shown = lines[0] + "\u2026" if len(lines) > 1 else text  # the style marks a cut-off line so too
        if p.metrics.horizontalAdvance(shown) > width:
            shown = p.metrics.elidedText(shown, elide, width)
        static = QStaticText(shown)
        static.setTextFormat(Qt.TextFormat.PlainText)
        static.setPerformanceHint(QStaticText.PerformanceHint.AggressiveCaching)
        static.prepare(font=p.font)
        if len(self._laid) >= _CACHE_MAX:
            self._laid.clear()
        self._laid[(text, width)] = static
        return static


_GROUPS = (QPalette.ColorGroup.Disabled, QPalette.ColorGroup.Inactive, QPalette.ColorGroup.Normal)


def _group(state: int) -> QPalette.ColorGroup:
    """The palette's colour group for an item in this state (as QCommonStyle picks it)."""
    if not state & _ENABLED:
        return _GROUPS[0]
    return _GROUPS[2] if state & _ACTIVE else _GROUPS[1]
