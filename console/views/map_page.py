"""The city map page, built once with folium and served from local files only.

folium would load Leaflet and its plugins from CDNs; control rooms are air-gapped, so every script and
style sheet is pointed at files from PyPI packages (XStatic-Leaflet, XStatic-Leaflet-MarkerCluster,
folium's own heat-map script) and at the page's own JS/CSS in `resources/map/`. `check_offline` proves
the result references nothing else. Live changes reach the page later as small JSON diffs.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import folium
import folium.plugins
import xstatic.pkg.leaflet as xs_leaflet
import xstatic.pkg.leaflet_markercluster as xs_cluster

from console.resources import resource

SHANGHAI_CENTER = (31.2, 121.47)


@dataclass(frozen=True)
class MapOptions:
    tile_url: str | None = None  # an intranet tile server, e.g. http://tiles.local/{z}/{x}/{y}.png
    tile_attribution: str = ""
    zoom: int = 9
    # "grid": incidents on canvas tiles (resources/map/city_incidents.js); "cluster": Leaflet.markercluster,
    # kept for comparison (./dev bench-map): it cannot hold 50,000 incidents (docs/benchmarks.md)
    incidents: str = "grid"


def _uri(path: Path) -> str:
    return path.resolve().as_uri()


def asset_paths() -> dict[str, Path]:
    leaflet, cluster = Path(xs_leaflet.BASE_DIR), Path(xs_cluster.BASE_DIR)
    return {
        "leaflet_js": leaflet / "leaflet.js",
        "leaflet_css": leaflet / "leaflet.css",
        "cluster_js": cluster / "leaflet.markercluster.js",
        "cluster_css": cluster / "MarkerCluster.css",
        "cluster_default_css": cluster / "MarkerCluster.Default.css",
        "heat_js": Path(folium.__file__).parent / "templates" / "leaflet_heat.min.js",
        "page_js": resource("map", "city_map.js"),
        "page_css": resource("map", "city_map.css"),
        "units_js": resource("map", "city_units.js"),
        "incidents_js": resource("map", "city_incidents.js"),
        "units_css": resource("map", "city_units.css"),
        "districts": resource("shanghai", "districts.geojson"),
    }


def build_page(out_dir: Path, options: MapOptions | None = None) -> Path:
    """Write the map page into `out_dir` and return its path."""
    opt = options or MapOptions()
    a = asset_paths()
    missing = [k for k, p in a.items() if not p.exists()]
    if missing:
        raise FileNotFoundError(f"map assets missing: {missing}")
    # maxZoom on the map itself: folium only gives max_zoom to tile layers, and we may have none
    m = folium.Map(location=SHANGHAI_CENTER, zoom_start=opt.zoom, tiles=None, prefer_canvas=True, maxZoom=18, minZoom=7,
                   zoomSnap=0.25,
                   control_scale=True, zoom_control=True, attribution_control=bool(opt.tile_url))
    m.default_js = [("leaflet", _uri(a["leaflet_js"]))]
    m.default_css = [("leaflet_css", _uri(a["leaflet_css"]))]
    if opt.tile_url:
        folium.TileLayer(tiles=opt.tile_url, attr=opt.tile_attribution or " ", name="tiles").add_to(m)
    districts = json.loads(a["districts"].read_text(encoding="utf-8"))
    gj = folium.GeoJson(districts, name="districts", control=False,
                        style_function=lambda _f: {"color": "#6b7f99", "weight": 1, "fillColor": "#1d2633",
                                                   "fillOpacity": 0.85})
    gj.add_to(m)
    cluster = None
    if opt.incidents == "cluster":
        cluster = folium.plugins.MarkerCluster(name="incidents", control=False,
                                               options={"showCoverageOnHover": False, "maxClusterRadius": 50})
        cluster.default_js = [("markerclusterjs", _uri(a["cluster_js"]))]
        cluster.default_css = [("markerclustercss", _uri(a["cluster_css"])),
                               ("markerclusterdefaultcss", _uri(a["cluster_default_css"]))]
        cluster.add_to(m)
    heat = folium.plugins.HeatMap([], name="heat", control=False, radius=28, blur=22, min_opacity=0.25)
    heat.default_js = [("leaflet-heat.js", _uri(a["heat_js"]))]
    heat.add_to(m)
    boot = {
        "map": m.get_name(), "districts": gj.get_name(), "cluster": cluster.get_name() if cluster else None,
        "heat": heat.get_name(), "incidents": opt.incidents,
    }
    m.get_root().header.add_child(folium.Element(f'<link rel="stylesheet" href="{_uri(a["page_css"])}"/>'))
    m.get_root().header.add_child(folium.Element(f'<link rel="stylesheet" href="{_uri(a["units_css"])}"/>'))
    m.get_root().html.add_child(folium.Element(
        f'<script src="{_uri(a["page_js"])}"></script>'
        f'<script src="{_uri(a["incidents_js"])}"></script>'
        f'<script src="{_uri(a["units_js"])}"></script>'
        f"<script>window.addEventListener('load', function () {{ cityops.init({json.dumps(boot)}); }});</script>"
    ))
    out_dir.mkdir(parents=True, exist_ok=True)
    page = out_dir / "city_map.html"
    m.save(str(page))
    return page


_REF = re.compile(r"""<(?:script|link|img|iframe)\b[^>]*?\b(?:src|href)\s*=\s*["']([^"']+)["']""", re.I)
_URL_IN_CODE = re.compile(r"""["'(]((?:https?:)?//[^"')\s]+)""")


def check_offline(page: Path, allowed_prefixes: tuple[str, ...] = ()) -> list[str]:
    """Every reference in the page that is not a local file (empty when the page is air-gap safe)."""
    text = page.read_text(encoding="utf-8")
    refs = _REF.findall(text) + _URL_IN_CODE.findall(text)
    return [r for r in refs if not r.startswith("file://") and not r.startswith(allowed_prefixes)]
