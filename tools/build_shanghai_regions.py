"""Build resources/shanghai/regions.json (the city, its 16 districts, its 215 streets and towns) from
resources/shanghai/streets.csv and resources/shanghai/districts.geojson.

    cp ../shared/data/shanghai_streets.csv resources/shanghai/streets.csv   # the reference rows, unchanged
    python tools/build_shanghai_regions.py                                   # writes regions.json

Every region gets a point and says what kind it is (`"point"`):
- "geonames": a street's town centre from GeoNames (the CSV's lat/lon, CC BY 4.0);
- "schematic": a street with no sourced point, placed by this script inside its district's polygon, only
  so the map and the simulator have somewhere to put it (示意, not its seat). Deterministic: the same
  inputs give the same file;
- "boundary": a district's or the city's point inside its own outline (districts.geojson).

Schematic placement: a fine grid of candidate points inside the district (kept ~200 m off its edge),
then, one street at a time in code order, the candidate furthest from everything already placed (the
district's GeoNames points and earlier schematic ones) and from the district's edge. The streets spread
evenly over the district; which street lands where says nothing about where it really is.
"""

from __future__ import annotations

import csv
import json
import math
import sys
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

ROOT = Path(__file__).resolve().parent.parent
HERE = ROOT / "resources" / "shanghai"
CSV_IN, GEOJSON_IN, OUT = HERE / "streets.csv", HERE / "districts.geojson", HERE / "regions.json"
CITY = {"code": "310000", "zh": "上海市", "en": "Shanghai"}
EDGE_MARGIN_DEG = 0.002  # schematic seats stay ~200 m inside the outline
CANDIDATES_PER_SEAT = 60
DIGITS = 4  # ~10 m


def _xy_scale(lat: float) -> np.ndarray:
    """Degrees of longitude are shorter than degrees of latitude: weigh them so distances are fair."""
    return np.array([math.cos(math.radians(lat)), 1.0])


def schematic_seats(area: BaseGeometry, fixed: list[tuple[float, float]], n: int) -> list[tuple[float, float]]:
    """`n` (lon, lat) points inside `area`, spread away from `fixed` points, each other and the edge."""
    if n == 0:
        return []
    inner = area.buffer(-EDGE_MARGIN_DEG)
    if inner.is_empty:
        inner = area
    minx, miny, maxx, maxy = inner.bounds
    step = math.sqrt(inner.area / (n * CANDIDATES_PER_SEAT))
    gx, gy = np.meshgrid(np.arange(minx + step / 2, maxx, step), np.arange(miny + step / 2, maxy, step))
    gx, gy = gx.ravel(), gy.ravel()
    inside = shapely.contains_xy(inner, gx, gy)
    cand = np.column_stack([gx[inside], gy[inside]])
    if len(cand) < n:
        raise SystemExit(f"only {len(cand)} candidate points for {n} seats: the grid is too coarse")
    scale = _xy_scale(float(cand[:, 1].mean()))
    # distance to the edge counts like distance to a neighbour: seats keep off the outline as from each other
    score = shapely.distance(area.boundary, shapely.points(cand)) * scale[0]
    for p in fixed:
        score = np.minimum(score, np.hypot(*((cand - p) * scale).T))
    out = []
    for _ in range(n):
        i = int(np.argmax(score))  # ties: the first candidate, so the result is deterministic
        out.append((float(cand[i, 0]), float(cand[i, 1])))
        score = np.minimum(score, np.hypot(*((cand - cand[i]) * scale).T))
    return out


def region(code: str, zh: str, en: str, level: str, parent: str | None, lat: float, lon: float, point: str) -> dict:
    return {"code": code, "name": {"zh": zh, "en": en}, "level": level, "parent": parent,
            "centroid": [round(lat, DIGITS), round(lon, DIGITS)], "point": point}


def build(rows: list[dict], districts_geojson: dict) -> dict:
    features = {f["properties"]["code"]: f for f in districts_geojson["features"]}
    shapes = {code: shape(f["geometry"]) for code, f in features.items()}
    out = []
    city = shapely.union_all(list(shapes.values()))
    p = city.point_on_surface() if not city.centroid.within(city) else city.centroid
    out.append(region(CITY["code"], CITY["zh"], CITY["en"], "city", None, p.y, p.x, "boundary"))
    for code, f in sorted(features.items()):
        g = shapes[code]
        p = g.centroid if g.centroid.within(g) else g.point_on_surface()
        out.append(region(code, f["properties"]["name_zh"], f["properties"]["name_en"], "district", CITY["code"],
                          p.y, p.x, "boundary"))
    by_district: dict[str, list[dict]] = {}
    for r in rows:
        if r["district_code"] not in features:
            raise SystemExit(f"{r['code']}: district {r['district_code']} has no boundary")
        by_district.setdefault(r["district_code"], []).append(r)
    for dcode, streets in sorted(by_district.items()):
        area = shapes[dcode]
        streets.sort(key=lambda r: r["code"])
        sourced = [r for r in streets if r["lat"] and r["lon"]]
        for r in sourced:
            if not area.contains(shapely.Point(float(r["lon"]), float(r["lat"]))):
                raise SystemExit(f"{r['code']} {r['name_zh']}: its GeoNames point lies outside {dcode}'s outline")
        placed = dict(zip((r["code"] for r in streets if not (r["lat"] and r["lon"])),
                          schematic_seats(area, [(float(r["lon"]), float(r["lat"])) for r in sourced],
                                          len(streets) - len(sourced)), strict=True))
        for r in streets:
            if r["code"] in placed:
                lon, lat = placed[r["code"]]
                kind = "schematic"
            else:
                lon, lat, kind = float(r["lon"]), float(r["lat"]), "geonames"
            out.append(region(r["code"], r["name_zh"], r["name_en"], "street", dcode, lat, lon, kind))
    return {
        "about": (
            "Shanghai's city, 16 districts and 215 streets/towns (街道/镇/乡). Codes and names: the NBS "
            "统计用区划代码 (2023), see streets.csv and LICENSE-regions.md. `centroid` is [lat, lon] WGS-84; "
            "`point` says what it is: 'geonames' = a town centre from GeoNames (CC BY 4.0, credit GeoNames), "
            "'schematic' = placed inside the district by tools/build_shanghai_regions.py for display only (示意), "
            "'boundary' = a point inside the region's outline (districts.geojson). Made by "
            "tools/build_shanghai_regions.py; do not edit by hand."),
        "regions": out,
    }


def main() -> None:
    with CSV_IN.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    doc = build(rows, json.loads(GEOJSON_IN.read_text(encoding="utf-8")))
    # one region a line: readable, and a change shows as the lines of the regions it touched
    lines = [json.dumps(r, ensure_ascii=False) for r in doc["regions"]]
    OUT.write_text('{"about": ' + json.dumps(doc["about"], ensure_ascii=False) + ',\n "regions": [\n  '
                   + ",\n  ".join(lines) + "\n ]}\n", encoding="utf-8")
    kinds: dict[str, int] = {}
    for r in doc["regions"]:
        kinds[f"{r['level']}/{r['point']}"] = kinds.get(f"{r['level']}/{r['point']}", 0) + 1
    print(f"{len(doc['regions'])} regions {kinds} -> {OUT}")


if __name__ == "__main__":
    if len(sys.argv) != 1:
        sys.exit(__doc__)
    main()
