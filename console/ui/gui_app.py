"""The console as a desktop application: the QApplication dressed as the console, and `run_gui`, which
builds a session (console/ui/session.py: a source feeding CityState, the window or wall watching it)
and runs it with Qt + asyncio (qasync) on one thread; `write_status` for unattended screens."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from pathlib import Path

from console.ui.session import ConsoleOptions, ConsoleSession, build_console

log = logging.getLogger(__name__)


# The map page's young JavaScript generation capped at 1 MB a semi-space (V8 grows it up to 16 MB under a
# steady stream of calls, and keeps it): a page that moves 200 units ten times a second settled at 116 MB of
# private memory with it, 138 MB without; one given the same calls with nothing moving at 108 against 137 MB
# (./dev bench-page-young-gen, docs/benchmarks.md). A site's own --js-flags replace it.
JS_FLAGS = "--js-flags=--max-semi-space-size=1"


def prepare_env() -> None:
    """Chromium's flags (the map), before Qt WebEngine starts."""
    flags = os.environ.get("QTWEBENGINE_CHROMIUM_FLAGS", "")
    # Chromium refuses to run as root without --no-sandbox; --disable-gpu is harmless otherwise.
    for f in ("--no-sandbox", "--disable-gpu"):
        if f not in flags and (f != "--no-sandbox" or os.geteuid() == 0):
            flags += " " + f
    if "--js-flags" not in flags:
        flags += " " + JS_FLAGS
    os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = flags.strip()


def application(with_map: bool = True):
    """The QApplication as the console dresses it (name, icon, CJK font, style sheet), made once."""
    prepare_env()
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    if with_map:
        import PySide6.QtWebEngineWidgets  # noqa: F401 - must be loaded before the QApplication exists

    from console.resources import resource
    from console.ui.gui_fonts import apply_cjk_font
    from widgets.theme import STYLE_SHEET

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("CityOps Console")
    app.setOrganizationName("CityOps")
    app.setDesktopFileName("cityops")  # Wayland/X11 match the window to packaging/cityops.desktop
    app.setWindowIcon(QIcon(str(resource("icons", "cityops.svg"))))
    app.setQuitOnLastWindowClosed(False)  # the window's close ends main() below, which then stops the loop
    apply_cjk_font(app)
    app.setStyleSheet(STYLE_SHEET)
    return app


def run_gui(options: ConsoleOptions) -> int:
    """The console of `options` (console/ui/session.py), on one qasync loop until its window closes."""
    app = application(options.with_map)
    import qasync

    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    session = build_console(options)
    session.show()
    return _run(app, loop, session)


def _run(app, loop, session: ConsoleSession) -> int:
    from PySide6.QtCore import QTimer

    win, opt = session.window, session.options
    done = asyncio.Event()
    app.aboutToQuit.connect(done.set)
    win.closed.connect(done.set)

    screenshot, quit_after = opt.screenshot, opt.quit_after
    if screenshot is not None and quit_after is None:
        quit_after = 6.0
    if quit_after is not None:
        def finish() -> None:
            if screenshot is not None:
                win.screenshot(screenshot)
            win.close()

        QTimer.singleShot(int(quit_after * 1000), finish)
    if opt.status_file is not None:
        status = QTimer(win)
        status.timeout.connect(lambda: write_status(opt.status_file, app, win, session.source, session.state,
                                                    session.clock))
        status.start(5000)

    async def main() -> None:
        await session.start()
        await done.wait()
        await session.stop()

    with loop:
        loop.run_until_complete(main())
    session.close()
    return 0


def write_status(path: Path, app, win, source, state, clock) -> None:
    """What an unattended screen is showing, for a watchdog or a soak test: freshness, banner, whether a
    dialog is up (it never should be on a wall), and the process's memory."""
    import json
    import time

    from console.views.wall_model import freshness

    f = freshness(state, source.health() if source is not None else [], clock.now(), 60.0)
    banner = getattr(win, "banner_data", None)
    # "written_ts" is this machine's time of writing (a watchdog's "is it still writing?"); "ts" is the
    # instant shown, which runs ahead of it on a sped-up feed and stands still in a replay
    doc = {"written_ts": time.time(), "ts": clock.now(),
           "freshness": f.level, "age_s": f.age_s, "feeds_down": list(f.feeds_down),
           "banner": banner.label.full_text() if banner is not None and banner.isVisible() else "",
           "modal": app.activeModalWidget() is not None, "windows": len(app.topLevelWidgets()),
           "series": len(state.series_keys), "open_incidents": len(state.incidents.open),
           "archived_incidents": len(state.incidents.archive),
           "closed_known_by_version": len(state.incidents.tombstones), "rss_kb": rss_kb()}
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(doc), encoding="utf-8")
    tmp.replace(path)


def rss_kb() -> int:
    """This process's resident memory now (Linux), else its peak."""
    from console.site.heap import status_kb

    kb = status_kb("VmRSS")
    if kb is not None:
        return kb
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
