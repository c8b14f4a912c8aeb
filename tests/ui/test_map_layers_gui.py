"""The map's geography in the real page (offscreen Qt WebEngine): labels that never collide at any zoom,
water and coast drawn, street cells coloured by their streets' statuses, a site layer loaded from its
file with a hostile feature name shown literally."""

import json
import logging

import pytest

pytest.importorskip("PySide6.QtWebEngineWidgets")

from console.gis.layer_spec import LayerSpec
from console.model.clock import Clock
from console.simulator.sample_shift import simulate_shift
from console.ui.map_bridge import CityMapView
from console.views.map_page import MapOptions
from tests.ui.page_js import MAP_VAR
from tests.ui.page_js import js_value as js

XUHUI = "310104"
HOSTILE = '<img src=x onerror="document.title=\'pwned\'"><script>document.title="pwned"</script>&amp;'


@pytest.fixture(scope="module")
def shift():
    return simulate_shift(1.0, incident_rate_per_min=3, auto_handle=0.3)


def make_view(qtbot, shift, options=None, size=(1920, 1080)):
    state, _, end = shift
    clock = Clock()
    clock.set_fixed(end)
    view = CityMapView(state, clock, options)
    qtbot.addWidget(view)
    view.resize(*size)
    view.show()
    qtbot.waitUntil(lambda: view.is_ready, timeout=30_000)
    return view


def overlaps(boxes):
    return [(a["text"], b["text"]) for i, a in enumerate(boxes) for b in boxes[i + 1:]
            if a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]]


def labels_at(qtbot, view, zoom, lat=31.23, lon=121.47):
    """The label boxes shown once the map sits at `zoom` over (lat, lon), as the page's DOM has them."""
    js(qtbot, view, f"{MAP_VAR}.setView([{lat},{lon}],{zoom},{{animate:false}}); 1")
    return json.loads(js(qtbot, view, "JSON.stringify(cityopsLabels.shown())"))


def test_labels_never_intersect_at_zooms_9_to_14_city_and_district(qtbot, shift):
    view = make_view(qtbot, shift)
    seen = set()
    for zoom in range(9, 15):
        boxes = labels_at(qtbot, view, zoom)
        assert overlaps(boxes) == [], zoom
        assert boxes, zoom
        seen |= {b["text"] for b in boxes}
    assert {"黄浦区", "静安区", "徐汇区", "浦东新区"} <= seen  # hidden at the city's zoom, named closer in
    at_city = labels_at(qtbot, view, 9)
    assert len(at_city) >= 10  # the knot is untied, not emptied
    view.set_view(XUHUI)  # a district: its streets' names join the districts'
    qtbot.waitUntil(lambda: json.loads(js(qtbot, view, "JSON.stringify(cityops.viewState())"))["district"] == XUHUI,
                    timeout=5_000)
    for zoom in range(9, 15):
        boxes = labels_at(qtbot, view, zoom, 31.17, 121.44)
        assert overlaps(boxes) == [], zoom
    assert any(b["text"].endswith("街道") for b in labels_at(qtbot, view, 13, 31.17, 121.44))


def test_water_coast_and_street_cells_are_drawn_and_coloured(qtbot, shift):
    state = shift[0]
    view = make_view(qtbot, shift)
    g = json.loads(js(qtbot, view, "JSON.stringify(cityopsGis.state())"))
    assert g["water"] >= 3 and g["land"] >= 1 and g["cells"] == {}  # the city: no street cells yet
    view.set_view(XUHUI)
    roll = state.region_status()
    xuhui = {c for c, r in state.regions.items() if r.level == "street" and r.parent == XUHUI}

    def cells():
        return json.loads(js(qtbot, view, "JSON.stringify(cityopsGis.state())"))["cells"]

    qtbot.waitUntil(lambda: set(cells()) == xuhui, timeout=5_000)
    fill = {"normal": "#1f4d3a", "warn": "#7a5f14", "alarm": "#7d1f24", "nodata": "#1d2633"}
    got = cells()
    for code in xuhui:
        assert got[code] == fill[roll.get(code).value if roll.get(code) else "nodata"], code
    view.set_view("310000")
    qtbot.waitUntil(lambda: cells() == {}, timeout=5_000)  # the city at its own zoom: districts only
    js(qtbot, view, f"{MAP_VAR}.setView([31.23,121.47],11,{{animate:false}}); 1")
    assert len(cells()) == 215  # the city zoomed in by hand: every district's streets


@pytest.mark.filterwarnings("ignore:.crs. was not provided")
def test_a_site_layer_loads_and_a_hostile_name_shows_literally(qtbot, shift, tmp_path, caplog):
    path = tmp_path / "pumps.geojson"
    feats = [{"type": "Feature", "properties": {"MC": HOSTILE, "BM": "P1"},
              "geometry": {"type": "Point", "coordinates": [121.47, 31.23]}},
             {"type": "Feature", "properties": {"MC": "坏点", "BM": "P2"}, "geometry": None}]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}), encoding="utf-8")
    spec = LayerSpec(file=path, kind="points", name="泵站" + HOSTILE, name_field="MC", code_field="BM")
    with caplog.at_level(logging.WARNING):
        view = make_view(qtbot, shift, MapOptions(layers=(spec,), gis_cache=tmp_path / "cache"))
        qtbot.waitUntil(lambda: view.layers_reading == 0, timeout=60_000)  # read in a child process
    assert any("pumps.geojson: feature 1 (code P2): no geometry" in r.getMessage() for r in caplog.records)
    js(qtbot, view, f"{MAP_VAR}.setView([31.23,121.47],14,{{animate:false}}); 1")
    qtbot.waitUntil(lambda: bool(json.loads(js(qtbot, view, "JSON.stringify(cityopsGis.state())"))["site"]),
                    timeout=5_000)
    key = json.loads(js(qtbot, view, "JSON.stringify(cityopsGis.state())"))["site"][0]["key"]
    qtbot.waitUntil(lambda: json.loads(js(qtbot, view, "JSON.stringify(cityopsGis.state())"))["site"][0]["n"] == 1,
                    timeout=5_000)
    tip = json.loads(js(qtbot, view, f"JSON.stringify(cityopsGis.openTip({json.dumps(key)}, '0'))"))
    assert tip["text"] == HOSTILE and tip["imgs"] == 0 and tip["scripts"] == 0
    switch = json.loads(js(qtbot, view, """JSON.stringify({text: document.querySelector(
        '.leaflet-control-layers-overlays').textContent, imgs: document.querySelectorAll(
        '.leaflet-control-layers img, .leaflet-control-layers script').length})"""))
    assert "泵站" + HOSTILE in switch["text"] and switch["imgs"] == 0  # the layer's own name, in the switch
    assert js(qtbot, view, "document.title") != "pwned"


def test_a_district_named_after_the_page_is_ready_gets_its_streets(qtbot, shift):
    """A district console whose feed's catalog arrives after the map page is up (the usual order on a
    slow start): the streets' points and cells come with the catalog, not only at the next drill."""
    from types import SimpleNamespace

    from console.model.city_state import CityState

    full, _, end = shift
    empty = CityState()
    clock = Clock()
    clock.set_fixed(end)
    view = CityMapView(empty, clock)
    qtbot.addWidget(view)
    view.resize(1280, 800)
    view.show()
    view.set_view("310115")
    qtbot.waitUntil(lambda: view.is_ready, timeout=30_000)
    empty.apply_catalog(SimpleNamespace(regions=list(full.regions.values()), indicators=[]))
    view.apply_changes(empty.take_changes())
    pudong = {c for c, r in full.regions.items() if r.level == "street" and r.parent == "310115"}

    def drawn():
        return set(json.loads(js(qtbot, view, "JSON.stringify(cityops.viewState())"))["streets"])

    qtbot.waitUntil(lambda: drawn() == pudong, timeout=5_000)
