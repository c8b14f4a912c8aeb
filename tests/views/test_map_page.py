"""The map page, without a browser: offline by construction, real boundaries, a tile server only
when configured."""

import json

from console.resources import resource
from console.views.map_page import MapOptions, build_page, check_offline, js_literal


def test_page_references_only_local_files(tmp_path):
    page = build_page(tmp_path)
    assert check_offline(page) == []
    html = page.read_text(encoding="utf-8")
    assert "cdn" not in html.lower() and "unpkg" not in html.lower()
    assert "city_map.js" in html and "city_incidents.js" in html and "leaflet_heat.min.js" in html
    assert "leaflet.markercluster.js" not in html  # the incidents are canvas tiles now
    older = build_page(tmp_path / "older", MapOptions(incidents="cluster")).read_text(encoding="utf-8")
    assert "leaflet.markercluster.js" in older  # kept for the benchmark's comparison


def test_a_configured_tile_server_is_the_only_remote_reference(tmp_path):
    url = "http://tiles.intranet.local/{z}/{x}/{y}.png"
    page = build_page(tmp_path, MapOptions(tile_url=url))
    html = page.read_text(encoding="utf-8")
    assert url in html
    remote = check_offline(page)
    assert remote and all(r.startswith("http://tiles.intranet.local/") for r in remote)
    assert check_offline(page, allowed_prefixes=("http://tiles.intranet.local/",)) == []


def test_boundaries_are_the_sixteen_real_districts():
    doc = json.loads(resource("shanghai", "districts.geojson").read_text(encoding="utf-8"))
    regions = json.loads(resource("shanghai", "regions.json").read_text(encoding="utf-8"))["regions"]
    districts = {r["code"]: r for r in regions if r["level"] == "district"}
    feats = {f["properties"]["code"]: f for f in doc["features"]}
    assert set(feats) == set(districts)
    for code, f in feats.items():
        ring = max((poly[0] for poly in f["geometry"]["coordinates"]), key=len)  # the mainland, not an islet
        assert len(ring) > 20  # a real outline, not a box
        lon = [p[0] for p in ring]
        lat = [p[1] for p in ring]
        assert 120.8 < min(lon) < max(lon) < 122.2 and 30.6 < min(lat) < max(lat) < 31.9, code
        c = districts[code]["centroid"]
        assert min(lat) - 0.1 < c[0] < max(lat) + 0.1 and min(lon) - 0.1 < c[1] < max(lon) + 0.1, code
    assert (resource("shanghai", "LICENSE-boundaries.md")).exists()


def test_what_the_console_sends_the_page_reads_back_as_sent_whatever_the_text():
    """Every call into the page carries its payload as a JS literal: hostile titles (quotes, backslashes,
    a closing script tag, the two line separators JS once refused in strings, control characters, CJK
    and emoji) come back as the same text; numbers as numbers, keys as strings, NaN as null."""
    hostile = "引号\" 反斜杠\\ </script><img src=x onerror=alert(1)> \u2028\u2029 \x00\x1f\t 🚒 ${x} `tpl`"
    payload = {"id": "E1", "title": hostile, "lat": 31.2304, "lon": 121.4737, "n": 3, "ok": True, "none": None,
               "list": [hostile, 1.5, -0.0], "nested": {"t": hostile}, 7: "int key", "nan": float("nan")}
    text = js_literal(payload)
    assert "\n" not in text and "\u2028" not in text  # one line of script, whatever the title
    back = json.loads(text)
    assert back["title"] == back["list"][0] == back["nested"]["t"] == hostile
    assert back["lat"] == 31.2304 and back["n"] == 3 and back["ok"] is True and back["none"] is None
    assert back["7"] == "int key" and back["nan"] is None

