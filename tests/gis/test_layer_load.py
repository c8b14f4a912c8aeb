"""Site GIS layers: files written here with pyogrio (GDAL) in the three formats a city's GIS department
has, read back through the cache; broken features named and skipped; GCJ-02 brought to WGS-84 against
published reference pairs."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pyogrio.raw
import pytest
import shapely
from shapely.geometry import Point, Polygon

from console.gis.layer_cache import load_layer
from console.gis.layer_spec import LayerSpec, LayerSpecError, parse_layer

SQUARES = [Polygon([(121.40 + i * 0.01, 31.20), (121.41 + i * 0.01, 31.20), (121.41 + i * 0.01, 31.21),
                    (121.40 + i * 0.01, 31.21)]) for i in range(3)]
NAMES = ["徐家汇街道", "<img src=x onerror=alert(1)>", "天平路街道"]
CODES = ["310104003", "310104004", "310104007"]


def write(path: Path, geoms, names, codes, driver: str, crs: str | None = "EPSG:4326", layer=None) -> Path:
    pyogrio.raw.write(path, np.array(shapely.to_wkb(list(geoms)), dtype=object),
                      [np.array(names, dtype=object), np.array(codes, dtype=object)], ["NAME", "CODE"],
                      driver=driver, geometry_type="Polygon" if isinstance(geoms[0], Polygon) else "Point",
                      crs=crs, layer=layer)
    return path


def features(layer) -> list[dict]:
    """The features of the layer's finest tier, every chunk of it, as the page receives them."""
    out = []
    for chunk, path in layer.tiers[max(layer.tiers)]["chunks"].items():
        text = path.read_text(encoding="utf-8")
        m = re.fullmatch(r'cityopsGis\.tier\("(\w+)",(\d+),"([\w-]+)",(.*)\);\n', text, re.S)
        assert m and m.group(1) == layer.key and m.group(3) == chunk
        out += json.loads(m.group(4))["features"]
    return sorted(out, key=lambda f: int(f["properties"]["fid"]))


def spec(path: Path, **kw) -> LayerSpec:
    return LayerSpec(file=path, kind=kw.pop("kind", "boundary"), name="test", level=kw.pop("level", "street"),
                     name_field="NAME", code_field="CODE", **kw)


@pytest.mark.parametrize(("driver", "name"), [("GeoJSON", "streets.geojson"), ("GPKG", "streets.gpkg"),
                                              ("ESRI Shapefile", "streets.shp")])
def test_each_format_loads_with_names_as_text_and_codes(tmp_path, driver, name):
    path = write(tmp_path / name, SQUARES, NAMES, CODES, driver)
    layer = load_layer(spec(path), tmp_path / "cache")
    assert layer.problems == [] and layer.count == 3 and not layer.cached
    feats = features(layer)
    assert [f["properties"]["name"] for f in feats] == NAMES  # the markup is a name like any other
    assert [f["properties"]["code"] for f in feats] == CODES
    back = shapely.from_geojson(json.dumps(feats[0]["geometry"]))
    assert back.normalize().equals_exact(SQUARES[0].normalize(), 1e-6)
    assert layer.bounds == pytest.approx((121.40, 31.20, 121.43, 31.21))


def test_second_load_is_served_from_the_cache_until_the_file_changes(tmp_path):
    path = write(tmp_path / "s.gpkg", SQUARES, NAMES, CODES, "GPKG")
    first = load_layer(spec(path), tmp_path / "cache")
    again = load_layer(spec(path), tmp_path / "cache")
    assert again.cached and again.key == first.key and again.tiers == first.tiers and again.count == 3
    write(tmp_path / "s.gpkg", SQUARES[:2], NAMES[:2], CODES[:2], "GPKG")  # the GIS department's new file
    changed = load_layer(spec(path), tmp_path / "cache")
    assert not changed.cached and changed.count == 2 and changed.key != first.key


def test_broken_features_are_named_and_skipped_the_rest_loads(tmp_path):
    bow_tie = Polygon([(121.5, 31.3), (121.51, 31.31), (121.51, 31.3), (121.5, 31.31)])
    path = tmp_path / "broken.geojson"
    def feat(name, code, geometry):
        return {"type": "Feature", "properties": {"NAME": name, "CODE": code}, "geometry": geometry}

    mapping = shapely.geometry.mapping
    feats = [
        feat("好", "A1", mapping(SQUARES[0])),
        feat("无形", "B2", None),
        feat("点", "C3", {"type": "Point", "coordinates": [121.4, 31.2]}),
        feat("投影", "D4", mapping(shapely.affinity.translate(SQUARES[1], 350000, 3400000))),
        feat("蝴蝶结", "E5", mapping(bow_tie)),
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}), encoding="utf-8")
    layer = load_layer(spec(path), tmp_path / "cache")
    by_code = {re.search(r"code (\w+)", p.feature).group(1): p for p in layer.problems}
    assert set(by_code) == {"B2", "C3", "D4", "E5"}
    assert all(str(path) in str(p) for p in layer.problems)
    assert "no geometry" in by_code["B2"].what and by_code["B2"].skipped
    assert "Point" in by_code["C3"].what and by_code["C3"].skipped
    assert "not longitude/latitude" in by_code["D4"].what and by_code["D4"].skipped
    assert "Self-intersection" in by_code["E5"].what and not by_code["E5"].skipped  # repaired, kept
    assert [f["properties"]["code"] for f in features(layer)] == ["A1", "E5"]
    repaired = shapely.from_geojson(json.dumps(features(layer)[1]["geometry"]))
    assert repaired.is_valid and repaired.area == pytest.approx(0.5 * 0.01 * 0.01, rel=1e-3)


def test_a_file_that_is_not_geodata_is_one_problem_naming_it(tmp_path):
    path = tmp_path / "grid.gpkg"
    path.write_bytes(b"this is not a GeoPackage")
    layer = load_layer(spec(path), tmp_path / "cache")
    assert layer.count == 0 and len(layer.problems) == 1
    assert layer.problems[0].feature is None and str(path) in str(layer.problems[0])
    missing = load_layer(spec(tmp_path / "gone.shp"), tmp_path / "cache")
    assert "no such file" in str(missing.problems[0]) and "gone.shp" in str(missing.problems[0])


def test_a_missing_name_field_is_said_and_the_geometry_still_loads(tmp_path):
    path = write(tmp_path / "s.geojson", SQUARES, NAMES, CODES, "GeoJSON")
    layer = load_layer(LayerSpec(file=path, kind="boundary", name="t", level="grid", name_field="MC"),
                       tmp_path / "cache")
    assert layer.count == 3 and "'MC' is not a field" in str(layer.problems[0])


# Published WGS-84 -> GCJ-02 pairs (lat, lon): googollee/eviltransform's test suite (its Shanghai, Shenzhen and
# Beijing points) and a Jinshan point from a geotool test; written by others, not by this code.
REFERENCE = [
    ((31.1774276, 121.5272106), (31.17530398364597, 121.531541859215)),
    ((22.543847, 113.912316), (22.540796131694766, 113.9171764808363)),
    ((39.911954, 116.377817), (39.91334545536069, 116.38404722455657)),
    ((30.6107779, 121.0917077), (30.608604331756705, 121.09626935575027)),
]


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (lat, lon), haversine on a 6,371 km sphere."""
    la1, lo1, la2, lo2 = map(math.radians, (*a, *b))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 2 * 6371000 * math.asin(math.sqrt(h))


@pytest.mark.filterwarnings("ignore:.crs. was not provided")
def test_a_gcj02_layer_lines_up_with_wgs84_within_10_m(tmp_path):
    gcj = [Point(lon, lat) for _w, (lat, lon) in REFERENCE]
    path = write(tmp_path / "amap_points.geojson", gcj, ["p"] * 4, ["1", "2", "3", "4"], "GeoJSON", crs=None)
    layer = load_layer(LayerSpec(file=path, kind="points", name="t", crs="GCJ-02", code_field="CODE"),
                       tmp_path / "cache")
    got = [tuple(reversed(f["geometry"]["coordinates"])) for f in features(layer)]
    for (wgs, gcj_pt), here in zip(REFERENCE, got, strict=True):
        assert metres(here, wgs) < 10, (here, wgs)
        assert metres(gcj_pt, wgs) > 100  # the offset is real: without the conversion it would not line up
    as_wgs = load_layer(LayerSpec(file=path, kind="points", name="t", crs="WGS-84"), tmp_path / "cache2")
    assert metres(tuple(reversed(features(as_wgs)[0]["geometry"]["coordinates"])), REFERENCE[0][0]) > 100


def test_a_projected_cgcs2000_file_is_reprojected(tmp_path):
    # EPSG:4549, CGCS2000 / 3-degree Gauss-Kruger CM 120E: a Shanghai GIS department's usual plane
    import pyproj

    tr = pyproj.Transformer.from_crs("EPSG:4490", "EPSG:4549", always_xy=True)
    x, y = tr.transform(121.4737, 31.2304)
    path = write(tmp_path / "p.shp", [Point(x, y)], ["人民广场"], ["X"], "ESRI Shapefile", crs="EPSG:4549")
    layer = load_layer(LayerSpec(file=path, kind="points", name="t", crs="CGCS2000"), tmp_path / "cache")
    assert layer.problems == []
    lon, lat = features(layer)[0]["geometry"]["coordinates"]
    assert metres((lat, lon), (31.2304, 121.4737)) < 1


def test_declarations_are_checked_by_key(tmp_path):
    ok = parse_layer({"file": "g.gpkg", "kind": "boundary", "level": "grid", "crs": "CGCS2000",
                      "style": {"color": "#7fb3ff", "weight": 1}}, tmp_path)
    assert ok.file == tmp_path / "g.gpkg" and ok.name == "g" and ok.style == {"color": "#7fb3ff", "weight": 1.0}
    for table, key in [({"kind": "boundary", "level": "grid"}, "file"),
                       ({"file": "a", "kind": "polygon"}, "kind"),
                       ({"file": "a", "kind": "boundary"}, "level"),
                       ({"file": "a", "kind": "points", "crs": "BD-09"}, "crs"),
                       ({"file": "a", "kind": "points", "min_zoom": 14, "max_zoom": 12}, "max_zoom"),
                       ({"file": "a", "kind": "points", "style": {"color": "red;x"}}, "style.color"),
                       ({"file": "a", "kind": "points", "colour": "#fff"}, "colour")]:
        with pytest.raises(LayerSpecError) as exc:
            parse_layer(table, tmp_path)
        assert exc.value.key == key


def test_close_in_a_layer_is_cut_into_squares_the_page_loads_by_view(tmp_path):
    pts = [Point(121.41, 31.21), Point(121.42, 31.22), Point(121.61, 31.21)]  # two 0.05° squares apart
    path = write(tmp_path / "cams.gpkg", pts, ["a", "b", "c"], ["1", "2", "3"], "GPKG")
    layer = load_layer(LayerSpec(file=path, kind="points", name="t", code_field="CODE"), tmp_path / "cache")
    tier = layer.tiers[15]
    assert tier["step"] == 0.05 and len(tier["chunks"]) == 2
    by_chunk = {c: re.findall(r'"code": "(\d)"', p.read_text(encoding="utf-8")) for c, p in tier["chunks"].items()}
    assert sorted(by_chunk.values()) == [["1", "2"], ["3"]]
    assert by_chunk[f"{int(121.41 // 0.05)}_{int(31.21 // 0.05)}"] == ["1", "2"]
