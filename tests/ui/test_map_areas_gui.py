"""A warning's area on the real map page: the polygon and circle a CAP alert carries are drawn with its
incident in its colour, follow it when it changes, leave when it closes; its description stays text."""

import json
from pathlib import Path

import pytest

pytest.importorskip("PySide6.QtWebEngineWidgets")

from console.feed.decoder import Decoder
from console.model.city_state import CityState
from console.model.clock import Clock
from console.ui.map_bridge import CityMapView
from tests.frames_factory import catalog, dumps, event
from tests.ui.page_js import js_value

OUT = Path(__file__).resolve().parents[2] / "out"
HOSTILE = '<img src=x onerror="document.title=\'pwned\'">暴雨红色预警区'
RING = [[31.10, 121.30], [31.10, 121.60], [31.35, 121.60], [31.35, 121.30], [31.10, 121.30]]
AREA = {"desc": HOSTILE, "polygons": [RING], "circles": [{"lat": 31.0, "lon": 121.9, "radius_km": 10.0}]}


def test_a_warnings_area_is_drawn_with_its_incident_and_leaves_with_it(qtbot):
    dec, state, clock = Decoder(), CityState(), Clock()
    clock.set_fixed(1_700_000_100.0)

    def feed(ev, seq):
        state.apply("city", dec.decode(dumps({"type": "event", "seq": seq, "event": ev})).frame)
        view.apply_changes(state.take_changes())

    state.apply("city", dec.decode(catalog()).frame)
    view = CityMapView(state, clock)
    qtbot.addWidget(view)
    view.resize(1000, 700)
    view.show()
    with qtbot.waitSignal(view.ready, timeout=30_000):
        pass
    feed(event("CAP-1", severity="orange", source="upper_level", area=AREA, location={"lat": 31.2, "lon": 121.45}), 1)
    feed(event("E-2"), 2)  # an ordinary incident: no area
    qtbot.waitUntil(lambda: js_value(qtbot, view, "cityopsAreas.count()") == 1, timeout=10_000)
    drawn = json.loads(js_value(qtbot, view, "JSON.stringify(cityopsAreas.describe('CAP-1'))"))
    assert drawn["parts"] == 2 and set(drawn["colors"]) == {"#f76b15"}  # the polygon and the circle, orange
    # the polygon's box joined with the circle's (10 km around 31.0 N 121.9 E: about ±0.09° lat, ±0.105° lon)
    assert drawn["south"] == pytest.approx(31.0 - 10 / 111.2, abs=0.005)
    assert drawn["north"] == pytest.approx(31.35, abs=1e-9) and drawn["west"] == pytest.approx(121.30, abs=1e-9)
    assert drawn["east"] == pytest.approx(121.9 + 10 / (111.32 * 0.857), abs=0.005)
    assert drawn["desc"] == HOSTILE and js_value(qtbot, view, "document.title") == "cityops-ready"
    qtbot.wait(500)
    OUT.mkdir(exist_ok=True)
    assert view.grab().save(str(OUT / "map-warning-area.png"))  # looked at: the dashed area under its marker
    # an update re-colours it in place; closing the incident takes the area away
    feed(event("CAP-1", 2, severity="red", source="upper_level", area=AREA, location={"lat": 31.2, "lon": 121.45}), 3)
    qtbot.waitUntil(lambda: json.loads(js_value(qtbot, view, "JSON.stringify(cityopsAreas.describe('CAP-1'))"))
                    ["colors"] == ["#e5484d", "#e5484d"], timeout=10_000)
    assert js_value(qtbot, view, "cityopsAreas.count()") == 1
    feed(event("CAP-1", 3, "closed", severity="red", source="upper_level", area=AREA,
               location={"lat": 31.2, "lon": 121.45}), 4)
    qtbot.waitUntil(lambda: js_value(qtbot, view, "cityopsAreas.count()") == 0, timeout=10_000)
