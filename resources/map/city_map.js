/* CityOps city map: receives small JSON diffs from the console (messages on a QWebChannel, page_feed.js)
   and reports clicks back through console messages prefixed "cityops:". Everything the feed says is set
   with textContent: a title full of markup shows literally and runs nothing. */
(function () {
  "use strict";
  var SEV_COLOR = { red: "#e5484d", orange: "#f76b15", yellow: "#ffc53d", blue: "#3e8cf7" };
  var SEV_RANK = { red: 4, orange: 3, yellow: 2, blue: 1 };
  var STATUS_FILL = { nodata: "#1d2633", normal: "#1f4d3a", warn: "#7a5f14", alarm: "#7d1f24" };
  var STATUS_EDGE = { nodata: "#6b7f99", normal: "#30a46c", warn: "#ffc53d", alarm: "#ff5a5f" };
  var S = { markers: {}, districtLayers: {}, districtLabels: {}, labels: null, selected: null, control: null,
            legend: null, status: {}, focus: [], stale: false, view: { code: null, district: null, point: null },
            streets: {}, streetSets: {}, land: {} };
  var STREET_ZOOM = 13;  /* a street has a seat point, not an outline: the map closes in on it */

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function send(obj) { console.log("cityops:" + JSON.stringify(obj)); }

  /* A permanent name (a district's, a street's) that measures itself once. Leaflet's tooltip reads its
     own offsetWidth/offsetHeight and rewrites its direction classes each time it is positioned, so at
     every zoom each of the ~30 names forced a layout of the page between two writes: a third of a
     drill's time in the page (its profiler, issue 16). Its size changes only with its text (measured
     again then) or a font arriving late (remeasureNames). Directions used here: "center" and "right". */
  var NameLabel = L.Tooltip.extend({
    _setPosition: function (pos) {
      var c = this._container;
      if (!this._size) this._size = [c.offsetWidth, c.offsetHeight];
      if (this._dirClass !== this.options.direction) {
        if (this._dirClass) L.DomUtil.removeClass(c, "leaflet-tooltip-" + this._dirClass);
        this._dirClass = this.options.direction;
        L.DomUtil.addClass(c, "leaflet-tooltip-" + this._dirClass);
      }
      var w = this._size[0], h = this._size[1];
      var sub = this._dirClass === "right" ? L.point(0, h / 2, true) : L.point(w / 2, h / 2, true);
      L.DomUtil.setPosition(c, pos.subtract(sub).add(L.point(this.options.offset)).add(this._getAnchor()));
    },
    _updateContent: function () {
      /* Leaflet sets the content again each time the name is added: measured again only when it changed
         (a district's street names are kept and added back at each drill to it) */
      if (this._sizedFor !== this._content) { this._size = null; this._sizedFor = this._content; }
      L.Tooltip.prototype._updateContent.call(this);
    },
    remeasure: function () {
      this._size = null;
      if (this._map) this.update();
    }
  });
  if (document.fonts) document.fonts.addEventListener("loadingdone", function () { remeasureNames(); });
  function remeasureNames() {
    if (!S.labels) return;
    S.labels.eachLayer(function (t) { if (t.remeasure) t.remeasure(); });
    Object.keys(S.streetSets).forEach(function (key) {  /* the shown district's and those kept for later */
      var markers = S.streetSets[key].markers;
      Object.keys(markers).forEach(function (code) {
        var t = markers[code].getTooltip();
        if (t && t.remeasure) t.remeasure();
      });
    });
  }

  function clusterIcon(cluster) {
    var worst = "blue";
    cluster.getAllChildMarkers().forEach(function (m) {
      if (SEV_RANK[m.options.sev] > SEV_RANK[worst]) worst = m.options.sev;
    });
    var d = el("div", "cityops-cluster", cluster.getChildCount());
    d.style.background = SEV_COLOR[worst];
    return L.divIcon({ html: d, className: "", iconSize: [34, 34] });
  }

  /* one style for a district from everything that decides it: its status, the emergency's focus, the
     drilled view (its district outlined, the others dimmed), and whether the picture is live */
  function districtStyle(code) {
    var st = S.status[code] || "nodata";
    var viewed = S.view.district;
    var weight = S.focus.indexOf(code) >= 0 ? 5 : viewed === code ? 3 : st === "alarm" ? 2.5 : 1;
    var opacity = S.stale ? 0.3 : viewed && viewed !== code ? 0.35 : 0.85;
    return { fillColor: STATUS_FILL[st] || STATUS_FILL.nodata, color: STATUS_EDGE[st] || STATUS_EDGE.nodata,
             weight: weight, fillOpacity: opacity, dashArray: S.stale ? "4 4" : null };
  }
  function restyle(codes) {
    (codes || Object.keys(S.districtLayers)).forEach(function (code) {
      if (S.districtLayers[code]) S.districtLayers[code].setStyle(districtStyle(code));
    });
  }
  function streetStyle(st, here) {
    /* the bright edge colours: a street's point must read against its district's dark fill */
    return { radius: here ? 9 : 6, color: here ? "#ffffff" : "#0b1a2a", weight: here ? 3 : 1.5,
             fillColor: STATUS_EDGE[st] || STATUS_EDGE.nodata, fillOpacity: 1 };
  }

  /* the part of a district a view frames: its polygons, less islets under 1% of its largest one (佘山岛,
     0.1 km² some 25 km east of Chongming, would pull the whole city's frame off to the left) */
  function landBounds(layer) {
    var polys = layer.getLatLngs(), parts = [];
    if (polys.length && polys[0].length && !Array.isArray(polys[0][0])) polys = [polys];  /* a Polygon */
    polys.forEach(function (poly) {
      var ring = poly[0], a = 0;
      for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        a += (ring[j].lng - ring[i].lng) * (ring[j].lat + ring[i].lat);
      }
      parts.push({ area: Math.abs(a), bounds: L.latLngBounds(ring) });
    });
    var big = Math.max.apply(null, parts.map(function (p) { return p.area; }));
    var b = null;
    parts.forEach(function (p) {
      if (p.area >= 0.01 * big) b = b ? b.extend(p.bounds) : L.latLngBounds(p.bounds.getSouthWest(), p.bounds.getNorthEast());
    });
    return b || layer.getBounds();
  }

  var STATUS_RANK = { nodata: 0, normal: 1, warn: 2, alarm: 3 };
  function overlaps(a, b) { return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom; }
  /* names never sit on each other (resources/map/label_placer.js): districts first (in focus, then the
     worst, then the largest on screen), then the street looked at, then streets by their worst status;
     each takes the first free place around its anchor, or is hidden (a street's point stays) */
  function declutter() {
    if (!window.cityopsLabels || !S.map || S.settingView) return 0;  /* setView places the names once, at its end */
    if (S.grid) S.placedAtTiles = S.grid.drawn();
    var items = [];
    if (S.map.hasLayer(S.labels)) {
      Object.keys(S.districtLabels).forEach(function (code) {
        var t = S.districtLabels[code], e = t.getElement(), l = S.districtLayers[code];
        if (!e || !S.labels.hasLayer(t)) return;
        var b = l.getBounds(), ne = S.map.latLngToLayerPoint(b.getNorthEast()), sw = S.map.latLngToLayerPoint(b.getSouthWest());
        var size = Math.min(99, Math.log(1 + Math.abs((ne.x - sw.x) * (sw.y - ne.y))) * 6);
        var prio = 3000 + (S.focus.indexOf(code) >= 0 ? 500 : 0) + (STATUS_RANK[S.status[code]] || 0) * 100 + size;
        items.push({ el: e, prio: prio, places: window.cityopsLabels.AROUND_CENTRE });
      });
    }
    Object.keys(S.streets).forEach(function (code) {
      var m = S.streets[code], e = m.getTooltip() && m.getTooltip().getElement();
      if (!e) return;
      var prio = code === S.view.code ? 2900 : 1000 + (STATUS_RANK[m._cityopsSt] || 0) * 100;
      items.push({ el: e, prio: prio, places: window.cityopsLabels.AROUND_POINT });
    });
    return window.cityopsLabels.place(items);
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
      S.heat = window[names.heat];
      if (names.incidents === "grid") {  /* canvas tiles (city_incidents.js); else the older markercluster */
        S.cluster = window.cityopsIncidentLayer(window[names.map], { colors: SEV_COLOR, popupFor: popupFor, send: send })
          .addTo(window[names.map]);
        S.grid = S.cluster.cityops;
      } else {
        S.cluster = window[names.cluster];
        S.cluster.options.iconCreateFunction = clusterIcon;
      }
      S.labels = L.layerGroup().addTo(S.map);
      /* names above every marker (incident discs 430, unit badges 640), under popups and hover tips; the
         placer keeps them off markers where it can (label_placer.js) */
      S.map.createPane("cityopsLabels").style.zIndex = 645;
      S.map.getPane("cityopsLabels").style.pointerEvents = "none";
      if (window.cityopsAreas) cityopsAreas.init(S.map);  /* warnings' areas (incident_areas.js) */
      /* streets' seat points above the district outlines, under the stale hatch (z-index 450) */
      S.map.createPane("cityopsStreets").style.zIndex = 420;
      S.streetLayer = null;  /* the view's street points: one of S.streetSets, by district */
      S.districts.eachLayer(function (layer) {
        var p = layer.feature.properties;
        S.districtLayers[p.code] = layer;
        S.land[p.code] = landBounds(layer);
        layer.on("click", function () { send({ area: p.code }); });
        var c = layer.getBounds().getCenter();
        var t = new NameLabel({ permanent: true, direction: "center", className: "cityops-label", interactive: false,
                                pane: "cityopsLabels" })
          .setLatLng(c).setContent(el("span", null, p.name_zh));
        t._cityopsNames = { zh: p.name_zh, en: p.name_en };
        S.districtLabels[p.code] = t;
        S.labels.addLayer(t);
      });
      var fit = function () {
        /* the districts in focus (an emergency's area), else the view: a district, a street's seat, the city */
        var b = null;
        var codes = S.focus.length ? S.focus : S.view.district ? [S.view.district] : Object.keys(S.land);
        codes.forEach(function (code) {
          var l = S.land[code];
          if (l) b = b ? b.extend(l) : L.latLngBounds(l.getSouthWest(), l.getNorthEast());
        });
        S.map.invalidateSize();  /* the page may have been zoomed or resized since Leaflet last looked */
        S.map.fitBounds(b || S.districts.getBounds(), { padding: [10, 10], animate: false });
        if (!S.focus.length && S.view.point) S.map.setView(S.view.point, Math.max(S.map.getZoom(), STREET_ZOOM), { animate: false });
      };
      fit();
      /* follow the window while nobody has moved the map by hand (a wall screen, a resized dock) */
      var container = S.map.getContainer();
      ["mousedown", "wheel", "touchstart", "keydown"].forEach(function (ev) {
        container.addEventListener(ev, function () { S.userMoved = true; }, { passive: true });
      });
      S.map.on("zoomend overlayadd", function () { declutter(); });
      /* the incidents' tiles of a new view are drawn after zoomend: the names are placed again around them */
      if (S.grid) S.cluster.on("load", function () { if (S.grid.drawn() !== S.placedAtTiles) declutter(); });
      window.addEventListener("resize", function () {
        S.map.invalidateSize();
        if (!S.userMoved) fit();
        if (S.pendingHeat) api.setHeat(S.pendingHeat);
        declutter();
      });
      api.fit = function () { S.userMoved = false; fit(); return true; };
      /* the map was moved on purpose (a unit picked in the dock): a resize no longer re-frames it */
      api.hold = function () { S.userMoved = true; return true; };
      api.wall = function (on) {
        var c = S.map.getContainer();
        if (on) c.classList.add("cityops-wall"); else c.classList.remove("cityops-wall");
        declutter();
        return true;
      };
      api.focus = function (codes) {
        S.focus = codes || [];
        restyle();
        return api.fit();
      };
      api.ready = true;
      /* said once the console's calls can arrive (page_feed.js) */
      window.cityopsWhenFeed(function () {
        document.title = "cityops-ready";
        send({ ready: true });
      });
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
      if (window.cityopsGis) window.cityopsGis.addOverlays(S.control, t);
      declutter();
      return true;
    },
    setDistrictStatus: function (statuses) {
      Object.keys(statuses).forEach(function (code) { S.status[code] = statuses[code]; });
      restyle(Object.keys(statuses));
      return Object.keys(statuses).length;
    },
    setView: function (v) {
      /* the drilled view {code, district, point:[lat,lon]|null, streets:[{code,name,lat,lon,st}]}: the map
         frames it, dims the other districts and draws the district's streets by their worst status.
         A district's street points and names are made at its first drill and kept (S.streetSets): the next
         drills to it add them back, restyled and renamed only where that changed (a new name is laid out
         and measured, and making ~15 of them was a tenth of a drill in the page) */
      var before = S.view.district;
      S.view = { code: v.code, district: v.district || null, point: v.point || null };
      var key = S.view.district || "", set = S.streetSets[key];
      if (!set) set = S.streetSets[key] = { group: L.layerGroup(), markers: {} };
      if (S.streetLayer !== set.group) {
        if (S.streetLayer) S.map.removeLayer(S.streetLayer);
        S.streetLayer = set.group;
      }
      var want = {};
      (v.streets || []).forEach(function (p) {
        var m = set.markers[p.code], style = p.st + (p.code === v.code ? "|here" : "");
        want[p.code] = true;
        if (!m) {
          m = set.markers[p.code] = L.circleMarker([p.lat, p.lon], Object.assign({ pane: "cityopsStreets" }, streetStyle(p.st, p.code === v.code)));
          m.on("click", function () { send({ area: p.code }); });
          m.bindTooltip(new NameLabel({ permanent: true, direction: "right", offset: [6, 0],
                                        className: "cityops-street-label", pane: "cityopsLabels" })
            .setContent(el("span", null, p.name)));
          m._cityopsName = p.name;
          m._cityopsCode = p.code;
          m._cityopsStyle = style;
          set.group.addLayer(m);
        } else if (m._cityopsStyle !== style) {
          m.setStyle(streetStyle(p.st, p.code === v.code));
          m._cityopsStyle = style;
        }
        if (m._cityopsName !== p.name) { m.setTooltipContent(el("span", null, p.name)); m._cityopsName = p.name; }
        if (m.getLatLng().lat !== p.lat || m.getLatLng().lng !== p.lon) m.setLatLng([p.lat, p.lon]);
        m._cityopsSt = p.st;
      });
      Object.keys(set.markers).forEach(function (code) {  /* a street no longer sent: gone from the view */
        if (!want[code]) { set.group.removeLayer(set.markers[code]); delete set.markers[code]; }
      });
      S.streets = set.markers;
      S.settingView = true;  /* the zoom below places no names: they are placed once, below */
      try {
        if (!S.map.hasLayer(set.group)) set.group.addTo(S.map);
        /* the drilled district's name is in the breadcrumb; its label would sit on its streets */
        if (before && S.districtLabels[before]) S.labels.addLayer(S.districtLabels[before]);
        if (S.view.district && S.districtLabels[S.view.district]) S.labels.removeLayer(S.districtLabels[S.view.district]);
        restyle();
        api.fit();
      } finally {
        S.settingView = false;
      }
      declutter();
      return Object.keys(S.streets).length;
    },
    setStreetStatus: function (statuses) {
      var n = 0;
      Object.keys(statuses).forEach(function (code) {
        var m = S.streets[code];
        if (m) {
          m.setStyle(streetStyle(statuses[code], code === S.view.code));
          m._cityopsSt = statuses[code];
          m._cityopsStyle = statuses[code] + (code === S.view.code ? "|here" : "");
          n += 1;
        }
      });
      if (n) declutter();  /* a street gone bad takes its name back */
      return n;
    },
    viewState: function () {
      /* what the map shows, for tests: the view, the streets drawn with their fill, the centre and zoom */
      var streets = {};
      Object.keys(S.streets).forEach(function (code) { streets[code] = S.streets[code].options.fillColor; });
      var c = S.map.getCenter();
      var named = Object.keys(S.streets).filter(function (code) {
        var e = S.streets[code].getTooltip().getElement();
        return e && e.style.visibility !== "hidden";
      });
      return { code: S.view.code, district: S.view.district, streets: streets, named: named, zoom: S.map.getZoom(),
               center: [c.lat, c.lng], labelHidden: !!(S.view.district && !S.labels.hasLayer(S.districtLabels[S.view.district])) };
    },
    upsertIncidents: function (list) {
      /* a warning's area (incident_areas.js), whichever layer draws the markers */
      if (window.cityopsAreas) list.forEach(function (inc) { cityopsAreas.set(inc.id, inc.area, inc.sev); });
      if (S.grid) return S.grid.upsert(list);
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
      if (window.cityopsAreas) ids.forEach(function (id) { cityopsAreas.drop(id); });
      if (S.grid) return S.grid.remove(ids);
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
      if (S.grid) { S.selected = S.grid.select(id) ? id : S.selected; return S.selected === id; }
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
      S.stale = !!f.marked;
      restyle();
      if (!S.fresh) {
        S.fresh = L.control({ position: "topleft" });
        S.fresh.onAdd = function () { S.freshBox = el("div", "cityops-freshness"); return S.freshBox; };
        S.fresh.addTo(S.map);
      }
      S.freshBox.textContent = f.marked ? f.text : "";
      S.freshBox.style.display = f.marked ? "block" : "none";
      return f.marked;
    },
    declutter: declutter,
    count: function () { return S.grid ? S.grid.count() : Object.keys(S.markers).length; },
    popupText: function (id) {
      var inc = S.grid ? S.grid.get(id) : S.markers[id] && S.markers[id]._cityops;
      if (!inc) return null;
      var box = popupFor(inc);
      return { text: box.textContent, html: box.innerHTML, scripts: box.getElementsByTagName("script").length,
               imgs: box.getElementsByTagName("img").length };
    }
  };
  api.el = el;  /* for the page's other parts (gis_layers.js): one way to make text and report clicks */
  api.send = send;
  window.cityops = api;
})();
