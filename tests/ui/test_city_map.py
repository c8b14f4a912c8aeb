"""Every map a window can be given answers the whole CityMap interface (console/ui/city_map.py): the
real WebEngine view and the no-map stand-in, which accepts every call and has no twin for a wall."""

import pytest
from PySide6.QtCore import Signal

from console.model.city_state import Changes
from console.ui.city_map import CityMap, NoMap

METHODS = sorted(n for n, v in vars(CityMap).items() if callable(v) and not n.startswith("_"))


def map_classes():
    pytest.importorskip("PySide6.QtWebEngineWidgets")
    from console.ui.map_bridge import CityMapView

    return [NoMap, CityMapView]


def test_every_map_has_every_member_of_the_interface():
    assert "twin" in METHODS and "set_freshness" in METHODS
    for cls in map_classes():
        for name in METHODS:
            assert callable(getattr(cls, name, None)), f"{cls.__name__}.{name}"
        assert isinstance(cls.incidentClicked, Signal) and isinstance(cls.areaClicked, Signal), cls.__name__


def test_no_map_takes_every_call_and_has_nothing_for_a_wall(qtbot):
    m = NoMap()
    qtbot.addWidget(m)
    m.apply_changes(Changes())
    m.reload()
    m.retranslate()
    m.select_incident("E1")
    m.set_freshness(True, "3 分钟前")
    m.focus_districts(["310101"])
    m.set_view("310104")
    assert m.twin() is None


def test_the_map_shows_its_areas_incidents_only_and_a_wall_twin_too(qtbot):
    """A district centre's map (set_area: the console's scope) draws its district's incidents, not the
    city's others, whatever the state holds (a replayed city recording); a wall's twin keeps the area."""
    pytest.importorskip("PySide6.QtWebEngineWidgets")
    from console.feed.decoder import Decoder
    from console.model.city_state import CityState
    from console.model.clock import Clock
    from console.ui.map_bridge import CityMapView
    from tests.frames_factory import catalog, dumps, event

    state, dec = CityState(), Decoder()
    state.apply("t", dec.decode(catalog()).frame)
    for i, (eid, region) in enumerate((("H1", "310101"), ("X1", "310104"), ("X2", "310104"))):
        state.apply("t", dec.decode(dumps({"type": "event", "seq": i + 1, "event": event(eid, region=region)})).frame)
    view = CityMapView(state, Clock())
    qtbot.addWidget(view)
    view.show()
    qtbot.waitUntil(lambda: view.is_ready, timeout=30_000)

    def count() -> int:
        box = []
        view.page().runJavaScript("cityops.count()", 0, box.append)
        qtbot.waitUntil(lambda: bool(box), timeout=10_000)
        return box[0]

    qtbot.waitUntil(lambda: count() == 3, timeout=10_000)
    view.set_area("310104")
    qtbot.waitUntil(lambda: count() == 2, timeout=10_000)
    state.apply("t", dec.decode(dumps({"type": "event", "seq": 9, "event": event("H2", region="310101")})).frame)
    view.apply_changes(state.take_changes())
    qtbot.wait(200)
    assert count() == 2  # a new incident outside the area is not drawn
    twin = view.twin()
    qtbot.addWidget(twin)
    assert twin._area == "310104"
    view.set_area("310000")
    qtbot.waitUntil(lambda: count() == 4, timeout=10_000)
