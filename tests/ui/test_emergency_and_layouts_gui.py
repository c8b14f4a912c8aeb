"""Emergency mode and per-role layouts in the workstation window (offscreen, no network): the switch
swaps rules, thresholds and layout, puts a banner up and writes the audit; switching back restores
all of it. Layouts are kept per role and travel as a file; a file for another role is refused."""

import pytest
from PySide6.QtCore import QSettings

from console.alarms.discovery_rules import RuleEngine, load_rules
from console.alarms.emergency import load_emergency_config
from console.incidents.audit_log import AuditLog
from console.incidents.operator import Operator, Role
from console.model.clock import Clock
from console.resources import resource
from console.simulator.sample_shift import simulate_shift
from console.ui.emergency_controller import EmergencyController
from console.ui.main_window import MainWindow
from console.ui.role_layouts import LayoutFileError


@pytest.fixture
def console(qtbot, tmp_path):
    state, _, end = simulate_shift(1.0, incident_rate_per_min=2, auto_handle=0.5)
    clock = Clock()
    clock.set_fixed(end)
    rules = RuleEngine(load_rules(resource("config", "rules.json")))
    cfg = load_emergency_config(resource("config", "emergency.json"))
    audit = AuditLog(tmp_path / "audit.jsonl")

    def make(role=Role.DUTY_OFFICER, settings="layout.ini"):
        op = Operator("值班员甲" if role is Role.DUTY_OFFICER else "某人", role)
        em = EmergencyController(cfg, state, clock, rules, load_rules(resource("config", cfg.rules_file)), audit, op)
        win = MainWindow(state, None, clock, QSettings(str(tmp_path / settings), QSettings.Format.IniFormat),
                         audit=audit, rules=rules, operator=op, emergency=em)
        qtbot.addWidget(win)
        win.show()
        return win, em

    yield state, rules, audit, make
    audit.close()


def test_the_operator_switch_swaps_rules_thresholds_layout_and_banner_and_back(console):
    state, rules, audit, make = console
    win, em = make()
    normal_ids = [r.id for r in rules.rules]
    assert not win.banner_bar.isVisible() and not win.dock_resources.isVisible()
    assert win.act_emergency.isVisible()
    assert em.declare("台风“梅花”登陆")
    assert win.banner_bar.isVisible() and "台风“梅花”登陆" in win.banner.label.full_text()
    assert win.banner.isVisible() and win.banner.height() > 10 and win.banner_bar.height() >= win.banner.height()
    assert win.dock_resources.isVisible() and win.resources.rowCount() >= 10  # every dispatchable unit
    assert [r.id for r in rules.rules] == ["em-alarm-held", "em-forecast", "em-feed-stale"]
    assert state.indicators["crowd.density"].alarm == 2.5
    assert set(rules.alarms.suppressed_rules) == set(normal_ids)  # suppressed by design, not deleted
    assert win.chart_key == ("hotline.calls", "310000")  # the hotline surge in the chart
    assert em.lift("已解除")
    assert not win.banner_bar.isVisible() and not win.dock_resources.isVisible()
    assert [r.id for r in rules.rules] == normal_ids and state.indicators["crowd.density"].alarm == 3.0
    assert not rules.alarms.suppressed_rules
    entries = [e for e in audit.entries("emergency_mode")]
    assert [e["action"] for e in entries] == ["emergency_on", "emergency_off"]
    assert entries[0]["operator"] == "operator:值班员甲" and entries[0]["detail"]["reason"] == "台风“梅花”登陆"


def test_each_role_keeps_its_own_layout_normal_and_emergency_apart(console):
    _, _, _, make = console
    win, em = make()
    win.dock_chart.hide()
    em.declare("演练")
    win.dock_board.hide()  # the officer's emergency arrangement
    em.lift()
    assert win.dock_board.isVisible() and not win.dock_chart.isVisible()  # the normal one came back
    em.declare("演练")
    assert not win.dock_board.isVisible() and win.dock_resources.isVisible()
    em.lift()
    win.close()
    leader, _ = make(Role.LEADER)
    assert leader.dock_chart.isVisible()  # the officer's choices are not the leader's
    leader.close()
    again, _ = make()
    assert not again.dock_chart.isVisible()


def test_a_layout_travels_as_a_file_and_only_to_its_role(console, tmp_path):
    _, _, audit, make = console
    win, _ = make()
    win.dock_chart.hide()
    path = tmp_path / "std" / "duty_officer.cityops-layout"
    win.export_layout(path)
    win.close()
    other, _ = make(settings="other.ini")
    assert other.dock_chart.isVisible()
    other.import_layout(path)
    assert not other.dock_chart.isVisible()
    other.close()
    leader, _ = make(Role.LEADER, settings="leader.ini")
    with pytest.raises(LayoutFileError, match="role 'duty_officer'"):
        leader.import_layout(path)
    (tmp_path / "junk.cityops-layout").write_text("{not json")
    with pytest.raises(LayoutFileError, match="not a layout file"):
        leader.import_layout(tmp_path / "junk.cityops-layout")
    assert [e["action"] for e in audit.entries(str(path))] == ["layout_export", "layout_import"]


def test_an_analyst_cannot_switch_emergency_mode(console):
    _, _, _, make = console
    win, em = make(Role.ANALYST)
    assert not win.act_emergency.isVisible()
    with pytest.raises(PermissionError):
        em.declare("x")
    assert not em.active


def test_the_role_policy_decides_whether_personal_data_is_unmasked(console, qtbot, tmp_path):
    from console.incidents.operator import RolePolicy

    state, _, _, make = console
    ev = next(iter(state.incidents.open.values()))
    state.incidents.upsert(ev.evolve(version=ev.version + 1, detail="来电 13812345678"), "city")
    win, _ = make()
    assert "138****5678" in win._describe(ev.id) and "13812345678" not in win._describe(ev.id)
    win.operator = Operator("值班长", Role.DUTY_OFFICER, RolePolicy(actions=True, unmask_personal=True))
    assert "13812345678" in win._describe(ev.id)


def test_the_banner_spans_the_window_beside_the_time_shift_bar_and_after_a_saved_layout(console, qtbot):
    """The time-shift bar came after the banner in the window's top tool bars and took its row: the
    banner was a red sliver 10 px wide, its text gone. It keeps a row of its own: when a bar is added,
    and when an arrangement saved with both on one row is taken again (the emergency layout's)."""
    from PySide6.QtCore import Qt

    from console.ui import session

    *_, make = console
    win, em = make()
    win.resize(1920, 1080)
    session._bar_toolbar(win, "timeShiftToolbar")  # as the live console adds its time-shift bar
    bar = win.findChild(type(win.banner_bar), "timeShiftToolbar")
    bar.show()  # the live console adds it before the window is shown; here the window is up already

    def banner_whole() -> bool:
        return win.banner_bar.width() > 0.9 * win.width() and win.banner.label.text() == win.banner.label.full_text()

    assert em.declare("台风“梅花”登陆")
    qtbot.waitUntil(banner_whole)
    assert win.toolBarArea(bar) == win.toolBarArea(win.banner_bar) == Qt.ToolBarArea.TopToolBarArea
    assert bar.geometry().bottom() < win.banner_bar.geometry().top()  # rows apart: the banner under it
    # an emergency arrangement saved with both on one row, as the window kept them before
    win.removeToolBar(win.banner_bar)
    win.addToolBar(Qt.ToolBarArea.TopToolBarArea, win.banner_bar)
    win.banner_bar.show()
    qtbot.waitUntil(lambda: not banner_whole())  # the sliver, as it was
    assert em.lift("已解除")
    assert em.declare("台风“梅花”再次登陆")  # the emergency arrangement saved above is taken again
    qtbot.waitUntil(banner_whole)
