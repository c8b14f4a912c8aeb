"""A real map page over a city with the shipped regions and no readings, for the GUI tests of what the map
draws: `map_world` builds and shows it, `put` hands it incidents the way the console does (decoded frames
into the state, the state's changes to the view)."""

from console.feed.decoder import Decoder
from console.feed.frames import Catalog
from console.model.city_state import CityState
from console.model.clock import Clock
from console.simulator.city_catalog import load_regions
from console.ui.map_bridge import CityMapView
from tests.frames_factory import dumps


def map_world(qtbot, options=None, size=(1280, 800)) -> tuple[CityState, CityMapView]:
    state = CityState()
    state.apply_catalog(Catalog((), tuple(load_regions())))
    view = CityMapView(state, Clock(), options)
    qtbot.addWidget(view)
    view.resize(*size)
    view.show()
    qtbot.waitUntil(lambda: view.is_ready, timeout=30_000)
    return state, view


def put(state, view, *events) -> None:
    dec = Decoder()
    for ev in events:
        state.apply("city", dec.decode(dumps({"type": "event", "seq": 1, "event": ev})).frame)
    view.apply_changes(state.take_changes())
