"""PySide6 6.12.0 aborts Python 3.11 (`none_dealloc`) after ~70 pyqtgraph plots (shared/repro). The
pin keeps us on a sound release; this test proves the installed binding survives what 6.12.0 did not."""

import subprocess
import sys
from pathlib import Path

import PySide6

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import os
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6 import QtWidgets
import pyqtgraph as pg
app = QtWidgets.QApplication([])
w = pg.GraphicsLayoutWidget()
for i in range(200):
    w.addPlot(row=i // 20, col=i % 20)
print("ok")
"""


def test_installed_binding_is_the_pinned_one():
    pins = dict(line.strip().split("==") for line in (ROOT / "constraints.txt").read_text().splitlines()
                if "==" in line)
    assert PySide6.__version__ == pins["PySide6"]
    if sys.version_info < (3, 12):
        assert pins["PySide6"] != "6.12.0"


def test_two_hundred_plots_do_not_abort_the_interpreter():
    p = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr[-2000:]
    assert p.stdout.strip().endswith("ok")
