"""Where CAP alerts come from: a watched folder (an upper-level system, or a person, drops alert files
into it) and HTTP(S) feeds that index alerts (Atom or RSS 2.0 entries linking to, or holding, a CAP
document; the OASIS "CAP feeds" convention national systems use). Both read with a size limit and
hand over bytes or already-parsed elements; nothing here parses an alert. Blocking I/O: the bridge
calls these in a worker thread.
"""

from __future__ import annotations

import logging
import os
import ssl
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from console.bridges.cap.alert import CAP12_NS
from console.bridges.cap.safe_xml import DEFAULT_MAX_BYTES, Reason, Refused, parse_xml, read_file_limited, read_limited

log = logging.getLogger(__name__)

ATOM = "{http://www.w3.org/2005/Atom}"
SUFFIXES = (".xml", ".cap")


@dataclass
class Item:
    """One alert to ingest: its bytes (or the element a feed carried inline) or why it could not be read."""

    origin: str
    data: bytes | None = None
    element: ET.Element | None = None
    refused: Refused | None = None


# ---------------------------------------------------------------------- the folder
class FolderSource:
    """Alert files in `folder` (`*.xml`, `*.cap`; write elsewhere and rename in, so a half-written file
    is never taken). After ingesting, the bridge moves each file to `done/` or to `rejected/`, with
    `<name>.reason.txt` beside a rejected one: nothing is lost, nothing is read twice."""

    def __init__(self, folder: Path, max_bytes: int = DEFAULT_MAX_BYTES):
        self.folder = Path(folder)
        self.max_bytes = max_bytes
        self.done_dir = self.folder / "done"
        self.rejected_dir = self.folder / "rejected"
        for d in (self.folder, self.done_dir, self.rejected_dir):
            d.mkdir(parents=True, exist_ok=True)

    def poll(self) -> list[Item]:
        try:
            paths = sorted((p for p in self.folder.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES),
                           key=lambda p: (p.stat().st_mtime, p.name))
        except OSError as exc:
            log.warning("cannot list %s: %s", self.folder, exc)
            return []
        items = []
        for p in paths:
            try:
                items.append(Item(str(p), data=read_file_limited(p, self.max_bytes)))
            except Refused as exc:
                items.append(Item(str(p), refused=exc))
        return items

    def settle(self, item: Item, refused: Refused | None) -> None:
        src = Path(item.origin)
        dest_dir = self.rejected_dir if refused else self.done_dir
        dest = dest_dir / src.name
        if dest.exists():  # the same name again: keep both
            dest = dest_dir / f"{src.stem}.{os.getpid()}.{id(item)}{src.suffix}"
        try:
            os.replace(src, dest)
            if refused:
                dest.with_name(dest.name + ".reason.txt").write_text(f"{refused.reason.value}: {refused.detail}\n",
                                                                     encoding="utf-8")
        except OSError as exc:
            log.warning("cannot move %s aside: %s", src, exc)


# ---------------------------------------------------------------------- feeds
class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    """urllib follows a redirect to ftp:// too; a feed's server must not send us anywhere but http(s)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if urllib.parse.urlsplit(newurl).scheme.lower() not in ("http", "https"):
            raise urllib.error.URLError(f"redirect to {newurl[:100]!r} refused: http(s) only")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def fetch(url: str, max_bytes: int, timeout_s: float = 10.0, context: ssl.SSLContext | None = None) -> bytes:
    """GET `url` (http or https only: a feed must not make us read local files) with a size limit."""
    scheme = urllib.parse.urlsplit(url).scheme.lower()
    if scheme not in ("http", "https"):
        raise Refused(Reason.READ_ERROR, f"only http(s) links are followed, not {scheme or 'no scheme'}:")
    req = urllib.request.Request(url, headers={"Accept": "application/cap+xml, application/atom+xml, "
                                                         "application/rss+xml, application/xml;q=0.9, */*;q=0.5",
                                               "User-Agent": "cityops-cap-bridge"})
    try:
        opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=context), _HttpOnlyRedirects())
        with opener.open(req, timeout=timeout_s) as resp:
            length = resp.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise Refused(Reason.TOO_LARGE, f"{length} bytes announced, the limit is {max_bytes}")
            return read_limited(resp, max_bytes)
    except Refused:
        raise
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise Refused(Reason.READ_ERROR, f"{url[:200]}: {type(exc).__name__}: {exc}") from None


class FeedSource:
    """An Atom or RSS 2.0 index of alerts at `url`. Each poll reads the index and takes the entries it
    has not taken before (by id and updated time): a CAP alert inside the entry's content is used as it
    is, else the entry's link (Atom: the `application/cap+xml` one if any) is fetched."""

    def __init__(self, url: str, max_bytes: int = DEFAULT_MAX_BYTES, timeout_s: float = 10.0,
                 context: ssl.SSLContext | None = None, remember: int = 10_000):
        self.url = url
        self.max_bytes = max_bytes
        self.timeout_s = timeout_s
        self.context = context
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._remember = remember

    def poll(self) -> list[Item]:
        try:
            root = parse_xml(fetch(self.url, self.max_bytes, self.timeout_s, self.context), self.max_bytes)
        except Refused as exc:
            return [Item(self.url, refused=exc)]
        try:
            entries = list(_entries(root, self.url))
        except Refused as exc:
            return [Item(self.url, refused=exc)]
        items = []
        for key, link, inline in entries:
            if key in self._seen:
                continue
            origin = link or f"{self.url}#{key}"
            if inline is not None:
                items.append(Item(origin, element=inline))
            elif link:
                try:
                    items.append(Item(origin, data=fetch(link, self.max_bytes, self.timeout_s, self.context)))
                except Refused as exc:
                    items.append(Item(origin, refused=exc))
                    if exc.reason is Reason.READ_ERROR:
                        continue  # not remembered: the next poll tries again
            else:
                items.append(Item(origin, refused=Refused(Reason.NOT_A_FEED, "an entry with neither link nor alert")))
            self._seen[key] = None
            while len(self._seen) > self._remember:
                self._seen.popitem(last=False)
        return items


def _cap_inside(entry: ET.Element) -> ET.Element | None:
    return next(iter(entry.iter(f"{{{CAP12_NS}}}alert")), None)


def _entries(root: ET.Element, base: str):
    """(key, absolute link or None, inline alert or None) of each entry of an Atom feed or an RSS channel."""
    if root.tag == f"{ATOM}feed":
        for e in root.findall(f"{ATOM}entry"):
            eid = (e.findtext(f"{ATOM}id") or "").strip()
            updated = (e.findtext(f"{ATOM}updated") or "").strip()
            links = e.findall(f"{ATOM}link")
            cap = [x for x in links if (x.get("type") or "").startswith("application/cap+xml")]
            href = (cap or [x for x in links if x.get("rel", "alternate") == "alternate"] or links or [None])[0]
            link = urllib.parse.urljoin(base, href.get("href", "")) if href is not None and href.get("href") else None
            yield f"{eid or link}|{updated}", link, _cap_inside(e)
    elif root.tag == "rss":
        channel = root.find("channel")
        for e in channel.findall("item") if channel is not None else []:
            guid = (e.findtext("guid") or "").strip()
            link_text = (e.findtext("link") or "").strip()
            link = urllib.parse.urljoin(base, link_text) if link_text else None
            stamp = (e.findtext("pubDate") or "").strip()
            yield f"{guid or link}|{stamp}", link, _cap_inside(e)
    elif root.tag == f"{{{CAP12_NS}}}alert":
        ident = root.findtext(f"{{{CAP12_NS}}}identifier") or ""
        sent = root.findtext(f"{{{CAP12_NS}}}sent") or ""
        yield f"{base}|{ident}|{sent}", None, root  # a URL that serves one alert, not an index
    else:
        raise Refused(Reason.NOT_A_FEED, f"root element {root.tag[:100]!r} is neither Atom, RSS nor CAP")
