"""Who is at the console, and what their role lets them do. A role's permissions come from the site's
policy (resources/config/roles.json); the defaults below are the safe ones."""

from __future__ import annotations

import getpass
import json
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path


class Role(StrEnum):
    DUTY_OFFICER = "duty_officer"  # acts on incidents
    LEADER = "leader"  # views, no actions
    ANALYST = "analyst"  # replay and export


class RolePolicyError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class RolePolicy:
    actions: bool = False
    export: bool = False
    unmask_personal: bool = False
    emergency: bool = False


DEFAULT_POLICIES = {
    Role.DUTY_OFFICER: RolePolicy(actions=True, export=True, emergency=True),
    Role.LEADER: RolePolicy(emergency=True),
    Role.ANALYST: RolePolicy(export=True),
}


def load_role_policies(path: Path) -> dict[Role, RolePolicy]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))["roles"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise RolePolicyError(f"{path}: {type(e).__name__}: {e}") from e
    out = dict(DEFAULT_POLICIES)
    for name, perms in doc.items():
        try:
            role = Role(name)
        except ValueError:
            raise RolePolicyError(f"{path}: unknown role {name!r} (known: {', '.join(Role)})") from None
        if not isinstance(perms, dict) or set(perms) - set(RolePolicy.__slots__):
            raise RolePolicyError(f"{path}: roles.{name}: allowed keys are {', '.join(RolePolicy.__slots__)}")
        if not all(isinstance(v, bool) for v in perms.values()):
            raise RolePolicyError(f"{path}: roles.{name}: every permission is true or false")
        out[role] = RolePolicy(**perms)
    return out


@dataclass(frozen=True, slots=True)
class Operator:
    name: str
    role: Role = Role.DUTY_OFFICER
    policy: RolePolicy = field(default=None)  # type: ignore[assignment]  # None: the role's default

    def __post_init__(self) -> None:
        if self.policy is None:
            object.__setattr__(self, "policy", DEFAULT_POLICIES[self.role])

    @property
    def can_act(self) -> bool:
        return self.policy.actions

    @property
    def can_export(self) -> bool:
        return self.policy.export

    @property
    def can_switch_emergency(self) -> bool:
        return self.policy.emergency

    @property
    def sees_personal_data(self) -> bool:
        return self.policy.unmask_personal

    @classmethod
    def from_login(cls, role: Role = Role.DUTY_OFFICER, policy: RolePolicy | None = None) -> Operator:
        try:
            name = getpass.getuser()
        except Exception:  # no login name in this environment (a service, a container)
            name = "operator"
        return cls(name, role, policy)
