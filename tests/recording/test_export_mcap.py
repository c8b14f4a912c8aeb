"""MCAP out: a recording exported for Foxglove/Lichtblick reads back with the `mcap` library's own
reader with the same counts as the table export: a channel per indicator, incidents, operator actions,
JSON messages that match their JSON schemas, personal data masked unless asked."""

from __future__ import annotations

import json

import pandas as pd
from mcap.reader import make_reader

from console.recording.export import export_recording
from console.recording.mcap_export import export_mcap
from console.recording.store import Recording
from tests.recordings import T, make_recording, write_audit


def read_back(path):
    with open(path, "rb") as f:
        reader = make_reader(f)
        summary = reader.get_summary()
        msgs = [(channel.topic, schema.name, schema.encoding, channel.message_encoding, m.log_time,
                 json.loads(m.data)) for schema, channel, m in reader.iter_messages(log_time_order=True)]
    return summary, msgs


def test_a_recording_reads_back_from_mcap_with_the_table_exports_counts(tmp_path):
    path = tmp_path / "s.cityrec"
    make_recording(path)
    audit = tmp_path / "audit.jsonl"
    write_audit(audit)
    table = export_recording(Recording(path), tmp_path / "csv", "csv", audit=audit)
    res = export_mcap(Recording(path), tmp_path / "mcap", audit=audit)
    summary, msgs = read_back(res.path)
    topics = {t for t, *_ in msgs}
    assert topics == {"/samples/traffic.congestion_index", "/incidents", "/operator_actions"}
    assert {(s, e, me) for _, s, e, me, *_ in msgs} == {("cityops.Sample", "jsonschema", "json"),
                                                         ("cityops.Incident", "jsonschema", "json"),
                                                         ("cityops.OperatorAction", "jsonschema", "json")}
    samples = [m for t, *_, m in msgs if t.startswith("/samples/")]
    assert len(samples) == res.samples == table.samples == 40
    csv = pd.read_csv(table.samples_path)
    assert sorted(m["value"] for m in samples) == sorted(csv["value"].tolist())
    first = next(x for x in msgs if x[0].startswith("/samples/"))
    assert first[4] == int((T + 1) * 1e9) and first[5] == {"region": "310101", "value": 0.0, "ts": T + 1}
    incidents = [m for t, *_, m in msgs if t == "/incidents"]
    assert [(m["id"], m["version"], m["state"]) for m in incidents] == [("E1", 1, "new"), ("E2", 1, "new"),
                                                                        ("E1", 2, "closed")]
    assert {m["id"] for m in incidents} == set(pd.read_csv(table.incidents_path)["id"])
    actions = [m for t, *_, m in msgs if t == "/operator_actions"]
    assert len(actions) == res.actions == table.actions == 5
    assert "13812345678" not in json.dumps(actions, ensure_ascii=False)  # masked
    assert summary.statistics.message_count == 40 + 3 + 5
    assert summary.statistics.channel_count == res.channels == 3


def test_the_range_and_the_command(tmp_path, capsys):
    from console.app.cli import main

    path = tmp_path / "s.cityrec"
    make_recording(path)
    res = export_mcap(Recording(path), tmp_path / "r", start=T + 5, end=T + 25)
    _, msgs = read_back(res.path)
    assert res.samples == 21 and sum(t.startswith("/samples/") for t, *_ in msgs) == 21
    assert main(["export", str(path), "--format", "mcap", "--out", str(tmp_path / "cli")]) == 0
    assert "40 readings, 3 incident versions" in capsys.readouterr().out
    _, msgs = read_back(tmp_path / "cli" / "s.mcap")
    assert sum(t != "/operator_actions" for t, *_ in msgs) == 43  # (actions: whatever this machine's audit log has)
