"""CityState: the Qt-free model of the whole city as the console knows it.

Catalog and regions, the latest value and a bounded history of every (indicator, region) series (in
tiers: console/model/history_rings.py),
each series' status against its thresholds, and the incident book. Frames go in through `apply`;
widgets learn what changed through `take_changes`, which a GUI timer calls a few times a second
(never per frame).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from console.feed.decoder import Reason
from console.feed.frames import (
    Catalog,
    Event,
    EventFrame,
    Frame,
    Indicator,
    Region,
    SampleBatch,
    Samples,
    Snapshot,
    UnitFrame,
)
from console.feed.protocol import Status
from console.model import keyframe
from console.model.history_rings import SCALAR_MAX, HistoryRings, SeriesLimitError
from console.model.incident_book import IncidentBook
from console.model.unit_book import UnitBook

_STATUS_OF_CODE = (Status.NODATA, Status.NORMAL, Status.WARN, Status.ALARM)


@dataclass(frozen=True, slots=True)
class StateConfig:
    history_s: float = 24 * 3600  # how far back each series is kept in memory, as per-bucket envelopes
    bucket_s: float = 60.0  # the envelopes' interval (the recording's history blocks are minutes too)
    recent_points: int = 960  # readings kept as received per series: 16 min at 1 Hz, whatever the cadence
    max_series: int = 32_768  # the whole city at street level (215 x 100 + roll-ups) fits
    max_archive: int = 5000  # closed incidents kept for lookups (the handover, the alarm figures, a seek)
    max_tombstones: int = 50_000  # versions of closed incidents beyond it, so a late copy cannot reopen them


@dataclass(slots=True)
class Changes:
    """What changed since the last `take_changes`: enough for a widget to repaint only that."""

    series: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    events: set[str] = field(default_factory=set)
    units: set[str] = field(default_factory=set)  # dispatch units moved or changed state
    catalog: bool = False
    reset: bool = False  # the state was cleared and rebuilt (a replay seek): redraw everything
    # the state now stands at another instant of the same city (a seek that kept the catalog): series
    # ids stay, `series`, `events` and `units` say what differs; what depends on the instant itself
    # (the queue's time-dependent levels) is worked out again, nothing is laid out anew
    moved: bool = False

    def __bool__(self) -> bool:
        return bool(len(self.series) or self.events or self.units or self.catalog or self.reset or self.moved)


@dataclass(slots=True)
class Applied:
    """The outcome of applying one frame: readings kept and dropped, events changed, rejects by reason."""

    samples: int = 0
    old_samples: int = 0  # not newer than the series' latest: dropped, not an error
    events: int = 0
    rejects: dict[str, int] = field(default_factory=dict)
    vanished: list[str] = field(default_factory=list)  # open incidents a resync snapshot no longer lists


class CityState:
    def __init__(self, config: StateConfig | None = None):
        self.config = config or StateConfig()
        cfg = self.config
        self.indicators: dict[str, Indicator] = {}  # as the console applies them (overrides included)
        self._feed_indicators: dict[str, Indicator] = {}  # as the feed described them
        self._overrides: dict[str, tuple[float | None, float | None]] = {}
        self.regions: dict[str, Region] = {}
        self.rings = HistoryRings(cfg.max_series, cfg.recent_points, cfg.history_s, cfg.bucket_s)
        self.incidents = IncidentBook(cfg.max_archive, cfg.max_tombstones)
        self.units = UnitBook()  # dispatch units: latest report and a 15-minute trail each
        # items the console's own rules raised (id "C:…"): never in the platform's book, never commanded
        self.console_alerts: dict[str, Event] = {}
        self._index: dict[tuple[str, str], int] = {}
        self.series_keys: list[tuple[str, str]] = []  # sid -> (indicator id, region code)
        n = cfg.max_series
        self._warn = np.full(n, np.nan)
        self._alarm = np.full(n, np.nan)
        self._sign = np.ones(n)  # +1: high is bad, -1: low is bad
        self._status_code = np.zeros(n, dtype=np.int8)  # index into _STATUS_OF_CODE
        self._status_due = np.zeros(n, dtype=bool)  # series whose status awaits a refresh
        self._dirty = np.zeros(n, dtype=bool)
        # the two as memoryviews, for small frames (an element set there is a fraction of numpy's); both
        # arrays are only ever written in place
        self._dirty_mv, self._due_mv = memoryview(self._dirty), memoryview(self._status_due)
        self._dirty_events: set[str] = set()
        # feed -> (ids a snapshot listed so far, event frames still to come): a snapshot whose open
        # incidents did not fit one frame is whole only when its followers have arrived
        self._snapshot_open: dict[str, tuple[set[str], int]] = {}
        self._dirty_units: set[str] = set()
        self._catalog_dirty = False
        self._reset = False
        # since the last take_changes: the incidents as they were before the first `_rewind` (None: no
        # rewind), and the ids already changed then (reported whatever the rewind made of them)
        self._moved_from: dict[str, Event] | None = None
        self._changed_before_move: set[str] = set()
        self.samples_total = 0
        # region_status's last answer and what it was computed from (see there)
        self.regions_version = 0
        self._roll_index: tuple | None = None
        self._roll_cache: tuple | None = None

    # ----------------------------------------------------------------- frames in
    def apply(self, feed: str, frame: Frame) -> Applied:
        if isinstance(frame, Samples):
            return self.apply_samples(frame.batch)
        if isinstance(frame, EventFrame):
            out = Applied()
            pending = self._snapshot_open.get(feed)
            self._upsert(frame.event, feed, out, listed=pending is not None)
            if pending is not None:  # one of the snapshot's followers
                listed, left = pending
                listed.add(frame.event.id)
                self._snapshot_open[feed] = (listed, left - 1)
                if left == 1:
                    self._close_snapshot(feed, out)
            return out
        if isinstance(frame, Snapshot):
            out = self.apply_samples(frame.values)
            for ev in frame.events:
                self._upsert(ev, feed, out, listed=True)
            self._snapshot_open[feed] = ({e.id for e in frame.events}, frame.events_follow)
            if frame.events_follow == 0:
                self._close_snapshot(feed, out)
            return out
        if isinstance(frame, UnitFrame):
            self._dirty_units.update(self.units.upsert_all(frame.units, feed))
            return Applied()
        if isinstance(frame, Catalog):
            self.apply_catalog(frame)
        return Applied()

    def _close_snapshot(self, feed: str, out: Applied) -> None:
        """The snapshot and its followers are all here: what they did not list was closed meanwhile."""
        listed, _ = self._snapshot_open.pop(feed)
        out.vanished = self.incidents.retain_only(feed, listed)
        self._dirty_events.update(out.vanished)

    def apply_catalog(self, catalog: Catalog) -> None:
        self.regions_version += 1
        for r in catalog.regions:
            self.regions[r.code] = r
        for ind in catalog.indicators:
            self._feed_indicators[ind.id] = ind
            self.indicators[ind.id] = self._effective(ind)
        self._rethreshold({i.id for i in catalog.indicators})

    def _effective(self, ind: Indicator) -> Indicator:
        o = self._overrides.get(ind.id)
        return ind if o is None else replace(ind, warn=o[0], alarm=o[1])

    def set_threshold_overrides(self, overrides: dict[str, tuple[float | None, float | None]]) -> None:
        """Apply other thresholds than the feed's (emergency mode's tighter ones); {} restores the feed's.
        The feed's catalog stays what keyframes record; statuses follow the overrides at once."""
        touched = set(self._overrides) | set(overrides)
        self._overrides = dict(overrides)
        for ind_id in touched & set(self._feed_indicators):
            self.indicators[ind_id] = self._effective(self._feed_indicators[ind_id])
        self._rethreshold(touched)

    def _rethreshold(self, changed: set[str]) -> None:
        """Thresholds of these indicators changed: refresh every existing series of them."""
        for sid, (ind_id, _) in enumerate(self.series_keys):
            if ind_id in changed:
                self._set_thresholds(sid, self.indicators[ind_id])
        if self.series_keys:
            self._refresh_status(np.arange(len(self.series_keys)))
        self._catalog_dirty = True

    def _set_thresholds(self, sid: int, ind: Indicator) -> None:
        self._warn[sid] = np.nan if ind.warn is None else ind.warn
        self._alarm[sid] = np.nan if ind.alarm is None else ind.alarm
        self._sign[sid] = -1.0 if ind.direction == "below" else 1.0

    def _new_series(self, key: tuple[str, str]) -> int:
        ind = self.indicators[key[0]]
        sid = self.rings.add_series()
        self._index[key] = sid
        self.series_keys.append(key)
        self._set_thresholds(sid, ind)
        return sid

    def _resolve(self, batch: SampleBatch, sids: list, rejects: dict[str, int]) -> np.ndarray:
        """Series ids for a batch that names series not seen before; unknown names are rejected."""
        keep = np.ones(len(sids), dtype=bool)
        for i, sid in enumerate(sids):
            if sid is not None:
                continue
            key = (batch.indicators[i], batch.regions[i])
            sid = self._index.get(key)
            if sid is None:
                reason = None
                if key[0] not in self.indicators:
                    reason = Reason.UNKNOWN_INDICATOR
                elif key[1] not in self.regions:
                    reason = Reason.UNKNOWN_REGION
                else:
                    try:
                        sid = self._new_series(key)
                    except SeriesLimitError:
                        reason = "series_limit"
                if reason is not None:
                    rejects[reason] = rejects.get(reason, 0) + 1
                    keep[i] = False
                    sid = -1
            sids[i] = sid
        return keep

    def apply_samples(self, batch: SampleBatch) -> Applied:
        out = Applied()
        n = len(batch)
        if n == 0:
            return out
        keys = zip(batch.indicators, batch.regions, strict=True)
        ts, vals = batch.ts, batch.values
        if n > SCALAR_MAX:  # straight into an id array; a name not seen yet (None) stops it: the long way
            try:
                sid_a = np.fromiter(map(self._index.get, keys), np.int64, n)
            except TypeError:
                keys = zip(batch.indicators, batch.regions, strict=True)
            else:
                return self._append_known(sid_a, ts, vals, out)
        sids = list(map(self._index.get, keys))
        keep = self._resolve(batch, sids, out.rejects) if None in sids else None  # unknown ones: -1
        if n <= SCALAR_MAX:  # a small frame: reading by reading in Python scalars, no arrays made
            one = self.rings.append_one
            known = [(s, t, v) for s, t, v in zip(sids, ts.tolist(), vals.tolist(), strict=True) if s >= 0]
            written = [s for s, t, v in known if one(s, t, v)]
            out.samples, out.old_samples = len(written), len(known) - len(written)
            dirty, due = self._dirty_mv, self._due_mv
            for s in written:  # statuses are brought up to date when read, not per frame
                dirty[s] = due[s] = True
            self.samples_total += out.samples
            return out
        sid_a = np.array(sids, dtype=np.int64)
        if keep is not None and not keep.all():
            sid_a, ts, vals = sid_a[keep], ts[keep], vals[keep]
        return self._append_known(sid_a, ts, vals, out)

    def _append_known(self, sid_a: np.ndarray, ts: np.ndarray, vals: np.ndarray, out: Applied) -> Applied:
        """`apply_samples` of readings whose series are all known, in numpy."""
        kept = self.rings.append(sid_a, ts, vals)
        written = sid_a if kept is None else sid_a[kept]
        out.samples = len(written)
        out.old_samples = len(sid_a) - out.samples
        self.samples_total += out.samples
        if out.samples:
            self._dirty[written] = True  # statuses are brought up to date when read, not per frame
            self._status_due[written] = True
        return out

    @property
    def status_code(self) -> np.ndarray:
        """Per series: 0 no data, 1 normal, 2 warn, 3 alarm (read-only view, always up to date)."""
        due = np.flatnonzero(self._status_due)
        if len(due):
            self._status_due[due] = False
            self._refresh_status(due)
        return self._status_code

    def _refresh_status(self, sids: np.ndarray) -> None:
        v = self.rings.last_val[sids] * self._sign[sids]
        warn = self._warn[sids] * self._sign[sids]
        alarm = self._alarm[sids] * self._sign[sids]
        code = np.where(np.isnan(v), 0, 1)
        code = np.where(v >= warn, 2, code)  # comparisons with NaN thresholds are False: no level
        code = np.where(v >= alarm, 3, code)
        self._status_code[sids] = code

    def _upsert(self, ev: Event, feed: str, out: Applied, listed: bool = False) -> None:
        if self.incidents.upsert(ev, feed, listed).applied:
            out.events += 1
            self._dirty_events.add(ev.id)

    def mark_events_changed(self, ids: set[str]) -> None:
        self._dirty_events.update(ids)

    def open_console_alerts(self) -> dict[str, Event]:
        return {k: v for k, v in self.console_alerts.items() if v.is_open}

    # ----------------------------------------------------------------- keyframes (recordings)
    def keyframe_body(self) -> dict:
        """The state a replay needs to stand where we stand now, in the keyframe format (see
        console/model/keyframe.py): the feed's catalog, latest values, open incidents with their feeds,
        and the versions of the others (so that a stale version after the keyframe is known for one)."""
        n = len(self.series_keys)
        ts, val = self.rings.last_ts[:n].tolist(), self.rings.last_val[:n].tolist()
        values = [(ind, reg, ts[i], val[i]) for i, (ind, reg) in enumerate(self.series_keys) if math.isfinite(ts[i])]
        book = self.incidents
        return keyframe.encode(self._feed_indicators.values(), self.regions.values(), values,
                               ((book.feed_of.get(e.id, ""), e) for e in book.open.values()),
                               book.vanished_events(), book.closed_versions(), self.units.to_keyframe())

    def clear(self) -> None:
        """Forget everything (a replay seeking elsewhere), in place: whatever holds this state or one of
        its parts (widgets, the command sender's `incidents.feed_of.get`) keeps seeing it. Threshold
        overrides stay: a mode of the console, not part of the city's state."""
        self.indicators.clear()
        self._feed_indicators.clear()
        self.regions.clear()
        self.regions_version, self._roll_index, self._roll_cache = 0, None, None
        self.rings.clear()
        self.incidents.clear()
        self.units.clear()
        self.console_alerts.clear()
        self._index.clear()
        self.series_keys.clear()
        self._warn.fill(np.nan)
        self._alarm.fill(np.nan)
        self._sign.fill(1.0)
        self._status_code.fill(0)
        self._status_due.fill(False)
        self._dirty.fill(False)
        self._dirty_events = set()
        self._snapshot_open.clear()
        self._dirty_units = set()
        self.samples_total = 0
        self._catalog_dirty = True
        self._reset = True
        self._moved_from, self._changed_before_move = None, set()  # the views start over anyway

    def copy_from(self, other: CityState) -> None:
        """Become an exact copy of `other` in place (time-shift: the live city back into the view, or the
        view into the live shadow). Every container keeps its identity, so whatever holds a reference
        to this state or to its parts (widgets, the command sender's `incidents.feed_of.get`) still
        sees it. Threshold overrides come too: the live city's mode (emergency) is the one to show.
        Both states must have the same configuration (the arrays are sized by it)."""
        if other.config != self.config:
            raise ValueError(f"cannot copy a state configured {other.config} into one configured {self.config}")
        _replace(self.indicators, other.indicators)
        _replace(self._feed_indicators, other._feed_indicators)
        self._overrides = dict(other._overrides)
        _replace(self.regions, other.regions)
        # region_status's kept answer goes with what it was computed from (tuples, never changed in place)
        self.regions_version, self._roll_index, self._roll_cache = (
            other.regions_version, other._roll_index, other._roll_cache)
        self.rings.copy_from(other.rings)
        self.incidents.copy_from(other.incidents)
        self.units.copy_from(other.units)
        _replace(self.console_alerts, other.console_alerts)
        _replace(self._index, other._index)
        self.series_keys[:] = other.series_keys
        np.copyto(self._warn, other._warn)
        np.copyto(self._alarm, other._alarm)
        np.copyto(self._sign, other._sign)
        np.copyto(self._status_code, other._status_code)
        np.copyto(self._status_due, other._status_due)
        np.copyto(self._dirty, other._dirty)
        self._dirty_events = set(other._dirty_events)
        _replace(self._snapshot_open, {f: (set(ids), n) for f, (ids, n) in other._snapshot_open.items()})
        self._dirty_units = set(other._dirty_units)
        self.samples_total = other.samples_total
        self._catalog_dirty = True  # widgets redraw everything
        self._reset = True
        self._moved_from = None if other._moved_from is None else dict(other._moved_from)
        self._changed_before_move = set(other._changed_before_move)

    def reset_to(self, body: dict | keyframe.KeyframeBody | None, history=()) -> None:
        """A replay's seek, first part: forget everything, take the keyframe's catalog and the readings
        from before it (`history` yields (indicator, region, ts, values) in arrival order). The frames
        up to the keyframe are replayed next, then `restore(body)`, then the frames after it.

        When the keyframe's catalog is the one held already (a time-shift's drag between instants of
        the same session), the catalog and every series stay, with their ids: only the readings, the
        incidents and the units are forgotten (`_rewind`), and the views are told what differs
        (`Changes.moved`), not to start over. A series seen at a later instant then stays a series
        without data at an earlier one."""
        kf = keyframe.decode(body) if body else None
        if kf is not None and self._holds_catalog(kf.catalog):
            self._rewind()
        else:
            self.clear()
            if kf is not None:
                self.apply_catalog(kf.catalog)
        self.load_history(history)

    def _holds_catalog(self, catalog: Catalog) -> bool:
        """Whether this catalog, as the feed describes it, is exactly the one held."""
        return (len(catalog.indicators) == len(self._feed_indicators) and len(catalog.regions) == len(self.regions)
                and all(self._feed_indicators.get(i.id) == i for i in catalog.indicators)
                and all(self.regions.get(r.code) == r for r in catalog.regions))

    def _rewind(self) -> None:
        """`clear` less the catalog and the series: every series stays (same id, same thresholds) and
        holds no reading; no incident, unit or console item is held. The incidents as the views last
        saw them are kept aside so that `take_changes` reports only those that differ."""
        if self._moved_from is None:
            book = self.incidents
            self._moved_from = {**book.archive, **book.open, **self.console_alerts}
            self._changed_before_move = set(self._dirty_events)
        self._dirty_events.update(self.incidents.open, self.console_alerts)
        self._dirty_units.update(self.units.units)
        n = len(self.series_keys)
        self.rings.forget_readings()
        self.incidents.clear()
        self.units.clear()
        self.console_alerts.clear()
        self._status_code[:n] = 0
        self._status_due[:n] = False
        self._dirty[:n] = True  # every series' readings are another instant's now
        self._snapshot_open.clear()
        self.samples_total = 0

    def load_history(self, history) -> int:
        """Append past readings, (indicator, region, ts, values) per series in arrival order, all at
        once (the rings' rules apply); returns those kept. Unknown series are left out."""
        items = []
        for ind, reg, t, v in history:
            sid = self._series_for(ind, reg)
            if sid is not None and len(t):
                items.append((sid, t, v))
                self._dirty[sid] = self._status_due[sid] = True
        n = self.rings.load(items)
        self.samples_total += n
        return n

    def _series_for(self, indicator: str, region: str) -> int | None:
        """The series' id, made if the catalog knows both and there is room; else None."""
        sid = self._index.get((indicator, region))
        if sid is None and indicator in self.indicators and region in self.regions:
            try:
                sid = self._new_series((indicator, region))
            except SeriesLimitError:
                return None
        return sid

    def prepend_history(self, history) -> None:
        """Older readings, after the fact: each series' (ts, values) from before what it holds now
        (a replay fills the charts in once the exact state shows). The result is what appending
        them first would have kept."""
        self.prepend_reduced(self.reduce_history(history))

    def reduce_history(self, history) -> list:
        """`prepend_history`'s work on the readings themselves: (indicator, region, ts, values) per series
        to what `prepend_reduced` takes. Reads only the configuration: safe on another thread."""
        return [(ind, reg, o) for ind, reg, ts, vals in history if (o := self.rings.reduce(ts, vals)) is not None]

    def prepend_reduced(self, reduced: list) -> None:
        items = []
        for ind, reg, older in reduced:
            sid = self._index.get((ind, reg))
            if sid is None:
                sid = self._series_for(ind, reg)
                if sid is None:
                    continue
                self.samples_total += int(older.n.sum())
            items.append((sid, older))
            self._dirty[sid] = self._status_due[sid] = True
        self.rings.prepend(items)

    def restore(self, body: dict | keyframe.KeyframeBody) -> None:
        """Merge a keyframe in: its catalog, latest values and incidents (what is already newer here wins:
        rings keep newer readings, the book keeps higher versions; at the same version the keyframe says
        whether an incident is open, vanished or closed). A catalog held already is not applied again
        (applying it would change nothing but tell every view to lay itself out anew)."""
        kf = keyframe.decode(body)
        if not self._holds_catalog(kf.catalog):
            self.apply_catalog(kf.catalog)
        self.apply_samples(kf.values)
        before = {eid: self.incidents.get(eid) for eid in self.incidents.open}
        self.incidents.restore(kf.events, kf.vanished, kf.closed)
        after = self.incidents.open
        self._dirty_events.update(eid for eid, ev in after.items() if before.get(eid) is not ev)
        self._dirty_events.update(before.keys() - after.keys())
        self._dirty_units.update(self.units.restore(kf.units))

    # ----------------------------------------------------------------- reading
    def take_changes(self) -> Changes:
        events, moved_from = self._dirty_events, self._moved_from
        if moved_from is not None and not self._reset:  # after a rewind: only the incidents that differ
            keep = self._changed_before_move
            events = {eid for eid in events if eid in keep or moved_from.get(eid) != self._held_event(eid)}
        ch = Changes(np.flatnonzero(self._dirty), events, self._dirty_units, self._catalog_dirty,
                     self._reset, moved_from is not None and not self._reset)
        if len(ch.series):
            self._dirty[ch.series] = False
        self._dirty_events = set()
        self._dirty_units = set()
        self._catalog_dirty = self._reset = False
        self._moved_from, self._changed_before_move = None, set()
        return ch

    def _held_event(self, event_id: str) -> Event | None:
        """The incident or console item of this id, open or closed, as held (None: not known)."""
        ev = self.incidents.get(event_id)
        return ev if ev is not None else self.console_alerts.get(event_id)

    def series_id(self, indicator: str, region: str) -> int | None:
        """The series' index into the per-series arrays (`status_code`, the rings), or None."""
        return self._index.get((indicator, region))

    def latest(self, indicator: str, region: str) -> tuple[float, float] | None:
        """(ts, value) of the newest reading, or None."""
        sid = self._index.get((indicator, region))
        if sid is None or not np.isfinite(self.rings.last_ts[sid]):
            return None
        return float(self.rings.last_ts[sid]), float(self.rings.last_val[sid])

    def latest_values(self) -> dict[tuple[str, str], tuple[float, float]]:
        n = len(self.series_keys)
        ts, val = self.rings.last_ts[:n], self.rings.last_val[:n]
        return {k: (float(ts[i]), float(val[i])) for i, k in enumerate(self.series_keys) if np.isfinite(ts[i])}

    def status(self, indicator: str, region: str) -> Status:
        sid = self._index.get((indicator, region))
        return Status.NODATA if sid is None else _STATUS_OF_CODE[int(self.status_code[sid])]

    def history(self, indicator: str, region: str, since: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """What a chart draws (HistoryRings.series): the recent readings as received, older intervals as
        their min and max."""
        sid = self._index.get((indicator, region))
        if sid is None:
            return np.empty(0), np.empty(0)
        return self.rings.series(sid, since)

    def sign_of(self, sids) -> np.ndarray:
        """+1 where a high value is bad, -1 where a low one is (per series)."""
        return self._sign[sids]

    def worst_series(self, sids) -> int:
        """Of these series (a list or an array of ids), the one in the worst status; ties go to the value
        furthest to the bad side, then to the first. Vectorised: the board asks for each tile, and a
        city tile's candidates are its 16 districts or its 215 streets."""
        sids = np.asarray(sids, dtype=np.intp)
        codes = self.status_code[sids]
        tied = sids[codes == codes.max()]
        if len(tied) == 1:
            return int(tied[0])
        badness = self.rings.last_val[tied] * self._sign[tied]
        return int(tied[int(np.nanargmax(badness))]) if np.isfinite(badness).any() else int(tied[0])

    def region_label(self, code: str, english: bool = False) -> str:
        """'黄浦区 · 外滩街道' for a street, '黄浦区' for a district, the code when unknown."""
        r = self.regions.get(code)
        if r is None:
            return code
        name = r.name_en if english else r.name_zh
        if r.level == "street" and r.parent in self.regions:
            p = self.regions[r.parent]
            return f"{p.name_en if english else p.name_zh} · {name}"
        return name

    def region_status(self) -> dict[str, Status]:
        """The worst status of any indicator in each region, rolled up to parents (street -> district
        -> city), for colouring the map. Regions whose series all have no data are left out.

        The map, the breadcrumb and the board's roll-up line ask several times a second, and at street
        level there are ~23,700 series: the series -> region index is kept until a series or a region
        is added, and the answer until a status changes (a copy each time: callers may keep it)."""
        n = len(self.series_keys)
        if n == 0:
            return {}
        codes = self.status_code[:n]
        shape = (n, self.regions_version, len(self.regions))
        cached = self._roll_cache
        if cached is not None and cached[0] == shape and np.array_equal(cached[1], codes):
            return dict(cached[2])
        if self._roll_index is None or self._roll_index[0] != shape:
            self._roll_index = (shape, *self._region_index(n))
        _, of_series, names, parent = self._roll_index
        worst = np.zeros(len(names), dtype=np.int8)
        np.maximum.at(worst, of_series, codes)
        has = parent >= 0
        for _ in range(3):  # street -> district -> city; a cyclic chain stops here, as the walk did
            np.maximum.at(worst, parent[has], worst[has])
        out = {names[i]: _STATUS_OF_CODE[c] for i, c in enumerate(worst.tolist()) if c > 0}
        self._roll_cache = (shape, codes.copy(), out)
        return dict(out)

    def _region_index(self, n: int) -> tuple[np.ndarray, list[str], np.ndarray]:
        """For region_status: each series' region as an index into `names` (every region a series is in,
        then their parent chains, bounded at 3 levels up), and each name's parent index (-1: none)."""
        index: dict[str, int] = {}
        of_series = np.fromiter((index.setdefault(reg, len(index)) for _, reg in self.series_keys), np.int64, n)
        for code in list(index):
            r: str | None = code
            for _ in range(3):
                region = self.regions.get(r)
                r = region.parent if region else None
                if r is None:
                    break
                index.setdefault(r, len(index))
        names = list(index)
        parent = np.full(len(names), -1, dtype=np.int64)
        for code, i in index.items():
            region = self.regions.get(code)
            if region is not None and region.parent in index:
                parent[i] = index[region.parent]
        return of_series, names, parent

    def status_counts(self) -> dict[Status, int]:
        n = len(self.series_keys)
        counts = np.bincount(self.status_code[:n], minlength=4)
        return {s: int(counts[i]) for i, s in enumerate(_STATUS_OF_CODE)}

    def summary(self) -> dict:
        return {
            "indicators": len(self.indicators),
            "regions": len(self.regions),
            "series": len(self.series_keys),
            "samples_stored": self.samples_total,
            "open_incidents": len(self.incidents.open),
            "archived_incidents": len(self.incidents.archive),
            "closed_known_by_version": len(self.incidents.tombstones),
            "status_counts": {s.value: c for s, c in self.status_counts().items()},
            "history_bytes_allocated": self.rings.bytes_allocated,
            "history_bytes_worst_case": self.rings.worst_case_bytes,
        }



def _replace(dst: dict, src: dict) -> None:
    """`dst` takes `src`'s items, in their order, and stays the same object."""
    dst.clear()
    dst.update(src)
