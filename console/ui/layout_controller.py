"""The arrangement of a window's docks, kept per role (console/ui/role_layouts.py stores it) with the
emergency arrangement apart from the normal one: saved and restored, reset to the default, carried
to and from a layout file, and swapped when emergency mode starts or ends."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QSettings, Qt
from PySide6.QtWidgets import QDockWidget, QFileDialog, QMainWindow

from console.ui import role_layouts

log = logging.getLogger(__name__)
LAYOUT_VERSION = 1  # of the window's dock set; a saved or exported layout of another version is not used


def _t(text: str) -> str:
    return QCoreApplication.translate("MainWindow", text)  # the window's strings, moved here with their translations


class LayoutController:
    def __init__(self, window: QMainWindow, settings: QSettings, role: str, docks: list[QDockWidget],
                 emergency_dock: QDockWidget, beside: QDockWidget, record: Callable[[str, str, dict], None],
                 tell: Callable[[str, str], None]):
        """`docks` are shown by a reset; `emergency_dock` only in the emergency arrangement, first put
        under `beside`. `record` writes an audit entry, `tell` a message for the operator."""
        self.window, self.settings, self.role = window, settings, role
        self.docks, self.emergency_dock, self.beside = docks, emergency_dock, beside
        self.record, self.tell = record, tell
        self.in_emergency = False
        # called after every arrangement taken (a saved one may put a tool bar where the window must not
        # have it: the emergency banner squeezed beside the time-shift bar)
        self.after_restore: Callable[[], None] | None = None
        self._default = window.saveState(LAYOUT_VERSION)

    def _take(self, state) -> bool:
        ok = self.window.restoreState(state, LAYOUT_VERSION)
        if self.after_restore is not None:
            self.after_restore()
        return ok

    @property
    def slot(self) -> str:
        return "emergency_state" if self.in_emergency else "state"

    def save(self) -> None:
        """Saved per role, and the emergency arrangement apart from the normal one."""
        role_layouts.save(self.settings, self.role, "geometry", self.window.saveGeometry())
        role_layouts.save(self.settings, self.role, self.slot, self.window.saveState(LAYOUT_VERSION))
        self.settings.sync()

    def restore(self) -> bool:
        """The role's saved arrangement, if any; what the window showed before is kept as the default."""
        self._default = self.window.saveState(LAYOUT_VERSION)
        geo = role_layouts.load(self.settings, self.role, "geometry")
        st = role_layouts.load(self.settings, self.role, "state")
        if geo is not None:
            self.window.restoreGeometry(geo)
        return st is not None and self._take(st)

    def reset(self) -> None:
        self._take(self._default)
        for d in self.docks:
            d.show()
        self.emergency_dock.setVisible(self.in_emergency)

    def switch(self, emergency: bool) -> None:
        """Emergency mode started or ended: keep this arrangement, take the other one (each per role)."""
        if emergency == self.in_emergency:
            return
        self.save()
        self.in_emergency = emergency
        saved = role_layouts.load(self.settings, self.role, self.slot)
        if saved is not None:
            self._take(saved)
        else:  # first time for this role: the emergency dock under its neighbour
            self.emergency_dock.setVisible(emergency)
            if emergency:
                self.window.splitDockWidget(self.beside, self.emergency_dock, Qt.Orientation.Vertical)

    # ---------------------------------------------------------------- layout files
    def export_file(self, path: Path) -> None:
        self.save()
        parts = {k: role_layouts.load(self.settings, self.role, k) for k in ("geometry", "state", "emergency_state")}
        role_layouts.export_layout(path, self.role, parts, LAYOUT_VERSION)
        self.record("layout_export", str(path), {})

    def import_file(self, path: Path) -> None:
        """Take a standard layout for this role (raises LayoutFileError with the reason)."""
        parts = role_layouts.import_layout(path, self.role, LAYOUT_VERSION)
        for k, v in parts.items():
            role_layouts.save(self.settings, self.role, k, v)
        if "geometry" in parts:
            self.window.restoreGeometry(parts["geometry"])
        st = parts.get(self.slot) or parts.get("state")
        if st is not None:
            self._take(st)
        self.settings.sync()
        self.record("layout_import", str(path), {"parts": sorted(parts)})

    def ask_file(self, export: bool) -> None:
        filt = _t("布局文件 (*.cityops-layout)")
        if export:
            name, _ = QFileDialog.getSaveFileName(self.window, _t("导出布局…"), f"{self.role}.cityops-layout", filt)
        else:
            name, _ = QFileDialog.getOpenFileName(self.window, _t("导入布局…"), "", filt)
        if not name:
            return
        try:
            (self.export_file if export else self.import_file)(Path(name))
        except (OSError, role_layouts.LayoutFileError) as e:
            log.warning("layout %s failed: %s", "export" if export else "import", e)
            self.tell(_t("布局文件未能使用：{0}").format(str(e)), "error")
            return
        self.tell((_t("布局已导出：{0}") if export else _t("布局已导入：{0}")).format(name), "ok")
