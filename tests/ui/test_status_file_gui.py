"""The wall's status file says when it was written by this machine's clock, apart from the instant it
shows: on a sped-up feed the shown instant runs hours ahead, and a watchdog comparing that with its own
clock would take a hung wall for a live one."""

import json
import time

from PySide6.QtWidgets import QApplication, QWidget

from console.model.city_state import CityState
from console.model.clock import Clock
from console.ui.gui_app import write_status


def test_the_status_file_is_stamped_with_the_time_of_writing_not_the_feeds_instant(qtbot, tmp_path):
    win = QWidget()
    qtbot.addWidget(win)
    clock = Clock()
    clock.offset = 3 * 3600.0  # a feed at 10x, three hours ahead of this machine after 20 minutes
    path = tmp_path / "status.json"
    write_status(path, QApplication.instance(), win, None, CityState(), clock)
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert abs(doc["written_ts"] - time.time()) < 5
    assert doc["ts"] - time.time() > 3 * 3600 - 5  # the shown instant, as before
    assert doc["modal"] is False and doc["series"] == 0
