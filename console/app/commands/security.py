"""`cityops audit verify` and `cityops keys init|status|rotate` (docs/security.md).

`keys rotate`: a new data key becomes the current one (it seals from now on); every recording in the
recordings folder and the command journal are sealed again under it; the older keys stay in the key file
for reading only, because the audit log is append-only and chained: its entries keep the key they were
sealed with. Run it with the console stopped (a live recording is being written)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from console.privacy import at_rest
from console.privacy.at_rest import DataKeyError
from console.site.config import Config


def audit_verify(args: argparse.Namespace, cfg: Config) -> int:
    """Exit 0: the chain holds; 1: it is broken (each break printed with its line); 2: nothing to verify."""
    from console.incidents.audit_chain import EMPTY, OK, UNCHAINED, load_public_keys, verify

    try:
        trusted = load_public_keys(args.trust) if args.trust else None
        report = verify(args.file, trusted)
    except (OSError, ValueError) as exc:
        print(f"cityops: {exc}", file=sys.stderr)
        return 2
    for line, problem in report.problems:
        print(f"{args.file}:{line}: {problem}")
    print(f"{args.file}: {report.summary()}")
    if report.signed and not trusted:
        print("signatures present but not checked: give each console's public key with --trust FILE")
    if report.status == OK:
        return 0
    return 2 if report.status in (UNCHAINED, EMPTY) else 1


def keys(args: argparse.Namespace, cfg: Config) -> int:
    from console.site import data_key
    from console.site.paths import active

    places = active()
    if args.action == "status":
        try:
            cipher, source = data_key.load(places)
        except DataKeyError as exc:
            print(f"cityops: data key refused: {exc}", file=sys.stderr)
            return 2
        if cipher is None:
            print("data key: none configured — recordings, journal and audit log are written IN CLEAR")
            return 1
        print(f"data key: {source}; current {cipher.current_id}; readable {', '.join(cipher.key_ids)}")
        return 0
    path = args.file or data_key.default_key_file()
    if args.action == "init":
        if path.exists():
            print(f"cityops: {path} exists; `cityops keys rotate` makes a new key", file=sys.stderr)
            return 2
        if data_key.beside_the_data(path, places) is not None:
            print(f"cityops: {path} is inside the data folder; keep the key elsewhere", file=sys.stderr)
            return 2
        at_rest.write_key_file(path, [at_rest.generate_key()])
        print(f"data key written to {path} (mode 600, key {at_rest.key_id(at_rest.read_key_file(path)[0])})")
        signing = path.with_name(data_key.SIGNING_NAME)
        if args.signing and not signing.exists():
            pub = data_key.write_signing_key(signing)
            print(f"audit signing key written to {signing}; its public half {pub} (for `audit verify --trust`)")
        return 0
    # rotate
    try:
        old = at_rest.read_key_file(path)
    except DataKeyError as exc:
        print(f"cityops: {exc}", file=sys.stderr)
        return 2
    new = [at_rest.generate_key(), *old]
    cipher = at_rest.BlobCipher(new)
    at_rest.write_key_file(path, new)  # first: a crash below leaves files the new key file still opens
    print(f"new current data key {cipher.current_id}; older ones kept for reading: {', '.join(cipher.key_ids[1:])}")
    return reseal_all(places, cipher)


def reseal_all(places, cipher: at_rest.BlobCipher) -> int:
    from console.incidents.command_journal import CommandJournal
    from console.recording.store import reseal

    failed = 0
    for rec in sorted(Path(places.recordings).glob("*.cityrec")):
        try:
            n = reseal(rec, cipher)
            print(f"  {rec.name}: {n} blobs sealed again")
        except Exception as exc:  # one bad file must not stop the others; it is named
            failed += 1
            print(f"  {rec.name}: NOT resealed: {exc}", file=sys.stderr)
    journal = Path(places.journal) / "journal.db"
    if journal.exists():
        j = CommandJournal(journal, cipher)
        try:
            print(f"  {journal.name}: {j.reseal()} commands sealed again")
        finally:
            j.close()
    return 1 if failed else 0


def add_parsers(sub) -> None:
    au = sub.add_parser("audit", help="the audit trail: `audit verify FILE` checks its hash chain and signatures")
    au_sub = au.add_subparsers(dest="audit_cmd", required=True)
    v = au_sub.add_parser("verify", help="find an edited, deleted or reordered entry (exit 0 ok, 1 broken)")
    v.add_argument("file", type=Path)
    v.add_argument("--trust", type=Path, action="append", default=[], metavar="PUB",
                   help="a console's audit signing public key (PEM); repeat for each console")
    k = sub.add_parser("keys", help="the data key for encryption at rest: init, status, rotate")
    k.add_argument("action", choices=["init", "status", "rotate"])
    k.add_argument("--file", type=Path, default=None,
                   help="the key file (default: CITYOPS_DATA_KEY_FILE, else data.key in the configuration folder)")
    k.add_argument("--signing", action="store_true", help="init: also an Ed25519 audit signing key beside it")
