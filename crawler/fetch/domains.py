"""Every request of an outlet, after every redirect, stays inside the outlet's ``allowed_domains``.

Scrapy's own ``OffsiteMiddleware`` is no fence for newsmon: it lets through every request with
``dont_filter=True`` (the spider's feeds, sitemaps and sections) and every redirect of one (the
redirect keeps the flag), and it knows one list of domains per spider where newsmon has one per
outlet. :class:`OutletDomainMiddleware` takes its place (and its order, 50: before robots.txt,
so a refused host is not even asked for its robots.txt) and checks every request that reaches
the downloader. Redirects (HTTP 3xx: :class:`OutletRedirectMiddleware`; meta refresh:
``crawler.fetch.middlewares.HeadMetaRefreshMiddleware``) are checked where they are made, before
they are scheduled: a redirect to another outlet's article that reached the scheduler first would
take the place of that outlet's own request in Scrapy's duplicate filter.

A refusal is counted by the spider's ``count_refusal`` (per outlet, with the reason), and the
request ends in its errback, if it has one, with :class:`Refused` (an ``IgnoreRequest``).
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response

logger = logging.getLogger(__name__)

OFFSITE = "offsite"  # a request (from discovery) whose host is not the outlet's
OFFSITE_REDIRECT = "offsite-redirect"  # a redirect that leads off the outlet's domains


class Refused(IgnoreRequest):
    """A request newsmon will not send; ``reason`` is a short stats key."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"refused ({reason}): {detail}")
        self.reason = reason
        self.detail = detail


class OutletDomainMiddleware:
    """Refuse any request whose host is outside its outlet's ``allowed_domains``.

    The outlet is ``request.meta["outlet"]``; a request without one (robots.txt) that was
    redirected belongs to the outlet whose domains hold the URL it started from. Hosts are
    compared in IDNA form. ``dont_filter`` does not exempt a request.

    Counts ``offsite`` and ``offsite-redirect`` refusals (see :func:`check_request`).
    """

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> OutletDomainMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        check_request(self.crawler, request)


class OutletRedirectMiddleware(RedirectMiddleware):
    """Scrapy's ``RedirectMiddleware`` (same settings), whose redirects off the outlet's
    domains are refused before they are scheduled."""

    def process_response(self, request: Request, response: Response) -> Request | Response:
        result = super().process_response(request, response)
        if isinstance(result, Request):
            check_request(self.crawler, result)
        return result


def check_request(crawler: Any, request: Request) -> None:
    """Refuse ``request`` if its host is outside its outlet's ``allowed_domains``.

    Raises:
        Refused: ``offsite`` (a request discovery made) or ``offsite-redirect`` (a redirect),
            counted first by the spider's ``count_refusal`` (or, for a spider without one, in
            the stat ``newsmon/refused/<reason>``).
    """
    outlet = _outlet_of(crawler, request)
    if outlet is None or outlet.allows_host(request.url):
        return
    redirects = request.meta.get("redirect_urls")
    reason = OFFSITE_REDIRECT if redirects else OFFSITE
    count_refusal(crawler, outlet.id, reason, request.url)
    where = f" (redirected from {redirects[0]})" if redirects else ""
    detail = f"{request.url}{where} is outside outlet {outlet.id!r}'s allowed_domains"
    logger.warning("refused: %s", detail)
    raise Refused(reason, detail)


def count_refusal(crawler: Any, outlet: str | None, reason: str, url: str) -> None:
    """Count a refused request: by the spider's ``count_refusal`` (per outlet, with its URL in
    the run's failures), or, for a spider without one, in the stat
    ``newsmon/refused/<reason>``."""
    count = getattr(crawler.spider, "count_refusal", None)
    if count is not None and outlet is not None:
        count(outlet, reason, url)
    else:
        crawler.stats.inc_value(f"newsmon/refused/{reason}")


def _outlet_of(crawler: Any, request: Request) -> Any:
    """The request's outlet: its ``outlet`` meta, else (a redirected robots.txt) the outlet
    whose domains hold the URL it started from; None for a request of no outlet."""
    outlets = getattr(crawler.spider, "outlets", None) or {}
    outlet_id = request.meta.get("outlet")
    if outlet_id is not None:
        return outlets.get(outlet_id)
    redirects = request.meta.get("redirect_urls")
    if not redirects:
        return None
    return next((o for o in outlets.values() if o.allows_host(redirects[0])), None)
