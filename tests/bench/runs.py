"""Median and spread of repeated benchmark runs: every number in the JSON files given, by its path.

    python tests/bench/runs.py out/q_after_*.json            # median [min..max] of each figure
    python tests/bench/runs.py out/q_after_*.json --keys sort.p50_ms,stall_ms_p99

A figure missing from some runs is given over the runs that have it (with their count).
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path


def leaves(obj, prefix: str = ""):
    """(dotted path, number) of every number in a JSON document; list items by index."""
    if isinstance(obj, bool):
        return
    if isinstance(obj, int | float):
        yield prefix, float(obj)
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield from leaves(v, f"{prefix}.{k}" if prefix else str(k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from leaves(v, f"{prefix}.{i}" if prefix else str(i))


def summary(docs: list[dict], keys: list[str] | None = None) -> dict[str, dict]:
    by_key: dict[str, list[float]] = {}
    for d in docs:
        for k, v in leaves(d):
            by_key.setdefault(k, []).append(v)
    out = {}
    for k, vals in by_key.items():
        if keys and k not in keys:
            continue
        out[k] = {"median": statistics.median(vals), "min": min(vals), "max": max(vals), "runs": len(vals)}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="+", type=Path)
    ap.add_argument("--keys", default="", help="comma-separated dotted paths (default: every number)")
    args = ap.parse_args()
    docs = [json.loads(p.read_text()) for p in args.files]
    keys = [k for k in args.keys.split(",") if k] or None
    for k, s in summary(docs, keys).items():
        print(f"{k}: {s['median']:g} [{s['min']:g}..{s['max']:g}] ({s['runs']} runs)")


if __name__ == "__main__":
    main()
