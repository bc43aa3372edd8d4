"""URL canonicalisation and article ids."""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

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
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                       if not _is_tracking(k)])
    host = (parts.hostname or "").lower()
    port = parts.port
    default_port = {"http": 80, "https": 443}.get(parts.scheme.lower())
    netloc = host if port in (None, default_port) else f"{host}:{port}"
    cleaned = urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", query, ""))
    return canonicalize_url(cleaned, keep_fragments=False)


def article_id(canonical_url: str) -> str:
    """A stable article id: the first 16 hex digits of the SHA-256 of the canonical URL."""
    return hashlib.sha256(canonical_url.encode("utf-8")).hexdigest()[:16]
