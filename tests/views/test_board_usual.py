"""The board's tiles against the typical day: the words on a full basis, faded on a thin one, nothing
without one; the chart's band as steps over its range."""

import numpy as np

from console.feed.decoder import Decoder
from console.model.city_state import CityState
from console.normal.profiles import Profiles
from console.normal.usual import Usual
from console.views.board_model import BoardModel
from tests.frames_factory import catalog, samples

dec = Decoder()
T = 1_700_000_000.0
IND, REG = "traffic.congestion_index", "310101"


def board(days) -> BoardModel:
    st = CityState()
    st.apply("city", dec.decode(catalog()).frame)
    st.apply("city", dec.decode(samples(1, [[IND, REG, T, 3.54]])).frame)
    b = BoardModel(st)
    b.specs()
    if days is not None:
        shape = (1, 2, 96)
        b.usual = Usual(Profiles([f"{IND}@{REG}"], np.full(shape, 2.0, np.float32), np.full(shape, 3.0, np.float32),
                                 np.full(shape, 4.0, np.float32), np.array([days], np.int16),
                                 np.array([0.5], np.float32), 0, 27, 0.0))
    return b


def test_tile_says_how_far_from_usual_faded_when_thin_and_nothing_without_a_basis():
    d = board((20, 8)).data((IND, REG), T + 1)
    assert (d.usual_text, d.usual_basis) == ("高于同期 18%", 2)  # 3.54 against a typical 3.0
    b = board((20, 8))
    b.english = True
    assert b.data((IND, REG), T + 1).usual_text == "18% above usual"
    thin = board((5, 2)).data((IND, REG), T + 1)
    assert (thin.usual_text, thin.usual_basis) == ("高于同期 18%", 1)
    for none in (board((4, 1)), board(None)):
        d = none.data((IND, REG), T + 1)
        assert (d.usual_text, d.usual_basis) == ("", 0)


def test_chart_band_over_its_range_in_slot_steps():
    b = board((20, 8))
    edges, lo, typ, hi, basis = b.usual_band(0, T - 3600, T)
    assert basis == 2 and np.all(np.diff(edges) == 900) and edges[0] <= T - 3600 and edges[-1] >= T
    assert len(lo) == len(edges) - 1 and set(typ) == {3.0} and set(lo) == {2.0} and set(hi) == {4.0}
    assert board((4, 1)).usual_band(0, T - 3600, T) is None
