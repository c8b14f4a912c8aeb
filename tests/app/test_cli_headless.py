"""The two processes a site would run: `cityops simulate` and `cityops run --headless`, with the
simulator killed and restarted mid-run. The stats file must show the reconnect and the resync."""

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def simulate(port: int) -> subprocess.Popen:
    p = subprocess.Popen([sys.executable, "-m", "console.app.cli", "--log-level", "WARNING", "simulate",
                          "--port", str(port), "--speed", "60", "--incident-rate", "20"],
                         cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert "listening" in p.stdout.readline()
    return p


def headless(port: int, *args: str, feed_name: str = "") -> subprocess.Popen:
    """`cityops run --headless` on the local simulator, with extra arguments."""
    feed = f"{feed_name}=ws://127.0.0.1:{port}" if feed_name else f"ws://127.0.0.1:{port}"
    return subprocess.Popen([sys.executable, "-m", "console.app.cli", "--log-level", "WARNING", "run", "--headless",
                             "--feed", feed, *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)


def wait_stats(path: Path, pred, timeout: float = 20.0) -> dict:
    deadline = time.monotonic() + timeout
    last = {}
    while time.monotonic() < deadline:
        if path.exists():
            try:
                last = json.loads(path.read_text())
            except ValueError:
                last = {}
            if last and pred(last):
                return last
        time.sleep(0.2)
    raise AssertionError(f"stats never satisfied the condition; last: {json.dumps(last)[:800]}")


@pytest.mark.slow  # two real processes, the simulator killed and started again
def test_headless_run_survives_a_killed_simulator(tmp_path, free_port):
    port = free_port
    stats = tmp_path / "stats.json"
    sim = simulate(port)
    run = headless(port, "--duration", "40", "--stats-json", str(stats), feed_name="city")
    try:
        # stats are rewritten every 5 s while running
        first = wait_stats(stats, lambda s: s["samples"] > 100 and s["events"] > 0)
        assert first["reject_total"] == 0
        sim.kill()  # SIGKILL: no close frame, the socket just dies
        sim.wait(5)
        time.sleep(1.0)
        sim = simulate(port)
        after = wait_stats(stats, lambda s: s["connects"] >= 2 and s["samples"] > first["samples"] + 100)
        assert after["reconnects"] >= 1 and after["resyncs"] >= 1
        feed = after["feeds"][0]
        assert feed["name"] == "city" and feed["state"] == "connected"
        assert after["reject_total"] == 0
        assert after["state"]["series"] > 400 and after["state"]["open_incidents"] > 0
        run.terminate()  # SIGTERM: the run stops cleanly and writes its final stats
        assert run.wait(15) == 0
        final = json.loads(stats.read_text())
        assert final["feeds"][0]["state"] == "stopped"
    finally:
        for p in (run, sim):
            if p.poll() is None:
                p.kill()


def test_run_refuses_a_non_websocket_url():
    p = subprocess.run([sys.executable, "-m", "console.app.cli", "run", "--headless", "--feed", "http://x"],
                       cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert p.returncode != 0 and "ws://" in p.stderr


def test_the_models_size_follows_the_flags_and_refuses_nonsense():
    from console.app.cli import build_parser
    from console.app.commands.run import state_config
    from console.model.city_state import StateConfig

    parse = build_parser().parse_args
    assert state_config(parse(["run", "--headless"])) == StateConfig()  # the model's defaults, whole city
    assert state_config(parse(["run", "--headless", "--max-series", "100", "--history-hours", "2"])) == StateConfig(
        history_s=7200, max_series=100)
    for bad in (["--max-series", "0"], ["--history-hours", "-1"]):
        with pytest.raises(SystemExit):
            state_config(parse(["run", "--headless", *bad]))
