"""URL canonicalisation and article ids."""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

# The longest URL newsmon requests or matches against a registry pattern: Scrapy's default
# URLLENGTH_LIMIT (browsers' old limit). Longer links are refused, not truncated.
MAX_URL_LENGTH = 2083

# Query parameters that only track the reader; they never select a different article.
_TRACKING_PREFIXES = ("utm_", "mc_", "pk_", "yclid", "_hs")
_TRACKING_NAMES = frozenset(
    {"fbclid", "gclid", "dclid", "msclkid", "igshid", "ref", "ref_src", "from", "share", "amp"}
)


def _is_tracking(name: str) -> bool:
    low = name.lower()
    return low in _TRACKING_NAMES or low.startswith(_TRACKING_PREFIXES)


def canonicalize(url: str) -> str:
    """Return the canonical form of an article URL.

    Lower-cased scheme and host, default port dropped, fragment dropped, tracking parameters
    (``utm_*``, ``fbclid``, ...) dropped and the remaining query sorted.

    >>> canonicalize("HTTPS://Example.com:443/a/b?utm_source=x&id=2#top")
    'https://example.com/a/b?id=2'
    """
    parts = urlsplit(url.strip())
    query = urlencode(
        [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)]
    )
    host = (parts.hostname or "").lower()
    port = parts.port
    default_port = {"http": 80, "https": 443}.get(parts.scheme.lower())
    netloc = host if port in (None, default_port) else f"{host}:{port}"
    cleaned = urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", query, ""))
    return canonicalize_url(cleaned, keep_fragments=False)


def idna_host(host: str) -> str:
    """The one form in which newsmon compares hosts: IDNA (punycode), lower case, no final dot.

    It is the form Scrapy's requests and :func:`canonicalize` give (w3lib encodes with Python's
    ``idna`` codec, as here), so a registry that names ``пример.рф`` matches the links found.

    >>> idna_host("Пример.РФ.")
    'xn--e1afmkfd.xn--p1ai'

    Raises:
        ValueError: the text is not a host name the IDNA codec can encode (an empty or
            over-long label).
    """
    name = host.strip().rstrip(".").lower()
    if name.isascii():
        return name
    try:
        return name.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise ValueError(f"{host!r} is not a host name IDNA can encode") from exc


def url_host(url: str) -> str | None:
    """The host of ``url`` in :func:`idna_host` form, or ``None`` for a URL without a usable
    host."""
    try:
        host = urlsplit(url).hostname
        return idna_host(host) if host else None
    except ValueError:
        return None


def url_port(url: str) -> int | None:
    """The port ``url`` connects to (its scheme's default when it names none), or ``None`` for
    a URL without a usable one."""
    try:
        parts = urlsplit(url)
        return parts.port or _DEFAULT_PORTS.get(parts.scheme.lower())
    except ValueError:  # a port that is no number, or out of range
        return None


_DEFAULT_PORTS = {"http": 80, "https": 443}


def article_id(canonical_url: str) -> str:
    """A stable article id: the first 16 hex digits of the SHA-256 of the canonical URL."""
    return hashlib.sha256(canonical_url.encode("utf-8")).hexdigest()[:16]
