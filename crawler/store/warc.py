"""WARC files in and out: the records ``newsmon import`` reads and ``newsmon export`` writes.

Reading uses FastWARC (a C++ reader; ~4x warcio's records per second on the same gzip files,
see bench/warc_import.py): a record's URL and date are read from its WARC header first, and the
HTTP message is parsed only for the records the caller wants, which on a CC-NEWS file is a small
share. Content- and Transfer-Encoding are decoded as a live response's would be.

Writing is plain WARC 1.1: one gzip member per record (what warcio, pywb and Heritrix read).
"""

from __future__ import annotations

import gzip
import hashlib
import uuid
from base64 import b32encode
from collections.abc import Callable, Container, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO, Any

from fastwarc.warc import ArchiveIterator, WarcRecordType

from crawler.escape import warc_header

__all__ = ["WarcResponse", "export_warc", "read_warc", "response_record", "warcinfo_record"]

# Content types a page of an article is served as; a record of any other type is "not-html".
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_GZIP_MAGIC = b"\x1f\x8b\x08"
_SCAN_CHUNK = 1 << 20


@dataclass(slots=True)
class WarcResponse:
    """An HTTP response record of a WARC file, decoded as a live response would be."""

    url: str
    date: datetime  # WARC-Date: when the page was fetched
    status: int
    content_type: str | None
    body: bytes
    headers: list[tuple[str, str]] = field(default_factory=list)
    published: str | None = None  # PUBLISHED_HEADER: what the archive it came from knew


# A WARC header of the response records newsmon exports: the article's published time as the
# archive knew it (from the page, or from the feed or sitemap that listed it, which a WARC does
# not carry). An import takes it as the feed's time would be taken; other readers ignore it.
PUBLISHED_HEADER = "Newsmon-Published"


# The reasons of a record cut short: as a file's last record, the file ends inside it (a
# download cut off).
CUT_OFF = frozenset({"truncated-record", "truncated-gzip"})

# wanted(url, date) -> None to keep the record, else the reason it is left out.
Wanted = Callable[[str, datetime], "str | None"]


def read_warc(
    stream: IO[bytes], wanted: Wanted, *, start: int = 0
) -> Iterator[tuple[int, WarcResponse | str]]:
    """Read a WARC stream (gzip or plain): ``(index, response or reason)`` for every record.

    ``index`` counts every record of the file from 0; records before ``start`` are passed over
    unread (a resumed import). A record that is not a usable response yields the reason:
    ``warcinfo``/``request``/``metadata``/... (another record type), ``revisit`` (no payload),
    ``http-<status>``, ``bad-http-header``, ``not-html``, ``truncated-record`` (a body shorter
    than its length: the file ends inside it), or what ``wanted`` said. A gzip
    member that cannot be decompressed yields ``truncated-gzip``, a file that is not WARC at all
    ``not-warc``; in a seekable file the reading goes on at the next gzip member, in a stream it
    ends there.
    """
    index = 0
    base = stream.tell() if stream.seekable() else 0
    failing = False  # no record read since the last broken member
    while True:
        last_pos = None
        try:
            for record in ArchiveIterator(stream, parse_http=False, auto_decode="all"):
                last_pos = record.stream_pos
                outcome = _response(record, wanted) if index >= start else ""
                failing = False
                if index >= start:
                    yield index, outcome
                index += 1
            return
        except OSError:
            if not failing:  # a false gzip start found while passing the broken part is not
                yield index, _unreadable(stream, base, last_pos)  # a record of its own
                index += 1
            failing = True
            after = base + (last_pos + 1 if last_pos is not None else 1)
            resume = _next_gzip_member(stream, after) if stream.seekable() else None
            if resume is None:
                return
            stream.seek(resume)
            base = resume


def _unreadable(stream: IO[bytes], base: int, last_pos: int | None) -> str:
    """Why the part from ``base`` could not be read: ``not-warc`` when it is neither a gzip
    member nor any record (a wrong file), else ``truncated-gzip``."""
    if last_pos is not None or not stream.seekable():
        return "truncated-gzip"
    stream.seek(base)
    return "truncated-gzip" if stream.read(len(_GZIP_MAGIC)) == _GZIP_MAGIC else "not-warc"


def _next_gzip_member(stream: IO[bytes], after: int) -> int | None:
    """The offset of the first gzip member start at or after ``after``, or None. A false match
    inside compressed data (or the broken member itself) fails in turn and is passed."""
    stream.seek(after)
    seen = 0
    while True:
        chunk = stream.read(_SCAN_CHUNK)
        if not chunk:
            return None
        found = chunk.find(_GZIP_MAGIC)
        if found >= 0:
            return after + seen + found
        if len(chunk) < _SCAN_CHUNK:  # the end of the file: no member starts after ``after``
            return None
        seen += len(chunk) - 2  # a magic split over two chunks is found in the next
        stream.seek(after + seen)


def _response(record: object, wanted: Wanted) -> WarcResponse | str:
    """The response of one record, or the reason it is left out."""
    kind = record.record_type  # type: ignore[attr-defined]
    if kind == WarcRecordType.revisit:
        return "revisit"
    if kind != WarcRecordType.response:
        name = record.headers.get("WARC-Type") or "unknown"  # type: ignore[attr-defined]
        return name.strip().lower()[:20]
    url = (record.headers.get("WARC-Target-URI") or "").strip("<> ")  # type: ignore[attr-defined]
    date = record.record_date or datetime.now(UTC)  # type: ignore[attr-defined]
    reason = wanted(url, date)
    if reason:
        return reason
    record.parse_http()  # type: ignore[attr-defined]
    http = record.http_headers  # type: ignore[attr-defined]
    if http is None or http.status_code is None:
        return "bad-http-header"
    if http.status_code != 200:
        return f"http-{http.status_code}"
    content_type = http.get("Content-Type")
    if content_type and not content_type.split(";")[0].strip().lower().startswith(_HTML_TYPES):
        return "not-html"
    expected = record.content_length  # type: ignore[attr-defined]
    body = record.reader.read()  # type: ignore[attr-defined]
    encoded = http.get("Transfer-Encoding") or http.get("Content-Encoding")
    if not encoded and len(body) < expected:  # decoded bodies have another length
        return "truncated-record"
    return WarcResponse(
        url=url,
        date=date,
        status=http.status_code,
        content_type=content_type,
        body=body,
        headers=list(http.items()),
        published=record.headers.get(PUBLISHED_HEADER) or None,  # type: ignore[attr-defined]
    )


# -- writing ----------------------------------------------------------------------------------


def _warc_date(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _digest(data: bytes) -> str:
    return "sha1:" + b32encode(hashlib.sha1(data).digest()).decode("ascii")


def _record(headers: list[tuple[str, str]], block: bytes) -> bytes:
    """One WARC record as a gzip member."""
    lines = [
        "WARC/1.1",
        *(f"{name}: {value}" for name, value in headers),
        f"Content-Length: {len(block)}",
    ]
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")
    return gzip.compress(head + block + b"\r\n\r\n", compresslevel=6, mtime=0)


def warcinfo_record(software: str, when: datetime) -> bytes:
    """The warcinfo record that opens a file newsmon writes."""
    block = f"software: {warc_header(software)}\r\nformat: WARC File Format 1.1\r\n".encode()
    return _record(
        [
            ("WARC-Type", "warcinfo"),
            ("WARC-Date", _warc_date(when)),
            ("WARC-Record-ID", f"<urn:uuid:{uuid.uuid4()}>"),
            ("Content-Type", "application/warc-fields"),
        ],
        block,
    )


def response_record(
    url: str,
    fetched: datetime,
    body: bytes,
    headers: list[tuple[str, str]],
    status: str = "200 OK",
    published: str | None = None,
) -> bytes:
    """A WARC response record of one page: its URL, fetch time, HTTP headers and body, and the
    article's ``published`` time in ``PUBLISHED_HEADER`` when given.

    ``Content-Length`` of the HTTP message is set to the body's length (the body is stored
    decoded, so a ``Content-Encoding`` or ``Transfer-Encoding`` header would lie and is left
    out).
    """
    kept = [
        (warc_header(k), warc_header(v))
        for k, v in headers
        if k.lower() not in ("content-length", "content-encoding", "transfer-encoding")
    ]
    kept.append(("Content-Length", str(len(body))))
    http = (
        f"HTTP/1.1 {warc_header(status)}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in kept) + "\r\n"
    ).encode("latin-1", "replace")
    block = http + body
    return _record(
        [
            ("WARC-Type", "response"),
            ("WARC-Target-URI", warc_header(url)),
            ("WARC-Date", _warc_date(fetched)),
            ("WARC-Record-ID", f"<urn:uuid:{uuid.uuid4()}>"),
            ("WARC-Payload-Digest", _digest(body)),
            ("WARC-Block-Digest", _digest(block)),
            ("Content-Type", "application/http; msgtype=response"),
            *([(PUBLISHED_HEADER, warc_header(published))] if published else []),
        ],
        block,
    )


def export_warc(
    archive: Any,
    out: IO[bytes],
    *,
    since: str | None = None,
    outlets: Iterable[str] = (),
    only: Container[str] | None = None,
    software: str = "newsmon",
) -> int:
    """Write the archive's stored pages to ``out`` as WARC response records; returns how many.

    Each record has the page's URL as fetched, its fetch time and the HTTP headers the archive
    keeps, which is the Content-Type alone (the archive stores no other header); the status line
    is ``200 OK``, the status of every stored page; the article's published time goes in
    ``PUBLISHED_HEADER``. Articles whose HTML is not kept
    (``NEWSMON_KEEP_HTML=false``, or older than the retention) have no record. ``only``: the
    article ids to write (None: all of the period and outlets).
    """
    from crawler.times import parse_iso

    out.write(warcinfo_record(software, datetime.now(UTC)))
    count = 0
    for stored, html, content_type in archive.stored_pages(since=since, outlets=outlets):
        article = stored.article
        if only is not None and article.id not in only:
            continue
        fetched = parse_iso(article.fetched) or datetime.now(UTC)
        headers = [("Content-Type", content_type)] if content_type else []
        out.write(response_record(article.url, fetched, html, headers, published=article.published))
        count += 1
    return count
