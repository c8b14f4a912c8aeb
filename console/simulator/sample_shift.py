"""A simulated shift in memory, fast: the city model feeds CityState directly, no sockets. For the
sample handover report and for tests that need hours of history in seconds."""

from __future__ import annotations

from console.city_state import CityState, StateConfig
from console.frames import Catalog, EventFrame, SampleBatch
from console.simulator.city_model import SimCity


def simulate_shift(hours: float = 8.0, seed: int = 7, end_ts: float = 1_763_942_400.0,
                   incident_rate_per_min: float = 1.0, auto_handle: float = 0.8) -> tuple[CityState, float, float]:
    """(state, shift start, shift end). The default end is 2025-11-24 08:00 Shanghai time."""
    start = end_ts - hours * 3600
    city = SimCity(seed=seed, start_ts=start - 600, incident_rate_per_min=incident_rate_per_min,
                   auto_handle=auto_handle, history_s=0)
    state = CityState(StateConfig(history_s=(hours + 1) * 3600))
    state.apply_catalog(Catalog(city.indicators, city.regions))
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
    return state, start, end_ts
