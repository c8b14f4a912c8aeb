"""Checking an audit log's hash chain (`cityops audit verify FILE`): which line was edited, which
entries are missing, which are out of order, and whether each signature is one of the trusted consoles'.

No data key is needed: the hashes cover the sealed text. The chain cannot tell a log whose last lines
were cut off from a shorter one; the head it reports (last seq and hash) is written into the handover
report and the program log, so a later check can compare against it.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, load_pem_public_key

from console.incidents.audit_log import GENESIS, line_hash, signer_id

OK, TAMPERED, UNCHAINED, EMPTY = "ok", "tampered", "unchained", "empty"


@dataclass
class ChainReport:
    status: str = EMPTY  # ok | tampered | unchained (older format, nothing to check) | empty
    entries: int = 0  # chained lines read
    older_lines: int = 0  # unchained lines of the older format before the chain starts
    head_seq: int = 0
    head_hash: str = GENESIS
    signed: int = 0
    signatures_checked: int = 0
    problems: list[tuple[int, str]] = field(default_factory=list)  # (line number, what is wrong)

    def summary(self) -> str:
        if self.status == EMPTY:
            return "audit log empty"
        if self.status == UNCHAINED:
            return f"unchained (older format): {self.older_lines} lines, nothing to verify"
        older = f"; {self.older_lines} older unchained lines before it" if self.older_lines else ""
        sigs = (f"; {self.signatures_checked}/{self.signed} signatures checked" if self.signed else "; unsigned")
        if self.status == OK:
            return f"chain verified: {self.entries} entries, head #{self.head_seq} {self.head_hash[:16]}{older}{sigs}"
        return f"CHAIN BROKEN: {len(self.problems)} problem(s) in {self.entries} entries{older}{sigs}"


def load_public_keys(paths: list[Path]) -> dict[str, Ed25519PublicKey]:
    """signer id -> key, from PEM public key files (each console's `audit-signing.pub`)."""
    out = {}
    for p in paths:
        key = load_pem_public_key(p.read_bytes())
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError(f"{p}: not an Ed25519 public key")
        out[signer_id(key.public_bytes(Encoding.Raw, PublicFormat.Raw))] = key
    return out


def verify(path: Path, trusted: dict[str, Ed25519PublicKey] | None = None) -> ChainReport:
    """Read the whole file and report every break (line numbers are 1-based, as an editor shows them)."""
    r = ChainReport()
    with open(path, "rb") as f:
        lines = f.read().split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    parsed: list[tuple[int, dict]] = []  # (line number, chained line)
    chained = False
    for no, raw in enumerate(lines, 1):
        try:
            e = json.loads(raw)
        except ValueError:
            e = None
        if not isinstance(e, dict):
            r.problems.append((no, "not a JSON entry (edited, or a torn write)"))
        elif "hash" not in e:
            if chained:
                r.problems.append((no, "an entry without a chain inside the chain (inserted or edited)"))
            else:
                r.older_lines += 1
        elif not isinstance(e.get("seq"), int) or not isinstance(e.get("hash"), str):
            r.problems.append((no, "chain fields damaged (edited)"))
        else:
            chained = True
            parsed.append((no, e))
    by_seq: dict[int, tuple[int, dict]] = {}
    for no, e in parsed:
        if e["seq"] in by_seq:
            r.problems.append((no, f"entry #{e['seq']} appears twice (also line {by_seq[e['seq']][0]})"))
        else:
            by_seq[e["seq"]] = (no, e)
    highest = 0
    for no, e in parsed:
        seq, stored = e["seq"], e["hash"]
        r.entries += 1
        if line_hash(e) != stored:
            r.problems.append((no, f"entry #{seq} was edited (its hash does not match its content)"))
        before = by_seq.get(seq - 1)
        if seq == 1:
            if e.get("prev") != GENESIS:
                r.problems.append((no, "entry #1 does not start a chain (edited)"))
        elif before is None:
            r.problems.append((no, f"entry #{seq - 1} is missing before this line (deleted)"))
        elif e.get("prev") != before[1]["hash"]:
            r.problems.append((no, f"entry #{seq} does not follow entry #{seq - 1} (line {before[0]}): "
                                   "one of them was replaced"))
        if seq < highest:
            r.problems.append((no, f"entry #{seq} is out of order (after #{highest}): lines reordered"))
        highest = max(highest, seq)
        if "sig" in e:
            r.signed += 1
            key = (trusted or {}).get(e.get("signer", ""))
            if key is not None:
                try:
                    key.verify(base64.b64decode(e["sig"]), bytes.fromhex(stored))
                    r.signatures_checked += 1
                except (InvalidSignature, ValueError):
                    r.problems.append((no, f"entry #{seq}: signature does not verify for signer {e.get('signer')}"))
            elif trusted:
                r.problems.append((no, f"entry #{seq}: signed by {e.get('signer')!r}, not a trusted console"))
        r.head_seq, r.head_hash = seq, stored
    r.problems.sort()
    if r.problems:
        r.status = TAMPERED
    elif chained:
        r.status = OK
    elif r.older_lines:
        r.status = UNCHAINED
    return r
