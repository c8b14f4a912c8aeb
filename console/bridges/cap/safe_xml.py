"""XML from outside, parsed safely: a size limit before a byte is parsed, and defusedxml's parser with
entity declarations (billion laughs), external entities (file or network reads) and document type
declarations refused. Nothing an alert legitimately needs is lost: CAP uses none of them.

Every refusal is a `Refused` with a reason from `Reason`, which the bridge counts; nothing here stops it.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from enum import StrEnum
from pathlib import Path
from typing import BinaryIO

from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import DefusedXMLParser

DEFAULT_MAX_BYTES = 2 << 20  # a CAP alert is a few KB; a feed index of hundreds of entries stays under it


class Reason(StrEnum):
    """Why an alert (or a feed) was refused: the keys of the bridge's reject counters."""

    TOO_LARGE = "too_large"
    DTD = "dtd"  # a document type declaration, even a harmless one
    ENTITY_DECLARATION = "entity_declaration"  # internal entities: the billion-laughs family
    EXTERNAL_ENTITY = "external_entity"  # SYSTEM/PUBLIC entities: file or network reads
    NOT_XML = "not_xml"
    NOT_CAP = "not_cap"  # well-formed, but not a CAP 1.2 <alert>
    SCHEMA = "schema"  # refused by the CAP 1.2 XSD
    BAD_CONTENT = "bad_content"  # valid by the schema, but unusable: a polygon that is no polygon, ...
    READ_ERROR = "read_error"  # a file that vanished, a feed that did not answer
    NOT_A_FEED = "not_a_feed"


class Refused(Exception):
    def __init__(self, reason: Reason, detail: str = ""):
        super().__init__(f"{reason.value}: {detail}" if detail else reason.value)
        self.reason = reason
        self.detail = detail[:300]


def read_limited(stream: BinaryIO, max_bytes: int) -> bytes:
    """At most `max_bytes` from a stream; one byte more means it is too large, and no more is read (a
    20 MB alert costs `max_bytes` of memory, not 20 MB)."""
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise Refused(Reason.TOO_LARGE, f"more than {max_bytes} bytes")
    return data


def read_file_limited(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    try:
        if path.stat().st_size > max_bytes:
            raise Refused(Reason.TOO_LARGE, f"{path.stat().st_size} bytes, the limit is {max_bytes}")
        with open(path, "rb") as f:
            return read_limited(f, max_bytes)
    except OSError as exc:
        raise Refused(Reason.READ_ERROR, f"{type(exc).__name__}: {exc.strerror or exc}") from None


class _Parser(DefusedXMLParser):
    """defusedxml's parser that tells entity attacks apart from a bare DOCTYPE: it lets the declaration
    start (so the entity declarations inside it are seen, and refused as what they are) and refuses the
    DOCTYPE itself when it ends."""

    def __init__(self) -> None:
        super().__init__(forbid_dtd=False, forbid_entities=True, forbid_external=True)
        self.parser.EndDoctypeDeclHandler = self._end_doctype

    @staticmethod
    def _end_doctype() -> None:
        raise DTDForbidden(None, None, None)


def parse_xml(data: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> ET.Element:
    """The root element of a document from outside, or `Refused`."""
    if len(data) > max_bytes:
        raise Refused(Reason.TOO_LARGE, f"{len(data)} bytes, the limit is {max_bytes}")
    parser = _Parser()
    try:
        parser.feed(data)
        return parser.close()
    except EntitiesForbidden as exc:
        if exc.sysid or exc.pubid:
            raise Refused(Reason.EXTERNAL_ENTITY, f"entity {exc.name!r} refers to {exc.sysid or exc.pubid!r}") from None
        raise Refused(Reason.ENTITY_DECLARATION, f"entity {exc.name!r} declared") from None
    except ExternalReferenceForbidden as exc:
        raise Refused(Reason.EXTERNAL_ENTITY, f"reference to {exc.sysid or exc.pubid!r}") from None
    except DTDForbidden:
        raise Refused(Reason.DTD, "a document type declaration") from None
    except ET.ParseError as exc:
        raise Refused(Reason.NOT_XML, str(exc)) from None
    except (ValueError, UnicodeError) as exc:  # an encoding expat does not know, a NUL, ...
        raise Refused(Reason.NOT_XML, f"{type(exc).__name__}: {exc}") from None


def parse_stream(stream: BinaryIO, max_bytes: int = DEFAULT_MAX_BYTES) -> ET.Element:
    return parse_xml(read_limited(stream, max_bytes), max_bytes)


def parse_text(text: str, max_bytes: int = DEFAULT_MAX_BYTES) -> ET.Element:
    return parse_stream(io.BytesIO(text.encode("utf-8")), max_bytes)
