"""Recordings: every frame a live session receives, with its receive time, appended to an SQLite file.

Why SQLite (WAL): it is the most tested storage engine there is, a killed process or a power cut
leaves a file that opens, and the index gives seeking for free. Frames are committed in batches
every half second with synchronous=FULL, so at most the last half second (plus the batch in flight)
is lost. Raw frames are stored zlib-compressed, exactly as received (the decoder runs again on
replay, so a recording of bad frames replays the same rejects). Every `keyframe_s` the recorder also
stores a keyframe: the model's catalog, latest values and open incidents as protocol frames, so a
seek never replays hours. The format is documented in docs/recording-format.md.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import sqlite3
import threading
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

import orjson

from console.frames import EventFrame, Snapshot

FORMAT = "cityops.recording/1"
log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS feeds (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL);
CREATE TABLE IF NOT EXISTS frames (
    id INTEGER PRIMARY KEY,       -- arrival order
    recv_ts REAL NOT NULL,        -- wall-clock UNIX seconds the frame arrived
    feed INTEGER NOT NULL REFERENCES feeds(id),
    raw BLOB NOT NULL             -- the frame as received, zlib-compressed
);
CREATE INDEX IF NOT EXISTS frames_ts ON frames(recv_ts);
CREATE TABLE IF NOT EXISTS keyframes (
    id INTEGER PRIMARY KEY,
    recv_ts REAL NOT NULL,
    last_frame INTEGER NOT NULL,  -- the state is after this frame
    body BLOB NOT NULL            -- zlib(JSON): {catalog, values, events} (see docs/recording-format.md)
);
CREATE INDEX IF NOT EXISTS keyframes_ts ON keyframes(recv_ts);
CREATE TABLE IF NOT EXISTS event_index (  -- one row per incident change, for the timeline and jumps
    recv_ts REAL NOT NULL,
    event_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    state TEXT NOT NULL,
    severity TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS event_index_ts ON event_index(recv_ts);
CREATE INDEX IF NOT EXISTS event_index_id ON event_index(event_id);
"""


def open_db(path: Path | str, readonly: bool = False) -> sqlite3.Connection:
    if readonly:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    else:
        db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.executescript(_SCHEMA)
    return db


@dataclass(frozen=True, slots=True)
class Keyframe:
    recv_ts: float
    last_frame: int  # the state is the one after this frame
    body: dict  # CityState.keyframe_body(): catalog, latest values, open incidents with their feeds


class Recorder:
    """Appends frames from any thread; a writer thread commits them in batches."""

    def __init__(self, path: Path | str, flush_s: float = 0.5, max_queue: int = 200_000):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.flush_s = flush_s
        self._db = open_db(self.path)
        self._db.execute("INSERT OR IGNORE INTO meta VALUES ('format', ?)", (FORMAT,))
        self._db.execute("INSERT OR IGNORE INTO meta VALUES ('started', ?)", (repr(time.time()),))
        self._feeds = dict(self._db.execute("SELECT name, id FROM feeds").fetchall())
        self._q: queue.Queue = queue.Queue(max_queue)
        self._stop = threading.Event()
        self.frames_written = 0
        self.dropped = 0  # the queue overflowed (the disk could not keep up): counted, logged
        self.bytes_written = 0
        self.errors = 0
        self.cpu_s = 0.0  # CPU the writer thread has used (compression and SQLite)
        self._thread = threading.Thread(target=self._run, name="recorder", daemon=True)
        self._thread.start()

    def _feed_id(self, name: str) -> int:
        fid = self._feeds.get(name)
        if fid is None:
            fid = self._db.execute("INSERT INTO feeds (name) VALUES (?) RETURNING id", (name,)).fetchone()[0]
            self._feeds[name] = fid
        return fid

    def append(self, recv_ts: float, feed: str, raw: bytes) -> None:
        try:
            self._q.put_nowait(("f", recv_ts, feed, raw))
        except queue.Full:
            self.dropped += 1
            if self.dropped in (1, 100, 10_000) or self.dropped % 100_000 == 0:
                log.error("recorder queue full: %d frames not recorded", self.dropped)

    def keyframe(self, recv_ts: float, body: dict) -> None:
        """The whole model's state after every frame appended so far (written in order with them)."""
        self._q.put(("k", recv_ts, "", orjson.dumps(body)))

    def __call__(self, env) -> None:  # a Source listener
        self.append(env.recv_ts, env.feed, env.raw)
        f = env.decoded.frame
        events = [f.event] if isinstance(f, EventFrame) else f.events if isinstance(f, Snapshot) else ()
        for ev in events:
            with contextlib.suppress(queue.Full):
                self._q.put_nowait(("e", env.recv_ts, ev.id, (ev.version, ev.state.value, ev.severity.value)))

    def _run(self) -> None:
        while not self._stop.is_set() or not self._q.empty():
            batch = []
            deadline = time.monotonic() + self.flush_s
            while time.monotonic() < deadline:
                try:
                    batch.append(self._q.get(timeout=max(0.0, deadline - time.monotonic())))
                except queue.Empty:
                    break
                if len(batch) >= 5000:
                    break
            if batch:
                t = time.thread_time()
                self._write(batch)
                self.cpu_s += time.thread_time() - t

    def _write(self, batch: list) -> None:
        try:
            self._db.execute("BEGIN")
            for kind, ts, feed, payload in batch:
                if kind == "e":
                    self._db.execute("INSERT INTO event_index VALUES (?, ?, ?, ?, ?)", (ts, feed, *payload))
                elif kind == "f":
                    blob = zlib.compress(bytes(payload), 1)
                    self._db.execute("INSERT INTO frames (recv_ts, feed, raw) VALUES (?, ?, ?)",
                                     (ts, self._feed_id(feed), blob))
                    self.frames_written += 1
                    self.bytes_written += len(blob)
                else:
                    last = self._db.execute("SELECT COALESCE(MAX(id), 0) FROM frames").fetchone()[0]
                    self._db.execute("INSERT INTO keyframes (recv_ts, last_frame, body) VALUES (?, ?, ?)",
                                     (ts, last, zlib.compress(payload, 3)))
            self._db.execute("COMMIT")
        except sqlite3.Error:
            self.errors += 1
            log.exception("recording write failed (%d frames lost)", len(batch))
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("ROLLBACK")

    def close(self) -> None:
        self._stop.set()
        self._thread.join(30)
        self._db.close()


class Recording:
    """A recording opened for reading (while it may still be written)."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        if not self.path.exists():
            raise FileNotFoundError(path)
        self._db = open_db(self.path, readonly=True)
        meta = dict(self._db.execute("SELECT key, value FROM meta").fetchall())
        if meta.get("format") != FORMAT:
            raise ValueError(f"{path}: not a {FORMAT} file (format={meta.get('format')!r})")
        self.feeds = {fid: name for fid, name in self._db.execute("SELECT id, name FROM feeds")}

    def span(self) -> tuple[float, float] | None:
        row = self._db.execute("SELECT MIN(recv_ts), MAX(recv_ts) FROM frames").fetchone()
        return None if row[0] is None else (row[0], row[1])

    def count(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM frames").fetchone()[0]

    def frames(self, after_id: int = 0, until_ts: float | None = None, limit: int | None = None):
        """(id, recv_ts, feed name, raw bytes) in arrival order."""
        q = "SELECT id, recv_ts, feed, raw FROM frames WHERE id > ?"
        args: list = [after_id]
        if until_ts is not None:
            q += " AND recv_ts <= ?"
            args.append(until_ts)
        q += " ORDER BY id"
        if limit is not None:
            q += " LIMIT ?"
            args.append(limit)
        for fid, ts, feed, blob in self._db.execute(q, args):
            yield fid, ts, self.feeds.get(feed, str(feed)), zlib.decompress(blob)

    def incident_density(self, bins: int, start: float, end: float) -> list[int]:
        """New incidents (first sighting of an id) per time bin, for the replay timeline."""
        out = [0] * bins
        width = (end - start) / bins if end > start else 1.0
        rows = self._db.execute("SELECT MIN(recv_ts) FROM event_index GROUP BY event_id").fetchall()
        for (ts,) in rows:
            i = int((ts - start) / width)
            if 0 <= i < bins:
                out[i] += 1
        return out

    def first_seen(self, event_id: str) -> float | None:
        row = self._db.execute("SELECT MIN(recv_ts) FROM event_index WHERE event_id = ?", (event_id,)).fetchone()
        return row[0] if row else None

    def keyframe_before(self, ts: float) -> Keyframe | None:
        """The latest keyframe at or before `ts` (None: replay from the first frame)."""
        row = self._db.execute("SELECT recv_ts, last_frame, body FROM keyframes WHERE recv_ts <= ? "
                               "ORDER BY recv_ts DESC LIMIT 1", (ts,)).fetchone()
        return None if row is None else Keyframe(row[0], row[1], orjson.loads(zlib.decompress(row[2])))

    def close(self) -> None:
        self._db.close()
