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
