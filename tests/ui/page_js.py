"""Asking the map page something from a GUI test: the one way the tests read a value out of the page."""

# the page's Leaflet map (folium names it map_<id>), as a script expression
MAP_VAR = "window[Object.keys(window).find(function(k){return k.indexOf('map_')===0 && window[k].getZoom;})]"


def js_value(qtbot, view, script):
    """The value of `script` in the view's page, waited for (up to 10 s), once the page has handled the
    console's calls made before (they travel on the page's channel, apart from this script)."""
    if hasattr(view, "when_handled"):
        handled = []
        view.when_handled(handled.append)
        qtbot.waitUntil(lambda: bool(handled), timeout=10_000)
    box = []
    view.page().runJavaScript(script, 0, box.append)
    qtbot.waitUntil(lambda: bool(box), timeout=10_000)
    return box[0]
