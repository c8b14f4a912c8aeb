"""Incidents on the map's canvas tiles (resources/map/city_incidents.js), in the real page offscreen: a
real click on an incident at street zoom selects it (not the district under it), a click on a cell of
many zooms in, the city zoom shows cells with their worst severity; a change redraws in place (the
tiles on screen stay the same elements); a removed incident is gone from its tile."""

import json

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

pytest.importorskip("PySide6.QtWebEngineWidgets")

from console.views.labels import SEVERITY_COLOR
from tests.frames_factory import event
from tests.ui.map_world import map_world, put
from tests.ui.page_js import MAP_VAR, js_value

SPOT = (31.1500, 121.6500)  # 浦东, away from every district's label


def click_at(qtbot, view, lat, lon):
    x, y = json.loads(js_value(qtbot, view, f"(function(){{var p={MAP_VAR}.latLngToContainerPoint([{lat},{lon}]);"
                                            f"return JSON.stringify([p.x,p.y]);}})()"))
    target, pos = view.focusProxy(), QPoint(round(x), round(y))
    QTest.mouseMove(target, pos)
    QTest.mousePress(target, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pos)
    QTest.mouseRelease(target, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pos)


def colours(qtbot, view, lat, lon, box=0) -> set[str]:
    """The colours the incidents' tiles hold at a place (or within `box` pixels of it), as #rrggbb; empty
    where they are transparent. A tile drawn at the integer zoom is scaled on screen at a fractional one."""
    found = js_value(qtbot, view, f"""(function(){{var m={MAP_VAR},p=m.latLngToContainerPoint([{lat},{lon}]),out={{}};
      var canv=Array.from(document.querySelectorAll('.cityops-incidents canvas'));
      for(var dx=-{box};dx<={box};dx+=2){{for(var dy=-{box};dy<={box};dy+=2){{var x=p.x+dx,y=p.y+dy;
        canv.forEach(function(c){{var r=c.getBoundingClientRect();
          if(x>=r.left&&x<r.right&&y>=r.top&&y<r.bottom){{var s=c.width/r.width,
            d=c.getContext('2d').getImageData(Math.floor((x-r.left)*s),Math.floor((y-r.top)*s),1,1).data;
            if(d[3]>200) out['#'+[d[0],d[1],d[2]].map(function(v){{return ('0'+v.toString(16)).slice(-2);}})
              .join('')]=1;}}}});}}}}
      return JSON.stringify(Object.keys(out));}})()""")
    return set(json.loads(found))


def pixel(qtbot, view, lat, lon) -> str:
    """The one colour at a place ('' where transparent)."""
    found = colours(qtbot, view, lat, lon)
    return found.pop() if found else ""


@pytest.fixture
def world(qtbot):
    return map_world(qtbot, size=(1200, 800))


def near(i, lat=SPOT[0], lon=SPOT[1]):
    return {"lat": lat + (i % 5) * 2e-4, "lon": lon + (i // 5) * 2e-4}


def disc_centre(qtbot, view) -> tuple[float, float]:
    """Where the cell of SPOT draws its disc: the centre of its 32-px cell at the tiles' zoom."""
    return tuple(json.loads(js_value(qtbot, view, f"""(function(){{var m={MAP_VAR},z=Math.round(m.getZoom()),
      p=m.project([{SPOT[0]},{SPOT[1]}],z),c=L.point((Math.floor(p.x/32)+0.5)*32,(Math.floor(p.y/32)+0.5)*32),
      ll=m.unproject(c,z); return JSON.stringify([ll.lat,ll.lng]);}})()""")))


def test_a_click_on_an_incident_selects_it_and_a_cell_of_many_zooms_in(qtbot, world):
    state, view = world
    # twenty incidents within ~100 m, one red among blue ones; one alone 2 km east
    put(state, view, *[event(f"N{i}", severity="red" if i == 7 else "blue", location=near(i)) for i in range(20)],
        event("ALONE", severity="orange", location={"lat": SPOT[0], "lon": SPOT[1] + 0.02}))
    qtbot.waitUntil(lambda: js_value(qtbot, view, "cityops.count()") == 21, timeout=10_000)
    # the city zoom: the twenty are one disc (its cell's, within 24 px) of the worst colour (red), no blue
    qtbot.waitUntil(lambda: SEVERITY_COLOR["red"] in colours(qtbot, view, *SPOT, box=24), timeout=10_000)
    assert SEVERITY_COLOR["blue"] not in colours(qtbot, view, *SPOT, box=24)
    z0 = js_value(qtbot, view, f"{MAP_VAR}.getZoom()")
    with qtbot.assertNotEmitted(view.areaClicked, wait=500):  # the click is the incidents', not the district's
        click_at(qtbot, view, *disc_centre(qtbot, view))
        qtbot.waitUntil(lambda: js_value(qtbot, view, f"{MAP_VAR}.getZoom()") > z0, timeout=5_000)
    # at street zoom each incident is where it is: a click on the lone one selects it
    view.select_incident("ALONE")
    qtbot.waitUntil(lambda: js_value(qtbot, view, f"{MAP_VAR}.getZoom()") >= 14, timeout=5_000)
    qtbot.waitUntil(lambda: pixel(qtbot, view, SPOT[0], SPOT[1] + 0.02) == SEVERITY_COLOR["orange"], timeout=10_000)
    with qtbot.waitSignal(view.incidentClicked, timeout=5_000) as sig:
        click_at(qtbot, view, SPOT[0], SPOT[1] + 0.02)
    assert sig.args == ["ALONE"]


def test_changes_redraw_the_same_tiles_and_a_removed_incident_is_gone(qtbot, world):
    state, view = world
    where = {"lat": SPOT[0], "lon": SPOT[1] + 0.02}
    put(state, view, event("A1", severity="yellow", location=where))
    view.select_incident("A1")
    qtbot.waitUntil(lambda: pixel(qtbot, view, where["lat"], where["lon"]) == SEVERITY_COLOR["yellow"], timeout=10_000)
    js_value(qtbot, view, "(function(){window.__tiles=Array.from(document.querySelectorAll("
                          "'.cityops-incidents canvas'));return window.__tiles.length;})()")
    put(state, view, event("A1", version=2, severity="red", location=where))  # worse: same place, new colour
    qtbot.waitUntil(lambda: pixel(qtbot, view, where["lat"], where["lon"]) == SEVERITY_COLOR["red"], timeout=10_000)
    same = js_value(qtbot, view, "(function(){var now=Array.from(document.querySelectorAll("
                                 "'.cityops-incidents canvas'));"
                                 "return now.length===window.__tiles.length && now.every(function(c,i){"
                                 "return c===window.__tiles[i];});})()")
    assert same is True  # redrawn in place: no tile added or replaced
    put(state, view, event("A1", version=3, state="closed", location=where))
    qtbot.waitUntil(lambda: js_value(qtbot, view, "cityops.count()") == 0, timeout=10_000)
    qtbot.waitUntil(lambda: pixel(qtbot, view, where["lat"], where["lon"]) == "", timeout=10_000)
