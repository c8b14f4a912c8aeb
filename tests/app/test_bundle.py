"""The PyInstaller bundle builds with the documented command and runs with no Python around it: a
screenshot from the bundled console shows the board, the map and the queue. Slow (a build is a
minute or more, the bundle ~700 MB), so it runs only when asked:

    CITYOPS_TEST_BUNDLE=1 ./dev test tests/app/test_bundle.py -s     (add CITYOPS_BUNDLE_PREBUILT=1 to skip the build)
"""

import json
import os
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.bench.bench_bundle import DEFAULT_BUNDLE, bare_env, measure

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.bundle,
    pytest.mark.skipif(os.environ.get("CITYOPS_TEST_BUNDLE") != "1", reason="set CITYOPS_TEST_BUNDLE=1 to build"),
    pytest.mark.timeout(1800),
]


def test_the_bundle_builds_starts_without_python_and_draws_the_console():
    if os.environ.get("CITYOPS_BUNDLE_PREBUILT") != "1":
        subprocess.run([str(ROOT / "dev"), "bundle"], check=True, timeout=1500)
    exe = DEFAULT_BUNDLE / "cityops"
    assert exe.exists()
    res = measure(DEFAULT_BUNDLE)
    print(json.dumps({k: v for k, v in res.items()}, ensure_ascii=False, indent=2, default=str))
    assert res["version_rc"] == 0 and res["version"].startswith("cityops ")
    assert res["build"].get("kind") == "pyinstaller one-folder bundle"
    assert (DEFAULT_BUNDLE / "_internal" / "resources" / "i18n" / "cityops_en.qm").exists()  # English, no lrelease
    for run in (res["first_start"], res["second_start"]):
        assert run["rc"] == 0, run["output_tail"]
        assert run["window_shown_s"] is not None, run["output_tail"]
        check = run["check"]
        assert (check["width"], check["height"]) == (1920, 1080)
        # a drawn console, not a blank frame: each area has many colours (the map's districts and
        # markers, the board's tiles and sparklines, the queue's rows)
        assert min(check["distinct_colours"].values()) > 20, check
    assert "Traceback" not in res["first_start"]["output_tail"]


def test_the_bundle_reads_and_reprojects_a_site_gis_layer():
    """GDAL's data (gdal_data, its proj.db) and pyproj's PROJ data are in the bundle, and the layer's read
    runs in a spawned child of the frozen executable: a GeoPackage in CGCS2000 / 3-degree Gauss-Kruger
    (EPSG:4547, metres), declared in the config, comes out of the bundled console as lon/lat in Shanghai
    with no problem said."""
    import numpy as np
    import pyogrio.raw
    import pyproj
    import shapely

    exe = DEFAULT_BUNDLE / "cityops"
    if not exe.exists():
        subprocess.run([str(ROOT / "dev"), "bundle"], check=True, timeout=1500)
    home = Path(tempfile.mkdtemp(prefix="cityops-bundle-gis-"))
    to_gk = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:4547", always_xy=True)
    cells = [shapely.box(*to_gk.transform(121.40 + i * 0.01, 31.20), *to_gk.transform(121.41 + i * 0.01, 31.21))
             for i in range(3)]
    layer = home / "grid.gpkg"
    pyogrio.raw.write(layer, np.array(shapely.to_wkb(cells), dtype=object),
                      [np.array(["甲", "乙", "丙"], dtype=object)], ["NAME"], driver="GPKG", geometry_type="Polygon",
                      crs="EPSG:4547")
    config = home / "cityops.toml"
    config.write_text(f'''[[map.layers]]\nfile = "{layer}"\nkind = "boundary"\nlevel = "grid"\nname = "网格"\n'''
                      f'''name_field = "NAME"\n''', encoding="utf-8")
    run = subprocess.run([str(exe), "demo", "--config", str(config), "--screenshot", str(home / "gis.png"),
                          "--quit-after", "30"], env=bare_env(home), capture_output=True, text=True, timeout=300,
                         cwd=home)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    metas = list((home / "data" / "gis-cache").glob("*/meta.json"))
    assert len(metas) == 1, (run.stdout[-2000:], run.stderr[-2000:])
    meta = json.loads(metas[0].read_text(encoding="utf-8"))
    assert meta["problems"] == [] and meta["count"] == 3
    west, south, east, north = meta["bounds"]
    # within ~100 m: the grid of EPSG:4547 turns against the meridians, a box comes back a little askew
    assert all(abs(got - want) < 1e-3 for got, want in zip((west, south, east, north), (121.40, 31.20, 121.43, 31.21),
                                                           strict=True)), meta["bounds"]
