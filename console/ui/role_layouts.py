"""Window layouts kept per role (a duty officer's docks are not a leader's), normal and emergency
apart, and carried between workstations as a small file so a control room can standardise them."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

FORMAT = "cityops-layout/1"


class LayoutFileError(ValueError):
    pass


def _key(role: str, what: str) -> str:
    return f"layout/{role}/{what}"


def save(settings: QSettings, role: str, what: str, data: QByteArray) -> None:
    settings.setValue(_key(role, what), data)


def load(settings: QSettings, role: str, what: str) -> QByteArray | None:
    v = settings.value(_key(role, what))
    return v if isinstance(v, QByteArray) and not v.isEmpty() else None


def export_layout(path: Path, role: str, parts: dict[str, QByteArray | None], version: int) -> None:
    doc = {"format": FORMAT, "role": role, "version": version,
           "parts": {k: base64.b64encode(bytes(v.data())).decode("ascii") for k, v in parts.items() if v is not None}}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(doc, indent=1), encoding="utf-8")
    tmp.replace(path)  # never a half-written layout file


def import_layout(path: Path, role: str, version: int) -> dict[str, QByteArray]:
    """The parts of a layout file, if it is one, of this window version, for this role."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise LayoutFileError(f"{path}: not a layout file ({e})") from e
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise LayoutFileError(f"{path}: not a CityOps layout file (format {FORMAT} expected)")
    if doc.get("version") != version:
        raise LayoutFileError(f"{path}: made for window layout version {doc.get('version')}, this is {version}")
    if doc.get("role") != role:
        raise LayoutFileError(f"{path}: a layout for role {doc.get('role')!r}, this console's role is {role!r}")
    parts = doc.get("parts")
    if not isinstance(parts, dict) or "state" not in parts:
        raise LayoutFileError(f"{path}: no window state in the file")
    try:
        return {k: QByteArray(base64.b64decode(v, validate=True)) for k, v in parts.items()
                if k in ("geometry", "state", "emergency_state")}
    except (ValueError, TypeError) as e:
        raise LayoutFileError(f"{path}: damaged layout data ({e})") from e
