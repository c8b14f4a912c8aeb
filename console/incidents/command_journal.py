"""The command journal: every operator command is written here (SQLite, WAL) before it is sent, and
stays "pending" until the authority answers. After a reconnect or a restart the pending ones are sent
again with the same id; the server applies an id once, so nothing is lost and nothing doubles.

With a data key (console/privacy/at_rest.py) a command's arguments (notes, assignees: free text that
may name a caller) and the authority's error text are sealed; ids, ops, states and times stay readable
for the queries. Rows written before the key are read as they are.
"""

from __future__ import annotations

import base64
import json
import sqlite3
import threading
import time
import uuid
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from console.feed.protocol import CommandOp, FrameType
from console.privacy import at_rest
from console.privacy.at_rest import BlobCipher

_SEALED = "enc:"  # a sealed text column: the prefix, then base64 of the sealed UTF-8
AAD_ARGS, AAD_ERROR = b"cityops.journal/args", b"cityops.journal/error"


class CommandState(StrEnum):
    PENDING = "pending"  # written, not yet answered (sent zero or more times)
    DONE = "done"  # the authority applied it
    REFUSED = "refused"  # the authority said no (stale version, illegal transition, ...)


@dataclass(frozen=True, slots=True)
class JournaledCommand:
    id: str
    feed: str
    op: CommandOp
    event_id: str
    expected_version: int
    operator: str
    role: str
    args: dict[str, Any]
    created_ts: float
    state: CommandState
    sends: int
    error: str | None
    answered_ts: float | None

    def frame(self) -> dict[str, Any]:
        return {"type": FrameType.COMMAND, "id": self.id, "op": self.op.value, "event_id": self.event_id,
                "expected_version": self.expected_version, "operator": self.operator, "args": self.args}


_SCHEMA = """
CREATE TABLE IF NOT EXISTS commands (
    id TEXT PRIMARY KEY,
    feed TEXT NOT NULL,
    op TEXT NOT NULL,
    event_id TEXT NOT NULL,
    expected_version INTEGER NOT NULL,
    operator TEXT NOT NULL,
    role TEXT NOT NULL,
    args TEXT NOT NULL,
    created_ts REAL NOT NULL,
    state TEXT NOT NULL,
    sends INTEGER NOT NULL DEFAULT 0,
    last_sent_ts REAL,
    error TEXT,
    answered_ts REAL
);
CREATE INDEX IF NOT EXISTS commands_state ON commands(state);
CREATE INDEX IF NOT EXISTS commands_event ON commands(event_id);
"""


class CommandJournal:
    def __init__(self, path: Path | str, cipher: BlobCipher | None = None):
        """`cipher`: the data key (default: the site's, console.privacy.at_rest.active())."""
        self.path = Path(path)
        self._cipher = cipher if cipher is not None else at_rest.active()
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        # FULL: a command the operator saw accepted survives a power cut, not only a crash
        self._db.execute("PRAGMA synchronous=FULL")
        # pruned rows are zeroed, not left readable in free pages (older, unsealed rows among them)
        self._db.execute("PRAGMA secure_delete=ON")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @staticmethod
    def new_id() -> str:
        return f"cmd-{uuid.uuid4().hex}"

    def record(self, feed: str, op: CommandOp, event_id: str, expected_version: int, operator: str, role: str,
               args: dict[str, Any] | None = None, command_id: str | None = None,
               now: float | None = None) -> JournaledCommand:
        """Write a command down (durably) before anything is sent."""
        cid = command_id or self.new_id()
        with self._lock:
            self._db.execute(
                "INSERT INTO commands (id, feed, op, event_id, expected_version, operator, role, args, created_ts,"
                " state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (cid, feed, op.value, event_id, expected_version, operator, role,
                 self._seal(json.dumps(args or {}, ensure_ascii=False), AAD_ARGS), now or time.time(),
                 CommandState.PENDING.value),
            )
        return self.get(cid)

    def mark_sent(self, command_id: str, now: float | None = None) -> None:
        with self._lock:
            self._db.execute("UPDATE commands SET sends = sends + 1, last_sent_ts = ? WHERE id = ?",
                             (now or time.time(), command_id))

    def answer(self, command_id: str, ok: bool, error: str | None = None, now: float | None = None) -> bool:
        """Record the authority's reply. False when the id is not ours or was already answered."""
        state = CommandState.DONE if ok else CommandState.REFUSED
        with self._lock:
            cur = self._db.execute(
                "UPDATE commands SET state = ?, error = ?, answered_ts = ? WHERE id = ? AND state = ?",
                (state.value, None if error is None else self._seal(error, AAD_ERROR), now or time.time(), command_id,
                 CommandState.PENDING.value),
            )
            return cur.rowcount == 1

    def get(self, command_id: str) -> JournaledCommand | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM commands WHERE id = ?", (command_id,)).fetchone()
        return self._row(row) if row else None

    def pending(self, feed: str | None = None) -> list[JournaledCommand]:
        """Unanswered commands, oldest first (the order they must be re-sent in)."""
        q = "SELECT * FROM commands WHERE state = ?" + (" AND feed = ?" if feed else "") + " ORDER BY created_ts"
        args = (CommandState.PENDING.value, feed) if feed else (CommandState.PENDING.value,)
        with self._lock:
            return [self._row(r) for r in self._db.execute(q, args).fetchall()]

    def has_command(self, event_id: str, op: CommandOp) -> bool:
        """Was this op ever journaled for this incident (whatever its answer)?"""
        with self._lock:
            row = self._db.execute("SELECT 1 FROM commands WHERE event_id = ? AND op = ? LIMIT 1",
                                   (event_id, op.value)).fetchone()
        return row is not None

    def recent(self, limit: int = 200) -> list[JournaledCommand]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM commands ORDER BY created_ts DESC LIMIT ?", (limit,)).fetchall()
        return [self._row(r) for r in rows]

    def prune(self, older_than_s: float, now: float | None = None) -> int:
        """Forget answered commands older than this (the audit log keeps the record); pending stay."""
        with self._lock:
            cur = self._db.execute("DELETE FROM commands WHERE state != ? AND created_ts < ?",
                                   (CommandState.PENDING.value, (now or time.time()) - older_than_s))
            return cur.rowcount

    def _seal(self, text: str, aad: bytes) -> str:
        if self._cipher is None:
            return text
        return _SEALED + base64.b64encode(self._cipher.seal(text.encode(), aad)).decode()

    def _open(self, text: str | None, aad: bytes) -> str | None:
        if text is None or not text.startswith(_SEALED):
            return text
        if self._cipher is None:
            raise at_rest.DataKeyError(f"{self.path}: the command journal is encrypted and no data key is configured")
        return self._cipher.open(base64.b64decode(text[len(_SEALED):]), aad).decode()

    def _row(self, r) -> JournaledCommand:
        (cid, feed, op, event_id, ver, operator, role, args, created, state, sends, _last, error, answered) = r
        return JournaledCommand(cid, feed, CommandOp(op), event_id, ver, operator, role,
                                json.loads(self._open(args, AAD_ARGS)), created, CommandState(state), sends,
                                self._open(error, AAD_ERROR), answered)

    def reseal(self) -> int:
        """Every sealed (or still plain) args and error text sealed again under the current key (key
        rotation). Returns the rows rewritten."""
        if self._cipher is None:
            raise at_rest.DataKeyError("resealing needs a data key")
        n = 0
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for cid, args, error in self._db.execute("SELECT id, args, error FROM commands").fetchall():
                    new_args = self._seal(self._open(args, AAD_ARGS), AAD_ARGS)
                    new_err = None if error is None else self._seal(self._open(error, AAD_ERROR), AAD_ERROR)
                    self._db.execute("UPDATE commands SET args = ?, error = ? WHERE id = ?", (new_args, new_err, cid))
                    n += 1
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("VACUUM")
        return n
