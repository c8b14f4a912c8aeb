"""A console for each level (`--scope`, `[scope]`): it subscribes to its area only, and what its level
handles follows an incident escalated from a street to the district and then the city. Real simulator,
real WebSocket subscriptions; the expected areas and clauses are written out by hand."""

import asyncio
import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest

from console.app.cli import build_parser
from console.app.commands.run import resolve_feeds, scoped_regions
from console.feed.frames import Reply
from console.feed.live_source import LiveSource
from console.feed.protocol import IncidentState, Level, Severity
from console.incidents.levels import LevelView, load_level_rules
from console.model.city_state import CityState
from console.model.ingest import Ingest
from console.recording.store import Recording
from console.resources import resource
from console.simulator.run import CityOptions, make_server
from console.simulator.server import ServerOptions
from console.site.config import Config
from tests.aio import until
from tests.live import FAST

ROOT = Path(__file__).resolve().parents[2]
RULES = load_level_rules(resource("config", "levels.json"))
STREET, DISTRICT, CITY = "310104014", "310104", "310000"  # a street of 徐汇区, 徐汇区, 上海市


def test_a_scope_narrows_every_feeds_subscription_to_its_area():
    assert scoped_regions((), CITY) == ()  # the city's console: everything, as before
    assert scoped_regions(("310101",), CITY) == ("310101",)
    assert scoped_regions((), DISTRICT) == ("310104",)
    assert scoped_regions((), STREET) == ("310104014",)
    assert scoped_regions(("310104014", "310104016"), DISTRICT) == ("310104014", "310104016")  # inside: kept
    assert scoped_regions(("31", "3101"), DISTRICT) == ("310104",)  # around it: narrowed to it
    with pytest.raises(ValueError, match="310105 lies outside"):
        scoped_regions(("310105",), DISTRICT)
    assert scoped_regions(("310104",), STREET) == (STREET,)  # the district around the street: narrowed
    with pytest.raises(ValueError, match="outside"):
        scoped_regions(("310000",), DISTRICT)  # the city's own series are not the district's


def test_scope_on_the_command_line_and_in_the_config():
    p = build_parser()
    for cmd in ("run", "demo", "wall", ("replay", "rec.cityrec")):
        args = [cmd] if isinstance(cmd, str) else list(cmd)
        assert p.parse_args([*args, "--scope", DISTRICT]).scope == DISTRICT
        assert p.parse_args(args).scope is None  # then the config's, else the city
    with pytest.raises(SystemExit):
        p.parse_args(["run", "--scope", "310199"])  # no such district
    with pytest.raises(SystemExit):
        p.parse_args(["demo", "--scope", "xuhui"])
    args = p.parse_args(["run", "--feed", "ws://hub:8766", "--region", "310104016"])
    assert resolve_feeds(args, Config(scope=DISTRICT))[0].regions == ("310104016",)
    args = p.parse_args(["run", "--feed", "ws://hub:8766", "--scope", STREET])
    assert resolve_feeds(args, Config(scope=DISTRICT))[0].regions == (STREET,)  # the flag wins
    with pytest.raises(SystemExit):
        resolve_feeds(p.parse_args(["run", "--feed", "ws://hub:8766", "--region", "310105"]), Config(scope=DISTRICT))


def _console(url: str, scope: str):
    """A console of `scope` as `cityops run --scope` makes it: its feeds from resolve_feeds."""
    args = build_parser().parse_args(["run", "--feed", f"{scope}={url}", "--scope", scope])
    feeds = resolve_feeds(args, Config())
    state, replies = CityState(), []
    # a street's feed is quiet: wait for the simulator's 2-second heartbeats before calling it dead
    src = LiveSource(feeds, dataclasses.replace(FAST, stale_after_s=3.0, heartbeat_timeout_s=6.0))
    src.add_listener(Ingest(state))
    src.add_listener(lambda env: replies.append(env.decoded.frame) if isinstance(env.decoded.frame, Reply) else None)
    return src, state, LevelView(RULES, scope), replies


def test_each_console_sees_its_area_and_an_escalation_climbs_the_levels(free_port):
    async def main():
        # every incident stays new (no simulated officers), so the street has some waiting for it
        server = make_server(CityOptions(seed=11, incident_rate_per_min=30, auto_handle=0.0), ServerOptions(speed=2))
        port = await server.start("127.0.0.1", free_port)
        url = f"ws://127.0.0.1:{port}"
        consoles = {scope: _console(url, scope) for scope in (STREET, DISTRICT, CITY)}
        for src, *_ in consoles.values():
            await src.start()
        try:
            street, district, city = (consoles[s][1] for s in (STREET, DISTRICT, CITY))
            await until(lambda: all(len(c.series_keys) and c.incidents.open for c in (street, district, city)),
                        20, "every console's snapshot")
            await asyncio.sleep(1.0)  # and some of the stream
            # a street console sees only its street; a district console its district
            assert {r for _, r in street.series_keys} == {STREET}
            assert {e.region for e in street.incidents.open.values()} == {STREET}
            assert {r[:6] for _, r in district.series_keys} == {DISTRICT}
            assert all(e.region.startswith(DISTRICT) for e in district.incidents.open.values())
            assert {r[:6] for _, r in city.series_keys} > {DISTRICT, CITY}  # the city's has everyone's

            # a street's own blue report: the street's, not the district's nor the city's
            views = {s: consoles[s][2] for s in consoles}
            states = {s: consoles[s][1] for s in consoles}
            ev = next(e for e in street.incidents.open.values() if e.state is IncidentState.NEW
                      and e.severity is Severity.BLUE and e.level is Level.STREET)
            now = server.sim_now()

            def why(scope):
                seen = states[scope].incidents.get(ev.id)
                clause = views[scope].reason(seen, now) if seen is not None else None
                return clause.id if clause else None

            await until(lambda: states[DISTRICT].incidents.get(ev.id) is not None, 10, "the district's copy")
            assert [why(s) for s in (STREET, DISTRICT, CITY)] == ["own", None, None]

            async def escalate(scope, version):
                src, _, _, replies = consoles[scope]
                cmd = {"type": "command", "id": f"esc-{scope}", "op": "escalate", "event_id": ev.id,
                       "expected_version": version, "operator": f"{scope}值班员", "args": {"note": "上报"}}
                assert await src.send(src.feeds[0].label, cmd)
                await until(lambda: any(r.ref == cmd["id"] for r in replies), 10, "the authority's reply")
                assert next(r for r in replies if r.ref == cmd["id"]).ok
                await until(lambda: all(states[s].incidents.get(ev.id).version > version for s in states), 10,
                            "the escalated incident everywhere")

            await escalate(STREET, ev.version)  # the street hands it to its district
            assert states[CITY].incidents.get(ev.id).level is Level.DISTRICT
            assert [why(s) for s in (STREET, DISTRICT, CITY)] == ["own", "escalated", None]
            await escalate(DISTRICT, ev.version + 1)  # the district hands it to the city
            top = states[CITY].incidents.get(ev.id)
            assert top.level is Level.CITY and top.severity is Severity.ORANGE  # blue, yellow, orange
            assert [why(s) for s in (STREET, DISTRICT, CITY)] == ["own", "escalated", "escalated"]
        finally:
            for src, *_ in consoles.values():
                await src.stop()
            await server.stop()

    asyncio.run(main())


@pytest.mark.slow  # two real processes
def test_headless_run_with_a_scope_receives_nothing_from_elsewhere(tmp_path, free_port):
    sim = subprocess.Popen([sys.executable, "-m", "console.app.cli", "--log-level", "WARNING", "simulate",
                            "--port", str(free_port), "--speed", "30", "--incident-rate", "20"],
                           cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert "listening" in sim.stdout.readline()
        stats, digest, rec = tmp_path / "stats.json", tmp_path / "state.json", tmp_path / "s.cityrec"
        run = subprocess.run([sys.executable, "-m", "console.app.cli", "--log-level", "WARNING", "run", "--headless",
                              "--scope", DISTRICT, "--feed", f"ws://127.0.0.1:{free_port}", "--duration", "6",
                              "--stats-json", str(stats), "--state-json", str(digest), "--record", str(rec)],
                             cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert run.returncode == 0, run.stdout + run.stderr
        s = json.loads(stats.read_text())
        assert s["scope"] == DISTRICT and s["samples"] > 0 and s["events"] > 0 and s["reject_total"] == 0
        latest = json.loads(digest.read_text())["latest"]
        assert latest and {key.split("|")[1][:6] for key in latest} == {DISTRICT}
        # every frame as received: not one reading or incident of another region came over the wire
        regions = set()
        for _id, _ts, _feed, raw in Recording(rec).frames():
            f = json.loads(raw)
            for row in f.get("samples", []) + f.get("values", []):
                regions.add(row[1])
            for e in f.get("events", []) + ([f["event"]] if "event" in f else []):
                regions.add(e["region"])
        assert regions and all(r.startswith(DISTRICT) for r in regions), sorted(regions)[:10]
    finally:
        sim.terminate()
        sim.wait(10)
