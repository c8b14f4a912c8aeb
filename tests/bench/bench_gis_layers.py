"""A site's grid (网格) layer: a ~20 MB GeoPackage of grid polygons, loaded the first time (read with
pyogrio, every feature checked, simplified into the zoom tiers, written to the cache) and then from the
cache, as the console does at each start (console/gis/layer_cache.py).

    ./dev bench-gis                       # ~20 MB, 3 first loads (each into an empty cache), 10 cached loads
    ./dev bench-gis --mb 5 --rounds 2     # smaller and quicker
    ./dev bench-gis --page                # also: the map page (offscreen Qt WebEngine) zoomed to 13 over
                                          # the grid, until its tier is drawn, beside the same zoom without it

The anchor, in the same run: a bare `pyogrio.raw.read` of the same file (GDAL reading every feature and
its fields, nothing else), the least any load must do. Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyogrio.raw
import shapely

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from console.gis.layer_cache import load_layer  # noqa: E402
from console.gis.layer_spec import LayerSpec  # noqa: E402

BYTES_PER_CELL = 390  # measured for these cells in a GeoPackage (geometry, two text fields, R-tree)


def grid(n: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """`n` grid cells over Shanghai's box, each a 12-point ring (a real 网格 follows streets, not a square)."""
    side = int(np.ceil(np.sqrt(n)))
    step = min((122.0 - 120.85) / side, (31.9 - 30.65) / side)
    ang = np.linspace(0, 2 * np.pi, 12, endpoint=False)
    polys = []
    rng = np.random.default_rng(7)
    for k in range(n):
        i, j = divmod(k, side)
        cx, cy = 120.85 + (i + 0.5) * step, 30.65 + (j + 0.5) * step
        r = step / 2 * (0.85 + 0.1 * rng.random(12))
        polys.append(shapely.Polygon(np.column_stack([cx + r * np.cos(ang), cy + r * np.sin(ang)])))
    names = np.array([f"第{k:06d}网格" for k in range(n)], dtype=object)
    codes = np.array([f"3101{k:08d}" for k in range(n)], dtype=object)
    return np.array(shapely.to_wkb(polys), dtype=object), [names, codes]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=float, default=20.0, help="size of the GeoPackage to make (default 20)")
    ap.add_argument("--rounds", type=int, default=3, help="first loads (each into an empty cache)")
    ap.add_argument("--cached-rounds", type=int, default=10)
    ap.add_argument("--page", action="store_true", help="also time the map page drawing the grid's tier")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="cityops-bench-gis-"))
    path = tmp / "grid.gpkg"
    n = int(args.mb * 1e6 / BYTES_PER_CELL)
    wkb, fields = grid(n)
    pyogrio.raw.write(path, wkb, fields, ["MC", "BM"], driver="GPKG", geometry_type="Polygon", crs="EPSG:4490")
    spec = LayerSpec(file=path, kind="boundary", name="网格", level="grid", name_field="MC", code_field="BM",
                     crs="CGCS2000", min_zoom=12)
    bare, first, cached = [], [], []
    layer = None
    for r in range(args.rounds):
        t = time.perf_counter()
        pyogrio.raw.read(path, columns=["MC", "BM"], return_fids=True)
        bare.append(time.perf_counter() - t)
        t = time.perf_counter()
        layer = load_layer(spec, tmp / f"cache-{r}")
        first.append(time.perf_counter() - t)
        assert not layer.cached and layer.count == n and not layer.problems
    for _ in range(args.cached_rounds):
        t = time.perf_counter()
        again = load_layer(spec, tmp / "cache-0")
        cached.append(time.perf_counter() - t)
        assert again.cached and again.count == n
    out = {
        "file_mb": round(path.stat().st_size / 1e6, 1), "features": n,
        "bare_read_s": round(statistics.median(bare), 3),
        "first_load_s": round(statistics.median(first), 3),
        "cached_load_ms": round(statistics.median(cached) * 1000, 2),
        "first_over_bare": round(statistics.median(first) / statistics.median(bare), 1),
        "first_over_cached": round(statistics.median(first) / statistics.median(cached)),
        "tier_mb": {z: round(sum(f.stat().st_size for f in t["chunks"].values()) / 1e6, 1)
                    for z, t in layer.tiers.items()},
        "tier_chunks": {z: len(t["chunks"]) for z, t in layer.tiers.items()},
        "rounds": {"first": [round(x, 3) for x in first], "bare": [round(x, 3) for x in bare]},
    }
    if args.page:
        out["page"] = page_times(spec, tmp / "cache-0", n)
    print(json.dumps(out, ensure_ascii=False))


def page_times(spec: LayerSpec, cache: Path, n: int, rounds: int = 3) -> dict:
    """Seconds from a zoom to 13 over the grid until the page has drawn the cells in view (the tier's
    chunks in view loaded, parsed and turned into Leaflet polygons; how many: with_grid_drawn, of `n`),
    and the same zoom on a page without the layer."""
    from console.ui.gui_app import application

    app = application()
    from console.model.city_state import CityState
    from console.model.clock import Clock
    from console.ui.map_bridge import CityMapView
    from console.views.map_page import MapOptions

    def wait(pred, timeout=120.0):
        end = time.perf_counter() + timeout
        while not pred():
            app.processEvents()
            time.sleep(0.005)
            if time.perf_counter() > end:
                raise TimeoutError
        return True

    def js(view, script):
        box = []
        view.page().runJavaScript(script, 0, box.append)
        wait(lambda: bool(box))
        return box[0]

    zoom_in = ("(function(){var m=window[Object.keys(window).find(function(k){return k.indexOf('map_')===0"
               "&&window[k].getZoom;})];m.setView([31.28,121.43],9,{animate:false});"
               "m.setView([31.28,121.43],13,{animate:false});return 1;})()")
    out = {}
    for label, options in (("without_layer", MapOptions()), ("with_grid", MapOptions(layers=(spec,), gis_cache=cache))):
        times = []
        for _ in range(rounds):
            view = CityMapView(CityState(), Clock(), options)
            view.resize(1920, 1080)
            view.show()
            wait(lambda v=view: v.is_ready)
            t = time.perf_counter()
            js(view, zoom_in)
            if label == "with_grid":
                def drawn(v=view):
                    st = json.loads(js(v, "JSON.stringify(cityopsGis.state())"))
                    out["with_grid_drawn"] = st["site"][0]["n"]
                    return st["site"][0]["n"] > 0 and st["pending"] == 0

                wait(drawn)  # every chunk in view loaded and drawn
            else:
                js(view, "1")
            times.append(time.perf_counter() - t)
            view.close()
            view.deleteLater()
            app.processEvents()
        out[f"{label}_s"] = round(statistics.median(times), 3)
    return out


if __name__ == "__main__":
    main()
