"""Read one site GIS layer (GeoJSON, GeoPackage, Shapefile: whatever the bundled GDAL reads, through
pyogrio), check every feature, bring it to WGS-84 and simplify it per zoom tier, and write the tiers as
small scripts the map page loads when its zoom needs them. The result is cached on disk, keyed by the
file's path, size and modification time and by the declaration (console/gis/layer_cache.py).

What is wrong is said, never guessed around: a file that cannot be read is one Problem naming the file;
a feature that cannot be used (no geometry, not the layer's kind, coordinates that are not longitude and
latitude) is a Problem naming the file and the feature (its FID, and its code when it has one) and is
skipped; an invalid polygon (self-intersecting, a bow tie) is repaired with shapely.make_valid and that
is said too. The rest of the layer loads. Names and codes from the file are plain text: the page sets
them with textContent, never as HTML.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

import numpy as np
import shapely

from console.gis.gcj02 import gcj_to_wgs_xy
from console.gis.layer_spec import LayerSpec

ZOOM_TIERS = (9, 11, 13, 15)  # each serves its zoom and the one either side (15: everything closer)
CHUNK_DEG = {13: 0.05, 15: 0.05}  # close in, a tier is cut into squares: the page loads those in view
NAME_MAX = 200
_KIND_TYPES = {  # shapely type ids a kind accepts
    "boundary": {shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON},
    "points": {shapely.GeometryType.POINT, shapely.GeometryType.MULTIPOINT},
    "lines": {shapely.GeometryType.LINESTRING, shapely.GeometryType.MULTILINESTRING,
              shapely.GeometryType.LINEARRING},
}


@dataclass(frozen=True)
class Problem:
    """What is wrong with a layer's file (feature None) or one of its features."""

    file: str
    feature: str | None
    what: str
    skipped: bool = True  # False: repaired and kept

    def __str__(self) -> str:
        where = f"{self.file}: feature {self.feature}" if self.feature is not None else self.file
        return f"{where}: {self.what}" + ("" if self.skipped else " (repaired, kept)")


@dataclass
class LoadedLayer:
    """A layer ready for the page: per zoom tier, its chunks' scripts (zoom -> {"step": degrees or None,
    "chunks": {chunk id: file}}), plus what went wrong."""

    spec: LayerSpec
    key: str
    tiers: dict[int, dict] = field(default_factory=dict)
    count: int = 0
    problems: list[Problem] = field(default_factory=list)
    bounds: tuple[float, float, float, float] | None = None  # lon/lat west, south, east, north
    cached: bool = False


def tolerance(zoom: int) -> float:
    """Half a screen pixel in degrees at `zoom` (256-pixel tiles): finer detail cannot be seen."""
    return 360.0 / (256 * 2**zoom) / 2


def tiers_for(spec: LayerSpec) -> list[int]:
    """The tiers whose zooms (tier-1 .. tier+1, the last: all above) meet the layer's min/max zoom."""
    out = [z for i, z in enumerate(ZOOM_TIERS)
           if spec.max_zoom >= (z - 1 if i else 0) and (i == len(ZOOM_TIERS) - 1 or spec.min_zoom < z + 1)]
    return out if spec.kind != "points" else out[-1:]  # points are not simplified: one tier does


def _round6(xy: np.ndarray) -> np.ndarray:
    return np.round(xy, 6)


def _text(v) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    s = v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)
    return s[:NAME_MAX]


def _to_lonlat(spec: LayerSpec, file_crs: str | None):
    """A function (n, 2) array -> (n, 2) WGS-84 lon/lat array, or a Problem saying why there is none."""
    if spec.crs == "GCJ-02":
        if file_crs:
            import pyproj

            if not pyproj.CRS.from_user_input(file_crs).is_geographic:
                return None, f"declared GCJ-02 but the file's CRS is projected ({file_crs}): GCJ-02 is lon/lat"
        return gcj_to_wgs_xy, None
    if not file_crs:
        return None, None  # the declared WGS-84 / CGCS2000 lon/lat, as it is
    import pyproj

    crs = pyproj.CRS.from_user_input(file_crs)
    if crs.is_geographic:
        return None, None  # WGS-84, CGCS2000 (EPSG:4490) and their like: read as lon/lat (pyogrio's order)
    tr = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    return (lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1]))), None


def read_layer(spec: LayerSpec) -> tuple[list[dict], list[str], list[Problem], tuple | None, np.ndarray]:
    """Read and check the file: (GeoJSON geometry strings per tier as a list of dicts {zoom: str},
    feature properties as JSON strings, problems, bounds, each feature's anchor lon/lat (n, 2)). A file
    that cannot be read gives one Problem."""
    import pyogrio
    import pyogrio.raw

    fname = str(spec.file)
    try:
        info = pyogrio.read_info(spec.file, layer=spec.layer)
        fields = list(info["fields"])
        problems: list[Problem] = []
        columns = []
        for label, f in (("name_field", spec.name_field), ("code_field", spec.code_field)):
            if f is None:
                continue
            if f in fields:
                columns.append(f)
            else:
                problems.append(Problem(fname, None, f"{label} {f!r} is not a field of the file "
                                                     f"(its fields: {', '.join(fields) or 'none'}); left empty",
                                        skipped=False))
        meta, fids, wkb, data = pyogrio.raw.read(spec.file, layer=spec.layer, columns=columns, return_fids=True)
    except Exception as exc:  # GDAL's errors come in many classes; each means the file cannot be used
        return [], [], [Problem(fname, None, f"cannot be read: {str(exc)[:300]}")], None, np.empty((0, 2))
    to_lonlat, crs_problem = _to_lonlat(spec, meta.get("crs"))
    if crs_problem:
        return [], [], [*problems, Problem(fname, None, crs_problem)], None, np.empty((0, 2))
    values = dict(zip(columns, data, strict=True))
    names = values.get(spec.name_field) if spec.name_field else None
    codes = values.get(spec.code_field) if spec.code_field else None
    n = len(wkb)
    fid_text = [str(int(f)) for f in fids] if fids is not None else [str(i) for i in range(n)]

    def fid(i: int) -> str:
        code = _text(codes[i]) if codes is not None else ""
        return f"{fid_text[i]} (code {code})" if code else fid_text[i]

    geoms = shapely.from_wkb(np.asarray(wkb, dtype=object), on_invalid="ignore") if n else np.empty(0, object)
    for i in np.flatnonzero([g is None and b is not None for g, b in zip(geoms, wkb, strict=True)]):
        try:  # one at a time again, only for the blobs that failed: the error names its feature
            shapely.from_wkb(wkb[i])
        except shapely.errors.ShapelyError as exc:
            problems.append(Problem(fname, fid(i), f"geometry cannot be decoded: {exc}"))
    keep = np.ones(n, dtype=bool)
    missing = np.array([g is None for g in geoms], dtype=bool)
    missing[~missing] = shapely.is_empty(geoms[~missing].astype(object))
    for i in np.flatnonzero(missing):
        if not any(p.feature == fid(i) for p in problems):
            problems.append(Problem(fname, fid(i), "no geometry (missing, empty or unreadable)"))
    keep &= ~missing
    idx = np.flatnonzero(keep)
    g = geoms[idx]
    if to_lonlat is not None and len(g):
        g = shapely.transform(g, to_lonlat)
    # coordinates that are not lon/lat: NaN/inf, or a projected file whose CRS was lost (no .prj)
    b = shapely.bounds(g) if len(g) else np.empty((0, 4))
    bad = ~np.isfinite(b).all(axis=1) | (b[:, 0] < -180) | (b[:, 2] > 180) | (b[:, 1] < -90) | (b[:, 3] > 90)
    for j in np.flatnonzero(bad):
        problems.append(Problem(fname, fid(int(idx[j])), f"coordinates are not longitude/latitude (bounds "
                                                         f"{', '.join(f'{x:.6g}' for x in b[j])}): a projected "
                                                         f"file needs its CRS (.prj)"))
    ok = ~bad
    # the kind: boundary layers hold polygons, points points, lines lines; a repair may change the type
    invalid = ok & ~shapely.is_valid(g)
    for j in np.flatnonzero(invalid):
        reason = shapely.is_valid_reason(g[j])
        fixed = shapely.make_valid(g[j])
        if spec.kind == "boundary":
            fixed = shapely.union_all([p for p in shapely.get_parts(fixed)
                                       if shapely.get_type_id(p) in (3, 6)]) if not fixed.is_empty else fixed
        if fixed.is_empty or shapely.get_type_id(fixed) not in {int(t) for t in _KIND_TYPES[spec.kind]}:
            problems.append(Problem(fname, fid(int(idx[j])), f"invalid geometry ({reason}) and no "
                                                             f"{spec.kind} left after repair"))
            ok[j] = False
        else:
            problems.append(Problem(fname, fid(int(idx[j])), f"invalid geometry ({reason})", skipped=False))
            g[j] = fixed
    types = shapely.get_type_id(g)
    wrong = ok & ~np.isin(types, [int(t) for t in _KIND_TYPES[spec.kind]])
    for j in np.flatnonzero(wrong):
        problems.append(Problem(fname, fid(int(idx[j])), f"is a {g[j].geom_type}, not what a "
                                                         f"{spec.kind} layer holds"))
    ok &= ~wrong
    g, idx = g[ok], idx[ok]
    props = [json.dumps({"fid": fid_text[i], "name": _text(names[i]) if names is not None else "",
                         "code": _text(codes[i]) if codes is not None else ""}, ensure_ascii=False) for i in idx]
    tiers: list[dict] = [{} for _ in idx]
    for z in tiers_for(spec):
        simple = g if spec.kind == "points" else shapely.simplify(g, tolerance(z), preserve_topology=True)
        simple = shapely.transform(simple, _round6)  # ~10 cm: shorter text, nothing visible lost
        for k, s in enumerate(shapely.to_geojson(simple)):
            tiers[k][z] = s
    bounds = tuple(float(x) for x in shapely.total_bounds(g)) if len(g) else None
    anchors = shapely.get_coordinates(shapely.point_on_surface(g)) if len(g) else np.empty((0, 2))
    return tiers, props, problems, bounds, anchors
