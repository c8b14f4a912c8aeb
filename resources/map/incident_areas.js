/* CityOps city map: where a warning applies (a CAP alert's <area>s: polygons and circles), drawn under
   its incident's marker in the incident's colour, replaced in place when the incident changes and gone
   when it closes. The description is set with textContent, like every text from the feed. */
(function () {
  "use strict";
  var COLOR = { red: "#e5484d", orange: "#f76b15", yellow: "#ffc53d", blue: "#3e8cf7" };
  var A = { map: null, group: null, layers: {} };

  function tip(desc) {
    var s = document.createElement("span");
    s.textContent = String(desc || "");
    return s;
  }

  window.cityopsAreas = {
    init: function (map) {
      A.map = map;
      /* under the markers (overlay pane 400, markers 600), above the district outlines */
      map.createPane("cityopsAreas").style.zIndex = 410;
      A.group = L.layerGroup().addTo(map);
    },
    set: function (id, area, sev) {
      this.drop(id);
      if (!A.group || !area) return 0;
      var style = { pane: "cityopsAreas", color: COLOR[sev] || "#9aa4b2", weight: 2, dashArray: "6 4",
                    fillColor: COLOR[sev] || "#9aa4b2", fillOpacity: 0.12, interactive: true };
      var parts = [];
      (area.polygons || []).forEach(function (ring) { parts.push(L.polygon(ring, style)); });
      (area.circles || []).forEach(function (c) {
        parts.push(L.circle([c.lat, c.lon], L.extend({ radius: c.radius_km * 1000 }, style)));
      });
      if (!parts.length) return 0;
      var layer = L.featureGroup(parts);
      if (area.desc) layer.bindTooltip(tip(area.desc), { sticky: true });
      layer.addTo(A.group);
      A.layers[id] = layer;
      return parts.length;
    },
    drop: function (id) {
      var layer = A.layers[id];
      if (!layer) return;
      A.group.removeLayer(layer);
      delete A.layers[id];
    },
    /* for tests and diagnostics: what is drawn for an incident */
    describe: function (id) {
      var layer = A.layers[id];
      if (!layer) return null;
      var b = layer.getBounds(), n = 0, colors = [];
      layer.eachLayer(function (l) { n += 1; colors.push(l.options.color); });
      return { parts: n, south: b.getSouth(), west: b.getWest(), north: b.getNorth(), east: b.getEast(),
               colors: colors, desc: layer.getTooltip() ? layer.getTooltip().getContent().textContent : null };
    },
    count: function () { return Object.keys(A.layers).length; }
  };
})();
