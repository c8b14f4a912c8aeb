"""Help ▸ About: version, build, dependencies, feed health and paths in one dialog, copied whole for a
support ticket, with no token in it."""

import json

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QGuiApplication

from console.feed.feed_health import FeedHealth, FeedState
from console.feed.source import Source
from console.model.city_state import CityState
from console.model.clock import Clock
from console.privacy.scrub import SCRUB
from console.site import paths
from console.site.about import version_line
from console.ui.main_window import MainWindow


class FakeSource(Source):
    """A source whose feeds' health is given: the window's whole Source interface, no connection."""

    def __init__(self, health):
        super().__init__()
        self._health = health

    async def start(self):
        pass

    async def stop(self):
        pass

    def health(self):
        return self._health


def test_about_dialog_from_the_help_menu_copies_the_diagnostics(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("CITYOPS_DATA_DIR", str(tmp_path / "data"))
    paths.use(paths.resolve())
    SCRUB.add_secret("AboutTok-55aa77")
    h = FeedHealth("city", "wss://feed.local/ws", state=FeedState.AUTH_FAILED,
                   last_error="server error unauthorized: bad token AboutTok-55aa77")
    win = MainWindow(CityState(), FakeSource([h]), Clock(), QSettings(str(tmp_path / "w.ini"),
                     QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    titles = [a.text() for a in win.menuBar().actions()]
    assert "帮助" in titles
    help_menu = win.menu_help
    assert win.act_about in help_menu.actions() and win.act_about.text() == "关于与诊断信息…"
    dlg = win.show_about()
    qtbot.addWidget(dlg)
    assert dlg.isVisible() and dlg.version.text() == version_line()
    shown = dlg.text.toPlainText()
    QGuiApplication.clipboard().clear()
    qtbot.mouseClick(dlg.copy_button, Qt.MouseButton.LeftButton)
    copied = QGuiApplication.clipboard().text()
    assert copied == dlg.text.toPlainText() and dlg.note.text() == "已复制到剪贴板"
    d = json.loads(copied)
    assert d["qt"]["Qt"].startswith("6.") and d["qt"]["QtWebEngine"]
    assert d["feeds"][0]["state"] == "auth_failed" and d["paths"]["logs"] == str(tmp_path / "data" / "logs")
    assert "AboutTok-55aa77" not in copied and "AboutTok-55aa77" not in shown
    assert "[redacted]" in d["feeds"][0]["last_error"]
