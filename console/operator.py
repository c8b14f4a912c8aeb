"""Who is at the console, and what their role lets them do."""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    DUTY_OFFICER = "duty_officer"  # acts on incidents
    LEADER = "leader"  # views, no actions
    ANALYST = "analyst"  # replay and export


@dataclass(frozen=True, slots=True)
class Operator:
    name: str
    role: Role = Role.DUTY_OFFICER

    @property
    def can_act(self) -> bool:
        return self.role is Role.DUTY_OFFICER

    @property
    def sees_personal_data(self) -> bool:
        return False  # no role unmasks by default; a site grants it in configuration

    @classmethod
    def from_login(cls, role: Role = Role.DUTY_OFFICER) -> Operator:
        try:
            name = getpass.getuser()
        except Exception:  # no login name in this environment (a service, a container)
            name = "operator"
        return cls(name, role)
