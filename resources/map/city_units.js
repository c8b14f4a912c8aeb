/* CityOps city map, dispatch units: every unit's badge (its kind's glyph on its state's colour) drawn on one
   canvas, and all the units' 15-minute trails on another. Both are changed in place, never added again: a
   unit that moves has its point moved and its trail's tail replaced, so the page does not grow over a
   shift. Names are set with textContent (plain text), in the one tooltip the layer keeps. Loaded after
   city_map.js; hooks its init.

   Why canvases and not a marker per unit (issue 17): 200 units moving, 10 calls a second, were the largest
   share of what the wall's page grew by in a life (the soak's calls switched off one kind at a time,
   docs/benchmarks.md). A DOM badge moved is a style and a compositor layer changed per unit per call; a
   canvas redrawn once per frame is the same few objects whatever the count. Each point is projected once,
   when it arrives, and a redraw only scales and shifts it.

   At the city's zooms a badge is a small diamond (its state's colour, no glyph): ~100 units downtown would
   otherwise cover the districts' names. From UNIT_GLYPH_FROM on, and for the one selected, the full badge. */
(function () {
  "use strict";
  var api = window.cityops;
  var U = { map: null, badgeLayer: null, trailLayer: null, units: {}, trails: {}, selected: null,
            hover: null, tip: null, tipFor: null, drawn: [] };
  var REF_Z = 18;  /* points are kept in pixels at this zoom: trails [ts, lat, lon, x, y], units {x, y} */
  var TRAIL = { color: "#7fd4ff", width: 2, alpha: 0.55, dash: [3, 4] };
  var UNIT_GLYPH_FROM = 11;  /* below this zoom, a small diamond ("dot") */
  var SIZE = { dot: 11, badge: 20, selected: 26 };  /* diameters (a diamond's diagonal), CSS pixels */
  var BORDER = { dot: "#0b1a2a", badge: "#0b1a2a", en_route: "#ffffff", ring: "#00b3ff" };
  var FONT = 'bold 11px "Noto Sans CJK SC", "Microsoft YaHei", sans-serif';

  function el(tag, cls, text) {  /* as city_map.js's: that one is private to its closure */
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function send(obj) { console.log("cityops:" + JSON.stringify(obj)); }

  /* a canvas the size of the view in a pane of its own, redrawn at most once a frame by
     `draw(ctx, k, o, w, h)` (a point kept at REF_Z is at x / k - o.x, y / k - o.y on the canvas, computed
     in place: a closure returning a pair made an array per trail point per frame); one layer whatever it
     draws. A new view is
     drawn once, at its "moveend": Leaflet ends every change of view (a jump, an animated zoom, a pan)
     with one, in the same task as its "viewreset" and "zoomend", so no frame shows the old drawing at the
     new place (drawing at all three drew each canvas three times a zoom: issue 19's map benchmark). */
  var ViewCanvas = L.Layer.extend({
    initialize: function (pane, draw) { this.options = { pane: pane }; this._paint = draw; },
    onAdd: function (map) {
      this._c = L.DomUtil.create("canvas", "leaflet-zoom-animated");
      this.getPane().appendChild(this._c);
      map.on("moveend resize", this._reset, this);
      if (map._zoomAnimated) map.on("zoomanim", this._animate, this);
      this._reset();
    },
    onRemove: function (map) {
      L.DomUtil.remove(this._c);
      map.off("moveend resize", this._reset, this);
      map.off("zoomanim", this._animate, this);
    },
    _animate: function (e) {  /* during a zoom's animation the drawn canvas is scaled, as Leaflet's own are */
      var map = this._map;
      L.DomUtil.setTransform(this._c, map._latLngToNewLayerPoint(this._nw, e.zoom, e.center), map.getZoomScale(e.zoom));
    },
    _reset: function () {
      var map = this._map, size = map.getSize();
      this._nw = map.containerPointToLatLng([0, 0]);
      L.DomUtil.setPosition(this._c, map.containerPointToLayerPoint([0, 0]));
      if (this._c.width !== size.x || this._c.height !== size.y) { this._c.width = size.x; this._c.height = size.y; }
      this._draw();
    },
    redraw: function () {
      if (this._map && !this._frame) this._frame = L.Util.requestAnimFrame(this._draw, this);
      return this;
    },
    _draw: function () {
      if (this._frame) L.Util.cancelAnimFrame(this._frame);
      this._frame = null;
      var map = this._map, ctx = this._c.getContext("2d"), k = Math.pow(2, REF_Z - map.getZoom());
      var o = map.getPixelBounds().min;
      ctx.clearRect(0, 0, this._c.width, this._c.height);
      this._paint(ctx, k, o, this._c.width, this._c.height);
    }
  });

  function paintTrails(ctx, k, o) {
    ctx.beginPath();
    Object.keys(U.trails).forEach(function (id) {
      var t = U.trails[id], lx = null, ly = null;
      if (t.length < 2) return;
      for (var i = 0; i < t.length; i++) {
        var x = t[i][3] / k - o.x, y = t[i][4] / k - o.y;
        if (lx === null) ctx.moveTo(x, y);
        else if (Math.abs(x - lx) + Math.abs(y - ly) >= 1 || i === t.length - 1) ctx.lineTo(x, y);
        else continue;  /* under a pixel from the last drawn: nothing to see */
        lx = x; ly = y;
      }
    });
    ctx.setLineDash(TRAIL.dash);
    ctx.lineWidth = TRAIL.width;
    ctx.lineJoin = ctx.lineCap = "round";
    ctx.strokeStyle = TRAIL.color;
    ctx.globalAlpha = TRAIL.alpha;
    ctx.stroke();
  }

  /* each look (size, colour, border, glyph) drawn once into a small canvas of its own, then stamped; the
     looks are few (kinds × states × three sizes), a bound keeps them so whatever the feed sends */
  var sprites = new Map(), SPRITES_MAX = 128;
  function sprite(u, kind) {
    var key = kind + "|" + u.glyph + "|" + u.color + "|" + u.state;
    var s = sprites.get(key);
    if (s) return s;
    var d = SIZE[kind], pad = kind === "selected" ? 8 : 2, n = d + 2 * pad, c = document.createElement("canvas");
    c.width = c.height = n;
    var g = c.getContext("2d"), r = d / 2;
    g.globalAlpha = u.state === "offline" ? 0.5 : 1;  /* an offline unit: the whole badge faded */
    /* a dot is a diamond: the streets' seats and the incidents' discs are round, of the same colours */
    var shape = kind === "dot" ? function () {
      g.beginPath(); g.moveTo(n / 2, n / 2 - r); g.lineTo(n / 2 + r, n / 2); g.lineTo(n / 2, n / 2 + r);
      g.lineTo(n / 2 - r, n / 2); g.closePath();
    } : function () { g.beginPath(); g.arc(n / 2, n / 2, r - 1, 0, 2 * Math.PI); };
    shape();
    g.fillStyle = u.color;
    if (kind === "selected") { g.shadowColor = BORDER.ring; g.shadowBlur = 8; }
    g.fill();
    g.shadowBlur = 0;
    if (kind === "selected") {
      g.lineWidth = 3; g.strokeStyle = BORDER.ring;
      g.beginPath(); g.arc(n / 2, n / 2, r + 2, 0, 2 * Math.PI); g.stroke();
      g.strokeStyle = "#ffffff";
    } else {
      g.lineWidth = kind === "dot" ? 1.5 : 2;
      g.strokeStyle = u.state === "en_route" ? BORDER.en_route : BORDER[kind];
    }
    shape(); g.stroke();
    if (kind !== "dot" && u.glyph) {
      g.fillStyle = "#ffffff"; g.font = FONT; g.textAlign = "center"; g.textBaseline = "middle";
      g.fillText(String(u.glyph), n / 2, n / 2 + 0.5);
    }
    if (sprites.size >= SPRITES_MAX) sprites.delete(sprites.keys().next().value);
    sprites.set(key, c);
    return c;
  }
  function kindOf(id) {
    if (id === U.selected) return "selected";
    return U.map.getZoom() >= UNIT_GLYPH_FROM ? "badge" : "dot";
  }
  function placed(k, o, w, h) {
    /* the badges in view, where and how big, the selected one last (on top of the rest) */
    var ids = Object.keys(U.units).filter(function (id) { return id !== U.selected; });
    if (U.selected && U.units[U.selected]) ids.push(U.selected);
    var out = [];
    ids.forEach(function (id) {
      var u = U.units[id], kind = kindOf(id), r = SIZE[kind] / 2 + 8, x = u.x / k - o.x, y = u.y / k - o.y;
      if (x < -r || y < -r || x > w + r || y > h + r) return;
      out.push({ id: id, x: x, y: y, r: SIZE[kind] / 2, kind: kind });
    });
    return out;
  }
  function paintBadges(ctx, k, o, w, h) {
    U.drawn = placed(k, o, w, h);
    U.drawn.forEach(function (d) {
      var s = sprite(U.units[d.id], d.kind);
      ctx.drawImage(s, Math.round(d.x - s.width / 2), Math.round(d.y - s.height / 2));
    });
    if (U.tipFor && U.units[U.tipFor]) U.tip.setLatLng([U.units[U.tipFor].lat, U.units[U.tipFor].lon]);
  }

  function hit(ev) {
    /* the unit whose badge is under a pointer event (the topmost: drawn last), else null */
    var pt = U.map.mouseEventToContainerPoint(ev);
    for (var i = U.drawn.length - 1; i >= 0; i--) {
      var d = U.drawn[i], reach = Math.max(d.r, 6) + 1;
      if (Math.pow(d.x - pt.x, 2) + Math.pow(d.y - pt.y, 2) <= reach * reach) return d.id;
    }
    return null;
  }
  function tipText(u) {
    var t = el("span", null, u.name);
    t.appendChild(document.createElement("br"));
    t.appendChild(document.createTextNode(u.label));
    return t;
  }
  function showTip(id) {
    /* one tooltip for all the units: the one hovered or selected */
    if (U.tipFor === id) return;
    U.tipFor = id;
    if (!id || !U.units[id]) { U.tipFor = null; U.map.closeTooltip(U.tip); return; }
    var u = U.units[id];
    U.tip.setContent(tipText(u)).setLatLng([u.lat, u.lon]);
    if (!U.map.hasLayer(U.tip)) U.map.openTooltip(U.tip);
  }
  function outside(ev) {
    return !U.map.getContainer().contains(ev.target) ||
      ev.target.closest(".leaflet-control, .leaflet-popup, .leaflet-tooltip");
  }

  function attach(map) {
    U.map = map;
    map.createPane("cityopsUnits").style.zIndex = 640;  /* above incident discs, under names and tooltips */
    map.getPane("cityopsUnits").style.pointerEvents = "none";  /* hit-tested below, not by the DOM */
    var trails = map.createPane("cityopsTrails");  /* just over the districts (overlay pane, 400) */
    trails.style.zIndex = 401;
    trails.style.pointerEvents = "none";
    U.trailLayer = new ViewCanvas("cityopsTrails", paintTrails).addTo(map);
    U.badgeLayer = new ViewCanvas("cityopsUnits", paintBadges).addTo(map);
    U.tip = L.tooltip({ direction: "top", offset: [0, -10] });
    /* a click on a badge is the unit's, before the incidents' own capture handler on the map's container
       and Leaflet's (this one is on the document, whose capture comes first) */
    document.addEventListener("click", function (ev) {
      if (outside(ev) || (map.dragging && map.dragging.moved())) return;
      var id = hit(ev);
      if (!id) return;
      ev.stopPropagation();
      send({ unit: id });
    }, true);
    map.getContainer().addEventListener("mousemove", function (ev) {
      var id = outside(ev) ? null : hit(ev);
      if (id === U.hover) return;
      U.hover = id;
      map.getContainer().style.cursor = id ? "pointer" : "";
      showTip(id || U.selected);
    });
  }

  api.upsertUnits = function (list) {
    /* [{id, name, glyph, color, state, label, lat, lon, ts, trail:[[ts,lat,lon]…], full}]: `full` trails
       replace the unit's own; otherwise the points at or after the first one sent replace the tail */
    var horizon = 15 * 60;
    list.forEach(function (u) {
      var q = U.map.project([u.lat, u.lon], REF_Z);
      u.x = q.x; u.y = q.y;
      var old = U.units[u.id];
      U.units[u.id] = u;
      if (U.tipFor === u.id && (!old || old.name !== u.name || old.label !== u.label)) {
        U.tip.setContent(tipText(u));
      }
      var t = u.full ? [] : (U.trails[u.id] || []);
      var first = u.trail.length ? u.trail[0][0] : Infinity;
      while (t.length && t[t.length - 1][0] >= first) t.pop();
      t = t.concat(u.trail);
      var last = t.length ? t[t.length - 1][0] : 0;
      while (t.length && t[0][0] < last - horizon) t.shift();
      for (var i = t.length - 1; i >= 0 && t[i].length < 5; i--) {  /* the points just arrived */
        var p = U.map.project([t[i][1], t[i][2]], REF_Z);
        t[i].push(p.x, p.y);
      }
      U.trails[u.id] = t;
      delete u.trail;  /* kept once, in U.trails */
    });
    U.trailLayer.redraw();
    U.badgeLayer.redraw();
    return Object.keys(U.units).length;
  };

  api.removeUnits = function (ids) {
    ids.forEach(function (id) {
      delete U.units[id];
      delete U.trails[id];
      if (U.selected === id) U.selected = null;
      if (U.hover === id) U.hover = null;
      if (U.tipFor === id) showTip(null);
    });
    U.trailLayer.redraw();
    U.badgeLayer.redraw();
    return Object.keys(U.units).length;
  };

  api.selectUnit = function (id) {
    /* the resources dock picked it: ring it and bring it into view (the zoom kept unless it is far out) */
    U.selected = id;
    var u = U.units[id];
    if (!u) { U.badgeLayer.redraw(); return false; }
    /* a jump without animation always ends in "moveend", even to the view already shown: the badges are
       drawn there, ringed */
    U.map.setView([u.lat, u.lon], Math.max(U.map.getZoom(), 12), { animate: false });
    api.hold();
    U.tipFor = null;
    showTip(id);
    return true;
  };

  api.unitBoxes = function () {
    /* the badges in the view as it is now (drawn at its "moveend", which may not have come yet: the names
       are placed at "zoomend"), as boxes in the page's pixels, for the names' placer to keep off them */
    var r = U.map.getContainer().getBoundingClientRect(), size = U.map.getSize();
    var k = Math.pow(2, REF_Z - U.map.getZoom());
    return placed(k, U.map.getPixelBounds().min, size.x, size.y).map(function (d) {
      return { left: r.left + d.x - d.r, right: r.left + d.x + d.r, top: r.top + d.y - d.r, bottom: r.top + d.y + d.r };
    });
  };

  api.unitState = function () {
    /* what the page holds, for tests: units (and the layers they take: two, whatever their count), trails,
       selection */
    var pos = {}, pts = 0;
    Object.keys(U.units).forEach(function (id) {
      var u = U.units[id], p = U.map.latLngToContainerPoint([u.lat, u.lon]);
      pos[id] = { lat: u.lat, lon: u.lon, x: p.x, y: p.y, glyph: u.glyph, color: u.color,
                  trail: (U.trails[id] || []).length };
    });
    Object.keys(U.trails).forEach(function (id) { pts += U.trails[id].length; });
    var layers = 0;
    U.map.eachLayer(function (l) { if (l === U.badgeLayer || l === U.trailLayer || l === U.tip) layers += 1; });
    return { units: pos, layers: layers, trailPoints: pts, sprites: sprites.size,
             trailLines: Object.keys(U.trails).filter(function (id) { return U.trails[id].length > 1; }).length,
             selected: U.selected, tipFor: U.tipFor };
  };

  window.cityopsUnitsCanvas = ViewCanvas;  /* for the map benchmark: what the units' canvases cost to draw */

  var init = api.init;
  api.init = function (names) {
    attach(window[names.map]);  /* before the page says it is ready: the console sends units on ready */
    return init(names);
  };
})();
