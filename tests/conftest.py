import os

# Qt and WebEngine must be told before any Qt import: no display here, and root needs --no-sandbox.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--no-sandbox --disable-gpu")


import pytest


@pytest.fixture(autouse=True)
def _flush_deferred_deletes():
    """Widgets closed by pytest-qt are deleted with deleteLater; delete them now, while the
    QApplication is alive, so web pages and their profiles go in order (not at interpreter exit)."""
    yield
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
