"""Small outlets served on loopback for the hostile-input tests: an RSS feed and its articles.

Each :class:`Outlet` gets its own 127.0.0.x address and a free port, so that ``allowed_domains``
separates outlets as on the web. An article is a plain news page (headline, date, paragraphs),
or any body a test hands over (a huge or pathological page).

Example::

    with serve_outlets([Outlet("alpha", pages)]) as outlets:
        registry = outlets.write_registry(tmp_path / "outlets.toml")
"""

from __future__ import annotations

import html
import re
import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

_FIRST_HOST = 60  # 127.0.0.60 onwards: clear of the sample outlets' 127.0.0.2-...


def hours_ago(hours: float) -> str:
    """An ISO 8601 time ``hours`` before now (inside the dedup window, as news is)."""
    return (datetime.now(UTC) - timedelta(hours=hours)).isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True)
class Page:
    """One article of an outlet: its slug and either its paragraphs or a whole body."""

    slug: str
    title: str = ""
    paragraphs: tuple[str, ...] = ()
    published: str = field(default_factory=lambda: hours_ago(3))
    body: bytes | None = None  # served as is instead of the rendered page


@dataclass(slots=True)
class Outlet:
    """An outlet to serve: its id and its articles, listed newest first in its feed."""

    id: str
    pages: Sequence[Page]
    base: str = ""
    gets: Counter[str] = field(default_factory=Counter)

    def url(self, page: Page) -> str:
        """The live URL of one of its articles."""
        return f"{self.base}/news/{page.slug}"


def render(page: Page) -> bytes:
    """A plain article page for ``page``."""
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in page.paragraphs)
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(page.title)}</title>"
        '<meta property="og:type" content="article">'
        f'<meta property="article:published_time" content="{page.published}">'
        '</head><body><header><a href="/">Home</a></header><main><article>'
        f'<h1>{html.escape(page.title)}</h1><time datetime="{page.published}">'
        f"{page.published[:10]}</time>{paragraphs}</article></main>"
        "<footer>Hostile test outlet</footer></body></html>"
    ).encode()


def _feed(outlet: Outlet) -> bytes:
    items = "".join(
        f"<item><title>{html.escape(p.title or p.slug)}</title><link>{outlet.url(p)}</link>"
        f"<guid>{outlet.url(p)}</guid><pubDate>{format_datetime(datetime.fromisoformat(p.published))}</pubDate></item>"
        for p in outlet.pages
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{outlet.id}</title><link>{outlet.base}/</link>{items}</channel></rss>"
    ).encode()


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, host: str, outlet: Outlet) -> None:
        super().__init__((host, 0), _Handler)
        self.outlet = outlet
        self.bodies = {
            f"/news/{p.slug}": p.body if p.body is not None else render(p) for p in outlet.pages
        }
        self.lock = threading.Lock()

    def handle_error(self, request: object, client_address: object) -> None:
        """Clients that hang up are normal in these tests."""


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        outlet = self.server.outlet
        with self.server.lock:
            outlet.gets[self.path] += 1
        if self.path == "/feed.xml":
            status, kind, body = 200, "application/rss+xml", _feed(outlet)
        elif self.path == "/robots.txt":
            status, kind, body = 200, "text/plain", b"User-agent: *\nAllow: /\n"
        elif self.path in self.server.bodies:
            status, kind, body = 200, "text/html; charset=utf-8", self.server.bodies[self.path]
        else:
            status, kind, body = 404, "text/html", b"<h1>not found</h1>"
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


class ServedOutlets:
    """The outlets being served, and the registry that points at them."""

    def __init__(self, outlets: Sequence[Outlet]) -> None:
        self.outlets = {o.id: o for o in outlets}

    def registry_toml(self) -> str:
        """An outlet registry of every served outlet."""
        blocks = []
        for outlet in self.outlets.values():
            host = outlet.base.split("//")[1].split(":")[0]
            pattern = "^" + re.escape(outlet.base) + r"/news/[a-z0-9-]+$"
            blocks.append(
                f'[[outlet]]\nid = "{outlet.id}"\nname = "{outlet.id}"\ncountry = "KG"\n'
                f'languages = ["en"]\nhomepage = "{outlet.base}/"\n'
                f"feeds = [\"{outlet.base}/feed.xml\"]\narticle_pattern = '{pattern}'\n"
                f'allowed_domains = ["{host}"]\n'
            )
        return "\n".join(blocks)

    def write_registry(self, path: Path) -> Path:
        """Write the registry to ``path``; returns it."""
        path.write_text(self.registry_toml(), encoding="utf-8")
        return path


@contextmanager
def serve_outlets(outlets: Sequence[Outlet]) -> Iterator[ServedOutlets]:
    """Serve ``outlets`` (each on its own loopback address) while the block runs."""
    servers: list[_Server] = []
    threads = []
    try:
        for i, outlet in enumerate(outlets):
            server = _Server(f"127.0.0.{_FIRST_HOST + i}", outlet)
            servers.append(server)
            host, port = server.server_address[:2]
            outlet.base = f"http://{host}:{port}"
            thread = threading.Thread(
                target=server.serve_forever, daemon=True, name=f"hostile-{outlet.id}"
            )
            thread.start()
            threads.append(thread)
        yield ServedOutlets(outlets)
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
        for thread in threads:
            thread.join(timeout=5)
