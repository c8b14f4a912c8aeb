"""A start refused for a bad configuration, shown in a window: started from the desktop menu, the
console has no terminal where its message would be read."""

from __future__ import annotations

import sys

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication, QMessageBox


def _t(text: str) -> str:
    return QCoreApplication.translate("StartupError", text)


def startup_error_box(message: str) -> QMessageBox:
    _app = QApplication.instance() or QApplication(sys.argv[:1])
    box = QMessageBox(QMessageBox.Icon.Critical, _t("城运态势台无法启动"),
                      _t("配置有误，控制台未启动。请修正后重试（可用 cityops check-config 检查）。"))
    box.setObjectName("startupError")
    box.setInformativeText(message)
    box.setStandardButtons(QMessageBox.StandardButton.Close)
    return box


def show_startup_error(message: str) -> None:
    startup_error_box(message).exec()
