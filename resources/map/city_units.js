/* CityOps city map, dispatch units: each unit one marker (its kind's glyph on its state's colour) and all
   the units' 15-minute trails one canvas polyline. Both are changed in place, never added again: a
   unit that moves has its marker moved and its trail's tail replaced, so the page does not grow over a
   shift. Names are set with textContent (plain text). Loaded after city_map.js; hooks its init.

   Cost per second (tests/bench/bench_map.py: 200 units moving): the trails are drawn by a small layer of
   our own on a canvas of their own (a Leaflet polyline re-projected, clipped and simplified every point of
   every trail at each change); each point is projected once, when it arrives, and a redraw only scales
   and shifts it. A badge keeps its z-index as it moves (Leaflet restacks a marker by its y at each move,
   which restacks the page's layers); a tooltip is made again only when its text changes. */
(function () {
  "use strict";
  var api = window.cityops;
  var U = { map: null, layer: null, trailLayer: null, markers: {}, trails: {}, selected: null, keys: {}, tips: {} };
  var REF_Z = 18;  /* trail points are kept in pixels at this zoom: [ts, lat, lon, x, y] */
  var TRAIL = { color: "#7fd4ff", width: 2, alpha: 0.55, dash: [3, 4] };

  function el(tag, cls, text) {  /* as city_map.js's: that one is private to its closure */
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function send(obj) { console.log("cityops:" + JSON.stringify(obj)); }

  function icon(u, selected) {
    var d = el("div", "cityops-unit cityops-unit-" + u.state + (selected ? " cityops-unit-selected" : ""), u.glyph);
    d.style.background = u.color;
    var size = selected ? 26 : 20;
    return L.divIcon({ html: d, className: "", iconSize: [size, size], iconAnchor: [size / 2, size / 2] });
  }

  /* every unit's trail on one canvas the size of the view, in the trails' pane: one layer whatever the count */
  var Trails = L.Layer.extend({
    options: { pane: "cityopsTrails" },
    onAdd: function (map) {
      this._c = L.DomUtil.create("canvas", "leaflet-zoom-animated");
      this.getPane().appendChild(this._c);
      map.on("viewreset zoomend moveend resize", this._reset, this);
      if (map._zoomAnimated) map.on("zoomanim", this._animate, this);
      this._reset();
    },
    onRemove: function (map) {
      L.DomUtil.remove(this._c);
      map.off("viewreset zoomend moveend resize", this._reset, this);
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
      this._frame = null;
      var map = this._map, ctx = this._c.getContext("2d"), k = Math.pow(2, REF_Z - map.getZoom());
      var o = map.getPixelBounds().min;
      ctx.clearRect(0, 0, this._c.width, this._c.height);
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
  });
  function project(t) {
    /* the points not projected yet (those just arrived) get their pixels at REF_Z */
    for (var i = t.length - 1; i >= 0 && t[i].length < 5; i--) {
      var q = U.map.project([t[i][1], t[i][2]], REF_Z);
      t[i].push(q.x, q.y);
    }
  }
  function drawTrails() { U.trailLayer.redraw(); }
  var Badge = L.Marker.extend({
    _resetZIndex: function () {  /* its own z-index only (the selected one is raised), not its y's */
      if (this._icon && this._zSet !== this.options.zIndexOffset) {
        this._zSet = this.options.zIndexOffset;
        this._icon.style.zIndex = this._zSet;
      }
    },
    _initIcon: function () { this._zSet = null; return L.Marker.prototype._initIcon.call(this); }
  });

  function attach(map) {
    U.map = map;
    map.createPane("cityopsUnits").style.zIndex = 640;  /* above incident clusters, under tooltips */
    var trails = map.createPane("cityopsTrails");  /* just over the districts (overlay pane, 400) */
    trails.style.zIndex = 401;
    trails.style.pointerEvents = "none";
    U.layer = L.layerGroup().addTo(map);
    U.trailLayer = new Trails().addTo(map);
  }

  api.upsertUnits = function (list) {
    /* [{id, name, glyph, color, label, lat, lon, ts, trail:[[ts,lat,lon]…], full}]: `full` trails replace
       the unit's own; otherwise the points at or after the first one sent replace the tail */
    var horizon = 15 * 60;
    list.forEach(function (u) {
      var m = U.markers[u.id];
      var key = u.glyph + "|" + u.color + "|" + u.state;
      if (!m) {
        m = new Badge([u.lat, u.lon], { icon: icon(u, U.selected === u.id), pane: "cityopsUnits", keyboard: false,
                                        zIndexOffset: U.selected === u.id ? 1000 : 0 });
        m.on("click", function () { send({ unit: u.id }); });
        U.markers[u.id] = m;
        U.layer.addLayer(m);
      } else {
        m.setLatLng([u.lat, u.lon]);
        if (U.keys[u.id] !== key) m.setIcon(icon(u, U.selected === u.id));
      }
      U.keys[u.id] = key;
      m._cityopsUnit = u;
      if (U.tips[u.id] !== u.name + "\n" + u.label) {
        U.tips[u.id] = u.name + "\n" + u.label;
        var tip = el("span", null, u.name);
        tip.appendChild(document.createElement("br"));
        tip.appendChild(document.createTextNode(u.label));
        if (m.getTooltip()) m.setTooltipContent(tip); else m.bindTooltip(tip, { direction: "top", offset: [0, -10] });
      }
      var t = u.full ? [] : (U.trails[u.id] || []);
      var first = u.trail.length ? u.trail[0][0] : Infinity;
      while (t.length && t[t.length - 1][0] >= first) t.pop();
      t = t.concat(u.trail);
      var last = t.length ? t[t.length - 1][0] : 0;
      while (t.length && t[0][0] < last - horizon) t.shift();
      project(t);
      U.trails[u.id] = t;
    });
    drawTrails();
    return Object.keys(U.markers).length;
  };

  api.removeUnits = function (ids) {
    ids.forEach(function (id) {
      if (U.markers[id]) { U.layer.removeLayer(U.markers[id]); delete U.markers[id]; }
      delete U.trails[id];
      delete U.keys[id];
      delete U.tips[id];
      if (U.selected === id) U.selected = null;
    });
    drawTrails();
    return Object.keys(U.markers).length;
  };

  api.selectUnit = function (id) {
    /* the resources dock picked it: ring it and bring it into view (the zoom kept unless it is far out) */
    var before = U.selected;
    U.selected = id;
    [before, id].forEach(function (k) {
      var m = k && U.markers[k];
      if (m) m.setZIndexOffset(U.selected === k ? 1000 : 0).setIcon(icon(m._cityopsUnit, U.selected === k));
    });
    var m = U.markers[id];
    if (!m) return false;
    U.map.setView(m.getLatLng(), Math.max(U.map.getZoom(), 12), { animate: false });
    api.hold();
    m.openTooltip();
    return true;
  };

  api.unitState = function () {
    /* what the page holds, for tests: markers (and layers: never more than the units), trails, selection */
    var pos = {}, pts = 0;
    Object.keys(U.markers).forEach(function (id) {
      var ll = U.markers[id].getLatLng();
      var p = U.map.latLngToContainerPoint(ll);
      pos[id] = { lat: ll.lat, lon: ll.lng, x: p.x, y: p.y, glyph: U.markers[id]._cityopsUnit.glyph,
                  color: U.markers[id]._cityopsUnit.color, trail: (U.trails[id] || []).length };
    });
    Object.keys(U.trails).forEach(function (id) { pts += U.trails[id].length; });
    return { units: pos, layers: U.layer.getLayers().length, trailPoints: pts,
             trailLines: Object.keys(U.trails).filter(function (id) { return U.trails[id].length > 1; }).length,
             selected: U.selected,
             selectedDom: document.querySelectorAll(".cityops-unit-selected").length };
  };

  var init = api.init;
  api.init = function (names) {
    attach(window[names.map]);  /* before the page says it is ready: the console sends units on ready */
    return init(names);
  };
})();
