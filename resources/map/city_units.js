/* CityOps city map, dispatch units: each unit one marker (its kind's glyph on its state's colour) and all
   the units' 15-minute trails one canvas polyline. Both are changed in place, never added again: a
   unit that moves has its marker moved and its trail's tail replaced, so the page does not grow over a
   shift. Names are set with textContent (plain text). Loaded after city_map.js; hooks its init. */
(function () {
  "use strict";
  var api = window.cityops;
  var U = { map: null, layer: null, trailLine: null, markers: {}, trails: {}, selected: null, keys: {} };

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

  function drawTrails() {
    /* one polyline of every unit's trail: one layer whatever the count, redrawn in place */
    var lines = [];
    Object.keys(U.trails).forEach(function (id) {
      var t = U.trails[id];
      if (t.length > 1) lines.push(t.map(function (p) { return [p[1], p[2]]; }));
    });
    U.trailLine.setLatLngs(lines);
  }

  function attach(map) {
    U.map = map;
    map.createPane("cityopsUnits").style.zIndex = 640;  /* above incident clusters, under tooltips */
    U.layer = L.layerGroup().addTo(map);
    U.trailLine = L.polyline([], { color: "#7fd4ff", weight: 2, opacity: 0.55, interactive: false,
                                   dashArray: "3 4" }).addTo(map);
  }

  api.upsertUnits = function (list) {
    /* [{id, name, glyph, color, label, lat, lon, ts, trail:[[ts,lat,lon]…], full}]: `full` trails replace
       the unit's own; otherwise the points at or after the first one sent replace the tail */
    var horizon = 15 * 60;
    list.forEach(function (u) {
      var m = U.markers[u.id];
      var key = u.glyph + "|" + u.color + "|" + u.state;
      if (!m) {
        m = L.marker([u.lat, u.lon], { icon: icon(u, U.selected === u.id), pane: "cityopsUnits", keyboard: false });
        m.on("click", function () { send({ unit: u.id }); });
        U.markers[u.id] = m;
        U.layer.addLayer(m);
      } else {
        m.setLatLng([u.lat, u.lon]);
        if (U.keys[u.id] !== key) m.setIcon(icon(u, U.selected === u.id));
      }
      U.keys[u.id] = key;
      m._cityopsUnit = u;
      var tip = el("span", null, u.name);
      tip.appendChild(document.createElement("br"));
      tip.appendChild(document.createTextNode(u.label));
      if (m.getTooltip()) m.setTooltipContent(tip); else m.bindTooltip(tip, { direction: "top", offset: [0, -10] });
      var t = u.full ? [] : (U.trails[u.id] || []);
      var first = u.trail.length ? u.trail[0][0] : Infinity;
      while (t.length && t[t.length - 1][0] >= first) t.pop();
      t = t.concat(u.trail);
      var last = t.length ? t[t.length - 1][0] : 0;
      while (t.length && t[0][0] < last - horizon) t.shift();
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
      if (m) m.setIcon(icon(m._cityopsUnit, U.selected === k));
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
             trailLines: U.trailLine.getLatLngs().length, selected: U.selected,
             selectedDom: document.querySelectorAll(".cityops-unit-selected").length };
  };

  var init = api.init;
  api.init = function (names) {
    attach(window[names.map]);  /* before the page says it is ready: the console sends units on ready */
    return init(names);
  };
})();
