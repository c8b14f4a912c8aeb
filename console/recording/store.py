"""Recordings: every frame a live session receives, with its receive time, appended to an SQLite file.

Why SQLite (WAL): it is the most tested storage engine there is, a killed process or a power cut
leaves a file that opens, and the index gives seeking for free. Frames are committed in batches
every half second with synchronous=FULL, so at most the last half second (plus the batch in flight)
is lost. Raw frames are stored zlib-compressed, exactly as received (the decoder runs again on
replay, so a recording of bad frames replays the same rejects). Every `keyframe_s` the recorder also
stores a keyframe: the model's catalog, latest values and open incidents as protocol frames, so a
seek never replays hours. The format is documented in docs/recording-format.md.

With a data key configured (console/privacy/at_rest.py) the frame, keyframe and series-block blobs are
compressed then sealed (AES-256-GCM): what a copied file shows is receive times and incident ids, never a
caller's number. A recording's meta says so (`encryption`); opening one without its key is refused.
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

import numpy as np
import orjson

from console.feed.frames import EventFrame, Samples, Snapshot
from console.privacy import at_rest
from console.privacy.at_rest import BlobCipher, DataKeyError

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
CREATE TABLE IF NOT EXISTS series_blocks (  -- each series' readings per minute of receive time, for history
    minute INTEGER NOT NULL,      -- floor(recv_ts / 60)
    indicator TEXT NOT NULL,
    region TEXT NOT NULL,
    data BLOB NOT NULL            -- zlib(float64 ts[n] then float64 value[n]), in arrival order
);
CREATE INDEX IF NOT EXISTS series_blocks_minute ON series_blocks(minute);
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


ENCRYPTION = "aes-256-gcm"
# what each blob is: a blob moved into another table does not open
AAD_FRAME, AAD_KEYFRAME = b"cityops.recording/frame", b"cityops.recording/keyframe"
AAD_SERIES = b"cityops.recording/series"


def pack_blob(cipher: BlobCipher | None, data: bytes, level: int, aad: bytes) -> bytes:
    """zlib, then sealed when there is a key (compressing after encrypting would gain nothing)."""
    z = zlib.compress(data, level)
    return z if cipher is None else cipher.seal(z, aad)


NO_KEY = ("this recording is encrypted and no data key is configured "
          "(CITYOPS_DATA_KEY, CITYOPS_DATA_KEY_FILE or the key file: docs/security.md)")


def unpack_blob(cipher: BlobCipher | None, blob: bytes, aad: bytes) -> bytes:
    """Plain blobs (older recordings, or one recorded without a key) and sealed ones both read."""
    if at_rest.is_sealed(blob):
        if cipher is None:
            raise DataKeyError(NO_KEY)
        blob = cipher.open(blob, aad)
    return zlib.decompress(blob)


def reseal(path: Path | str, cipher: BlobCipher) -> int:
    """Every blob of a finished recording sealed again under the cipher's current key (key rotation;
    a plain recording gets encrypted): one transaction, so a crash leaves the old file whole. Returns the
    blobs rewritten. The writer of a live recording must be closed first (retention keeps it open)."""
    db = open_db(path)
    n = 0
    try:
        db.execute("BEGIN IMMEDIATE")
        for table, col, key, aad, level in (("frames", "raw", "id", AAD_FRAME, 1),
                                            ("keyframes", "body", "id", AAD_KEYFRAME, 3),
                                            ("series_blocks", "data", "rowid", AAD_SERIES, 1)):
            rows = db.execute(f"SELECT {key}, {col} FROM {table}").fetchall()
            for rid, blob in rows:
                if at_rest.is_sealed(blob) and bytes(blob[4:8]).hex() == cipher.current_id:
                    continue
                db.execute(f"UPDATE {table} SET {col} = ? WHERE {key} = ?",
                           (pack_blob(cipher, unpack_blob(cipher, blob, aad), level, aad), rid))
                n += 1
        db.execute("INSERT OR REPLACE INTO meta VALUES ('encryption', ?)", (ENCRYPTION,))
        db.execute("COMMIT")
        db.execute("VACUUM")  # the old blobs' pages are freed, not left readable in the file
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            db.execute("ROLLBACK")
        raise
    finally:
        db.close()
    return n


@dataclass(frozen=True, slots=True)
class Keyframe:
    recv_ts: float
    last_frame: int  # the state is the one after this frame
    body: dict | None  # CityState.keyframe_body(): catalog, latest values, open incidents (None: not asked for)


class Recorder:
    """Appends frames from any thread; a writer thread commits them in batches."""

    def __init__(self, path: Path | str, flush_s: float = 0.5, max_queue: int = 200_000,
                 keyframe_state=None, keyframe_s: float = 60.0, cipher: BlobCipher | None = None):
        """With `keyframe_state` (a callable giving the CityState that holds the live city), a keyframe
        is taken every `keyframe_s` of the frames' own receive time, just before the frame that
        crosses the mark: the same time base as the frames, whatever the workstation's clock says.
        `cipher`: the data key (default: the one the site configured, console.privacy.at_rest.active())."""
        self.path = Path(path)
        self._cipher = cipher if cipher is not None else at_rest.active()
        self._keyframe_state = keyframe_state
        self.keyframe_s = keyframe_s
        self._next_keyframe = 0.0
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.flush_s = flush_s
        self._db = open_db(self.path)
        self._db.execute("INSERT OR IGNORE INTO meta VALUES ('format', ?)", (FORMAT,))
        self._db.execute("INSERT OR IGNORE INTO meta VALUES ('started', ?)", (repr(time.time()),))
        if self._cipher is not None:
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('encryption', ?)", (ENCRYPTION,))
        self._feeds = dict(self._db.execute("SELECT name, id FROM feeds").fetchall())
        self._q: queue.Queue = queue.Queue(max_queue)
        self._stop = threading.Event()
        self.frames_written = 0
        self.dropped = 0  # the queue overflowed (the disk could not keep up): counted, logged
        self.bytes_written = 0
        self.errors = 0
        self.cpu_s = 0.0  # CPU the writer thread has used (compression and SQLite)
        self._blocks: dict[tuple[str, str], tuple[list, list]] = {}  # this minute's readings per series
        self._block_minute = -1
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

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until everything appended so far is committed (a reader then sees it)."""
        done = threading.Event()
        self._q.put(("sync", 0.0, "", done))
        return done.wait(timeout)

    def __call__(self, env) -> None:  # a Source listener (before the model's Ingest: the state is the one before)
        if self._keyframe_state is not None and env.recv_ts >= self._next_keyframe:
            if self._next_keyframe:
                self.keyframe(env.recv_ts, self._keyframe_state().keyframe_body())
            self._next_keyframe = (env.recv_ts // self.keyframe_s + 1) * self.keyframe_s
        self.append(env.recv_ts, env.feed, env.raw)
        f = env.decoded.frame
        batch = f.batch if isinstance(f, Samples) else f.values if isinstance(f, Snapshot) else None
        if batch is not None and len(batch):
            with contextlib.suppress(queue.Full):
                self._q.put_nowait(("s", env.recv_ts, "", batch))
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
                if len(batch) >= 5000 or batch[-1][0] == "sync":
                    break
            if batch:
                t = time.thread_time()
                self._write(batch)
                self.cpu_s += time.thread_time() - t

    def _write(self, batch: list) -> None:
        try:
            self._db.execute("BEGIN")
            for kind, ts, feed, payload in batch:
                if kind == "sync":
                    continue
                if kind == "s":
                    self._add_to_blocks(ts, payload)
                elif kind == "e":
                    self._db.execute("INSERT INTO event_index VALUES (?, ?, ?, ?, ?)", (ts, feed, *payload))
                elif kind == "f":
                    blob = pack_blob(self._cipher, bytes(payload), 1, AAD_FRAME)
                    self._db.execute("INSERT INTO frames (recv_ts, feed, raw) VALUES (?, ?, ?)",
                                     (ts, self._feed_id(feed), blob))
                    self.frames_written += 1
                    self.bytes_written += len(blob)
                else:
                    last = self._db.execute("SELECT COALESCE(MAX(id), 0) FROM frames").fetchone()[0]
                    self._db.execute("INSERT INTO keyframes (recv_ts, last_frame, body) VALUES (?, ?, ?)",
                                     (ts, last, pack_blob(self._cipher, payload, 3, AAD_KEYFRAME)))
            self._db.execute("COMMIT")
        except sqlite3.Error:
            self.errors += 1
            log.exception("recording write failed (%d frames lost)", len(batch))
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("ROLLBACK")
        for kind, _ts, _feed, payload in batch:
            if kind == "sync":
                payload.set()

    def _add_to_blocks(self, recv_ts: float, batch) -> None:
        minute = int(recv_ts // 60)
        if minute != self._block_minute:
            self._write_blocks()
            self._block_minute = minute
        blocks = self._blocks
        for ind, reg, t, v in zip(batch.indicators, batch.regions, batch.ts.tolist(), batch.values.tolist(),
                                  strict=True):
            b = blocks.get((ind, reg))
            if b is None:
                b = blocks[(ind, reg)] = ([], [])
            b[0].append(t)
            b[1].append(v)

    def _write_blocks(self) -> None:
        """The finished minute's readings, one row per series (inside the current transaction)."""
        if not self._blocks:
            return
        rows = [(self._block_minute, ind, reg,
                 pack_blob(self._cipher, np.array(ts, dtype="<f8").tobytes() + np.array(vs, dtype="<f8").tobytes(),
                           1, AAD_SERIES))
                for (ind, reg), (ts, vs) in self._blocks.items()]
        self._db.executemany("INSERT INTO series_blocks VALUES (?, ?, ?, ?)", rows)
        self._blocks = {}

    def close(self) -> None:
        self._stop.set()
        self._thread.join(30)
        with contextlib.suppress(sqlite3.Error):  # the last, unfinished minute of history blocks
            self._db.execute("BEGIN")
            self._write_blocks()
            self._db.execute("COMMIT")
        self._db.close()


class Recording:
    """A recording opened for reading (while it may still be written)."""

    def __init__(self, path: Path | str, cipher: BlobCipher | None = None):
        """Refused (DataKeyError, its message says why) when the recording is encrypted and the key
        configured is missing or is not the one it was written with."""
        self.path = Path(path)
        if not self.path.exists():
            raise FileNotFoundError(path)
        self._cipher = cipher if cipher is not None else at_rest.active()
        self._db = open_db(self.path, readonly=True)
        meta = dict(self._db.execute("SELECT key, value FROM meta").fetchall())
        if meta.get("format") != FORMAT:
            raise ValueError(f"{path}: not a {FORMAT} file (format={meta.get('format')!r})")
        self.encrypted = meta.get("encryption") == ENCRYPTION
        if self.encrypted:
            try:  # the first frame tells at once whether this key opens the file (not mid-replay)
                row = self._db.execute("SELECT raw FROM frames ORDER BY id LIMIT 1").fetchone()
                if self._cipher is None:
                    raise DataKeyError(NO_KEY)
                if row is not None:
                    unpack_blob(self._cipher, row[0], AAD_FRAME)
            except DataKeyError as exc:
                self._db.close()
                raise DataKeyError(f"{path}: {exc}") from None
        self.refresh_feeds()

    def refresh_feeds(self) -> None:
        """A recording still being written may gain feeds (one connecting later)."""
        self.feeds = {fid: name for fid, name in self._db.execute("SELECT id, name FROM feeds")}

    def span(self) -> tuple[float, float] | None:
        row = self._db.execute("SELECT MIN(recv_ts), MAX(recv_ts) FROM frames").fetchone()
        return None if row[0] is None else (row[0], row[1])

    def count(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM frames").fetchone()[0]

    def frames(self, after_id: int = 0, until_ts: float | None = None, limit: int | None = None,
               until_id: int | None = None):
        """(id, recv_ts, feed name, raw bytes) in arrival order."""
        if until_ts is not None:
            # recv_ts alone is a filter, not an end: SQLite would walk every later frame of the file to the
            # last one. The time index gives the last id to read (receive times follow arrival order).
            last = self.frame_at_or_before(until_ts)
            until_id = last if until_id is None else min(until_id, last)
        q = "SELECT id, recv_ts, feed, raw FROM frames WHERE id > ?"
        args: list = [after_id]
        if until_id is not None:
            q += " AND id <= ?"
            args.append(until_id)
        if until_ts is not None:
            q += " AND recv_ts <= ?"
            args.append(until_ts)
        q += " ORDER BY id"
        if limit is not None:
            q += " LIMIT ?"
            args.append(limit)
        for fid, ts, feed, blob in self._db.execute(q, args):
            yield fid, ts, self.feeds.get(feed, str(feed)), unpack_blob(self._cipher, blob, AAD_FRAME)

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

    def event_changes(self, start: float, end: float) -> list[tuple[float, str, int, str, str, bool]]:
        """(recv_ts, id, version, state, severity, first sighting?) of each incident version first seen
        between `start` and `end`, in time order (a resync snapshot repeating a version is not a change)."""
        rows = self._db.execute(
            "SELECT MIN(e.recv_ts), e.event_id, e.version, e.state, e.severity, f.first FROM event_index e "
            "JOIN (SELECT event_id, MIN(recv_ts) AS first FROM event_index GROUP BY event_id) f USING (event_id) "
            "GROUP BY e.event_id, e.version HAVING MIN(e.recv_ts) BETWEEN ? AND ? ORDER BY 1", (start, end))
        return [(ts, eid, v, st, sev, ts == first) for ts, eid, v, st, sev, first in rows]

    def first_seen(self, event_id: str) -> float | None:
        row = self._db.execute("SELECT MIN(recv_ts) FROM event_index WHERE event_id = ?", (event_id,)).fetchone()
        return row[0] if row else None

    def history(self, start_ts: float, until_ts: float):
        """Each series' readings received in the minutes from `start_ts` through `until_ts`:
        (indicator, region, ts, values) per series, concatenated in arrival order."""
        acc: dict[tuple[str, str], tuple[list, list]] = {}
        q = ("SELECT indicator, region, data FROM series_blocks WHERE minute >= ? AND minute <= ? "
             "ORDER BY minute, rowid")
        for ind, reg, blob in self._db.execute(q, (int(start_ts // 60), int(until_ts // 60))):
            arr = np.frombuffer(unpack_blob(self._cipher, blob, AAD_SERIES), dtype="<f8")
            n = len(arr) // 2
            a = acc.get((ind, reg))
            if a is None:
                a = acc[(ind, reg)] = ([], [])
            a[0].append(arr[:n])
            a[1].append(arr[n:])
        for (ind, reg), (ts, vs) in acc.items():
            yield ind, reg, np.concatenate(ts), np.concatenate(vs)

    def frame_at_or_before(self, ts: float) -> int:
        """The id of the last frame received at or before `ts` (0 when none)."""
        row = self._db.execute("SELECT id FROM frames WHERE recv_ts <= ? ORDER BY recv_ts DESC, id DESC LIMIT 1",
                               (ts,)).fetchone()
        return row[0] if row else 0

    def frame_before(self, ts: float) -> int:
        """The id of the last frame received before `ts` (0 when none)."""
        # down the time index from `ts`: one step, where MAX(id) over the range read every earlier frame
        row = self._db.execute("SELECT id FROM frames WHERE recv_ts < ? ORDER BY recv_ts DESC, id DESC LIMIT 1",
                               (ts,)).fetchone()
        return row[0] if row else 0

    def keyframe_before(self, ts: float, body: bool = True) -> Keyframe | None:
        """The latest keyframe at or before `ts` (None: replay from the first frame); with `body=False`
        its time and place only (body None), for a reader that holds the body already."""
        row = self._db.execute(f"SELECT recv_ts, last_frame{', body' if body else ''} FROM keyframes "
                               "WHERE recv_ts <= ? ORDER BY recv_ts DESC LIMIT 1", (ts,)).fetchone()
        if row is None:
            return None
        return Keyframe(row[0], row[1], orjson.loads(unpack_blob(self._cipher, row[2], AAD_KEYFRAME)) if body else None)

    def close(self) -> None:
        self._db.close()
