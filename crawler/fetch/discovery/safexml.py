"""Hardened XML reading for feeds and sitemaps: no entity expansion, no network, capped gzip.

Every XML body newsmon reads comes from the open web, so the parser is set up against the known
attacks:

- ``resolve_entities=False``: entities declared in a DTD are never substituted, so "billion
  laughs" and quadratic blow-up documents stay small and external entities (``SYSTEM
  "file:///etc/passwd"``) are never read. The references remain as inert entity nodes, which
  :func:`element_text` drops (HTML entity names such as ``&nbsp;`` are decoded instead);
- ``no_network=True`` and ``load_dtd=False``: no DTD or entity is fetched;
- ``huge_tree=False``: libxml2's limits on node depth and text size stay on;
- ``recover=True``: real feeds are often not well-formed (kun.uz's Russian feed), so
  libxml2 keeps what it can parse instead of giving up at the first error; :func:`repair` first
  fixes the commonest faults (bare ``&``, control characters) so that less is lost;
- libxml2's own guard against entity amplification stays on; a document that trips it is refused
  (:func:`check_limits`) rather than half-read;
- gzip bodies are inflated in chunks and refused beyond a size cap (a gzip bomb of a few kB
  inflates to gigabytes).
"""

from __future__ import annotations

import html
import re
import zlib
from typing import Any

from lxml import etree

from crawler.fetch.discovery.links import DiscoveryError, absolute_url

GZIP_MAGIC = b"\x1f\x8b"

# The sitemaps.org limit for one uncompressed sitemap; feeds are far smaller.
MAX_DECOMPRESSED_SIZE = 50 * 1024 * 1024

_INFLATE_CHUNK = 256 * 1024
_SNIFF_BYTES = 1024
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
_WIDE_STARTS = (b"\xff\xfe", b"\xfe\xff", b"\x00<", b"<\x00")  # UTF-16/32: not byte-repairable
# An ampersand that starts a predefined entity (group 1) or that starts no reference at all.
_AMPERSAND_RE = re.compile(
    rb"&(?:(amp|lt|gt|quot|apos);|(?!(?:[A-Za-z_][A-Za-z0-9._-]*|#[0-9]+|#x[0-9A-Fa-f]+);))"
)
_PREDEFINED_ENTITIES = {
    b"amp": b"&#38;",
    b"lt": b"&#60;",
    b"gt": b"&#62;",
    b"quot": b"&#34;",
    b"apos": b"&#39;",
}
_TAG_RE = re.compile(r"</?[A-Za-z][^>]*>")
_CONTROL_CHARS_RE = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_RESOURCE_LIMIT = "ERR_RESOURCE_LIMIT"

# Options of every XML parser here (lxml's XMLParser and iterparse take the same names).
PARSER_OPTIONS: dict[str, Any] = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "huge_tree": False,
    "recover": True,
    "remove_comments": True,
    "remove_pis": True,
    "collect_ids": False,
}


def xml_parser() -> etree.XMLParser:
    """A new hardened parser (lxml parsers must not be shared between threads)."""
    return etree.XMLParser(**PARSER_OPTIONS)


def repair(body: bytes) -> bytes:
    """The body with every ``&`` that is not a character reference turned into one.

    Bare ``&`` (invalid XML) becomes ``&#38;`` and the five predefined entities become their
    character references: once libxml2 has recovered from an error, it drops the predefined
    entity references that follow (``?a=1&amp;b=2`` would read ``?a=1b=2``) but keeps character
    references. XML-illegal control characters are dropped. Well-formed documents keep their
    meaning, except that CDATA text now holds ``&#38;`` literally; :func:`clean_text` and
    :func:`xml_link` decode it. UTF-16 and UTF-32 bodies are returned unchanged.
    """
    if body.lstrip(b" \t\r\n").startswith(_WIDE_STARTS):
        return body
    return _CONTROL_CHARS_RE.sub(b"", _AMPERSAND_RE.sub(_char_reference, body))


def _char_reference(match: re.Match[bytes]) -> bytes:
    return _PREDEFINED_ENTITIES[match[1]] if match[1] else b"&#38;"


def clean_text(text: str) -> str | None:
    """Plain text of a title: markup dropped, HTML entities decoded, white space collapsed."""
    plain = " ".join(html.unescape(_TAG_RE.sub(" ", text)).split())
    return plain or None


def xml_link(link: str | None, base_url: str) -> str | None:
    """A link read from XML text, made absolute (see
    :func:`~crawler.fetch.discovery.links.absolute_url`).

    A literal ``&amp;`` or ``&#38;`` (CDATA keeps entities as text; gazeta.uz does it, and
    :func:`repair` writes them) becomes ``&``; other entities are left alone, because a query may
    hold ``&copy=``.
    """
    if not link:
        return None
    return absolute_url(link.replace("&amp;", "&").replace("&#38;", "&"), base_url)


def check_limits(error_log: etree._ListErrorLog) -> None:
    """Refuse a document that tripped one of libxml2's resource limits (entity amplification).

    Raises:
        DiscoveryError: ``unparsable``, with libxml2's message.
    """
    for entry in error_log:
        if entry.type_name == _RESOURCE_LIMIT:
            raise DiscoveryError("unparsable", entry.message)


def inflate(body: bytes, max_size: int = MAX_DECOMPRESSED_SIZE) -> bytes:
    """The body, gunzipped if it starts with the gzip magic bytes, at most ``max_size`` bytes.

    Concatenated gzip members are joined; a truncated stream gives what was inflated so far.

    Raises:
        DiscoveryError: ``too-large`` past ``max_size``, ``bad-gzip`` for a corrupt stream.
    """
    if not body.startswith(GZIP_MAGIC):
        if len(body) > max_size:
            raise DiscoveryError("too-large", f"{len(body)} bytes, the limit is {max_size}")
        return body
    out = bytearray()
    data = body
    try:
        while data.startswith(GZIP_MAGIC):
            member = zlib.decompressobj(16 + zlib.MAX_WBITS)
            while not member.eof:
                chunk = member.decompress(data, _INFLATE_CHUNK)
                data = member.unconsumed_tail
                out += chunk
                if len(out) > max_size:
                    raise DiscoveryError("too-large", f"inflates past {max_size} bytes")
                if not chunk and not data:
                    break  # truncated download: keep what we have
            data = member.unused_data
    except zlib.error as exc:
        raise DiscoveryError("bad-gzip", str(exc)) from exc
    return bytes(out)


def strip_bom(body: bytes) -> bytes:
    """The body without a leading byte order mark and white space."""
    head = body.lstrip()
    for bom in _BOMS:
        if head.startswith(bom):
            return head[len(bom) :].lstrip()
    return head


def looks_like_html(body: bytes) -> bool:
    """True when the body starts like an HTML page (``<!DOCTYPE html>`` or ``<html``)."""
    head = strip_bom(body)[:_SNIFF_BYTES].lower()
    return head.startswith((b"<!doctype html", b"<html")) or (
        head.startswith(b"<!--") and b"<html" in head
    )


def local_name(tag: Any) -> str:
    """The tag without its namespace (``""`` for comments, entities and other non-elements)."""
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


def element_text(element: etree._Element) -> str:
    """All text inside ``element``, with undeclared HTML entity references decoded.

    Unknown entity references (what ``resolve_entities=False`` leaves in place of DTD entities)
    add nothing.
    """
    parts: list[str] = [element.text or ""]
    for child in element:
        if isinstance(child, etree._Entity):
            decoded = html.unescape(child.text)
            parts.append(decoded if decoded != child.text else "")
        elif isinstance(child.tag, str):
            parts.append(element_text(child))
        parts.append(child.tail or "")
    return "".join(parts)
