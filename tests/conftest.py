import os

# Qt and WebEngine must be told before any Qt import: no display here, and root needs --no-sandbox.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--no-sandbox --disable-gpu")
