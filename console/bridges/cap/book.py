"""The CAP bridge's incidents: one per `<info>` (in the chosen language) of an alert, of source
`upper_level`, amended by an `Update` and ended by a `Cancel` that name the alert in `<references>`,
closed when `expires` passes. The bridge is their authority: operators' commands on them come here
(`apply`, the same lifecycle as every incident), and every change is a new version.

An incident's id is `cap:<chain>-<n>`: the chain is the first alert of an Alert/Update/Cancel series
(found through `<references>`), n the info's place in it. The `cap:` prefix routes operators' commands
on it to this bridge (console/jetstream/layout.commands_subject). Pure: the clock is a parameter.
"""

from __future__ import annotations

import hashlib
from collections import Counter, OrderedDict
from dataclasses import dataclass, field

from console.bridges.cap.alert import CapAlert, CapInfo
from console.bridges.cap.mapping import (
    CapMapping,
    area_of,
    category_of,
    chosen_infos,
    detail_of,
    domain_of,
    level_of,
    location_of,
    region_of,
    title_of,
)
from console.feed.frames import Event, HistoryEntry, Region
from console.feed.protocol import DiscoverySource, IncidentState
from console.incidents.lifecycle import Command, CommandRejected, apply_command

OWNER = "cap"
ISSUER = "上级预警发布单位 / issuer"
_NOTE_NEW = "上级发布预警 / warning issued"
_NOTE_UPDATE = "上级更新预警 / warning updated"
_NOTE_CANCEL = "上级撤销预警 / warning cancelled by the issuer"
_NOTE_EXPIRED = "预警到期解除 / warning expired"


@dataclass
class Outcome:
    """What one alert did: the incidents it changed, or why it changed nothing (a counter key)."""

    events: list[Event] = field(default_factory=list)
    skipped: str | None = None


class CapIncidentBook:
    def __init__(self, mapping: CapMapping, regions: dict[str, Region], remember: int = 50_000):
        self.mapping = mapping
        self.regions = regions
        self.events: dict[str, Event] = {}  # open incidents
        self.closed: OrderedDict[str, Event] = OrderedDict()  # so an Update or a command finds them
        self.expires: dict[str, float] = {}
        self.chain_of: OrderedDict[tuple[str, str], str] = OrderedDict()  # (sender, identifier) -> chain
        self._remember = remember
        self.skipped: Counter[str] = Counter()

    # ------------------------------------------------------------------ alerts
    def apply_alert(self, alert: CapAlert, now: float) -> Outcome:
        out = self._apply(alert, now)
        if out.skipped:
            self.skipped[out.skipped] += 1
        return out

    def _apply(self, alert: CapAlert, now: float) -> Outcome:
        if alert.status not in self.mapping.statuses:
            return Outcome(skipped=f"status_{alert.status.lower()}")
        if alert.msg_type not in ("Alert", "Update", "Cancel"):
            return Outcome(skipped=f"msgtype_{alert.msg_type.lower()}")  # Ack, Error: not warnings
        if alert.key in self.chain_of:
            return Outcome(skipped="duplicate")  # the same alert from the folder and the feed
        chain = next((self.chain_of[(s, i)] for s, i, _ in alert.references if (s, i) in self.chain_of), None)
        if alert.msg_type == "Cancel":
            if chain is None:
                return Outcome(skipped="cancel_of_unknown")
            self._remember_keys(alert, chain)
            return Outcome([self._end(eid, IncidentState.CANCELLED, _NOTE_CANCEL, now)
                            for eid in self._chain_ids(chain) if eid in self.events])
        if chain is None:
            # an Update whose first alert we never saw starts the chain (OASIS A.3 is one)
            first = alert.references[0][:2] if alert.references else alert.key
            chain = hashlib.sha1("\x1f".join(first).encode("utf-8")).hexdigest()[:12]
        self._remember_keys(alert, chain)
        infos = chosen_infos(alert, self.mapping)
        if not infos:
            return Outcome(skipped="no_info")
        changed: list[Event] = []
        for n, info in enumerate(infos):
            eid = f"{OWNER}:{chain}-{n}"
            ev = self._upsert(eid, alert, info, now)
            if ev is not None:
                changed.append(ev)
        if not changed:
            expired = all(self._expired(i, now) for i in infos)
            return Outcome(skipped="expired_on_arrival" if expired else "outside_area")
        return Outcome(changed)

    def _remember_keys(self, alert: CapAlert, chain: str) -> None:
        for key in (alert.key, *((s, i) for s, i, _ in alert.references)):
            self.chain_of[key] = chain
            self.chain_of.move_to_end(key)
        while len(self.chain_of) > self._remember:
            self.chain_of.popitem(last=False)

    def _chain_ids(self, chain: str) -> list[str]:
        prefix = f"{OWNER}:{chain}-"
        return [eid for eid in self.events if eid.startswith(prefix)]

    @staticmethod
    def _expired(info: CapInfo, now: float) -> bool:
        return info.expires is not None and info.expires <= now

    def _upsert(self, eid: str, alert: CapAlert, info: CapInfo, now: float) -> Event | None:
        m = self.mapping
        cur = self.events.get(eid) or self.closed.get(eid)
        if self._expired(info, now):
            return self._end(eid, IncidentState.CLOSED, _NOTE_EXPIRED, now) if eid in self.events else None
        region = region_of(info, self.regions, m)
        if region is None:
            if m.outside == "drop":
                return None
            region = m.city_code
        severity, _why = level_of(info, m)
        area = area_of(info)
        fields = dict(title=title_of(info), category=category_of(info), domain=domain_of(info, m), severity=severity,
                      region=region, location=location_of(area, self.regions.get(region)),
                      detail=detail_of(alert, info), area=area)
        if cur is None:
            ev = Event(id=eid, version=1, source=DiscoverySource.UPPER_LEVEL.value, state=IncidentState.NEW,
                       created_ts=now, updated_ts=now, sla_due_ts=None, assignee=None,
                       history=(HistoryEntry(now, IncidentState.NEW.value, ISSUER, _NOTE_NEW),), **fields)
        else:
            # amend what the issuer says; what the operators did (state, assignee, history) stays. An
            # update after the end (expired, cancelled) is the issuer re-issuing: it is open again
            state = cur.state if cur.is_open else IncidentState.NEW
            ev = cur.evolve(version=cur.version + 1, updated_ts=now, state=state,
                            history=(*cur.history, HistoryEntry(now, state.value, ISSUER, _NOTE_UPDATE)), **fields)
        self._store(ev)
        if info.expires is not None:
            self.expires[eid] = info.expires
        else:
            self.expires.pop(eid, None)
        return ev

    def _end(self, eid: str, state: IncidentState, note: str, now: float) -> Event:
        cur = self.events[eid]
        ev = cur.evolve(version=cur.version + 1, state=state, updated_ts=now,
                        history=(*cur.history, HistoryEntry(now, state.value, ISSUER, note)))
        self._store(ev)
        return ev

    def _store(self, ev: Event) -> None:
        if ev.is_open:
            self.events[ev.id] = ev
            self.closed.pop(ev.id, None)
        else:
            self.events.pop(ev.id, None)
            self.expires.pop(ev.id, None)
            self.closed[ev.id] = ev
            self.closed.move_to_end(ev.id)
            while len(self.closed) > 2000:
                self.closed.popitem(last=False)

    # ------------------------------------------------------------------ the clock
    def expire(self, now: float) -> list[Event]:
        due = [eid for eid, t in self.expires.items() if t <= now and eid in self.events]
        return [self._end(eid, IncidentState.CLOSED, _NOTE_EXPIRED, now) for eid in due]

    # ------------------------------------------------------------------ operators (the CommandDesk's city)
    def apply(self, cmd: Command, now: float) -> Event:
        ev = self.events.get(cmd.event_id) or self.closed.get(cmd.event_id)
        if ev is None:
            raise CommandRejected(f"未知事件 / unknown incident {cmd.event_id[:64]}")
        new = apply_command(ev, cmd, now, self.events)
        self._store(new)
        return new

    # ------------------------------------------------------------------ surviving a restart
    def state(self, closed: int = 200) -> dict:
        """What a restart needs: open incidents, their expiry, the chains, and the latest ended ones (an
        Update re-issuing an ended warning must continue its versions, or hubs would ignore it)."""
        recent = list(self.closed.values())[-closed:] if closed else []
        return {"events": [e.to_wire() for e in self.events.values()], "closed": [e.to_wire() for e in recent],
                "expires": self.expires, "chains": [[s, i, c] for (s, i), c in self.chain_of.items()]}

    def restore(self, doc: dict) -> None:
        from console.feed.decoder import decode_event

        for w in [*doc.get("closed", []), *doc.get("events", [])]:
            self._store(decode_event(w))
        self.expires.update({k: float(v) for k, v in doc.get("expires", {}).items() if k in self.events})
        for s, i, c in doc.get("chains", []):
            self.chain_of[(s, i)] = c
