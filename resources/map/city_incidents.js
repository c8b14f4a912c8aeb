/* CityOps city map, incidents as canvas tiles (Leaflet's own GridLayer): 50,000 incidents cost what the
   screen shows, not what the city holds.

   Why not Leaflet.markercluster: its tree is rebuilt marker by marker (50,000 took ~50 s to add), a zoom
   re-lays out clusters and DOM icons (seconds at 50,000), and every recolour of the page went through
   them (docs/benchmarks.md, "The city map under load"). Here each incident is a point in a bucket of a
   fixed grid (zoom-12 tiles); a tile draws the points of the buckets under it. Below CLUSTER_BELOW the
   points of each 32-pixel cell of a tile are one disc (the count, the worst severity's colour); cells
   are tile-aligned, so a disc never straddles two tiles. A change redraws the tiles it touches, once a
   frame, and no more than a frame's budget of them (the rest in the next frames); a big batch (a page's
   first 50,000) marks every tile at once instead of tile by tile. A pan draws only the new tiles. Text
   reaches the page only through popupFor (textContent). */
(function () {
  "use strict";
  var BUCKET_Z = 12, REF_Z = 18, CELL = 32, CLUSTER_BELOW = 14, TILE = 256, MARGIN = 10;
  var SEV_RANK = { red: 4, orange: 3, yellow: 2, blue: 1 };
  var BULK = 256;  /* a batch larger than this redraws every tile on screen rather than tracking each point */
  var BUDGET_MS = 8;  /* tile redraws per frame stop after this much (at least one is drawn) */

  function layer(map, opts) {
    /* opts: {colors: {sev: css}, popupFor: fn(inc) -> element, send: fn(obj)} */
    var points = {}, count = 0;  /* id -> {inc, x, y (pixels at REF_Z), b (bucket key)} */
    var buckets = new Map();  /* bx * 4096 + by at BUCKET_Z -> Map(id -> point): Maps iterate fast */
    var dirty = {}, dirtyAll = false, frame = null, drawn = 0;  /* drawn: tiles drawn so far (names placed since?) */
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
    /* a disc (and its count) is drawn once into a small canvas and copied onto tiles from then on: a copy
       costs far less than a path, its antialiasing and a text's layout, and a zoom draws ~50 tiles.
       Counts wander without end over a shift and each canvas costs the renderer ~30 KB (measured), so the
       cache holds at most SPRITES_MAX, most recently used last; a new disc is drawn into the canvas of the
       least recently used one, never into a new canvas (the old cache, cleared only at 2,048, held 163 after
       21 minutes of a wall soak at 30x feed speed, still rising: up to ~60 MB) */
    var sprites = new Map(), SPRITES_MAX = 256, spritesMade = 0;
    function sprite(sev, r, text) {
      var key = sev + "|" + r + "|" + text, s = sprites.get(key), c, g;
      if (s) { sprites.delete(key); sprites.set(key, s); return s; }
      var size = Math.ceil(2 * r + 3);
      if (sprites.size >= SPRITES_MAX) {
        var oldest = sprites.keys().next().value;
        c = sprites.get(oldest).c;
        sprites.delete(oldest);
      } else {
        c = document.createElement("canvas");
        spritesMade += 1;
      }
      c.width = c.height = size;  /* also clears it and its drawing state */
      g = c.getContext("2d");
      g.lineWidth = 1.5;
      g.strokeStyle = "#ffffff";
      g.beginPath();
      g.arc(size / 2, size / 2, r, 0, 2 * Math.PI);
      g.fillStyle = opts.colors[sev];
      g.fill();
      g.stroke();
      if (text) {
        g.font = "bold 11px sans-serif";
        g.textAlign = "center";
        g.textBaseline = "middle";
        g.fillStyle = sev === "yellow" ? "#1a1a1a" : "#ffffff";
        g.fillText(text, size / 2, size / 2);
      }
      s = { c: c, h: size / 2 };
      sprites.set(key, s);
      return s;
    }
    /* each disc drawn is also kept as its box on its tile's canvas (tile pixels: x, y, x + size, y + size):
       the label placer asks these boxes whether a name lies on a disc instead of reading the tile's pixels
       back (a 256 KB copy per tile per placing, several times a second on a wall; getImageData was 7% of the
       page's busy time at a drill) */
    function stamp(ctx, s, cx, cy) {
      var x = Math.round(cx - s.h), y = Math.round(cy - s.h);
      ctx.drawImage(s.c, x, y);
      ctx.canvas._cityopsDiscs.push([x, y, x + s.c.width, y + s.c.height]);
    }
    function draw(canvas, coords) {
      var ctx = canvas.getContext("2d"), z = coords.z, k = Math.pow(2, REF_Z - z);
      var x0 = coords.x * TILE, y0 = coords.y * TILE;
      ctx.clearRect(0, 0, TILE, TILE);
      canvas._cityopsDiscs = [];
      drawn += 1;
      if (z >= CLUSTER_BELOW) {
        /* each incident at its place, red last (on top); neighbours' points near the edge drawn too */
        var pts = inRect(z, x0 - MARGIN, y0 - MARGIN, x0 + TILE + MARGIN, y0 + TILE + MARGIN);
        pts.sort(function (a, b) { return SEV_RANK[a.inc.sev] - SEV_RANK[b.inc.sev]; });
        pts.forEach(function (p) {
          stamp(ctx, sprite(p.inc.sev, p.inc.sev === "red" ? 7 : 5.5, ""), p.x / k - x0, p.y / k - y0);
        });
        return;
      }
      cellsOf(z, x0, y0).forEach(function (c) {
        var ci = c.i % PER_ROW, cj = Math.floor(c.i / PER_ROW), cx, cy, r;
        if (c.count === 1) {  /* alone: at its place, kept inside its cell */
          r = 4.5;
          cx = Math.min(Math.max(c.one.x / k - x0, ci * CELL + r + 1), (ci + 1) * CELL - r - 1);
          cy = Math.min(Math.max(c.one.y / k - y0, cj * CELL + r + 1), (cj + 1) * CELL - r - 1);
          stamp(ctx, sprite(c.worst, r, ""), cx, cy);
        } else {  /* the radius by half pixels: one sprite per colour and count shown */
          r = Math.round(2 * Math.min(CELL / 2 - 1, 7 + 2.2 * Math.log(c.count))) / 2;
          stamp(ctx, sprite(c.worst, r, c.count > 999 ? Math.round(c.count / 1000) + "k" : String(c.count)),
                (ci + 0.5) * CELL, (cj + 0.5) * CELL);
        }
      });
    }

    /* a tile leaving the screen gives its canvas back, and the next tile drawn takes it: a view change (a
       wall's carousel, every 20 s) draws ~50 tiles, and a new canvas each time was 256 KB more for the
       renderer's allocator to find and free each time (and a drill's ~30 new tiles the largest native cost
       of a drill in its trace); the pool holds what one more screen needs */
    var pool = [], made = 0, POOL_MAX = 96;
    var Grid = L.GridLayer.extend({
      createTile: function (coords) {
        var c = pool.pop();
        if (!c) {
          c = document.createElement("canvas");
          c.width = c.height = TILE;
          made += 1;
        }
        c.className = "";  /* Leaflet's classes of its last place (leaflet-tile-loaded) go; it adds its own */
        c.style.opacity = "";
        draw(c, coords);
        return c;
      },
      _tileReady: function (coords, err, tile) {
        /* a tile is drawn when made: shown at once, not faded in (Leaflet's fade sets every new tile's
           opacity each frame for 200 ms after a zoom and keeps the old zoom's tiles 250 ms longer) */
        var fade = this._map._fadeAnimated;
        this._map._fadeAnimated = false;
        try { L.GridLayer.prototype._tileReady.call(this, coords, err, tile); } finally { this._map._fadeAnimated = fade; }
      }
    });
    var grid = new Grid({ pane: "cityopsIncidents", className: "cityops-incidents", tileSize: TILE,
                          updateWhenZooming: false, keepBuffer: 1, noWrap: true });
    grid.on("tileunload", function (e) {
      if (pool.length < POOL_MAX && e.tile.tagName === "CANVAS") { e.tile._cityopsDiscs = []; pool.push(e.tile); }
    });

    function redraw() {
      frame = null;
      /* the tiles on screen, as Leaflet's GridLayer keeps them (_tiles, _tileZoom: the integer zoom they are
         drawn at; a fractional map zoom scales them); the dirty ones left when the budget is spent wait for
         the next frame, marks for tiles no longer on screen are dropped (a new tile is drawn when made) */
      var z = grid._tileZoom, tiles = grid._tiles, start = performance.now(), left = {}, more = false;
      Object.keys(tiles).forEach(function (key) {
        var t = tiles[key], k = t.coords.x + "|" + t.coords.y + "|" + t.coords.z;
        if (t.coords.z !== z || !(dirtyAll || dirty[k])) return;
        if (performance.now() - start < BUDGET_MS) draw(t.el, t.coords);
        else { left[k] = true; more = true; }
      });
      dirty = left;
      dirtyAll = false;
      if (more) frame = requestAnimationFrame(redraw);
    }
    function redrawAll() { dirtyAll = true; if (!frame) frame = requestAnimationFrame(redraw); }
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
    function put(inc, quiet) {
      /* quiet: part of a bulk batch, whose tiles are all redrawn after it */
      var old = points[inc.id];
      var q = map.project([inc.lat, inc.lon], REF_Z);
      var p = { inc: inc, x: q.x, y: q.y };
      p.b = bucketOf(p);
      if (old) { buckets.get(old.b).delete(inc.id); if (!quiet) touch(old); } else count += 1;
      if (!buckets.has(p.b)) buckets.set(p.b, new Map());
      buckets.get(p.b).set(inc.id, p);
      points[inc.id] = p;
      if (!quiet) touch(p);
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
      upsert: function (list) {
        var bulk = list.length > BULK;
        list.forEach(function (inc) { put(inc, bulk); });
        if (bulk) redrawAll();
        return count;
      },
      remove: function (ids) {
        var bulk = ids.length > BULK;
        ids.forEach(function (id) {
          var p = points[id];
          if (p) { buckets.get(p.b).delete(id); delete points[id]; count -= 1; if (!bulk) touch(p); }
        });
        if (bulk) redrawAll();
        return count;
      },
      select: function (id) {
        var p = points[id];
        if (!p) return false;
        map.setView([p.inc.lat, p.inc.lon], Math.max(map.getZoom(), CLUSTER_BELOW), { animate: false });
        open(p);
        return true;
      },
      count: function () { return count; },
      drawn: function () { return drawn; },
      /* for tests and the soak's probe: tile canvases ever made, and those waiting in the pool */
      canvases: function () {
        return { made: made, pooled: pool.length, sprites: sprites.size, spritesMade: spritesMade };
      },
      spriteLimit: function (n) { SPRITES_MAX = n; sprites.clear(); return n; },  /* for tests: a smaller bound */
      get: function (id) { return points[id] ? points[id].inc : null; },
      redrawAll: redrawAll
    };
    window.cityopsIncidentsApi = grid.cityops;  /* the page's one incident layer, for tests and the soak's probe */
    return grid;
  }
  window.cityopsIncidentLayer = layer;
})();
