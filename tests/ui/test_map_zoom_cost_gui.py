"""What makes a drill cheaper in the map's page keeps the picture right (the real page, offscreen):
- a jump to a new zoom projects each canvas path once (Leaflet alone: twice), and every canvas then holds
  the picture a full re-projection and redraw makes;
- the crowd heat, drawn at half resolution, spans the whole map and its heat sits where its points are."""

import json

import pytest

pytest.importorskip("PySide6.QtWebEngineWidgets")

from tests.ui.map_world import map_world
from tests.ui.page_js import MAP_VAR, js_value

# every canvas of a Leaflet renderer (the vector layers' panes), as a hash of its pixels
CANVAS_HASHES = f"""(function(){{var m={MAP_VAR}, out=[];
  m.eachLayer(function(l){{ if (!(l instanceof L.Canvas) || !l._container.width) return;
    var d=l._ctx.getImageData(0,0,l._container.width,l._container.height).data, h=0;
    for (var i=0;i<d.length;i+=7) h=(h*31+d[i]*(1+i%13))%1000000007;
    out.push(l.options.pane+':'+h); }});
  return JSON.stringify(out.sort());}})()"""


def test_a_jump_to_a_new_zoom_projects_each_canvas_path_once_and_draws_the_same_picture(qtbot):
    _, view = map_world(qtbot)
    before = js_value(qtbot, view, CANVAS_HASHES)
    projected = js_value(qtbot, view, f"""(function(){{var m={MAP_VAR}, n=0, paths=0;
      var poly=L.Polyline.prototype._project, dot=L.CircleMarker.prototype._project;
      L.Polyline.prototype._project=function(){{n++; return poly.apply(this, arguments);}};
      L.CircleMarker.prototype._project=function(){{n++; return dot.apply(this, arguments);}};
      /* a zoom under 11, where the city's view shows no street cells: no path joins the map in the jump
         (one that joins is projected as it joins, besides) */
      try {{ m.setView([31.20, 121.45], m.getZoom() === 10 ? 9.5 : 10, {{animate: false}}); }}
      finally {{ L.Polyline.prototype._project=poly; L.CircleMarker.prototype._project=dot; }}
      m.eachLayer(function(l){{ if (l instanceof L.Canvas) paths += Object.keys(l._layers).length; }});
      return JSON.stringify([n, paths]);}})()""")
    n, paths = map(int, projected.strip("[]").split(","))
    assert paths > 16  # the districts at least, and the land and water
    assert n == paths  # each once (Leaflet's own zoomend and viewreset: each twice)
    jumped = js_value(qtbot, view, CANVAS_HASHES)
    assert jumped != before  # the jump drew a new picture
    # the reference: every path projected again at this zoom and every canvas redrawn from scratch
    redrawn = js_value(qtbot, view, f"""(function(){{var m={MAP_VAR};
      m.eachLayer(function(l){{ if (l instanceof L.Canvas) {{
        for (var id in l._layers) l._layers[id]._project();
        l._update(); }} }});
      return 1;}})()""")
    assert redrawn == 1
    assert js_value(qtbot, view, CANVAS_HASHES) == jumped


HEAT = f"""(function(){{var m={MAP_VAR}, c=document.querySelector('canvas.leaflet-heatmap-layer');
  var r=c.getBoundingClientRect(), o=m.getContainer().getBoundingClientRect(), s=m.getSize();
  var p=m.latLngToContainerPoint([31.10, 121.70]), k=c.width/s.x;
  var a=function(x,y){{return c.getContext('2d').getImageData(Math.floor(x*k),Math.floor(y*k),1,1).data[3];}};
  return JSON.stringify({{w:c.width, h:c.height, mw:s.x, mh:s.y, cssw:Math.round(r.width), cssh:Math.round(r.height),
    left:Math.round(r.left-o.left), top:Math.round(r.top-o.top),
    at:a(p.x,p.y), far:a(s.x*0.1,s.y*0.1), px:p.x, py:p.y}});}})()"""


def test_the_heat_is_drawn_at_half_resolution_over_the_whole_map_where_its_points_are(qtbot):
    _, view = map_world(qtbot)
    # a crowd in the south-east of the city (right and low on the map), nothing in the north-west
    assert js_value(qtbot, view, "cityops.setHeat(" + json.dumps([[31.10, 121.70, 1.0]] * 20) + ")") == 20
    qtbot.wait(300)  # the heat redraws on the next animation frame
    h = json.loads(js_value(qtbot, view, HEAT))
    assert (h["w"], h["h"]) == (round(h["mw"] / 2), round(h["mh"] / 2))  # a quarter of the pixels
    assert (h["cssw"], h["cssh"], h["left"], h["top"]) == (h["mw"], h["mh"], 0, 0)  # over the whole map
    assert h["px"] > h["mw"] / 2 and h["py"] > h["mh"] / 2  # the place is in the map's lower right quarter
    assert h["at"] > 0  # heat where the crowd is
    assert h["far"] == 0  # and none far from it
