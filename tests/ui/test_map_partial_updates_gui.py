"""What the map sends and redraws in part, for speed (tests/bench/bench_map.py), in the real page offscreen:
many incidents reach the page in pieces of INCIDENT_CHUNK and all arrive, each in its newest version; a
site's coded street layer is recoloured feature by feature when its streets' statuses change; a unit's
tooltip, made again only when its text changes, follows the unit's state."""

import json

import pytest

pytest.importorskip("PySide6.QtWebEngineWidgets")

from console.feed.frames import Unit, UnitFrame
from console.feed.protocol import Severity, UnitKind, UnitState
from console.gis.layer_spec import LayerSpec
from console.ui.map_bridge import INCIDENT_CHUNK
from console.views.labels import SEVERITY_ZH, UNIT_STATE_ZH
from console.views.map_page import MapOptions
from tests.frames_factory import event
from tests.ui.map_world import map_world, put
from tests.ui.page_js import MAP_VAR, js_value


def spot(i):
    return {"lat": 30.8 + (i % 50) * 0.015, "lon": 121.1 + (i // 50) * 0.015}


def test_many_incidents_arrive_in_pieces_each_in_its_newest_version(qtbot):
    state, view = map_world(qtbot)
    js_value(qtbot, view, "(function(){window.__sizes=[];var f=cityops.upsertIncidents;"
                          "cityops.upsertIncidents=function(l){__sizes.push(l.length);return f(l);};return 1;})()")
    n = 2 * INCIDENT_CHUNK + 500
    put(state, view, *[event(f"M{i}", severity="blue", location=spot(i)) for i in range(n)])
    # before the pieces are all with the page: one incident changes, most close
    put(state, view, event("M7", version=2, severity="red", location=spot(7)),
        *[event(f"M{i}", version=2, state="closed", location=spot(i)) for i in range(100, n)])
    qtbot.waitUntil(lambda: js_value(qtbot, view, "cityops.count()") == 100, timeout=30_000)
    sizes = json.loads(js_value(qtbot, view, "JSON.stringify(__sizes)"))
    assert len(sizes) >= 3 and max(sizes) <= INCIDENT_CHUNK  # in pieces, none larger than a piece
    assert js_value(qtbot, view, "cityops.popupText('M150') === null") is True  # closed: gone
    assert SEVERITY_ZH[Severity.RED] in js_value(qtbot, view, "cityops.popupText('M7').text")  # its newest
    qtbot.wait(300)
    assert js_value(qtbot, view, "cityops.count()") == 100  # and nothing older came after it


def fill_at(qtbot, view, lat, lon) -> str:
    """The colour the site layer's canvas holds at a place, as #rrggbb."""
    return js_value(qtbot, view, f"""(function(){{var m={MAP_VAR},p=m.latLngToContainerPoint([{lat},{lon}]);
      var c=document.querySelector('.leaflet-cityopsSite-pane canvas'),r=c.getBoundingClientRect();
      var o=m.getContainer().getBoundingClientRect();
      var d=c.getContext('2d').getImageData(Math.floor(p.x+o.left-r.left),Math.floor(p.y+o.top-r.top),1,1).data;
      return '#'+[d[0],d[1],d[2]].map(function(v){{return ('0'+v.toString(16)).slice(-2);}}).join('');}})()""")


def square(lon, lat, d=0.004):
    return [[[lon - d, lat - d], [lon + d, lat - d], [lon + d, lat + d], [lon - d, lat + d], [lon - d, lat - d]]]


def test_a_sites_street_layer_is_recoloured_street_by_street(qtbot, tmp_path):
    path = tmp_path / "streets.geojson"
    # codes outside the catalog: the console sends every catalog street's status (no data included)
    feats = [{"type": "Feature", "properties": {"MC": name, "BM": code},
              "geometry": {"type": "Polygon", "coordinates": square(lon, 31.23)}}
             for name, code, lon in (("甲", "X-901", 121.47), ("乙", "X-902", 121.49))]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}), encoding="utf-8")
    spec = LayerSpec(file=path, kind="boundary", level="street", name="街镇", name_field="MC", code_field="BM",
                     style={"fill_color": "#204060", "fill_opacity": 1.0})
    _, view = map_world(qtbot, MapOptions(layers=(spec,), gis_cache=tmp_path / "cache"))
    js_value(qtbot, view, f"{MAP_VAR}.setView([31.23,121.48],14,{{animate:false}}); 1")
    # the layer is read off the GUI thread and joins the page when ready (console/gis/layer_worker.py)
    qtbot.waitUntil(lambda: [s["n"] for s in json.loads(js_value(qtbot, view, "JSON.stringify(cityopsGis.state())"))
                             ["site"]] == [2], timeout=30_000)
    qtbot.waitUntil(lambda: fill_at(qtbot, view, 31.23, 121.47) == "#204060", timeout=5_000)
    view.gis_js("setCellStatus", {"X-901": "alarm"})
    qtbot.waitUntil(lambda: fill_at(qtbot, view, 31.23, 121.47) == "#7d1f24", timeout=5_000)
    assert fill_at(qtbot, view, 31.23, 121.49) == "#204060"  # the other street keeps its colour
    view.gis_js("setCellStatus", {"X-902": "warn"})
    qtbot.waitUntil(lambda: fill_at(qtbot, view, 31.23, 121.49) == "#7a5f14", timeout=5_000)
    assert fill_at(qtbot, view, 31.23, 121.47) == "#7d1f24"


def test_a_units_tooltip_follows_its_state(qtbot):
    state, view = map_world(qtbot)

    def report(ts, st):
        state.apply("city", UnitFrame((Unit("T1", "救护 7号车", UnitKind.MEDICAL, 31.2, 121.4, st, ts, "SH-1"),)))
        view.apply_changes(state.take_changes())

    def tip() -> str:
        view.select_unit("T1")
        return js_value(qtbot, view, "document.querySelector('.leaflet-tooltip-pane').textContent")

    report(1000.0, UnitState.EN_ROUTE)
    qtbot.waitUntil(lambda: UNIT_STATE_ZH[UnitState.EN_ROUTE] in tip(), timeout=10_000)
    report(1010.0, UnitState.EN_ROUTE)  # moved, same text: the tooltip is kept
    report(1020.0, UnitState.ON_SCENE)
    qtbot.waitUntil(lambda: UNIT_STATE_ZH[UnitState.ON_SCENE] in tip(), timeout=10_000)
    assert "救护 7号车" in tip()
