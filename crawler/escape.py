"""Escaping of what came from a page, one function per output format.

A page's title, authors, URL or body are attacker-controlled text. Every renderer (the reports'
table, CSV, Markdown, HTML and JSON, ``export`` and ``extract``) passes such text through the
function of its format here, and through nothing else:

- :func:`terminal`: C0/C1 control characters (ESC, BEL, CR, CSI...) and bidi overrides are shown
  as visible ``\\x1b``-style escapes, so a title cannot move the cursor, recolour the terminal,
  rewrite the line or reorder what the reader sees;
- :func:`csv_cell`: a cell that a spreadsheet would run as a formula (starting with ``=``, ``+``,
  ``-``, ``@``, tab or CR, as OWASP lists them) gets a leading ``'``; controls are escaped;
- :func:`markdown_text` and :func:`markdown_link`: Markdown and raw HTML syntax is
  backslash-escaped, and only ``http(s)`` URLs become links, percent-encoded so that a ``)`` or a
  space cannot end them;
- :func:`html_text` and :func:`html_href`: HTML-escaped text; only ``http(s)`` URLs go in an
  ``href``;
- :func:`data_text`: strings of typed data files (Parquet), controls made visible as on a
  terminal;
- :func:`json_text`: JSON output with C1 controls and bidi overrides written as ``\\uXXXX``
  (JSON itself escapes C0), which a JSON reader decodes back to the same string;
- :func:`warc_header`: a WARC or HTTP header value on one line (controls and line breaks become
  spaces), so a stored URL or Content-Type cannot end a header or a record of the file.
"""

from __future__ import annotations

import html
import re
from urllib.parse import quote, urlsplit

# C0 controls but tab and newline, DEL, C1 controls, and the bidi embeddings, overrides and
# isolates (U+202A-202E, U+2066-2069) that reorder text on screen ("Trojan Source").
_CONTROLS = "\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
_UNSAFE = re.compile(f"[{_CONTROLS}]")
_UNSAFE_OR_LINE_BREAK = re.compile(f"[{_CONTROLS}\n\t]")
# What a spreadsheet starts a formula with (OWASP "CSV Injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Markdown's inline syntax, and < > & so that raw HTML is shown as text.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>|~&])")
_LINK_SCHEMES = ("http", "https")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal(text: str, *, keep_newlines: bool = True) -> str:
    """``text`` safe to print on a terminal: controls and bidi overrides made visible.

    Newlines and tabs stay unless ``keep_newlines`` is false (a table row: both are escaped).

    Example:
        >>> terminal("Breaking\\x1b]0;pwned\\x07 news")
        'Breaking\\\\x1b]0;pwned\\\\x07 news'
    """
    pattern = _UNSAFE if keep_newlines else _UNSAFE_OR_LINE_BREAK
    return pattern.sub(_visible, text)


def csv_cell(value: object) -> object:
    """A CSV cell that no spreadsheet runs as a formula; numbers and None pass unchanged.

    Example:
        >>> csv_cell("=HYPERLINK(\\"http://evil.example\\")")
        '\\'=HYPERLINK("http://evil.example")'
    """
    if not isinstance(value, str):
        return value
    if value.startswith(_FORMULA_START):
        value = "'" + value
    return terminal(value)


def markdown_text(text: str) -> str:
    """``text`` as literal Markdown on one line: syntax and raw HTML escaped, controls visible.

    Example:
        >>> markdown_text("<img src=x onerror=alert(1)> [a](javascript:x)")
        '\\\\<img src=x onerror=alert\\\\(1\\\\)\\\\> \\\\[a\\\\]\\\\(javascript:x\\\\)'
    """
    one_line = " ".join(terminal(text).split())
    return _MARKDOWN_SPECIAL.sub(r"\\\1", one_line)


def markdown_link(text: str, url: str) -> str:
    """A Markdown link to ``url`` labelled ``text``; only ``http(s)`` URLs link, others are text.

    Characters that could end the link or start an attribute (``)``, ``(``, space, ``<``,
    ``>``, quotes) are percent-encoded in the URL.

    Example:
        >>> markdown_link("Story", "https://a.example/x)y")
        '[Story](https://a.example/x%29y)'
    """
    label = markdown_text(text)
    if not _linkable(url):
        return f"{label} ({markdown_text(url)})" if text != url else label
    return f"[{label}]({quote(url, safe=_URL_SAFE)})"


# Reserved and unreserved URL characters that cannot end a Markdown link destination; `%` stays
# so that an already-encoded URL is not encoded twice.
_URL_SAFE = ":/?#[]@!$&*+,;=-._~%"


def html_text(text: str) -> str:
    """``text`` HTML-escaped (quotes too), controls made visible."""
    return html.escape(terminal(text), quote=True)


def html_href(url: str) -> str | None:
    """``url`` escaped for an ``href`` attribute, or None when it is not an ``http(s)`` URL."""
    return html.escape(url, quote=True) if _linkable(url) else None


def data_text(text: str) -> str:
    """A string for a typed data file (Parquet): controls and bidi overrides made visible as in
    :func:`terminal`, newlines and tabs kept (a body keeps its paragraphs).

    Example:
        >>> data_text("Title\\u202e gnp.exe\\nsecond line")
        'Title\\\\u202e gnp.exe\\nsecond line'
    """
    return terminal(text)


def json_text(encoded: str) -> str:
    """JSON text (from ``json.dumps``) with C1 controls and bidi overrides as ``\\uXXXX``.

    Those characters occur only inside JSON strings, where the escape decodes to the same
    character, so the data is unchanged.
    """
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", encoded)


def _linkable(url: str) -> bool:
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in _LINK_SCHEMES and bool(parts.netloc) and not _UNSAFE.search(url)


_HEADER_BREAKS = re.compile(f"[{_CONTROLS}\n\t\r]+")


def warc_header(value: str) -> str:
    """``value`` as one header line of a WARC record: controls and line breaks become one
    space each run, surrounding spaces go.

    Example:
        >>> warc_header("text/html\\r\\nWARC-Type: revisit")
        'text/html WARC-Type: revisit'
    """
    return _HEADER_BREAKS.sub(" ", value).strip()
