"""The shipped water and coast layer holds what a Shanghai duty officer looks for, where geography says it is."""

from __future__ import annotations

import json

import pytest
import shapely
from shapely.geometry import Point, shape

from console.resources import resource


@pytest.fixture(scope="module")
def water():
    doc = json.loads(resource("shanghai", "water.geojson").read_text(encoding="utf-8"))
    kinds: dict[str, list] = {}
    for f in doc["features"]:
        kinds.setdefault(f["properties"]["kind"], []).append(shape(f["geometry"]))
    return {k: shapely.union_all(v) for k, v in kinds.items()}


def test_lakes_islands_and_the_huangpu_are_where_they_are(water):
    # the places' coordinates as gazetteers (Wikipedia's infoboxes) give them, to the minute
    assert water["lake"].contains(Point(120 + 58 / 60, 31 + 7 / 60))  # 淀山湖 31°07′N 120°58′E
    assert water["lake"].contains(Point(120 + 8 / 60, 31 + 14 / 60))  # 太湖 31°14′N 120°08′E
    assert water["land"].contains(Point(121 + 32 / 60, 31 + 37 / 60))  # 崇明岛 31°37′N 121°32′E
    assert not water["land"].contains(Point(122.0, 31.25))  # the estuary's mouth, east of 长兴/横沙, is sea
    assert water["river"].distance(Point(121.49, 31.24)) < 0.005  # the Bund (外滩) 31°14′N 121°29′E, on the river


def test_it_stays_small_and_licensed():
    assert resource("shanghai", "water.geojson").stat().st_size < 150_000
    text = resource("shanghai", "LICENSE-water.md").read_text(encoding="utf-8")
    assert "LGPL-3.0" in text and "GSHHS" in text and "Accuracy" in text
    lgpl = resource("shanghai", "water-COPYING.LESSER").read_text(encoding="utf-8")
    assert lgpl.strip().startswith("GNU LESSER GENERAL PUBLIC LICENSE") and "Version 3" in lgpl
