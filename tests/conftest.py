"""Shared by every test: Qt offscreen, the `gui` marker, and the Qt-free run.

- Tests under tests/ui/ are marked `gui` here, by where they live; a test elsewhere that asks for a Qt
  fixture fails at collection (it belongs in tests/ui/), so the marker cannot be forgotten.
- CITYOPS_TEST_NO_QT=1 (with `-p no:pytest-qt -m "not gui"`, as `./dev test` runs it) blocks importing
  PySide6, shiboken6, pyqtgraph and qasync altogether: everything but tests/ui then proves it imports
  and passes with no Qt at all, as napari's headless CI does for its model.
"""

import atexit
import importlib.abc
import os
import shutil
import sys
import tempfile

# Qt and WebEngine must be told before any Qt import: no display here, and root needs --no-sandbox.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--no-sandbox --disable-gpu")

# The user's own config, data, state and cache folders are not the tests' business: a data key or a
# layout written there by `./dev demo` once made the suite pass or fail by machine. Every test (and
# every process a test starts) gets empty ones of its own, removed at exit.
_HOME = tempfile.mkdtemp(prefix="cityops-test-home-")
atexit.register(shutil.rmtree, _HOME, ignore_errors=True)
for _var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
    os.environ[_var] = os.path.join(_HOME, _var.split("_")[1].lower())

QT_MODULES = ("PySide6", "shiboken6", "pyqtgraph", "qasync", "pytestqt")
QT_FIXTURES = {"qtbot", "qapp", "qtmodeltester", "qtlog"}
NO_QT = os.environ.get("CITYOPS_TEST_NO_QT") == "1"


class _QtBlocked(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] in QT_MODULES:
            raise ImportError(f"{fullname} is blocked: this run proves the Qt-free packages need no Qt")
        return None


if NO_QT:
    if any(m.split(".")[0] in QT_MODULES for m in sys.modules):
        raise RuntimeError("CITYOPS_TEST_NO_QT=1 but Qt was imported before the tests: run with -p no:pytest-qt")
    sys.meta_path.insert(0, _QtBlocked())
    collect_ignore = ["ui"]  # every module there imports Qt: not even collected

import pytest  # noqa: E402

import tests.hypothesis_profiles  # noqa: E402, F401  (loads the profile CITYOPS_HYPOTHESIS names)


def pytest_collection_modifyitems(config, items):
    ui_dir = os.path.join(str(config.rootpath), "tests", "ui") + os.sep
    for item in items:
        if str(item.path).startswith(ui_dir):
            item.add_marker(pytest.mark.gui)
        elif QT_FIXTURES & set(getattr(item, "fixturenames", ())):
            raise pytest.UsageError(f"{item.nodeid} uses a Qt fixture outside tests/ui/: GUI tests live there")


@pytest.fixture(autouse=True)
def _flush_deferred_deletes():
    """Widgets closed by pytest-qt are deleted with deleteLater; delete them now, while the
    QApplication is alive, so web pages and their profiles go in order (not at interpreter exit)."""
    yield
    if "PySide6.QtCore" not in sys.modules:
        return
    from PySide6.QtCore import QCoreApplication, QEvent

    if QCoreApplication.instance() is not None:
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@pytest.fixture(autouse=True)
def _drop_log_handlers():
    """`cityops` commands run in-process attach the program's log handlers to the root logger (to a
    captured stderr, a temporary folder) and settle the places: undo both after each test."""
    yield
    from console.site import paths
    from console.site.logs import remove_handlers

    remove_handlers()
    paths.use(None)


@pytest.fixture
def free_port() -> int:
    """A free TCP port on the loopback (console.site.process.free_ports for more than one)."""
    from console.site.process import free_ports

    return free_ports(1)[0]
