"""A city settled for a day and more starts with its open incidents levelled off: half a day later it has
about as many open, where a fresh city is still filling (a blue incident left to the console waits a day
for the district's officers). What a soak needs: its end drawing the city its start drew."""

from console.simulator.run import CityOptions, make_server
from console.simulator.server import ServerOptions

T0 = 1_763_856_000.0


def open_now_and_half_a_day_later(settle_s: float) -> tuple[int, int]:
    city = make_server(CityOptions(seed=7, settle_s=settle_s), ServerOptions(speed=1, units=0), start_ts=T0).city
    first, now = len(city.events), T0
    while now < T0 + 12 * 3600:
        now += 60
        city.new_incidents(now)
        city.auto_progress(now)
    return first, len(city.events)


def test_a_settled_city_starts_with_its_open_incidents_levelled_off():
    first, later = open_now_and_half_a_day_later(26 * 3600)
    assert abs(later - first) / first < 0.15, (first, later)


def test_a_fresh_city_is_still_filling_half_a_day_on():
    first, later = open_now_and_half_a_day_later(0.0)
    assert later > 2 * first, (first, later)
