/* The crowd heat drawn at half the map's resolution, shown at its full size.

   Leaflet.heat redraws its whole canvas after every move and zoom, and after every new set of points: a
   disc per point, then the canvas read back, coloured pixel by pixel in JavaScript and written again. On
   the 2-core machine that was ~6 ms of each drill's page (issue 16), and as much at each heat update. The
   heat is a blur of radius 28 + 22 px: at half resolution, scaled up by the browser, it looks the same and
   costs a quarter. The points are summed on the same 25 px grid of the map as before, so its peaks do not
   move; only each canvas pixel stands for 2 x 2 of the screen's.

   Loaded after leaflet_heat.min.js and before the layer is made (the page's script order). */
(function () {
  "use strict";
  var K = 0.5;
  L.HeatLayer.include({
    _updateOptions: function () {
      /* Leaflet.heat's own defaults (a radius of 25, a blur of 15), scaled with the canvas */
      this._heat.radius((this.options.radius || this._heat.defaultRadius) * K, (this.options.blur || 15) * K);
      if (this.options.gradient) this._heat.gradient(this.options.gradient);
    },
    _reset: function () {
      L.DomUtil.setPosition(this._canvas, this._map.containerPointToLayerPoint([0, 0]));
      var size = this._map.getSize();
      var w = Math.max(1, Math.round(size.x * K)), h = Math.max(1, Math.round(size.y * K));
      if (this._heat._width !== w) this._canvas.width = this._heat._width = w;
      if (this._heat._height !== h) this._canvas.height = this._heat._height = h;
      this._canvas.style.width = size.x + "px";  /* shown over the whole map */
      this._canvas.style.height = size.y + "px";
      this._redraw();
    },
    _redraw: function () {
      /* Leaflet.heat's _redraw (with its weights fix, Leaflet.heat#78), in canvas pixels: K x the map's */
      if (!this._map) return;
      var r = this._heat._r, cell = r / 2, grid = [], data = [], max = 1;
      var size = this._map.getSize().multiplyBy(K);
      var inside = new L.Bounds(L.point([-r, -r]), size.add([r, r]));
      var pane = this._map._getMapPanePos().multiplyBy(K), offX = pane.x % cell, offY = pane.y % cell;
      for (var i = 0; i < this._latlngs.length; i++) {
        var ll = this._latlngs[i], p = this._map.latLngToContainerPoint(ll).multiplyBy(K);
        var x = Math.floor((p.x - offX) / cell) + 2, y = Math.floor((p.y - offY) / cell) + 2;
        var weight = ll.alt !== undefined ? ll.alt : ll[2] !== undefined ? +ll[2] : 1;
        var row = grid[y] = grid[y] || [], c = row[x];
        if (!c) {
          c = row[x] = [p.x, p.y, weight];
          c.p = p;
        } else {
          c[0] = (c[0] * c[2] + p.x * weight) / (c[2] + weight);
          c[1] = (c[1] * c[2] + p.y * weight) / (c[2] + weight);
          c[2] += weight;
        }
        if (c[2] > max) max = c[2];
      }
      this._max = max;
      this._heat.max(max);
      grid.forEach(function (row) {
        row.forEach(function (c) {
          if (c && inside.contains(c.p)) data.push([Math.round(c[0]), Math.round(c[1]), Math.min(c[2], max)]);
        });
      });
      this._heat.data(data).draw(this.options.minOpacity);
      this._frame = null;
    }
  });
})();
