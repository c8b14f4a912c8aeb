"""A believable Shanghai in numbers: daily rhythms, noise, episodes that cross thresholds, street
series rolled up into their district's and the city's, and incidents from every discovery channel
(mostly at street level) moving through their lifecycle.

Pure model: it is told the simulated time and returns readings and events; the server decides when
and to whom they go. Seeded, so a test or a benchmark sees the same city twice.
"""

from __future__ import annotations

import math
from collections import OrderedDict, deque
from dataclasses import dataclass

import numpy as np

from console.feed.frames import Event, HistoryEntry, Indicator, Region
from console.feed.protocol import CommandOp, DiscoverySource, IncidentState, Level, Severity
from console.incidents.levels import handling_level, level_above
from console.incidents.lifecycle import Command, CommandRejected, apply_command
from console.incidents.stations import DISTRICT_SERVICES, station_of
from console.model.areas import level_of
from console.normal.day_class import Calendar
from console.simulator.city_catalog import SimIndicator, load_indicators, load_regions, regions_for_scope

_TZ_OFFSET_S = 8 * 3600  # Shanghai local time drives the daily rhythms
_RELATIVE_UNITS = {"%", "MPa", "kPa", "Hz", "°C", "km/h", "", "‰", "m", "NTU", "m/s", "dB(A)", "µg/m³",
                   "人/m²", "min", "cm"}
STREET_SHARE = 0.9  # of the ordinary incidents, this share arises at a street; the rest at a district


def rhythm(kind: str, ts: np.ndarray) -> np.ndarray:
    """A daily shape in [0, 1] (tide: twice a day) at UNIX times `ts`."""
    h = ((ts + _TZ_OFFSET_S) % 86_400) / 3600.0
    if kind == "commute":
        return np.minimum(1.0, np.exp(-(((h - 8.2) / 1.3) ** 2)) + 0.9 * np.exp(-(((h - 18.0) / 1.6) ** 2)))
    if kind == "day":
        return 0.5 + 0.5 * np.cos((h - 14.0) / 24.0 * 2 * np.pi)
    if kind == "evening":
        return np.minimum(1.0, np.exp(-(((h - 20.0) / 2.5) ** 2)) + 0.35 * np.exp(-(((h - 13.0) / 2.0) ** 2)))
    if kind == "night":
        return 0.5 + 0.5 * np.cos((h - 3.0) / 24.0 * 2 * np.pi)
    if kind == "tide":
        return 0.5 + 0.5 * np.cos(2 * np.pi * ts / (12.42 * 3600.0))
    return np.zeros_like(ts)


def rest_day_rhythm(kind: str, ts: np.ndarray) -> np.ndarray:
    """A rest day's daily shape in [0, 1]: no morning rush (a late, soft one), busier evenings."""
    h = ((ts + _TZ_OFFSET_S) % 86_400) / 3600.0
    if kind == "commute":
        return np.minimum(1.0, 0.45 * np.exp(-(((h - 10.5) / 2.2) ** 2)) + 0.6 * np.exp(-(((h - 17.0) / 2.6) ** 2)))
    if kind == "day":
        return 0.85 * rhythm(kind, ts)
    if kind == "evening":
        return np.minimum(1.0, 1.2 * rhythm(kind, ts))
    return rhythm(kind, ts)


def week_rhythm(kind: str, ts: np.ndarray, calendar: Calendar | None = None) -> np.ndarray:
    """The daily shape with workdays and rest days told apart."""
    rest = (calendar or Calendar()).class_at(ts) == 1
    if not rest.any():
        return rhythm(kind, ts)
    if rest.all():
        return rest_day_rhythm(kind, ts)
    return np.where(rest, rest_day_rhythm(kind, ts), rhythm(kind, ts))


@dataclass(frozen=True, slots=True)
class Template:
    what: str  # appended to the place name
    category: str
    domain: str
    severities: tuple[tuple[Severity, float], ...]
    detail: str = ""


RED, ORA, YEL, BLU = Severity.RED, Severity.ORANGE, Severity.YELLOW, Severity.BLUE
# Red is China's highest warning level (特别重大) and stays rare: about 2% of discoveries, a few an hour
# over the whole city at the demo's rate, so that the city centre's queue (which holds every red one,
# resources/config/levels.json) is calm in normal times; everyday reports top out at orange.
TEMPLATES: dict[DiscoverySource, tuple[Template, ...]] = {
    DiscoverySource.SENSOR: (
        Template("燃气泄漏报警", "gas_leak", "gas", ((ORA, 0.74), (RED, 0.06), (YEL, 0.2))),
        Template("变压器油温超限", "transformer_overheat", "power", ((ORA, 0.5), (YEL, 0.5))),
        Template("片区停电", "power_outage", "power", ((RED, 0.1), (ORA, 0.7), (YEL, 0.2))),
        Template("排水泵站高水位", "pump_high_level", "water", ((ORA, 0.4), (YEL, 0.6))),
        Template("井盖位移报警", "manhole_cover", "iot", ((YEL, 0.7), (BLU, 0.3))),
        Template("电梯困人", "elevator_trapped", "iot", ((ORA, 0.9), (RED, 0.1))),
        Template("供水管网压力骤降", "water_pressure_drop", "water", ((ORA, 0.5), (YEL, 0.5))),
    ),
    DiscoverySource.AI_CAMERA: (
        Template("占道经营", "street_vending", "city_management", ((BLU, 0.9), (YEL, 0.1))),
        Template("道路积水", "road_waterlogging", "water", ((YEL, 0.6), (ORA, 0.37), (RED, 0.03))),
        Template("机动车违停", "illegal_parking", "traffic", ((BLU, 1.0),)),
        Template("人群聚集", "crowd_gathering", "crowd", ((ORA, 0.57), (YEL, 0.4), (RED, 0.03))),
        Template("垃圾满溢", "garbage_overflow", "city_management", ((BLU, 1.0),)),
        Template("交通事故", "traffic_accident", "traffic", ((YEL, 0.6), (ORA, 0.37), (RED, 0.03))),
    ),
    DiscoverySource.GRID_OFFICER: (
        Template("乱堆物料", "materials_piled", "city_management", ((BLU, 1.0),)),
        Template("共享单车乱停放", "bike_parking", "city_management", ((BLU, 1.0),)),
        Template("违法搭建", "illegal_construction", "city_management", ((YEL, 0.8), (BLU, 0.2))),
        Template("消防通道堵塞", "fire_lane_blocked", "safety", ((YEL, 0.6), (ORA, 0.4))),
        Template("沿街广告牌松动", "loose_billboard", "safety", ((YEL, 0.7), (ORA, 0.3))),
    ),
    DiscoverySource.HOTLINE_12345: (
        Template("噪音扰民", "noise", "environment", ((BLU, 1.0),), "来电人：王先生，电话 13812345678"),
        Template("小区停水", "water_outage", "water", ((YEL, 0.7), (ORA, 0.3)), "来电人：李女士，电话 13900001111"),
        Template("路灯不亮", "street_light", "city_management", ((BLU, 1.0),), "来电人：匿名"),
        Template("施工扰民", "construction_noise", "environment", ((BLU, 0.8), (YEL, 0.2)),
                 "来电人：陈先生，身份证 310101198001011234"),
        Template("燃气异味", "gas_smell", "gas", ((ORA, 0.9), (RED, 0.1)), "来电人：赵女士，电话 13700002222"),
    ),
    DiscoverySource.UPPER_LEVEL: (
        Template("市级督办：防汛隐患排查", "flood_inspection", "water", ((ORA, 0.6), (YEL, 0.4))),
        Template("市级督办：重大活动保障", "event_security", "crowd", ((ORA, 0.5), (YEL, 0.5))),
    ),
    DiscoverySource.MEDIA: (
        Template("网民反映道路塌陷", "road_collapse", "traffic", ((RED, 0.1), (ORA, 0.9))),
        Template("媒体报道危险化学品运输车辆违停", "hazmat_parking", "safety", ((ORA, 0.85), (RED, 0.15))),
    ),
}
# upper-level assignments (上级交办) are a small share of what a platform takes in; most comes from the
# 12345 hotline, cameras, grid officers and sensors
CHANNEL_WEIGHTS = {
    DiscoverySource.HOTLINE_12345: 0.35,
    DiscoverySource.AI_CAMERA: 0.2,
    DiscoverySource.GRID_OFFICER: 0.2,
    DiscoverySource.SENSOR: 0.15,
    DiscoverySource.UPPER_LEVEL: 0.01,
    DiscoverySource.MEDIA: 0.05,
}
# time from discovery to closed, by severity (the simulator's own SLA; the console configures its own)
SLA_S = {RED: 30 * 60, ORA: 2 * 3600, YEL: 8 * 3600, BLU: 24 * 3600}
HOSTILE_TITLES = (
    '<script>alert("xss")</script>道路积水',
    "<img src=x onerror=alert(1)> 井盖缺失",
    'A & B "引号" <b>粗体</b> 占道',
    "🚧 施工扰民 ' OR 1=1 --",
)
# A surge: this many incidents of one cause in one district within the window is more than the streets'
# and the district's own centres handle; their officers hand each further one up, to the city.
SURGE_COUNT, SURGE_WINDOW_S = 5, 600.0


@dataclass(slots=True)
class _Plan:
    due: float
    op: CommandOp
    args: dict


class SimCity:
    def __init__(self, seed: int = 7, start_ts: float = 0.0, incident_rate_per_min: float = 2.0,
                 auto_handle: float = 0.7, hostile: bool = False, episode_rate_per_hour: float = 6.0,
                 history_s: float = 3600.0, regions: tuple[Region, ...] | None = None,
                 sim_indicators: tuple[SimIndicator, ...] | None = None, history_max_samples: int = 4_000_000,
                 rest_days: bool = False):
        self.rng = np.random.default_rng(seed)
        self.rest_days = rest_days  # weekends follow the rest-day rhythms (as `cityops simulate-history`)
        # another catalog than resources/ (the fan-out benchmark's 215 streets x 100 indicators)
        self.regions: tuple[Region, ...] = load_regions() if regions is None else regions
        self.region_by_code = {r.code: r for r in self.regions}
        self.sim_indicators: tuple[SimIndicator, ...] = load_indicators() if sim_indicators is None else sim_indicators
        self.indicators: tuple[Indicator, ...] = tuple(s.indicator for s in self.sim_indicators)
        self.indicator_by_id = {i.id: i for i in self.indicators}
        self.incident_rate_per_min = incident_rate_per_min
        self.auto_handle = auto_handle
        self.hostile = hostile
        self.episode_rate_per_hour = episode_rate_per_hour
        self.history_s = history_s  # recent readings kept, so a new subscriber sees trends at once ...
        self.history_max_samples = history_max_samples  # ... but never more than this many (24 B each)
        self._history_n = 0
        self._history: deque[tuple[float, np.ndarray, np.ndarray, np.ndarray]] = deque()
        self._build_series(start_ts)
        self.events: dict[str, Event] = {}  # open incidents
        self.closed: OrderedDict[str, Event] = OrderedDict()  # recently closed, for late commands
        self._plans: dict[str, list[_Plan]] = {}
        self._pending_sensor: list[tuple[float, int]] = []  # (when, series) of threshold incidents to raise
        # the takeovers' own draws: the city's other random choices stay those of the same seed before them
        self._takeover_rng = np.random.default_rng([seed, 1])
        self._storm: list[tuple[float, Template, Region]] = []  # (when, what, where) of a storm's incidents
        self._recent: dict[tuple[str, str], deque[float]] = {}  # (district, category) -> recent discoveries
        self._next_incident_ts = start_ts + self._exp(60.0 / max(incident_rate_per_min, 1e-9))
        self._next_episode_ts = start_ts + self._exp(3600.0 / max(episode_rate_per_hour, 1e-9))
        self._n_events = 0
        self.now = start_ts

    # ------------------------------------------------------------------ series
    def _build_series(self, start_ts: float) -> None:
        ind_ids, regs, sim_idx = [], [], []
        rollups: list[tuple[int, list[int]]] = []  # (roll-up series, the street series it sums or averages)
        districts = [r.code for r in self.regions if r.level == "district"]
        city = [r.code for r in self.regions if r.level == "city"]
        for k, s in enumerate(self.sim_indicators):
            first = len(ind_ids)
            for r in regions_for_scope(s.indicator.scope, self.regions):
                ind_ids.append(s.indicator.id)
                regs.append(r.code)
                sim_idx.append(k)
            if s.indicator.scope != "street" or s.indicator.rollup is None:
                continue
            streets = range(first, len(ind_ids))
            for code in districts + city:
                members = [c for c in streets if self.region_by_code[regs[c]].parent == code] if code in districts \
                    else list(streets)
                if members:
                    rollups.append((len(ind_ids), members))
                    ind_ids.append(s.indicator.id)
                    regs.append(code)
                    sim_idx.append(k)
        self.series_indicator = ind_ids
        self.series_region = regs
        n = len(ind_ids)
        si = [self.sim_indicators[k] for k in sim_idx]

        # districts differ in size (absolute figures) far more than in rates and physical levels;
        # a city-wide series is one of a kind
        spread = np.array([0.0 if s.indicator.scope == "city" else 0.03 if s.indicator.unit in _RELATIVE_UNITS
                           else 0.25 for s in si])
        mult = 1.0 + spread * self.rng.uniform(-1, 1, n)
        self._base = np.array([s.base for s in si]) * mult
        self._amp = np.array([s.amp for s in si]) * mult
        self._noise = np.array([s.noise for s in si])
        self._lo = np.array([s.lo for s in si])
        self._hi = np.array([s.hi for s in si])
        self._count = np.array([s.kind in ("count", "declared") for s in si])
        # declared series (the emergency response level) are set by a decision, not by noise or episodes
        self._declared = np.array([s.kind == "declared" for s in si])
        self._declared_level = np.zeros(n)
        self._emergencies: list[tuple[float, float, int, tuple[str, ...]]] = []
        self._cadence = np.array([s.indicator.cadence_s for s in si])
        self._rhythm_groups = {}
        for k, s in enumerate(si):
            self._rhythm_groups.setdefault(s.rhythm, []).append(k)
        self._rhythm_groups = {kind: np.array(ix) for kind, ix in self._rhythm_groups.items()}
        self._warn = np.array([np.nan if s.indicator.warn is None else s.indicator.warn for s in si])
        self._alarm = np.array([np.nan if s.indicator.alarm is None or s.kind == "declared" else s.indicator.alarm
                                for s in si])
        self._build_rollups(n, rollups, si)
        self._ar = np.zeros(n)
        self._ep_start = np.full(n, np.inf)
        self._ep_dur = np.ones(n)
        self._ep_peak = np.zeros(n)
        # spread the first readings over one cadence so the feed does not arrive in lumps
        self._next_due = start_ts + self.rng.uniform(0, 1, n) * self._cadence
        self.last_ts = np.full(n, np.nan)
        self.last_val = np.full(n, np.nan)
        self._rr = 0  # round-robin cursor for rate mode

    def _build_rollups(self, n: int, rollups: list[tuple[int, list[int]]], si: list[SimIndicator]) -> None:
        """Roll-up series take no value of their own: each reading is the sum or the mean of the latest
        readings of its streets, computed for all roll-ups at once (np.bincount over member pairs)."""
        self._is_rollup = np.zeros(n, dtype=bool)
        self._rollup_slot = np.full(n, -1)  # series -> its row among the roll-ups
        pairs_slot, pairs_member = [], []
        for slot, (sid, members) in enumerate(rollups):
            self._is_rollup[sid] = True
            self._rollup_slot[sid] = slot
            pairs_slot += [slot] * len(members)
            pairs_member += members
        self._pair_slot = np.array(pairs_slot, dtype=np.int64)
        self._pair_member = np.array(pairs_member, dtype=np.int64)
        self._rollup_mean = np.array([si[sid].indicator.rollup == "mean" for sid, _ in rollups], dtype=bool)
        for sid, members in rollups:  # a sum of n streets lies within n times a street's range
            if si[sid].indicator.rollup == "sum":
                self._lo[sid] *= len(members)
                self._hi[sid] *= len(members)

    def _rollup_values(self, sids: np.ndarray) -> np.ndarray:
        """The roll-ups' readings now, from their streets' latest values (NaN: no street has one yet)."""
        m = len(self._rollup_mean)
        vals = self.last_val[self._pair_member]
        have = np.isfinite(vals)
        total = np.bincount(self._pair_slot[have], weights=vals[have], minlength=m)
        count = np.bincount(self._pair_slot[have], minlength=m)
        with np.errstate(invalid="ignore", divide="ignore"):
            agg = np.where(count == 0, np.nan, np.where(self._rollup_mean, total / count, total))
        return agg[self._rollup_slot[sids]]

    def _readings(self, sids: np.ndarray, ts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Readings of these series at these times: generated ones first, then the roll-ups over them.
        A roll-up none of whose streets has a value yet is left out."""
        ru = self._is_rollup[sids]
        if not ru.any():
            return sids, ts, self._values(sids, ts)
        vals = np.empty(len(sids))
        gen = ~ru
        if gen.any():
            vals[gen] = self._values(sids[gen], ts[gen])
        r_sids = sids[ru]
        v = self._rollup_values(r_sids)
        v = np.where(self._count[r_sids], np.round(v), np.round(v, 4))
        vals[ru] = v
        keep = np.isfinite(vals)
        sids, ts, vals = sids[keep], ts[keep], vals[keep]
        done = self._is_rollup[sids]
        self.last_ts[sids[done]] = ts[done]
        self.last_val[sids[done]] = vals[done]
        return sids, ts, vals

    @property
    def n_series(self) -> int:
        return len(self.series_indicator)

    @property
    def samples_per_s(self) -> float:
        """Readings per simulated second at every series' own cadence."""
        return float(np.sum(1.0 / self._cadence))

    def _values(self, sids: np.ndarray, ts: np.ndarray) -> np.ndarray:
        shape = np.zeros(len(sids))
        for kind, members in self._rhythm_groups.items():
            m = np.isin(sids, members)
            if m.any():
                shape[m] = week_rhythm(kind, ts[m]) if self.rest_days else rhythm(kind, ts[m])
        phi = 0.9
        self._ar[sids] = phi * self._ar[sids] + self._noise[sids] * math.sqrt(1 - phi * phi) * \
            self.rng.standard_normal(len(sids))
        phase = (ts - self._ep_start[sids]) / self._ep_dur[sids]
        bump = np.where((phase >= 0) & (phase <= 1),
                        self._ep_peak[sids] * np.clip(np.minimum(phase * 3, (1 - phase) * 3), 0, 1), 0.0)
        v = self._base[sids] + self._amp[sids] * shape + self._ar[sids] + bump
        v = np.clip(v, self._lo[sids], self._hi[sids])
        v = np.where(self._declared[sids], self._declared_level[sids], v)
        v = np.where(self._count[sids], np.round(v), np.round(v, 4))
        self.last_ts[sids] = ts
        self.last_val[sids] = v
        return v

    def due_samples(self, now: float, max_rounds: int = 64) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every reading whose time has come by `now`, each at its exact due time."""
        self.now = max(self.now, now)
        self._maybe_start_episode(now)
        self._apply_emergencies(now)
        out_s, out_t, out_v = [], [], []
        for _ in range(max_rounds):
            sids = np.flatnonzero(self._next_due <= now)
            if len(sids) == 0:
                break
            ts = self._next_due[sids].copy()
            self._next_due[sids] += self._cadence[sids]
            sids, ts, vals = self._readings(sids, ts)
            out_s.append(sids)
            out_t.append(ts)
            out_v.append(vals)
        # far behind (a paused process, a huge --speed): skip ahead rather than flood
        late = self._next_due <= now
        self._next_due[late] = now + self._cadence[late]
        if not out_s:
            return np.empty(0, dtype=np.int64), np.empty(0), np.empty(0)
        batch = np.concatenate(out_s), np.concatenate(out_t), np.concatenate(out_v)
        if self.history_s > 0:
            self._history.append((now, *batch))
            self._history_n += len(batch[0])
            while self._history and (self._history[0][0] < now - self.history_s
                                     or self._history_n > self.history_max_samples):
                self._history_n -= len(self._history.popleft()[1])
        return batch

    def skip_to(self, t: float) -> None:
        """Move every series on to `t` without making the readings in between (each keeps its phase):
        a warm-up that keeps only the recent past need not compute the older."""
        late = self._next_due <= t
        self._next_due[late] = t + (self._next_due[late] - t) % self._cadence[late]
        self.now = max(self.now, t)

    def recent_samples(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The readings of the last `history_s` seconds, oldest first (backfill for a new subscriber)."""
        if not self._history:
            return np.empty(0, dtype=np.int64), np.empty(0), np.empty(0)
        return tuple(np.concatenate([h[i] for h in self._history]) for i in (1, 2, 3))

    def rate_samples(self, n: int, now: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """`n` readings round-robin over all series (for benchmarks): strictly increasing time per series."""
        self.now = max(self.now, now)
        sids = (self._rr + np.arange(n)) % self.n_series
        self._rr = int((self._rr + n) % self.n_series)
        prev = np.nan_to_num(self.last_ts[sids], nan=now - 1.0)
        ts = np.maximum(now, prev + 1e-3)
        # a series may appear several times in one call: spread those readings 1 ms apart
        if n > self.n_series:
            ts = ts + (np.arange(n) // self.n_series) * 1e-3
        return self._readings(sids, ts)

    def _maybe_start_episode(self, now: float) -> None:
        while self._next_episode_ts <= now:
            t = self._next_episode_ts
            self._next_episode_ts += self._exp(3600.0 / self.episode_rate_per_hour)
            candidates = np.flatnonzero(np.isfinite(self._alarm) & ~self._is_rollup
                                        & ~(self._ep_start + self._ep_dur > t))
            if len(candidates) == 0:
                continue
            sid = int(self.rng.choice(candidates))
            typical = self._base[sid] + self._amp[sid] * 0.5
            self._ep_start[sid] = t
            self._ep_dur[sid] = self.rng.uniform(10, 40) * 60
            self._ep_peak[sid] = (self._alarm[sid] - typical) * self.rng.uniform(0.7, 1.3)
            if self.rng.random() < 0.5:
                self._sensor_incident_later(sid, t + self._ep_dur[sid] / 3)

    def schedule_emergency(self, start_ts: float, duration_s: float, level: int, districts: tuple[str, ...]) -> None:
        """Declare an emergency response (level 1–4 = Ⅳ…Ⅰ) for these districts from `start_ts` for
        `duration_s`: the feed then publishes it as safety.emergency_response, as a platform would."""
        self._emergencies.append((start_ts, duration_s, int(level), tuple(districts)))

    def _apply_emergencies(self, now: float) -> None:
        if not self._emergencies:
            return
        level = np.zeros(self.n_series)
        regs = np.array(self.series_region)
        for start, dur, lvl, districts in self._emergencies:
            if start <= now < start + dur:
                hit = self._declared & np.isin(regs, districts)
                level[hit] = np.maximum(level[hit], lvl)
        self._declared_level = level

    def _sensor_incident_later(self, sid: int, at: float) -> None:
        self._pending_sensor.append((at, sid))

    def snapshot_rows(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        sids = np.flatnonzero(np.isfinite(self.last_ts))
        return sids, self.last_ts[sids], self.last_val[sids]

    # ------------------------------------------------------------------ incidents
    def _exp(self, mean: float) -> float:
        return float(self.rng.exponential(mean))

    def _pick(self, options: tuple[tuple[Severity, float], ...]) -> Severity:
        p = np.array([w for _, w in options])
        return options[int(self.rng.choice(len(options), p=p / p.sum()))][0]

    def _new_event(self, now: float, source: DiscoverySource, template: Template, region: Region,
                   severity: Severity | None = None, title: str | None = None) -> Event:
        self._n_events += 1
        sev = severity or self._pick(template.severities)
        day = int((now + _TZ_OFFSET_S) // 86_400)
        eid = f"SH-{day:05d}-{self._n_events:06d}"
        lat, lon = region.centroid or (31.23, 121.47)
        jitter = 0.004 if region.level == "street" else 0.02
        loc = (round(lat + self.rng.normal(0, jitter), 5), round(lon + self.rng.normal(0, jitter), 5))
        if title is None:
            title = f"{region.name_zh}{template.what}"
            if self.hostile and self.rng.random() < 0.3:
                title = str(self.rng.choice(HOSTILE_TITLES))
        return Event(
            id=eid, version=1, title=title, category=template.category, domain=template.domain,
            severity=sev, source=source.value, region=region.code, location=loc, state=IncidentState.NEW,
            created_ts=now, updated_ts=now, sla_due_ts=now + SLA_S[sev], assignee=None,
            detail=template.detail, level=level_of(region.code),  # its own level's centre handles it first
            history=(HistoryEntry(now, IncidentState.NEW.value, source.value, "发现 / discovered"),),
        )

    def schedule_storm(self, start_ts: float, n: int, over_s: float = 120.0) -> None:
        """An incident storm: `n` incidents of one cause in one district within `over_s` seconds from
        `start_ts` (a downpour floods the streets; a cable fault darkens a district), on top of the
        ordinary arrivals. For alarm-flood drills and tests."""
        districts = [r for r in self.regions if r.level == "district"]
        if n <= 0 or not districts:
            return
        district = districts[int(self.rng.integers(len(districts)))]
        streets = [r for r in self.regions if r.parent == district.code] or [district]
        cause = next(t for t in TEMPLATES[DiscoverySource.AI_CAMERA] if t.category == "road_waterlogging")
        for t in sorted(start_ts + self.rng.uniform(0, over_s, n)):
            self._storm.append((float(t), cause, streets[int(self.rng.integers(len(streets)))]))

    def new_incidents(self, now: float) -> list[Event]:
        out = []
        streets = [r for r in self.regions if r.level == "street"]
        districts = [r for r in self.regions if r.level == "district"]
        channels = list(CHANNEL_WEIGHTS)
        p = np.array([CHANNEL_WEIGHTS[c] for c in channels])
        while self._next_incident_ts <= now:
            t = self._next_incident_ts
            self._next_incident_ts += self._exp(60.0 / self.incident_rate_per_min)
            ch = channels[int(self.rng.choice(len(channels), p=p / p.sum()))]
            tpl = TEMPLATES[ch][int(self.rng.integers(len(TEMPLATES[ch])))]
            pool = streets if (streets and self.rng.random() < STREET_SHARE) else districts
            out.append(self._register(self._new_event(t, ch, tpl, pool[int(self.rng.integers(len(pool)))])))
        while self._storm and self._storm[0][0] <= now:
            t, tpl, region = self._storm.pop(0)
            out.append(self._register(self._new_event(t, DiscoverySource.AI_CAMERA, tpl, region)))
        ready = [p for p in self._pending_sensor if p[0] <= now]
        self._pending_sensor = [p for p in self._pending_sensor if p[0] > now]
        for t, sid in ready:
            ind = self.indicator_by_id[self.series_indicator[sid]]
            region = self.region_by_code[self.series_region[sid]]
            tpl = Template(f"{ind.name_zh}越限", f"threshold:{ind.id}", ind.domain, ((ORA, 0.9), (RED, 0.1)))
            out.append(self._register(self._new_event(t, DiscoverySource.SENSOR, tpl, region)))
        return out

    def _register(self, ev: Event) -> Event:
        self.events[ev.id] = ev
        if self.rng.random() < self.auto_handle:
            plans = self._plan(ev)
        elif self.auto_handle > 0:
            # left for the console's operator; still untouched when its SLA runs out, the district's
            # officers take it over, so the open incidents level off over days (0: only the console acts)
            plans = self._plan(ev, ev.sla_due_ts or ev.created_ts, self._takeover_rng)
        else:
            plans = []
        if self._surging(ev):
            plans = sorted([*plans, *self._hand_up(ev)], key=lambda p: p.due)
        if plans:
            self._plans[ev.id] = plans
        return ev
    def _surging(self, ev: Event) -> bool:
        """Whether `ev` is one of a surge: SURGE_COUNT or more of its cause in its district lately."""
        recent = self._recent.setdefault((ev.region[:6], ev.category), deque())
        recent.append(ev.created_ts)
        while recent and recent[0] < ev.created_ts - SURGE_WINDOW_S:
            recent.popleft()
        if len(self._recent) > 4096:  # quiet groups go; a group in a surge is never empty
            self._recent = {k: q for k, q in self._recent.items() if q and q[-1] >= ev.created_ts - SURGE_WINDOW_S}
        return len(recent) >= SURGE_COUNT

    def _hand_up(self, ev: Event) -> list[_Plan]:
        """A surge's incident goes up level by level to the city: each centre escalates it a few
        minutes after it reached it (the protocol's escalate, so the lifecycle's rules apply)."""
        steps, t, level = [], ev.created_ts, handling_level(ev)
        note = "同一原因短时多发，报请上级协调 / surge of one cause: handed up"
        while level is not Level.CITY:
            t += self.rng.uniform(60, 240)
            steps.append(_Plan(t, CommandOp.ESCALATE, {"note": note}))
            level = level_above(level)
        return steps

    def _plan(self, ev: Event, start: float | None = None, rng: np.random.Generator | None = None) -> list[_Plan]:
        """How the district's own duty officers would handle it, if the console's operator does not:
        from `start` (its discovery), acknowledged within minutes; 5% cancelled as false alarms; the rest
        dispatched, on scene, resolved and closed within hours (sooner the more severe)."""
        rng = rng or self.rng
        t = ev.created_ts if start is None else start
        steps: list[_Plan] = []
        t += rng.uniform(30, 300)
        steps.append(_Plan(t, CommandOp.ACKNOWLEDGE, {}))
        if rng.random() < 0.05:
            steps.append(_Plan(t + rng.uniform(60, 600), CommandOp.CANCEL, {"note": "核实为误报 / false alarm"}))
            return steps
        scale = {RED: 0.2, ORA: 0.5, YEL: 1.0, BLU: 2.0}[ev.severity]
        for op, lo, hi in ((CommandOp.DISPATCH, 30, 600), (CommandOp.ARRIVE, 300, 1800),
                           (CommandOp.RESOLVE, 600, 3600), (CommandOp.CLOSE, 300, 1800)):
            t += rng.uniform(lo, hi) * scale
            args = {}
            if op is CommandOp.DISPATCH:
                args = {"assignee": self._station_for(ev, str(rng.choice(DISTRICT_SERVICES)))}
            steps.append(_Plan(t, op, args))
        return steps

    def _station_for(self, ev: Event, service: str) -> str:
        """The station of `service` in the incident's district (the city's own for a city-wide one)."""
        district = self.region_by_code.get(ev.region[:6])
        return station_of(district.name_zh if district is not None else "市", service)

    def operator_for(self, ev: Event) -> str:
        region = self.region_by_code.get(ev.region)
        while region is not None and region.level == "street" and region.parent:
            region = self.region_by_code.get(region.parent)
        return f"{region.name_zh if region else '市'}城运中心值班员"

    def auto_progress(self, now: float) -> list[Event]:
        out = []
        for eid in list(self._plans):
            plans = self._plans[eid]
            while plans and plans[0].due <= now:
                step = plans.pop(0)
                ev = self.events.get(eid)
                if ev is None:
                    plans.clear()
                    break
                cmd = Command(f"auto-{eid}-{step.op.value}", step.op, eid, ev.version, self.operator_for(ev),
                              step.args)
                try:
                    out.append(self.apply(cmd, step.due))
                except CommandRejected:
                    plans.clear()  # someone (the console's operator) took it elsewhere: stand back
            if not plans:
                self._plans.pop(eid, None)  # closing it may have dropped the plan already
        return out

    def apply(self, cmd: Command, now: float) -> Event:
        ev = self.events.get(cmd.event_id)
        if ev is None:
            if cmd.event_id in self.closed:
                ev = self.closed[cmd.event_id]
            else:
                raise CommandRejected(f"未知事件 / unknown incident {cmd.event_id[:64]}")
        new = apply_command(ev, cmd, now, self.events)
        if new.is_open:
            self.events[new.id] = new
            self.closed.pop(new.id, None)
        else:
            self.events.pop(new.id, None)
            self._plans.pop(new.id, None)
            self.closed[new.id] = new
            while len(self.closed) > 2000:
                self.closed.popitem(last=False)
        return new
