"""Emergency mode (紧急状态模式): the console's switch between its normal and its emergency posture.

Two things can turn it on: an operator (with a reason), or the feed itself, when the platform declares
an emergency response (the indicator named in resources/config/emergency.json, e.g.
safety.emergency_response ≥ 1 in some district). While on, the console swaps in the emergency rule
set and thresholds and its emergency layout, and every screen carries a banner. Whoever turned it on,
the operator can turn it off; a feed-driven mode also ends by itself when the platform stands down,
unless an operator declared it too. Qt-free: the window applies what this decides, and audits it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from console.model.city_state import CityState


class EmergencyConfigError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class EmergencyConfig:
    trigger_indicator: str = "safety.emergency_response"
    trigger_at_least: float = 1.0
    rules_file: str = "rules_emergency.json"
    thresholds: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)


def load_emergency_config(path: Path) -> EmergencyConfig:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        trig = doc["trigger"]
        th = {}
        for ind, t in doc.get("thresholds", {}).items():
            if not isinstance(t, dict) or not set(t) <= {"warn", "alarm"}:
                raise EmergencyConfigError(f"{path.name}: thresholds.{ind} must be {{\"warn\": x, \"alarm\": y}}")
            th[ind] = (_num(t.get("warn")), _num(t.get("alarm")))
        return EmergencyConfig(str(trig["indicator"]), float(trig["at_least"]), str(doc["rules"]), th)
    except EmergencyConfigError:
        raise
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise EmergencyConfigError(f"{path}: {type(e).__name__}: {e}") from e


def _num(v) -> float | None:
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise EmergencyConfigError(f"threshold {v!r} is not a number")
    return float(v)


@dataclass(frozen=True, slots=True)
class Transition:
    """What changed, for the audit log and the window: `active` after it, and why."""

    active: bool
    by: str  # "operator:<name>" or "feed"
    reason: str
    regions: tuple[str, ...]


class EmergencyMode:
    def __init__(self, config: EmergencyConfig):
        self.config = config
        self.operator: tuple[str, str, float] | None = None  # (name, reason, since)
        self.feed_since: float | None = None
        self.feed_regions: tuple[str, ...] = ()
        self.feed_level = 0.0
        self._stood_down_feed = False  # the operator lifted a feed-driven mode: wait for the feed to clear

    @property
    def active(self) -> bool:
        return self.operator is not None or (self.feed_since is not None and not self._stood_down_feed)

    @property
    def since(self) -> float | None:
        times = [t for t in (self.operator[2] if self.operator else None,
                             None if self._stood_down_feed else self.feed_since) if t is not None]
        return min(times) if times else None

    @property
    def reason(self) -> str:
        if self.operator is not None:
            return self.operator[1]
        return "平台宣布应急响应" if self.active else ""

    @property
    def regions(self) -> tuple[str, ...]:
        return self.feed_regions if self.active else ()

    def declare(self, operator: str, reason: str, now: float) -> Transition | None:
        if not reason.strip():
            raise ValueError("a reason is required to declare an emergency")
        was = self.active
        self.operator = (operator, reason.strip(), now)
        return None if was else Transition(True, f"operator:{operator}", reason.strip(), self.feed_regions)

    def lift(self, operator: str, reason: str = "") -> Transition | None:
        if not self.active:
            return None
        self.operator = None
        if self.feed_since is not None:
            self._stood_down_feed = True  # the platform still says emergency: don't re-enter until it clears
        return Transition(False, f"operator:{operator}", reason, ())

    def observe(self, state: CityState, now: float) -> Transition | None:
        """Read the platform's declaration from the feed; returns a transition when the mode changes."""
        regions, level = declared_regions(state, self.config.trigger_indicator, self.config.trigger_at_least)
        was = self.active
        self.feed_level = level
        if regions:
            if self.feed_since is None:
                self.feed_since = now
            self.feed_regions = regions
        else:
            self.feed_since, self.feed_regions, self._stood_down_feed = None, (), False
        if self.active == was:
            return None
        return Transition(self.active, "feed", "平台宣布应急响应" if self.active else "平台解除应急响应",
                          self.feed_regions)


def declared_regions(state: CityState, indicator: str, at_least: float) -> tuple[tuple[str, ...], float]:
    """The regions whose latest declared level is at least `at_least`, and the highest level."""
    sids = [sid for sid, (ind, _) in enumerate(state.series_keys) if ind == indicator]
    if not sids:
        return (), 0.0
    vals = state.rings.last_val[sids]
    hit = np.isfinite(vals) & (vals >= at_least)
    regions = tuple(sorted(state.series_keys[s][1] for s, h in zip(sids, hit, strict=True) if h))
    return regions, float(np.nanmax(vals)) if np.isfinite(vals).any() else 0.0


LEVEL_NAMES = {1: "Ⅳ级", 2: "Ⅲ级", 3: "Ⅱ级", 4: "Ⅰ级"}


@dataclass(frozen=True, slots=True)
class UnitLoad:
    unit: str
    open_incidents: int
    worst: str  # the most severe open incident's title
    regions: tuple[str, ...]


def unit_loads(state: CityState, units: list[str]) -> list[UnitLoad]:
    """What each unit is holding now (from the incidents' assignee): `units` (the stations of the
    districts under the emergency and the site's own) first, idle ones too, each busiest first, then
    whoever else holds an incident: the emergency layout's resources panel, where a leader looks first
    for the emergency's own stations and which of them are free."""
    held: dict[str, list] = {u: [] for u in units}
    for e in state.incidents.open.values():
        if e.assignee:
            held.setdefault(e.assignee, []).append(e)
    out = []
    for unit, evs in held.items():
        evs.sort(key=lambda e: (-e.severity.rank, e.created_ts))
        out.append(UnitLoad(unit, len(evs), evs[0].title if evs else "",
                            tuple(dict.fromkeys(e.region[:6] for e in evs))))
    listed = set(units)
    out.sort(key=lambda u: (u.unit not in listed, -u.open_incidents, u.unit))
    return out
