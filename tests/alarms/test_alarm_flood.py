"""Alarm floods (EEMUA 191: more than 10 in 10 minutes for one operator): the detector enters and
leaves by itself, and a storm from the real simulator drives a console into flood mode and out."""

import asyncio
from collections import Counter

from console.alarms.alarm_desk import AlarmDesk
from console.alarms.flood import FloodDetector, flood_periods, should_sound
from console.feed.live_source import FeedConfig, LiveSource
from console.feed.protocol import Severity
from console.incidents.audit_log import AuditLog
from console.incidents.operator import Operator
from console.model.city_state import CityState
from console.model.ingest import Ingest
from console.simulator.run import CityOptions, make_server
from console.simulator.server import ServerOptions
from tests.aio import until
from tests.live import FAST

T = 1_700_000_000.0


def test_eleven_in_ten_minutes_is_a_flood_that_ends_when_the_rate_falls_back():
    d = FloodDetector()
    for k in range(10):
        assert d.note(T + k * 30, f"E{k}") is False
    assert not d.in_flood and d.count(T + 300) == 10
    assert d.note(T + 300, "E10") is True and d.in_flood and d.since == T + 300
    assert d.note(T + 301, "E10") is False  # one incident counts once, whatever updates follow
    assert d.update(T + 600) is False  # the first has left the window: 10 left, still a flood (hysteresis)
    assert d.update(T + 749) is False and d.in_flood  # 6 left
    assert d.update(T + 800) is True and not d.in_flood  # 5 left: over, at the moment it fell back
    assert d.periods == [(T + 300, T + 750)]
    assert d.time_in_flood(T, T + 3600) == 450


def test_flood_periods_over_a_shift_and_sounds_held_in_flood():
    arrivals = [T + k * 20 for k in range(15)] + [T + 3000 + k * 120 for k in range(5)]
    det = flood_periods(arrivals, T + 3600)
    assert len(det.periods) == 1 and not det.in_flood
    start, end = det.periods[0]
    assert start == T + 200 and end > start
    assert should_sound(Severity.RED, True) and not should_sound(Severity.ORANGE, True)
    assert should_sound(Severity.BLUE, False)


def test_a_simulated_storm_drives_a_consoles_alarm_desk_into_flood_and_out(tmp_path):
    """The console's own path, as its window runs it: frames into CityState, the changed incidents to
    the alarm desk as they arrive, the desk's flood moved on each look; its start and end are audited."""
    async def main():
        # the flood lasts ~10 simulated minutes: 5 s here. A look later than 10 simulated minutes after
        # the storm rightly finds no flood (it counts arrivals in the last 10 minutes), so the speed
        # leaves a loaded machine 5 s of slack (at 1200x it had half a second, and missed it)
        opts = ServerOptions(speed=120)
        server = make_server(CityOptions(seed=5, incident_rate_per_min=0.2, auto_handle=1.0, history_s=0), opts)
        port = await server.start()
        state = CityState()
        source = LiveSource([FeedConfig(f"ws://127.0.0.1:{port}", "city")], FAST)
        source.add_listener(Ingest(state))
        audit = AuditLog(tmp_path / "audit.jsonl")
        desk = AlarmDesk(state, audit=audit, operator=Operator("值班员甲"))
        seen = []

        def look() -> bool:  # what the window does a few times a second
            now = server.sim_now()
            changed = state.take_changes().events
            desk.observe_incidents((state.incidents.open.get(eid) for eid in changed), now)
            status = desk.update_flood(now)
            seen.append(status.in_flood)
            return status.in_flood

        await source.start()
        try:
            await until(lambda: bool(state.regions), what="the catalog")
            assert not look()  # the ordinary rate is far below a flood
            # the storm starts once the console is listening: at high speed, connecting can take longer
            # than the 10 simulated minutes a storm stays in the window
            start = server.sim_now() + 30
            server.city.schedule_storm(start, 20, over_s=60)
            await until(look, timeout=30, what="flood mode")
            # counted once the whole storm is in: the flood may start at its 10th arrival with an
            # ordinary one beside it (more than 10 in the window), before the rest of the storm came
            await until(lambda: (look(), server.sim_now() > start + 90)[1], timeout=30, what="the whole storm")
            every = [*state.incidents.open.values(), *state.incidents.archive.values()]
            # the storm's window in simulated time, not "the last N seconds": on a loaded machine the
            # look can come many simulated minutes after the storm (at high speed)
            storm = [e for e in every if e.category == "road_waterlogging" and start <= e.created_ts <= start + 60]
            by_district = Counter(e.region[:6] for e in storm).most_common()
            assert by_district and by_district[0][1] >= 20  # the 20 of one cause in one district: the storm
            assert sum(n for _, n in by_district[1:]) <= 1  # an ordinary arrival may share the minute
            await until(lambda: not look(), timeout=60, what="the flood to end by itself")
        finally:
            await source.stop()
            await server.stop()
        audit.close()
        assert seen[0] is False and seen[-1] is False and True in seen
        assert len(desk.flood.periods) == 1 and desk.flood.periods[0][1] > desk.flood.periods[0][0]
        assert [e["action"] for e in AuditLog(tmp_path / "audit.jsonl").entries("queue")] == ["flood_start",
                                                                                             "flood_end"]

    asyncio.run(main())
