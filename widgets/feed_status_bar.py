"""The status strip: each feed's health (connected / reconnecting / stale, rate, last-frame age) and the
clock. It is handed FeedHealth records and a time; it reads nothing itself."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from console.feed.feed_health import FEED_STATE_LABELS_ZH, FeedHealth, FeedState
from console.views.labels import format_age, format_rate
from widgets.text import plain_label, plain_tooltip

STATE_COLOR = {
    FeedState.CONNECTED: "#30a46c",
    FeedState.STALE: "#ffc53d",
    FeedState.CONNECTING: "#8a97a8",
    FeedState.RECONNECTING: "#f76b15",
    FeedState.AUTH_FAILED: "#e5484d",
    FeedState.STOPPED: "#5c6370",
    FeedState.REPLAY: "#b39ddb",
}
_TZ = dt.timezone(dt.timedelta(hours=8))


class FeedStatusBar(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self._lay = QHBoxLayout(self)
        self._lay.setContentsMargins(4, 0, 4, 0)
        self._feeds: dict[str, tuple[QLabel, QLabel]] = {}
        self._lay.addStretch(1)
        self.clock = plain_label()
        self.clock.setObjectName("clock")
        self.clock.setStyleSheet("font-weight: bold; font-size: 14px;")
        self._lay.addWidget(self.clock)

    def show_health(self, health: list[FeedHealth], now_ts: float, english: bool = False) -> None:
        for h in health:
            if h.name not in self._feeds:
                dot, text = plain_label("●"), plain_label()
                text.setObjectName(f"feed:{h.name}")
                i = len(self._feeds) * 2
                self._lay.insertWidget(i, dot)
                self._lay.insertWidget(i + 1, text)
                self._feeds[h.name] = (dot, text)
            dot, text = self._feeds[h.name]
            dot.setStyleSheet(f"color: {STATE_COLOR[h.state]}; font-size: 16px;")
            state = QCoreApplication.translate("Labels", FEED_STATE_LABELS_ZH[h.state])
            age = h.last_frame_age()
            parts = [h.name, state]
            if age is not None:
                parts.append(QCoreApplication.translate("FeedStatusBar", "{0}前").format(format_age(age, english)))
            parts.append(format_rate(h.sample_rate, english))
            if h.reject_total:
                parts.append(QCoreApplication.translate("FeedStatusBar", "拒收 {0}").format(h.reject_total))
            if h.gaps:
                parts.append(QCoreApplication.translate("FeedStatusBar", "断档 {0}").format(h.gaps))
            text.setText(" · ".join(parts))
            text.setToolTip(plain_tooltip(h.last_error))
        t = dt.datetime.fromtimestamp(now_ts, _TZ)
        self.clock.setText(t.strftime("%Y-%m-%d %H:%M:%S"))
