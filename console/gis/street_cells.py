"""Schematic street cells (示意): until a site gives its street/town boundary file, each district is cut
into one cell per street, the Voronoi partition of the streets' points (resources/shanghai/regions.json)
clipped to the district's outline. Where a point is a GeoNames town centre the cell is around the real
town; where it is a schematic point, so is the cell. They show which street a colour belongs to, never
where a street's boundary is, and whatever shows them says so."""

from __future__ import annotations

import math

import shapely
from shapely.geometry import MultiPoint, mapping, shape

SIMPLIFY_DEG = 0.0002  # ~20 m: far below what a district's zoom shows
DIGITS = 5


def street_cells(districts: dict, regions: list[dict]) -> dict:
    """A GeoJSON FeatureCollection of one cell per street (properties code, district, name_zh, name_en,
    point: the kind of point the cell was grown from), from the districts' GeoJSON and the region catalog."""
    outlines = {f["properties"]["code"]: shape(f["geometry"]) for f in districts["features"]}
    by_district: dict[str, list[dict]] = {}
    for r in regions:
        if r["level"] == "street" and r.get("centroid") and r["parent"] in outlines:
            by_district.setdefault(r["parent"], []).append(r)
    features = []
    for dcode, streets in sorted(by_district.items()):
        area = outlines[dcode]
        # Voronoi in a plane where a degree of longitude is as long as it is on the ground at this latitude
        k = math.cos(math.radians(area.centroid.y))
        seats = [(r["centroid"][1] * k, r["centroid"][0]) for r in streets]
        flat = shapely.affinity.scale(area, xfact=k, yfact=1, origin=(0, 0))
        if len(seats) == 1:
            cells = [flat]
        else:
            cells = list(shapely.voronoi_polygons(MultiPoint(seats), extend_to=flat, ordered=True).geoms)
        for r, cell in zip(streets, cells, strict=True):
            clipped = shapely.affinity.scale(cell.intersection(flat), xfact=1 / k, yfact=1, origin=(0, 0))
            clipped = shapely.set_precision(clipped.simplify(SIMPLIFY_DEG), 10 ** -DIGITS)
            if clipped.is_empty:
                continue
            features.append({"type": "Feature", "geometry": mapping(clipped),
                             "properties": {"code": r["code"], "district": dcode, "name_zh": r["name"]["zh"],
                                            "name_en": r["name"]["en"], "point": r.get("point", "")}})
    return {"type": "FeatureCollection", "name": "street_cells_schematic", "features": features}
