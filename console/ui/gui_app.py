"""The console as a desktop application: Qt + asyncio (qasync) on one thread, a source (the live
feeds, or a recording in replay) feeding CityState, the main window watching it."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import sys
from pathlib import Path

from console.feed.live_source import FeedConfig, LiveSource
from console.model.city_state import CityState, StateConfig

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
            record_dir: Path | None = None, wall=None, wall_views: list[str] | None = None,
            wall_dwell: float | None = None, layout_file: Path | None = None, status_file: Path | None = None) -> int:
    """Live on `feeds` (recording to `record_dir` unless None), or a replay of the file `replay`.
    With `wall` (WallOptions) the big-screen wall runs instead of the workstation window."""
    _prepare_env()
    import qasync
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication, QToolBar

    if with_map:
        import PySide6.QtWebEngineWidgets  # noqa: F401 - must be loaded before the QApplication exists

    from console.alarms.discovery_rules import RuleEngine, load_rules
    from console.alarms.emergency import load_emergency_config
    from console.incidents.audit_log import AuditLog
    from console.incidents.command_journal import CommandJournal
    from console.incidents.command_sender import CommandSender
    from console.incidents.escalation import AutoEscalator, EscalationPolicy
    from console.incidents.operator import Operator
    from console.incidents.sla import SlaBook
    from console.model.clock import Clock
    from console.model.ingest import Ingest
    from console.recording.store import Recorder, Recording
    from console.resources import resource
    from console.site.config import Config
    from console.site.paths import active
    from console.ui.gui_fonts import apply_cjk_font
    from console.ui.i18n import Language
    from console.ui.main_window import MainWindow
    from widgets.theme import STYLE_SHEET

    # configuration first: a bad file stops the start with its reason, never a half-configured console
    config = config or Config()  # console.site.config.Config, already checked: SLA and rules files, retention
    sla = SlaBook.load(config.sla_file or resource("config", "sla.json"))
    rules = RuleEngine(load_rules(config.rules_file or resource("config", "rules.json")))
    emergency_config = load_emergency_config(resource("config", "emergency.json"))
    emergency_rules = load_rules(resource("config", emergency_config.rules_file))
    wall_config = None
    if wall is not None:
        from console.views.wall_model import load_wall_config

        wall_config = load_wall_config(resource("config", "wall.json"), wall_views, wall_dwell)
    escalation = EscalationPolicy.load(resource("config", "escalation.json"))
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
    recorder = sender = journal = shift = None
    audit = AuditLog(journal_dir / "audit.jsonl")
    operator = operator or Operator.from_login()
    if replay is not None:
        from console.recording.replay_source import ReplaySource

        source = ReplaySource(Recording(replay))
    else:
        source = LiveSource(feeds)
        if record_dir is not None:
            from console.recording.retention import enforce

            # keyframes of the live city (the time-shift's shadow while the picture is shifted)
            recorder = Recorder(session_recording_path(record_dir), keyframe_s=KEYFRAME_S,
                                keyframe_state=lambda: shift.live if shift is not None else state)
            enforce(record_dir, config.retention_gb * 1e9, config.retention_days, keep=recorder.path)
            source.add_listener(recorder)
            log.info("recording to %s", recorder.path)
    if replay is None and wall is None:  # a wall only watches: it never sends a command
        journal = CommandJournal(journal_dir / "journal.db")
        sender = CommandSender(source, journal, operator, state.incidents.feed_of.get, audit)
        if journal.pending():
            log.info("%d command(s) from an earlier run await an answer; they go out on connect",
                     len(journal.pending()))
    if recorder is not None and wall is None:
        from console.recording.time_shift import TimeShift

        shift = TimeShift(state, recorder)  # ingests into the view, or into the live shadow while shifted
        source.add_listener(shift)
    else:
        source.add_listener(Ingest(state))
    settings = (QSettings(str(settings_path), QSettings.Format.IniFormat) if settings_path
                else QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "CityOps", "console"))
    map_widget = None
    if with_map:
        from console.ui.map_bridge import CityMapView
        from console.views.map_page import MapOptions

        map_widget = CityMapView(state, clock, MapOptions(tile_url=tile_url, tile_attribution=config.tile_attribution))
    lang = Language(app)
    from console.ui.emergency_controller import EmergencyController
    from console.ui.state_bridge import StateBridge

    bridge = StateBridge(state, source, clock)
    emergency = EmergencyController(emergency_config, state, clock, rules, emergency_rules, audit, operator)
    if wall is not None:
        from console.ui.wall_window import WallWindow

        if map_widget is not None:
            map_widget.set_wall_mode(True)
        win = WallWindow(state, source, clock, bridge, wall_config, wall, map_widget)
        bridge.second.connect(emergency.observe)
        emergency.changed.connect(lambda _a: win.set_emergency(emergency.banner_text(), emergency.mode.regions))
        if language != "zh":
            lang.switch(language)
        return _run(app, loop, win, source, None, recorder, journal, audit, clock, state, screenshot, quit_after,
                    status_file, wall_mode=True)
    escalator = AutoEscalator(escalation, sender) if sender is not None else None
    win = MainWindow(state, source, clock, settings, map_widget=map_widget, language=lang, sender=sender, sla=sla,
                     audit=audit, rules=rules, bridge=bridge, operator=operator, emergency=emergency,
                     escalator=escalator)
    if layout_file is not None:
        win.import_layout(layout_file)  # a control room's standard layout for this role
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
    if shift is not None:
        controller = _time_shift_bar(win, shift, clock, sender, emergency)
    if language != "zh":
        win.set_language(language)
    win.show()
    log.info("window shown", extra={"event": "window_shown"})  # tests/bench/bench_bundle.py times up to here
    if screenshot is not None:
        win.resize(1920, 1080)  # a picture for people: the full workstation size, whatever the screen
    return _run(app, loop, win, source, controller, recorder, journal, audit, clock, state, screenshot, quit_after,
                status_file)


def _run(app, loop, win, source, controller, recorder, journal, audit, clock, state, screenshot, quit_after,
         status_file, wall_mode: bool = False) -> int:
    from PySide6.QtCore import QTimer

    if wall_mode:
        win.place()
    done = asyncio.Event()
    app.aboutToQuit.connect(done.set)
    win.closed.connect(done.set)

    if screenshot is not None and quit_after is None:
        quit_after = 6.0
    if quit_after is not None:
        def finish() -> None:
            if screenshot is not None:
                win.screenshot(screenshot)
            win.close()

        QTimer.singleShot(int(quit_after * 1000), finish)
    if status_file is not None:
        status = QTimer(win)
        status.timeout.connect(lambda: write_status(status_file, app, win, source, state, clock))
        status.start(5000)

    async def main() -> None:
        await source.start()
        if controller is not None and hasattr(source, "play"):
            source.play()
        await done.wait()
        await source.stop()

    with loop:
        loop.run_until_complete(main())
    if getattr(win, "timeshift", None) is not None:
        win.timeshift.close()
    if recorder is not None:
        recorder.close()
    if journal is not None:
        journal.close()
    audit.close()
    return 0


def _time_shift_bar(win, shift, clock, sender, emergency):
    """The live window's time-shift bar (pause, rewind, play, back to live)."""
    from PySide6.QtWidgets import QToolBar

    from console.ui.time_shift_controller import TimeShiftController
    from widgets.replay_bar import ReplayBar

    bar = ReplayBar()
    tb = QToolBar()
    tb.setObjectName("timeShiftToolbar")
    tb.addWidget(bar)
    win.addToolBar(tb)
    win.timeshift = shift
    win.time_shift = TimeShiftController(shift, clock, bar, win, sender, emergency)
    return win.time_shift


def write_status(path: Path, app, win, source, state, clock) -> None:
    """What an unattended screen is showing, for a watchdog or a soak test: freshness, banner, whether a
    dialog is up (it never should be on a wall), and the process's memory."""
    import json

    from console.views.wall_model import freshness

    f = freshness(state, source.health() if source is not None else [], clock.now(), 60.0)
    banner = getattr(win, "banner_data", None)
    doc = {"ts": clock.now(), "freshness": f.level, "age_s": f.age_s, "feeds_down": list(f.feeds_down),
           "banner": banner.label.full_text() if banner is not None and banner.isVisible() else "",
           "modal": app.activeModalWidget() is not None, "windows": len(app.topLevelWidgets()),
           "series": len(state.series_keys), "open_incidents": len(state.incidents.open),
           "rss_kb": rss_kb()}
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(doc), encoding="utf-8")
    tmp.replace(path)


def rss_kb() -> int:
    """This process's resident memory now (Linux), else its peak."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
