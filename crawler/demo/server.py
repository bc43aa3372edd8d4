"""A local HTTP server for the bundled sample outlets (``newsmon demo`` and the test suite).

Every outlet gets its own loopback address (127.0.0.2, 127.0.0.3, ...; all of 127.0.0.0/8 is
loopback on Linux) and a free port, so that ``allowed_domains`` separates outlets as it does on the
web. Pages are rendered in memory at start; nothing is written to disk. Feeds and sitemaps answer
conditional requests (If-None-Match, If-Modified-Since) with 304. Tests add their own routes
(errors, redirects, slow or huge bodies, broken feeds) with ``SampleOutlets.add_route``.

Example::

    from crawler.demo.server import serve_sample_outlets

    with serve_sample_outlets() as sites:
        registry = sites.write_registry(tmp_path / "outlets.toml")
        ...  # crawl with --outlets registry, compare with sites.expected_clusters

``python -m crawler.demo.server`` serves them until Ctrl-C and prints the registry.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from email.message import Message
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from crawler.demo.content import SampleOutlet, load_expected, load_outlets
from crawler.demo.feeds import SITEMAP_INDEX
from crawler.demo.pages import STYLES, Site
from crawler.demo.site import Request, Response, Route, build_routes

__all__ = ["Request", "Response", "Route", "SampleOutlets", "serve_sample_outlets"]

_FIRST_HOST = 2  # outlet number i is served on 127.0.0.(i + 2); 127.0.0.1 is left alone


class _OutletServer(ThreadingHTTPServer):
    """The HTTP server of one outlet: a route table and a 404 page."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], *, verbose: bool) -> None:
        super().__init__(address, _Handler)
        self.routes: dict[str, Route] = {}
        self.not_found = Response(404)
        self.verbose = verbose
        self.gets: Counter[str] = Counter()  # GETs per path (query dropped), for tests
        self.conditional_gets: Counter[str] = Counter()  # those with a validator, per path
        self._count_lock = threading.Lock()

    def count_get(self, path: str, headers: Message) -> None:
        """Count one GET of ``path``, and whether it was conditional (``headers`` validate)."""
        conditional = "If-None-Match" in headers or "If-Modified-Since" in headers
        with self._count_lock:
            self.gets[urlsplit(path).path] += 1
            if conditional:
                self.conditional_gets[urlsplit(path).path] += 1

    def reset_counts(self) -> None:
        """Forget every counted GET."""
        with self._count_lock:
            self.gets.clear()
            self.conditional_gets.clear()

    def handle_error(self, request: object, client_address: object) -> None:
        """Report handler errors only when verbose (clients that hang up are normal in tests)."""
        if self.verbose:
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _OutletServer
    protocol_version = "HTTP/1.1"
    server_version = "newsmon-demo/1"

    def do_GET(self) -> None:
        self.server.count_get(self.path, self.headers)
        self._answer(send_body=True)

    def do_HEAD(self) -> None:
        self._answer(send_body=False)

    def _route(self) -> Response:
        routes = self.server.routes
        route = routes.get(self.path) or routes.get(urlsplit(self.path).path)
        if route is None:
            return self.server.not_found
        if isinstance(route, Response):
            return route
        return route(Request(self.command, self.path, dict(self.headers.items())))

    def _answer(self, *, send_body: bool) -> None:
        response = self._route()
        if response.delay:
            time.sleep(response.delay)
        status, body = response.status, response.body
        if status == 200 and _not_modified(self.headers, response.headers):
            status, body = 304, b""
        try:
            self.send_response(status)
            for name, value in response.headers.items():
                if status != 304 or name in ("ETag", "Last-Modified", "Cache-Control"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if send_body and body:
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:
        if self.server.verbose:
            super().log_message(format, *args)


def _not_modified(request: Message, headers: Mapping[str, str]) -> bool:
    """Whether a conditional GET can be answered with 304 (the ETag first, then the date)."""
    etag, modified = headers.get("ETag"), headers.get("Last-Modified")
    if_none_match = request.get("If-None-Match")
    if etag and if_none_match:
        tags = [t.strip() for t in if_none_match.split(",")]
        return etag in tags or "*" in tags
    if_modified_since = request.get("If-Modified-Since")
    if modified and if_modified_since:
        try:
            return parsedate_to_datetime(modified) <= parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):
            return False
    return False


def _toml_str(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _toml_list(items: Iterable[str]) -> str:
    return "[" + ", ".join(_toml_str(i) for i in items) + "]"


class SampleOutlets:
    """The sample outlets, served on local addresses while the object is open.

    Use ``serve_sample_outlets()`` rather than building one directly.

    Args:
        outlets: the outlets to serve.
        verbose: log every request and handler error to stderr.
    """

    def __init__(self, outlets: Sequence[SampleOutlet], *, verbose: bool = False) -> None:
        self._outlets = list(outlets)
        self._verbose = verbose
        self._servers: dict[str, _OutletServer] = {}
        self._sites: dict[str, Site] = {}
        self._threads: list[threading.Thread] = []

    # lifecycle -----------------------------------------------------------------------------------

    def start(self) -> None:
        """Bind every outlet to its address and a free port, render its pages, start serving."""
        every_id = [o.id for o in load_outlets()]
        for outlet in self._outlets:
            host = f"127.0.0.{_FIRST_HOST + every_id.index(outlet.id)}"
            try:
                server = _OutletServer((host, 0), verbose=self._verbose)
            except OSError:  # loopback aliases missing (e.g. macOS): share 127.0.0.1
                server = _OutletServer(("127.0.0.1", 0), verbose=self._verbose)
            self._servers[outlet.id] = server
            host, port = server.server_address[:2]
            site = Site(outlet, f"http://{host}:{port}", STYLES[outlet.template])
            self._sites[outlet.id] = site
            routes, server.not_found = build_routes(site)
            server.routes.update(routes)
        for outlet_id, server in self._servers.items():
            thread = threading.Thread(
                target=server.serve_forever, name=f"demo-{outlet_id}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def close(self) -> None:
        """Stop serving and release the ports."""
        for server in self._servers.values():
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._servers.clear()
        self._threads.clear()

    def __enter__(self) -> SampleOutlets:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # what the crawler and the tests need -------------------------------------------------------

    @property
    def outlet_ids(self) -> list[str]:
        """The ids of the served outlets."""
        return list(self._sites)

    def base_url(self, outlet_id: str) -> str:
        """The live base URL of an outlet, e.g. ``http://127.0.0.3:40123``."""
        return self._sites[outlet_id].base

    @property
    def article_urls(self) -> dict[str, str]:
        """Every served article's live URL by its key ``"outlet/slug"``."""
        return {
            a.key: site.article_url(a)
            for site in self._sites.values()
            for a in site.outlet.articles
        }

    @property
    def expected_clusters(self) -> list[list[str]]:
        """The designed multi-article groups as live article URLs, origin first.

        Groups are cut down to the served outlets; a group left with fewer than two members is
        dropped. Every other served article is expected to be a singleton.
        """
        urls = self.article_urls
        groups = [
            [urls[key] for key in group if key in urls] for group in load_expected()["clusters"]
        ]
        return [group for group in groups if len(group) > 1]

    def gets(self, outlet_id: str) -> Counter[str]:
        """How many GETs each path of an outlet has answered (query strings dropped)."""
        return self._servers[outlet_id].gets

    def article_gets(self) -> Counter[str]:
        """How many times each article was fetched, by its key ``"outlet/slug"``."""
        return Counter(
            {
                key: self._servers[key.split("/")[0]].gets[urlsplit(url).path]
                for key, url in self.article_urls.items()
            }
        )

    def conditional_gets(self, outlet_id: str) -> Counter[str]:
        """How many conditional GETs (If-None-Match or If-Modified-Since) each path answered."""
        return self._servers[outlet_id].conditional_gets

    def reset_counts(self) -> None:
        """Forget every counted GET."""
        for server in self._servers.values():
            server.reset_counts()

    def add_route(self, outlet_id: str, path: str, route: Route) -> None:
        """Serve ``route`` at ``path`` (query string included, if any) on an outlet's host.

        Replaces a built-in page at the same path. A route is a ``Response`` or a function of the
        ``Request`` that returns one.

        Example::

            sites.add_route("osh24", "/broken/", Response(500, {"Content-Type": "text/html"}))
            loop = sites.base_url("osh24") + "/loop"
            sites.add_route("osh24", "/loop", Response(302, {"Location": loop}))
        """
        self._servers[outlet_id].routes[path] = route

    @property
    def registry_toml(self) -> str:
        """An outlet registry (DESIGN.md's TOML format) pointing at the live servers."""
        blocks = ["# Outlet registry of newsmon's bundled sample outlets, served locally.\n"]
        for site in self._sites.values():
            outlet, style, base = site.outlet, site.style, site.base
            feeds = [base + outlet.feed] if outlet.discovery in ("rss", "atom") else []
            sitemaps = [base + SITEMAP_INDEX] if outlet.discovery == "sitemap" else []
            sections = (
                [base + root for root in style.roots.values()]
                if outlet.discovery == "sections"
                else []
            )
            pattern = "^" + re.escape(base) + style.article_regex + "$"
            host = urlsplit(base).hostname or ""
            blocks.append(
                "[[outlet]]\n"
                f"id = {_toml_str(outlet.id)}\n"
                f"name = {_toml_str(outlet.name)}\n"
                f"country = {_toml_str(outlet.country)}\n"
                f"languages = {_toml_list(outlet.languages)}\n"
                f"homepage = {_toml_str(base + style.first_root)}\n"
                f"feeds = {_toml_list(feeds)}\n"
                f"sitemaps = {_toml_list(sitemaps)}\n"
                f"sections = {_toml_list(sections)}\n"
                f"article_pattern = '{pattern}'\n"
                f"allowed_domains = {_toml_list([host])}\n"
                f"interval = {_toml_str(outlet.interval)}\n"
                "obey_robots = true\n"
            )
        return "\n".join(blocks)

    def write_registry(self, path: str | Path) -> Path:
        """Write ``registry_toml`` to ``path`` and return the path."""
        target = Path(path)
        target.write_text(self.registry_toml, encoding="utf-8")
        return target


@contextmanager
def serve_sample_outlets(
    outlets: Iterable[str] | None = None, *, verbose: bool = False
) -> Iterator[SampleOutlets]:
    """Serve the bundled sample outlets (all, or those named) while the block runs.

    Args:
        outlets: outlet ids to serve; all of them by default.
        verbose: log requests to stderr.

    Raises:
        ValueError: an unknown outlet id, naming the known ones.
    """
    every = load_outlets()
    if outlets is None:
        chosen = every
    else:
        wanted = list(outlets)
        known = {o.id for o in every}
        unknown = sorted(set(wanted) - known)
        if unknown:
            raise ValueError(
                f"unknown sample outlet(s) {', '.join(unknown)}; "
                f"expected some of {', '.join(sorted(known))}"
            )
        chosen = [o for o in every if o.id in wanted]
    sites = SampleOutlets(chosen, verbose=verbose)
    sites.start()
    try:
        yield sites
    finally:
        sites.close()


def main(argv: Sequence[str] | None = None) -> int:
    """Serve the sample outlets until interrupted; print the registry on stdout."""
    parser = argparse.ArgumentParser(
        prog="python -m crawler.demo.server",
        description="Serve newsmon's bundled sample outlets locally and print their registry.",
    )
    parser.add_argument(
        "--outlet", action="append", metavar="ID", help="serve only this outlet (repeatable)"
    )
    parser.add_argument(
        "--registry", type=Path, metavar="FILE", help="also write the registry to FILE"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)
    try:
        with serve_sample_outlets(args.outlet, verbose=args.verbose) as sites:
            print(sites.registry_toml, flush=True)
            if args.registry:
                sites.write_registry(args.registry)
            print(
                f"Serving {len(sites.outlet_ids)} sample outlets; press Ctrl-C to stop.",
                file=sys.stderr,
                flush=True,
            )
            threading.Event().wait()
    except ValueError as exc:
        parser.error(str(exc))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
