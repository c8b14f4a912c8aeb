/* CityOps map labels that never collide: the labels the page shows (district names, street names) are
   handed over with a priority and the places each may move to; in priority order, each label takes the
   first of its places where its box meets no label already placed (nor a map control), or is hidden.
   Boxes are read from the DOM in one pass (one layout), then moves are written in one pass: a label moves
   with the CSS `translate` property, which adds to the transform Leaflet positions it with, so Leaflet's
   own positioning is never fought. Run again at every zoom, resize, view or language change.
   Markers are obstacles too, but soft ones: a label takes the first place that meets no label, control
   or marker (a unit's badge, an incident's disc), else the first that meets no label or control, lying
   over the marker (the labels' pane is above the markers' and the names have a halo, city_map.css):
   a crowded downtown never loses a name to a disc. The discs are painted on canvas tiles: a tile that
   kept the boxes it stamped discs in is asked those; another tile's painted pixels are read, under the
   boxes tried only. */
(function () {
  "use strict";
  /* the places, as fractions of the label's own width/height plus pixels: the anchor's own place first */
  var AROUND_CENTRE = [[0, 0, 0, 0], [0, -1, 0, -2], [0, 1, 0, 2], [-0.6, 0, -4, 0], [0.6, 0, 4, 0],
                       [-0.5, -1, -2, -2], [0.5, -1, 2, -2], [-0.5, 1, -2, 2], [0.5, 1, 2, 2]];
  /* a label written to the right of its point: then left of it, above, below */
  var AROUND_POINT = [[0, 0, 0, 0], [-1, 0, -24, 0], [-0.5, -1, -12, -6], [-0.5, 1, -12, 6]];

  function meets(a, b) {
    return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  }
  function shifted(r, dx, dy) {
    return { left: r.left + dx, right: r.right + dx, top: r.top + dy, bottom: r.bottom + dy };
  }

  /* the markers under a box: unit badges (the boxes of those drawn, city_units.js) and incidents' discs
     (the boxes each tile keeps of the discs drawn on it, city_incidents.js; a canvas without them: any
     painted pixel, each tile read once per placing, and only when a box reaches it) */
  var DISC_TILES = ".leaflet-cityopsIncidents-pane canvas";
  function markers() {
    var badges = window.cityops && cityops.unitBoxes ? cityops.unitBoxes() : [];
    var tiles = Array.prototype.map.call(document.querySelectorAll(DISC_TILES), function (c) {
      return { c: c, r: c.getBoundingClientRect(), px: null };
    }).filter(function (t) { return t.r.width && t.r.height && t.c.width && t.c.height; });
    function painted(t, box) {
      var r = t.r, sx = t.c.width / r.width, sy = t.c.height / r.height;  /* a fractional zoom scales tiles */
      var discs = t.c._cityopsDiscs;  /* the boxes the tile's discs were stamped in (city_incidents.js) */
      if (discs) {
        var b = { left: (box.left - r.left) * sx, right: (box.right - r.left) * sx,
                  top: (box.top - r.top) * sy, bottom: (box.bottom - r.top) * sy };
        return discs.some(function (d) { return meets(b, { left: d[0], top: d[1], right: d[2], bottom: d[3] }); });
      }
      if (t.px === null) {
        try { t.px = t.c.getContext("2d").getImageData(0, 0, t.c.width, t.c.height).data; }
        catch (e) { t.px = false; }  /* unreadable: not counted as a disc */
      }
      if (!t.px) return false;
      var x0 = Math.max(0, Math.floor((box.left - r.left) * sx)), x1 = Math.min(t.c.width, Math.ceil((box.right - r.left) * sx));
      var y0 = Math.max(0, Math.floor((box.top - r.top) * sy)), y1 = Math.min(t.c.height, Math.ceil((box.bottom - r.top) * sy));
      for (var y = y0; y < y1; y += 2) {
        for (var x = x0; x < x1; x += 2) { if (t.px[(y * t.c.width + x) * 4 + 3] > 40) return true; }
      }
      return false;
    }
    return function under(box) {
      return badges.some(function (q) { return meets(box, q); }) ||
        tiles.some(function (t) { return meets(box, t.r) && painted(t, box); });
    };
  }

  /* items: [{el, prio, places}] (places: AROUND_CENTRE by default); returns how many were hidden */
  function place(items) {
    items.forEach(function (it) { it.el.style.translate = ""; it.el.style.visibility = ""; });
    var boxes = items.map(function (it) { return it.el.getBoundingClientRect(); });
    var order = items.map(function (_it, i) { return i; });
    order.sort(function (a, b) { return items[b].prio - items[a].prio || a - b; });
    /* the map's controls (legend, 示意 note, layer switch, zoom buttons) are there first: no name under them */
    var placed = Array.prototype.map.call(document.querySelectorAll(".leaflet-control"), function (e) {
      return e.getBoundingClientRect();
    }).filter(function (r) { return r.width && r.height; });
    var onMarker = markers();
    var moves = new Array(items.length), hidden = 0;
    order.forEach(function (i) {
      var r = boxes[i], w = r.right - r.left, h = r.bottom - r.top;
      if (!w || !h) { moves[i] = [0, 0]; return; }  /* not laid out (a hidden layer): nothing to avoid */
      var places = items[i].places || AROUND_CENTRE, fallback = null;
      for (var k = 0; k < places.length; k++) {
        var p = places[k], dx = p[0] * w + p[2], dy = p[1] * h + p[3], box = shifted(r, dx, dy);
        if (placed.some(function (q) { return meets(box, q); })) continue;
        if (onMarker(box)) { if (!fallback) fallback = [dx, dy, box]; continue; }
        placed.push(box);
        moves[i] = [dx, dy];
        return;
      }
      if (fallback) {  /* every free place lies over a marker: the first of them, above it */
        placed.push(fallback[2]);
        moves[i] = [fallback[0], fallback[1]];
        return;
      }
      moves[i] = null;
      hidden += 1;
    });
    items.forEach(function (it, i) {
      var m = moves[i];
      if (m === null) it.el.style.visibility = "hidden";
      else if (m[0] || m[1]) it.el.style.translate = Math.round(m[0]) + "px " + Math.round(m[1]) + "px";
    });
    return hidden;
  }

  /* every label box shown now, for tests: [{text, left, top, right, bottom}] */
  function shown() {
    var out = [];
    document.querySelectorAll(".cityops-label, .cityops-street-label, .cityops-site-label").forEach(function (e) {
      /* a name taken off is faded out by Leaflet: at opacity 0 for its last 200 ms in the page, not shown */
      if (e.style.visibility === "hidden" || !e.isConnected || e.style.opacity === "0") return;
      var r = e.getBoundingClientRect();
      if (r.width && r.height) out.push({ text: e.textContent, left: r.left, top: r.top, right: r.right, bottom: r.bottom });
    });
    return out;
  }

  window.cityopsLabels = { place: place, shown: shown, AROUND_CENTRE: AROUND_CENTRE, AROUND_POINT: AROUND_POINT };
})();
