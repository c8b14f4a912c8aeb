"""The chart beside the board draws its series at most once a second, and never leaves the last
change undrawn: one that came within the second is drawn when the second is up, even if nothing else
changes after it (a paused time-shift, whose older hour arrives just after the step drew the chart)."""

from PySide6.QtCore import QSettings

from console.feed.decoder import Decoder
from console.model.city_state import CityState
from console.model.clock import Clock
from console.ui.main_window import MainWindow
from tests.frames_factory import catalog, samples

T = 1_700_000_000.0
KEY = ("traffic.congestion_index", "310101")


def test_a_change_held_back_by_the_once_a_second_rule_is_drawn_when_the_second_is_up(qtbot, tmp_path):
    state, clock, dec = CityState(), Clock(), Decoder()
    clock.set_fixed(T + 100)
    state.apply("city", dec.decode(catalog()).frame)
    state.apply("city", dec.decode(samples(1, [[*KEY, T, 3.0], [KEY[0], "310104", T, 2.0]])).frame)
    win = MainWindow(state, None, clock, QSettings(str(tmp_path / "l.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    win.show()
    win.bridge.flush()
    win.show_indicator(KEY)  # drawn now
    assert win.chart._values.tolist()[-1] == 3.0
    state.apply("city", dec.decode(samples(2, [[*KEY, T + 10, 9.5]])).frame)
    win.bridge.flush()
    assert win.chart._values.tolist()[-1] == 3.0  # within the second: held back
    qtbot.waitUntil(lambda: win.chart._values.tolist()[-1] == 9.5, timeout=5000)
