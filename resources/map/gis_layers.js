/* CityOps map base and site layers (console/gis, console/views/map_page.py):
   - water and coast (resources/shanghai/water.geojson: GSHHS/WDBII, overview scale): the land around the
     city under the districts, lakes and rivers over them;
   - street cells, coloured by each street's worst status, shown for the district looked at, and at the
     city's view for every district from zoom 11: the site's street layer when it has one, else the schematic Voronoi cells (示意,
     dashed edges);
   - the site's own layers ([[map.layers]]), one tier script per zoom band, loaded when the zoom needs it.
   Every name from a file is set with textContent: markup in a name shows literally. */
(function () {
  "use strict";
  var STATUS_FILL = { nodata: "#1d2633", normal: "#1f4d3a", warn: "#7a5f14", alarm: "#7d1f24" };
  var STATUS_EDGE = { nodata: "#6b7f99", normal: "#30a46c", warn: "#ffc53d", alarm: "#ff5a5f" };
  var WATER = "#1e4a70", WATER_EDGE = "#2f6d9f", LAND = "#1a232e";  /* no edge: the box it is cut to is not a coast */
  var CELL_ZOOM = 11;  /* from here every district's streets show, not only the one looked at */
  var G = { cells: {}, cellStatus: {}, view: { district: null, code: null }, site: [], loaded: {}, loading: {} };

  /* the page's own: text always as textContent, clicks reported to the console (city_map.js, loaded first) */
  var el = window.cityops.el, send = window.cityops.send;
  /* Leaflet's layer switch writes a layer's name as HTML: a site's layer name goes in escaped */
  function escaped(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function pane(name, z, clicks) {
    var p = G.map.createPane(name);
    p.style.zIndex = z;
    if (!clicks) p.style.pointerEvents = "none";
    /* Leaflet's own margin (a tenth of the view each side): each canvas is 1.44 times the view, where 0.3
       made it 2.56 times, all of it cleared, drawn and composited again at every zoom (a drill) */
    return L.canvas({ pane: name, padding: 0.1 });
  }

  function cellStyle(code) {
    var st = G.cellStatus[code] || "nodata", here = code === G.view.code;
    return { fillColor: STATUS_FILL[st], fillOpacity: st === "nodata" ? 0.0 : 0.55,
             color: here ? "#ffffff" : STATUS_EDGE[st] === STATUS_EDGE.nodata ? "#4d6178" : STATUS_EDGE[st],
             weight: here ? 2.5 : 0.8, opacity: 0.9, dashArray: G.schematic ? "3 3" : null };
  }
  function showCells() {
    /* a district looked at: its own cells (the others are dimmed); the city: every district's from CELL_ZOOM */
    var all = !G.view.district && G.map.getZoom() >= CELL_ZOOM;
    Object.keys(G.cells).forEach(function (code) {
      var c = G.cells[code], want = all || (G.view.district && c._cityopsDistrict === G.view.district);
      if (want && !G.cellGroup.hasLayer(c)) G.cellGroup.addLayer(c);
      else if (!want && G.cellGroup.hasLayer(c)) G.cellGroup.removeLayer(c);
    });
    /* the 示意 note shows while schematic cells do */
    if (G.noteBox) G.noteBox.style.display = G.cellGroup.getLayers().length && G.map.hasLayer(G.cellGroup) ? "" : "none";
  }
  function addCells(fc, codeOf, districtOf) {
    L.geoJSON(fc, {
      renderer: G.cellRenderer, interactive: true,
      onEachFeature: function (f, layer) {
        var code = codeOf(f);
        if (!code) return;
        layer._cityopsDistrict = districtOf(f);
        layer.setStyle(cellStyle(code));
        layer.on("click", function () { send({ area: code }); });
        G.cells[code] = layer;
      }
    });
  }

  function siteStyle(spec, f) {
    var s = spec.style || {};
    var st = spec.coded && f && G.cellStatus[f.properties.code];
    return { color: s.color || "#7fb3ff", weight: s.weight === undefined ? 1.5 : s.weight,
             opacity: s.opacity === undefined ? 0.9 : s.opacity,
             fillColor: st ? STATUS_FILL[st] : s.fill_color || s.color || "#7fb3ff",
             fillOpacity: s.fill_opacity === undefined ? (spec.kind === "points" ? 0.9 : 0.15) : s.fill_opacity,
             dashArray: s.dash || null, radius: s.radius || 5 };
  }
  function tierFor(spec, zoom) {
    /* the tier made for this zoom: the finest whose band starts at or below it (bands: tier-1 .. tier+1) */
    var zs = Object.keys(spec.tiers).map(Number).sort(function (a, b) { return a - b; });
    var best = zs[0];
    zs.forEach(function (z) { if (zoom >= z - 1) best = z; });
    return best;
  }
  function chunksInView(t) {
    /* the chunk ids of a tier that the view (with a margin) reaches: all of an uncut tier */
    if (!t.step) return Object.keys(t.chunks);
    var b = G.map.getBounds().pad(0.2), out = [];
    var x0 = Math.floor(b.getWest() / t.step), x1 = Math.floor(b.getEast() / t.step);
    var y0 = Math.floor(b.getSouth() / t.step), y1 = Math.floor(b.getNorth() / t.step);
    for (var x = x0; x <= x1; x++) {
      for (var y = y0; y <= y1; y++) { if (t.chunks[x + "_" + y]) out.push(x + "_" + y); }
    }
    return out;
  }
  function refreshSite() {
    /* each site layer shows its tier for this zoom, only the chunks in view; the others leave the map */
    var zoom = G.map.getZoom();
    G.site.forEach(function (spec) {
      var inRange = zoom >= spec.min && zoom <= spec.max && G.map.hasLayer(spec.group);
      var z = inRange ? tierFor(spec, zoom) : null;
      var want = {};
      if (z !== null) chunksInView(spec.tiers[String(z)]).forEach(function (c) { want[z + ":" + c] = c; });
      spec.shown = z;
      Object.keys(spec.onMap).forEach(function (id) {
        if (!want[id]) { spec.content.removeLayer(spec.onMap[id]); delete spec.onMap[id]; }
      });
      Object.keys(want).forEach(function (id) {
        var full = spec.key + ":" + id;
        if (spec.onMap[id]) return;
        if (G.loaded[full]) { spec.onMap[id] = G.loaded[full]; spec.content.addLayer(G.loaded[full]); return; }
        if (G.loading[full]) return;
        G.loading[full] = true;
        var s = document.createElement("script");
        s.src = spec.tiers[String(z)].chunks[want[id]];
        document.head.appendChild(s);
      });
    });
  }

  function addSite(spec) {
    /* a site layer, in the order the configuration lists them (later ones drawn over earlier, whichever
       was read first: those after it leave the map and come back, to be drawn again over it) */
    spec.group = L.layerGroup();
    spec.content = L.layerGroup().addTo(spec.group);
    spec.onMap = {};  /* "zoom:chunk" -> the chunk's layer, while on the map */
    spec.shown = null;
    var after = G.site.filter(function (s) { return s.order > spec.order; });
    var again = after.filter(function (s) { return G.map.hasLayer(s.group); });
    again.forEach(function (s) { G.map.removeLayer(s.group); });
    spec.group.addTo(G.map);
    again.forEach(function (s) { s.group.addTo(G.map); });
    G.site.push(spec);
    G.site.sort(function (a, b) { return a.order - b.order; });
  }
  function dropSchematic() {
    /* the site's own street layer arrived: the schematic cells (and their 示意 note) give way to it */
    Object.keys(G.cells).forEach(function (code) { G.cellGroup.removeLayer(G.cells[code]); });
    G.cells = {};
    G.schematic = false;
    if (G.control) G.control.removeLayer(G.cellGroup);
    if (G.note) G.map.removeControl(G.note);
    G.note = null;
    G.noteBox = null;
  }

  var api = {
    ready: false,
    init: function (cfg) {
      G.map = window[cfg.map];
      if (!G.map || !window.cityops || !cityops.ready) return false;
      G.schematic = !!cfg.schematic;
      var base = window.cityopsGisBase || {};
      var landR = pane("cityopsLand", 380, false), cellR = pane("cityopsCells", 410, true);
      var waterR = pane("cityopsWater", 415, false), siteR = pane("cityopsSite", 417, true);
      G.cellRenderer = cellR;
      G.siteRenderer = siteR;
      /* water and coast: land under the districts, lakes and rivers over them and their streets */
      G.land = L.geoJSON(base.water, { renderer: landR, interactive: false,
        filter: function (f) { return f.properties.kind === "land" || f.properties.kind === "island"; },
        style: function () { return { stroke: false, fillColor: LAND, fillOpacity: 1 }; } }).addTo(G.map);
      G.water = L.geoJSON(base.water, { renderer: waterR, interactive: false,
        filter: function (f) { return f.properties.kind === "lake" || f.properties.kind === "river"; },
        style: function (f) {
          /* the Huangpu downtown (the districts' shared border) is a wide river; WDBII's lines are streams */
          if (f.properties.kind === "river") {
            return { color: WATER_EDGE, weight: f.properties.source === "districts" ? 4 : 2, opacity: 0.95 };
          }
          return { color: WATER_EDGE, weight: 1, fillColor: WATER, fillOpacity: 1 };
        } }).addTo(G.map);
      G.cellGroup = L.layerGroup().addTo(G.map);
      if (base.cells) {
        addCells(base.cells, function (f) { return f.properties.code; }, function (f) { return f.properties.district; });
      }
      /* the site's layers read so far (the others arrive through addLayer) */
      (cfg.layers || []).forEach(addSite);
      G.map.on("zoomend overlayadd overlayremove", function () { showCells(); refreshSite(); });
      G.map.on("moveend", refreshSite);
      /* the view and street statuses the console already sends to cityops also colour the cells */
      var setView = cityops.setView, setStreetStatus = cityops.setStreetStatus;
      cityops.setView = function (v) {
        /* only the cells whose look changed are restyled: the street looked at before and now, and those
           whose status came with the view (all 215 were, at every drill) */
        var changed = {};
        changed[G.view.code] = true;
        changed[v.code] = true;
        G.view = { district: v.district || null, code: v.code };
        (v.streets || []).forEach(function (p) {
          if (G.cellStatus[p.code] !== p.st) { G.cellStatus[p.code] = p.st; changed[p.code] = true; }
        });
        var n = setView(v);
        Object.keys(changed).forEach(function (code) { if (G.cells[code]) G.cells[code].setStyle(cellStyle(code)); });
        showCells();
        return n;
      };
      cityops.setStreetStatus = function (statuses) {
        var n = setStreetStatus(statuses);
        api.setCellStatus(statuses);
        return n;
      };
      showCells();
      refreshSite();
      api.ready = true;
      return true;
    },
    addLayer: function (spec) {
      /* a site layer read after the page was built (console/gis/layer_worker.py): on the map from now */
      if (G.site.some(function (s) { return s.key === spec.key; })) return 0;
      if (spec.streets && G.schematic) dropSchematic();
      addSite(spec);
      if (G.control) G.control.addOverlay(spec.group, escaped(spec.name));
      refreshSite();
      return G.site.length;
    },
    tier: function (key, zoom, chunk, fc) {
      /* a tier's chunk arrived (refreshSite asked for it) */
      var spec = G.site.filter(function (s) { return s.key === key; })[0];
      if (!spec) return 0;
      var id = key + ":" + zoom + ":" + chunk;
      var layer = L.geoJSON(fc, {
        renderer: G.siteRenderer,
        pointToLayer: function (f, ll) { return L.circleMarker(ll, Object.assign({ renderer: G.siteRenderer, pane: "cityopsSite" }, siteStyle(spec, f))); },
        style: function (f) { return siteStyle(spec, f); },
        onEachFeature: function (f, l) {
          var p = f.properties;
          l._cityopsProps = p;
          if (p.name || p.code) {
            l.bindTooltip(el("span", null, p.name || p.code), { className: "cityops-site-tip", sticky: true });
          }
          if (spec.coded && p.code && (spec.level === "street" || spec.level === "district")) {
            l.on("click", function () { send({ area: p.code }); });
          }
        }
      });
      G.loaded[id] = layer;
      delete G.loading[id];
      refreshSite();  /* on the map if it is still wanted */
      return fc.features.length;
    },
    setCellStatus: function (statuses) {
      var n = 0, codes = Object.keys(statuses);
      codes.forEach(function (code) {
        G.cellStatus[code] = statuses[code];
        if (G.cells[code]) { G.cells[code].setStyle(cellStyle(code)); n += 1; }
      });
      G.site.forEach(function (spec) {  /* a site's coded boundaries (its street layer) are coloured alike */
        if (!spec.coded) return;
        Object.keys(G.loaded).forEach(function (id) {
          if (id.indexOf(spec.key + ":") !== 0) return;
          /* only the features of the codes that changed: a grid layer holds tens of thousands */
          var chunk = G.loaded[id], byCode = chunk._cityopsByCode;
          if (!byCode) {  /* indexed once per chunk, the first time a status reaches it */
            byCode = chunk._cityopsByCode = {};
            chunk.eachLayer(function (l) {
              var c = l.feature && l.feature.properties.code;
              if (c) (byCode[c] = byCode[c] || []).push(l);
            });
          }
          codes.forEach(function (c) {
            (byCode[c] || []).forEach(function (l) { l.setStyle(siteStyle(spec, l.feature)); });
          });
        });
      });
      return n;
    },
    restyle: function () {
      Object.keys(G.cells).forEach(function (code) { G.cells[code].setStyle(cellStyle(code)); });
      showCells();
    },
    addOverlays: function (control, t) {
      /* the layer switch: water, the street cells (示意 when schematic), each site layer by its own name */
      G.control = control;
      if (t.water) control.addOverlay(G.water, t.water);
      if (Object.keys(G.cells).length) control.addOverlay(G.cellGroup, G.schematic ? t.cellsSchematic : t.cells);
      G.site.forEach(function (spec) { control.addOverlay(spec.group, escaped(spec.name)); });
      if (G.note) G.map.removeControl(G.note);
      G.note = null;
      if (G.schematic && t.cellsNote) {
        G.note = L.control({ position: "bottomleft" });
        G.note.onAdd = function () { G.noteBox = el("div", "cityops-legend cityops-schematic-note", t.cellsNote); return G.noteBox; };
        G.note.addTo(G.map);
        showCells();
      }
      return true;
    },
    state: function () {
      /* for tests: what is drawn */
      var cells = {};
      G.cellGroup.eachLayer(function (l) {
        Object.keys(G.cells).forEach(function (c) { if (G.cells[c] === l) cells[c] = l.options.fillColor; });
      });
      return { cells: cells, water: G.water.getLayers().length, land: G.land.getLayers().length,
               pending: Object.keys(G.loading).length,
               site: G.site.map(function (s) {
                 var n = 0;
                 Object.keys(s.onMap).forEach(function (id) { n += s.onMap[id].getLayers().length; });
                 return { key: s.key, shown: s.shown, chunks: Object.keys(s.onMap).length, n: n };
               }) };
    },
    openTip: function (key, fid) {
      /* for tests: open a site feature's tooltip and say what the page shows in it */
      var spec = G.site.filter(function (s) { return s.key === key; })[0];
      var found = null;
      if (spec) {
        Object.keys(spec.onMap).forEach(function (id) {
          spec.onMap[id].eachLayer(function (l) { if (l._cityopsProps.fid === fid) found = l; });
        });
      }
      if (!found) return null;
      found.openTooltip(found.getBounds ? found.getBounds().getCenter() : found.getLatLng());
      var e = found.getTooltip().getElement();
      return { text: e.textContent, imgs: e.getElementsByTagName("img").length,
               scripts: e.getElementsByTagName("script").length, html: e.innerHTML };
    }
  };
  window.cityopsGis = api;
})();
