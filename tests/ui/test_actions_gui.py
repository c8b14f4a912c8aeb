"""The duty officer's keys in the real window, on the real simulator: press A on a new incident, see
it pending, then confirmed; a refused command is shown with the server's reason. The console is a
district centre's (黄浦区, 310101): its queue holds the district's own incidents and alarms.

An asyncio loop runs the feed while Qt's events are pumped from it. Not qasync here: stopping a
qasync loop quits the shared QApplication (aboutToQuit), which tears down Qt WebEngine for every
test after it in the same process."""

import asyncio
import time

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest

from console.feed.live_source import FeedConfig
from console.feed.protocol import CommandOp, IncidentState
from console.incidents.lifecycle import Command
from console.incidents.operator import Operator, Role
from console.simulator.run import CityOptions, make_server
from console.simulator.server import ServerOptions
from console.ui.incident_model import COLUMNS
from console.ui.session import ConsoleOptions, build_console
from tests.aio import pump_qt, until
from tests.live import FAST

DISTRICT = "310101"


def new_in_queue(win, state):
    """The new incidents the window's queue holds (what the district's level handles)."""
    now = win.clock.now()
    return [e for e in state.incidents.open.values() if e.state is IncidentState.NEW and win.levels.handles(e, now)]


def run_with_window(qapp, tmp_path, body, operator=None, config=None):
    async def main():
        pumping = asyncio.create_task(pump_qt(qapp))
        server = make_server(CityOptions(seed=3, incident_rate_per_min=20, auto_handle=0.0), ServerOptions(speed=5))
        port = await server.start()
        session = build_console(ConsoleOptions(
            feeds=[FeedConfig(f"ws://127.0.0.1:{port}", "city", regions=(DISTRICT,))], live_options=FAST,
            journal_dir=tmp_path, settings_path=tmp_path / "l.ini", with_map=False,
            operator=operator or Operator("值班员甲"), scope=DISTRICT, config=config))
        win, state = session.window, session.state
        # the keys are under test here: the window's own escalation of the simulator's old unacknowledged
        # incidents would journal commands meanwhile (the last test turns it back on)
        win.escalator = None
        session.show()
        await session.start()
        try:
            await until(lambda: new_in_queue(win, state))
            win.bridge.flush()
            await body(win, state, server, session.journal)
        finally:
            await session.stop()
            await server.stop()
            session.close()
            pumping.cancel()

    asyncio.run(main())


def test_key_a_acknowledges_the_selected_incident(qapp, tmp_path):
    async def body(win, state, server, journal):
        ev = new_in_queue(win, state)[0]
        assert win.queue.select_incident(ev.id)
        assert win.actions.buttons[CommandOp.ACKNOWLEDGE].isEnabled()
        assert not win.actions.buttons[CommandOp.CLOSE].isEnabled()  # not from "new"
        win.queue.table.setFocus()
        QTest.keyClick(win.queue.table, Qt.Key.Key_A)
        await until(lambda: state.incidents.get(ev.id).state is IncidentState.ACKNOWLEDGED, what="acknowledged")
        await until(lambda: "已确认" in win.queue.message.text(), what="confirmation shown")
        win.bridge.flush()
        assert win.actions.buttons[CommandOp.DISPATCH].isEnabled()
        assert journal.pending() == []

    run_with_window(qapp, tmp_path, body)


def test_pending_then_refusal_is_shown(qapp, tmp_path):
    async def body(win, state, server, journal):
        ev = new_in_queue(win, state)[0]
        assert win.queue.select_incident(ev.id)
        # someone else acknowledges it at the platform first; our view is now one version behind
        other = server.city.apply(Command("other-1", CommandOp.ACKNOWLEDGE, ev.id, ev.version, "区值班员", {}),
                                  server.sim_now())
        assert other.version == ev.version + 1
        state.incidents.open[ev.id] = ev  # (the event frame for it may not have arrived yet)
        model, col = win.incident_model, COLUMNS.index("state")

        def state_cell() -> str:
            row = model.row_of(ev.id)
            return "" if row is None else model.data(model.index(row, col))

        shown = []  # the incident's state cell each time the table is told it changed: a poll could miss one
        model.dataChanged.connect(lambda top, bottom, *_: shown.append(state_cell()))
        task = win.actions.act(CommandOp.DISPATCH, {"assignee": "水务应急队"}, event_id=ev.id)
        await task
        await until(lambda: "被拒绝" in win.queue.message.text(), what="refusal shown")
        assert "stale version" in win.queue.message.text()
        assert any("⏳" in text for text in shown), shown  # pending while the platform had not answered...
        await until(lambda: "⏳" not in state_cell(), what="the pending mark gone")  # ...and no more after

    run_with_window(qapp, tmp_path, body)


def test_a_leader_has_no_actions_and_a_forged_command_is_refused(qapp, tmp_path):
    async def body(win, state, server, journal):
        ev = next(iter(state.incidents.open.values()))
        win.queue.select_incident(ev.id)
        # absent, not greyed: no buttons, no key bindings in the window
        assert win.actions.actions == {} and win.actions.buttons == {}
        assert not [a for a in win.findChildren(QAction) if a.shortcut().toString() in ("A", "D", "S", "R", "C")]
        # a forged attempt (straight at the action code) is refused, said on screen, kept on record
        await win.actions._submit(ev, CommandOp.ACKNOWLEDGE, {})
        assert "不能处置事件" in win.queue.message.text()
        assert journal.recent() == []  # nothing was journaled, so nothing can ever be sent
        refused = [e for e in win.sender.audit.entries(ev.id) if e["outcome"] == "refused"]
        assert refused and refused[0]["role"] == "leader" and refused[0]["operator"] == "领导乙"

    run_with_window(qapp, tmp_path, body, operator=Operator("领导乙", Role.LEADER))


def test_key_a_acknowledges_a_console_alarm_locally(qapp, tmp_path):
    from console.alarms.discovery_rules import Rule, RuleEngine
    from console.alarms.states import AlarmState
    from console.feed.protocol import Severity

    async def body(win, state, server, journal):
        import numpy as np

        from console.feed.frames import SampleBatch

        win.rules = RuleEngine([Rule("held", "threshold_hold", "越限", Severity.YELLOW, ("traffic.congestion_index",),
                                     on_delay_s=0)])
        # Huangpu's congestion far over its alarm threshold, just now
        state.apply_samples(SampleBatch(["traffic.congestion_index"], ["310101"], np.array([time.time() + 1]),
                                        np.array([99.0])))
        win.evaluate_rules()
        win.bridge.flush()
        aid = win.rules.alarms.in_queue()[0].id
        assert win.queue.select_incident(aid)
        assert win.actions.buttons[CommandOp.ACKNOWLEDGE].isEnabled()
        assert not win.actions.buttons[CommandOp.DISPATCH].isEnabled()  # never a platform command
        win.queue.table.setFocus()
        QTest.keyClick(win.queue.table, Qt.Key.Key_A)
        assert win.rules.alarms.alarms[aid].state is AlarmState.ACKED
        assert journal.pending() == [] and not journal.has_command(aid, CommandOp.ACKNOWLEDGE)
        assert not win.actions.buttons[CommandOp.ACKNOWLEDGE].isEnabled()

    run_with_window(qapp, tmp_path, body)


def test_the_window_escalates_an_unacknowledged_incident_by_itself(qapp, tmp_path):
    from console.feed.protocol import Severity
    from console.incidents.escalation import AutoEscalator, EscalationPolicy

    async def body(win, state, server, journal):
        # every level after a second: the new incident the district's queue holds (run_with_window waits for
        # one) is of any severity, and red ones are rare at a district in the simulated mix
        win.escalator = AutoEscalator(EscalationPolicy(dict.fromkeys(Severity, 1.0)), win.sender)

        def tick():
            win._on_second()
            return any(c.op is CommandOp.ESCALATE for c in journal.recent())

        await until(tick, what="an auto-escalation")
        cmd = next(c for c in journal.recent() if c.op is CommandOp.ESCALATE)
        await until(lambda: journal.get(cmd.id).state.value == "done", what="the platform's answer")
        assert cmd.args["auto"] is True
        assert [e["action"] for e in win.sender.audit.entries(cmd.event_id)].count("auto_escalate") == 1
        win.escalator = None  # the closed window outlives its journal in this process: let it rest

    run_with_window(qapp, tmp_path, body)


def test_the_dispatch_dialog_offers_the_incidents_district_stations_first(qapp, tmp_path, monkeypatch):
    """An incident in 黄浦 is dispatched to 黄浦's stations (the simulated city's units belong to them),
    the site's own units after; before, every district was offered 黄浦消防救援站 and bare service names."""
    from PySide6.QtWidgets import QDialog

    from console.ui import incident_actions

    offered = []

    def look(dlg):
        offered.extend(dlg.unit.itemText(i) for i in range(dlg.unit.count()))
        return QDialog.DialogCode.Rejected  # the officer backs out: nothing is sent

    monkeypatch.setattr(incident_actions.DispatchDialog, "exec", look)

    async def body(win, state, server, journal):
        ev = new_in_queue(win, state)[0]
        assert ev.region.startswith(DISTRICT)
        assert win.actions._ask(CommandOp.DISPATCH, ev) is None
        assert offered[:3] == ["黄浦消防救援站", "黄浦城管执法中队", "黄浦供电抢修班"]
        assert offered[-3:] == ["120急救分站", "环境监测站", "街道应急小分队"]
        assert journal.pending() == []

    run_with_window(qapp, tmp_path, body)


def test_a_sites_dispatch_list_named_in_its_config_is_what_the_dialog_offers(qapp, tmp_path, monkeypatch):
    """A district centre lists its own units: the file its configuration names ([dispatch] file) is what
    the dialog offers, its services named by the incident's district, in place of the shipped list."""
    import json

    from PySide6.QtWidgets import QDialog

    from console.site.config import load_config
    from console.ui import incident_actions

    (tmp_path / "units.json").write_text(json.dumps(
        {"district_services": ["特勤消防站"], "units": ["区应急管理局值班车", "外滩派出所"]}), encoding="utf-8")
    (tmp_path / "cityops.toml").write_text('[dispatch]\nfile = "units.json"\n', encoding="utf-8")
    cfg = load_config(tmp_path / "cityops.toml")
    offered = []

    def look(dlg):
        offered.extend(dlg.unit.itemText(i) for i in range(dlg.unit.count()))
        return QDialog.DialogCode.Rejected

    monkeypatch.setattr(incident_actions.DispatchDialog, "exec", look)

    async def body(win, state, server, journal):
        ev = new_in_queue(win, state)[0]
        assert win.actions._ask(CommandOp.DISPATCH, ev) is None
        assert offered == ["黄浦特勤消防站", "区应急管理局值班车", "外滩派出所"]

    run_with_window(qapp, tmp_path, body, config=cfg)
