"""The audible cue for red-level incidents that breach their SLA. A short two-tone chime written once
to a temporary WAV and played with QtMultimedia; the operator can mute it (the mute is audited)."""

from __future__ import annotations

import logging
import math
import struct
import tempfile
import wave
from pathlib import Path

from PySide6.QtCore import QObject, QUrl
from PySide6.QtWidgets import QApplication

log = logging.getLogger(__name__)


def _chime(path: Path, rate: int = 22_050) -> None:
    frames = bytearray()
    for freq, dur in ((880.0, 0.18), (660.0, 0.28)):
        n = int(rate * dur)
        for i in range(n):
            env = min(1.0, i / 300, (n - i) / 600)  # no clicks at either end
            frames += struct.pack("<h", int(12_000 * env * math.sin(2 * math.pi * freq * i / rate)))
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(bytes(frames))


class AlertSound(QObject):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.muted = False
        self.played = 0  # cues sounded (tests and the audit read it)
        self._dir = tempfile.TemporaryDirectory(prefix="cityops-sound-")
        self._effect = None
        try:
            from PySide6.QtMultimedia import QSoundEffect

            wav = Path(self._dir.name) / "breach.wav"
            _chime(wav)
            self._effect = QSoundEffect(self)
            self._effect.setSource(QUrl.fromLocalFile(str(wav)))
        except Exception as exc:  # no multimedia backend: fall back to the system beep
            log.info("no sound effect support (%s); using the system beep", exc)

    def play(self) -> bool:
        if self.muted:
            return False
        self.played += 1
        if self._effect is not None:
            self._effect.play()
        else:
            QApplication.beep()
        return True
