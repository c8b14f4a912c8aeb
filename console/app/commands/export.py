"""`cityops export FILE`: a time range of a recording to CSV or Parquet (pandas), or to one MCAP file
for Foxglove/Lichtblick, with the operators' actions from the audit log, as far as the role policy
allows (export at all, unmasked personal data)."""

from __future__ import annotations

import argparse
import sys

from console.site.config import Config


def parse_time(text: str | None) -> float | None:
    """UNIX seconds, or an ISO time (Shanghai time when it names no zone)."""
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        pass
    import datetime as dt

    try:
        t = dt.datetime.fromisoformat(text)
    except ValueError:
        raise SystemExit(f"cityops: cannot read the time {text!r} (ISO 8601 or UNIX seconds)") from None
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.timezone(dt.timedelta(hours=8)))
    return t.timestamp()


def export(args: argparse.Namespace, cfg: Config) -> int:
    from console.incidents.operator import Role
    from console.recording.export import export_recording
    from console.recording.store import Recording

    if not args.file.exists():
        raise SystemExit(f"cityops: no such recording: {args.file}")
    policy = cfg.role_policy(Role(args.role))
    if not policy.export:
        raise SystemExit(f"cityops: role {args.role} may not export (role policy)")
    if args.unmask and not policy.unmask_personal:
        raise SystemExit(f"cityops: role {args.role} may not unmask personal data (role policy)")

    def progress(frac: float) -> None:
        print(f"\rexporting {frac * 100:5.1f}%", end="", file=sys.stderr, flush=True)

    from console.site.paths import data_dir

    audit = args.audit or (data_dir() / "audit.jsonl")
    if args.audit is not None and not audit.exists():
        raise SystemExit(f"cityops: no such audit log: {audit}")
    if args.format == "mcap":
        import time

        from console.recording.mcap_export import export_mcap

        t0 = time.monotonic()
        m = export_mcap(Recording(args.file), args.out, parse_time(args.start), parse_time(args.end),
                        unmask=args.unmask, progress=progress, audit=audit if audit.exists() else None)
        print(file=sys.stderr)
        print(f"{m.samples} readings, {m.incidents} incident versions, {m.actions} operator actions on "
              f"{m.channels} channels -> {m.path} ({time.monotonic() - t0:.1f} s)")
        return 0
    res = export_recording(Recording(args.file), args.out, args.format, parse_time(args.start), parse_time(args.end),
                           unmask=args.unmask, progress=progress, audit=audit if audit.exists() else None)
    print(file=sys.stderr)
    print(f"{res.samples} readings -> {res.samples_path}\n{res.incidents} incidents -> {res.incidents_path}")
    if res.actions_path is not None:
        print(f"{res.actions} operator actions -> {res.actions_path}")
    return 0
