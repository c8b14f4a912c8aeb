"""Hypothesis profiles for the property and state-machine tests, chosen by CITYOPS_HYPOTHESIS.

- `quick` (the default, what `./dev test` and CI run): every property test of the suite together in
  well under a minute on a 2-core machine.
- `thorough` (`./dev fuzz`): at least 100,000 state-machine steps in all, for a night or a release.
- `repro`: one example, printed step by step, for replaying a failure from the database.

A test sizes its own examples by `budget(quick, thorough)` when one size does not fit all (a machine
that writes SQLite costs more a step than one that only decodes).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, Phase, Verbosity, settings

PROFILE = os.environ.get("CITYOPS_HYPOTHESIS", "quick")

# no deadline: a shared 2-core machine stalls now and then, and a stall is not a failure of the code
_COMMON = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}
settings.register_profile("quick", max_examples=40, stateful_step_count=40, **_COMMON)
settings.register_profile("thorough", max_examples=1500, stateful_step_count=100, **_COMMON)
settings.register_profile("repro", max_examples=1, phases=[Phase.explicit, Phase.reuse], verbosity=Verbosity.verbose,
                          **_COMMON)
if PROFILE not in ("quick", "thorough", "repro"):
    raise RuntimeError(f"CITYOPS_HYPOTHESIS={PROFILE!r}: one of quick, thorough, repro")
settings.load_profile(PROFILE)


def budget(quick: int, thorough: int) -> int:
    """Examples for this test under the profile in use."""
    return thorough if PROFILE == "thorough" else quick
