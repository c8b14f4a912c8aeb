/* The console's calls into the page (district colours, incidents, heat, units, the view) arrive as
   messages on a QWebChannel and are handled here, by code compiled once. They used to come as a script
   each (runJavaScript): the page's process then kept native memory for the scripts it had compiled and
   run while the page's own heap stayed flat: +66 MB in 30 s of 1,000 calls a second, where messages
   leave it as it was (`./dev bench-page-feed`; docs/benchmarks.md, the wall's soak). A message is JSON:
   [target ("map" or "gis"), call, payload, answer id or -1]; a call made before its target is ready is not
   made (answered false), as the old scripts' `cityops.ready &&`.
   Outside Qt (no qt.webChannelTransport) nothing arrives and the page says it is ready on its own. */
(function () {
  "use strict";
  var connected = false, waiting = [];
  function target(name) { return name === "gis" ? window.cityopsGis : window.cityops; }
  function handle(feed, text) {
    var m, t, result = false;
    try {
      m = JSON.parse(text);
      t = target(m[0]);
      if (m[1] === "") result = true;  /* a mark: every call sent before it has been handled */
      else if (t && t.ready && typeof t[m[1]] === "function") result = t[m[1]](m[2]);
    } catch (e) {
      console.error("cityops feed: " + (m ? m[1] : "?") + ": " + e);  /* the console logs page errors */
    }
    if (m && m[3] >= 0) {  /* always answered: a chain of calls (the incident pieces) waits for it */
      var answer = "null";
      try { answer = JSON.stringify(result === undefined ? null : result); } catch (e) { /* not JSON: null */ }
      feed.answer(m[3], answer);
    }
  }
  /* the page says it is ready (city_map.js) only once the channel is there: a call sent after "ready"
     then always finds its handler */
  window.cityopsWhenFeed = function (fn) { if (connected) fn(); else waiting.push(fn); };
  function open() {
    connected = true;
    waiting.splice(0).forEach(function (fn) { fn(); });
  }
  if (typeof qt === "undefined" || !qt.webChannelTransport || typeof QWebChannel === "undefined") {
    open();
    return;
  }
  new QWebChannel(qt.webChannelTransport, function (channel) {
    var feed = channel.objects.cityopsFeed;
    if (feed) feed.deliver.connect(function (text) { handle(feed, text); });
    open();
  });
})();
