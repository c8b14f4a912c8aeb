"""CityState.copy_from and clear name every field they handle (no reflection): these tests catch a
field added to CityState, its rings or its incident book and left out of either. `populated_state`
must set every field (first test), so the comparisons below see each one."""

import numpy as np
import pytest

from console.feed.decoder import Decoder
from console.model.city_state import CityState, StateConfig
from tests.city_states import CONFIG, CONFIGURATION, OVERRIDES, fields, populated_state
from tests.frames_factory import catalog, dumps, event, samples

# containers a state may replace rather than refill: nobody outside holds them
REPLACEABLE = {
    "_dirty_events",  # handed to the widgets by take_changes, then a new one
    "_dirty_units",  # the same
    "_moved_from",  # what take_changes compares with after a seek within the session, then none
    "_changed_before_move",  # the same
    "_overrides",  # replaced whenever the console's mode changes
}
IMMUTABLE = (int, float, str, bool, type(None), tuple, frozenset, StateConfig)


def same(a, b) -> bool:
    if isinstance(a, np.ndarray):
        return (isinstance(b, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape
                and bool(np.array_equal(a, b, equal_nan=a.dtype.kind == "f")))
    if isinstance(a, dict):
        return type(a) is type(b) and list(a.items()) == list(b.items())  # in the same order
    return type(a) is type(b) and a == b


def other_state() -> CityState:
    """A state with content `populated_state` lacks, to be overwritten."""
    dec = Decoder()
    s = CityState(CONFIG)
    s.apply("city", dec.decode(catalog()).frame)
    s.apply("city", dec.decode(samples(1, [["water.pressure", "310104", 50.0, 0.1]])).frame)
    s.apply("other", dec.decode(dumps({"type": "event", "seq": 1, "event": event("Z9")})).frame)
    s.take_changes()
    return s


def test_the_populated_state_sets_every_field():
    fresh, full = fields(CityState(CONFIG)), fields(populated_state())
    assert set(full) == set(fresh)
    left = [name for name in fresh if name not in CONFIGURATION and same(fresh[name], full[name])]
    assert left == [], "populated_state() leaves these as new: set them there, so copy and clear are tested on them"


def test_copy_from_reproduces_every_field_in_the_same_containers():
    src = populated_state()
    dst = other_state()
    before = fields(dst)
    dst.copy_from(src)
    theirs, mine = fields(src), fields(dst)
    assert [name for name in theirs if not same(theirs[name], mine[name])] == []
    kept = [name for name, v in before.items() if name not in REPLACEABLE and not isinstance(v, IMMUTABLE)]
    assert [name for name in kept if mine[name] is not before[name]] == []  # whoever holds them sees the copy
    assert [name for name, v in mine.items() if not isinstance(v, IMMUTABLE) and v is theirs[name]] == []


def test_copy_from_asks_for_a_full_redraw():
    src = populated_state()
    src.take_changes()
    dst = other_state()
    dst.copy_from(src)
    ch = dst.take_changes()
    assert ch.reset and ch.catalog


def test_copy_from_a_state_of_another_configuration_is_refused():
    with pytest.raises(ValueError):
        CityState(StateConfig(max_series=8)).copy_from(populated_state())


def test_clear_forgets_every_field_in_place_but_the_overrides():
    s = populated_state()
    before = fields(s)
    s.clear()
    fresh, now = fields(CityState(CONFIG)), fields(s)
    pending = {"_catalog_dirty": True, "_reset": True, "_overrides": OVERRIDES}  # a redraw; the console's mode
    assert [name for name in fresh if not same(now[name], pending.get(name, fresh[name]))] == []
    kept = [name for name, v in before.items() if name not in REPLACEABLE and not isinstance(v, IMMUTABLE)]
    assert [name for name in kept if now[name] is not before[name]] == []


def test_the_command_senders_lookup_follows_a_seek_and_the_way_back_to_live():
    """The command sender is handed `incidents.feed_of.get` once, at start; the time-shift clears the
    view (a seek) and copies the live shadow back into it: the lookup must see the incidents since."""
    view = populated_state()
    feed_of = view.incidents.feed_of.get
    shadow = CityState(CONFIG)
    shadow.copy_from(view)  # pause
    shadow.apply("city", Decoder().decode(dumps({"type": "event", "seq": 20, "event": event("N1")})).frame)
    view.reset_to(None)  # a seek
    view.copy_from(shadow)  # back to live
    assert feed_of("N1") == "city" and feed_of("X1") == "xuhui"
