/* CityOps map labels that never collide: the labels the page shows (district names, street names) are
   handed over with a priority and the places each may move to; in priority order, each label takes the
   first of its places where its box meets no label already placed (nor a map control), or is hidden.
   Boxes are read from the DOM in one pass (one layout), then moves are written in one pass: a label moves
   with the CSS `translate` property, which adds to the transform Leaflet positions it with, so Leaflet's
   own positioning is never fought. Run again at every zoom, resize, view or language change. */
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
    var moves = new Array(items.length), hidden = 0;
    order.forEach(function (i) {
      var r = boxes[i], w = r.right - r.left, h = r.bottom - r.top;
      if (!w || !h) { moves[i] = [0, 0]; return; }  /* not laid out (a hidden layer): nothing to avoid */
      var places = items[i].places || AROUND_CENTRE;
      for (var k = 0; k < places.length; k++) {
        var p = places[k], dx = p[0] * w + p[2], dy = p[1] * h + p[3], box = shifted(r, dx, dy);
        if (!placed.some(function (q) { return meets(box, q); })) {
          placed.push(box);
          moves[i] = [dx, dy];
          return;
        }
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
      if (e.style.visibility === "hidden" || !e.isConnected) return;
      var r = e.getBoundingClientRect();
      if (r.width && r.height) out.push({ text: e.textContent, left: r.left, top: r.top, right: r.right, bottom: r.bottom });
    });
    return out;
  }

  window.cityopsLabels = { place: place, shown: shown, AROUND_CENTRE: AROUND_CENTRE, AROUND_POINT: AROUND_POINT };
})();
