"""Emergency mode in the running console: reads the platform's declaration every second, takes the
operator's switch, and on each change swaps the rule set and thresholds, writes the audit entry and
tells every window (workstation and walls) so each shows the banner and its emergency layout."""

from __future__ import annotations

import datetime as dt
import logging

from PySide6.QtCore import QCoreApplication, QObject, Signal

from console.alarms.discovery_rules import Rule, RuleEngine
from console.alarms.emergency import LEVEL_NAMES, EmergencyConfig, EmergencyMode, Transition
from console.incidents.audit_log import AuditLog
from console.incidents.operator import Operator
from console.model.city_state import CityState
from console.model.clock import Clock

log = logging.getLogger(__name__)
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def _t(text: str) -> str:
    return QCoreApplication.translate("Emergency", text)


class EmergencyController(QObject):
    changed = Signal(bool)  # active after the change

    def __init__(self, config: EmergencyConfig, state: CityState, clock: Clock, rules: RuleEngine | None,
                 emergency_rules: list[Rule], audit: AuditLog | None, operator: Operator | None, parent=None):
        super().__init__(parent)
        self.mode = EmergencyMode(config)
        self.state, self.clock, self.rules, self.audit, self.operator = state, clock, rules, audit, operator
        self.normal_rules = list(rules.rules) if rules is not None else []
        self.emergency_rules = emergency_rules

    @property
    def active(self) -> bool:
        return self.mode.active

    def banner_text(self) -> str:
        if not self.mode.active:
            return ""
        since = self.mode.since
        when = dt.datetime.fromtimestamp(since, SHANGHAI).strftime("%H:%M") if since else "—"
        level = LEVEL_NAMES.get(int(self.mode.feed_level), "")
        area = "、".join(self.state.region_label(c) for c in self.mode.regions[:4])
        if len(self.mode.regions) > 4:
            area += _t(" 等 {0} 区").format(len(self.mode.regions))
        parts = [_t("紧急状态"), self.mode.reason if self.mode.operator else _t("平台宣布应急响应") + level,
                 _t("自 {0}").format(when)]
        if area:
            parts.append(_t("影响：{0}").format(area))
        return " · ".join(parts)

    def observe(self) -> None:
        """Once a second: has the platform declared (or stood down) an emergency response?"""
        self._apply(self.mode.observe(self.state, self.clock.now()))

    def declare(self, reason: str) -> bool:
        self._check_allowed()
        name = self.operator.name if self.operator else "operator"
        return self._apply(self.mode.declare(name, reason, self.clock.now()))

    def lift(self, reason: str = "") -> bool:
        self._check_allowed()
        return self._apply(self.mode.lift(self.operator.name if self.operator else "operator", reason))

    def _check_allowed(self) -> None:
        if self.operator is not None and not self.operator.can_switch_emergency:
            raise PermissionError(_t("角色 {0} 不能切换紧急状态").format(self.operator.role.value))

    def _apply(self, tr: Transition | None) -> bool:
        if tr is None:
            return False
        cfg = self.mode.config
        if self.rules is not None:
            now = self.clock.now()
            self.rules.rules = list(self.emergency_rules if tr.active else self.normal_rules)
            # the normal set's alarms are suppressed by design (ISA-18.2) while the emergency set runs
            off = {r.id for r in self.normal_rules} - {r.id for r in self.emergency_rules} if tr.active else set()
            self.rules.alarms.set_suppressed_by_design(off, _t("紧急状态模式：常态规则由应急规则集替代"), now, by=tr.by)
            self.rules.sync(self.state, now)
        self.state.set_threshold_overrides(cfg.thresholds if tr.active else {})
        log.warning("emergency mode %s by %s: %s (regions %s)", "ON" if tr.active else "OFF", tr.by,
                    tr.reason or "-", ",".join(tr.regions) or "-")
        if self.audit is not None:
            op = self.operator
            self.audit.record("emergency_on" if tr.active else "emergency_off", tr.by, op.role.value if op else "",
                              "emergency_mode", "done",
                              {"reason": tr.reason, "regions": list(tr.regions),
                               "rules": [r.id for r in self.rules.rules] if self.rules is not None else []})
        self.changed.emit(tr.active)
        return True
