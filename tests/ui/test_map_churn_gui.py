"""The map page over a long shift (issue 17's soak): what a view change draws again is drawn into what the
page already has. The incidents' tile canvases are taken back from a pool, not made anew at every view
(the wall's carousel changes view every 20 s), and names are placed off the discs without reading the
tiles' pixels back. Real page, offscreen Qt WebEngine."""

import json

import pytest

pytest.importorskip("PySide6.QtWebEngineWidgets")

from tests.frames_factory import event
from tests.ui.map_world import map_world, put
from tests.ui.page_js import js_value

# a drawn view: the incident tiles of the map's zoom are on the page and none is still to be drawn
TILES_SEEN = """(function () {
  window.__tiles = window.__tiles || new Set();
  document.querySelectorAll('.cityops-incidents canvas').forEach(function (c) { window.__tiles.add(c); });
  return window.__tiles.size; })()"""
VIEWS = ["310115", "310101", "310000", "310120", "310000"]  # 浦东, 黄浦, the city, 奉贤, the city


@pytest.fixture
def world(qtbot):
    state, view = map_world(qtbot, size=(1280, 800))
    put(state, view, *[event(f"E{i}", severity="red" if i % 3 == 0 else "blue",
                             location={"lat": 30.9 + 0.02 * (i % 20), "lon": 121.2 + 0.03 * (i // 20)})
                       for i in range(200)])
    qtbot.waitUntil(lambda: js_value(qtbot, view, "cityops.count()") == 200, timeout=10_000)
    return state, view


def tour(qtbot, view) -> int:
    """The carousel's round: each view framed and its tiles drawn; the tile canvases seen so far."""
    for code in VIEWS:
        view.set_view(code)
        qtbot.wait(300)
        js_value(qtbot, view, TILES_SEEN)
    return js_value(qtbot, view, TILES_SEEN)


def test_view_changes_draw_into_the_tile_canvases_the_page_has(qtbot, world):
    _state, view = world
    first = tour(qtbot, view)
    assert first > 0
    for _ in range(4):
        last = tour(qtbot, view)
    # four more rounds of the same views: not one canvas more than the first round needed
    assert last == first


def test_names_are_placed_off_the_discs_without_reading_tiles_back(qtbot, world):
    _state, view = world
    reads = js_value(qtbot, view, """(function () {
      var n = 0, get = CanvasRenderingContext2D.prototype.getImageData;
      CanvasRenderingContext2D.prototype.getImageData = function () { n += 1; return get.apply(this, arguments); };
      try { cityops.declutter(); } finally { CanvasRenderingContext2D.prototype.getImageData = get; }
      return JSON.stringify({reads: n, tiles: document.querySelectorAll('.cityops-incidents canvas').length,
                             labels: cityopsLabels.shown().length}); })()""")
    got = json.loads(reads)
    assert got["tiles"] > 0 and got["labels"] > 0  # names were placed over drawn tiles
    assert got["reads"] == 0


def test_disc_sprites_stay_within_their_bound_as_counts_vary(qtbot):
    """Each (colour, count) shown is a small canvas (~30 KB of the renderer's memory each, measured): over a
    shift the counts wander and new ones keep coming. The cache keeps at most its bound of canvases and
    draws a new sprite into the least recently used one, never making more."""
    state, view = map_world(qtbot, size=(1280, 800))
    limit = 8
    assert js_value(qtbot, view, f"cityopsIncidentsApi.spriteLimit({limit})") == limit
    # 4 severities x counts 1..6, each group ~2 km from the next: 24 different discs at the city's zoom
    events, n = [], 0
    for si, sev in enumerate(("red", "orange", "yellow", "blue")):
        for count in range(1, 7):
            for k in range(count):
                n += 1
                events.append(event(f"S{n}", severity=sev, location={"lat": 30.95 + 0.06 * count + 1e-4 * k,
                                                                      "lon": 121.25 + 0.08 * si}))
    put(state, view, *events)
    qtbot.waitUntil(lambda: js_value(qtbot, view, "cityops.count()") == n, timeout=10_000)
    for _ in range(3):  # the city, a district, the city: the discs drawn again at other zooms
        for code in ("310000", "310115", "310000"):
            view.set_view(code)
            qtbot.wait(300)
    got = json.loads(js_value(qtbot, view, "JSON.stringify(cityopsIncidentsApi.canvases())"))
    assert got["sprites"] <= limit
    assert got["spritesMade"] <= limit
