/* CityOps city map: receives small JSON diffs from the console (runJavaScript) and reports clicks back
   through console messages prefixed "cityops:". Everything the feed says is set with textContent:
   a title full of markup shows literally and runs nothing. */
(function () {
  "use strict";
  var SEV_COLOR = { red: "#e5484d", orange: "#f76b15", yellow: "#ffc53d", blue: "#3e8cf7" };
  var SEV_RANK = { red: 4, orange: 3, yellow: 2, blue: 1 };
  var STATUS_FILL = { nodata: "#1d2633", normal: "#1f4d3a", warn: "#7a5f14", alarm: "#7d1f24" };
  var STATUS_EDGE = { nodata: "#6b7f99", normal: "#30a46c", warn: "#ffc53d", alarm: "#ff5a5f" };
  var S = { markers: {}, districtLayers: {}, labels: null, selected: null, control: null, legend: null };

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function send(obj) { console.log("cityops:" + JSON.stringify(obj)); }

  function clusterIcon(cluster) {
    var worst = "blue";
    cluster.getAllChildMarkers().forEach(function (m) {
      if (SEV_RANK[m.options.sev] > SEV_RANK[worst]) worst = m.options.sev;
    });
    var d = el("div", "cityops-cluster", cluster.getChildCount());
    d.style.background = SEV_COLOR[worst];
    return L.divIcon({ html: d, className: "", iconSize: [34, 34] });
  }

  function popupFor(inc) {
    var box = el("div", "cityops-popup");
    box.appendChild(el("div", "title", inc.title));
    box.appendChild(el("div", "meta", inc.meta || ""));
    return box;
  }

  var api = {
    ready: false,
    init: function (names) {
      S.map = window[names.map];
      S.districts = window[names.districts];
      S.cluster = window[names.cluster];
      S.heat = window[names.heat];
      S.cluster.options.iconCreateFunction = clusterIcon;
      S.labels = L.layerGroup().addTo(S.map);
      S.districts.eachLayer(function (layer) {
        var p = layer.feature.properties;
        S.districtLayers[p.code] = layer;
        layer.on("click", function () { send({ district: p.code }); });
        var c = layer.getBounds().getCenter();
        var t = L.tooltip({ permanent: true, direction: "center", className: "cityops-label", interactive: false })
          .setLatLng(c).setContent(el("span", null, p.name_zh));
        t._cityopsNames = { zh: p.name_zh, en: p.name_en };
        S.labels.addLayer(t);
      });
      var fit = function () {
        /* the whole city, or the districts in focus (a wall's district view, an emergency's area) */
        var b = null;
        (S.focus || []).forEach(function (code) {
          var l = S.districtLayers[code];
          if (l) b = b ? b.extend(l.getBounds()) : L.latLngBounds(l.getBounds().getSouthWest(), l.getBounds().getNorthEast());
        });
        S.map.invalidateSize();  /* the page may have been zoomed or resized since Leaflet last looked */
        S.map.fitBounds(b || S.districts.getBounds(), { padding: [10, 10], animate: false });
      };
      fit();
      /* follow the window while nobody has moved the map by hand (a wall screen, a resized dock) */
      var container = S.map.getContainer();
      ["mousedown", "wheel", "touchstart", "keydown"].forEach(function (ev) {
        container.addEventListener(ev, function () { S.userMoved = true; }, { passive: true });
      });
      window.addEventListener("resize", function () {
        S.map.invalidateSize();
        if (!S.userMoved) fit();
        if (S.pendingHeat) api.setHeat(S.pendingHeat);
      });
      api.fit = function () { S.userMoved = false; fit(); return true; };
      api.wall = function (on) {
        var c = S.map.getContainer();
        if (on) c.classList.add("cityops-wall"); else c.classList.remove("cityops-wall");
        return true;
      };
      api.focus = function (codes) {
        S.focus = codes || [];
        Object.keys(S.districtLayers).forEach(function (code) {
          if (S.focus.indexOf(code) >= 0) S.districtLayers[code].setStyle({ weight: 5 });
          else S.districtLayers[code].setStyle({ weight: 1 });
        });
        return api.fit();
      };
      api.ready = true;
      document.title = "cityops-ready";
      send({ ready: true });
    },
    setLabels: function (t) {
      /* layer names and legend in the operator's language: {districts, incidents, heat, labels, lang, legend:[...]} */
      if (S.control) S.map.removeControl(S.control);
      var overlays = {};
      overlays[t.districts] = S.districts;
      overlays[t.incidents] = S.cluster;
      overlays[t.heat] = S.heat;
      overlays[t.labels] = S.labels;
      S.control = L.control.layers(null, overlays, { collapsed: false, position: "topright" }).addTo(S.map);
      S.labels.eachLayer(function (tt) {
        tt.setContent(el("span", null, tt._cityopsNames[t.lang === "en" ? "en" : "zh"]));
      });
      if (S.legend) S.map.removeControl(S.legend);
      S.legend = L.control({ position: "bottomleft" });
      S.legend.onAdd = function () {
        var box = el("div", "cityops-legend");
        t.legend.forEach(function (row) {
          var line = el("div");
          var sw = el("i");
          sw.style.background = row[0];
          line.appendChild(sw);
          line.appendChild(document.createTextNode(row[1]));
          box.appendChild(line);
        });
        return box;
      };
      S.legend.addTo(S.map);
      return true;
    },
    setDistrictStatus: function (statuses) {
      Object.keys(statuses).forEach(function (code) {
        var layer = S.districtLayers[code];
        var st = statuses[code];
        if (layer) layer.setStyle({ fillColor: STATUS_FILL[st] || STATUS_FILL.nodata, color: STATUS_EDGE[st] || STATUS_EDGE.nodata,
                                   weight: (S.focus || []).indexOf(code) >= 0 ? 5 : st === "alarm" ? 2.5 : 1 });
      });
      return Object.keys(statuses).length;
    },
    upsertIncidents: function (list) {
      var added = [], changed = [];
      list.forEach(function (inc) {
        var m = S.markers[inc.id];
        var style = { radius: inc.sev === "red" ? 9 : 7, color: "#ffffff", weight: 1.5, fillColor: SEV_COLOR[inc.sev],
                      fillOpacity: 0.95, sev: inc.sev };
        if (!m) {
          m = L.circleMarker([inc.lat, inc.lon], style);
          m.on("click", function () { send({ select: inc.id }); });
          S.markers[inc.id] = m;
          added.push(m);
        } else {
          m.setLatLng([inc.lat, inc.lon]);
          m.setStyle(style);
          m.options.sev = inc.sev;
          changed.push(m);
        }
        m._cityops = inc;
        m.unbindPopup();
        m.bindPopup(popupFor(inc));
        m.unbindTooltip();
        m.bindTooltip(el("span", null, inc.title), { direction: "top" });
      });
      if (added.length) S.cluster.addLayers(added);
      if (changed.length) S.cluster.refreshClusters(changed);
      return Object.keys(S.markers).length;
    },
    removeIncidents: function (ids) {
      var gone = [];
      ids.forEach(function (id) {
        if (S.markers[id]) { gone.push(S.markers[id]); delete S.markers[id]; }
      });
      if (gone.length) S.cluster.removeLayers(gone);
      return Object.keys(S.markers).length;
    },
    setHeat: function (points) {
      /* the heat plugin throws on a zero-size canvas (a hidden view): keep the points for later */
      var size = S.map.getSize();
      if (!size.x || !size.y) { S.pendingHeat = points; return 0; }
      S.pendingHeat = null;
      S.heat.setLatLngs(points);
      return points.length;
    },
    select: function (id) {
      var m = S.markers[id];
      if (!m) return false;
      S.selected = id;
      S.cluster.zoomToShowLayer(m, function () { m.openPopup(); });
      return true;
    },
    setFreshness: function (f) {
      /* {marked, text}: not live, the map keeps its picture but greyed and hatched, and says how old it is */
      var c = S.map.getContainer();
      if (f.marked) c.classList.add("cityops-stale"); else c.classList.remove("cityops-stale");
      Object.keys(S.districtLayers).forEach(function (code) {
        S.districtLayers[code].setStyle({ dashArray: f.marked ? "4 4" : null, fillOpacity: f.marked ? 0.3 : 0.85 });
      });
      if (!S.fresh) {
        S.fresh = L.control({ position: "topleft" });
        S.fresh.onAdd = function () { S.freshBox = el("div", "cityops-freshness"); return S.freshBox; };
        S.fresh.addTo(S.map);
      }
      S.freshBox.textContent = f.marked ? f.text : "";
      S.freshBox.style.display = f.marked ? "block" : "none";
      return f.marked;
    },
    count: function () { return Object.keys(S.markers).length; },
    popupText: function (id) {
      var m = S.markers[id];
      if (!m) return null;
      var box = popupFor(m._cityops);
      return { text: box.textContent, html: box.innerHTML, scripts: box.getElementsByTagName("script").length,
               imgs: box.getElementsByTagName("img").length };
    }
  };
  window.cityops = api;
})();
