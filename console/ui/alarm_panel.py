"""The workstation's side of the alarm desk (console/alarms/alarm_desk.py, which decides): it asks the
operator (silence a rule or region, shelve an alarm), sounds the cues the desk calls for, and shows
what it decided: silences and shelves, the flood banner, the ISA-18.2 states and holders of console
alarms in the queue, and the acknowledgement of a console alarm from the actions bar."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QInputDialog, QWidget

from console.alarms.alarm_desk import AlarmDesk
from console.feed.feed_health import FeedHealth
from console.incidents.command_sender import CommandSender
from console.model.city_state import CityState
from console.model.clock import Clock
from console.ui.alert_sound import AlertSound
from console.ui.incident_actions import IncidentActions
from console.ui.incident_model import IncidentTableModel
from console.views.labels import ALARM_STATE_ZH
from widgets.incident_queue import IncidentQueue

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def _t(text: str) -> str:
    return QCoreApplication.translate("MainWindow", text)  # the window's strings, moved here with their translations


class AlarmPanel:
    def __init__(self, desk: AlarmDesk, state: CityState, clock: Clock, queue: IncidentQueue,
                 incident_model: IncidentTableModel, actions: IncidentActions, sound: AlertSound,
                 sender: CommandSender | None, parent: QWidget, escalated: Callable[[], None]):
        self.desk, self.state, self.clock, self.queue, self.sound = desk, state, clock, queue, sound
        self.incident_model, self.sender, self.parent = incident_model, sender, parent
        self.escalated = escalated  # an auto-escalation run has finished: show its commands as pending
        incident_model.alarm_state = self._state_label
        incident_model.alarm_holder = desk.holder
        actions.console_can_ack = desk.can_acknowledge
        actions.console_ack = self.acknowledge

    def _state_label(self, alarm_id: str) -> str | None:
        s = self.desk.alarm_state(alarm_id)
        return ALARM_STATE_ZH[s] if s is not None else None

    def _sound(self, cues: int) -> None:
        for _ in range(cues):
            self.sound.play()

    # ---------------------------------------------------------------- on the timers
    def evaluate(self, live: CityState, health: list[FeedHealth], now: float) -> set[str]:
        result = self.desk.evaluate(live, health, now)
        self._sound(result.sounds)
        self.show_silences()
        return result.changed

    def tick(self, live_picture: bool) -> None:
        """Once a second: a red SLA breach cues the sound (only on the live picture: a past one's
        breaches are not news), the flood banner follows the desk, due incidents are escalated."""
        now = self.clock.now()
        # the queue's columns find the red overdue ones: no walk of 100,000 incidents every second
        if live_picture and self.desk.red_breaches_moved(*self.incident_model.red_overdue_changes(now)):
            self.sound.play()
        flood = self.desk.update_flood(now)
        if flood.in_flood:
            self.queue.set_flood(_t("报警洪峰：10 分钟内 {0} 条（EEMUA 191 上限 10）。"
                                    "已按原因和区域合并、最高级别在前；低级别提示音暂停。").format(flood.count))
        elif flood.changed:
            self.queue.set_flood(None)
        run = self.desk.auto_escalate(self.state.incidents.open.values(), now)
        if run is not None:
            run.add_done_callback(lambda _f: self.escalated())

    # ---------------------------------------------------------------- the operator's choices
    def silence(self, kind: str, target: str, reason: str, minutes: float):
        s = self.desk.silence(kind, target, reason, minutes, self.clock.now())
        self.show_silences()
        return s

    def acknowledge(self, alarm_id: str) -> None:
        self.desk.acknowledge(alarm_id, self.clock.now())
        self.queue.show_message(_t("报警已确认"), "ok")

    def shelve(self, alarm_id: str, reason: str, minutes: float) -> None:
        self.desk.shelve(alarm_id, reason, minutes, self.clock.now())
        self.show_silences()

    def ask_silence(self) -> None:
        if self.desk.rules is None:
            return
        choices = [f"rule:{r.id} {r.title}" for r in self.desk.rules.rules] + [
            f"region:{r.code} {r.name_zh}" for r in sorted(self.state.regions.values(), key=lambda r: r.code)
            if r.level in ("district", "street")]
        item, ok = QInputDialog.getItem(self.parent, _t("静默"), _t("静默对象"), choices, 0, False)
        if not ok:
            return
        minutes, ok = QInputDialog.getInt(self.parent, _t("静默"), _t("时长（分钟）"), 60, 5, 24 * 60)
        if not ok:
            return
        reason, ok = QInputDialog.getText(self.parent, _t("静默"), _t("原因（必填）"))
        if ok and reason.strip():
            kind, target = item.split(" ", 1)[0].split(":", 1)
            self.silence(kind, target, reason.strip(), minutes)

    def ask_shelve(self) -> None:
        eid = self.queue.selected_id
        if self.sender is None or not self.sender.operator.can_act or not self.sender.source.can_send:
            return  # a leader, an analyst or a replay does not shelve (as it does not acknowledge)
        if self.desk.alarm(eid or "") is None:
            self.queue.show_message(_t("只能搁置控制台报警（◆）"), "error")
            return
        minutes, ok = QInputDialog.getInt(self.parent, _t("搁置"), _t("时长（分钟）"), 60, 5,
                                          self.desk.max_shelve_minutes)
        if not ok:
            return
        reason, ok = QInputDialog.getText(self.parent, _t("搁置"), _t("原因（必填）"))
        if ok and reason.strip():
            self.shelve(eid, reason.strip(), minutes)

    # ---------------------------------------------------------------- what is held back
    def show_silences(self) -> None:
        def until(ts: float) -> str:
            return dt.datetime.fromtimestamp(ts, SHANGHAI).strftime("%H:%M")

        alerts = self.state.console_alerts
        lines = [_t("静默中：{0} {1}，至 {2}（{3}，{4}）").format(
            _t("规则") if s.kind == "rule" else _t("区域"),
            s.target if s.kind == "rule" else self.state.region_label(s.target), until(s.until_ts), s.reason,
            s.author) for s in self.desk.silences()]
        lines += [_t("已搁置：{0}，至 {1}（{2}，{3}）").format(
            alerts[a.id].title if a.id in alerts else a.id, until(a.shelf.until), a.shelf.reason, a.shelf.by)
            for a in self.desk.shelved()]
        self.queue.show_silences(lines)
