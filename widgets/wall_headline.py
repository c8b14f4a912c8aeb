"""The wall's headline: a few of the city's vital signs, each a big number in its status colour, its
name, and where it comes from, in a grid of tiles (two rows beside the map on the wall). Old data is never
shown as if live: the number greys and says so."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QGridLayout, QVBoxLayout, QWidget

from console.feed.protocol import Status
from console.views.labels import STATUS_COLOR
from widgets.fit_label import FitLabel
from widgets.theme import PANEL, TEXT, TEXT_DIM

STALE_COLOR = "#6b7480"
TREND = {1: "↑", -1: "↓", 0: ""}


class HeadlineTile(QFrame):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("headlineTile")
        self.title = FitLabel(13, TEXT_DIM)
        self.value = FitLabel(28, TEXT, bold=True, shrink=True)
        self.sub = FitLabel(11, TEXT_DIM)  # the unit
        self.place = FitLabel(11, TEXT_DIM)  # the place, or how old a stale value is
        self.usual = FitLabel(11, TEXT_DIM)  # against the typical day (同期), its own line: never cut short
        self.usual.setObjectName("headlineUsual")
        lay = QVBoxLayout(self)
        for w in (self.title, self.value, self.sub, self.place, self.usual):
            lay.addWidget(w)
        lay.addStretch(1)
        self._status = None

    def set_px(self, small: int, body: int, value: int, pad: int) -> None:
        self.title.set_px(small)
        self.value.set_px(value)
        self.sub.set_px(small)
        self.place.set_px(small)
        self.usual.set_px(small)
        self.layout().setContentsMargins(pad, pad // 2, pad, pad // 2)
        self.layout().setSpacing(max(1, pad // 4))

    def show_data(self, title: str, unit: str, value_text: str, subtitle: str, status: Status, trend: int,
                  stale: bool, stale_text: str, usual_text: str = "") -> None:
        """`usual_text`: the value against its typical day ("高于同期 18%"), "" when the basis is thin."""
        self.title.setText(title)
        self.value.setText(value_text + (f" {TREND[trend]}" if TREND[trend] else ""))
        # the number alone stays big enough to read from the back; unit and place get a line each, as
        # one line "万人次/小时 · 上海市" was cut short on a five-tile row at 1080p and at 4K
        self.sub.setText(unit)
        self.place.setText(stale_text if stale else subtitle)
        self.usual.setText("" if stale else usual_text)
        color = STALE_COLOR if stale else STATUS_COLOR[status]
        self.value.set_color(STALE_COLOR if stale else (TEXT if status in (Status.NORMAL, Status.NODATA) else color))
        key = (color, stale)
        if key != self._status:
            self._status = key
            # the status shows as the tile's left edge: colour without shouting; stale tiles are dashed
            style = "dashed" if stale else "solid"
            self.setStyleSheet(f"QFrame#headlineTile {{ background: {PANEL}; border-left: 8px {style} {color}; }}")


class WallHeadline(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.tiles: list[HeadlineTile] = []
        lay = QGridLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self._px = (11, 13, 28, 8)
        self._cols = 1
        # the line against the typical day takes its room only once the site has typical days: kept
        # empty until then, it took a line from the map at every size (at 4K, a sixth of the map's height)
        self._usual_line = False

    def set_px(self, small: int, body: int, value: int, pad: int) -> None:
        self._px = (small, body, value, pad)
        self.layout().setHorizontalSpacing(pad)
        self.layout().setVerticalSpacing(pad)
        for t in self.tiles:
            t.set_px(*self._px)
        self.setFixedHeight(self._height())

    def height_for(self, rows: int) -> int:
        """How high `rows` rows of tiles are at the sizes set, each as high as one tile's lines."""
        if rows <= 0:
            return 0
        if not self.tiles:
            self._add_tile().hide()  # measured before any is shown: kept for the first one shown
        t = self.tiles[0]
        m = t.layout().contentsMargins()
        lines = [t.title, t.value, t.sub, t.place] + ([t.usual] if self._usual_line else [])
        tile = sum(w.height() for w in lines) + (len(lines) - 1) * t.layout().spacing() + m.top() + m.bottom()
        return rows * tile + (rows - 1) * self.layout().verticalSpacing()

    def _height(self) -> int:
        shown = sum(1 for t in self.tiles if not t.isHidden())
        return self.height_for(-(-shown // self._cols))

    def set_usual_line(self, on: bool) -> None:
        """Give every tile its line against the typical day (the site has typical days), or none: held
        whatever one tile's data says, so the wall's layout does not move when a value goes stale."""
        if on != self._usual_line:
            self._usual_line = on
            for t in self.tiles:
                t.usual.setVisible(on)
            self.setFixedHeight(self._height())

    def _add_tile(self) -> HeadlineTile:
        t = HeadlineTile(self)
        t.set_px(*self._px)
        t.usual.setVisible(self._usual_line)
        self.tiles.append(t)
        return t

    def set_count(self, n: int, cols: int | None = None) -> None:
        """Show `n` tiles, `cols` to a row (all in one row when not given), filled row by row."""
        self._cols = max(1, cols if cols else n)
        lay = self.layout()
        while len(self.tiles) < n:
            self._add_tile()
        for i, t in enumerate(self.tiles):
            lay.removeWidget(t)
            if i < n:
                lay.addWidget(t, i // self._cols, i % self._cols)
            t.setVisible(i < n)
        for c in range(max(lay.columnCount(), self._cols)):
            lay.setColumnStretch(c, 1 if c < self._cols else 0)  # equal tiles; a column left over takes no room
        self.setFixedHeight(self._height())
