"""Secrets and personal data never leave the process in text: the tokens this run knows (registered
when read) and anything shaped like a credential are replaced, then phone and ID numbers masked. The
program log, the About dialog's diagnostics and websockets' own loggers all pass their text through
the one `SCRUB` of the process."""

from __future__ import annotations

import re
import threading

from console.privacy.masking import mask_personal

REDACTED = "[redacted]"

# whatever looks like a credential, wherever it comes from (our code, websockets' debug lines, a traceback)
_PATTERNS = [
    re.compile(r"(?i)(authorization\s*[:=]\s*(?:bearer|basic|token)?\s*)([^\s'\",]+)"),
    re.compile(r"(?i)(\bbearer\s+)([A-Za-z0-9._~+/=-]+)"),
    re.compile(r"""(?i)(["']?(?:token|access_token|password|secret|api_key)["']?\s*[:=]\s*["']?)([^\s"',&}]+)"""),
    re.compile(r"(?i)([?&](?:token|access_token|key|password)=)([^&\s#'\"]+)"),
]


class Scrubber:
    """Removes secrets from text: the tokens this run knows (registered when read) and anything shaped
    like a credential; then masks personal data. Thread-safe: handlers format on any thread."""

    def __init__(self) -> None:
        self._secrets: set[str] = set()
        self._lock = threading.Lock()

    def add_secret(self, secret: str | None) -> None:
        if secret and len(secret) >= 4:  # a 1-3 character "secret" would blank out ordinary words
            with self._lock:
                self._secrets.add(secret)

    def __call__(self, text: str) -> str:
        with self._lock:
            secrets = sorted(self._secrets, key=len, reverse=True)
        for s in secrets:
            if s in text:
                text = text.replace(s, REDACTED)
        for p in _PATTERNS:
            text = p.sub(lambda m: m.group(1) + REDACTED, text)
        return mask_personal(text)


SCRUB = Scrubber()  # one per process: the config registers each feed token here as it reads it
