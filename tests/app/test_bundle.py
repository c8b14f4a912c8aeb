"""The PyInstaller bundle builds with the documented command and runs with no Python around it: a
screenshot from the bundled console shows the board, the map and the queue. Slow (a build is a
minute or more, the bundle ~700 MB), so it runs only when asked:

    CITYOPS_TEST_BUNDLE=1 ./dev test tests/app/test_bundle.py -s     (add CITYOPS_BUNDLE_PREBUILT=1 to skip the build)
"""

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.bench.bench_bundle import DEFAULT_BUNDLE, measure

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
