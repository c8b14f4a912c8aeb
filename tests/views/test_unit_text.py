"""An indicator's unit in English: the feed writes units in Chinese; the English console shows their
words in English, and a unit it has no words for as the feed wrote it."""

import re

from console.simulator.city_catalog import load_indicators
from console.views.labels import unit_text

CJK = re.compile(r"[\u2e80-\u9fff]")


def test_the_units_read_in_english_as_an_officer_would_say_them():
    assert unit_text("件/小时", english=True) == "cases/h"
    assert unit_text("人/m²", english=True) == "people/m²"
    assert unit_text("万m³/小时", english=True) == "10k m³/h"
    assert unit_text("万人次/小时", english=True) == "10k people/h"  # person-times: people
    assert unit_text("次/小时", english=True) == "/h"  # a count an hour
    assert unit_text("人/分钟", english=True) == "people/min"
    assert unit_text("车次/小时", english=True) == "trips/h"
    assert unit_text("MPa", english=True) == "MPa" and unit_text("未知单位", english=True) == "未知单位"


def test_chinese_units_stay_as_the_feed_wrote_them():
    assert unit_text("件/小时") == "件/小时"


def test_every_unit_of_the_simulated_city_has_english_words():
    units = {s.indicator.unit for s in load_indicators()}
    assert "件/小时" in units  # the catalogue does write Chinese units
    assert {u: unit_text(u, english=True) for u in units if CJK.search(unit_text(u, english=True))} == {}

