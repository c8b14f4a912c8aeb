"""The CAP fixtures (tests/bridges/fixtures/cap: the OASIS appendix examples and our Chinese warnings)
and hostile documents made on the spot."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "cap"
OASIS = FIXTURES / "oasis"
CN = FIXTURES / "cn"


def fixture(name: str) -> bytes:
    for folder in (OASIS, CN):
        if (folder / name).exists():
            return (folder / name).read_bytes()
    raise FileNotFoundError(name)


BILLION_LAUGHS = (b'<?xml version="1.0"?>\n<!DOCTYPE alert [\n <!ENTITY lol "lol">\n'
                  + b"".join(b' <!ENTITY lol%d "%s">\n' % (k, (b"&lol%d;" % (k - 1) if k > 1 else b"&lol;") * 10)
                             for k in range(1, 10))
                  + b']>\n<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">'
                  + b"<identifier>&lol9;</identifier></alert>\n")

EXTERNAL_ENTITY = (b'<?xml version="1.0"?>\n<!DOCTYPE alert [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>\n'
                   b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&xxe;</identifier></alert>\n')


def huge_alert(path: Path, mb: int = 20) -> Path:
    """A CAP alert of `mb` MB (a description that never ends), written in pieces: the test's own memory
    stays flat too."""
    head, tail = fixture("a1_homeland_security.xml").split(b"<description>", 1)
    with open(path, "wb") as f:
        f.write(head + b"<description>")
        chunk = b"A" * (1 << 20)
        for _ in range(mb):
            f.write(chunk)
        f.write(b"</description>" + tail.split(b"</description>", 1)[1])
    return path
