"""The city map page, built once with folium and served from local files only.

folium would load Leaflet and its plugins from CDNs; control rooms are air-gapped, so every script and
style sheet is pointed at files from PyPI packages (XStatic-Leaflet, XStatic-Leaflet-MarkerCluster,
folium's own heat-map script) and at the page's own JS/CSS in `resources/map/`. `check_offline` proves
the result references nothing else. Live changes reach the page later as small JSON diffs.
"""

from __future__ import annotations

import json
import logging
import re
from concurrent.futures import Future
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import folium
import folium.plugins
import orjson
import xstatic.pkg.leaflet as xs_leaflet
import xstatic.pkg.leaflet_markercluster as xs_cluster

from console.gis.layer_load import LoadedLayer
from console.gis.layer_spec import LayerSpec
from console.gis.layer_worker import layer_later
from console.gis.street_cells import street_cells
from console.resources import resource

log = logging.getLogger(__name__)
SHANGHAI_CENTER = (31.2, 121.47)


@dataclass(frozen=True)
class MapOptions:
    tile_url: str | None = None  # an intranet tile server, e.g. http://tiles.local/{z}/{x}/{y}.png
    tile_attribution: str = ""
    zoom: int = 9
    layers: tuple[LayerSpec, ...] = ()  # the site's own GIS files ([[map.layers]]), over the shipped ones
    gis_cache: Path | None = None  # where their processed tiers are kept (None: beside the page, not kept)
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
        "feed_js": resource("map", "page_feed.js"),
        "areas_js": resource("map", "incident_areas.js"),
        # Leaflet's canvas and Leaflet.heat made cheaper at a zoom: loaded before the map is made (see each)
        "zoom_once_js": resource("map", "canvas_zoom_once.js"),
        "heat_scale_js": resource("map", "heat_half_scale.js"),
        "page_css": resource("map", "city_map.css"),
        "units_js": resource("map", "city_units.js"),
        "incidents_js": resource("map", "city_incidents.js"),
        "districts": resource("shanghai", "districts.geojson"),
        "regions": resource("shanghai", "regions.json"),
        "water": resource("shanghai", "water.geojson"),
        "gis_js": resource("map", "gis_layers.js"),
        "labels_js": resource("map", "label_placer.js"),
    }


@cache
def _street_cells(districts: Path, regions: Path, _stamp: tuple) -> str:
    """The schematic street cells as JSON, made once per process (and again if either input changes)."""
    cells = street_cells(json.loads(districts.read_text(encoding="utf-8")),
                         json.loads(regions.read_text(encoding="utf-8"))["regions"])
    return json.dumps(cells, ensure_ascii=False, separators=(",", ":"))


def start_site_layers(options: MapOptions, out_dir: Path) -> list[Future]:
    """Each site layer as a Future, in the configuration's order: done at once when the cache has it, else
    read in a child process (console/gis/layer_worker.py): a big file's first read never holds the caller."""
    cache_dir = options.gis_cache or out_dir / "gis-cache"
    return [layer_later(spec, cache_dir) for spec in options.layers]


def log_problems(layer: LoadedLayer) -> None:
    """Every problem of a layer in the log, each with its file and feature."""
    for p in layer.problems:
        log.warning("map layer %s: %s", layer.spec.name, p)


def site_streets(layer: LoadedLayer) -> bool:
    """A site's own street layer: coded street boundaries, which replace the schematic cells."""
    return bool(layer.spec.kind == "boundary" and layer.spec.level == "street" and layer.spec.code_field
                and layer.count)


def layer_json(layer: LoadedLayer, order: int) -> dict:
    """What gis_layers.js is handed for one site layer: its place in the configuration (later ones are drawn
    over earlier ones, whichever was read first), style and zoom band, its tier scripts by zoom."""
    x = layer
    return {"key": x.key, "order": order, "name": x.spec.name, "kind": x.spec.kind, "level": x.spec.level,
            "coded": bool(x.spec.code_field), "style": x.spec.style, "min": x.spec.min_zoom, "max": x.spec.max_zoom,
            "streets": site_streets(x),
            "tiers": {str(z): {"step": t["step"], "chunks": {c: _uri(f) for c, f in t["chunks"].items()}}
                      for z, t in x.tiers.items()}}


def _script_json(obj) -> str:
    """JSON to write inside an HTML <script>: a site's layer name holding "</script>" must not end it."""
    return json.dumps(obj, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _gis_boot(a: dict[str, Path], layers: dict[int, LoadedLayer], out_dir: Path) -> dict:
    """What gis_layers.js is handed: the base layers (water, street cells) as a script beside the page,
    the site's layers read so far as tier scripts to load by zoom (the others come later, addLayer)."""
    site = any(site_streets(x) for x in layers.values())
    stamp = tuple((p.stat().st_mtime_ns, p.stat().st_size) for p in (a["districts"], a["regions"]))
    cells = "null" if site else _street_cells(a["districts"], a["regions"], stamp)
    base = out_dir / "gis_base.js"
    base.write_text("window.cityopsGisBase = {water: " + a["water"].read_text(encoding="utf-8")
                    + ", cells: " + cells + "};\n", encoding="utf-8")
    return {"base": _uri(base), "schematic": not site,
            "layers": [layer_json(x, i) for i, x in sorted(layers.items()) if x.count]}


def build_page(out_dir: Path, options: MapOptions | None = None,
               layers: dict[int, LoadedLayer] | None = None) -> Path:
    """Write the map page into `out_dir` and return its path; `layers`: the site layers read so far
    (start_site_layers, by their place in options.layers), drawn from the start."""
    opt = options or MapOptions()
    a = asset_paths()
    missing = [k for k, p in a.items() if not p.exists()]
    if missing:
        raise FileNotFoundError(f"map assets missing: {missing}")
    # maxZoom on the map itself: folium only gives max_zoom to tile layers, and we may have none. minZoom 6:
    # a wall's map, zoomed for text read from metres away, has few CSS pixels (~450x140 when it sat below the
    # headline; some 430x470 beside it since), where the whole city may need a zoom under 7 (at 7 it was
    # clamped and cut top and bottom)
    m = folium.Map(location=SHANGHAI_CENTER, zoom_start=opt.zoom, tiles=None, prefer_canvas=True, maxZoom=18, minZoom=6,
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
    out_dir.mkdir(parents=True, exist_ok=True)
    gis = {"map": m.get_name(), **_gis_boot(a, layers or {}, out_dir)}
    m.get_root().header.add_child(folium.Element(f'<link rel="stylesheet" href="{_uri(a["page_css"])}"/>'))
    m.get_root().html.add_child(folium.Element(
        f'<script src="{_uri(a["zoom_once_js"])}"></script><script src="{_uri(a["heat_scale_js"])}"></script>'
        f'<script src="{_uri(a["areas_js"])}"></script>'
        # the console's calls arrive on a QWebChannel (page_feed.js); Qt serves its client script itself
        f'<script src="{QWEBCHANNEL_JS}"></script><script src="{_uri(a["feed_js"])}"></script>'
        f'<script src="{_uri(a["page_js"])}"></script>'
        f'<script src="{_uri(a["incidents_js"])}"></script>'
        f'<script src="{_uri(a["units_js"])}"></script>'
        f'<script src="{_uri(a["labels_js"])}"></script><script src="{_uri(a["gis_js"])}"></script>'
        f'<script src="{gis["base"]}"></script>'
        f"<script>window.addEventListener('load', function () {{ cityops.init({json.dumps(boot)}); "
        f"cityopsGis.init({_script_json(gis)}); }});</script>"
    ))
    out_dir.mkdir(parents=True, exist_ok=True)
    page = out_dir / "city_map.html"
    m.save(str(page))
    return page


# Qt WebChannel's client script, a resource inside Qt's own library (served by Qt WebEngine, never fetched)
QWEBCHANNEL_JS = "qrc:///qtwebchannel/qwebchannel.js"
_REF = re.compile(r"""<(?:script|link|img|iframe)\b[^>]*?\b(?:src|href)\s*=\s*["']([^"']+)["']""", re.I)
_URL_IN_CODE = re.compile(r"""["'(]((?:https?:)?//[^"')\s]+)""")


def check_offline(page: Path, allowed_prefixes: tuple[str, ...] = ()) -> list[str]:
    """Every reference in the page that is not a local file or Qt's own resource (empty when the page is
    air-gap safe)."""
    text = page.read_text(encoding="utf-8")
    refs = _REF.findall(text) + _URL_IN_CODE.findall(text)
    return [r for r in refs if not r.startswith(("file://", QWEBCHANNEL_JS)) and not r.startswith(allowed_prefixes)]


def js_literal(payload) -> str:
    """`payload` as JSON, which is also a safe JS literal (non-finite numbers become null). orjson: the map
    scenario's incident markers (62 KB a call, titles in Chinese) took the json module 2.7–3.3 ms of the
    GUI thread a call (ensure_ascii=False is its slow path), orjson 0.8–1.0 (tests/bench/probe_map_turn.py)."""
    text = orjson.dumps(payload, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY).decode()
    # JSON leaves U+2028/U+2029 raw; a JS engine before ES2019 ended the line there: said as escapes
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
