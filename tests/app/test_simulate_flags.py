"""The simulated city's command-line flags reach the city: `--street-indicators N` on simulate, demo,
wall and cluster alike."""

from collections import Counter

import pytest

from console.app.cli import build_parser
from console.app.commands.simulate import city_server


def test_street_indicators_0_leaves_only_the_hotspots_crowd_series_at_street_level():
    city = city_server(build_parser().parse_args(["simulate", "--street-indicators", "0"])).city
    per_street = Counter(r for r in city.series_region if city.region_by_code[r].level == "street")
    assert len(per_street) == 6 and set(per_street.values()) == {3}  # 6 hotspots x 3 crowd indicators


@pytest.mark.parametrize("cmd", ["simulate", "demo", "wall", "cluster"])
def test_street_indicators_is_a_count(cmd):
    assert build_parser().parse_args([cmd, "--street-indicators", "100"]).street_indicators == 100
    with pytest.raises(SystemExit):
        build_parser().parse_args([cmd, "--street-indicators", "-1"])


def test_the_demo_and_the_wall_start_on_a_settled_city_and_simulate_on_a_fresh_one():
    """The built-in city a console is shown first has its backlog (a fresh one opens with the city's queue
    empty); `simulate` stays fresh for tests and benchmarks that count from zero."""
    fresh = len(city_server(build_parser().parse_args(["simulate"])).city.events)
    for cmd in ("demo", "wall"):
        settled = len(city_server(build_parser().parse_args([cmd])).city.events)
        assert settled > 3 * fresh, (cmd, settled, fresh)
    assert build_parser().parse_args(["demo", "--settle-hours", "0"]).settle_hours == 0.0
