"""A recording's bookmarks (the analyst's notes at instants), in `<recording>.bookmarks.json` beside it.
A note is free text and may name a caller, so with a data key (console/privacy/at_rest.py) the list is
sealed: `{"enc": base64}` instead of the plain JSON list. Either form reads."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from console.privacy import at_rest

AAD_BOOKMARKS = b"cityops.recording/bookmarks"


def bookmarks_path(recording: Path) -> Path:
    return recording.with_name(recording.name + ".bookmarks.json")


def read_bookmarks(path: Path) -> list[tuple[float, str]]:
    """(ts, note) in the file; [] when there is none. ValueError/KeyError/TypeError for a damaged file,
    DataKeyError for a sealed one without its key."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    if isinstance(doc, dict):
        cipher = at_rest.active()
        if cipher is None:
            raise at_rest.DataKeyError(f"{path}: the bookmarks are encrypted and no data key is configured")
        doc = json.loads(cipher.open(base64.b64decode(doc["enc"]), AAD_BOOKMARKS))
    return [(float(b["ts"]), str(b["note"])) for b in doc]


def write_bookmarks(path: Path, bookmarks: list[tuple[float, str]]) -> None:
    text = json.dumps([{"ts": t, "note": n} for t, n in bookmarks], ensure_ascii=False, indent=1)
    cipher = at_rest.active()
    if cipher is not None:
        text = json.dumps({"enc": base64.b64encode(cipher.seal(text.encode(), AAD_BOOKMARKS)).decode()})
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
