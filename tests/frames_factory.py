"""Small builders of wire frames for tests."""

from __future__ import annotations

import orjson

from console.feed.protocol import PROTOCOL

IND = {
    "id": "traffic.congestion_index",
    "name": {"zh": "交通拥堵指数", "en": "Traffic congestion index"},
    "domain": "traffic",
    "unit": "",
    "scope": "district",
    "thresholds": {"warn": 6, "alarm": 8, "direction": "above"},
    "cadence_s": 30,
}
IND_BELOW = {
    "id": "water.pressure",
    "name": {"zh": "供水管网压力", "en": "Water network pressure"},
    "domain": "water",
    "unit": "MPa",
    "scope": "district",
    "thresholds": {"warn": 0.16, "alarm": 0.14, "direction": "below"},
    "cadence_s": 30,
}
REGIONS = [
    {"code": "310000", "name": {"zh": "上海市", "en": "Shanghai"}, "level": "city", "parent": None,
     "centroid": [31.23, 121.47]},
    {"code": "310101", "name": {"zh": "黄浦区", "en": "Huangpu"}, "level": "district", "parent": "310000",
     "centroid": [31.23, 121.48]},
    {"code": "310104", "name": {"zh": "徐汇区", "en": "Xuhui"}, "level": "district", "parent": "310000",
     "centroid": [31.18, 121.43]},
    {"code": "310101013", "name": {"zh": "外滩街道", "en": "The Bund"}, "level": "street", "parent": "310101",
     "centroid": [31.24, 121.49]},
]


def event(eid="E1", version=1, state="new", title="路面积水", severity="yellow", region="310101", **kw):
    d = {
        "id": eid, "version": version, "title": title, "category": "road_waterlogging", "domain": "water",
        "severity": severity, "source": "ai_camera", "region": region, "location": {"lat": 31.23, "lon": 121.48},
        "state": state, "created_ts": 1_700_000_000.0, "updated_ts": 1_700_000_000.0,
        "sla_due_ts": 1_700_003_600.0, "assignee": None, "detail": "", "history": [],
    }
    d.update(kw)
    return d


def dumps(obj) -> bytes:
    return orjson.dumps(obj)


def hello() -> bytes:
    return dumps({"type": "hello", "protocol": PROTOCOL, "source": "test", "level": "city", "server_time": 1.0})


def catalog() -> bytes:
    return dumps({"type": "catalog", "indicators": [IND, IND_BELOW], "regions": REGIONS})


def samples(seq: int, rows) -> bytes:
    return dumps({"type": "samples", "seq": seq, "samples": rows})
