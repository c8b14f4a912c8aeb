"""The audit trail: every operator action and its outcome, appended to a local JSON-lines file and
flushed to disk at once. Append-only by construction: nothing here rewrites or deletes an entry.

Tamper-evident (console/incidents/audit_chain.py checks it): each line carries its sequence number, the
hash of the line before (`prev`) and its own `hash` (SHA-256 of the line's canonical JSON without hash
and signature), so an edited, deleted or reordered line breaks the chain where it happened. With a
signing key (Ed25519, one per console) each line also carries `sig` over its hash and `signer`. With a
data key (console/privacy/at_rest.py) everything but seq, ts and the chain is sealed in `enc`: the
chain is checked without the key, the entries are read only with it.

Each entry is also told to the program log (event `operator_action`, without its free-text detail),
so a support engineer reading the log sees the actions among the feed events; the log rotates, this
file does not."""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import json
import logging
import os
import threading
import time
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from console.privacy import at_rest
from console.privacy.at_rest import BlobCipher

log = logging.getLogger(__name__)

GENESIS = "0" * 64  # the `prev` of a chain's first line
AAD_AUDIT = b"cityops.audit/entry"
ENTRY_KEYS = ("ts", "operator", "role", "action", "target", "outcome", "detail")
_TAIL = 1 << 16  # the last line is found in the file's last 64 KiB (an entry is far smaller)


def canonical(obj: dict[str, Any]) -> bytes:
    """The bytes hashed: sorted keys, no spaces, UTF-8 (the same on every console and in every verifier)."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def line_hash(body: dict[str, Any]) -> str:
    return hashlib.sha256(canonical({k: v for k, v in body.items() if k not in ("hash", "sig")})).hexdigest()


def signer_id(public_raw: bytes) -> str:
    return hashlib.sha256(public_raw).hexdigest()[:16]


def last_chain_link(path: Path) -> tuple[int, str] | None:
    """(seq, hash) of the file's last chained line, or None (empty, or only older unchained lines)."""
    try:
        with open(path, "rb") as f:
            size = f.seek(0, os.SEEK_END)
            f.seek(max(0, size - _TAIL))
            tail = f.read()
    except FileNotFoundError:
        return None
    for raw in reversed(tail.split(b"\n")):
        try:
            e = json.loads(raw)
        except ValueError:
            continue  # empty, a torn last write, or the part line where the tail starts
        if isinstance(e, dict) and isinstance(e.get("hash"), str) and isinstance(e.get("seq"), int):
            return e["seq"], e["hash"]
        if isinstance(e, dict):
            return None  # an older unchained line is the last: a chain starts after it
    return None


class AuditLog:
    def __init__(self, path: Path | str, cipher: BlobCipher | None = None,
                 signing_key: Ed25519PrivateKey | None = None):
        """`cipher`: the data key (default: the site's, console.privacy.at_rest.active()); `signing_key`:
        this console's Ed25519 key (console/site/data_key.py loads it), None: lines are chained, unsigned."""
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._cipher = cipher if cipher is not None else at_rest.active()
        self._signing = signing_key
        self._signer = None
        if signing_key is not None:
            from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

            self._signer = signer_id(signing_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))
        self._lock = threading.Lock()
        # O_APPEND: every write lands at the end, even with two consoles on one file (flock orders them)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o640)
        self._head: tuple[int, int, str] | None = None  # (file size after our last line, seq, hash)

    def _link(self) -> tuple[int, str]:
        """The (seq, hash) to follow, under the file lock: our own last line unless someone appended."""
        size = os.fstat(self._fd).st_size
        if self._head is not None and self._head[0] == size:
            return self._head[1], self._head[2]
        last = last_chain_link(self.path)
        return last if last is not None else (0, GENESIS)

    def record(self, action: str, operator: str, role: str, target: str, outcome: str,
               detail: dict[str, Any] | None = None, now: float | None = None) -> dict[str, Any]:
        entry = {"ts": now or time.time(), "operator": operator, "role": role, "action": action, "target": target,
                 "outcome": outcome, "detail": detail or {}}
        with self._lock:
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            try:
                seq, prev = self._link()
                body: dict[str, Any] = {"seq": seq + 1, "prev": prev, "ts": entry["ts"]}
                if self._cipher is not None:
                    sealed = self._cipher.seal(canonical(entry), AAD_AUDIT)
                    body["enc"] = base64.b64encode(sealed).decode()
                else:
                    body.update(entry)
                if self._signer is not None:
                    body["signer"] = self._signer
                body["hash"] = line_hash(body)
                if self._signing is not None:
                    body["sig"] = base64.b64encode(self._signing.sign(bytes.fromhex(body["hash"]))).decode()
                line = (json.dumps(body, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
                size = os.fstat(self._fd).st_size
                if size and not _ends_with_newline(self.path, size):
                    line = b"\n" + line  # a torn last line of a crashed writer stays alone on its line
                os.write(self._fd, line)
                os.fsync(self._fd)
                self._head = (os.fstat(self._fd).st_size, body["seq"], body["hash"])
            finally:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        log.info("operator %s (%s): %s %s -> %s", operator, role, action, target, outcome,
                 extra={"event": "operator_action", "operator": operator, "role": role, "action": action,
                        "target": target, "outcome": outcome})
        return entry

    def entries(self, target: str | None = None) -> list[dict[str, Any]]:
        """All entries (for one target if given), oldest first, decrypted; a torn last line is skipped.
        An encrypted entry without the key raises DataKeyError (a refusal, never a silent gap)."""
        out = []
        with open(self.path, encoding="utf-8") as f:
            for line in f:
                try:
                    e = json.loads(line)
                except ValueError:
                    continue
                if not isinstance(e, dict):
                    continue
                e = read_entry(e, self._cipher)
                if target is None or e.get("target") == target:
                    out.append(e)
        return out

    def close(self) -> None:
        with self._lock, contextlib.suppress(OSError):
            os.close(self._fd)


def read_entry(line: dict[str, Any], cipher: BlobCipher | None) -> dict[str, Any]:
    """The entry a line holds: decrypted when sealed, the chain's fields left out; an older line as is."""
    if "enc" in line:
        if cipher is None:
            raise at_rest.DataKeyError("the audit log is encrypted and no data key is configured")
        return json.loads(cipher.open(base64.b64decode(line["enc"]), AAD_AUDIT))
    if "hash" in line:
        return {k: line[k] for k in ENTRY_KEYS if k in line}
    return line


def _ends_with_newline(path: Path, size: int) -> bool:
    with open(path, "rb") as f:
        f.seek(size - 1)
        return f.read(1) == b"\n"
