"""`unit` frames (dispatch units' positions and states): decoded, or each bad unit dropped alone with the
reason of its defect; a frame whose `units` is not a list is refused."""

import pytest

from console.feed.decoder import Decoder, Reason
from console.feed.frames import UnitFrame
from console.feed.protocol import UnitKind, UnitState
from tests.frames_factory import dumps

dec = Decoder()
GOOD = {"id": "U0001", "name": "黄浦消防救援站 1号车", "kind": "fire", "lat": 31.23, "lon": 121.48,
        "state": "en_route", "incident": "SH-1", "ts": 1_763_856_000.5}


def unit(**changes):
    u = dict(GOOD)
    for k, v in changes.items():
        if v is ...:
            del u[k]
        else:
            u[k] = v
    return u


def test_a_good_unit_frame_decodes_every_field():
    d = dec.decode(dumps({"type": "unit", "units": [GOOD, unit(id="U2", kind="police", state="available",
                                                               incident=None)]}))
    assert isinstance(d.frame, UnitFrame) and d.rejects == {}
    u = d.frame.units[0]
    assert (u.id, u.name, u.kind, u.lat, u.lon, u.state, u.incident, u.ts) == (
        "U0001", "黄浦消防救援站 1号车", UnitKind.FIRE, 31.23, 121.48, UnitState.EN_ROUTE, "SH-1", 1_763_856_000.5)
    assert d.frame.units[1].incident is None and d.frame.units[1].state is UnitState.AVAILABLE


def test_name_is_kept_as_text_and_an_unknown_kind_is_kept_verbatim():
    d = dec.decode(dumps({"type": "unit", "units": [unit(name="<img src=x onerror=alert(1)>", kind="drone",
                                                         id="U3"), unit(name=..., id="U4")]}))
    assert d.frame.units[0].name == "<img src=x onerror=alert(1)>" and d.frame.units[0].kind == "drone"
    assert d.frame.units[1].name == "U4"  # no name: its id


@pytest.mark.parametrize("bad, reason", [
    (unit(id=...), Reason.MISSING_FIELD),
    (unit(id=""), Reason.BAD_VALUE),
    (unit(id="x" * 65), Reason.BAD_VALUE),
    (unit(id=7), Reason.WRONG_TYPE),
    (unit(lat=...), Reason.MISSING_FIELD),
    (unit(lon="121.4"), Reason.WRONG_TYPE),
    (unit(lat=True), Reason.WRONG_TYPE),
    (unit(lat=91.0), Reason.BAD_VALUE),
    (unit(lon=-181), Reason.BAD_VALUE),
    (unit(state="parked"), Reason.BAD_VALUE),
    (unit(state=...), Reason.MISSING_FIELD),
    (unit(ts=0), Reason.BAD_VALUE),
    (unit(ts=...), Reason.MISSING_FIELD),
    (unit(incident=5), Reason.WRONG_TYPE),
    (unit(kind=["fire"]), Reason.WRONG_TYPE),
    ("U1", Reason.WRONG_TYPE),
])
def test_a_bad_unit_is_dropped_alone_with_its_reason(bad, reason):
    d = dec.decode(dumps({"type": "unit", "units": [bad, unit(id="OK")]}))
    assert isinstance(d.frame, UnitFrame)
    assert [u.id for u in d.frame.units] == ["OK"]
    assert d.rejects == {reason.value: 1}


def test_a_non_finite_position_refuses_the_frame_as_non_finite():
    raw = dumps({"type": "unit", "units": [unit(lat=0.5)]}).replace(b'"lat":0.5', b'"lat":1e400', 1)
    d = dec.decode(raw)  # orjson refuses a number beyond a double while parsing: the whole frame
    assert d.frame is None and d.rejects == {Reason.NON_FINITE.value: 1}


@pytest.mark.parametrize("units, reason", [(None, Reason.MISSING_FIELD), ({"id": "U1"}, Reason.WRONG_TYPE),
                                           ("U1", Reason.WRONG_TYPE)])
def test_units_not_a_list_refuses_the_frame(units, reason):
    frame = {"type": "unit"} if units is None else {"type": "unit", "units": units}
    d = dec.decode(dumps(frame))
    assert d.frame is None and d.rejects == {reason.value: 1}
