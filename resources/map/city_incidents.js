/* CityOps city map, incidents as canvas tiles (Leaflet's own GridLayer): 50,000 incidents cost what the
   screen shows, not what the city holds.

   Why not Leaflet.markercluster: its tree is rebuilt marker by marker (50,000 took ~50 s to add), a zoom
   re-lays out clusters and DOM icons (seconds at 50,000), and every recolour of the page went through
   them (docs/benchmarks.md, "The city map under load"). Here each incident is a point in a bucket of a
   fixed grid (zoom-12 tiles); a tile draws the points of the buckets under it. Below CLUSTER_BELOW the
   points of each 32-pixel cell of a tile are one disc (the count, the worst severity's colour); cells
   are tile-aligned, so a disc never straddles two tiles. A change redraws the tiles it touches, once a
   frame; a pan draws only the new tiles. Text reaches the page only through popupFor (textContent). */
(function () {
  "use strict";
  var BUCKET_Z = 12, REF_Z = 18, CELL = 32, CLUSTER_BELOW = 14, TILE = 256, MARGIN = 10;
  var SEV_RANK = { red: 4, orange: 3, yellow: 2, blue: 1 };

  function layer(map, opts) {
    /* opts: {colors: {sev: css}, popupFor: fn(inc) -> element, send: fn(obj)} */
    var points = {};  /* id -> {inc, x, y (pixels at REF_Z), b (bucket key)} */
    var buckets = new Map();  /* bx * 4096 + by at BUCKET_Z -> Map(id -> point): Maps iterate fast */
    var dirty = {}, dirtyAll = false, frame = null;
    var PER_ROW = TILE / CELL;
    map.createPane("cityopsIncidents").style.zIndex = 430;  /* over districts and streets, under units */

    function bucketOf(p) {
      var s = Math.pow(2, REF_Z - BUCKET_Z) * TILE;
      return Math.floor(p.x / s) * 4096 + Math.floor(p.y / s);
    }
    function scan(z, x0, y0, x1, y1, fn) {
      /* fn(point) for the points drawn within pixel rect [x0,x1)x[y0,y1) at zoom z */
      var k = Math.pow(2, REF_Z - z), s = Math.pow(2, REF_Z - BUCKET_Z) * TILE;
      var bx0 = Math.floor(x0 * k / s), bx1 = Math.floor((x1 * k - 1) / s);
      var by0 = Math.floor(y0 * k / s), by1 = Math.floor((y1 * k - 1) / s);
      var X0 = x0 * k, X1 = x1 * k, Y0 = y0 * k, Y1 = y1 * k;  /* compared at REF_Z: no division per point */
      for (var bx = bx0; bx <= bx1; bx++) {
        for (var by = by0; by <= by1; by++) {
          var b = buckets.get(bx * 4096 + by);
          if (!b) continue;
          for (var p of b.values()) {
            if (p.x >= X0 && p.x < X1 && p.y >= Y0 && p.y < Y1) fn(p);
          }
        }
      }
    }
    function inRect(z, x0, y0, x1, y1) {
      var out = [];
      scan(z, x0, y0, x1, y1, function (p) { out.push(p); });
      return out;
    }
    function cellsOf(z, x0, y0) {
      /* the tile's 32-px cells, by index (row-major): {count, worst, one (the point when alone), i} */
      var kc = Math.pow(2, REF_Z - z) * CELL, gx = x0 / CELL, gy = y0 / CELL, cells = new Array(PER_ROW * PER_ROW);
      scan(z, x0, y0, x0 + TILE, y0 + TILE, function (p) {
        var i = Math.floor(p.x / kc - gx) + PER_ROW * Math.floor(p.y / kc - gy);
        var c = cells[i];
        if (!c) c = cells[i] = { count: 0, rank: 0, worst: "blue", one: p, i: i };
        c.count += 1;
        var r = SEV_RANK[p.inc.sev];
        if (r > c.rank) { c.rank = r; c.worst = p.inc.sev; }
      });
      return cells;
    }
    function draw(canvas, coords) {
      var ctx = canvas.getContext("2d"), z = coords.z, k = Math.pow(2, REF_Z - z);
      var x0 = coords.x * TILE, y0 = coords.y * TILE;
      ctx.clearRect(0, 0, TILE, TILE);
      ctx.lineWidth = 1.5;
      ctx.strokeStyle = "#ffffff";
      if (z >= CLUSTER_BELOW) {
        /* each incident at its place, red last (on top); neighbours' points near the edge drawn too */
        var pts = inRect(z, x0 - MARGIN, y0 - MARGIN, x0 + TILE + MARGIN, y0 + TILE + MARGIN);
        pts.sort(function (a, b) { return SEV_RANK[a.inc.sev] - SEV_RANK[b.inc.sev]; });
        pts.forEach(function (p) {
          ctx.beginPath();
          ctx.arc(p.x / k - x0, p.y / k - y0, p.inc.sev === "red" ? 7 : 5.5, 0, 2 * Math.PI);
          ctx.fillStyle = opts.colors[p.inc.sev];
          ctx.fill();
          ctx.stroke();
        });
        return;
      }
      var cells = cellsOf(z, x0, y0);
      ctx.font = "bold 11px sans-serif";
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      cells.forEach(function (c) {
        var ci = c.i % PER_ROW, cj = Math.floor(c.i / PER_ROW), cx, cy, r;
        if (c.count === 1) {  /* alone: at its place, kept inside its cell */
          r = 4.5;
          cx = Math.min(Math.max(c.one.x / k - x0, ci * CELL + r + 1), (ci + 1) * CELL - r - 1);
          cy = Math.min(Math.max(c.one.y / k - y0, cj * CELL + r + 1), (cj + 1) * CELL - r - 1);
        } else {
          r = Math.min(CELL / 2 - 1, 7 + 2.2 * Math.log(c.count));
          cx = (ci + 0.5) * CELL;
          cy = (cj + 0.5) * CELL;
        }
        ctx.beginPath();
        ctx.arc(cx, cy, r, 0, 2 * Math.PI);
        ctx.fillStyle = opts.colors[c.worst];
        ctx.fill();
        ctx.stroke();
        if (c.count > 1) {
          ctx.fillStyle = c.worst === "yellow" ? "#1a1a1a" : "#ffffff";
          ctx.fillText(c.count > 999 ? Math.round(c.count / 1000) + "k" : String(c.count), cx, cy);
        }
      });
    }

    var Grid = L.GridLayer.extend({
      createTile: function (coords) {
        var c = document.createElement("canvas");
        c.width = c.height = TILE;
        draw(c, coords);
        return c;
      }
    });
    var grid = new Grid({ pane: "cityopsIncidents", className: "cityops-incidents", tileSize: TILE,
                          updateWhenZooming: false, keepBuffer: 1, noWrap: true });

    function redraw() {
      frame = null;
      /* the tiles on screen, as Leaflet's GridLayer keeps them (_tiles, _tileZoom: the integer zoom they are
         drawn at; a fractional map zoom scales them) */
      var z = grid._tileZoom, tiles = grid._tiles;
      Object.keys(tiles).forEach(function (key) {
        var t = tiles[key];
        if (t.coords.z !== z) return;
        if (dirtyAll || dirty[t.coords.x + "|" + t.coords.y + "|" + t.coords.z]) draw(t.el, t.coords);
      });
      dirty = {};
      dirtyAll = false;
    }
    function touch(p) {
      /* the tiles at the current zoom where p is drawn (its own and, near an edge, a neighbour) */
      var z = grid._tileZoom;
      if (z === undefined) return;
      var k = Math.pow(2, REF_Z - z), px = p.x / k, py = p.y / k;
      [-MARGIN, 0, MARGIN].forEach(function (dx) {
        [-MARGIN, 0, MARGIN].forEach(function (dy) {
          dirty[Math.floor((px + dx) / TILE) + "|" + Math.floor((py + dy) / TILE) + "|" + z] = true;
        });
      });
      if (!frame) frame = requestAnimationFrame(redraw);
    }
    function put(inc) {
      var old = points[inc.id];
      var q = map.project([inc.lat, inc.lon], REF_Z);
      var p = { inc: inc, x: q.x, y: q.y };
      p.b = bucketOf(p);
      if (old) { buckets.get(old.b).delete(inc.id); touch(old); }
      if (!buckets.has(p.b)) buckets.set(p.b, new Map());
      buckets.get(p.b).set(inc.id, p);
      points[inc.id] = p;
      touch(p);
    }
    function hit(e) {
      /* the incident (or cell of incidents) under a click, else null */
      var z = grid._tileZoom, pt = map.project(e.latlng, z), k = Math.pow(2, REF_Z - z);
      if (z >= CLUSTER_BELOW) {
        var best = null, bd = 8 * 8;
        inRect(z, pt.x - 8, pt.y - 8, pt.x + 8, pt.y + 8).forEach(function (p) {
          var d = Math.pow(p.x / k - pt.x, 2) + Math.pow(p.y / k - pt.y, 2);
          if (d <= bd && (!best || SEV_RANK[p.inc.sev] >= SEV_RANK[best.inc.sev])) { best = p; bd = d; }
        });
        return best ? { one: best } : null;
      }
      var x0 = Math.floor(pt.x / TILE) * TILE, y0 = Math.floor(pt.y / TILE) * TILE;
      var c = cellsOf(z, x0, y0)[Math.floor((pt.x - x0) / CELL) + PER_ROW * Math.floor((pt.y - y0) / CELL)];
      if (!c) return null;
      return c.count === 1 ? { one: c.one } : { cell: c, z: z };
    }
    var popup = null;
    function open(p) {
      popup = L.popup({ offset: [0, -4] }).setLatLng([p.inc.lat, p.inc.lon]).setContent(opts.popupFor(p.inc));
      popup.openOn(map);
    }
    /* before Leaflet's own handlers (capture): a click on an incident is the incident's, not the district's */
    map.getContainer().addEventListener("click", function (ev) {
      if (!map.hasLayer(grid) || ev.target.closest(".leaflet-control, .leaflet-popup, .leaflet-marker-icon")) return;
      var h = hit({ latlng: map.mouseEventToLatLng(ev) });
      if (!h) return;
      ev.stopPropagation();
      if (h.one) { opts.send({ select: h.one.inc.id }); open(h.one); }
      else map.setView(map.unproject(map.project(map.mouseEventToLatLng(ev), h.z), h.z), Math.min(h.z + 2, 18),
                       { animate: false });
    }, true);

    grid.cityops = {
      upsert: function (list) { list.forEach(put); return Object.keys(points).length; },
      remove: function (ids) {
        ids.forEach(function (id) {
          var p = points[id];
          if (p) { buckets.get(p.b).delete(id); delete points[id]; touch(p); }
        });
        return Object.keys(points).length;
      },
      select: function (id) {
        var p = points[id];
        if (!p) return false;
        map.setView([p.inc.lat, p.inc.lon], Math.max(map.getZoom(), CLUSTER_BELOW), { animate: false });
        open(p);
        return true;
      },
      count: function () { return Object.keys(points).length; },
      get: function (id) { return points[id] ? points[id].inc : null; },
      redrawAll: function () { dirtyAll = true; if (!frame) frame = requestAnimationFrame(redraw); }
    };
    return grid;
  }
  window.cityopsIncidentLayer = layer;
})();
