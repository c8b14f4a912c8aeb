"""The workstation window, offscreen with the real map page: the queue, the map, hostile text, language
switching and the saved layout. Data is fed straight into CityState (no network)."""

import json

import pytest
from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtTest import QTest

pytest.importorskip("PySide6.QtWebEngineWidgets")

from console.feed.decoder import Decoder
from console.incidents.sla import SlaBook
from console.model.city_state import CityState
from console.model.clock import Clock
from console.resources import resource
from console.ui.i18n import Language
from console.ui.incident_model import EVENT_ID_ROLE
from console.ui.main_window import MainWindow
from console.ui.map_bridge import CityMapView
from console.views.map_page import check_offline
from tests.frames_factory import catalog, dumps, event, samples
from tests.ui.page_js import js_value

HOSTILE = '<script>document.title="pwned"</script><img src=x onerror="document.title=\'pwned\'"> 井盖 & "引号"'
dec = Decoder()


def feed(state, raw, name="city"):
    state.apply(name, dec.decode(raw).frame)


@pytest.fixture
def world(qtbot, tmp_path, qapp):
    state, clock = CityState(), Clock()
    clock.set_fixed(1_700_000_100.0)
    feed(state, catalog())
    feed(state, samples(1, [["traffic.congestion_index", "310101", 1_700_000_000.0, 8.5],
                            ["traffic.congestion_index", "310104", 1_700_000_000.0, 2.0]]))
    settings = QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat)
    lang = Language(qapp)
    map_view = CityMapView(state, clock)
    win = MainWindow(state, None, clock, settings, map_widget=map_view, language=lang,
                     sla=SlaBook.load(resource("config", "sla.json")))
    qtbot.addWidget(win)
    win.show()
    with qtbot.waitSignal(map_view.ready, timeout=30_000):
        pass
    yield state, win, map_view, lang
    lang.switch("zh")


def test_event_reaches_queue_and_map_and_hostile_text_stays_text(qtbot, world):
    state, win, view, _ = world
    feed(state, dumps({"type": "event", "seq": 2, "event": event("EVIL-1", title=HOSTILE, severity="red",
                                                                 detail="电话 13812345678")}))
    win.bridge.flush()
    model = win.incident_model
    qtbot.waitUntil(lambda: model.rowCount() == 1)
    title_idx = model.index(0, 1)
    assert title_idx.data(Qt.ItemDataRole.DisplayRole) == HOSTILE
    assert title_idx.data(EVENT_ID_ROLE) == "EVIL-1"
    tip = title_idx.data(Qt.ItemDataRole.ToolTipRole)
    assert "<script>" not in tip and "&lt;script&gt;" in tip  # shown literally, not as markup
    # the map: one marker whose popup holds the title as text, with no live script or image elements
    qtbot.waitUntil(lambda: js_value(qtbot, view, "cityops.count()") == 1, timeout=10_000)
    pop = json.loads(js_value(qtbot, view, "JSON.stringify(cityops.popupText('EVIL-1'))"))
    assert HOSTILE in pop["text"] and pop["scripts"] == 0 and pop["imgs"] == 0
    assert js_value(qtbot, view, "document.title") == "cityops-ready"  # nothing ran
    # selecting in the queue shows the detail, with the caller's phone number masked
    assert win.queue.select_incident("EVIL-1")
    text = win.queue.detail.toPlainText()
    assert HOSTILE in text and "138****5678" in text and "13812345678" not in text
    # a mouse click on the marker in the page selects the incident in the queue: the press goes
    # through Chromium's hit-testing, Leaflet's handler and the page-to-console bridge
    win.queue.table.clearSelection()
    win.queue.table.setCurrentIndex(model.index(-1, 0))
    assert win.queue.table.currentIndex().data(EVENT_ID_ROLE) is None
    click_at_latlon(qtbot, view, 31.23, 121.48)
    qtbot.waitUntil(lambda: win.queue.table.currentIndex().data(EVENT_ID_ROLE) == "EVIL-1", timeout=10_000)


def click_at_latlon(qtbot, view, lat, lon):
    """Press and release the left button where the page draws (lat, lon): the point comes from
    Leaflet's own projection of the folium map, the click from Qt's input path into Chromium. The map
    may still be flying (selecting an incident zooms to it): wait until the point stands still."""
    script = f"""(function(){{
        var map = window[Object.keys(window).find(function(k){{
            return k.indexOf('map_') === 0 && window[k] && window[k].latLngToContainerPoint;}})];
        map.closePopup();
        var p = map.latLngToContainerPoint([{lat}, {lon}]);
        var box = map.getContainer().getBoundingClientRect();
        return JSON.stringify([Math.round(box.left + p.x), Math.round(box.top + p.y)]);}})()"""
    seen = [None]

    def still() -> bool:
        now = js_value(qtbot, view, script)
        steady, seen[0] = now == seen[0], now
        qtbot.wait(150)
        return steady

    qtbot.waitUntil(still, timeout=10_000)
    x, y = json.loads(seen[0])
    target = view.focusProxy() or view
    QTest.mouseMove(target, QPoint(x, y))
    QTest.mouseClick(target, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(x, y))


def test_map_is_offline_and_districts_are_coloured(qtbot, world):
    view = world[2]
    assert check_offline(view.page_path) == []
    assert view.guard.blocked == []
    assert "setDistrictStatus" in js_value(qtbot, view, "JSON.stringify(Object.keys(cityops))")
    fill = js_value(qtbot, view, """(function(){var out={};window[Object.keys(window).find(function(k){
        return k.indexOf('geo_json_')===0 && window[k] && window[k].eachLayer;})].eachLayer(function(l){
        out[l.feature.properties.code]=l.options.fillColor;}); return JSON.stringify(out);})()""")
    fill = json.loads(fill)
    assert len(fill) == 16
    assert fill["310101"] == "#7d1f24"  # Huangpu in alarm (8.5 >= 8)
    assert fill["310104"] == "#1f4d3a"  # Xuhui normal


def test_switching_language_changes_visible_labels(qtbot, world):
    win = world[1]
    assert win.dock_queue.windowTitle() == "事件队列"
    win.set_language("en")
    qtbot.waitUntil(lambda: win.dock_queue.windowTitle() == "Incident queue", timeout=5000)
    assert win.dock_board.windowTitle() == "City vital signs"
    assert win.incident_model.headerData(1, Qt.Orientation.Horizontal) == "Title"
    win.set_language("zh")
    qtbot.waitUntil(lambda: win.dock_queue.windowTitle() == "事件队列", timeout=5000)


def test_saved_layout_is_restored(qtbot, tmp_path, qapp):
    state, clock = CityState(), Clock()
    settings = QSettings(str(tmp_path / "l.ini"), QSettings.Format.IniFormat)
    win = MainWindow(state, None, clock, settings)
    qtbot.addWidget(win)
    win.show()
    win.dock_chart.hide()
    win.removeDockWidget(win.dock_queue)
    win.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, win.dock_queue)
    win.dock_queue.show()
    win.close()
    again = MainWindow(state, None, clock, QSettings(str(tmp_path / "l.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(again)
    again.show()
    assert again.dock_chart.isHidden()
    assert again.dockWidgetArea(again.dock_queue) == Qt.DockWidgetArea.LeftDockWidgetArea
    again.reset_layout()
    assert not again.dock_chart.isHidden()


def test_every_ui_string_has_an_english_translation():
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
    from update_translations import missing_translations

    assert missing_translations() == []


def test_a_red_breach_sounds_once_and_mute_silences(qtbot, world):
    state, win = world[0], world[1]
    now = win.clock.now()
    overdue = event("RED-1", severity="red", category="gas_leak", created_ts=now - 3600, updated_ts=now - 3600)
    feed(state, dumps({"type": "event", "seq": 5, "event": overdue}))
    win.bridge.flush()
    win._on_second()
    assert win.sound.played == 1
    row = win.incident_model.row_of("RED-1")
    idx = win.incident_model.index(row, 6)
    assert idx.data(Qt.ItemDataRole.DisplayRole).startswith("受理 超时")
    assert idx.data(Qt.ItemDataRole.BackgroundRole) is not None  # the breached row stands out
    win._on_second()
    assert win.sound.played == 1  # once per breach, not every second
    win.set_muted(True)
    feed(state, dumps({"type": "event", "seq": 6, "event": dict(overdue, id="RED-2")}))
    win.bridge.flush()
    win._on_second()
    assert win.sound.played == 1


def test_console_raised_items_are_marked_and_silences_are_shown(qtbot, world):
    from console.alarms.discovery_rules import Rule, RuleEngine
    from console.feed.protocol import Severity

    win = world[1]
    win.rules = RuleEngine([Rule("alarm-held", "threshold_hold", "持续越限", Severity.ORANGE, on_delay_s=0)])
    changed = win.evaluate_rules()  # Huangpu's congestion (8.5) is in alarm
    assert changed == {"C:alarm-held:traffic.congestion_index@310101"}
    win.bridge.flush()
    model = win.incident_model
    row = model.row_of("C:alarm-held:traffic.congestion_index@310101")
    assert model.index(row, 3).data() == "控制台预警"
    assert model.index(row, 1).data().startswith("◆")
    assert win.queue.select_incident("C:alarm-held:traffic.congestion_index@310101")
    assert not any(a.isEnabled() for a in win.actions.actions.values())  # no platform command for it
    s = win.silence("region", "310104", "徐汇区演练", 30)
    assert not win.queue.silences.isHidden() and "徐汇区演练" in win.queue.silences.text()
    assert s.until_ts == win.clock.now() + 1800


def test_console_alarms_show_their_own_states_are_acknowledged_and_shelved(qtbot, world, tmp_path):
    from console.alarms.discovery_rules import Rule, RuleEngine
    from console.feed.protocol import Severity
    from console.incidents.audit_log import AuditLog

    win = world[1]
    win.audit = AuditLog(tmp_path / "audit.jsonl")
    win.rules = RuleEngine([Rule("alarm-held", "threshold_hold", "持续越限", Severity.ORANGE, on_delay_s=0)])
    win.rules.alarms.audit = win.audit
    aid = "C:alarm-held:traffic.congestion_index@310101"
    win.evaluate_rules()
    win.bridge.flush()
    model, state_col, holder_col = win.incident_model, 4, 7
    row = model.row_of(aid)
    assert model.index(row, state_col).data() == "报警未确认"  # ISA-18.2, not the platform's 待受理
    assert model.index(row, holder_col).data() == "—"
    assert win.queue.select_incident(aid)
    detail = win.queue.detail.toPlainText()
    assert "状态: 报警未确认" in detail and "待受理" not in detail  # the detail speaks the alarm's own states
    assert win.sound.played == 1  # a new orange alarm is announced once
    win.evaluate_rules()
    assert win.sound.played == 1
    win.acknowledge_alarm(aid)
    win.bridge.flush()
    row = model.row_of(aid)
    assert model.index(row, state_col).data() == "报警已确认"
    assert model.index(row, holder_col).data().startswith("operator · ")
    win.shelve_alarm(aid, "传感器检修", 30)
    win.bridge.flush()
    assert model.row_of(aid) is None and "传感器检修" in win.queue.silences.text()
    win.clock.set_fixed(win.clock.now() + 1801)
    win.evaluate_rules()  # the shelf expires by itself: still in alarm, so back unacknowledged
    win.bridge.flush()
    assert model.index(model.row_of(aid), state_col).data() == "报警未确认"
    assert [e["action"] for e in win.audit.entries(aid)] == ["alarm_ack", "alarm_shelve", "alarm_shelf_expired"]
    win.suppress_rules_by_design({"alarm-held"}, "应急模式")
    win.bridge.flush()
    assert model.row_of(aid) is None
    win.audit.close()


def test_a_flood_switches_the_queue_to_flood_mode_and_back(qtbot, world):
    state, win = world[0], world[1]
    now = win.clock.now()
    assert not win.queue.group_box.isChecked()
    for i in range(11):
        e = event(f"F-{i}", category="road_waterlogging", region="310104", severity="yellow",
                  created_ts=now - 300 + i * 20, updated_ts=now - 300 + i * 20)
        feed(state, dumps({"type": "event", "seq": 30 + i, "event": e}))
    win.bridge.flush()
    win._on_second()
    assert win.flood.in_flood and not win.queue.flood.isHidden() and "11" in win.queue.flood.text()
    assert win.queue.group_box.isChecked()  # grouped by cause and area
    assert win.incident_model.rowCount() == 1
    from console.alarms.discovery_rules import Rule, RuleEngine
    from console.feed.protocol import Severity

    win.rules = RuleEngine([Rule("alarm-held", "threshold_hold", "持续越限", Severity.ORANGE, on_delay_s=0)])
    win.evaluate_rules()  # a new orange alarm during the flood: seen, not heard
    assert win.sound.played == 0 and win.sounds_held == 1
    win.clock.set_fixed(now + 900)
    win._on_second()
    assert not win.flood.in_flood and win.queue.flood.isHidden() and not win.queue.group_box.isChecked()
    assert win.flood.periods and win.flood.periods[0][0] == now - 300 + 200


def test_near_duplicates_fold_into_one_row(qtbot, world):
    state, win = world[0], world[1]
    for i in range(3):
        e = event(f"DUP-{i}", category="garbage_overflow", region="310104", created_ts=1_700_000_000.0 + i * 60)
        feed(state, dumps({"type": "event", "seq": 10 + i, "event": e}))
    feed(state, dumps({"type": "event", "seq": 20, "event": event("OTHER", category="noise", region="310104")}))
    win.bridge.flush()
    proxy = model = win.incident_model
    assert proxy.rowCount() == 4
    assert model.group_size["DUP-0"] == 3 and model.leader_of["DUP-2"] == "DUP-0"
    win.queue.group_box.setChecked(True)
    assert proxy.rowCount() == 2
    titles = {proxy.index(r, 1).data() for r in range(proxy.rowCount())}
    assert any(t.endswith("×3") for t in titles)
