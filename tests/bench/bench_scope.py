"""What a console with a scope receives: the built-in simulated city (`cityops simulate`) and three
`cityops run --headless` consoles on it at once — the city's, a district centre's (`--scope 310104`,
徐汇区) and a street centre's (`--scope 310104014`) — each subscribing to its area only.

    ./dev bench-scope                      # 60 s at the simulator's own pace; prints JSON
    ./dev bench-scope --seconds 120 --speed 10

Bytes are the WebSocket payloads each console received (its feed health counter), over the whole run
(the subscribe answer carries an hour of history for the charts, then the stream) and over the
steady part after the first `--warm` seconds. The city's console, in the same run, is the anchor.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from console.site.process import free_ports  # noqa: E402

SCOPES = {"city": "310000", "district": "310104", "street": "310104014"}
KEYS = ("bytes", "frames", "samples", "events")


def cityops(*args: str, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "console.app.cli", "--log-level", "WARNING", *args], cwd=ROOT,
                            **kw)


def read(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--warm", type=float, default=15.0, help="seconds before the steady part is measured")
    ap.add_argument("--speed", type=float, default=1.0, help="the simulator's simulated seconds per second")
    a = ap.parse_args()
    (port,) = free_ports(1)
    sim = cityops("simulate", "--port", str(port), "--speed", str(a.speed), stdout=subprocess.PIPE, text=True)
    consoles = {}
    with tempfile.TemporaryDirectory() as tmp:
        try:
            assert "listening" in sim.stdout.readline()
            stats = {name: Path(tmp) / f"{name}.json" for name in SCOPES}
            for name, scope in SCOPES.items():
                consoles[name] = cityops("run", "--headless", "--scope", scope, "--feed", f"ws://127.0.0.1:{port}",
                                         "--duration", str(a.seconds), "--stats-json", str(stats[name]),
                                         "--history-hours", "1", stdout=subprocess.DEVNULL)
            started = time.monotonic()
            warm: dict[str, dict] = {}
            while any(p.poll() is None for p in consoles.values()):
                if time.monotonic() - started >= a.warm:
                    for name, path in stats.items():
                        if name not in warm and (s := read(path)) is not None:
                            warm[name] = s  # the first counters written after the warm-up
                time.sleep(0.5)
            final = {name: read(path) for name, path in stats.items()}
        finally:
            for p in (*consoles.values(), sim):
                if p.poll() is None:
                    p.terminate()
                    p.wait(15)
    out = {"machine": f"{platform.node()} {platform.machine()} python {platform.python_version()}",
           "seconds": a.seconds, "speed": a.speed, "consoles": {}}
    city = final["city"]
    for name, s in final.items():
        w = warm.get(name) or {k: 0 for k in KEYS} | {"elapsed_s": 0.0}
        steady_s = s["elapsed_s"] - w["elapsed_s"]
        row = {"scope": s["scope"], **{k: s[k] for k in KEYS}, "reject_total": s["reject_total"],
               "bytes_share_of_city": round(s["bytes"] / city["bytes"], 4),
               "steady_bytes_per_s": round((s["bytes"] - w["bytes"]) / steady_s) if steady_s > 0 else None}
        out["consoles"][name] = row
    c = out["consoles"]
    for name in ("district", "street"):
        if c["city"]["steady_bytes_per_s"]:
            c[name]["steady_share_of_city"] = round(c[name]["steady_bytes_per_s"] / c["city"]["steady_bytes_per_s"], 4)
    print(json.dumps(out, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
