/* A jump to a new zoom (a drill, a frame fitted to an area: Leaflet's _resetView) projects and clips each
   canvas path once, not twice.

   Leaflet 1.9's canvas renderer meets such a jump three times: at "zoomend" it projects every path (needed
   after an animated zoom, which has no "viewreset"), at "moveend" it clears the canvas, and at "viewreset"
   it projects and clips every path again, then clips them a second time and draws. It already knows the
   jump is one (its own _postponeUpdatePaths flag, set at "viewprereset", keeps it from drawing before
   "viewreset"); this uses the same flag to skip the work "viewreset" does again. Measured in a drill's page
   (issue 16): the first projection was ~6 ms of each drill (the land, the districts and the water have
   ~12,000 points), the first clipping a few more.

   Loaded after leaflet.js and before any map is made: a renderer takes its handlers when added. */
(function () {
  "use strict";
  var zoomEnd = L.Canvas.prototype._onZoomEnd, reset = L.Canvas.prototype._reset;
  L.Canvas.include({
    _onZoomEnd: function () {
      if (this._postponeUpdatePaths) return;  /* a viewreset follows in this same jump, and projects them */
      zoomEnd.call(this);
    },
    _reset: function () {
      if (!this._postponeUpdatePaths) return reset.call(this);
      /* Renderer._reset without each path's own _update (its clipping): _updatePaths below clips them all
         once, then draws */
      this._update();
      this._updateTransform(this._center, this._zoom);
      for (var id in this._layers) this._layers[id]._project();
      this._postponeUpdatePaths = false;
      this._updatePaths();
    }
  });
})();
