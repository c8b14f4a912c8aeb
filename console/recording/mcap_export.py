"""A recording to one MCAP file (`cityops export --format mcap`) that Foxglove and Lichtblick open as
they are: JSON messages on JSON-schema channels.

  /samples/<indicator>   one message per reading: {region, value, ts}, logged at the reading's own time
                         (plot `/samples/traffic.congestion_index{region=="310101"}.value`)
  /incidents             every version of every incident as the console received it (the protocol's
                         event object; personal data masked unless unmasked), logged at receipt
  /operator_actions      the operators' actions from the audit log, when given, logged at their time

Times are UNIX nanoseconds (MCAP's log_time/publish_time). The range selects frames by receive time,
as the CSV/Parquet export does; the file is written in compressed chunks as it goes, so a day-long
recording never sits in memory.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mcap.writer import CompressionType, Writer

from console.privacy.masking import mask_personal
from console.recording.export import FramesInRange
from console.recording.store import Recording

LIBRARY = "cityops-console"

SAMPLE_SCHEMA = {
    "title": "cityops.Sample", "type": "object",
    "properties": {"region": {"type": "string", "description": "GB/T 2260 region code"},
                   "value": {"type": "number"},
                   "ts": {"type": "number", "description": "the reading's time, UNIX seconds"}},
    "required": ["region", "value", "ts"],
}
INCIDENT_SCHEMA = {
    "title": "cityops.Incident", "type": "object",
    "description": "the event object of cityops.feed/1 (docs/feed-protocol.md)",
    "properties": {
        "id": {"type": "string"}, "version": {"type": "integer"}, "title": {"type": "string"},
        "category": {"type": "string"}, "domain": {"type": "string"},
        "severity": {"type": "string", "enum": ["red", "orange", "yellow", "blue"]},
        "source": {"type": "string"}, "region": {"type": "string"},
        "location": {"type": ["object", "null"], "properties": {"lat": {"type": "number"}, "lon": {"type": "number"}}},
        "state": {"type": "string"}, "created_ts": {"type": "number"}, "updated_ts": {"type": "number"},
        "sla_due_ts": {"type": ["number", "null"]}, "assignee": {"type": ["string", "null"]},
        "detail": {"type": "string"}, "history": {"type": "array"}, "merged_into": {"type": "string"},
        "area": {"type": "object"},
    },
    "required": ["id", "version", "title", "severity", "region", "state"],
}
ACTION_SCHEMA = {
    "title": "cityops.OperatorAction", "type": "object",
    "properties": {"operator": {"type": "string"}, "role": {"type": "string"}, "action": {"type": "string"},
                   "target": {"type": "string"}, "outcome": {"type": "string"}, "detail": {"type": "object"},
                   "ts": {"type": "number"}},
    "required": ["operator", "action", "ts"],
}


@dataclass
class McapResult:
    path: Path
    samples: int
    incidents: int  # incident versions written
    actions: int
    frames: int
    channels: int


def _ns(ts: float) -> int:
    return max(0, round(ts * 1e9))


def export_mcap(rec: Recording, out_dir: Path, start: float | None = None, end: float | None = None,
                unmask: bool = False, progress: Callable[[float], None] | None = None,
                audit: Path | None = None, chunk_frames: int = 20_000) -> McapResult:
    frames = FramesInRange(rec, start, end, chunk_frames, progress)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{rec.path.stem}.mcap"
    n_samples = n_incidents = n_actions = 0
    with open(path, "wb") as f:
        w = Writer(f, compression=CompressionType.ZSTD)
        w.start(profile="", library=LIBRARY)
        sample_schema = w.register_schema("cityops.Sample", "jsonschema", json.dumps(SAMPLE_SCHEMA).encode())
        incident_schema = w.register_schema("cityops.Incident", "jsonschema", json.dumps(INCIDENT_SCHEMA).encode())
        incident_ch = w.register_channel("/incidents", "json", incident_schema)
        channels: dict[str, int] = {}
        seq: dict[int, int] = {}
        region_json: dict[str, bytes] = {}  # a day has 43 M readings over a few hundred regions

        def put(ch: int, ts_ns: int, body: bytes, pub_ns: int | None = None) -> None:
            seq[ch] = seq.get(ch, 0) + 1
            w.add_message(ch, ts_ns, body, pub_ns if pub_ns is not None else ts_ns, seq[ch])

        for recv_ts, batch, events in frames:
            if batch is not None:
                recv_ns = _ns(recv_ts)
                for ind, reg, ts, val in zip(batch.indicators, batch.regions, batch.ts.tolist(),
                                             batch.values.tolist(), strict=True):
                    ch = channels.get(ind)
                    if ch is None:
                        ch = channels[ind] = w.register_channel(f"/samples/{ind}", "json", sample_schema)
                    rj = region_json.get(reg)
                    if rj is None:
                        rj = region_json[reg] = json.dumps(reg).encode()
                    put(ch, _ns(ts), b'{"region":%s,"value":%r,"ts":%r}' % (rj, val, ts), recv_ns)
                    n_samples += 1
            for ev in events:
                wire = ev.to_wire()
                if not unmask:
                    wire["detail"] = mask_personal(ev.detail)
                put(incident_ch, _ns(recv_ts), json.dumps(wire, ensure_ascii=False).encode())
                n_incidents += 1
        if audit is not None:
            from console.incidents.operator_history import read_audit

            action_schema = w.register_schema("cityops.OperatorAction", "jsonschema",
                                              json.dumps(ACTION_SCHEMA).encode())
            action_ch = w.register_channel("/operator_actions", "json", action_schema)
            for e in read_audit(audit):
                if frames.lo <= e["ts"] <= frames.hi:
                    detail = e.get("detail") or {}
                    if not unmask:
                        detail = json.loads(mask_personal(json.dumps(detail, ensure_ascii=False)))
                    body = {"operator": e.get("operator", ""), "role": e.get("role", ""), "action": e.get("action", ""),
                            "target": e.get("target", ""), "outcome": e.get("outcome", ""), "detail": detail,
                            "ts": e["ts"]}
                    put(action_ch, _ns(e["ts"]), json.dumps(body, ensure_ascii=False).encode())
                    n_actions += 1
        w.finish()
    if progress:
        progress(1.0)
    return McapResult(path, n_samples, n_incidents, n_actions, frames.read, len(channels) + 1 + (audit is not None))
