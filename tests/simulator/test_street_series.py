"""Street level in the simulated city: a few indicators at every one of the 215 streets by default, 100
per street at 1 Hz on request, district and city roll-ups that are the sum or the mean of their
streets, and incidents that arise mostly at streets, all over the city."""

from collections import Counter, defaultdict
from dataclasses import replace

import numpy as np
import pytest

from console.simulator.city_catalog import load_indicators, sim_catalog, street_indicators
from console.simulator.city_model import SimCity

T0 = 1_763_856_000.0  # 2025-11-23 08:00 Shanghai time
N_STREETS, N_DISTRICTS = 215, 16


def series_by_level(city: SimCity) -> dict[str, Counter]:
    """Per level, how many series each region has."""
    out: dict[str, Counter] = defaultdict(Counter)
    for reg in city.series_region:
        out[city.region_by_code[reg].level][reg] += 1
    return out


def test_by_default_every_street_has_the_few_shipped_street_indicators():
    city = SimCity(seed=1, start_ts=T0)
    street_ids = {s.indicator.id for s in city.sim_indicators if s.indicator.scope == "street"}
    assert 3 <= len(street_ids) <= 8  # a handful: the default demo stays light
    per_street = series_by_level(city)["street"]
    assert len(per_street) == N_STREETS
    hotspot_ids = {s.indicator.id for s in city.sim_indicators if s.indicator.scope == "hotspot"}
    assert set(per_street.values()) == {len(street_ids), len(street_ids) + len(hotspot_ids)}  # 6 hotspots more
    # each street indicator is also published for every district and for the city, rolled up
    for ind in street_ids:
        regions = {r for i, r in zip(city.series_indicator, city.series_region, strict=True) if i == ind}
        assert len(regions) == N_STREETS + N_DISTRICTS + 1 and "310000" in regions
    assert city.samples_per_s < 50  # light: ~35 readings per simulated second in all


def test_hotspots_are_still_the_six_crowd_streets():
    city = SimCity(seed=1, start_ts=T0)
    crowd = {city.region_by_code[r].name_zh for i, r in zip(city.series_indicator, city.series_region, strict=True)
             if i == "crowd.density"}
    assert crowd == {"南京东路街道", "外滩街道", "豫园街道", "徐家汇街道", "陆家嘴街道", "五角场街道"}


def test_rollups_are_the_sum_or_the_mean_of_their_streets():
    """Streets that hold still (no noise, no rhythm, no episodes): a district's reading must be exactly
    the sum (or mean) of its own streets', the city's of all 215."""
    shipped = {s.indicator.id: s for s in load_indicators()}
    still = tuple(replace(shipped[i], base=40.0, amp=0.0, noise=0.0)
                  for i in ("hotline.street_orders", "iot.manhole_level"))
    assert [s.indicator.rollup for s in still] == ["sum", "mean"]
    city = SimCity(seed=2, start_ts=T0, sim_indicators=still, episode_rate_per_hour=1e-9)
    sids, _, _ = city.due_samples(T0 + 600)
    emitted = {(city.series_indicator[s], city.series_region[s]) for s in sids.tolist()}
    assert ("hotline.street_orders", "310115") in emitted and ("iot.manhole_level", "310000") in emitted
    latest = {(city.series_indicator[k], city.series_region[k]): city.last_val[k] for k in range(city.n_series)}
    streets = [r for r in city.regions if r.level == "street"]
    for ind, agg in (("hotline.street_orders", np.sum), ("iot.manhole_level", np.mean)):
        street_vals = {r.code: latest[(ind, r.code)] for r in streets}
        assert len(set(street_vals.values())) > 10  # the streets differ, so a wrong grouping shows
        for d in (r for r in city.regions if r.level == "district"):
            mine = [v for code, v in street_vals.items() if code.startswith(d.code)]
            assert latest[(ind, d.code)] == pytest.approx(agg(mine), abs=1e-4), (ind, d.code)
        assert latest[(ind, "310000")] == pytest.approx(agg(list(street_vals.values())), abs=1e-4)


def test_a_summed_rollup_has_no_thresholds_and_a_count_stays_whole():
    city = SimCity(seed=3, start_ts=T0)
    for s in city.sim_indicators:
        if s.indicator.rollup == "sum":
            assert s.indicator.warn is None and s.indicator.alarm is None, s.indicator.id
    sids, _, vals = city.due_samples(T0 + 1800)
    orders = np.array([city.series_indicator[s] == "hotline.street_orders" for s in sids.tolist()])
    assert orders.any() and np.all(vals[orders] == np.round(vals[orders]))


def test_street_indicators_100_gives_100_per_street_at_1_hz_with_rollups():
    inds = street_indicators(100)
    assert len({s.indicator.id for s in inds}) == 100
    assert all(s.indicator.scope == "street" and s.indicator.cadence_s == 1.0 for s in inds)
    assert all(s.indicator.rollup == ("sum" if s.kind == "count" else "mean") for s in inds[5:])
    shipped_street = [s.indicator.id for s in load_indicators() if s.indicator.scope == "street"]
    assert [s.indicator.id for s in inds[: len(shipped_street)]] == shipped_street
    city = SimCity(seed=4, start_ts=T0, sim_indicators=sim_catalog(100), history_s=0)
    levels = series_by_level(city)
    assert len(levels["street"]) == N_STREETS and min(levels["street"].values()) >= 100
    street_series = sum(1 for i, r in zip(city.series_indicator, city.series_region, strict=True)
                        if i in {s.indicator.id for s in inds} and city.region_by_code[r].level != "street")
    assert street_series == 100 * (N_DISTRICTS + 1)  # every indicator rolled up to 16 districts and the city
    assert city.samples_per_s >= (N_STREETS + N_DISTRICTS + 1) * 100
    sids, _, vals = city.rate_samples(city.n_series, T0)
    assert len(sids) > 0.99 * city.n_series and np.isfinite(vals).all()


def test_incidents_arise_mostly_at_streets_all_over_the_city():
    city = SimCity(seed=5, start_ts=T0, incident_rate_per_min=20, auto_handle=0.0, episode_rate_per_hour=1e-9)
    events = []
    for k in range(1, 6 * 60):
        events += city.new_incidents(T0 + k * 60)
    levels = Counter(city.region_by_code[e.region].level for e in events)
    assert levels["street"] / len(events) > 0.8
    streets = {e.region for e in events if city.region_by_code[e.region].level == "street"}
    assert len(streets) > 150 and {s[:6] for s in streets} == {r.code for r in city.regions if r.level == "district"}
