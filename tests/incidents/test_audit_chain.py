"""The audit trail's hash chain: an untouched log verifies; a one-byte edit, a deleted line and a swapped
pair are each found at their line; an older unchained log is said to be so; signatures are checked
against the consoles' public keys; sealed entries are chained without the key and read with it."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from console.incidents.audit_chain import OK, TAMPERED, UNCHAINED, load_public_keys, verify
from console.incidents.audit_log import AuditLog
from console.privacy.at_rest import BlobCipher, DataKeyError, generate_key

ROOT = Path(__file__).resolve().parents[2]


def write_log(path: Path, n: int = 6, **kw) -> AuditLog:
    log = AuditLog(path, **kw)
    for i in range(n):
        log.record("acknowledge", "张三", "duty_officer", f"E{i}", "sent", {"note": f"回电 1380013800{i}"},
                   now=1_700_000_000.0 + i)
    return log


def lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


def test_an_untouched_log_verifies(tmp_path):
    p = tmp_path / "audit.jsonl"
    write_log(p).close()
    r = verify(p)
    assert r.status == OK and r.entries == 6 and r.problems == []
    assert r.head_seq == 6 and r.head_hash == json.loads(lines(p)[-1])["hash"]


def test_a_one_byte_edit_is_found_at_its_line(tmp_path):
    p = tmp_path / "audit.jsonl"
    write_log(p).close()
    raw = lines(p)
    raw[2] = raw[2].replace(b'"E2"', b'"E7"', 1)  # one byte, still valid JSON
    p.write_bytes(b"".join(raw))
    r = verify(p)
    assert r.status == TAMPERED
    assert [ln for ln, _ in r.problems] == [3]
    assert "edited" in r.problems[0][1]


def test_a_deleted_line_is_found_where_it_was(tmp_path):
    p = tmp_path / "audit.jsonl"
    write_log(p).close()
    raw = lines(p)
    del raw[3]  # entry #4
    p.write_bytes(b"".join(raw))
    r = verify(p)
    assert r.status == TAMPERED
    assert r.problems == [(4, "entry #4 is missing before this line (deleted)")]


def test_a_deleted_first_line_is_found(tmp_path):
    p = tmp_path / "audit.jsonl"
    write_log(p).close()
    p.write_bytes(b"".join(lines(p)[1:]))
    assert verify(p).problems == [(1, "entry #1 is missing before this line (deleted)")]


def test_a_swapped_pair_is_found(tmp_path):
    p = tmp_path / "audit.jsonl"
    write_log(p).close()
    raw = lines(p)
    raw[1], raw[2] = raw[2], raw[1]
    p.write_bytes(b"".join(raw))
    r = verify(p)
    assert r.status == TAMPERED
    assert r.problems == [(3, "entry #2 is out of order (after #3): lines reordered")]


def test_a_rewritten_entry_with_a_fresh_hash_still_breaks_the_next_link(tmp_path):
    """An editor who recomputes the edited line's own hash is caught by the line after it."""
    from console.incidents.audit_log import line_hash

    p = tmp_path / "audit.jsonl"
    write_log(p).close()
    raw = lines(p)
    e = json.loads(raw[2])
    e["outcome"] = "refused"
    e["hash"] = line_hash(e)
    raw[2] = (json.dumps(e, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
    p.write_bytes(b"".join(raw))
    r = verify(p)
    assert [ln for ln, _ in r.problems] == [4] and "does not follow entry #3" in r.problems[0][1]


def test_an_older_unchained_log_is_said_to_be_so_and_a_chain_continues_it(tmp_path):
    p = tmp_path / "audit.jsonl"
    old = [{"ts": 1.0 + i, "operator": "o", "role": "r", "action": "a", "target": f"E{i}", "outcome": "ok",
            "detail": {}} for i in range(3)]
    p.write_text("".join(json.dumps(e) + "\n" for e in old))
    r = verify(p)
    assert r.status == UNCHAINED and r.older_lines == 3 and "unchained (older format)" in r.summary()
    log = write_log(p, 2)  # a console of this version appends to it: the chain starts after the old lines
    assert [e["target"] for e in log.entries()] == ["E0", "E1", "E2", "E0", "E1"]
    log.close()
    r = verify(p)
    assert r.status == OK and r.older_lines == 3 and r.entries == 2


def test_two_consoles_on_one_file_keep_one_chain(tmp_path):
    p = tmp_path / "audit.jsonl"
    a, b = AuditLog(p), AuditLog(p)
    for i in range(5):
        (a if i % 2 else b).record("ack", "o", "r", f"E{i}", "ok", now=float(i + 1))
    a.close()
    b.close()
    r = verify(p)
    assert r.status == OK and r.entries == 5


def test_a_torn_last_line_is_reported_and_the_chain_goes_on_after_it(tmp_path):
    p = tmp_path / "audit.jsonl"
    write_log(p, 2).close()
    with open(p, "ab") as f:
        f.write(b'{"seq":3,"prev":"ab')  # a crash mid-write
    write_log(p, 1).close()
    r = verify(p)
    assert r.problems == [(3, "not a JSON entry (edited, or a torn write)")]
    assert r.entries == 3 and r.head_seq == 3


def _key_pair(tmp_path: Path, name: str):
    key = Ed25519PrivateKey.generate()
    pub = tmp_path / f"{name}.pub"
    pub.write_bytes(key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo))
    return key, pub


def test_signatures_are_checked_against_the_trusted_consoles(tmp_path):
    p = tmp_path / "audit.jsonl"
    key, pub = _key_pair(tmp_path, "console-a")
    _other, other_pub = _key_pair(tmp_path, "console-b")
    write_log(p, signing_key=key).close()
    r = verify(p, load_public_keys([pub]))
    assert r.status == OK and r.signed == 6 and r.signatures_checked == 6
    r = verify(p, load_public_keys([other_pub]))
    assert r.status == TAMPERED and len(r.problems) == 6 and "not a trusted console" in r.problems[0][1]


def test_a_forged_signature_is_found(tmp_path):
    p = tmp_path / "audit.jsonl"
    key, pub = _key_pair(tmp_path, "console-a")
    write_log(p, signing_key=key).close()
    raw = lines(p)
    e, f = json.loads(raw[1]), json.loads(raw[2])
    e["sig"] = f["sig"]  # another line's signature: the hash chain holds, the signature does not
    raw[1] = (json.dumps(e, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
    p.write_bytes(b"".join(raw))
    r = verify(p, load_public_keys([pub]))
    assert [ln for ln, _ in r.problems] == [2] and "signature does not verify" in r.problems[0][1]


def test_sealed_entries_are_chained_without_the_key_and_read_with_it(tmp_path):
    p = tmp_path / "audit.jsonl"
    cipher = BlobCipher([generate_key()])
    log = write_log(p, cipher=cipher)
    assert b"13800138" not in p.read_bytes() and "张三".encode() not in p.read_bytes()
    assert [e["detail"]["note"] for e in log.entries()][:2] == ["回电 13800138000", "回电 13800138001"]
    log.close()
    assert verify(p).status == OK
    with pytest.raises(DataKeyError):
        AuditLog(p, cipher=BlobCipher([generate_key()])).entries()


def test_cityops_audit_verify_names_the_line_and_exits_non_zero(tmp_path):
    p = tmp_path / "audit.jsonl"
    write_log(p).close()

    def run(*extra):
        return subprocess.run([sys.executable, "-m", "console.app.cli", "audit", "verify", str(p), *extra],
                              cwd=ROOT, capture_output=True, text=True, timeout=60)

    ok = run()
    assert ok.returncode == 0 and "chain verified: 6 entries" in ok.stdout
    raw = lines(p)
    del raw[4]
    p.write_bytes(b"".join(raw))
    broken = run()
    assert broken.returncode == 1
    assert f"{p}:5: entry #5 is missing before this line (deleted)" in broken.stdout
    p.write_text(json.dumps({"ts": 1.0, "action": "a"}) + "\n")
    old = run()
    assert old.returncode == 2 and "unchained (older format)" in old.stdout and "Traceback" not in old.stderr
