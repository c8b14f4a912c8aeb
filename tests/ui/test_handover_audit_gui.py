"""The shift handover states whether the audit trail's chain holds: in the report, and in the audit
entry that records the handover (so the head it saw is kept beside the chain itself)."""

from PySide6.QtCore import QSettings

from console.incidents.audit_log import AuditLog
from console.incidents.sla import SlaBook
from console.model.city_state import CityState
from console.model.clock import Clock
from console.resources import resource
from console.ui.main_window import MainWindow


def _window(qtbot, tmp_path, audit_path):
    clock = Clock()
    clock.set_fixed(1_700_000_100.0)
    win = MainWindow(CityState(), None, clock, QSettings(str(tmp_path / "l.ini"), QSettings.Format.IniFormat),
                     sla=SlaBook.load(resource("config", "sla.json")))
    qtbot.addWidget(win)
    win.audit = AuditLog(audit_path)
    return win


def test_the_handover_states_the_chain_check(qtbot, tmp_path):
    path = tmp_path / "audit.jsonl"
    win = _window(qtbot, tmp_path, path)
    win.desk.record("mute", "breach_sound", {})
    win.desk.record("unmute", "breach_sound", {})
    win.write_handover(hours=1, path=tmp_path / "h1.pdf")
    said = win.audit.entries()[-1]
    assert said["action"] == "handover_report"
    assert said["detail"]["audit_chain"].startswith("chain verified: 2 entries, head #2")
    win.audit.close()
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(lines[1] + lines[0] + b"".join(lines[2:]))  # two entries swapped by hand
    win2 = _window(qtbot, tmp_path, path)
    win2.write_handover(hours=1, path=tmp_path / "h2.pdf")
    assert win2.audit.entries()[-1]["detail"]["audit_chain"].startswith("CHAIN BROKEN")
    win2.audit.close()
