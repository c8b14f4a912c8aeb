"""CAP 1.2 in, the sources: a watched folder (taken files go to done/ or rejected/ with the reason) and
Atom and RSS feeds served by a real http.server on 127.0.0.1 (links followed, inline alerts taken, each
entry once, only http(s) links, size limits); bad items are counted by reason and the rest go on."""

from __future__ import annotations

import http.server
import threading
from collections import Counter
from pathlib import Path

import pytest

from console.bridges.cap.book import CapIncidentBook
from console.bridges.cap.mapping import load_mapping
from console.bridges.cap.run import CapIngest
from console.bridges.cap.sources import FeedSource, FolderSource
from console.simulator.city_catalog import load_regions
from tests.bridges.cap_files import BILLION_LAUGHS, EXTERNAL_ENTITY, fixture


def ingest() -> CapIngest:
    return CapIngest(CapIncidentBook(load_mapping(), {r.code: r for r in load_regions()}))


@pytest.fixture
def site(tmp_path):
    """A folder served over HTTP on loopback: (folder, base URL)."""
    root = tmp_path / "www"
    root.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **kw):
            super().__init__(*a, directory=str(root), **kw)

        def log_message(self, *a):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    try:
        yield root, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def run(items, ing: CapIngest, now: float = 1_783_830_000.0):  # 2026-07-12 12:20 Shanghai
    events, reasons = [], Counter()
    for item in items:
        evs, refused = ing.ingest(item, now)
        events += evs
        if refused:
            reasons[refused.reason.value] += 1
    return events, reasons


def test_the_folder_takes_each_file_once_and_keeps_the_bad_ones_with_their_reason(tmp_path):
    inbox = tmp_path / "inbox"
    src = FolderSource(inbox)
    (inbox / "1.xml").write_bytes(fixture("rainstorm_red.xml"))
    (inbox / "2.cap").write_bytes(BILLION_LAUGHS)
    (inbox / "3.xml").write_bytes(EXTERNAL_ENTITY)
    (inbox / "4.xml").write_bytes(fixture("typhoon_blue.xml"))
    (inbox / "notes.txt").write_text("not an alert")
    ing = ingest()
    items = src.poll()
    assert [Path(i.origin).name for i in items] == ["1.xml", "2.cap", "3.xml", "4.xml"]
    events = []
    for item in items:  # as CapBridge.folder_round does
        evs, refused = ing.ingest(item, 1_783_819_800.0)
        events += evs
        src.settle(item, refused)
    reasons = ing.rejected
    assert len(events) == 2 and reasons == {"entity_declaration": 1, "external_entity": 1}
    assert sorted(p.name for p in (inbox / "done").iterdir()) == ["1.xml", "4.xml"]
    assert sorted(p.name for p in (inbox / "rejected").iterdir()) == ["2.cap", "2.cap.reason.txt", "3.xml",
                                                                        "3.xml.reason.txt"]
    assert src.poll() == []  # nothing is read twice
    assert (inbox / "notes.txt").exists()


def _atom(entries: str) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>上海市突发事件预警信息</title><id>urn:test:feed</id><updated>2026-07-12T11:30:00+08:00</updated>"
            f"{entries}</feed>").encode()


def _entry(eid: str, href: str, updated: str = "2026-07-12T09:30:00+08:00", inline: bytes = b"") -> str:
    body = f"<content type=\"application/xml\">{inline.decode().split('?>', 1)[-1]}</content>" if inline else ""
    link = f'<link rel="alternate" type="application/cap+xml" href="{href}"/>' if href else ""
    return f"<entry><id>{eid}</id><title>{eid}</title><updated>{updated}</updated>{link}{body}</entry>"


def test_an_atom_feed_links_and_inline_alerts_each_taken_once(site):
    root, base = site
    (root / "red.xml").write_bytes(fixture("rainstorm_red.xml"))
    (root / "upd.xml").write_bytes(fixture("rainstorm_orange_update.xml"))
    (root / "feed.xml").write_bytes(_atom(_entry("e1", "red.xml")))
    feed = FeedSource(f"{base}/feed.xml")
    ing = ingest()
    events, reasons = run(feed.poll(), ing)
    assert [(e.version, e.severity.value) for e in events] == [(1, "red")] and not reasons
    assert feed.poll() == []  # the same entry again: not taken
    (root / "feed.xml").write_bytes(_atom(_entry("e1", "red.xml") + _entry("e2", "upd.xml")
                                          + _entry("e3", "", inline=fixture("typhoon_blue.xml"))))
    events, reasons = run(feed.poll(), ing)
    assert sorted((e.version, e.severity.value, e.region) for e in events) == [(1, "blue", "310115"),
                                                                               (2, "orange", "310101")]


def test_an_rss_feed_and_bad_entries_do_not_stop_the_rest(site):
    root, base = site
    (root / "heat.xml").write_bytes(fixture("heat_yellow_street.xml"))
    (root / "bomb.xml").write_bytes(BILLION_LAUGHS)
    (root / "big.xml").write_bytes(b"<a>" + b" " * 5000 + b"</a>")
    items = "".join(f"<item><title>{n}</title><link>{base}/{n}</link><guid>{n}</guid></item>"
                    for n in ("bomb.xml", "missing.xml", "big.xml", "heat.xml"))
    items += "<item><title>local</title><link>file:///etc/passwd</link><guid>local</guid></item>"
    (root / "rss.xml").write_bytes(f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}'
                                   f"</channel></rss>".encode())
    feed = FeedSource(f"{base}/rss.xml", max_bytes=4096)
    events, reasons = run(feed.poll(), ingest(), now=1_784_516_400.0)
    assert [e.severity.value for e in events] == ["yellow"]
    assert reasons == {"entity_declaration": 1, "read_error": 2, "too_large": 1}  # missing + file://


def test_a_redirect_away_from_http_is_refused(tmp_path):
    class Away(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(302)
            self.send_header("Location", "ftp://192.0.2.1/alert.xml")
            self.end_headers()

        def log_message(self, *a):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Away)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        items = FeedSource(f"http://127.0.0.1:{server.server_address[1]}/feed.xml", timeout_s=3).poll()
    finally:
        server.shutdown()
        server.server_close()
    assert len(items) == 1 and items[0].refused.reason.value == "read_error"
    assert "http(s) only" in items[0].refused.detail


def test_a_feed_that_is_no_feed_or_is_down_is_a_counted_reason(site):
    root, base = site
    (root / "page.html").write_bytes(b"<html><body>hello</body></html>")
    ing = ingest()
    _, reasons = run(FeedSource(f"{base}/page.html").poll(), ing)
    assert reasons == {"not_a_feed": 1}
    _, reasons = run(FeedSource("http://127.0.0.1:9/feed.xml", timeout_s=2).poll(), ing)
    assert reasons == {"read_error": 1}
    assert dict(ing.rejected) == {"not_a_feed": 1, "read_error": 1}
