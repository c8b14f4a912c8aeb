"""Time-shift in the real window on the simulator: Space freezes the picture while the feed goes on,
a command key answers with the reason instead of sending, new incidents are counted on the bar, the
timeline seeks, End comes back to live with everything that arrived meanwhile."""

import asyncio

from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QWidget

from console.feed.live_source import FeedConfig
from console.feed.protocol import CommandOp, IncidentState
from console.incidents.operator import Operator
from console.simulator.run import CityOptions, make_server
from console.simulator.server import ServerOptions
from console.ui.session import ConsoleOptions, build_console
from console.views.board_model import format_value
from tests.aio import pump_qt, until
from tests.live import FAST


def test_time_shift_in_the_window(qapp, tmp_path):
    async def main():
        pumping = asyncio.create_task(pump_qt(qapp))
        server = make_server(CityOptions(seed=3, incident_rate_per_min=60, auto_handle=0.0, history_s=300),
                             ServerOptions(speed=10))
        port = await server.start()
        session = build_console(ConsoleOptions(
            feeds=[FeedConfig(f"ws://127.0.0.1:{port}", "city")], live_options=FAST, record_dir=tmp_path / "rec",
            journal_dir=tmp_path, settings_path=tmp_path / "l.ini", with_map=False, operator=Operator("值班员甲")))
        state, clock, shift, win, bar = session.state, session.clock, session.shift, session.window, session.bar
        ctl, journal, sender = session.controller, session.journal, session.sender
        # this test is about the keys while shifted; the window's own escalation of the simulator's old
        # incidents (tests/ui/test_actions_gui.py) would put commands in the journal meanwhile
        win.escalator = None
        session.show()
        await session.start()
        try:
            await until(lambda: any(e.state is IncidentState.NEW and win.levels.handles(e, clock.now())
                                    for e in state.incidents.open.values()),
                        what="a new incident")
            win.bridge.flush()
            assert not bar.live.isVisible() and "实时" in bar.time.text()
            wall = QWidget()  # a big screen sharing this picture: no time-shift while it is up
            wall.show()
            win.walls.append(wall)
            QTest.keyClick(win, Qt.Key.Key_Space)
            assert not shift.shifted and "大屏" in win.queue.message.text()
            win.walls.remove(wall)
            wall.close()
            win.activateWindow()  # the keys below go to the window's shortcuts
            await until(win.isActiveWindow, what="the window active again")

            # values at the cursor, live: the chart's crosshair reads the value and marks the timeline,
            # and nothing pauses
            await until(lambda: win._refresh_chart() or len(win.chart._ts) >= 4, what="a chart")
            chart = win.chart
            t, v = float(chart._ts[-3]), float(chart._values[-3])
            chart._on_mouse(chart.plot.getViewBox().mapViewToScene(QPointF(t, v)))
            assert chart.readout.isVisible() and format_value(v) in chart.readout.toPlainText()
            assert abs(bar.timeline.cursor_ts - t) < 1.0 and not shift.shifted
            win._refresh_chart()  # the chart keeps updating under the cursor
            assert chart.readout.isVisible()
            bar.timeline.hovered.emit(float(chart._ts[-2]))  # and the other way round
            assert chart.crosshair.isVisible() and abs(chart.crosshair.value() - chart._ts[-2]) < 1e-6
            bar.timeline.hovered.emit(float("nan"))
            assert not chart.crosshair.isVisible()
            await until(lambda: shift.live_ts - shift.span[0] > 10, what="a recording of some seconds")
            QTest.keyClick(win, Qt.Key.Key_Space)
            assert shift.shifted and clock.pinned and bar.live.isVisible()
            frozen = state.latest_values()

            # one the city's queue holds (resources/config/levels.json: red, escalated, cross-district, upper-level)
            ev = next(e for e in state.incidents.open.values()
                      if e.state is IncidentState.NEW and win.levels.handles(e, clock.now()))
            assert win.queue.select_incident(ev.id)
            win.actions.trigger(CommandOp.ACKNOWLEDGE)
            assert "时移中" in win.queue.message.text()
            assert not win.actions.buttons[CommandOp.ACKNOWLEDGE].isEnabled()
            assert journal.recent() == []  # nothing journaled: nothing can go out later either

            await until(lambda: len(shift.new_since_pause) >= 2, what="incidents while paused")
            ctl._show()
            assert bar.news.isVisible() and str(len(shift.new_since_pause)) in bar.news.text()
            assert state.latest_values() == frozen

            # a few seconds back (8 s of receive time: 80 s of this 10x feed's), where the recording has the city
            ctl.seek(shift.paused_at - 8, wait_for_history=True)
            assert clock.pinned and shift.span[0] < shift.position < shift.paused_at
            win.bridge.flush()
            # the picture is judged at the feed's time of the shown instant, not with today's offset (which
            # a sped-up feed's has outgrown by 9 s a second since): its tiles were live then
            tiles = win.freshness_view.show()["tiles"]
            assert tiles and not any(f.marked for f in tiles.values()), {k: f.text() for k, f in tiles.items()}

            away = set(shift.new_since_pause)
            win.queue.table.setFocus()  # from wherever the officer is: the queue uses End for its last row too
            QTest.keyClick(win.queue.table, Qt.Key.Key_End)
            assert not shift.shifted and not clock.pinned and sender.held_reason is None
            assert all(state.incidents.get(i) is not None for i in away)
            win.bridge.flush()
            shown = {win.incident_model.event_at(r).id for r in range(win.incident_model.rowCount())}
            # every open incident the city's level handles has its row, or is folded into its group's (a flood
            # groups near-duplicates by cause and area); the rest is the districts' and streets' work
            model, now = win.incident_model, clock.now()
            ours = [i for i, e in state.incidents.open.items() if win.levels.handles(e, now)]
            assert ours and {model.leader_of.get(i, i) for i in ours} <= shown
            assert len(shown) < len(state.incidents.open)
            assert win.actions.buttons[CommandOp.ACKNOWLEDGE].isEnabled() == (
                state.incidents.get(ev.id).state is IncidentState.NEW)
        finally:
            await session.stop()
            await server.stop()
            session.close()
            pumping.cancel()

    asyncio.run(main())
