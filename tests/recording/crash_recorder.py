"""A recording process for tests/recording/test_recorder_crashes.py: the real Recorder, fed as a live
session feeds it (readings of 200 series a frame, incidents, a keyframe every 25 frames), until it is
SIGKILLed. Run as `python -m tests.recording.crash_recorder PATH LIFE REPORT` from the repository.

After each commit of the writer thread it reports, to REPORT (one line, written through at once), how
many of this process's frames are committed: the file must hold at least those after a kill. Frames of
life L carry `seq` 1, 2, 3… and the marker `life` L, so a test can tell whose they are and that they
form an unbroken run.
"""

from __future__ import annotations

import sys
import time

import orjson

from console.feed.decoder import Decoder
from console.feed.source import Envelope
from console.model.city_state import CityState
from console.recording.store import Recorder
from tests.frames_factory import IND, IND_BELOW, REGIONS, catalog, event

FEED = "city"
SERIES = [(ind["id"], f"{r['code']}{n:03d}") for ind in (IND, IND_BELOW) for r in REGIONS for n in range(25)]


class ReportingRecorder(Recorder):
    """The real Recorder; after each batch it writes down how many frames are committed."""

    def __init__(self, path, report, **kw):
        self._report = open(report, "ab", buffering=0)  # noqa: SIM115 (for the life of the process)
        super().__init__(path, **kw)

    def _write(self, batch: list) -> None:
        errors = self.errors
        super()._write(batch)
        if self.errors == errors:
            self._report.write(b"%d\n" % self.frames_written)


def frame(life: int, seq: int, t: float) -> bytes:
    if seq % 20 == 0:
        ev = event(f"L{life}-E{seq}", title="路面积水 <b>&", detail="x" * 400, created_ts=t)
        return orjson.dumps({"type": "event", "seq": seq, "life": life, "event": ev})
    rows = [[ind, reg, t, float(seq % 17)] for ind, reg in SERIES]
    return orjson.dumps({"type": "samples", "seq": seq, "life": life, "samples": rows})


def main(path: str, life: int, report: str) -> None:
    rec = ReportingRecorder(path, report, flush_s=0.05)
    dec, state = Decoder(), CityState()
    regions = REGIONS + [{"code": reg, "name": reg, "level": "street", "parent": None} for _, reg in SERIES]
    cat = orjson.loads(catalog())
    cat["regions"] = regions
    state.apply(FEED, dec.decode(orjson.dumps(cat)).frame)
    seq = 0
    while True:  # until killed
        seq += 1
        t = time.time()
        raw = frame(life, seq, t)
        d = dec.decode(raw)
        rec(Envelope(FEED, t, raw, d, None))
        state.apply(FEED, d.frame)
        if seq % 25 == 0:
            rec.keyframe(t, state.keyframe_body())
        time.sleep(0.002)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3])
