"""The soak's growth at the same age of each map page: a page that grows through its life and is renewed
reads flat; one that keeps what its forerunner held reads as growth; the lives without a feed are left out."""

from tests.bench.soak_wall import day_pace, from_second_page, growth, same_minutes_of_each_life


def soak(per_life_start, per_min, renew=25.0, minutes=120.0, down=(30.0, 90.0)):
    """Samples every 30 s: each page starts at per_life_start(life) MB and grows per_min MB a minute."""
    rows, life, start = [], 0, 0.0
    for i in range(int(minutes * 2)):
        t = i / 2
        if t >= start + renew:
            life, start = life + 1, start + renew
        rows.append({"t_min": t, "mb": per_life_start(life) + per_min * (t - start), "renewals": life,
                     "sim_down": down[0] <= t < down[1]})
    return rows


def test_a_renewed_page_growing_in_each_life_reads_flat_at_the_same_age():
    rows = soak(lambda _life: 100.0, 1.0)
    same = same_minutes_of_each_life(rows, "mb", 10.0)
    # lives 1 and 5 have the feed through minutes 10-20 of their life; 2-4 are in the outage (30-90)
    assert [x["life"] for x in same["lives"] if x["feed_up"]] == [1, 5]
    assert same["lives"][0]["median_mb"] == 114.8  # 110 + 9.75: the median of 20 samples, to 0.1 MB
    assert same["growth_pct"] == 0.0
    # the windows `growth` compares fall at different ages here (10-20 and 110-120: life 5's 10-20 too,
    # with renewal every 25); with renewal every 30 the last is at age 20-30 and reads a life's growth
    assert growth(soak(lambda _life: 100.0, 1.0, renew=30.0), "mb", 10.0)["median_growth_pct"] > 5


def test_a_page_keeping_what_its_forerunner_held_reads_as_growth():
    rows = soak(lambda life: 100.0 + 4 * life, 1.0)
    assert same_minutes_of_each_life(rows, "mb", 10.0)["growth_pct"] == round(100 * 16 / 114.75, 2)


def test_pages_renewed_before_the_window_ends_give_no_figure():
    # renewed every 15 minutes: minutes 10-20 of a page's life would be read from the next page
    same = same_minutes_of_each_life(soak(lambda _life: 100.0, 1.0, renew=15.0), "mb", 10.0)
    assert same == {"lives": []}


def test_the_default_pace_puts_a_simulated_day_between_the_first_and_last_windows():
    # 120 minutes, warm-up 10: windows start at minutes 10 and 110, 100 real minutes = 6,000 s apart;
    # 24 h = 86,400 simulated seconds, so 14.4 simulated seconds a real second
    assert day_pace(120.0, 10.0) == 14.4
    assert day_pace(60.0, 10.0) == 36.0  # windows at 10 and 50: 2,400 s for a day


def test_growth_from_the_second_page_is_not_hidden_by_what_the_first_page_held():
    """The wall's process: 11 MB more while the first page lives, then 0.1 MB a minute throughout. From
    the first window the run reads about flat; from the second page's window it reads the growth."""
    rows = [{"t_min": i / 2, "renewals": min(4, int(i / 2 // 25)), "sim_down": False,
             "mb": 230.0 + (11.0 if i / 2 < 25 else 0.0) + 0.1 * i / 2} for i in range(240)]
    assert abs(growth(rows, "mb", 10.0)["median_growth_pct"]) < 1.5  # 11 MB gone hides 10 MB grown
    got = from_second_page(rows, "mb", 10.0)
    assert got["from_min"] == 35.0
    # minutes 35-45 against 110-120: 75 minutes at 0.1 MB, over 230 + 4 (the median at minute ~40)
    assert got["median_last_10min_mb"] - got["median_mb"] == 7.5
    assert got["growth_pct"] == round(100 * 7.5 / got["median_mb"], 2)
    assert from_second_page([{**r, "renewals": 0} for r in rows], "mb", 10.0) == {}  # never renewed
