"""A site GIS layer read for the first time does not hold the window (console/gis/layer_worker.py): the
event loop keeps turning while a big GeoPackage, made here with pyogrio, is read, repaired, simplified
and cached in a child process; then the layer shows on the map, and its broken features are named."""

import json
import logging

import numpy as np
import pyogrio.raw
import pytest
import shapely
from PySide6.QtCore import QTimer

pytest.importorskip("PySide6.QtWebEngineWidgets")

from console.gis.layer_spec import LayerSpec
from console.model.clock import Clock
from console.simulator.sample_shift import simulate_shift
from console.ui.map_bridge import CityMapView
from console.views.map_page import MapOptions
from tests.ui.page_js import MAP_VAR
from tests.ui.page_js import js_value as js

SIDE = 90  # SIDE x SIDE grid cells of 48 vertices each: the read's length grows with the file's size
BOW_TIE = 17  # this cell is a self-intersecting bow tie (repaired and kept), the next one a line (skipped)


def grid_gpkg(path):
    """A 网格 layer downtown: round cells (many vertices, so simplifying them is work) named and coded."""
    geoms, names, codes = [], [], []
    for i in range(SIDE * SIDE):
        x, y = 121.40 + (i % SIDE) * 0.002, 31.15 + (i // SIDE) * 0.002
        if i == BOW_TIE:
            g = shapely.Polygon([(x, y), (x + 0.001, y + 0.001), (x + 0.001, y), (x, y + 0.001)])
        elif i == BOW_TIE + 1:
            g = shapely.LineString([(x, y), (x + 0.001, y + 0.001)])
        else:
            g = shapely.Point(x + 0.001, y + 0.001).buffer(0.0009, quad_segs=12)
        geoms.append(g)
        names.append(f"网格{i}")
        codes.append(f"G{i:05d}")
    pyogrio.raw.write(path, np.array(shapely.to_wkb(geoms), dtype=object),
                      [np.array(names, dtype=object), np.array(codes, dtype=object)], ["NAME", "CODE"],
                      driver="GPKG", geometry_type="Unknown", crs="EPSG:4326")
    return path


def test_the_window_keeps_turning_while_a_big_layer_is_read_then_it_shows(qtbot, tmp_path, caplog):
    state, _, end = simulate_shift(0.2, incident_rate_per_min=1)
    clock = Clock()
    clock.set_fixed(end)
    path = grid_gpkg(tmp_path / "grid.gpkg")
    spec = LayerSpec(file=path, kind="boundary", level="grid", name="网格", name_field="NAME", code_field="CODE")
    with caplog.at_level(logging.WARNING):
        view = CityMapView(state, clock, MapOptions(layers=(spec,), gis_cache=tmp_path / "cache"))
        qtbot.addWidget(view)
        assert view.layers_reading == 1  # the view is built and the file is still being read
        turns = []  # one entry per turn of the event loop: how many layers were still being read
        timer = QTimer(interval=10)
        timer.timeout.connect(lambda: turns.append(view.layers_reading))
        timer.start()
        view.resize(1280, 800)
        view.show()
        qtbot.waitUntil(lambda: view.layers_reading == 0, timeout=120_000)
        timer.stop()
    assert turns.count(1) >= 10  # the loop turned all along the read, not once it was over
    qtbot.waitUntil(lambda: view.is_ready, timeout=30_000)
    js(qtbot, view, f"{MAP_VAR}.setView([31.24,121.49],13,{{animate:false}}); 1")

    def drawn():
        return json.loads(js(qtbot, view, "JSON.stringify(cityopsGis.state().site)"))

    qtbot.waitUntil(lambda: len(drawn()) == 1 and drawn()[0]["n"] > 100, timeout=30_000)
    said = [r.getMessage() for r in caplog.records]
    # the file and the feature (its FID, GeoPackage's count from 1, and its code) named
    assert any(f"grid.gpkg: feature {BOW_TIE + 1} (code G{BOW_TIE:05d}): invalid geometry" in m
               and "(repaired, kept)" in m for m in said), said
    assert any(f"grid.gpkg: feature {BOW_TIE + 2} (code G{BOW_TIE + 1:05d}): is a LineString" in m
               for m in said), said
    switch = js(qtbot, view, "document.querySelector('.leaflet-control-layers-overlays').textContent")
    assert "网格" in switch  # the late layer has its place in the layer switch
