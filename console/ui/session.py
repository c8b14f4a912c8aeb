"""One way to build the console: `build_console(ConsoleOptions) -> ConsoleSession` assembles a live,
replay or wall session (the state, the clock, the source, the recorder and time-shift, the command
path, the emergency controller, the workstation window or the wall, and the replay or time-shift bar)
and hands it back with every part a public attribute.

`run_gui` (console/ui/gui_app.py) runs a session under qasync; the tests and tools/shot_timeshift.py
build the very same session and drive it from their own asyncio loop. The QApplication must exist
first (run_gui makes it with the console's style and fonts; a test has pytest-qt's). The two bars are
put on a window by `add_replay_bar` and `add_time_shift_bar`, which a benchmark with a TimeShift of its
own uses too."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from console.feed.live_source import FeedConfig, LiveOptions
from console.model.city_state import CityState, StateConfig
from console.recording.time_shift import KEYFRAME_S  # where a time-shift's seek starts replaying

if TYPE_CHECKING:
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QWidget

    from console.feed.source import Source
    from console.incidents.audit_log import AuditLog
    from console.incidents.command_journal import CommandJournal
    from console.incidents.command_sender import CommandSender
    from console.incidents.escalation import AutoEscalator
    from console.incidents.operator import Operator
    from console.model.clock import Clock
    from console.recording.store import Recorder
    from console.recording.time_shift import TimeShift
    from console.site.config import Config
    from console.ui.emergency_controller import EmergencyController
    from console.ui.i18n import Language
    from console.ui.replay_controller import ReplayController
    from console.ui.state_bridge import StateBridge
    from console.ui.time_shift_controller import TimeShiftController
    from console.ui.wall_window import WallOptions
    from widgets.replay_bar import ReplayBar

log = logging.getLogger(__name__)


def session_recording_path(folder: Path) -> Path:
    stamp = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).strftime("%Y%m%d-%H%M%S")
    return folder / f"session-{stamp}.cityrec"


@dataclass
class ConsoleOptions:
    """Everything that decides which console starts. Live on `feeds`, or a replay of the recording
    `replay`; with `wall` the big-screen wall instead of the workstation window."""

    feeds: list[FeedConfig] = field(default_factory=list)
    replay: Path | None = None
    wall: WallOptions | None = None
    state_config: StateConfig = field(default_factory=StateConfig)
    config: Config | None = None  # the site's, already checked (SLA and rules files, retention); None: defaults
    operator: Operator | None = None  # None: the login name, as a duty officer
    record_dir: Path | None = None  # record a live workstation session here; None: not recorded
    journal_dir: Path | None = None  # the command journal and the audit log; None: the active places' journal
    settings_path: Path | None = None  # the window layout (INI); None: the user's own QSettings
    layout_file: Path | None = None  # a control room's standard layout for the role, opened at start
    with_map: bool = True
    language: str = "zh"
    tile_url: str | None = None
    live_options: LiveOptions | None = None  # the feeds' reconnect and staleness timings; a test shortens them
    wall_views: list[str] | None = None  # the wall's carousel (resources/config/wall.json ids); None: all
    wall_dwell: float | None = None
    # automation, for run_gui: a picture, a time limit, what the screen shows written out every 5 s
    screenshot: Path | None = None
    quit_after: float | None = None
    status_file: Path | None = None
    # whose console: the city (310000), a district (310104) or a street (310104003) centre's. The feeds
    # already subscribe to its area (console/app/commands/run.py); the views frame it and drill only
    # inside it; the queue, the wall's list and the alarm flood hold what its level handles
    # (resources/config/levels.json)
    scope: str = "310000"


@dataclass
class ConsoleSession:
    """A built console, not yet started: `show()`, then `await start()` on a running loop, `await stop()`,
    and `close()` for its files (time-shift, recording, journal, audit log)."""

    options: ConsoleOptions
    state: CityState
    clock: Clock
    source: Source
    bridge: StateBridge
    operator: Operator
    audit: AuditLog
    emergency: EmergencyController
    language: Language
    window: QWidget  # MainWindow, or WallWindow for a wall
    map: QWidget | None = None  # the CityMapView inside the window
    settings: QSettings | None = None  # the workstation's layout store (none on a wall)
    recorder: Recorder | None = None
    shift: TimeShift | None = None  # a recorded live workstation's time-shift (state is its view)
    journal: CommandJournal | None = None  # none on a replay or a wall: they never send a command
    sender: CommandSender | None = None
    escalator: AutoEscalator | None = None
    controller: ReplayController | TimeShiftController | None = None
    bar: ReplayBar | None = None  # the controller's bar, in a tool bar of the window

    @property
    def is_wall(self) -> bool:
        return self.options.wall is not None

    def show(self) -> None:
        if self.is_wall:
            self.window.place()  # full screen on its monitor(s), or a plain window of the given size
            return
        self.window.show()
        log.info("window shown", extra={"event": "window_shown"})  # tests/bench/bench_bundle.py times up to here
        if self.options.screenshot is not None:
            self.window.resize(1920, 1080)  # a picture for people: the full workstation size, whatever the screen

    async def start(self) -> None:
        await self.source.start()
        if self.controller is not None and hasattr(self.source, "play"):
            self.source.play()  # a replay opens playing
        self._settling = asyncio.get_running_loop().create_task(self._settle_heap_when_loaded())

    async def _settle_heap_when_loaded(self, wait_s: float = 120.0, then_s: float = 10.0) -> None:
        """Once the city's catalog is in (or after `wait_s`), and `then_s` more for its first views, the
        heap is settled (console/site/heap.py): the start-up objects leave the collector's full walks."""
        from console.site.heap import settle_heap

        t_end = time.monotonic() + wait_s
        while not self.state.series_keys and time.monotonic() < t_end:
            await asyncio.sleep(1.0)
        await asyncio.sleep(then_s)
        settle_heap()

    async def stop(self) -> None:
        settling = getattr(self, "_settling", None)
        if settling is not None:
            settling.cancel()
        await self.source.stop()

    def close(self) -> None:
        """The end: the window closed (if still open) and its ticks stopped, then the files. A test's
        QApplication lives on after it, and a closed window still answering its bridge's once-a-second
        would write to a closed audit log and journal. (The window is not deleted here: a deleteLater still
        pending when the application ends crashed Qt WebEngine at exit; the window's owner decides.)"""
        if self.window.isVisible():
            self.window.close()
        self.bridge.stop()
        if self.shift is not None:
            self.shift.close()
        if self.recorder is not None:
            self.recorder.close()
        if self.journal is not None:
            self.journal.close()
        self.audit.close()


def build_console(options: ConsoleOptions) -> ConsoleSession:
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from console.alarms.discovery_rules import RuleEngine, load_rules
    from console.alarms.emergency import load_emergency_config
    from console.feed.live_source import LiveSource
    from console.incidents.audit_log import AuditLog
    from console.incidents.command_journal import CommandJournal
    from console.incidents.command_sender import CommandSender
    from console.incidents.escalation import AutoEscalator, EscalationPolicy
    from console.incidents.levels import LevelView, load_level_rules
    from console.incidents.operator import Operator
    from console.incidents.sla import SlaBook
    from console.incidents.stations import load_dispatch_list
    from console.model.clock import Clock
    from console.model.ingest import Ingest
    from console.recording.store import Recorder, Recording
    from console.resources import resource
    from console.site.config import Config
    from console.site.paths import active
    from console.ui.emergency_controller import EmergencyController
    from console.ui.i18n import Language
    from console.ui.state_bridge import StateBridge

    app = QApplication.instance()
    if app is None:
        raise RuntimeError("build_console needs the QApplication (console.ui.gui_app.application)")
    opt = options
    wall = opt.wall
    # configuration first: a bad file stops the start with its reason, never a half-built console
    config = opt.config or Config()
    sla = SlaBook.load(config.sla_file or resource("config", "sla.json"))
    dispatch = load_dispatch_list(config.dispatch_file or resource("config", "dispatch_units.json"))
    rules = RuleEngine(load_rules(config.rules_file or resource("config", "rules.json")))
    emergency_config = load_emergency_config(resource("config", "emergency.json"))
    emergency_rules = load_rules(resource("config", emergency_config.rules_file))
    wall_config = None
    if wall is not None:
        from console.views.wall_model import load_wall_config

        wall_config = load_wall_config(resource("config", "wall.json"), opt.wall_views, opt.wall_dwell)
    escalation = EscalationPolicy.load(resource("config", "escalation.json"))
    levels = LevelView(load_level_rules(resource("config", "levels.json")), opt.scope)
    journal_dir = opt.journal_dir or active().journal
    journal_dir.mkdir(parents=True, exist_ok=True)

    state = CityState(opt.state_config)
    clock = Clock()
    recorder = sender = journal = shift = None
    from console.site.data_key import signing_key

    audit = AuditLog(journal_dir / "audit.jsonl", signing_key=signing_key())
    operator = opt.operator or Operator.from_login()
    if opt.replay is not None:
        from console.recording.replay_source import ReplaySource

        source = ReplaySource(Recording(opt.replay))
    else:
        source = LiveSource(opt.feeds, opt.live_options)
        if opt.record_dir is not None:
            from console.recording.retention import enforce

            # keyframes are of the live city: the time-shift's shadow while the picture is shifted. The
            # time-shift is made below, from this recorder; the closure finds it once it exists.
            recorder = Recorder(session_recording_path(opt.record_dir), keyframe_s=KEYFRAME_S,
                                keyframe_state=lambda: shift.live if shift is not None else state)
            enforce(opt.record_dir, config.retention_gb * 1e9, config.retention_days, keep=recorder.path)
            source.add_listener(recorder)
            log.info("recording to %s", recorder.path)
    if opt.replay is None and wall is None:  # a wall only watches: it never sends a command
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
    map_widget = None
    if opt.with_map:
        from console.ui.map_bridge import CityMapView
        from console.views.map_page import MapOptions

        map_widget = CityMapView(state, clock, MapOptions(tile_url=opt.tile_url,
                                                          tile_attribution=config.tile_attribution,
                                                          layers=config.map_layers,
                                                          gis_cache=active().data / "gis-cache"))
    lang = Language(app)
    bridge = StateBridge(state, source, clock)
    emergency = EmergencyController(emergency_config, state, clock, rules, emergency_rules, audit, operator)
    parts = dict(options=opt, state=state, clock=clock, source=source, bridge=bridge, operator=operator,
                 audit=audit, emergency=emergency, language=lang, map=map_widget, recorder=recorder)
    usual = typical_days(opt.record_dir or active().recordings, rules)

    if wall is not None:
        from console.ui.wall_window import WallWindow

        if map_widget is not None:
            map_widget.set_wall_mode(True)
        win = WallWindow(state, source, clock, bridge, wall_config, wall, map_widget, opt.scope, levels=levels)
        win.board.usual = usual
        bridge.second.connect(emergency.observe)
        emergency.changed.connect(lambda _a: win.set_emergency(emergency.banner_text(), emergency.mode.regions))
        if opt.language != "zh":
            lang.switch(opt.language)
        return ConsoleSession(window=win, **parts)

    from console.ui.main_window import MainWindow

    settings = (QSettings(str(opt.settings_path), QSettings.Format.IniFormat) if opt.settings_path
                else QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "CityOps", "console"))
    escalator = AutoEscalator(escalation, sender) if sender is not None else None
    win = MainWindow(state, source, clock, settings, map_widget=map_widget, language=lang, sender=sender, sla=sla,
                     audit=audit, rules=rules, bridge=bridge, operator=operator, emergency=emergency,
                     escalator=escalator, scope=opt.scope, levels=levels, dispatch=dispatch)
    win.board_model.usual = usual
    if opt.layout_file is not None:
        win.import_layout(opt.layout_file)  # a control room's standard layout for this role
    controller = bar = None
    if opt.replay is not None:
        controller, bar = add_replay_bar(win, source, state, clock)
    elif shift is not None:
        controller, bar = add_time_shift_bar(win, shift, clock, sender, emergency)
    if opt.language != "zh":
        win.set_language(opt.language)
    return ConsoleSession(window=win, settings=settings, shift=shift, journal=journal, sender=sender,
                          escalator=escalator, controller=controller, bar=bar, **parts)


def typical_days(recordings: Path, rules):
    """The typical days (同期) beside the recordings, read and kept up to date on a worker thread (rebuilt
    daily once the site keeps them: `cityops build-usual` or `simulate-history` made the folder)."""
    from console.normal.day_class import Calendar, CalendarError
    from console.normal.refresh import DailyRefresh
    from console.normal.usual import PROFILES_FILE, Usual, site_calendar, usual_dir

    try:
        calendar = site_calendar(recordings)
    except CalendarError as exc:  # an aid, not a reason to keep the console from starting: said, and weekends
        log.warning("holiday calendar not used (weekends only): %s", exc)
        calendar = Calendar()
    usual = Usual(path=usual_dir(recordings) / PROFILES_FILE, calendar=calendar)
    rules.usual = usual
    if usual_dir(recordings).is_dir():
        DailyRefresh(usual, recordings).start()
    return usual


def _bar_toolbar(win, name: str):
    from PySide6.QtWidgets import QToolBar

    from widgets.replay_bar import ReplayBar

    bar = ReplayBar()
    tb = QToolBar()
    tb.setObjectName(name)  # the window's saved layout keys tool bars by object name
    tb.addWidget(bar)
    win.addToolBar(tb)
    win.banner_on_its_own_row()  # not beside the bar just added
    return bar


def add_replay_bar(win, replay, state: CityState, clock) -> tuple[ReplayController, ReplayBar]:
    """A replay's bar on the workstation window (play, seek, speed, bookmarks) and its controller."""
    from console.ui.replay_controller import ReplayController

    bar = _bar_toolbar(win, "replayToolbar")
    return ReplayController(replay, state, clock, bar, win), bar


def add_time_shift_bar(win, shift, clock, sender=None, emergency=None) -> tuple[TimeShiftController, ReplayBar]:
    """The live window's time-shift bar (pause, rewind, play, back to live) and its controller; the
    window is told of the time-shift so that it judges breaches, rules and walls by the live city."""
    from console.ui.time_shift_controller import TimeShiftController

    bar = _bar_toolbar(win, "timeShiftToolbar")
    win.timeshift = shift
    return TimeShiftController(shift, clock, bar, win, sender, emergency), bar
