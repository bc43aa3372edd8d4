"""Decide the character encoding of a fetched HTML page and decode it.

The order is the HTML standard's, with checks against the bytes because regional servers often
declare the wrong charset:

1. a byte-order mark wins (UTF-8, UTF-16);
2. bytes that are valid UTF-8 and not plain ASCII are UTF-8, whatever is declared (a single-byte
   Cyrillic or Latin page is practically never valid UTF-8 by chance);
3. the HTTP ``Content-Type`` charset, then the ``<meta>`` charset of the first bytes; a Latin-1
   header (a server default) gives way to a different ``<meta>`` declaration;
4. single-byte Cyrillic (declared, or sniffed when the text looks Cyrillic) is checked against
   letter statistics, so a cp1251 page declared as koi8-r (or undeclared) still decodes right;
5. otherwise charset_normalizer's guess, then windows-1252.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# The HTML standard's label mapping for the labels Python's codecs do not know or map differently.
_ALIASES = {
    "latin1": "cp1252", "iso-8859-1": "cp1252", "iso8859-1": "cp1252", "ascii": "cp1252",
    "us-ascii": "cp1252", "windows-1252": "cp1252", "x-cp1251": "cp1251", "win-1251": "cp1251",
    "windows-1251": "cp1251", "koi8r": "koi8-r", "koi8": "koi8-r", "x-mac-cyrillic": "mac-cyrillic",
    "unicode-1-1-utf-8": "utf-8", "utf8": "utf-8", "windows-874": "cp874", "x-sjis": "shift_jis",
    # a <meta> cannot declare UTF-16 for bytes that were readable as ASCII up to it
    "utf-16": "utf-8", "utf-16le": "utf-8", "utf-16be": "utf-8", "ucs-2": "utf-8",
}  # fmt: skip
_LATIN = frozenset({"cp1252"})
_CYRILLIC = ("cp1251", "koi8-r", "cp866", "iso8859-5", "mac-cyrillic")
# How many leading bytes are searched for a <meta> charset (the HTML standard says 1024; CMS
# headers full of scripts push it further, so we look a little deeper).
META_PRESCAN_BYTES = 4096
# Share of high (non-ASCII) bytes that must sit next to another high byte for a page to look like
# single-byte Cyrillic: Russian words are high bytes throughout, West-European accents are isolated.
CYRILLIC_RUN_SHARE = 0.6
# Minimum high bytes before sniffing for Cyrillic at all.
CYRILLIC_MIN_HIGH_BYTES = 20

_CHARSET_IN_HEADER = re.compile(r"charset\s*=\s*[\"']?\s*([\w.:-]+)", re.I)
_META_CHARSET = re.compile(rb"<meta[^>]*?charset\s*=\s*[\"']?\s*([\w.:-]+)", re.I)
_CYR_LOWER = frozenset("абвгдеёжзийклмнопрстуфхцчшщъыьэюя")
_CYR_UPPER = frozenset("АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ")
# punctuation that cp1251 pages legitimately carry in their high half
_CYR_PUNCT = frozenset("«»—–№…„“”‘’•·\xa0")
_HIGH_RUN = re.compile(rb"[\x80-\xff]{2,}")
_HIGH = re.compile(rb"[\x80-\xff]")


@dataclass(frozen=True, slots=True)
class Decoded:
    """A decoded page: its text, the codec used and where that choice came from."""

    text: str
    encoding: str
    source: str  # "bom", "header", "meta", "utf-8", "sniffed" or "fallback"


def normalize_label(label: str | None) -> str | None:
    """Map an encoding label (``"Windows-1251"``, ``"koi8r"``) to a Python codec name, or None."""
    if not label:
        return None
    low = label.strip().strip("\"'").lower()
    low = _ALIASES.get(low, low)
    try:
        name = codecs.lookup(low).name
    except LookupError:
        return None
    return _ALIASES.get(name, name)


def header_charset(content_type: str | None) -> str | None:
    """The codec named by an HTTP Content-Type header value, or None."""
    if not content_type:
        return None
    match = _CHARSET_IN_HEADER.search(content_type)
    return normalize_label(match.group(1)) if match else None


def meta_charset(body: bytes) -> str | None:
    """The codec named by a ``<meta charset>`` or ``http-equiv`` tag in the first bytes, or None."""
    match = _META_CHARSET.search(body[:META_PRESCAN_BYTES])
    return normalize_label(match.group(1).decode("ascii", "ignore")) if match else None


def cyrillic_score(text: str) -> float:
    """How much a decoded text looks like Cyrillic prose.

    Lower-case letters dominate real text; upper-case ones count less, and symbols or box-drawing
    characters (what a wrong Cyrillic code page makes of letters) count against.
    """
    lower = sum(ch in _CYR_LOWER for ch in text)
    upper = sum(ch in _CYR_UPPER for ch in text)
    other = sum(not ch.isalpha() and ch not in _CYR_PUNCT for ch in text)
    return (lower + 0.5 * upper - 2 * other) / max(1, len(text))


def _looks_single_byte_cyrillic(body: bytes) -> bool:
    high = len(_HIGH.findall(body))
    if high < CYRILLIC_MIN_HIGH_BYTES:
        return False
    in_runs = sum(len(run) for run in _HIGH_RUN.findall(body))
    return in_runs / high >= CYRILLIC_RUN_SHARE


def _best_cyrillic(body: bytes) -> str:
    sample = bytes(b for b in body if b >= 0x80)
    return max(_CYRILLIC, key=lambda enc: cyrillic_score(sample.decode(enc, "replace")))


def _declared(body: bytes, content_type: str | None) -> tuple[str | None, str]:
    header, meta = header_charset(content_type), meta_charset(body)
    if header and not (header in _LATIN and meta and meta not in _LATIN):
        return header, "header"
    if meta:
        return meta, "meta"
    return None, ""


def decode_html(body: bytes, content_type: str | None = None) -> Decoded:
    """Decode HTML bytes, choosing the encoding as the module docstring describes.

    Never raises on undecodable bytes: the last resort replaces them.

    >>> decode_html("<p>Привет</p>".encode("cp1251")).encoding
    'cp1251'
    """
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return Decoded(body[len(bom) :].decode(encoding, "replace"), encoding, "bom")
    declared, source = _declared(body, content_type)
    if body.isascii():
        return Decoded(body.decode("ascii"), declared or "utf-8", source or "utf-8")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return Decoded(text, "utf-8", source if declared == "utf-8" else "utf-8")
    if declared == "utf-8":  # declared, but the bytes say otherwise
        declared, source = None, ""
    cyrillic_declared = declared in _CYRILLIC
    if cyrillic_declared or (declared in (None, *_LATIN) and _looks_single_byte_cyrillic(body)):
        encoding = _best_cyrillic(body)
        how = source if encoding == declared else "sniffed"
        return Decoded(body.decode(encoding, "replace"), encoding, how)
    if declared and declared != "utf-8":
        return Decoded(body.decode(declared, "replace"), declared, source)
    return _guess(body)


def _guess(body: bytes) -> Decoded:
    from charset_normalizer import from_bytes

    best = from_bytes(body[:65536]).best()
    encoding = normalize_label(best.encoding) if best is not None else None
    if encoding:
        return Decoded(body.decode(encoding, "replace"), encoding, "sniffed")
    return Decoded(body.decode("cp1252", "replace"), "cp1252", "fallback")
