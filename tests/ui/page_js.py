"""Asking the map page something from a GUI test: the one way the tests read a value out of the page."""

# the page's Leaflet map (folium names it map_<id>), as a script expression
MAP_VAR = "window[Object.keys(window).find(function(k){return k.indexOf('map_')===0 && window[k].getZoom;})]"


def js_value(qtbot, view, script):
    """The value of `script` in the view's page, waited for (up to 10 s)."""
    box = []
    view.page().runJavaScript(script, 0, box.append)
    qtbot.waitUntil(lambda: bool(box), timeout=10_000)
    return box[0]
