"""Simulated shifts shared by the tests that only read them: simulating one takes a second or more."""

from __future__ import annotations

import functools

from console.alarms.discovery_rules import RuleEngine, load_rules
from console.model.city_state import CityState
from console.resources import resource
from console.simulator.sample_shift import simulate_shift


@functools.cache
def hour_with_rules() -> tuple[CityState, float, float, RuleEngine]:
    """(state, start, end, rules): an hour (seed 7) with the console's shipped rules running and a
    simulated officer acknowledging. Shared between tests: read it, never change it."""
    rules = RuleEngine(load_rules(resource("config", "rules.json")))
    state, start, end = simulate_shift(1.0, seed=7, rules=rules)
    return state, start, end, rules
