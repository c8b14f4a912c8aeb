"""The schematic street cells: one per street of the catalog, around its own point, tiling its district."""

from __future__ import annotations

import json

import pytest
import shapely
from shapely.geometry import Point, shape

from console.gis.street_cells import street_cells
from console.resources import resource


@pytest.fixture(scope="module")
def inputs():
    districts = json.loads(resource("shanghai", "districts.geojson").read_text(encoding="utf-8"))
    regions = json.loads(resource("shanghai", "regions.json").read_text(encoding="utf-8"))["regions"]
    return districts, regions, street_cells(districts, regions)


def test_every_street_has_one_cell_holding_its_own_point(inputs):
    _d, regions, cells = inputs
    streets = {r["code"]: r for r in regions if r["level"] == "street"}
    got = [f["properties"]["code"] for f in cells["features"]]
    assert sorted(got) == sorted(streets) and len(got) == 215
    for f in cells["features"]:
        lat, lon = streets[f["properties"]["code"]]["centroid"]
        assert shape(f["geometry"]).buffer(1e-4).contains(Point(lon, lat)), f["properties"]["code"]
        assert f["properties"]["district"] == streets[f["properties"]["code"]]["parent"]


def test_a_districts_cells_tile_it_without_overlap(inputs):
    districts, _r, cells = inputs
    for d in districts["features"]:
        code = d["properties"]["code"]
        mine = [shape(f["geometry"]) for f in cells["features"] if f["properties"]["district"] == code]
        union = shapely.union_all(mine)
        outline = shape(d["geometry"])
        assert union.symmetric_difference(outline).area < 0.01 * outline.area, code
        assert sum(c.area for c in mine) == pytest.approx(union.area, rel=0.01), code  # no cell covers another
