"""The site's holiday calendar beside the typical days: National Day counts as a rest day, a make-up
Sunday (调休) as a workday; without the file, weekends alone; a broken file is refused by name, by the
profiles' build as well (so it can never be built on one calendar and read on another)."""

import datetime as dt

import pytest

from console.normal.day_class import REST_DAY, WORKDAY, CalendarError
from console.normal.refresh import refresh
from console.normal.usual import CALENDAR_FILE, site_calendar, usual_dir

# 2025: 1 October (a Wednesday) a holiday; 28 September (a Sunday) worked, per the State Council's notice
HOLIDAY, MAKE_UP, PLAIN_WEDNESDAY, PLAIN_SUNDAY = "2025-10-01", "2025-09-28", "2025-10-15", "2025-10-12"


def day(s: str) -> int:
    return (dt.date.fromisoformat(s) - dt.date(1970, 1, 1)).days


def test_the_sites_calendar_moves_holidays_and_make_up_days(tmp_path):
    folder = usual_dir(tmp_path)
    folder.mkdir()
    (folder / CALENDAR_FILE).write_text(f'{{"holidays": ["{HOLIDAY}"], "workdays": ["{MAKE_UP}"]}}', encoding="utf-8")
    cal = site_calendar(tmp_path)
    got = cal.day_class([day(HOLIDAY), day(MAKE_UP), day(PLAIN_WEDNESDAY), day(PLAIN_SUNDAY)]).tolist()
    assert got == [REST_DAY, WORKDAY, WORKDAY, REST_DAY]


def test_without_a_calendar_weekends_are_the_rest_days(tmp_path):
    got = site_calendar(tmp_path).day_class([day(HOLIDAY), day(MAKE_UP)]).tolist()
    assert got == [WORKDAY, REST_DAY]


@pytest.mark.parametrize("text", ['{"holidays": ["2025-13-01"]}', "{nope", f'{{"holidays": ["{HOLIDAY}"], '
                                  f'"workdays": ["{HOLIDAY}"]}}'])
def test_a_broken_calendar_is_refused_by_name_also_by_the_build(tmp_path, text):
    folder = usual_dir(tmp_path)
    folder.mkdir()
    (folder / CALENDAR_FILE).write_text(text, encoding="utf-8")
    with pytest.raises(CalendarError, match=CALENDAR_FILE):
        site_calendar(tmp_path)
    with pytest.raises(CalendarError, match=CALENDAR_FILE):
        refresh(tmp_path, now=dt.datetime(2025, 10, 20).timestamp())
