"""Keyframes: a state restored from one (through JSON, as recorded) reads as the state it was taken
from in everything a keyframe carries; recordings from before the format marker still read."""

import numpy as np
import orjson
import pytest

from console.feed.protocol import Status
from console.model import keyframe
from console.model.city_state import CityState
from tests.city_states import CONFIG, OVERRIDES, populated_state
from tests.frames_factory import IND, IND_BELOW, REGIONS, event


def restored(body: dict) -> CityState:
    s = CityState(CONFIG)
    s.set_threshold_overrides(OVERRIDES)  # the console's mode: not in a keyframe, kept across seeks
    s.reset_to(body)
    s.restore(body)
    return s


def readings(s: CityState) -> dict:
    """Every public reading a keyframe carries."""
    summary = s.summary()
    # counts of what a keyframe leaves out (it names closed incidents by version: tombstones once restored)
    del summary["samples_stored"], summary["archived_incidents"], summary["closed_known_by_version"]
    return {
        "indicators": list(s.indicators.items()),
        "regions": list(s.regions.items()),
        "series": list(s.series_keys),
        "latest": {k: s.latest(*k) for k in s.series_keys},
        "latest_values": s.latest_values(),
        "status": {k: s.status(*k) for k in s.series_keys},
        "status_code": s.status_code[: len(s.series_keys)].tolist(),
        "region_status": s.region_status(),
        "status_counts": s.status_counts(),
        "labels": {(c, en): s.region_label(c, en) for c in s.regions for en in (False, True)},
        "worst": s.worst_series(list(range(len(s.series_keys)))),
        "open": list(s.incidents.open.items()),
        "open_feeds": {eid: s.incidents.feed_of[eid] for eid in s.incidents.open},
        # what the version rule needs of the others: each incident's version, and which were vanished
        "versions": {eid: s.incidents.version_of(eid)
                     for eid in [*s.incidents.open, *s.incidents.archive, *s.incidents.tombstones]},
        "vanished": {eid: s.incidents.archive[eid] for eid in s.incidents.vanished},
        "summary": summary,
    }


def test_a_state_restored_from_its_keyframe_reads_the_same():
    src = populated_state()
    body = orjson.loads(orjson.dumps(src.keyframe_body()))
    assert body["format"] == keyframe.FORMAT
    dst = restored(body)
    assert readings(dst) == readings(src)
    # what a keyframe leaves to the replayed frames: older readings, closed incidents but their versions,
    # the console's own alerts
    for k in src.series_keys:
        ts, vals = dst.history(*k)
        assert ts.tolist() == [src.latest(*k)[0]] and vals.tolist() == [src.latest(*k)[1]]
    assert src.incidents.get("E2") is not None and dst.incidents.get("E2") is None
    assert set(dst.incidents.archive) == {"V1"} and not dst.console_alerts


def test_the_keyframe_records_the_feeds_thresholds_not_the_overrides():
    body = populated_state().keyframe_body()
    assert {i["id"]: i["thresholds"]["warn"] for i in body["catalog"]["indicators"]} == {
        IND["id"]: IND["thresholds"]["warn"], IND_BELOW["id"]: IND_BELOW["thresholds"]["warn"]}


def test_a_keyframe_from_before_the_format_marker_reads_as_the_first_format():
    legacy = {  # as recordings made before the marker hold it
        "catalog": {"indicators": [IND, IND_BELOW], "regions": REGIONS},
        "values": [["traffic.congestion_index", "310104", 1_700_000_060.0, 9.0],
                   ["water.pressure", "310101013", 1_700_000_060.0, 0.15]],
        "events": [["xuhui", event("E1", 3, "acknowledged")]],
    }
    s = CityState(CONFIG)
    s.reset_to(legacy)
    s.restore(legacy)
    assert s.latest_values() == {("traffic.congestion_index", "310104"): (1_700_000_060.0, 9.0),
                                 ("water.pressure", "310101013"): (1_700_000_060.0, 0.15)}
    assert s.status("traffic.congestion_index", "310104") is Status.ALARM
    assert s.incidents.open["E1"].version == 3 and s.incidents.feed_of["E1"] == "xuhui"


def test_decode_gives_the_catalog_values_and_events():
    kf = keyframe.decode(populated_state().keyframe_body())
    assert [i.id for i in kf.catalog.indicators] == [IND["id"], IND_BELOW["id"]]
    assert len(kf.catalog.regions) == len(REGIONS)
    assert kf.values.indicators[:2] == ["traffic.congestion_index"] * 2 and np.all(kf.values.ts > 0)
    assert [(feed, e.id) for feed, e in kf.events] == [("city", "E1"), ("xuhui", "X1"), ("xuhui", "X2")]


@pytest.mark.parametrize("body", [{"format": "cityops.keyframe/2", "catalog": {}}, [], "x"])
def test_another_format_is_refused_not_guessed_at(body):
    with pytest.raises(keyframe.KeyframeError):
        keyframe.decode(body)
    with pytest.raises(keyframe.KeyframeError):
        CityState(CONFIG).restore(body)
