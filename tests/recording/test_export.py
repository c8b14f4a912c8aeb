import pandas as pd
import pytest

from console.recording.export import export_recording
from console.recording.store import Recording
from tests.recordings import T, make_recording


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_export_a_range_to_tidy_tables(tmp_path, fmt):
    path = tmp_path / "s.cityrec"
    make_recording(path)
    progress = []
    res = export_recording(Recording(path), tmp_path / "out", fmt, start=T + 5, end=T + 25,
                           progress=progress.append)
    read = pd.read_csv if fmt == "csv" else pd.read_parquet
    samples = read(res.samples_path)
    assert list(samples.columns) == ["ts", "indicator", "region", "value"]
    assert len(samples) == res.samples == 21  # readings received from +5 s to +25 s
    assert set(samples["indicator"]) == {"traffic.congestion_index"}
    incidents = read(res.incidents_path)
    assert set(incidents["id"]) == {"E1", "E2"} and set(incidents["state"]) == {"new"}  # E1 closed after +25
    assert progress[-1] == 1.0


def test_personal_data_is_masked_in_exports(tmp_path):
    from console.feed.decoder import Decoder
    from console.feed.source import Envelope
    from console.recording.store import Recorder
    from tests.frames_factory import dumps, event

    path = tmp_path / "p.cityrec"
    rec = Recorder(path, flush_s=0.05)
    raw = dumps({"type": "event", "seq": 1, "event": event("P1", detail="来电人 13812345678")})
    rec(Envelope("city", T, raw, Decoder().decode(raw), None))
    rec.close()
    res = export_recording(Recording(path), tmp_path / "o", "csv")
    text = res.incidents_path.read_text(encoding="utf-8")
    assert "138****5678" in text and "13812345678" not in text
    res = export_recording(Recording(path), tmp_path / "o2", "csv", unmask=True)
    assert "13812345678" in res.incidents_path.read_text(encoding="utf-8")


def test_the_export_command_follows_the_role_policy(tmp_path):
    from console.app.cli import main

    path = tmp_path / "s.cityrec"
    make_recording(path)
    with pytest.raises(SystemExit, match="role leader may not export"):
        main(["export", str(path), "--role", "leader", "--out", str(tmp_path / "x")])
    with pytest.raises(SystemExit, match="may not unmask"):
        main(["export", str(path), "--unmask", "--out", str(tmp_path / "x")])
    assert not (tmp_path / "x").exists()  # refused before anything was written
    assert main(["export", str(path), "--out", str(tmp_path / "ok")]) == 0
