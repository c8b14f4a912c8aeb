"""District names against markers in the real page (offscreen Qt WebEngine, 1920x1080, the city's zoom):
a name moves off an incident's disc and a unit's badge when it has room (label boxes read from the DOM,
the disc's colour looked for in the rendered picture), and every name shown lies above every marker."""

import json

import pytest

pytest.importorskip("PySide6.QtWebEngineWidgets")

from PySide6.QtGui import QColor

from console.model.city_state import CityState
from console.model.clock import Clock
from console.ui.map_bridge import CityMapView
from tests.ui.page_js import MAP_VAR
from tests.ui.page_js import js_value as js
from tests.ui.screen_colour import colour_in

BLUE = QColor("#3e8cf7")  # a blue incident's disc (city_map.js SEV_COLOR): nothing else on this map is that blue
DISC_UNDER, BADGE_UNDER = "崇明区", "金山区"  # outer districts, with room around their names


def boxes(qtbot, view):
    return {b["text"]: b for b in json.loads(js(qtbot, view, "JSON.stringify(cityopsLabels.shown())"))}


def latlng_at(qtbot, view, box):
    """The map position under the middle of a label's box."""
    x, y = (box["left"] + box["right"]) / 2, (box["top"] + box["bottom"]) / 2
    return json.loads(js(qtbot, view, f"""(function () {{
        var m = {MAP_VAR}, r = m.getContainer().getBoundingClientRect();
        var ll = m.containerPointToLatLng(L.point({x} - r.left, {y} - r.top));
        return JSON.stringify([ll.lat, ll.lng]); }})()"""))


def blue_in(view, box) -> int:
    """Pixels of the disc's blue inside the box, in the picture the page rendered."""
    return colour_in(view, box, BLUE, 60)


def meets(a, b):
    return a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]


def test_names_keep_off_discs_and_badges_and_lie_above_every_marker(qtbot):
    clock = Clock()
    clock.set_fixed(1_790_000_000.0)
    view = CityMapView(CityState(), clock)
    qtbot.addWidget(view)
    view.resize(1920, 1080)
    view.show()
    qtbot.waitUntil(lambda: view.is_ready, timeout=30_000)
    js(qtbot, view, f"{MAP_VAR}.setView([31.23,121.47],9,{{animate:false}}); 1")
    before = boxes(qtbot, view)
    disc_at, badge_at = latlng_at(qtbot, view, before[DISC_UNDER]), latlng_at(qtbot, view, before[BADGE_UNDER])
    # one incident right under a name, one unit's badge right under another (the console's own calls)
    view.js("upsertIncidents", [{"id": "E1", "lat": disc_at[0], "lon": disc_at[1], "sev": "blue", "title": "t",
                                 "meta": ""}])
    view.js("upsertUnits", [{"id": "U1", "name": "u", "glyph": "警", "color": "#30a46c", "state": "available",
                             "label": "", "lat": badge_at[0], "lon": badge_at[1], "ts": 0, "full": True,
                             "trail": []}])
    qtbot.waitUntil(lambda: js(qtbot, view, "cityops.count()") == 1, timeout=5_000)
    # a zoom out and back: the names are placed again once the incidents' tiles are drawn
    js(qtbot, view, f"{MAP_VAR}.setZoom(10,{{animate:false}}); {MAP_VAR}.setZoom(9,{{animate:false}}); 1")

    def moved_off():
        b = boxes(qtbot, view).get(DISC_UNDER)
        return b is not None and not meets(b, before[DISC_UNDER]) and blue_in(view, b) == 0

    qtbot.waitUntil(moved_off, timeout=10_000)
    after = boxes(qtbot, view)
    # the disc is there, seen now that the name has left it (once the compositor's picture has caught up)
    qtbot.waitUntil(lambda: blue_in(view, before[DISC_UNDER]) > 0, timeout=5_000)
    badge = json.loads(js(qtbot, view, "JSON.stringify(cityops.unitBoxes()[0])"))
    assert meets(badge, before[BADGE_UNDER]) and not meets(badge, after[BADGE_UNDER])
    assert len(after) >= len(before)  # moved, not hidden
    # every name shown is the topmost thing at its middle: with every pane taking the pointer, what is hit
    # there is the name, not an incident tile, a badge or a district
    js(qtbot, view, """var s = document.createElement('style'); s.textContent =
        '.leaflet-pane, .leaflet-pane * { pointer-events: auto !important; }'; document.head.appendChild(s); 1""")
    covered = json.loads(js(qtbot, view, """JSON.stringify(cityopsLabels.shown().filter(function (b) {
        var e = document.elementFromPoint((b.left + b.right) / 2, (b.top + b.bottom) / 2);
        return !(e && e.closest('.cityops-label, .cityops-street-label'));
    }).map(function (b) { return b.text; }))"""))
    assert covered == []
