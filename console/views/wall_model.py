"""What the big-screen wall shows (一屏观天下), Qt-free: its named views and the carousel that rotates
them, the headline vital signs of a view, the top open red/orange incidents, and whether the data on
the wall is live, stale or cut off (a wall must never look live when it is not)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from console.feed.feed_health import FeedHealth, FeedState
from console.feed.frames import Event
from console.feed.protocol import Severity
from console.model.areas import in_area
from console.model.city_state import CityState
from console.views.board_model import CITY, WORST, BoardModel, TileSpec


class WallConfigError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class WallView:
    id: str
    title_zh: str
    title_en: str
    headline: tuple[str, ...]  # indicator ids
    domains: tuple[str, ...] = ()  # incidents listed (empty: every domain)
    region: str | None = None  # a district the map zooms to and the view is about

    def title(self, english: bool) -> str:
        return self.title_en if english else self.title_zh


@dataclass(frozen=True, slots=True)
class WallConfig:
    views: tuple[WallView, ...]
    emergency_view: WallView
    dwell_s: float = 30.0
    stale_after_s: float = 60.0
    severities: tuple[Severity, ...] = (Severity.RED, Severity.ORANGE)

    def view(self, view_id: str) -> WallView:
        for v in (*self.views, self.emergency_view):
            if v.id == view_id:
                return v
        raise WallConfigError(f"no wall view {view_id!r}; known: {', '.join(v.id for v in self.views)}")


def _view(d: dict, where: str) -> WallView:
    try:
        title = d["title"]
        return WallView(str(d["id"]), str(title["zh"]), str(title.get("en", title["zh"])),
                        tuple(str(x) for x in d["headline"]), tuple(str(x) for x in d.get("domains", [])),
                        d.get("region"))
    except (KeyError, TypeError) as e:
        raise WallConfigError(f"{where}: needs id, title {{zh, en}} and headline [indicator ids] ({e})") from e


def load_wall_config(path: Path, only: list[str] | None = None, dwell_s: float | None = None) -> WallConfig:
    """The wall's views from `path`; `only` picks views by id (in that order) for this wall."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise WallConfigError(f"{path}: {e}") from e
    views = tuple(_view(v, f"{path.name}: views[{i}]") for i, v in enumerate(doc.get("views", [])))
    if not views:
        raise WallConfigError(f"{path}: no views")
    cfg = WallConfig(views, _view(doc["emergency_view"], f"{path.name}: emergency_view"),
                     float(doc.get("dwell_s", 30)), float(doc.get("stale_after_s", 60)),
                     tuple(Severity(s) for s in doc.get("incident_severities", ["red", "orange"])))
    if only:
        cfg = WallConfig(tuple(cfg.view(v) for v in only), cfg.emergency_view, cfg.dwell_s, cfg.stale_after_s,
                         cfg.severities)
    if dwell_s is not None:
        if dwell_s <= 0:
            raise WallConfigError("the carousel's dwell time must be positive")
        cfg = WallConfig(cfg.views, cfg.emergency_view, dwell_s, cfg.stale_after_s, cfg.severities)
    return cfg


def views_for_scope(config: WallConfig, scope: str) -> WallConfig:
    """The wall of a district or street centre: a view about no region in particular is about the scope
    (a district wall's overview shows its district), and a view about a region outside the scope is
    left out (a Xuhui wall does not rotate to Huangpu). The views inside it stay as they are."""
    if scope == CITY:
        return config

    def about_scope(v: WallView) -> WallView:
        return v if v.region is not None else replace(v, region=scope)

    views = tuple(about_scope(v) for v in config.views if v.region is None or in_area(v.region, scope))
    if not views:
        raise WallConfigError(f"no wall view lies inside {scope}")
    return replace(config, views=views, emergency_view=about_scope(config.emergency_view))


class Carousel:
    """Rotates among views, `dwell_s` each; `advance` is driven by the window's timer (elapsed real
    seconds), so the rotation is a property of the screen, not of the data's clock."""

    def __init__(self, views: tuple[WallView, ...], dwell_s: float, rotate: bool = True):
        self.views, self.dwell_s, self.rotate = views, dwell_s, rotate
        self.index, self.elapsed = 0, 0.0
        self.rotations = 0

    @property
    def current(self) -> WallView:
        return self.views[self.index]

    @property
    def progress(self) -> float:
        return min(1.0, self.elapsed / self.dwell_s) if self.rotate and len(self.views) > 1 else 0.0

    def advance(self, dt: float) -> bool:
        """True when the view changed."""
        if not self.rotate or len(self.views) < 2:
            return False
        self.elapsed += dt
        if self.elapsed < self.dwell_s:
            return False
        self.elapsed = 0.0
        self.index = (self.index + 1) % len(self.views)
        self.rotations += 1
        return True

    def show(self, view_id: str) -> None:
        for i, v in enumerate(self.views):
            if v.id == view_id:
                self.index, self.elapsed = i, 0.0
                return
        raise KeyError(view_id)


def headline_specs(board: BoardModel, state: CityState, view: WallView, scope: str = CITY) -> list[TileSpec]:
    """One tile per headline indicator: the view's district's own value, else its worst street, else
    the city's value (or worst district), but never a value from outside the wall's `scope` (a
    district wall shows its district). Indicators with no data yet are left out."""
    region = view.region or CITY
    specs: list[TileSpec] = []
    cands: dict[tuple[str, str], list[int]] = {}
    by_ind: dict[str, dict[str, int]] = {}
    for sid, (ind, reg) in enumerate(state.series_keys):
        by_ind.setdefault(ind, {})[reg] = sid
    for ind_id in view.headline:
        regs = by_ind.get(ind_id)
        ind = state.indicators.get(ind_id)
        if not regs or ind is None:
            continue
        if region in regs:
            key, c = (ind_id, region), [regs[region]]
        elif region != CITY and (inside := [s for r, s in regs.items() if in_area(r, region)]):
            key, c = (ind_id, WORST), inside
        elif scope != CITY:
            continue  # nothing of it inside a district's (or street's) wall
        elif CITY in regs:
            key, c = (ind_id, CITY), [regs[CITY]]
        else:
            key, c = (ind_id, WORST), list(regs.values())
        cands[key] = c
        specs.append(TileSpec.of(key, ind, board.english))
    board.use_candidates(cands)
    return specs


def _shown(e: Event, view: WallView, handles: Callable[[Event], bool] | None) -> bool:
    return ((not view.domains or e.domain in view.domains) and (view.region is None or in_area(e.region, view.region))
            and (handles is None or handles(e)))


def top_incidents(state: CityState, view: WallView, severities: tuple[Severity, ...], limit: int,
                  handles: Callable[[Event], bool] | None = None) -> list[Event]:
    """The open incidents a leader should see first: most severe, then longest open. `handles`: what
    the console's level handles (console/incidents/levels.py); None, every incident."""
    sev = set(severities)
    out = [e for e in state.incidents.open.values() if e.severity in sev and _shown(e, view, handles)]
    out.sort(key=lambda e: (-e.severity.rank, e.created_ts, e.id))
    return out[:limit]


def count_open(state: CityState, view: WallView, handles: Callable[[Event], bool] | None = None) -> dict[Severity, int]:
    n = dict.fromkeys(Severity, 0)
    for e in state.incidents.open.values():
        if _shown(e, view, handles):
            n[e.severity] += 1
    return n


@dataclass(frozen=True, slots=True)
class Freshness:
    level: str  # "live", "stale" (connected, but nothing new for too long), "down" (a feed is not connected)
    newest_ts: float | None  # the newest reading on screen
    age_s: float | None
    feeds_down: tuple[str, ...]

    @property
    def loud(self) -> bool:
        return self.level != "live"


_UP = (FeedState.CONNECTED, FeedState.REPLAY)


def freshness(state: CityState, health: list[FeedHealth], now: float, stale_after_s: float) -> Freshness:
    n = len(state.series_keys)
    last = state.rings.last_ts[:n]
    newest = float(np.nanmax(last)) if n and np.isfinite(last).any() else None
    age = None if newest is None else max(0.0, now - newest)
    down = tuple(h.name for h in health if h.state not in _UP)
    if down or (not health and newest is None):
        level = "down"
    elif age is None or age > stale_after_s:
        level = "stale"
    else:
        level = "live"
    return Freshness(level, newest, age, down)
