/* bench_street_city.py --page-listeners: the time each Leaflet event listener of the map page takes, by
   event and listener, while window.__cityopsTiming.on is true. Leaflet calls every listener through
   Evented.fire; this is the same fire (Leaflet 1.9.3's, minus nothing) with a clock around each call.
   A listener that fires events itself counts their listeners too (inclusive). Returns 1 once installed. */
(function () {
  if (window.__cityopsTiming) return 1;
  var T = window.__cityopsTiming = { on: false, ms: {}, calls: {} };
  function label(type, l) {
    var c = l.ctx, fn = l.fn;
    var owner = c && c.options && c.options.pane ? c.options.pane : c instanceof L.Map ? "map" : "";
    var text = (fn.name || "") + " " + String(fn).slice(0, 60).replace(/\s+/g, " ");
    return type + " | " + owner + " | " + text;
  }
  L.Evented.prototype.fire = function (type, data, propagate) {
    if (!this.listens(type, propagate)) return this;
    var event = L.Util.extend({}, data, { type: type, target: this, sourceTarget: data && data.sourceTarget || this });
    if (this._events) {
      var listeners = this._events[type];
      if (listeners) {
        this._firingCount = (this._firingCount + 1) || 1;
        for (var i = 0, len = listeners.length; i < len; i++) {
          var l = listeners[i], fn = l.fn;
          if (l.once) this.off(type, fn, l.ctx);
          var t = performance.now();
          fn.call(l.ctx || this, event);
          if (T.on) {
            var k = label(type, l);
            T.ms[k] = (T.ms[k] || 0) + performance.now() - t;
            T.calls[k] = (T.calls[k] || 0) + 1;
          }
        }
        this._firingCount--;
      }
    }
    if (propagate) this._propagateEvent(event);
    return this;
  };
  var setView = cityops.setView;
  T.setView = [];
  cityops.setView = function (v) {
    var t = performance.now();
    try { return setView.call(cityops, v); } finally { if (T.on) T.setView.push(performance.now() - t); }
  };
  return 1;
})();
