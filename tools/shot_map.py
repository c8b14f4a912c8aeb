"""The map's pictures in docs/, written by the console itself (`--screenshot`) on the built-in simulated
city: the city and a district (浦东新区: its streets' cells and the Huangpu) on the workstation at
1920×1080, both on the wall at 3840×2160, and the whole wall at 1920×1080 (README's wall picture), the walls
as on a 65-inch panel (an offscreen screen reports no real size).

    QT_QPA_PLATFORM=offscreen .venv/bin/python tools/shot_map.py [--seconds 25] [--out docs]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHOTS = {  # file -> the cityops command line that writes it
    "map-city.png": ["demo"],
    "map-district.png": ["demo", "--scope", "310115"],
    "map-wall-4k.png": ["wall", "--wall-size", "3840x2160", "--wall-diagonal", "65"],
    "map-district-wall-4k.png": ["wall", "--scope", "310115", "--wall-size", "3840x2160", "--wall-diagonal", "65"],
    "wall.png": ["wall", "--wall-size", "1920x1080", "--wall-diagonal", "65"],
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=ROOT / "docs")
    ap.add_argument("--seconds", type=float, default=25.0, help="how long each console runs before its picture")
    args = ap.parse_args()
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
           "CITYOPS_DATA_DIR": tempfile.mkdtemp(prefix="cityops-shot-map-")}
    for name, cmd in SHOTS.items():
        out = args.out / name
        subprocess.run([sys.executable, "-m", "console.app.cli", *cmd, "--screenshot", str(out),
                        "--quit-after", str(args.seconds)], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        print(out, out.stat().st_size)


if __name__ == "__main__":
    main()
