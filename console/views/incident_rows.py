"""The incident queue's rows as columns: one slot per open incident in numpy arrays, every live slot
kept in ascending (key, slot) order for the current sort, and the rows in view that order masked by
the filters.

Why arrays: with 100,000 incidents a sort or a filter change must not call Python per row. A sort is one
key column (numbers; text as an order-keeping number from `TextOrder`) and one argsort, and each
column's order is kept when another is sorted by (a return to it re-places only the rows touched since);
a filter change is a mask over the order kept (a few comparisons of small-integer columns; a new search
is one regular-expression scan over all the rows' text joined, kept current as rows change), with no
sort. Incident updates re-place only the rows that changed (`place`), in the order kept and in the view:
the caller gets the rows removed and inserted, in an order it can hand to Qt one row at a time. Ties
(one source, a few districts: thousands of equal keys) are kept by slot, so that a row is found among
them by a binary search.

Qt-free: the table model (console/ui/incident_model.py) asks and draws; what an incident's key is,
whether it passes the console's level and its near-duplicate grouping, stays the model's to say.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

import numpy as np

from console.feed.frames import Event

COLUMNS = ("severity", "title", "district", "source", "state", "age", "sla", "holder")
TEXT_COLUMNS = {"title": "title", "district": "region", "source": "source", "holder": "assignee"}
_STATE_ORDER = {s: i for i, s in enumerate(("new", "acknowledged", "dispatched", "on_scene", "resolved"))}
_SEP = "\x1e"  # between two rows' search text (a needle holding it falls back to the row-by-row test)


class TextOrder:
    """Order-keeping numbers for text: a < b as text exactly when key(a) < key(b), so text columns sort
    as floats. A new text gets a number between its neighbours'; when the gap runs out, all are renumbered."""

    def __init__(self) -> None:
        self._sorted: list[str] = []
        self._key: dict[str, float] = {}
        self.generation = 0  # goes up when existing keys change (a renumbering)

    def build(self, texts) -> None:
        self._sorted = sorted(set(texts))
        self._key = {t: float(i) for i, t in enumerate(self._sorted)}
        self.generation += 1

    def key(self, text: str) -> float:
        k = self._key.get(text)
        if k is not None:
            return k
        i = bisect.bisect_left(self._sorted, text)
        lo = self._key[self._sorted[i - 1]] if i > 0 else -1.0
        hi = self._key[self._sorted[i]] if i < len(self._sorted) else lo + 2.0
        k = (lo + hi) / 2
        if not lo < k < hi:  # no float left between them
            self._sorted.insert(i, text)
            self.build(self._sorted)
            return self._key[text]
        self._sorted.insert(i, text)
        self._key[text] = k
        return k

    def keys(self, texts: list[str]) -> np.ndarray:
        out = list(map(self._key.get, texts))
        if None in out:  # new texts: each between its neighbours (a renumbering bumps `generation`)
            out = [self.key(t) for t in texts]
        return np.array(out, dtype=np.float64)

    def __len__(self) -> int:
        return len(self._sorted)


@dataclass
class Filters:
    """The operator's filters; empty means no filter of that kind."""

    severities: frozenset[str] = frozenset()
    states: frozenset[str] = frozenset()
    domains: frozenset[str] = frozenset()
    district: str = ""  # region code prefix
    text: str = ""
    group_duplicates: bool = False

    def any(self) -> bool:
        return bool(self.severities or self.states or self.domains or self.district or self.text
                    or self.group_duplicates)


@dataclass
class Placed:
    """What `place` did: rows (ascending positions) removed from the old order and inserted in the new,
    and positions whose row stayed where it was but whose content changed."""

    removed: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    inserted: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    changed: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))


class _Vocab:
    """Small-integer codes for a column of few distinct texts (severities, states, domains, regions)."""

    def __init__(self) -> None:
        self.code: dict[str, int] = {}
        self.text: list[str] = []

    def __call__(self, text: str) -> int:
        c = self.code.get(text)
        if c is None:
            c = self.code[text] = len(self.text)
            self.text.append(text)
        return c


_KEPT_TOUCHED_MAX = 20_000


@dataclass
class _Kept:
    """A column's order of all live rows as it was when another column was sorted by, its keys, each
    slot's key and membership then, and the slots touched since (to re-place when it is sorted by again)."""

    order: np.ndarray
    keys: np.ndarray
    key: np.ndarray
    in_all: np.ndarray
    generation: int
    touched: list[np.ndarray] = field(default_factory=list)
    n_touched: int = 0


class IncidentRows:
    def __init__(self, capacity: int = 1024) -> None:
        self.slot_of: dict[str, int] = {}
        self.id_of: list[str | None] = []
        self._free: list[int] = []
        self._cap = 0
        self._sev = self._state = self._domain = self._region = np.empty(0, dtype=np.int32)
        self._sev_rank = self._state_ord = np.empty(0, dtype=np.int8)
        self._created = self._due = np.empty(0, dtype=np.float64)
        self.alive = self.ours = self.leader = np.empty(0, dtype=bool)
        self._text: dict[str, list[str]] = {c: [] for c in TEXT_COLUMNS}
        self._tkey = {c: np.empty(0, dtype=np.float64) for c in TEXT_COLUMNS}  # the texts' order numbers
        self._renumbered = False  # a text order was renumbered since the last `place`
        self._hay: list[str] = []  # casefolded "title id detail" (the search's haystack)
        self._hay_joined: tuple[str, np.ndarray] | None = None
        # the last search and, per slot, whether it is found there: kept as rows change, so that other
        # filter changes while a search stands do not scan all the text again
        self._found: tuple[str, np.ndarray] | None = None
        self._v_sev, self._v_state, self._v_domain, self._v_region = _Vocab(), _Vocab(), _Vocab(), _Vocab()
        self._grow(capacity)
        self.orders = {c: TextOrder() for c in TEXT_COLUMNS}
        self.sort_column = "severity"
        self.filters = Filters()
        # every live slot in ascending (key, slot) order for the current sort, kept so as rows change:
        # a filter change is then a mask over it, without a sort
        self._all = np.empty(0, dtype=np.int64)
        self._all_keys = np.empty(0, dtype=np.float64)
        self._in_all = np.zeros(self._cap, dtype=bool)
        # the rows in view: those of `_all` that pass the filters, in the same order, and their keys
        self.view = np.empty(0, dtype=np.int64)
        self.view_keys = np.empty(0, dtype=np.float64)
        self._in_view = np.zeros(self._cap, dtype=bool)
        self._key = np.zeros(self._cap, dtype=np.float64)  # each slot's key for the current sort
        # the column `_all` is sorted by, and the orders of columns sorted by before, kept with the slots
        # touched since: going back to one re-places those slots instead of sorting 100,000 keys again
        self._sorted_by: str | None = None
        self._kept: dict[str, _Kept] = {}
        self._dropped: list[int] = []  # slots forgotten, freed once the next `place` took them out
        # red and overdue at the last `red_overdue_changes`, per slot; ids dropped since that were
        self._late = np.zeros(self._cap, dtype=bool)
        self._late_gone: list[str] = []

    # ------------------------------------------------------------------ slots
    def _grow(self, cap: int) -> None:
        def grown(a, fill=0):
            out = np.full(cap, fill, dtype=a.dtype)
            out[: len(a)] = a
            return out

        self._sev, self._state = grown(self._sev), grown(self._state)
        self._domain, self._region = grown(self._domain), grown(self._region)
        self._sev_rank, self._state_ord = grown(self._sev_rank), grown(self._state_ord)
        self._created, self._due = grown(self._created), grown(self._due)
        self.alive, self.ours, self.leader = grown(self.alive, False), grown(self.ours, False), grown(self.leader, True)
        if hasattr(self, "_in_view"):
            self._in_view, self._in_all = grown(self._in_view, False), grown(self._in_all, False)
            self._key, self._late = grown(self._key), grown(self._late, False)
        for c in TEXT_COLUMNS:
            self._text[c].extend([""] * (cap - self._cap))
            self._tkey[c] = grown(self._tkey[c])
        self._hay.extend([""] * (cap - self._cap))
        if self._found is not None:
            self._found = (self._found[0], grown(self._found[1], False))
        self.id_of.extend([None] * (cap - self._cap))
        self._cap = cap

    def put(self, events: list[Event], dues: list[float]) -> np.ndarray:
        """Store these incidents' columns (new ones get slots); `dues` are their next SLA deadlines.
        Returns their slots. Column by column, not incident by incident: a first fill of 100,000 must
        not set fourteen numpy scalars per incident."""
        n = len(events)
        slot_of = self.slot_of
        slots = [slot_of.get(ev.id) for ev in events]
        fresh = [i for i, s in enumerate(slots) if s is None]
        if fresh:
            need = len(fresh) - len(self._free)
            if need > 0:  # at least double, so that a growing queue grows rarely
                cap = max(self._cap * 2, self._cap + need)
                self._free = list(range(cap - 1, self._cap - 1, -1)) + self._free
                self._grow(cap)
            for i in fresh:
                eid = events[i].id
                s = slot_of.get(eid)  # the same incident twice in one call: one slot
                if s is None:
                    s = slot_of[eid] = self._free.pop()
                    self.id_of[s] = eid
                slots[i] = s
        at = np.array(slots, dtype=np.int64)
        if n == 0:
            return at
        self.alive[at] = True
        # an enum's .value is a Python-level descriptor: asked once per member here, not per incident
        sev = _codes([ev.severity for ev in events], lambda m: (self._v_sev(m.value), m.rank))
        self._sev[at], self._sev_rank[at] = sev[:, 0], sev[:, 1]
        state = _codes([ev.state for ev in events], lambda m: (self._v_state(m.value), _STATE_ORDER.get(m.value, 9)))
        self._state[at], self._state_ord[at] = state[:, 0], state[:, 1]
        self._domain[at] = _codes([ev.domain for ev in events], lambda t: (self._v_domain(t),))[:, 0]
        self._region[at] = _codes([ev.region for ev in events], lambda t: (self._v_region(t),))[:, 0]
        self._created[at] = [ev.created_ts for ev in events]
        self._due[at] = dues
        for c, attr in TEXT_COLUMNS.items():
            texts = [getattr(ev, attr) or "" for ev in events]
            column = self._text[c]
            for s, text in zip(slots, texts, strict=True):
                column[s] = text
            order = self.orders[c]
            if len(order):  # numbered already (else the next rebuild numbers the column)
                generation = order.generation
                keys = order.keys(texts)
                if order.generation != generation:  # every number changed: take them all again
                    self._number(c)
                    self._renumbered = True
                else:
                    self._tkey[c][at] = keys
        hay = self._hay
        for s, ev in zip(slots, events, strict=True):
            text = f"{ev.title.casefold()}\x1f{ev.id.casefold()}\x1f{ev.detail.casefold()}"
            if hay[s] != text:
                hay[s] = text
                self._hay_joined = None
                if self._found is not None:
                    self._found[1][s] = self._found[0] in text
        return at

    def drop(self, event_id: str) -> int | None:
        """Forget an incident; `place` its slot next (it leaves the rows there, and only then is the slot
        free for another)."""
        slot = self.slot_of.pop(event_id, None)
        if slot is not None:
            self.alive[slot] = self.ours[slot] = False
            self.leader[slot] = True
            self.id_of[slot] = None
            self._hay[slot] = ""
            self._hay_joined = None  # (a standing search's answer for the slot is renewed when it is reused)
            self._dropped.append(slot)
            if self._late[slot]:
                self._late[slot] = False
                self._late_gone.append(event_id)
        return slot

    def _free_dropped(self) -> None:
        self._free.extend(self._dropped)
        self._dropped = []

    # ------------------------------------------------------------------ keys
    def _number(self, col: str, build: bool = False) -> None:
        """Every live slot's order number of its text in this column (first building the order)."""
        slots = np.flatnonzero(self.alive[: self._cap])
        texts = self._text[col]
        column = [texts[s] for s in slots.tolist()]
        if build:
            self.orders[col].build(column)
        self._tkey[col][slots] = self.orders[col].keys(column)

    def _keys_of(self, slots: np.ndarray) -> np.ndarray:
        col = self.sort_column
        if col == "severity":  # worst first (when descending), then oldest
            return self._sev_rank[slots] * 1e11 - self._created[slots]
        if col == "state":
            return self._state_ord[slots] * 1e11 - self._created[slots]
        if col == "age":
            return -self._created[slots]
        if col == "sla":
            return self._due[slots]
        return self._tkey[col][slots]

    # ------------------------------------------------------------------ filters
    def mask(self, slots: np.ndarray) -> np.ndarray:
        """Which of these (live) slots pass the level and the operator's filters."""
        f = self.filters
        m = self.ours[slots].copy()
        if f.severities:
            m &= np.isin(self._sev[slots], [self._v_sev.code.get(s, -1) for s in f.severities])
        if f.states:
            m &= np.isin(self._state[slots], [self._v_state.code.get(s, -1) for s in f.states])
        if f.domains:
            m &= np.isin(self._domain[slots], [self._v_domain.code.get(s, -1) for s in f.domains])
        if f.district:
            inside = np.array([t.startswith(f.district) for t in self._v_region.text], dtype=bool)
            m &= inside[self._region[slots]] if len(inside) else False
        if f.group_duplicates:
            m &= self.leader[slots]
        if f.text:
            needle = f.text.casefold()
            if len(slots) <= 256 or _SEP in needle or "\x1f" in needle:  # a few rows: each on its own
                hay = self._hay
                m &= np.fromiter((any(needle in part for part in hay[s].split("\x1f")) for s in slots.tolist()),
                                 dtype=bool, count=len(slots))
            else:
                m &= self._matches(needle)[slots]
        return m

    def _matches(self, needle: str) -> np.ndarray:
        """Per slot: the needle is in its title, id or detail (casefolded). One scan of all the text for a
        new needle; the same needle again is answered from the last scan, kept current by `put`/`drop`
        (the needle holds no separator, so a match never spans two fields)."""
        if self._found is not None and self._found[0] == needle:
            return self._found[1]
        out = np.zeros(self._cap, dtype=bool)
        if self._hay_joined is None:
            lengths = np.array(list(map(len, self._hay)), dtype=np.int64) + 1
            self._hay_joined = (_SEP.join(self._hay), np.cumsum(lengths) - lengths)
        text, starts = self._hay_joined
        at = [m.start() for m in re.finditer(re.escape(needle), text)]
        if at:
            out[np.searchsorted(starts, np.array(at), side="right") - 1] = True
        self._found = (needle, out)
        return out

    # ------------------------------------------------------------------ the rows in view
    def rebuild(self, resort: bool = True) -> None:
        """The rows in view from scratch: one argsort of every live slot's key (`resort` False, a filter
        change: the order kept is current already) and a mask over that order."""
        if resort:
            col = self.sort_column
            if self._sorted_by is not None and self._sorted_by != col:
                self._kept[self._sorted_by] = _Kept(self._all, self._all_keys, self._key, self._in_all,
                                                    self._generation(self._sorted_by))
            kept = self._kept.pop(col, None)
            slots = np.flatnonzero(self.alive[: self._cap])
            # number each text column once (the first fill pays, not the first sort by it), and again
            # when most of what it numbered is gone
            for c, order in self.orders.items():
                if len(slots) and (not len(order) or len(order) > 2 * len(slots) + 1000):
                    self._number(c, build=True)
            if kept is not None and kept.generation == self._generation(col):
                self._restore(kept)
            else:
                self._key = np.zeros(self._cap, dtype=np.float64)  # new arrays: a kept order holds the old
                self._in_all = np.zeros(self._cap, dtype=bool)
                keys = self._key[slots] = self._keys_of(slots)
                order = _by_key_then_slot(slots, keys)
                self._all, self._all_keys = slots[order], keys[order]
                self._in_all[self._all] = True
            self._sorted_by = col
            self._renumbered = False
        self._free_dropped()
        m = self.mask(self._all) if len(self._all) else np.zeros(0, dtype=bool)
        self.view, self.view_keys = self._all[m], self._all_keys[m]
        self._in_view[:] = False
        self._in_view[self.view] = True

    def _generation(self, col: str) -> int:
        """Changes when the column's keys of untouched rows change (a text column renumbered)."""
        order = self.orders.get(col)
        return order.generation if order is not None else 0

    def _restore(self, kept: _Kept) -> None:
        """Take up a kept order again: the slots touched since it was left leave it and, if live, come
        back where their keys now put them."""
        cap = self._cap
        key, in_all = np.zeros(cap, dtype=np.float64), np.zeros(cap, dtype=bool)
        key[: len(kept.key)], in_all[: len(kept.in_all)] = kept.key, kept.in_all
        order, keys = kept.order, kept.keys
        touched = np.unique(np.concatenate(kept.touched)) if kept.touched else np.empty(0, dtype=np.int64)
        out = touched[in_all[touched]]
        if len(out):
            keep = np.ones(len(order), dtype=bool)
            keep[_find(order, keys, out, key[out])] = False
            order, keys = order[keep], keys[keep]
            in_all[out] = False
        live = touched[self.alive[touched]]
        new_keys = self._keys_of(live)
        order, keys = _insert(order, keys, live, new_keys)
        key[live], in_all[live] = new_keys, True
        self._all, self._all_keys, self._key, self._in_all = order, keys, key, in_all

    def number_texts(self) -> None:
        """Number the text columns now if they are not yet (a first fill, rather than the first sort by
        one of them)."""
        if len(self._all) and any(not len(order) for order in self.orders.values()):
            self.rebuild()

    def position(self, slot: int) -> int | None:
        """Where a slot stands in the ascending view (None: not in view)."""
        if not self._in_view[slot]:
            return None
        return int(_find(self.view, self.view_keys, np.array([slot]), self._key[[slot]])[0])

    def place(self, slots: np.ndarray, passes: np.ndarray) -> Placed | None:
        """Re-place these slots (their columns were just `put`, or they were dropped): those whose key
        changed move in the order of all rows; those in view that no longer pass or moved leave the view,
        those that pass and are not in view (any more) come in where their key puts them. Returns the
        positions removed (in the old view) and inserted (in the new one); None when the text order had
        to be renumbered and the view was rebuilt instead."""
        slots = np.asarray(slots, dtype=np.int64)
        for col, kept in list(self._kept.items()):  # orders kept for other columns: these slots moved
            kept.touched.append(slots)
            kept.n_touched += len(slots)
            if kept.n_touched > _KEPT_TOUCHED_MAX:  # sorting afresh is cheaper than re-placing so many
                del self._kept[col]
        if self._renumbered:  # the keys of rows not touched changed too
            self.rebuild()
            return None
        if len(slots) == 0:
            self._free_dropped()
            return Placed()
        live = self.alive[slots]
        passes = passes & live
        new_keys = self._keys_of(slots)
        old_keys = self._key[slots]
        stays = self._in_all[slots] & live & (new_keys == old_keys)
        # the order of all rows
        out = slots[self._in_all[slots] & ~stays]
        if len(out):
            keep = np.ones(len(self._all), dtype=bool)
            keep[_find(self._all, self._all_keys, out, self._key[out])] = False
            self._all, self._all_keys = self._all[keep], self._all_keys[keep]
            self._in_all[out] = False
        into = live & ~stays
        self._all, self._all_keys = _insert(self._all, self._all_keys, slots[into], new_keys[into])
        self._in_all[slots[into]] = True
        # the view
        was = self._in_view[slots]
        same = was & passes & stays
        leave = slots[was & ~same]
        come, come_keys = slots[passes & ~same], new_keys[passes & ~same]
        changed = _find(self.view, self.view_keys, slots[same], old_keys[same])
        removed = _find(self.view, self.view_keys, leave, self._key[leave])
        if len(removed):
            keep = np.ones(len(self.view), dtype=bool)
            keep[removed] = False
            self.view, self.view_keys = self.view[keep], self.view_keys[keep]
            self._in_view[leave] = False
        self._key[slots] = new_keys
        self._free_dropped()
        inserted = np.empty(0, dtype=np.int64)
        if len(come):
            self.view, self.view_keys, inserted = _insert(self.view, self.view_keys, come, come_keys, positions=True)
            self._in_view[come] = True
        if len(changed) and len(removed):  # rows that stayed shift by the removals before them
            changed = changed - np.searchsorted(np.sort(removed), changed)
        if len(changed) and len(inserted):
            changed = changed + np.searchsorted(inserted - np.arange(len(inserted)), changed, side="right")
        return Placed(np.sort(removed), inserted, changed)

    # ------------------------------------------------------------------ questions
    def red_overdue_changes(self, red_code_rank: int, now: float) -> tuple[list[str], list[str]]:
        """Ids that became red and overdue (passing the level) since the last call, and ids that ceased
        to be (dropped ones included): a day of 100,000 holds ~25,000 such, and a second changes a few."""
        n = self._cap
        late = self.alive[:n] & self.ours[:n] & (self._sev_rank[:n] == red_code_rank) & (self._due[:n] < now)
        was = self._late[:n]
        id_of = self.id_of
        became = [id_of[s] for s in np.flatnonzero(late & ~was).tolist()]
        ceased = [id_of[s] for s in np.flatnonzero(was & ~late).tolist()] + self._late_gone
        self._late[:n] = late
        self._late_gone = []
        return became, ceased


def _codes(values: list, code) -> np.ndarray:
    """`code(value)` (a tuple of small integers) for each value, asked once per distinct value."""
    distinct = {v: i for i, v in enumerate(dict.fromkeys(values))}
    table = np.array([code(v) for v in distinct], dtype=np.int64).reshape(len(distinct), -1)
    return table[np.fromiter(map(distinct.__getitem__, values), dtype=np.int64, count=len(values))]


def _by_key_then_slot(slots: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """The argsort of (key, slot): numpy's quicksort (SIMD, ~4x its stable sort on 100,000 floats), then,
    when keys tie, one sort of (tie group, slot) as integers."""
    order = np.argsort(keys)
    sorted_keys = keys[order]
    new_group = sorted_keys[1:] != sorted_keys[:-1]
    if len(order) > 1 and not new_group.all():
        group = np.concatenate(([0], np.cumsum(new_group)))
        order = order[np.argsort(group * (int(slots.max()) + 1) + slots[order])]
    return order


def _find(order: np.ndarray, keys: np.ndarray, slots: np.ndarray, slot_keys: np.ndarray) -> np.ndarray:
    """Where these slots stand (or would stand) in `order`, sorted by (key, slot): a binary search by
    key, and among equal keys (a district, a holder: thousands alike) one by slot."""
    lo = np.searchsorted(keys, slot_keys, side="left")
    if len(lo):
        hi = np.searchsorted(keys, slot_keys, side="right")
        one, many = np.flatnonzero(hi - lo == 1), np.flatnonzero(hi - lo > 1)
        lo[one] += order[lo[one]] < slots[one]  # one equal key: it, or before or after it
        for i in many.tolist():
            lo[i] += int(np.searchsorted(order[lo[i]:hi[i]], slots[i]))
    return lo


def _insert(order: np.ndarray, keys: np.ndarray, slots: np.ndarray, slot_keys: np.ndarray, positions: bool = False):
    """`order` and its `keys` with these slots (none of them in it) put where they belong; with
    `positions`, also where they now stand (ascending)."""
    if len(slots) == 0:
        return (order, keys, np.empty(0, dtype=np.int64)) if positions else (order, keys)
    by = np.lexsort((slots, slot_keys))
    slots, slot_keys = slots[by], slot_keys[by]
    at = _find(order, keys, slots, slot_keys)
    order, keys = np.insert(order, at, slots), np.insert(keys, at, slot_keys)
    if positions:
        return order, keys, at + np.arange(len(slots))
    return order, keys

