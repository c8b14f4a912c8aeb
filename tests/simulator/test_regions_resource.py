"""The shipped region catalog (resources/shanghai/regions.json) and its source rows (streets.csv): all
215 streets and towns of the 16 districts, codes that nest, points inside their districts, and a file
that is exactly what its script makes."""

import csv
import importlib.util
import json
from collections import Counter
from pathlib import Path

import pytest
import shapely
from shapely.geometry import shape

from console.resources import resource
from console.simulator.city_catalog import load_regions

TOOL = Path(__file__).resolve().parents[2] / "tools" / "build_shanghai_regions.py"
SHANGHAI_DISTRICTS = {  # GB/T 2260, the 16 districts since 2016 (崇明 became a district, 310151)
    "310101", "310104", "310105", "310106", "310107", "310109", "310110", "310112", "310113", "310114",
    "310115", "310116", "310117", "310118", "310120", "310151",
}


@pytest.fixture(scope="module")
def regions():
    return json.loads(resource("shanghai", "regions.json").read_text(encoding="utf-8"))["regions"]


@pytest.fixture(scope="module")
def rows():
    with resource("shanghai", "streets.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def outlines():
    doc = json.loads(resource("shanghai", "districts.geojson").read_text(encoding="utf-8"))
    return {f["properties"]["code"]: shape(f["geometry"]) for f in doc["features"]}


def test_one_city_sixteen_districts_215_streets_with_unique_codes(regions):
    levels = Counter(r["level"] for r in regions)
    assert levels == {"city": 1, "district": 16, "street": 215}
    codes = [r["code"] for r in regions]
    assert len(set(codes)) == len(codes)
    assert {r["code"] for r in regions if r["level"] == "district"} == SHANGHAI_DISTRICTS
    assert all(r["parent"] == "310000" for r in regions if r["level"] == "district")


def test_each_street_code_starts_with_its_districts_and_each_district_has_streets(regions):
    streets = [r for r in regions if r["level"] == "street"]
    for r in streets:
        assert len(r["code"]) == 9 and r["code"].isdigit(), r["code"]
        assert r["code"][:6] == r["parent"] and r["parent"] in SHANGHAI_DISTRICTS, r["code"]
    per_district = Counter(r["parent"] for r in streets)
    assert set(per_district) == SHANGHAI_DISTRICTS and min(per_district.values()) >= 1
    assert per_district["310115"] == 36 and per_district["310109"] == 8  # 浦东新区 the most, 虹口区 the fewest


def test_names_are_filled_in_both_languages(regions):
    for r in regions:
        assert r["name"]["zh"].strip() and r["name"]["en"].strip(), r["code"]
    street_names = [r["name"]["zh"] for r in regions if r["level"] == "street"]
    assert all(n.endswith(("街道", "镇", "乡")) for n in street_names)


def test_every_point_lies_inside_its_district_and_says_what_it_is(regions, outlines):
    kinds = Counter()
    for r in regions:
        kinds[(r["level"], r["point"])] += 1
        if r["level"] == "city":
            continue
        district = r["code"] if r["level"] == "district" else r["parent"]
        lat, lon = r["centroid"]
        assert outlines[district].contains(shapely.Point(lon, lat)), (r["code"], r["name"]["zh"])
    assert kinds == {("city", "boundary"): 1, ("district", "boundary"): 16,
                     ("street", "geonames"): 72, ("street", "schematic"): 143}


def test_the_catalog_follows_the_source_rows(regions, rows):
    """Same codes and names as streets.csv; a GeoNames point is the row's own, a row without one is
    schematic; every row names its source."""
    assert len(rows) == 215
    by_code = {r["code"]: r for r in regions if r["level"] == "street"}
    assert set(by_code) == {row["code"] for row in rows}
    for row in rows:
        r = by_code[row["code"]]
        assert (r["name"]["zh"], r["name"]["en"], r["parent"]) == (row["name_zh"], row["name_en"],
                                                                    row["district_code"])
        assert row["source"].strip()
        if row["lat"]:
            assert r["point"] == "geonames" and "GeoNames" in row["source"]
            assert r["centroid"] == pytest.approx([float(row["lat"]), float(row["lon"])], abs=1e-9)
        else:
            assert r["point"] == "schematic"


def test_the_shipped_file_is_what_its_script_makes(rows):
    """No hand edits: building again from streets.csv and districts.geojson gives the same regions."""
    spec = importlib.util.spec_from_file_location("build_regions", TOOL)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    geo = json.loads(resource("shanghai", "districts.geojson").read_text(encoding="utf-8"))
    built = tool.build(rows, geo)["regions"]
    shipped = json.loads(resource("shanghai", "regions.json").read_text(encoding="utf-8"))["regions"]
    assert built == shipped


def test_the_simulator_reads_every_region_with_its_kind_of_point():
    regions = load_regions()
    assert len(regions) == 232
    assert {r.point for r in regions if r.level == "street"} == {"geonames", "schematic"}
    assert {r.point for r in regions if r.level != "street"} == {"boundary"}
