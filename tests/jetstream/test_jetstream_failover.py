"""Done means: 20 headless consoles (`cityops run --headless`) through two hubs; one NATS node and then
one hub are killed mid-run; every console ends with the open incidents and latest values the authority
has (0 lost events), and its counters show the failover.

Everything is a real process on loopback: 3 nats-server nodes, the publisher with its authority, two
hubs and twenty consoles. About a minute on a quiet machine.
"""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import pytest

from tests.nats_stack import cityops, start_cluster, start_publisher, stop

pytestmark = pytest.mark.slow

CONSOLES = 20


def _read(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _wait(cond, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.5)


@pytest.mark.timeout(400)
def test_twenty_consoles_survive_a_dead_nats_node_and_a_dead_hub(tmp_path):
    cluster = start_cluster(3)
    procs = []
    try:
        pub = start_publisher(cluster, "--speed", "20", "--incident-rate", "6", "--auto-handle", "0.9",
                              "--checkpoint-s", "2", "--state-json", str(tmp_path / "authority.json"),
                              log=tmp_path / "publisher.log")
        procs.append(pub)
        hubs, hub_urls = [], []
        from console.site.process import free_ports

        for k, port in enumerate(free_ports(2)):
            hubs.append(cityops("hub", "--nats", cluster.url_list(), "--nats-creds", str(cluster.creds_path),
                                "--port", str(port), "--stats-json", str(tmp_path / f"hub{k}.json"),
                                log=tmp_path / f"hub{k}.log"))
            hub_urls.append(f"ws://127.0.0.1:{port}")
        procs += hubs
        _wait(lambda: all(_read(tmp_path / f"hub{k}.json") for k in range(2)), 60, "both hubs up")
        consoles = []
        for i in range(CONSOLES):
            order = hub_urls if i % 2 == 0 else hub_urls[::-1]  # half start on each hub
            consoles.append(cityops("run", "--headless", "--feed", f"上海={','.join(order)}",
                                    "--stats-json", str(tmp_path / f"c{i}.json"),
                                    "--state-json", str(tmp_path / f"s{i}.json"), log=tmp_path / f"c{i}.log"))
        procs += consoles

        def all_ingesting() -> bool:
            stats = [_read(tmp_path / f"c{i}.json") for i in range(CONSOLES)]
            return all(s and s["samples"] > 0 and s["state"]["open_incidents"] > 0 for s in stats)

        _wait(all_ingesting, 120, "all consoles ingesting")

        # the NATS node the surviving hub reads from crashes: that hub must move to another node
        survivor = _read(tmp_path / "hub1.json")
        node = next(k for k, p in enumerate(cluster.client_ports) if survivor["nats_server"].endswith(f":{p}"))
        cluster.kill(node)
        _wait(lambda: (_read(tmp_path / "hub1.json") or {}).get("nats_reconnects", 0) >= 1, 60,
              "the surviving hub on another NATS node")
        time.sleep(3)
        hubs[0].send_signal(signal.SIGKILL)  # then a hub
        time.sleep(12)

        def moved() -> bool:
            stats = [_read(tmp_path / f"c{i}.json") for i in range(CONSOLES)]
            return sum(s["failovers"] for s in stats if s) >= CONSOLES // 2

        _wait(moved, 60, "the first hub's consoles on the second hub")

        stop(pub, 90)  # the authority writes its truth as the feed ends
        assert pub.returncode == 0
        time.sleep(4)  # the last messages reach the consoles
        for c in consoles:
            c.terminate()
        for c in consoles:
            assert c.wait(30) == 0

        truth = _read(tmp_path / "authority.json")
        assert truth and truth["open_incidents"] and len(truth["latest"]) > 400
        report = []
        for i in range(CONSOLES):
            seen, stats = _read(tmp_path / f"s{i}.json"), _read(tmp_path / f"c{i}.json")
            assert seen is not None and stats is not None, f"console {i} wrote nothing"
            assert seen["open_incidents"] == truth["open_incidents"], f"console {i}: open incidents differ"
            missing = {k for k in truth["latest"] if seen["latest"].get(k) != truth["latest"][k]}
            assert not missing, f"console {i}: {len(missing)} latest values differ, e.g. {sorted(missing)[:3]}"
            assert stats["reject_total"] == 0
            report.append((stats["failovers"], stats["reconnects"], stats["gaps"], stats["events"]))
        assert sum(r[0] for r in report) >= CONSOLES // 2  # every console of the dead hub moved
        hub1 = _read(tmp_path / "hub1.json")
        assert hub1["nats_reconnects"] >= 1 and hub1["frames_dropped"] == 0
        print(json.dumps({"consoles": CONSOLES, "open_incidents": len(truth["open_incidents"]),
                          "series": len(truth["latest"]), "failovers": sum(r[0] for r in report),
                          "reconnects": sum(r[1] for r in report), "gaps": sum(r[2] for r in report),
                          "hub2": hub1}))
    finally:
        for p in procs:
            stop(p, 10)
        cluster.stop()
