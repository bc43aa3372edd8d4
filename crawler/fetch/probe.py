"""Probing the registry: fetch every feed, sitemap and section page of each outlet once and say
whether the crawler could read it.

A source gets one of five statuses, from best to worst:

- ``ok``: parsed, with article links (the detail gives how many and the newest date);
- ``empty``: parsed, but no item, or no item that ``article_pattern`` accepts;
- ``invalid``: an answer that is not what the registry says it is (HTML instead of XML, a parse
  error, too large, a 404/410: the URL is wrong or gone);
- ``blocked``: 401, 403, 429 or 451, or a bot-protection challenge page served with 200;
- ``unreachable``: DNS failure, refused connection, timeout, TLS error, 5xx.

An outlet takes the worst status of its sources. Fetching (:func:`fetch`) is plain ``urllib`` in
a small thread pool, with a timeout, a size cap and newsmon's User-Agent; URLs are sent in their
ASCII form (IDNA host, percent-encoded path); a source off the outlet's ``allowed_domains`` is
not fetched, and a redirect off them is not followed (the source is ``invalid``: the crawl would
refuse it). Classifying an answer (:func:`classify`) is pure
and takes the bytes.
"""

from __future__ import annotations

import socket
import ssl
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

from w3lib.url import safe_url_string

from crawler.fetch.discovery.feeds import feed_entries
from crawler.fetch.discovery.links import DiscoveryError, LinkEntry, article_links, newest_first
from crawler.fetch.discovery.sections import section_links
from crawler.fetch.discovery.sitemaps import parse_sitemap
from settings import DOWNLOAD_MAXSIZE, USER_AGENT
from settings.registry import Outlet

STATUSES = ("ok", "empty", "invalid", "blocked", "unreachable")  # best to worst

PROBE_TIMEOUT_S = 15.0  # per request; a health check should not wait DOWNLOAD_TIMEOUT's 40 s
PROBE_WORKERS = 8  # concurrent requests; sources of one outlet are few, outlets are many
BLOCKED_HTTP = frozenset({401, 403, 429, 451})
GONE_HTTP = frozenset({404, 410})

# Bot-protection pages that answer 200 (or 503) with a challenge instead of the document.
_CHALLENGE_MARKERS = (
    b"cf-chl", b"challenge-platform", b"just a moment...", b"attention required! | cloudflare",
    b"ddos-guard", b"incapsula incident", b"sucuri website firewall", b"captcha",
)  # fmt: skip
_SNIFF_BYTES = 16384


@dataclass(frozen=True, slots=True)
class Answer:
    """What a server answered (any HTTP status), or why there was no answer (``error``)."""

    url: str
    status: int = 0
    body: bytes = b""
    content_type: str | None = None
    error: str | None = None
    refused: bool = False  # a redirect led off the outlet's allowed_domains (``error`` says where)


@dataclass(frozen=True, slots=True)
class SourceCheck:
    """The verdict on one feed, sitemap or section page."""

    kind: str  # feed, sitemap, section
    url: str
    status: str
    detail: str
    items: int | None = None
    articles: int | None = None
    newest: str | None = None


@dataclass(frozen=True, slots=True)
class OutletCheck:
    """The verdict on one outlet: the worst of its sources."""

    outlet: str
    sources: list[SourceCheck] = field(default_factory=list)

    @property
    def status(self) -> str:
        """The worst status among the sources (``invalid`` for an outlet without sources)."""
        if not self.sources:
            return "invalid"
        return max((s.status for s in self.sources), key=STATUSES.index)

    def to_record(self) -> dict[str, Any]:
        """JSON-ready form: outlet, status, sources (kind, url, status, detail, counts)."""
        return {
            "outlet": self.outlet,
            "status": self.status,
            "sources": [
                {
                    "kind": s.kind,
                    "url": s.url,
                    "status": s.status,
                    "detail": s.detail,
                    "items": s.items,
                    "articles": s.articles,
                    "newest": s.newest,
                }
                for s in self.sources
            ],
        }


Fetcher = Callable[[str], Answer]


class _OffsiteRedirect(urllib.error.URLError):
    """A redirect to a host the outlet does not allow."""

    def __init__(self, url: str) -> None:
        super().__init__(f"redirected to {url}, outside the outlet's allowed_domains")
        self.url = url


class _FencedRedirects(urllib.request.HTTPRedirectHandler):
    """urllib's redirect handler, refusing a redirect whose URL ``allows`` does not accept."""

    def __init__(self, allows: Callable[[str], bool]) -> None:
        self.allows = allows

    def redirect_request(
        self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str
    ) -> Any:
        if not self.allows(newurl):
            raise _OffsiteRedirect(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def fetch(
    url: str,
    *,
    timeout: float = PROBE_TIMEOUT_S,
    max_bytes: int = DOWNLOAD_MAXSIZE,
    allows_host: Callable[[str], bool] | None = None,
) -> Answer:
    """GET ``url`` with newsmon's User-Agent; never raises for network or HTTP errors.

    A body is read up to ``max_bytes + 1`` bytes, so a caller can tell that it was too large.
    With ``allows_host`` (an outlet's), a redirect to a URL it refuses is not followed: the
    answer is ``refused``.
    """
    handlers = [_FencedRedirects(allows_host)] if allows_host else []
    try:
        request = urllib.request.Request(
            safe_url_string(url), headers={"User-Agent": USER_AGENT, "Accept": "*/*"}
        )
        with urllib.request.build_opener(*handlers).open(request, timeout=timeout) as response:
            return Answer(
                response.geturl(),
                response.status,
                response.read(max_bytes + 1),
                response.headers.get("Content-Type"),
            )
    except urllib.error.HTTPError as exc:
        body = exc.read(_SNIFF_BYTES) if exc.fp else b""
        exc.close()
        return Answer(url, exc.code, body, exc.headers.get("Content-Type"))
    except _OffsiteRedirect as exc:
        return Answer(url, error=str(exc.reason), refused=True)
    except urllib.error.URLError as exc:
        return Answer(url, error=_network_reason(exc.reason, timeout))
    except (TimeoutError, OSError) as exc:
        return Answer(url, error=_network_reason(exc, timeout))
    except ValueError as exc:  # a URL urllib cannot send (UnicodeError is one)
        return Answer(url, error=f"not a URL that can be fetched: {exc}")


def _network_reason(reason: object, timeout: float) -> str:
    if isinstance(reason, TimeoutError | socket.timeout):
        return f"timed out after {timeout:g} s"
    if isinstance(reason, socket.gaierror):
        return f"DNS lookup failed ({reason.strerror})"
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    if isinstance(reason, ssl.SSLError):
        return f"TLS error ({reason.reason or reason})"
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror.lower()
    return str(reason)


def classify(
    outlet: Outlet, kind: str, answer: Answer, *, max_bytes: int = DOWNLOAD_MAXSIZE
) -> SourceCheck:
    """The verdict on one answer (pure: no I/O).

    Args:
        outlet: the outlet the source belongs to (its ``article_pattern`` counts articles).
        kind: ``feed``, ``sitemap`` or ``section``.
        answer: what the server said.
        max_bytes: the largest body the crawler accepts.
    """
    url = answer.url

    def verdict(status: str, detail: str, **counts: Any) -> SourceCheck:
        return SourceCheck(kind, url, status, detail, **counts)

    if answer.refused:
        return verdict("invalid", answer.error or "redirected off the outlet's allowed_domains")
    if answer.error:
        return verdict("unreachable", answer.error)
    if answer.status in BLOCKED_HTTP:
        return verdict("blocked", f"HTTP {answer.status}")
    if _is_challenge(answer.body):
        return verdict("blocked", f"HTTP {answer.status} with a bot-protection challenge page")
    if answer.status >= 500:
        return verdict("unreachable", f"HTTP {answer.status}")
    if answer.status in GONE_HTTP:
        return verdict("invalid", f"HTTP {answer.status}: the URL is wrong or gone")
    if answer.status >= 400:
        return verdict("invalid", f"HTTP {answer.status}")
    if len(answer.body) > max_bytes:
        return verdict("invalid", f"larger than {max_bytes} bytes")
    try:
        entries, label = _entries(kind, answer)
    except DiscoveryError as exc:
        if exc.reason == "empty":
            return verdict("empty", "empty body")
        return verdict("invalid", str(exc))
    if label == "sitemap index":
        status = "ok" if entries else "empty"
        return verdict(status, f"sitemap index of {len(entries)} sitemaps", items=len(entries))
    articles = article_links(entries, outlet)
    newest = next(
        (e.published or e.modified for e in newest_first(articles) if e.published or e.modified),
        None,
    )
    counts = {"items": len(entries), "articles": len(articles), "newest": newest}
    if not entries:
        return verdict("empty", f"{label} with no items", **counts)
    if not articles:
        return verdict(
            "empty", f"{label} with {len(entries)} links, none matches article_pattern", **counts
        )
    return verdict(
        "ok",
        f"{label} with {len(articles)} article links" + (f", newest {newest}" if newest else ""),
        **counts,
    )


def _entries(kind: str, answer: Answer) -> tuple[list[LinkEntry], str]:
    if kind == "feed":
        return feed_entries(answer.body, answer.url), "feed"
    if kind == "sitemap":
        sitemap = parse_sitemap(answer.body, answer.url)
        return sitemap.entries, ("sitemap index" if sitemap.kind == "index" else "sitemap")
    return section_links(answer.body, answer.url, answer.content_type), "section page"


def _is_challenge(body: bytes) -> bool:
    head = body[:_SNIFF_BYTES].lower()
    return head.lstrip().startswith((b"<!doctype html", b"<html")) and any(
        marker in head for marker in _CHALLENGE_MARKERS
    )


def check_outlets(
    outlets: Iterable[Outlet],
    *,
    fetcher: Fetcher | None = None,
    workers: int = PROBE_WORKERS,
    timeout: float = PROBE_TIMEOUT_S,
) -> list[OutletCheck]:
    """Probe every feed, sitemap and section page of ``outlets``, concurrently.

    Args:
        outlets: the outlets to check, in the order the result keeps.
        fetcher: ``url -> Answer``; when None, :func:`fetch` with ``timeout`` and each outlet's
            ``allows_host`` (no redirect off its domains).
        workers: how many requests run at once.
        timeout: seconds per request of the default fetcher.

    Example:
        >>> checks = check_outlets(load_registry("my-outlets.toml"))  # doctest: +SKIP
        >>> [(c.outlet, c.status) for c in checks]                  # doctest: +SKIP
        [('cabar', 'ok'), ('kun-uz', 'blocked')]
    """
    outlets = list(outlets)
    jobs = [
        (outlet, kind, url)
        for outlet in outlets
        for kind, urls in (
            ("feed", outlet.feeds),
            ("sitemap", outlet.sitemaps),
            ("section", outlet.sections),
        )
        for url in urls
    ]

    def get(job: tuple[Outlet, str, str]) -> Answer:
        outlet, _, url = job
        if not outlet.allows_host(url):  # the crawl refuses it: no need to ask the server
            host = urlsplit(url).hostname or url
            return Answer(
                url,
                error=f"offsite: {host} is not in allowed_domains, the crawl refuses it",
                refused=True,
            )
        if fetcher is not None:
            return fetcher(url)
        return fetch(url, timeout=timeout, allows_host=outlet.allows_host)

    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(jobs)))) as pool:
        answers = list(pool.map(get, jobs))
    checks = {outlet.id: OutletCheck(outlet.id) for outlet in outlets}
    for (outlet, kind, url), answer in zip(jobs, answers, strict=True):
        # the registry's URL, not the one a redirect led to, is what the analyst must fix
        check = classify(outlet, kind, answer)
        moved = answer.url not in (url, safe_url_string(url))
        detail = f"{check.detail} (via {answer.url})" if moved else check.detail
        checks[outlet.id].sources.append(replace(check, url=url, detail=detail))
    return list(checks.values())
