"""A simulated shift in memory, fast: the city model feeds CityState directly, no sockets. For the
sample handover report, the sample alarm figures and tests that need hours of history in seconds."""

from __future__ import annotations

import numpy as np

from console.alarms.discovery_rules import RuleEngine
from console.alarms.states import AlarmState
from console.feed.frames import Catalog, EventFrame, SampleBatch
from console.incidents.levels import LevelView
from console.model.city_state import CityState, StateConfig
from console.simulator.city_model import SimCity

SHIFT_OPERATOR = "值班员（模拟）"


def simulate_shift(hours: float = 8.0, seed: int = 7, end_ts: float = 1_763_942_400.0,
                   incident_rate_per_min: float = 1.0, auto_handle: float = 0.8, rules: RuleEngine | None = None,
                   storm: int = 0, levels: LevelView | None = None) -> tuple[CityState, float, float]:
    """(state, shift start, shift end). The default end is 2025-11-24 08:00 Shanghai time.

    With `rules`, the console's own rules run every 30 simulated seconds and a simulated duty officer
    acknowledges each console alarm 1 to 4 minutes after it reaches the queue. With `storm`, that many
    incidents of one cause in one district arrive within 2 minutes, a third of the way into the shift.
    With `levels` (a console's scope), it is told every incident as it arrives and every deadline as it
    passes, so that it knows when each reached that console's level (for the alarm figures)."""
    start = end_ts - hours * 3600
    city = SimCity(seed=seed, start_ts=start - 600, incident_rate_per_min=incident_rate_per_min,
                   auto_handle=auto_handle, history_s=0)
    if storm:
        city.schedule_storm(start + hours * 1200, storm)
    state = CityState(StateConfig(history_s=(hours + 1) * 3600))
    state.apply_catalog(Catalog(city.indicators, city.regions))
    officer = np.random.default_rng(seed + 1)
    ack_due: dict[str, float] = {}  # alarm id -> when the simulated officer acknowledges it
    t = start - 600
    while t < end_ts:
        t = min(end_ts, t + 30.0)
        sids, ts, vals = city.due_samples(t)
        if len(sids):
            inds = [city.series_indicator[i] for i in sids.tolist()]
            regs = [city.series_region[i] for i in sids.tolist()]
            state.apply_samples(SampleBatch(inds, regs, ts, vals))
        for ev in city.new_incidents(t) + city.auto_progress(t):
            state.apply("shanghai-city", EventFrame(0, ev))
            if levels is not None:
                levels.arrive(ev, t)
        if levels is not None:
            levels.due(t, state.incidents.open.get)
        if rules is not None:
            rules.evaluate(state, [], t)
            for a in rules.alarms.alarms.values():
                if a.state in (AlarmState.UNACK, AlarmState.RTN_UNACK):
                    due = ack_due.setdefault(a.id, t + float(officer.uniform(60, 240)))
                    if due <= t:
                        rules.alarms.acknowledge(a.id, SHIFT_OPERATOR, due)
                        del ack_due[a.id]
            rules.sync(state, t)
    return state, start, end_ts
