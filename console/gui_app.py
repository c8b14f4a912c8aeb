"""The console as a desktop application: Qt + asyncio (qasync) on one thread, a source (the live
feeds, or a recording in replay) feeding CityState, the main window watching it."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import sys
from pathlib import Path

from console.city_state import CityState, StateConfig
from console.live_source import FeedConfig, LiveSource

log = logging.getLogger(__name__)
KEYFRAME_S = 60.0


def _prepare_env() -> None:
    # Chromium (the map) refuses to run as root without these; harmless otherwise.
    flags = os.environ.get("QTWEBENGINE_CHROMIUM_FLAGS", "")
    for f in ("--no-sandbox", "--disable-gpu"):
        if f not in flags and (f != "--no-sandbox" or os.geteuid() == 0):
            flags += " " + f
    os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = flags.strip()


def session_recording_path(folder: Path) -> Path:
    stamp = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).strftime("%Y%m%d-%H%M%S")
    return folder / f"session-{stamp}.cityrec"


def run_gui(feeds: list[FeedConfig], state_config: StateConfig, screenshot: Path | None = None, config=None,
            quit_after: float | None = None, settings_path: Path | None = None, with_map: bool = True,
            language: str = "zh", tile_url: str | None = None, operator=None, replay: Path | None = None,
            record_dir: Path | None = None) -> int:
    """Live on `feeds` (recording to `record_dir` unless None), or a replay of the file `replay`."""
    _prepare_env()
    import qasync
    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication, QToolBar

    if with_map:
        import PySide6.QtWebEngineWidgets  # noqa: F401 - must be loaded before the QApplication exists

    from console.audit_log import AuditLog
    from console.clock import Clock
    from console.command_journal import CommandJournal
    from console.command_sender import CommandSender
    from console.config import Config
    from console.discovery_rules import RuleEngine, load_rules
    from console.ingest import Ingest
    from console.operator import Operator
    from console.paths import active
    from console.recording import Recorder, Recording
    from console.resources import resource
    from console.sla import SlaBook
    from console.ui.gui_fonts import apply_cjk_font
    from console.ui.i18n import Language
    from console.ui.main_window import MainWindow
    from widgets.theme import STYLE_SHEET

    # configuration first: a bad file stops the start with its reason, never a half-configured console
    config = config or Config()  # console.config.Config, already checked: SLA and rules files, retention
    sla = SlaBook.load(config.sla_file or resource("config", "sla.json"))
    rules = RuleEngine(load_rules(config.rules_file or resource("config", "rules.json")))
    journal_dir = active().journal
    journal_dir.mkdir(parents=True, exist_ok=True)

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("CityOps Console")
    app.setOrganizationName("CityOps")
    app.setDesktopFileName("cityops")  # Wayland/X11 match the window to packaging/cityops.desktop
    from PySide6.QtGui import QIcon

    app.setWindowIcon(QIcon(str(resource("icons", "cityops.svg"))))
    app.setQuitOnLastWindowClosed(False)  # the window's close ends main() below, which then stops the loop
    apply_cjk_font(app)
    app.setStyleSheet(STYLE_SHEET)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)

    state = CityState(state_config)
    clock = Clock()
    recorder = sender = journal = None
    audit = AuditLog(journal_dir / "audit.jsonl")
    if replay is not None:
        from console.replay_source import ReplaySource

        source = ReplaySource(Recording(replay))
    else:
        source = LiveSource(feeds)
        if record_dir is not None:
            from console.recording_retention import enforce

            recorder = Recorder(session_recording_path(record_dir))
            enforce(record_dir, config.retention_gb * 1e9, config.retention_days, keep=recorder.path)
            source.add_listener(recorder)
            log.info("recording to %s", recorder.path)
        journal = CommandJournal(journal_dir / "journal.db")
        sender = CommandSender(source, journal, operator or Operator.from_login(), state.incidents.feed_of.get, audit)
        if journal.pending():
            log.info("%d command(s) from an earlier run await an answer; they go out on connect",
                     len(journal.pending()))
    source.add_listener(Ingest(state))
    settings = (QSettings(str(settings_path), QSettings.Format.IniFormat) if settings_path
                else QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "CityOps", "console"))
    map_widget = None
    if with_map:
        from console.map_page import MapOptions
        from console.ui.map_bridge import CityMapView

        map_widget = CityMapView(state, clock, MapOptions(tile_url=tile_url, tile_attribution=config.tile_attribution))
    lang = Language(app)
    win = MainWindow(state, source, clock, settings, map_widget=map_widget, language=lang, sender=sender, sla=sla,
                     audit=audit, rules=rules)
    controller = None
    if replay is not None:
        from console.ui.replay_controller import ReplayController
        from widgets.replay_bar import ReplayBar

        bar = ReplayBar()
        tb = QToolBar()
        tb.setObjectName("replayToolbar")
        tb.addWidget(bar)
        win.addToolBar(tb)
        controller = ReplayController(source, state, clock, bar, win)
        win.replay = controller
    if language != "zh":
        win.set_language(language)
    win.show()
    log.info("window shown", extra={"event": "window_shown"})  # tests/bench/bench_bundle.py times up to here
    if screenshot is not None:
        win.resize(1920, 1080)  # a picture for people: the full workstation size, whatever the screen
    done = asyncio.Event()
    app.aboutToQuit.connect(done.set)
    win.closed.connect(done.set)

    if recorder is not None:
        keyframes = QTimer(win)
        keyframes.timeout.connect(lambda: recorder.keyframe(clock.now(), state.keyframe_body()))
        keyframes.start(int(KEYFRAME_S * 1000))
    if screenshot is not None and quit_after is None:
        quit_after = 6.0
    if quit_after is not None:
        def finish() -> None:
            if screenshot is not None:
                win.screenshot(screenshot)
            win.close()

        QTimer.singleShot(int(quit_after * 1000), finish)

    async def main() -> None:
        await source.start()
        if controller is not None:
            source.play()
        await done.wait()
        await source.stop()

    with loop:
        loop.run_until_complete(main())
    if recorder is not None:
        recorder.close()
    if journal is not None:
        journal.close()
    audit.close()
    return 0
