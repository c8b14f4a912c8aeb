"""The one-folder bundle's size and start-up time, and a screenshot from it.

    ./dev bench-bundle                # builds out/bundle/cityops/ first if it is missing; prints JSON
    ./dev bench-bundle --bundle DIR   # measure a bundle built elsewhere

The bundle runs with an empty PATH, no PYTHONPATH/PYTHONHOME and a fresh HOME, as on a workstation
with no Python: `cityops --version`, then `cityops demo` on its built-in simulator twice, offscreen.
Start-up is the time from launching the process to the window's `window_shown` line in its log (the
first run is the coldest this machine allows: dropping the page cache needs privileges a container
lacks). Each run writes a screenshot, which `check_screenshot` looks at.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_BUNDLE = ROOT / "out" / "bundle" / "cityops"


def folder_size(folder: Path) -> tuple[int, int]:
    """(bytes, files), symlinks not followed."""
    total = n = 0
    for dirpath, _dirs, files in os.walk(folder):
        for f in files:
            p = Path(dirpath) / f
            if not p.is_symlink():
                total += p.stat().st_size
                n += 1
    return total, n


def bare_env(home: Path) -> dict[str, str]:
    empty = home / "empty-path"
    empty.mkdir(parents=True, exist_ok=True)
    return {"PATH": str(empty), "HOME": str(home), "LANG": "C.UTF-8", "QT_QPA_PLATFORM": "offscreen",
            "CITYOPS_DATA_DIR": str(home / "data"), "XDG_CONFIG_HOME": str(home / "config"),
            "QTWEBENGINE_CHROMIUM_FLAGS": "--no-sandbox --disable-gpu"}


def start_once(exe: Path, home: Path, png: Path, quit_after: float, timeout: float = 120.0) -> dict:
    env = bare_env(home)
    log = home / "data" / "logs" / "cityops.log"
    if log.exists():
        log.unlink()
    t0 = time.perf_counter()
    proc = subprocess.Popen([str(exe), "demo", "--screenshot", str(png), "--quit-after", str(quit_after)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=home)
    shown = None
    while proc.poll() is None and time.perf_counter() - t0 < timeout:
        if shown is None and log.exists() and '"event": "window_shown"' in log.read_text(encoding="utf-8"):
            shown = time.perf_counter() - t0
        time.sleep(0.05)
    try:
        out, _ = proc.communicate(timeout=max(1.0, timeout - (time.perf_counter() - t0)))
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    if shown is None and log.exists() and '"event": "window_shown"' in log.read_text(encoding="utf-8"):
        shown = float("nan")  # shown, but between two polls at the very end
    return {"rc": proc.returncode, "window_shown_s": None if shown is None else round(shown, 2),
            "total_s": round(time.perf_counter() - t0, 2), "output_tail": out[-2000:]}


def check_screenshot(png: Path) -> dict:
    """The PNG is the 1920x1080 window with a drawn map, board and queue (not a blank or black frame)."""
    from PySide6.QtGui import QGuiApplication, QImage

    _app = QGuiApplication.instance() or QGuiApplication([])
    img = QImage(str(png))
    colours_in = {}
    for name, (x0, y0, x1, y1) in {"board": (0, 40, 420, 1040), "map": (450, 60, 1080, 740),
                                   "queue": (1110, 120, 1900, 760)}.items():
        seen = set()
        for y in range(y0, y1, 7):
            for x in range(x0, x1, 7):
                seen.add(img.pixel(x, y))
        colours_in[name] = len(seen)
    return {"width": img.width(), "height": img.height(), "distinct_colours": colours_in,
            "bytes": png.stat().st_size if png.exists() else 0}


def measure(bundle: Path, quit_after: float = 8.0) -> dict:
    exe = bundle / "cityops"
    size, files = folder_size(bundle)
    home = Path(tempfile.mkdtemp(prefix="cityops-bundle-"))
    t0 = time.perf_counter()
    version = subprocess.run([str(exe), "--version"], env=bare_env(home), capture_output=True, text=True,
                             timeout=120)
    version_s = time.perf_counter() - t0
    runs = []
    for i in (1, 2):
        png = home / f"bundle-{i}.png"
        r = start_once(exe, home, png, quit_after)
        r["screenshot"] = str(png)
        r["check"] = check_screenshot(png) if png.exists() else None
        runs.append(r)
    build = {}
    info = bundle / "_internal" / "console" / "site" / "build_info.json"  # beside about.py, which reads it
    if info.exists():
        build = json.loads(info.read_text(encoding="utf-8"))
    return {
        "bundle": str(bundle), "build": build, "size_mb": round(size / 1e6, 1), "files": files,
        "version_rc": version.returncode, "version": version.stdout.strip(), "version_s": round(version_s, 2),
        "first_start": runs[0], "second_start": runs[1], "cpus": os.cpu_count(),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bundle", type=Path, default=DEFAULT_BUNDLE)
    ap.add_argument("--quit-after", type=float, default=8.0)
    args = ap.parse_args()
    if not (args.bundle / "cityops").exists():
        sys.exit(f"no bundle at {args.bundle}: ./dev bundle")
    res = measure(args.bundle, args.quit_after)
    for r in (res["first_start"], res["second_start"]):
        r.pop("output_tail")
    print(json.dumps(res, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    main()
