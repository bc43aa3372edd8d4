"""The dashboard's ASGI app: Starlette routes rendering Jinja2 templates over a read-only archive.

Each request opens the archive with ``Archive.open_reader`` (``mode=ro``: this process never
writes it) and closes it when the page is made. Every value a template prints goes through
``crawler.escape.html_text`` (the environment's ``finalize``), on top of Jinja2's autoescape.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from crawler import escape
from crawler.errors import ConfigError
from crawler.report import COPY_LEGEND, ORIGIN_RULE, copy_label, format_lag
from crawler.report.evidence import shared_passages
from crawler.report.html import matrix_svg, timeline_svg
from crawler.report.queries import (
    MATCH_END,
    MATCH_START,
    SearchQuery,
    member_details,
    oldest_time,
    outlet_articles,
    outlet_ids,
    outlet_known,
    search_articles,
    volume,
)
from crawler.report.query import find_cluster
from crawler.report.reports import OutletQuery, cluster_record, cluster_records, outlet_report
from crawler.serve.charts import legend, volume_svg
from crawler.serve.filters import FilterError, Filters, read_filters
from crawler.store.archive import Archive

HERE = Path(__file__).parent
TOKEN_COOKIE = "newsmon_token"
MAX_EVIDENCE = 30  # members of a big cluster whose shared passages are shown


@dataclass(slots=True)
class Config:
    """What the app serves: the archive, the time zone, the access token, outlet countries."""

    db: str
    zone: tzinfo
    token: str | None = None
    country_of: dict[str, str] = field(default_factory=dict)


def create_app(config: Config) -> Starlette:
    """The dashboard over ``config.db`` (see :mod:`crawler.serve`)."""
    pages = _Pages(config)
    routes = [
        Route("/", pages.index),
        Route("/search", pages.search),
        Route("/cluster/{cluster_id}", pages.cluster),
        Route("/outlets", pages.outlets),
        Route("/outlet/{outlet}", pages.outlet),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    middleware = [Middleware(_TokenGate, token=config.token)] if config.token else []
    return Starlette(
        routes=routes, middleware=middleware, exception_handlers={404: pages.not_found}
    )


# Articles an outlet's page lists unless its URL asks for more (``limit``).
OUTLET_ARTICLES = 100


class _TokenGate(BaseHTTPMiddleware):
    """Every request needs the token: ``?token=`` (then kept in a cookie), a cookie, or an
    ``Authorization: Bearer`` header."""

    def __init__(self, app: Any, token: str) -> None:
        super().__init__(app)
        self.token = token

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        given = request.query_params.get("token")
        if given is not None and self._ok(given):
            url = request.url.remove_query_params("token")
            # a path of this site only: "//evil.example/" is another site's address
            path = "/" + str(url.path).lstrip("/\\")
            response = RedirectResponse(
                path + (f"?{url.query}" if url.query else ""), status_code=303
            )
            response.set_cookie(TOKEN_COOKIE, given, httponly=True, samesite="strict")
            return response
        header = request.headers.get("authorization", "")
        bearer = header[7:] if header.lower().startswith("bearer ") else ""
        if self._ok(request.cookies.get(TOKEN_COOKIE, "")) or self._ok(bearer):
            return await call_next(request)
        return HTMLResponse(
            "<!DOCTYPE html><title>newsmon</title><p>This dashboard needs its "
            "access token: open it with <code>?token=...</code>.</p>",
            status_code=401,
        )

    def _ok(self, given: str) -> bool:
        return bool(given) and hmac.compare_digest(given.encode(), self.token.encode())


class _Pages:
    """The page handlers (run in Starlette's thread pool: SQLite calls block)."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.env = _environment(config.zone)

    @contextmanager
    def _archive(self) -> Iterator[Archive]:
        with Archive.open_reader(self.config.db) as archive:
            yield archive

    def _render(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        html = self.env.get_template(template).render(zone=_zone_name(self.config.zone), **context)
        return HTMLResponse(
            html,
            status_code=status,
            headers={
                "Content-Security-Policy": _CSP,
                "X-Content-Type-Options": "nosniff",
                "Referrer-Policy": "no-referrer",
            },
        )

    def _filters(self, request: Request, archive: Archive) -> Filters:
        params: dict[str, list[str]] = {}
        for key, value in request.query_params.multi_items():
            params.setdefault(key, []).append(value)
        return read_filters(
            params,
            zone=self.config.zone,
            newest=archive.newest_time(),
            country_of=self.config.country_of,
        )

    def _shown_time(self, iso: str) -> str:
        """A UTC ISO time as the pages show times: in the dashboard's zone."""
        return _local(iso, self.config.zone, "%Y-%m-%d %H:%M")

    def _bad_filter(self, exc: FilterError) -> HTMLResponse:
        return self._render("error.html", status=400, message=str(exc))

    def _choices(self, archive: Archive) -> dict[str, list[str]]:
        outlets = outlet_ids(archive)
        countries = sorted({self.config.country_of.get(o, "?") for o in outlets} - {"?"})
        return {"outlets": outlets, "countries": countries}

    def index(self, request: Request) -> HTMLResponse:
        """Volume chart, then the clusters of the period, biggest first."""
        with self._archive() as archive:
            try:
                f = self._filters(request, archive)
            except FilterError as exc:
                return self._bad_filter(exc)
            groups = self.config.country_of if f.split == "country" else None
            vol = volume(
                archive,
                _chart_start(archive, f.since),
                f.until,
                zone=self.config.zone,
                outlets=f.chosen_outlets if (f.outlets or f.countries) else (),
                group_of=groups,
                hourly=f.step == "hour",
            )
            records = cluster_records(archive, f.cluster_query())
            return self._render(
                "index.html",
                f=f,
                records=records,
                chart=Markup(volume_svg(vol)),
                legend=legend(vol),
                articles=sum(map(sum, vol.series.values())),
                stories=sum(vol.clusters),
                **self._choices(archive),
            )

    def cluster(self, request: Request) -> HTMLResponse:
        """One cluster: timeline, members, and the passages each copy shares."""
        cluster_id = request.path_params["cluster_id"]
        with self._archive() as archive:
            # as `newsmon report cluster`: an alias, a member's article id, a unique prefix
            try:
                found = find_cluster(archive, cluster_id)
            except ConfigError as exc:  # a prefix of several clusters
                return self._render("error.html", status=400, message=str(exc))
            record = None if found is None else cluster_record(archive, found)
            if record is None:
                return self._render("error.html", status=404, message=f"no cluster {cluster_id}")
            details = member_details(archive, record["id"])
        by_id = {m["id"]: m for m in record["members"]}
        evidence = []
        for member in record["members"][1 : MAX_EVIDENCE + 1]:
            against = by_id.get(member["copy_of"] or "") or by_id[record["origin"]]
            left, right = shared_passages(
                details[against["id"]]["text"], details[member["id"]]["text"]
            )
            evidence.append({"member": member, "against": against, "left": left, "right": right})
        return self._render(
            "cluster.html",
            record=record,
            details=details,
            evidence=evidence,
            timeline=Markup(timeline_svg(record, self._shown_time)),
            origin_rule=ORIGIN_RULE,
            legend_text=COPY_LEGEND,
            more=max(record["size"] - 1 - MAX_EVIDENCE, 0),
        )

    def search(self, request: Request) -> HTMLResponse:
        """Full-text search over titles and bodies, most recently stored first, with marked
        snippets."""
        with self._archive() as archive:
            try:
                f = self._filters(request, archive)
            except FilterError as exc:
                return self._bad_filter(exc)
            explicit = bool(request.query_params.get("since") or request.query_params.get("until"))
            hits = (
                search_articles(
                    archive,
                    SearchQuery(
                        f.words,
                        since=f.since if explicit else None,
                        until=f.until if explicit else None,
                        outlets=f.chosen_outlets if (f.outlets or f.countries) else (),
                        limit=f.limit,
                    ),
                )
                if f.words
                else []
            )
            return self._render(
                "search.html", f=f, hits=hits, explicit=explicit, **self._choices(archive)
            )

    def outlets(self, request: Request) -> HTMLResponse:
        """Every outlet's health and copying over the period, and the copy matrix."""
        with self._archive() as archive:
            try:
                f = self._filters(request, archive)
            except FilterError as exc:
                return self._bad_filter(exc)
            report = outlet_report(
                archive, OutletQuery(since=f.since, until=_health_end(request, f))
            )
        return self._render(
            "outlets.html",
            f=f,
            report=report,
            matrix=Markup(matrix_svg(report["copy_matrix"])),
            country_of=self.config.country_of,
        )

    def outlet(self, request: Request) -> HTMLResponse:
        """One outlet: its volume, health, alarms, whom it copies and who copies it."""
        outlet = request.path_params["outlet"]
        with self._archive() as archive:
            try:
                f = self._filters(request, archive)
            except FilterError as exc:
                return self._bad_filter(exc)
            report = outlet_report(
                archive,
                OutletQuery(since=f.since, until=_health_end(request, f), outlets=(outlet,)),
            )
            row = report["outlets"][0]
            # the newest 100 unless the URL asks for more (the page's "show more")
            limit = f.limit if request.query_params.get("limit") else OUTLET_ARTICLES
            articles = outlet_articles(archive, outlet, f.since, f.until, limit)
            seen = articles or row["articles"] or row["runs"]
            if not seen and not outlet_known(archive, outlet):
                return self._render("error.html", status=404, message=f"no outlet {outlet}")
            vol = volume(
                archive,
                _chart_start(archive, f.since),
                f.until,
                zone=self.config.zone,
                outlets=(outlet,),
                hourly=f.step == "hour",
            )
        return self._render(
            "outlet.html",
            f=f,
            row=row,
            articles=articles,
            limit=limit,
            chart=Markup(volume_svg(vol)),
            country=self.config.country_of.get(outlet, "?"),
        )

    async def not_found(self, request: Request, exc: Exception) -> HTMLResponse:
        """Any unknown path."""
        return self._render("error.html", status=404, message="no such page")


def _chart_start(archive: Archive, since: str) -> str:
    """Where a volume chart starts: the period's start, or the oldest article when the period
    starts before it (``since=1980-01-01`` would draw decades of empty days)."""
    oldest = oldest_time(archive)
    return max(since, oldest) if oldest else since


def _health_end(request: Request, f: Filters) -> str | None:
    """The end of an outlet report: the period's, or none (now) when the URL gives no
    ``until``, so that the crawl runs since the newest article count too."""
    return f.until if request.query_params.get("until") else None


# Everything the pages load comes from this server; no inline script may run at all.
_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def _environment(zone: tzinfo) -> Environment:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["html"]),
        finalize=_finalize,
    )
    env.filters.update(
        {
            "localtime": lambda iso, fmt="%Y-%m-%d %H:%M": _local(iso, zone, fmt),
            "lastday": lambda iso: _local(_before(iso), zone, "%Y-%m-%d"),
            "lag": format_lag,
            "copy_label": copy_label,
            "href": _href,
            "marked": _marked,
            "pieces": _pieces,
            "percent": lambda v: "-" if v is None else f"{v:.0%}",
        }
    )
    return env


def _finalize(value: Any) -> Any:
    """Every printed string through :func:`crawler.escape.html_text` (Markup is already safe)."""
    if isinstance(value, Markup) or value is None:
        return "" if value is None else value
    if isinstance(value, str):
        return Markup(escape.html_text(value))
    return value


def _local(iso: str | None, zone: tzinfo, fmt: str) -> str:
    """A stored UTC ISO time shown in the server's time zone."""
    if not iso:
        return "-"
    try:
        return datetime.fromisoformat(iso).astimezone(zone).strftime(fmt)
    except ValueError:
        return iso


def _before(iso: str) -> str:
    """The second before an exclusive end (``until``): the last moment the period holds."""
    return (datetime.fromisoformat(iso) - timedelta(seconds=1)).isoformat()


def _zone_name(zone: tzinfo) -> str:
    return str(getattr(zone, "key", None) or datetime.now(zone).strftime("UTC%z"))


def _href(url: str | None) -> Markup | None:
    """An ``http(s)`` URL escaped for ``href``, or None (the template then shows no link)."""
    found = escape.html_href(url or "")
    return None if found is None else Markup(found)


def _marked(text: str | None) -> Markup:
    """FTS5 text with match marks: escaped, then each match wrapped in ``<mark>``."""
    safe = escape.html_text(text or "")
    return Markup(safe.replace(MATCH_START, "<mark>").replace(MATCH_END, "</mark>"))


def _pieces(pieces: list[tuple[str, bool]]) -> Markup:
    """A text cut into shared (marked) and own pieces, escaped."""
    return Markup(
        "".join(
            f"<mark>{escape.html_text(t)}</mark>" if shared else escape.html_text(t)
            for t, shared in pieces
        )
    )
