"""Started from the desktop menu (no terminal to read), a refusal to start is shown in a window: the
real one, which a watcher finds on screen, reads and closes (nothing is stubbed out)."""

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox


class BoxWatcher:
    """Every few ms: a modal message box on screen is recorded (title, text, message, shown?) and closed."""

    def __init__(self):
        self.seen: list[tuple[str, str, str, bool]] = []
        self.timer = QTimer()
        self.timer.setInterval(20)
        self.timer.timeout.connect(self._look)
        self.timer.start()

    def _look(self):
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            self.seen.append((box.objectName(), box.text(), box.informativeText(), box.isVisible()))
            box.done(0)


def test_started_from_the_menu_a_bad_config_is_shown_in_a_window(tmp_path, monkeypatch, qapp):
    from console.app.cli import main

    monkeypatch.setenv("DISPLAY", ":0")  # a desktop session; pytest's stderr is no terminal
    monkeypatch.setenv("CITYOPS_DATA_DIR", str(tmp_path / "data"))
    watcher = BoxWatcher()
    try:
        bad = tmp_path / "bad.toml"
        bad.write_text('[ui]\nlanguage = "de"\n', encoding="utf-8")
        with pytest.raises(SystemExit):
            main(["run", "--config", str(bad)])
        assert len(watcher.seen) == 1
        name, text, message, shown = watcher.seen[0]
        assert name == "startupError" and shown and "check-config" in text
        assert message == f"configuration error: {bad}:2: ui.language: must be one of zh, en, not 'de'"
        with pytest.raises(SystemExit):
            main(["run", "--headless", "--config", str(bad)])
        qapp.processEvents()
        assert len(watcher.seen) == 1  # no window headless
        empty = tmp_path / "empty.toml"
        empty.write_text("", encoding="utf-8")
        with pytest.raises(SystemExit):
            main(["run", "--config", str(empty)])  # a config with no feeds, from the menu: said in a window too
        assert len(watcher.seen) == 2 and watcher.seen[1][2].startswith("no feed: give --feed URL, or [[feeds]]")
    finally:
        watcher.timer.stop()
