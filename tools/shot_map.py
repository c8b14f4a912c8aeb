"""The README's pictures in docs/, written by the console itself (`--screenshot`) on the built-in simulated
city: the city's console, 徐汇区's console, the workstation during a declared Ⅲ级 response, the city and a
district (浦东新区: its streets' cells and the Huangpu) on the workstation at 1920×1080, both on the wall
at 3840×2160, the whole wall at 1920×1080, the walls as on a 65-inch panel (an offscreen screen reports no
real size); with --usual, the console and the wall against typical days, on four simulated weeks of
history written first (~15 s). The time-shift's pictures are tools/shot_timeshift.py's.

    QT_QPA_PLATFORM=offscreen .venv/bin/python tools/shot_map.py [--seconds 25] [--out docs] [--usual]
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
    "console.png": ["demo"],
    "district.png": ["demo", "--scope", "310104"],
    # declared 2 simulated seconds in: the console has switched to its emergency layout well before the end
    "emergency-mode.png": ["demo", "--emergency-at", "2", "--emergency-level", "2"],
    "map-city.png": ["demo"],
    "map-district.png": ["demo", "--scope", "310115"],
    "map-wall-4k.png": ["wall", "--wall-size", "3840x2160", "--wall-diagonal", "65"],
    "map-district-wall-4k.png": ["wall", "--scope", "310115", "--wall-size", "3840x2160", "--wall-diagonal", "65"],
    "wall.png": ["wall", "--wall-size", "1920x1080", "--wall-diagonal", "65"],
}
USUAL = {  # the same, against the typical days of a recordings folder ({rec})
    "usual-console.png": ["demo", "--rest-days", "--record-dir", "{rec}"],
    "usual-wall.png": ["wall", "--rest-days", "--record-dir", "{rec}", "--wall-size", "1920x1080",
                       "--wall-diagonal", "65"],
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=ROOT / "docs")
    ap.add_argument("--seconds", type=float, default=25.0, help="how long each console runs before its picture")
    ap.add_argument("--usual", action="store_true", help="also the typical-day pictures (writes 4 weeks first)")
    args = ap.parse_args()
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
           "CITYOPS_DATA_DIR": tempfile.mkdtemp(prefix="cityops-shot-map-")}
    shots = dict(SHOTS)
    if args.usual:
        rec = tempfile.mkdtemp(prefix="cityops-shot-usual-")
        subprocess.run([sys.executable, "-m", "console.app.cli", "simulate-history", "--weeks", "4",
                        "--record-dir", rec], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
        shots.update({name: [a.format(rec=rec) for a in cmd] for name, cmd in USUAL.items()})
    for name, cmd in shots.items():
        out = args.out / name
        subprocess.run([sys.executable, "-m", "console.app.cli", *cmd, "--screenshot", str(out),
                        "--quit-after", str(args.seconds)], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        print(out, out.stat().st_size)


if __name__ == "__main__":
    main()
