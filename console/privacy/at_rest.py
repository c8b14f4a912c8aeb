"""Encryption at rest: each blob the console keeps that can hold personal data or commands (a recorded
frame, a keyframe, a minute of series readings, a journaled command's arguments, an audit entry) is
sealed on its own with AES-256-GCM (`cryptography`, Apache-2.0/BSD).

Why per blob and not SQLCipher: the recordings, the journal and the audit log stay plain SQLite and
JSON lines, so the crash tests, WAL, the time index and every reader keep working unchanged; only the
payloads are opaque. What stays readable is what the indexes need: receive times, incident ids, states,
severities, series names. GCM authenticates too: a flipped byte or a wrong key is a refusal, never
garbage. The cost is 28 bytes a blob (4 key id, 12 nonce, 16 tag) plus the header.

A sealed blob: MAGIC (4) | key id (4) | nonce (12) | ciphertext+tag. The `aad` names what the blob is
(b"frame", b"keyframe", ...): a blob moved from one table to another does not open. Several keys may be
loaded at once (rotation: the newest seals, every one opens). Where the key comes from is the site's
business (console/site/data_key.py); this module only checks a key file's permissions.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import stat
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"CQE1"
KEYS_FORMAT = "cityops.datakeys/1"
_HEADER = len(MAGIC) + 4 + 12


class DataKeyError(Exception):
    """The data key is missing, unreadable, too widely readable, or does not open what it should.
    Its message says what to do; the console refuses with it rather than crash or write in clear."""


def key_id(key: bytes) -> str:
    """A key's public name (8 hex digits of a hash): written beside each blob, says which key opens it."""
    return hashlib.sha256(b"cityops-data-key\0" + key).hexdigest()[:8]


def generate_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


class BlobCipher:
    """Seals with the current key, opens with any loaded one."""

    def __init__(self, keys: list[bytes]):
        """`keys`: newest first; the first seals."""
        if not keys:
            raise DataKeyError("no data key given")
        for k in keys:
            if len(k) != 32:
                raise DataKeyError(f"a data key must be 32 bytes (AES-256), this one is {len(k)}")
        self._by_id = {bytes.fromhex(key_id(k)): AESGCM(k) for k in keys}
        self.current_id = key_id(keys[0])
        self._current = self._by_id[bytes.fromhex(self.current_id)]
        self._current_raw = bytes.fromhex(self.current_id)

    @property
    def key_ids(self) -> list[str]:
        return [k.hex() for k in self._by_id]

    def seal(self, data: bytes, aad: bytes) -> bytes:
        nonce = os.urandom(12)
        return MAGIC + self._current_raw + nonce + self._current.encrypt(nonce, data, aad)

    def open(self, blob: bytes, aad: bytes) -> bytes:
        if not is_sealed(blob):
            raise DataKeyError("not an encrypted blob")
        kid = bytes(blob[4:8])
        aes = self._by_id.get(kid)
        if aes is None:
            raise DataKeyError(f"encrypted with data key {kid.hex()}, which is not configured "
                               f"(configured: {', '.join(self.key_ids)}): wrong key, or an old one was dropped")
        try:
            return aes.decrypt(bytes(blob[8:_HEADER]), bytes(blob[_HEADER:]), aad)
        except InvalidTag:
            raise DataKeyError(f"a blob under data key {kid.hex()} failed its integrity check "
                               "(the file was altered or damaged)") from None


def is_sealed(blob: bytes) -> bool:
    return len(blob) > _HEADER and bytes(blob[:4]) == MAGIC


# ---- key material -------------------------------------------------------------------------------------------

def encode_keys(keys: list[bytes]) -> str:
    """The key file's text: newest first."""
    return json.dumps({"format": KEYS_FORMAT, "keys": [base64.b64encode(k).decode() for k in keys]}, indent=1) + "\n"


def decode_keys(text: str, where: str) -> list[bytes]:
    """A key file's JSON, or a bare base64 key (an environment variable), or several comma-separated."""
    text = text.strip()
    try:
        if text.startswith("{"):
            doc = json.loads(text)
            if doc.get("format") != KEYS_FORMAT:
                raise DataKeyError(f"{where}: not a {KEYS_FORMAT} key file")
            items = doc["keys"]
        else:
            items = [p for p in text.split(",") if p.strip()]
        keys = [base64.b64decode(p.strip(), validate=True) for p in items]
    except (ValueError, KeyError, TypeError) as exc:
        raise DataKeyError(f"{where}: not a data key ({exc.__class__.__name__}); "
                           "expected base64 of 32 random bytes (`cityops keys init` makes one)") from None
    if not keys:
        raise DataKeyError(f"{where}: holds no key")
    bad = [len(k) for k in keys if len(k) != 32]
    if bad:
        raise DataKeyError(f"{where}: a data key must be 32 bytes (AES-256), found {bad[0]}")
    return keys


def check_owner_only(path: Path) -> None:
    """Refuse a secret file that group or others may read or write, or that another user owns."""
    try:
        st = path.stat()
    except OSError as exc:
        raise DataKeyError(f"key file {path}: {exc.strerror}") from None
    if st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise DataKeyError(f"key file {path} is readable or writable by group/others "
                           f"(mode {stat.S_IMODE(st.st_mode):o}): refusing it; chmod 600 {path}")
    if hasattr(os, "geteuid") and st.st_uid != os.geteuid():
        raise DataKeyError(f"key file {path} belongs to uid {st.st_uid}, not to this service user")


def read_key_file(path: Path) -> list[bytes]:
    """The keys in a file that only its owner (the service user) may read; refused otherwise."""
    check_owner_only(path)
    return decode_keys(path.read_text(encoding="utf-8"), str(path))


def write_key_file(path: Path, keys: list[bytes]) -> None:
    """Written owner-only from the first byte (O_CREAT with 0600), then renamed over the old one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, encode_keys(keys).encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


# ---- the process's cipher (set once by the site layer at start, like the places) ----------------------------

_active: BlobCipher | None = None


def use(cipher: BlobCipher | None) -> None:
    global _active
    _active = cipher


def active() -> BlobCipher | None:
    return _active
