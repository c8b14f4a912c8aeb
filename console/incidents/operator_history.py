"""What the operators did, over time (复盘): the audit log read back as marks on a timeline, and the
queue's view at any instant of which commands were still awaiting the platform and who held each
incident. Times are the audit log's (wall-clock UNIX seconds, the same base as a recording's receive
times)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from console.incidents.audit_log import read_entry
from console.privacy import at_rest
from console.recording.store import Recording


@dataclass(frozen=True, slots=True)
class Mark:
    ts: float
    kind: str  # "arrival" (an incident first seen), "change" (its state changed), "action" (an operator's)
    text: str  # who and what, for the timeline's tooltip


def read_audit(path: Path) -> list[dict]:
    """Every entry of an audit log, oldest first, decrypted with the site's data key when sealed; a torn
    line is skipped, a missing file is empty."""
    cipher = at_rest.active()
    out = []
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                try:
                    e = json.loads(line)
                except ValueError:
                    continue
                if isinstance(e, dict) and isinstance(e.get("ts"), (int, float)):
                    out.append(read_entry(e, cipher))
    except FileNotFoundError:
        return []
    out.sort(key=lambda e: e["ts"])
    return out


def action_text(e: dict) -> str:
    role = f"（{e['role']}）" if e.get("role") else ""
    return f"{e.get('operator', '?')}{role} {e.get('action', '?')} {e.get('target', '')} · {e.get('outcome', '')}"


class OperatorHistory:
    def __init__(self, entries: list[dict]):
        self.entries = entries

    @classmethod
    def load(cls, path: Path) -> OperatorHistory:
        return cls(read_audit(path))

    def marks(self, start: float, end: float) -> list[Mark]:
        return [Mark(e["ts"], "action", action_text(e)) for e in self.entries if start <= e["ts"] <= end]

    def pending_at(self, ts: float) -> dict[str, tuple[str, str]]:
        """Incident id -> (command, operator) for commands submitted by `ts` and not yet answered then."""
        open_cmds: dict[str, tuple[str, str, str]] = {}
        for e in self.entries:
            if e["ts"] > ts:
                break
            cmd = (e.get("detail") or {}).get("command")
            if not cmd:
                continue
            if e.get("outcome") == "submitted":
                open_cmds[cmd] = (e.get("target", ""), e.get("action", ""), e.get("operator", ""))
            else:
                open_cmds.pop(cmd, None)
        return {target: (action, op) for target, action, op in open_cmds.values()}

    def holders_at(self, ts: float) -> dict[str, str]:
        """Incident id -> the operator whose command on it the platform last accepted by `ts`."""
        out: dict[str, str] = {}
        for e in self.entries:
            if e["ts"] > ts:
                break
            if e.get("outcome") == "done" and (e.get("detail") or {}).get("command"):
                out[e.get("target", "")] = e.get("operator", "")
        return out


def incident_marks(rec: Recording, start: float, end: float, title_of=None) -> list[Mark]:
    """Incident arrivals and state changes the recording saw between `start` and `end`."""
    out = []
    for ts, eid, version, state, severity, first in rec.event_changes(start, end):
        title = (title_of(eid) if title_of else None) or eid
        if first:
            out.append(Mark(ts, "arrival", f"{severity} {title} · {state}"))
        else:
            out.append(Mark(ts, "change", f"{title} → {state} (v{version})"))
    return out


def density(marks: list[Mark], kind: str, bins: int, start: float, end: float) -> list[int]:
    """How many marks of `kind` fall in each of `bins` equal slices of [start, end]."""
    out = [0] * bins
    width = (end - start) / bins if end > start else 1.0
    for m in marks:
        if m.kind == kind:
            i = int((m.ts - start) / width)
            if 0 <= i < bins:
                out[i] += 1
            elif i == bins and m.ts <= end:
                out[-1] += 1
    return out
