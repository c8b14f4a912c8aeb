"""Export a time range of a recording (by receive time) with pandas: readings as a tidy table (ts,
indicator, region, value) and incidents with their history, to CSV or Parquet. Personal data in incident details is
masked unless asked otherwise. Works in chunks, so a day-long recording never sits in memory whole,
and reports progress as it goes."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from console.feed.decoder import Decoder
from console.feed.frames import Event, EventFrame, SampleBatch, Samples, Snapshot
from console.privacy.masking import mask_personal
from console.recording.store import Recording

FORMATS = ("csv", "parquet")


@dataclass
class ExportResult:
    samples_path: Path
    incidents_path: Path
    samples: int
    incidents: int
    frames: int
    actions: int = 0  # the operators' actions in the range (from the audit log, when given)
    actions_path: Path | None = None


class FramesInRange:
    """The frames of a recording received within [start, end] (receive time: what the screen showed
    then), decoded, as (receive time, readings or None, incident versions). `read` counts every frame
    looked at; `on_chunk(fraction done)` is called every `chunk_frames` of them. Both exports (tables and
    MCAP) read a recording this way."""

    def __init__(self, rec: Recording, start: float | None, end: float | None, chunk_frames: int = 20_000,
                 on_chunk: Callable[[float], None] | None = None):
        span = rec.span()
        if span is None:
            raise ValueError(f"{rec.path}: the recording holds no frames")
        self.rec, self.chunk_frames, self.on_chunk = rec, chunk_frames, on_chunk
        self.lo = span[0] if start is None else start
        self.hi = span[1] if end is None else end
        self.read = 0

    def __iter__(self) -> Iterator[tuple[float, SampleBatch | None, list[Event]]]:
        dec = Decoder(max_frame_bytes=1 << 30)  # what was recorded was accepted once; export all of it
        total = max(1, self.rec.count())
        for fid, recv_ts, _feed, raw in self.rec.frames():
            self.read += 1
            if self.read % self.chunk_frames == 0 and self.on_chunk is not None:
                self.on_chunk(min(1.0, fid / total))
            if recv_ts < self.lo:
                continue
            if recv_ts > self.hi:
                break
            f = dec.decode(raw).frame
            batch = f.batch if isinstance(f, Samples) else f.values if isinstance(f, Snapshot) else None
            events = [f.event] if isinstance(f, EventFrame) else list(f.events) if isinstance(f, Snapshot) else []
            yield recv_ts, (batch if batch is not None and len(batch) else None), events


def export_recording(rec: Recording, out_dir: Path, fmt: str = "csv", start: float | None = None,
                     end: float | None = None, unmask: bool = False, chunk_frames: int = 20_000,
                     progress: Callable[[float], None] | None = None, audit: Path | None = None) -> ExportResult:
    """With `audit` (an audit log), the operators' actions in the range go to `<stem>.actions.<fmt>`."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}")
    frames = FramesInRange(rec, start, end, chunk_frames)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = rec.path.stem
    samples_path = out_dir / f"{stem}.samples.{fmt}"
    incidents_path = out_dir / f"{stem}.incidents.{fmt}"
    for p in (samples_path, incidents_path):
        p.unlink(missing_ok=True)
    writer = None
    n_samples = 0
    incidents: dict[str, dict] = {}
    buf: dict[str, list] = {"ts": [], "indicator": [], "region": [], "value": []}

    def flush() -> None:
        nonlocal writer, n_samples
        if not buf["ts"]:
            return
        df = pd.DataFrame(buf)
        df["ts"] = pd.to_datetime(df["ts"], unit="s", utc=True)
        n_samples += len(df)
        if fmt == "csv":
            df.to_csv(samples_path, mode="a", header=not samples_path.exists(), index=False)
        else:
            import pyarrow as pa
            import pyarrow.parquet as pq

            table = pa.Table.from_pandas(df, preserve_index=False)
            if writer is None:
                writer = pq.ParquetWriter(samples_path, table.schema)
            writer.write_table(table)
        for v in buf.values():
            v.clear()

    def chunk_done(fraction: float) -> None:
        flush()
        if progress:
            progress(fraction)

    frames.on_chunk = chunk_done
    for _recv_ts, batch, events in frames:
        if batch is not None:
            # the range selects frames by when the console received them (what the screen showed
            # then); a reading keeps its own time, even when its source's clock runs elsewhere
            buf["ts"].extend(batch.ts.tolist())
            buf["indicator"].extend(batch.indicators)
            buf["region"].extend(batch.regions)
            buf["value"].extend(batch.values.tolist())
        for ev in events:
            cur = incidents.get(ev.id)
            if cur is None or ev.version >= cur["version"]:
                incidents[ev.id] = {
                    "id": ev.id, "version": ev.version, "title": ev.title, "category": ev.category,
                    "domain": ev.domain, "severity": ev.severity.value, "source": ev.source, "region": ev.region,
                    "state": ev.state.value, "created": pd.Timestamp(ev.created_ts, unit="s", tz="UTC"),
                    "updated": pd.Timestamp(ev.updated_ts, unit="s", tz="UTC"), "assignee": ev.assignee or "",
                    "detail": ev.detail if unmask else mask_personal(ev.detail),
                    "history": json.dumps([h.to_wire() for h in ev.history], ensure_ascii=False),
                }
    flush()
    if writer is not None:
        writer.close()
    elif fmt == "parquet":  # no readings at all: still a valid (empty) file
        pd.DataFrame(buf).to_parquet(samples_path, index=False)
    elif not samples_path.exists():
        pd.DataFrame(buf).to_csv(samples_path, index=False)
    inc = pd.DataFrame(list(incidents.values()))
    if fmt == "csv":
        inc.to_csv(incidents_path, index=False)
    else:
        inc.to_parquet(incidents_path, index=False)
    n_actions, actions_path = 0, None
    if audit is not None:
        actions_path = out_dir / f"{stem}.actions.{fmt}"
        n_actions = _export_actions(audit, actions_path, fmt, frames.lo, frames.hi, unmask)
    if progress:
        progress(1.0)
    return ExportResult(samples_path, incidents_path, n_samples, len(inc), frames.read, n_actions, actions_path)


def _export_actions(audit: Path, path: Path, fmt: str, lo: float, hi: float, unmask: bool) -> int:
    from console.incidents.operator_history import read_audit

    rows = []
    for e in read_audit(audit):
        if lo <= e["ts"] <= hi:
            detail = json.dumps(e.get("detail") or {}, ensure_ascii=False)
            rows.append({"ts": pd.Timestamp(e["ts"], unit="s", tz="UTC"), "operator": e.get("operator", ""),
                         "role": e.get("role", ""), "action": e.get("action", ""), "target": e.get("target", ""),
                         "outcome": e.get("outcome", ""), "detail": detail if unmask else mask_personal(detail)})
    df = pd.DataFrame(rows, columns=["ts", "operator", "role", "action", "target", "outcome", "detail"])
    if fmt == "csv":
        df.to_csv(path, index=False)
    else:
        df.to_parquet(path, index=False)
    return len(df)
