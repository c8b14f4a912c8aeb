"""The duty officer's actions on the selected incident: keyboard first, a dialog only where an action
needs input, a confirmation only where it is hard to undo. What happens to each command (sent,
pending, confirmed, refused and why) is shown above the queue; the screen changes only when the
authority's event arrives."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QInputDialog,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QWidget,
)

from console.feed.protocol import CommandOp
from console.incidents.command_sender import CommandNotAllowed, CommandSender, Outcome
from console.incidents.lifecycle import allowed_ops
from console.incidents.stations import DispatchList, shipped_dispatch_list
from console.model.city_state import CityState
from widgets.incident_queue import IncidentQueue

log = logging.getLogger(__name__)

# op -> (label, shortcut, needs confirmation)
ACTIONS: dict[CommandOp, tuple[str, str, bool]] = {
    CommandOp.ACKNOWLEDGE: ("受理", "A", False),
    CommandOp.DISPATCH: ("派遣…", "D", False),
    CommandOp.ARRIVE: ("到场", "S", False),
    CommandOp.RESOLVE: ("处置完成…", "R", False),
    CommandOp.CLOSE: ("结案", "C", True),
    CommandOp.REOPEN: ("重新处置…", "Shift+O", False),
    CommandOp.CANCEL: ("撤销…", "X", True),
    CommandOp.MERGE: ("合并…", "M", True),
    CommandOp.ESCALATE: ("升级", "E", True),
}
OP_ZH = {op: label.rstrip("…") for op, (label, _, _) in ACTIONS.items()}


def _t(text: str) -> str:
    return QCoreApplication.translate("IncidentActions", text)


class DispatchDialog(QDialog):
    def __init__(self, units: list[str], parent=None):
        super().__init__(parent)
        self.setWindowTitle(_t("派遣"))
        form = QFormLayout(self)
        self.unit = QComboBox()
        self.unit.setEditable(True)
        self.unit.addItems(units)
        self.note = QLineEdit()
        form.addRow(_t("处置单位"), self.unit)
        form.addRow(_t("说明"), self.note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)


class IncidentActions(QObject):
    def __init__(self, queue: IncidentQueue, state: CityState, sender: CommandSender | None,
                 on_pending_changed: Callable[[], None], parent: QWidget, dispatch: DispatchList | None = None):
        super().__init__(parent)
        self.queue, self.state, self.sender = queue, state, sender
        self.dispatch = dispatch or shipped_dispatch_list()  # whom an incident may be dispatched to
        self._window = parent
        self._on_pending_changed = on_pending_changed
        self._tasks: set[asyncio.Future] = set()
        # console-raised alarms are acknowledged here, locally (never a platform command): set by the window
        self.console_can_ack: Callable[[str], bool] | None = None
        self.console_ack: Callable[[str], None] | None = None
        self.actions: dict[CommandOp, QAction] = {}
        self.buttons: dict[CommandOp, QPushButton] = {}
        # a role that may not act gets no actions at all: no keys, no buttons (not merely greyed out)
        may_act = sender is not None and sender.operator.can_act
        for op, (_label, key, _confirm) in (ACTIONS.items() if may_act else ()):
            act = QAction(parent)
            act.setShortcut(QKeySequence(key))
            act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            act.triggered.connect(lambda _c=False, op=op: self.trigger(op))
            parent.addAction(act)
            self.actions[op] = act
            btn = QPushButton()
            btn.setObjectName(f"act:{op.value}")
            btn.clicked.connect(lambda _c=False, op=op: self.trigger(op))
            queue.action_bar.addWidget(btn)
            self.buttons[op] = btn
        queue.action_bar.addStretch(1)
        if sender is not None:
            sender.add_outcome_listener(self._on_outcome)
        queue.incidentSelected.connect(lambda _id: self.refresh())
        self.retranslate()
        self.refresh()

    def retranslate(self) -> None:
        for op in self.actions:
            label, key, _c = ACTIONS[op]
            text = QCoreApplication.translate("IncidentActions", label)
            self.actions[op].setText(text)
            self.buttons[op].setText(f"{text} ({key})")

    def refresh(self) -> None:
        """Enable exactly the actions the selected incident's state allows (and only if we may act)."""
        ev = self.state.incidents.get(self.queue.selected_id) if self.queue.selected_id else None
        can = self.sender is not None and self.sender.operator.can_act and self.sender.source.can_send
        held = can and self.sender.held_reason is not None  # time-shifted: keys answer with the reason
        allowed = set(allowed_ops(ev.state)) if (ev is not None and can) else set()
        if ev is None and can and self._console_ackable():
            allowed = {CommandOp.ACKNOWLEDGE}
        for op in self.actions:
            self.actions[op].setEnabled(op in allowed)
            self.buttons[op].setEnabled(op in allowed and not held)
            self.buttons[op].setVisible(can)

    # ---------------------------------------------------------------- from a key or a button
    def _console_ackable(self) -> bool:
        sel = self.queue.selected_id
        return bool(sel) and self.console_can_ack is not None and self.console_can_ack(sel)

    def trigger(self, op: CommandOp) -> None:
        ev = self.state.incidents.get(self.queue.selected_id) if self.queue.selected_id else None
        if ev is None and op is CommandOp.ACKNOWLEDGE and self.actions[op].isEnabled() and self._console_ackable():
            self.console_ack(self.queue.selected_id)
            self.refresh()
            return
        if ev is None or self.sender is None:
            return
        if self.sender.held_reason is not None:  # no dialog for a command that cannot go out
            self.queue.show_message(self.sender.held_reason, "error")
            return
        args = self._ask(op, ev)
        if args is None:
            return  # the officer backed out
        self.act(op, args)

    def _ask(self, op: CommandOp, ev) -> dict | None:
        """The input an action needs; None when the officer cancels."""
        w = self._window
        label = QCoreApplication.translate("IncidentActions", OP_ZH[op])
        if op is CommandOp.DISPATCH:
            district = self.state.regions.get(ev.region[:6])
            dlg = DispatchDialog(self.dispatch.choices(district.name_zh if district is not None else None), w)
            if dlg.exec() != QDialog.DialogCode.Accepted or not dlg.unit.currentText().strip():
                return None
            return {"assignee": dlg.unit.currentText().strip(), "note": dlg.note.text().strip()}
        if op in (CommandOp.RESOLVE, CommandOp.REOPEN, CommandOp.CANCEL):
            prompt = _t("说明（撤销时必填）") if op is CommandOp.CANCEL else _t("说明")
            note, ok = QInputDialog.getText(w, label, prompt)
            if not ok or (op is CommandOp.CANCEL and not note.strip()):
                return None
            args = {"note": note.strip()}
        elif op is CommandOp.MERGE:
            others = sorted(e for e in self.state.incidents.open if e != ev.id)
            target, ok = QInputDialog.getItem(w, label, _t("合并到事件"), others, 0, True)
            if not ok or not target:
                return None
            args = {"merged_into": target}
        else:
            args = {}
        if ACTIONS[op][2]:
            sure = QMessageBox.question(w, label, _t("确认对此事件执行“{0}”？\n{1}").format(label, ev.title))
            if sure != QMessageBox.StandardButton.Yes:
                return None
        return args

    def act(self, op: CommandOp, args: dict | None = None, event_id: str | None = None) -> asyncio.Future | None:
        """Send a command for the selected (or given) incident; returns the task doing it."""
        eid = event_id or self.queue.selected_id
        ev = self.state.incidents.get(eid) if eid else None
        if ev is None or self.sender is None:
            return None
        task = asyncio.ensure_future(self._submit(ev, op, args or {}))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _submit(self, ev, op: CommandOp, args: dict) -> None:
        label = QCoreApplication.translate("IncidentActions", OP_ZH[op])
        try:
            cmd = await self.sender.submit(ev, op, args)
        except CommandNotAllowed as exc:
            self.queue.show_message(f"{label}: {exc}", "error")
            return
        except Exception as exc:  # a journal that cannot be written must be said, never swallowed
            log.exception("command failed before sending")
            self.queue.show_message(f"{label}: {exc}", "error")
            return
        sent = cmd.id if self.sender.journal.get(cmd.id).sends else None
        self.queue.show_message(
            _t("{0} 已发送，等待平台确认 · {1}").format(label, ev.title) if sent else
            _t("{0} 已记录，连接恢复后自动发送 · {1}").format(label, ev.title), "info")
        self._on_pending_changed()

    def _on_outcome(self, out: Outcome) -> None:
        label = QCoreApplication.translate("IncidentActions", OP_ZH[out.command.op])
        ev = self.state.incidents.get(out.command.event_id)
        title = ev.title if ev else out.command.event_id
        if out.ok:
            self.queue.show_message(_t("{0} 已确认 · {1}").format(label, title), "ok")
        else:
            self.queue.show_message(_t("{0} 被拒绝：{1} · {2}").format(label, out.error or "", title), "error")
        self._on_pending_changed()
        self.refresh()
