"""The simulated dispatch units: the station's nearest free vehicle drives to a dispatched incident at
road-ish speed (an L along two streets), stays on scene, drives back when it is done; the server
publishes them in `unit` frames a console decodes."""

import asyncio
import math

import orjson
from websockets.asyncio.client import connect

from console.feed.decoder import Decoder
from console.feed.frames import Event, Region, UnitFrame
from console.feed.protocol import IncidentState, Severity, UnitKind, UnitState
from console.incidents.stations import station_of
from console.simulator.fleet import M_PER_DEG_LAT, Fleet, kind_of
from console.simulator.run import CityOptions, make_server
from console.simulator.server import ServerOptions

T0 = 1_763_856_000.0
SEAT = Region("310101", "黄浦区", "Huangpu", "district", "310000", (31.23, 121.48))


def incident(state=IncidentState.DISPATCHED, assignee="黄浦燃气抢修中心", loc=(31.25, 121.50)) -> Event:
    return Event("SH-1", 3, "燃气泄漏", "gas_leak", "gas", Severity.ORANGE, "sensor", "310101", loc, state,
                 T0, T0, assignee=assignee)


def test_kinds_follow_the_stations():
    assert kind_of("黄浦消防救援站") is UnitKind.FIRE and kind_of("燃气抢修中心") is UnitKind.UTILITY
    assert kind_of("交警支队") is UnitKind.POLICE and kind_of("无名队") is UnitKind.OTHER


def test_each_district_has_its_own_station_of_each_service():
    assert station_of("徐汇区", "消防救援站") == "徐汇消防救援站"
    assert station_of("浦东新区", "燃气抢修中心") == "浦东燃气抢修中心"
    pudong = Region("310115", "浦东新区", "Pudong", "district", "310000", (31.22, 121.54))
    fleet = Fleet(("消防救援站", "燃气抢修中心"), (SEAT, pudong), n_units=4)
    assert [v.name for v in fleet.vehicles] == ["黄浦消防救援站 1号车", "黄浦燃气抢修中心 1号车",
                                              "浦东消防救援站 1号车", "浦东燃气抢修中心 1号车"]


def test_the_stations_nearest_free_unit_drives_there_in_an_l_stays_and_returns():
    fleet = Fleet(("消防救援站", "燃气抢修中心"), (SEAT,), n_units=4)
    gas = [v for v in fleet.vehicles if v.station == "黄浦燃气抢修中心"]
    fleet.step(T0, {})
    moved = fleet.step(T0 + 1, {"SH-1": incident()})
    assert len(moved) == 1 and moved[0].state is UnitState.EN_ROUTE and moved[0].incident == "SH-1"
    unit = next(v for v in fleet.vehicles if v.id == moved[0].id)
    assert unit in gas
    base = unit.base
    # the L's length: north-south then east-west, metres, at the unit's own speed
    north = abs(31.25 - base[0]) * M_PER_DEG_LAT
    east = abs(121.50 - base[1]) * M_PER_DEG_LAT * math.cos(math.radians(base[0]))
    due = (north + east) / unit.speed_ms
    assert 25 / 3.6 <= unit.speed_ms <= 45 / 3.6
    path, t = [], T0 + 1
    while unit.state is UnitState.EN_ROUTE and t < T0 + 4 * due:
        t += 10
        fleet.step(t, {"SH-1": incident()})
        path.append((unit.lat, unit.lon))
    assert unit.state is UnitState.ON_SCENE and (unit.lat, unit.lon) == (31.25, 121.50)
    assert abs((t - T0 - 1) - due) <= 10  # arrived when the L at its speed says, within a step
    # an L: it first changes only its latitude, then only its longitude
    lon_moves = [i for i in range(1, len(path)) if path[i][1] != path[i - 1][1]]
    assert all(path[i][0] == 31.25 for i in lon_moves)
    assert fleet.step(t + 60, {"SH-1": incident(IncidentState.ON_SCENE)}) == []  # on scene, nothing moves
    back = fleet.step(t + 70, {"SH-1": incident(IncidentState.RESOLVED)})
    assert [(u.id, u.state, u.incident) for u in back] == [(unit.id, UnitState.RETURNING, None)]
    fleet.step(t + 70 + 4 * due, {})
    assert unit.state is UnitState.AVAILABLE and (unit.lat, unit.lon) == base


def test_one_unit_per_incident_and_none_when_all_are_busy():
    fleet = Fleet(("燃气抢修中心",), (SEAT,), n_units=1)
    fleet.step(T0, {})
    a, b = incident(), incident().evolve(id="SH-2")
    first = fleet.step(T0 + 1, {"SH-1": a, "SH-2": b})
    assert [u.incident for u in first] == ["SH-1"]
    assert all(u.incident == "SH-1" for u in fleet.step(T0 + 2, {"SH-1": a, "SH-2": b}))


def test_a_unit_works_for_its_incidents_district_else_its_home_stations():
    pudong = Region("310115", "浦东新区", "Pudong", "district", "310000", (31.22, 121.54))
    fleet = Fleet(("消防救援站", "燃气抢修中心"), (SEAT, pudong), n_units=3)
    fleet.step(T0, {})
    at_home = {u.id: fleet.district_of(u, {}) for u in fleet.reports(T0)}
    assert at_home == {"U0001": "310101", "U0002": "310101", "U0003": "310115"}
    # a street of 浦东, for 浦东's gas station, which has no vehicle here: 黄浦's gas unit comes in support,
    # not 浦东's fire engine standing nearer
    far = incident(loc=(31.22, 121.55), assignee="浦东燃气抢修中心").evolve(region="310115007")
    (sent,) = fleet.step(T0 + 1, {"SH-1": far})
    assert (sent.id, sent.incident) == ("U0002", "SH-1") and fleet.district_of(sent, {"SH-1": far}) == "310115"
    (back,) = fleet.step(T0 + 2, {})  # the incident gone: it returns, 黄浦's again
    assert back.incident is None and fleet.district_of(back, {}) == "310101"


def unit_frames(units: int, enough, **subscribe) -> tuple[list, object]:
    """A simulator at 120x with `units` units, one subscriber (`subscribe`: its filters); the `unit` frames
    it gets, each frame's units with the district each works for as it arrives, until `enough(frames)`."""
    async def run():
        server = make_server(CityOptions(seed=3, incident_rate_per_min=60, history_s=60),
                             ServerOptions(speed=120, units=units, units_every_s=0.2))
        port = await server.start()
        got, dec = [], Decoder()
        try:
            async with connect(f"ws://127.0.0.1:{port}", max_size=None, proxy=None) as ws:
                await ws.send(orjson.dumps({"type": "subscribe", "topics": ["samples", "events"],
                                            **subscribe}).decode())

                async def frames():
                    while not enough([[u for u, _ in f] for f in got]):
                        d = dec.decode(await ws.recv(decode=False))
                        if isinstance(d.frame, UnitFrame):
                            assert d.rejects == {}
                            got.append([(u, server.fleet.district_of(u, server.city.events)) for u in d.frame.units])
                await asyncio.wait_for(frames(), 30)
        finally:
            await server.stop()
        return got, server

    return asyncio.run(run())


def test_the_server_sends_every_unit_on_subscribe_then_the_moving_ones():
    got, server = unit_frames(30, lambda fs: any(u.state is UnitState.EN_ROUTE for f in fs[1:] for u in f))
    frames = [[u for u, _ in f] for f in got]
    assert len(frames[0]) == 30 and len({u.id for u in frames[0]}) == 30  # every unit first
    going = [u for f in frames[1:] for u in f if u.state is UnitState.EN_ROUTE]
    known = server.city.events.keys() | server.city.closed.keys()
    assert going and all(u.incident in known for u in going)  # to the simulated city's own incidents


def test_a_district_console_gets_only_the_units_working_for_its_district():
    """As the hub does (tests/jetstream/test_jetstream_units.py): a 黄浦 subscriber's unit frames hold
    黄浦's units only, at subscribe and as they move, by the district each works for."""
    got, server = unit_frames(60, lambda fs: len(fs) >= 6, regions=["310101"])
    every = server.fleet.reports(server.sim_now())
    assert {server.fleet.district_of(u, server.city.events) for u in every} - {"310101"}  # others exist
    assert got[0] and all(d == "310101" for _, d in got[0])  # at subscribe: 黄浦's own
    # then the moves: 黄浦's, or a unit's last word as it leaves 黄浦 for other work
    seen = {u.id for u, _ in got[0]}
    for frame in got[1:]:
        for u, d in frame:
            assert d == "310101" or u.id in seen, (u.id, d)
            seen.add(u.id)
