"""What the vital-sign board shows (城市生命体征): which series each tile stands for, and each tile's
current value, status, trend, sparkline and early warning. Qt-free; the board widget only paints.

A board looks at one region (the view, console/views/drill.py) and rolls up over the level below
it: for the city, one tile per indicator following its worst district (the city's own series only
where no district publishes the indicator: a city centre watches its districts, and the city's own
total is one pick in the chart); for a district, its own series and, per indicator, a tile
following its worst street; for a street, its own series. A street seen from the city (a hotspot
published by street only) rolls up the same way, over whatever lies below.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from console.feed.frames import Indicator
from console.feed.protocol import Level, Status
from console.model.areas import child_level, in_area, level_of, parent_of
from console.model.city_state import CityState
from console.normal.departure import usual_text
from console.normal.usual import Usual
from console.views.area_rollup import place_name
from console.views.forecast import forecast
from console.views.freshness import Fresh, judge, stale_bound
from console.views.labels import DOMAIN_ZH, STATUS_ZH, unit_text

CITY = "310000"
WORST = "*"  # a tile that follows the worst region of its indicator
DOMAIN_ORDER = ("traffic", "metro", "power", "water", "gas", "weather", "air", "environment", "crowd", "health",
                "hotline", "safety", "iot")
_STATUS = (Status.NODATA, Status.NORMAL, Status.WARN, Status.ALARM)


@dataclass(frozen=True, slots=True)
class TileSpec:
    key: tuple[str, str]  # (indicator id, region code or WORST)
    title: str
    unit: str
    domain: str

    @classmethod
    def of(cls, key: tuple[str, str], ind: Indicator, english: bool) -> TileSpec:
        """The tile of `ind` at `key`, its name and unit in the interface's language."""
        return cls(key, ind.name_en if english else ind.name_zh, unit_text(ind.unit, english), ind.domain)


@dataclass(frozen=True, slots=True)
class TileData:
    value_text: str
    subtitle: str  # which region the value is from
    status: Status
    trend: int  # +1 / -1 / 0
    spark: np.ndarray  # recent values, oldest first
    warn: float | None
    alarm: float | None
    forecast_text: str  # "预计 12 分钟后越限" or ""
    stale: bool  # not live: drawn greyed and hatched (console.views.freshness)
    sid: int | None
    fresh_text: str = ""  # "停滞 · 3 分钟前" when not live
    usual_text: str = ""  # "高于同期 18%" against the typical day (console/normal); "" without a basis
    usual_basis: int = 0  # 0 no claim, 1 thin (drawn faded), 2 full


def format_value(v: float) -> str:
    if not np.isfinite(v):
        return "—"
    a = abs(v)
    if v == int(v) and a < 1e15:  # counts stay whole numbers
        return f"{int(v):,}"
    if a >= 10_000:
        return f"{v:,.0f}"
    if a >= 100:
        return f"{v:.0f}"
    if a >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


class BoardModel:
    def __init__(self, state: CityState, spark_window_s: float = 1800.0):
        self.state = state
        self.spark_window_s = spark_window_s
        self.feeds_down = False  # set by the window once a second (console.views.freshness.feeds_down)
        self.region = CITY  # the view (console/views/drill.py)
        self.english = False  # names from the catalog in English instead of Chinese
        self._candidates: dict[tuple[str, str], list[int]] = {}
        self._sid_of: dict[tuple[str, str], int] = {}  # every series inside the view
        self._regions_of: dict[str, list[str]] = {}  # indicator -> the view's regions publishing it, sorted
        self._touch: tuple[np.ndarray, np.ndarray, list] | None = None  # tiles_touched's arrays
        # region -> indicator -> series, extended as series appear (a street-level city has ~23,700:
        # walking them all on each drill took most of a drill-down)
        self._by_region: dict[str, dict[str, int]] = {}
        self._indexed: list[tuple[str, str]] = []  # the series_keys indexed so far, in order
        self._views: dict[tuple, tuple] = {}  # the last views' tiles, until a series or a region appears
        self.usual: Usual | None = None  # the typical days, once a worker has read them

    def _index(self) -> None:
        keys = self.state.series_keys
        n, done = len(keys), len(self._indexed)
        if keys[:done] != self._indexed:  # cleared and refilled (a seek): start over
            self._by_region, self._indexed, done = {}, [], 0
        for sid in range(done, n):
            ind_id, reg = keys[sid]
            self._by_region.setdefault(reg, {})[ind_id] = sid
        self._indexed.extend(keys[done:n])

    def specs(self, region: str | None = None) -> list[TileSpec]:
        """Tiles for a region (the last one asked for, the city at first), grouped by domain."""
        if region is not None:
            self.region = region
        view, st = self.region, self.state
        self._index()
        shape = (view, len(st.series_keys), len(st.regions), st.regions_version, self.english)
        hit = self._views.get(shape)
        if hit is None:
            hit = self._views_of(view)
            if len(self._views) >= 24:  # the views drills go between: the city, its 16 districts, a few streets
                self._views.pop(next(iter(self._views)))
            self._views[shape] = hit
        out, self._candidates, self._sid_of, self._regions_of = hit[0], dict(hit[1]), hit[2], hit[3]
        self._touch = None
        return list(out)

    def _views_of(self, view: str) -> tuple[list[TileSpec], dict, dict, dict]:
        st = self.state
        # asked of each of the view's few hundred regions once, not of each of its thousands of series
        inside = [r for r in st.regions if in_area(r, view)]
        children = {r for r in inside if level_of(r) is child_level(view)}
        by_ind: dict[str, dict[str, int]] = {}
        sid_of: dict[tuple[str, str], int] = {}
        for reg in inside:
            for ind_id, sid in self._by_region.get(reg, {}).items():
                by_ind.setdefault(ind_id, {})[reg] = sid
                sid_of[(ind_id, reg)] = sid
        out: list[TileSpec] = []
        candidates: dict[tuple[str, str], list[int]] = {}
        for ind_id, regs in by_ind.items():
            ind = st.indicators[ind_id]
            own = regs.get(view)
            below = sorted(s for r, s in regs.items() if r != view)  # in series order, as they arrived
            # the level below; anything deeper when that level does not publish it (a hotspot street)
            worst = sorted(s for r, s in regs.items() if r in children) or below
            keys = []
            if own is not None and (level_of(view) is not Level.CITY or not worst):
                keys.append(((ind_id, view), [own]))
            if worst:
                keys.append(((ind_id, WORST), worst))
            for key, cands in keys:
                candidates[key] = cands
                out.append(TileSpec.of(key, ind, self.english))
        rank = {d: i for i, d in enumerate(DOMAIN_ORDER)}
        out.sort(key=lambda t: (rank.get(t.domain, 99), t.key[0], t.key[1] == WORST))
        return out, candidates, sid_of, {ind_id: sorted(regs) for ind_id, regs in by_ind.items()}

    def series_in_view(self, ind_id: str) -> list[str]:
        """The regions of the view that publish `ind_id`, for the chart to offer: the view's own first,
        then the level below (its districts, its streets; deeper when that level does not publish it)."""
        regs = self._regions_of.get(ind_id, [])
        below = [r for r in regs if r != self.region]
        return [r for r in regs if r == self.region] + ([r for r in below if parent_of(r) == self.region] or below)

    def sid_of(self, ind_id: str, region: str) -> int | None:
        """The series of (indicator, region) if it lies in the view."""
        return self._sid_of.get((ind_id, region))

    def region_shown(self, key: tuple[str, str]) -> str | None:
        """The region whose series a tile shows right now (a worst tile's worst region): where a
        double-click on the tile drills to."""
        cands = self._candidates.get(key)
        return self.state.series_keys[self._shown_series(cands)][1] if cands else None

    def specs_for_series(self, sids: list[int]) -> list[TileSpec]:
        """One tile per given series (a custom board, the benchmark's 200 tiles)."""
        out = []
        self._candidates = {}
        self._touch = None
        for sid in sids:
            ind_id, reg = self.state.series_keys[sid]
            ind = self.state.indicators[ind_id]
            self._candidates[(ind_id, reg)] = [sid]
            out.append(TileSpec.of((ind_id, reg), ind, self.english))
        return out

    def use_candidates(self, candidates: dict[tuple[str, str], list[int]]) -> None:
        """Tiles chosen elsewhere (the wall's headline): each key with the series it may show."""
        self._candidates = dict(candidates)
        self._touch = None

    def _tile_arrays(self) -> tuple[np.ndarray, np.ndarray, list]:
        """Every tile's series laid end to end, the tile (index into the keys) of each, and the keys."""
        if self._touch is None:
            keys = list(self._candidates)
            sids = np.fromiter((s for c in self._candidates.values() for s in c), np.intp)
            tile = np.repeat(np.arange(len(keys)), [len(c) for c in self._candidates.values()])
            self._touch = (sids, tile, keys)
        return self._touch

    def tiles_touched(self, changed_sids: np.ndarray) -> set[tuple[str, str]]:
        """The tiles showing any of these series. As arrays (looked up in a mask): at street level every
        one of ~23,700 series changes each second."""
        if len(changed_sids) == 0 or not self._candidates:
            return set()
        sids, tile, keys = self._tile_arrays()
        changed = np.asarray(changed_sids, dtype=np.intp)
        mask = np.zeros(max(int(changed.max()), int(sids.max(initial=0))) + 1, dtype=bool)
        mask[changed] = True
        return {keys[i] for i in np.unique(tile[mask[sids]]).tolist()}

    def shown_series(self) -> dict[tuple[str, str], int]:
        """Every tile's series shown now, the same choice as CityState.worst_series (worst status, then
        the value furthest to the bad side, then the first) for all tiles at once: the freshness check
        asks for every tile each second."""
        if not self._candidates:
            return {}
        sids, tile, keys = self._tile_arrays()
        st = self.state
        codes = st.status_code[sids]
        bad = st.rings.last_val[sids] * st.sign_of(sids)
        bad = np.where(np.isnan(bad), -np.inf, bad)
        order = np.lexsort((-np.arange(len(sids)), bad, codes, tile))  # the last of each tile is its pick
        last = order[np.r_[np.flatnonzero(np.diff(tile[order])), len(order) - 1]]
        return dict(zip([keys[i] for i in tile[last].tolist()], sids[last].tolist(), strict=True))

    def data(self, key: tuple[str, str], now: float) -> TileData:
        st = self.state
        cands = self._cands(key)
        ind = st.indicators.get(key[0])
        if not cands or ind is None:
            return TileData("—", "", Status.NODATA, 0, np.empty(0), None, None, "", True, None)
        sid = self._shown_series(cands)
        region = st.series_keys[sid][1]
        # the ring's readings alone: the spark draws the last 240 and the forecast the last 15 minutes, which
        # the ring holds at 1 Hz and slower (960 readings); the older minutes' min/max, which series() adds
        # for a chart, were computed for every tile of a drill and never drawn
        ts, vals = st.rings.recent(sid, since=now - self.spark_window_s)
        last_ts, last_v = float(st.rings.last_ts[sid]), float(st.rings.last_val[sid])
        status = _STATUS[int(st.status_code[sid])]
        fresh = judge(last_ts, stale_bound(ind.cadence_s), now, self.feeds_down)
        fc = forecast(ts, vals, ind.warn, ind.alarm, ind.direction) if len(ts) >= 5 else None
        fc_text = ""
        if fc is not None and fc.level is not None and fc.eta_s is not None:
            mins = max(1, round(fc.eta_s / 60))
            if self.english:
                fc_text = f"{'alarm' if fc.level is Status.ALARM else 'warning'} in ~{mins} min"
            else:
                fc_text = f"预计 {mins} 分钟后{'越限' if fc.level is Status.ALARM else '预警'}"
        # inside its own district a street needs no district before its name
        subtitle = (place_name(st, region, self.english) if parent_of(region) == self.region
                    else st.region_label(region, self.english))
        if key[1] == WORST:
            bad = status.rank >= Status.WARN.rank
            if self.english:
                subtitle = f"worst: {subtitle}" if bad else f"all {len(cands)} {status.value}"
            else:
                subtitle = f"最差: {subtitle}" if bad else f"{len(cands)} 处均{STATUS_ZH[status]}"
        return TileData(
            value_text=format_value(last_v) if np.isfinite(last_ts) else "—",
            subtitle=subtitle,
            status=status,
            trend=fc.trend if fc is not None and fc.r2 > 0.2 else 0,
            spark=vals[-240:],
            warn=ind.warn,
            alarm=ind.alarm,
            forecast_text=fc_text,
            stale=fresh.marked,
            sid=sid,
            fresh_text=fresh.text(self.english),
            **self._usual(sid, last_v, now),
        )

    def _usual(self, sid: int, v: float, now: float) -> dict:
        """Where the value sits against its typical value, if the basis allows a claim."""
        if self.usual is None or not np.isfinite(v):
            return {}
        _, typ, _, basis = self.usual.band_one(self.state.series_keys, sid, now)
        text = usual_text(v, typ, self.english) if basis else ""
        return {"usual_text": text, "usual_basis": basis if text else 0}

    def usual_band(self, sid: int, t0: float, t1: float):
        """The typical band over a chart's range, (edges, lo, typ, hi, basis) as steps, or None."""
        if self.usual is None:
            return None
        band = self.usual.band_between(self.state.series_keys, sid, t0, t1)
        if band is None or not np.isfinite(band[2]).any():
            return None
        basis = self.usual.band_one(self.state.series_keys, sid, t1)[3]
        return (*band, basis)

    def _cands(self, key: tuple[str, str]) -> list[int]:
        """A tile's series, or any one series of the view by its (indicator, region) (the chart's pick)."""
        cands = self._candidates.get(key)
        if cands is None:
            sid = self._sid_of.get(key)
            cands = [] if sid is None else [sid]
        return cands

    def _shown_series(self, cands: list[int]) -> int:
        return cands[0] if len(cands) == 1 else self.state.worst_series(cands)

    def freshness(self, key: tuple[str, str], now: float) -> Fresh | None:
        """The freshness of what a tile shows (cheap: for the once-a-second check of every tile)."""
        cands = self._cands(key)
        ind = self.state.indicators.get(key[0])
        if not cands or ind is None:
            return None
        sid = self._shown_series(cands)
        return judge(float(self.state.rings.last_ts[sid]), stale_bound(ind.cadence_s), now, self.feeds_down)

    def freshness_all(self, now: float) -> dict[tuple[str, str], Fresh]:
        """freshness() of every tile, their shown series picked together (shown_series)."""
        out = {}
        last_ts = self.state.rings.last_ts
        for key, sid in self.shown_series().items():
            ind = self.state.indicators.get(key[0])
            if ind is not None:
                out[key] = judge(float(last_ts[sid]), stale_bound(ind.cadence_s), now, self.feeds_down)
        return out

    @staticmethod
    def domain_title(domain: str) -> str:
        return DOMAIN_ZH.get(domain, domain)
