"""A local server of hostile outlets, beside good ones, for crawling them all in one run.

Good outlets are some of the bundled sample outlets (``crawler.demo.server``); every hostile
outlet is one row of :data:`HOSTILE`: its routes, its registry entry, and what a crawl must do
with it (how many articles it stores, what it refuses and why). Each is served on a loopback
address of its own (127.0.0.100 and up), or under a host name that the crawl's resolver
(:class:`tests.hostile.resolver.HostsResolver`) maps to that address. To add a hostile outlet,
add a row: a function that gives its routes and one that gives its registry keys, both from the
live :class:`Net`.

Example::

    with serve_hostile_outlets() as net:
        registry = net.write_registry(tmp_path / "outlets.toml")
        run_newsmon("crawl", "--outlets", str(registry), *net.crawl_settings(), ...)
"""

from __future__ import annotations

import json
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from crawler.demo.server import SampleOutlets, serve_sample_outlets
from crawler.demo.site import Request, Response, Route
from crawler.urls import MAX_URL_LENGTH, idna_host
from tests.hostile.pages import huge_listing, link_lines

GOOD_OUTLETS = ("stepnoy-vestnik", "silk-road-times")  # a feed outlet and a sitemap outlet
VICTIM = "stepnoy-vestnik"  # the good outlet whose article a hostile one redirects to
_FIRST_HOST = 100  # hostile outlet number i is served on 127.0.0.(100 + i)
# The huge page takes 1-3 CPU seconds to extract, the heavy one 6-16 (the machine's speed moves
# both, by as much as 2.5x between days), every other page far less: the budget sits between them
# with room either way.
EXTRACT_TIMEOUT_S = 6

# Invented words for invented articles (no real article's sentences).
_WORDS = (
    "river",
    "council",
    "harvest",
    "bridge",
    "market",
    "valley",
    "station",
    "festival",
    "archive",
    "orchard",
    "tunnel",
    "museum",
    "caravan",
    "garden",
    "workshop",
    "quarry",
    "lantern",
    "meadow",
    "school",
    "ferry",
    "library",
    "clinic",
    "stadium",
    "bakery",
)


# -- pages ----------------------------------------------------------------------------------


def article_page(title: str, seed: int) -> Response:
    """An invented news article: a headline and six paragraphs no other page shares."""
    paragraphs = []
    for p in range(6):
        words = [_WORDS[(seed * 7 + p * 5 + i * 3) % len(_WORDS)] for i in range(14)]
        sentence = (
            f"In the {words[0]} district the {words[1]} met on day {seed * 10 + p} to "
            f"discuss the {words[2]} and the {words[3]} near the {words[4]}, and "
            f"residents asked about the {words[5]}, the {words[6]} and the {words[7]}."
        )
        more = (
            f"Officials of the {words[8]} said the {words[9]} would open after the "
            f"{words[10]} season, while the {words[11]} stays closed until the "
            f"{words[12]} reopens beside the {words[13]} (item {seed}-{p})."
        )
        paragraphs.append(f"<p>{sentence} {more}</p>")
    body = (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>"
        f"</head><body><header><a href='/'>Home</a></header><main><article><h1>{title}</h1>"
        f"<time datetime='2026-11-{10 + seed % 18:02d}T08:00:00Z'>Nov 2026</time>"
        f"{''.join(paragraphs)}</article></main><footer>Invented outlet</footer></body></html>"
    )
    return Response(headers={"Content-Type": "text/html; charset=utf-8"}, body=body.encode())


def rss(links: list[str]) -> Response:
    """An RSS 2.0 feed listing ``links``."""
    items = "".join(
        f"<item><title>Story {n}</title><link>{_xml(link)}</link>"
        f"<pubDate>Tue, 10 Nov 2026 0{n % 10}:00:00 +0000</pubDate></item>"
        for n, link in enumerate(links)
    )
    body = (
        f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
        f"<title>Feed</title><link>http://example.invalid/</link>{items}</channel></rss>"
    )
    return Response(
        headers={"Content-Type": "application/rss+xml; charset=utf-8"}, body=body.encode()
    )


def sitemap_index(children: list[str]) -> Response:
    """A sitemap index listing ``children``."""
    entries = "".join(f"<sitemap><loc>{_xml(c)}</loc></sitemap>" for c in children)
    return _xml_response(
        "<sitemapindex xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
        f"{entries}</sitemapindex>"
    )


def urlset(links: list[str]) -> Response:
    """A sitemap listing ``links``."""
    entries = "".join(
        f"<url><loc>{_xml(link)}</loc><lastmod>2026-11-10</lastmod></url>" for link in links
    )
    return _xml_response(
        f"<urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>{entries}</urlset>"
    )


def redirect(location: str) -> Response:
    """A 302 to ``location``."""
    return Response(302, {"Location": location})


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;")


def _xml_response(document: str) -> Response:
    return Response(
        headers={"Content-Type": "application/xml; charset=utf-8"},
        body=("<?xml version='1.0' encoding='utf-8'?>" + document).encode(),
    )


# -- the table of hostile outlets ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Hostile:
    """One hostile outlet (or host) of the server and what a crawl must do with it.

    Args:
        id: the outlet id (and the key of its server).
        routes: its routes (path, query included, to a response), given the live :class:`Net`;
            a path ending in ``*`` serves every path that starts with what is before it.
        entry: its registry keys besides id, name, country and languages, given the Net
            (``homepage`` defaults to its base URL).
        stored: how many articles a crawl stores from it.
        refused: refusals a crawl must count for it, by reason.
        name: a host name to serve it under (mapped to its address for the crawl).
        listed: False for a host that is no outlet (not in the registry).
        never_asked: a crawl must send it no request at all.
        then: good outlets to crawl after it alone, into the same archive: they must still
            store every article of theirs (nothing taken from them).
        skipped: pages a crawl must skip for it, by extraction reason (with the crawl settings
            of :meth:`Net.crawl_settings`).
    """

    id: str
    routes: Callable[[Net], dict[str, Route]]
    entry: Callable[[Net], dict[str, Any]] = lambda net: {}
    stored: int = 0
    refused: Mapping[str, int] = field(default_factory=dict)
    name: str | None = None
    listed: bool = True
    never_asked: bool = False
    then: tuple[str, ...] = ()
    skipped: Mapping[str, int] = field(default_factory=dict)


def _pattern(net: Net, outlet_id: str, path_regex: str) -> str:
    return "^" + re.escape(net.base(outlet_id, ascii_host=True)) + path_regex + "$"


def _redirector(net: Net) -> dict[str, Route]:
    base = net.base("redirector")
    return {
        "/rss": rss([base + "/a/stolen", base + "/a/moved"]),
        "/a/stolen": redirect(net.victim_article),  # another outlet's story
        "/a/moved": redirect(base + "/a/moved-here"),  # its own: followed
        "/a/moved-here": article_page("A story that moved", 1),
    }


def _refresher(net: Net) -> dict[str, Route]:
    base = net.base("refresher")
    refresh = (
        f"<!doctype html><html><head><meta http-equiv='refresh' content='0; "
        f"url={net.victim_article}'></head><body>Moved</body></html>"
    )
    return {
        "/rss": rss([base + "/a/refresh"]),
        "/a/refresh": Response(
            headers={"Content-Type": "text/html; charset=utf-8"}, body=refresh.encode()
        ),
    }


def _robots_away(net: Net) -> dict[str, Route]:
    base = net.base("robots-away")
    return {
        "/robots.txt": redirect(net.base("internal") + "/robots.txt?token=s3cr3t"),
        "/rss": rss([base + "/n/1"]),
        "/n/1": article_page("Robots elsewhere", 9),
    }


def _leaky_index(net: Net) -> dict[str, Route]:
    base = net.base("leaky-index")
    secret = net.base("internal") + "/admin/export.xml?token=s3cr3t"
    return {
        "/sitemap.xml": sitemap_index([secret, base + "/news.xml"]),
        "/news.xml": urlset([base + "/n/1", base + "/n/2"]),
        "/n/1": article_page("Leaky index one", 2),
        "/n/2": article_page("Leaky index two", 3),
    }


def _self_index(net: Net) -> dict[str, Route]:
    base = net.base("self-index")
    return {
        "/sitemap.xml": sitemap_index([base + "/sitemap.xml", base + "/news.xml"]),
        "/news.xml": urlset([base + "/n/1", base + "/n/2"]),
        "/n/1": article_page("Self index one", 4),
        "/n/2": article_page("Self index two", 5),
    }


def _endless_index(net: Net) -> dict[str, Route]:
    base = net.base("endless-index")

    def chain(request: Request) -> Response:
        depth = int(re.sub(r"\D", "", request.path) or 0)
        return sitemap_index([f"{base}/s/{depth + 1}.xml"])

    return {"/s/*": chain}


def _wide_index(net: Net) -> dict[str, Route]:
    base = net.base("wide-index")
    return {
        "/root.xml": sitemap_index([f"{base}/i/{i}.xml" for i in range(20)]),
        "/i/*": lambda request: sitemap_index(
            [f"{base}/u{request.path}/{j}.xml" for j in range(20)]
        ),
        "/u/*": urlset([]),
    }


_REDOS_BAIT = "/u/" + "a" * 48 + "!"  # hours for a backtracking ([a-z0-9]+-?)+


def _redos(net: Net) -> dict[str, Route]:
    base = net.base("redos")
    too_long = "/u/" + "b" * MAX_URL_LENGTH
    return {
        "/rss": rss([base + _REDOS_BAIT, base + too_long, base + "/u/a-good-story/"]),
        "/u/a-good-story/": article_page("A good story among bait", 6),
    }


def _idn(net: Net) -> dict[str, Route]:
    base = net.base("idn")  # the Unicode spelling, as the outlet's feed writes it
    return {
        "/rss": rss([base + "/n/1", base + "/n/2"]),
        "/n/1": article_page("Unicode host one", 7),
        "/n/2": article_page("Unicode host two", 8),
    }


def _huge(net: Net) -> dict[str, Route]:
    base = net.base("huge")
    return {
        "/rss": rss([base + "/n/timetable", base + "/n/story"]),
        "/n/timetable": Response(
            headers={"Content-Type": "text/html; charset=utf-8"}, body=huge_listing()
        ),
        "/n/story": article_page("A story beside a huge page", 10),
    }


def _heavy(net: Net) -> dict[str, Route]:
    base = net.base("heavy")
    return {
        "/rss": rss([base + "/n/links", base + "/n/story"]),
        "/n/links": Response(
            headers={"Content-Type": "text/html; charset=utf-8"}, body=link_lines()
        ),
        "/n/story": article_page("A story beside a heavy page", 11),
    }


HOSTILE: tuple[Hostile, ...] = (
    Hostile(
        "redirector",
        _redirector,
        lambda net: {
            "feeds": [net.base("redirector") + "/rss"],
            "article_pattern": _pattern(net, "redirector", r"/a/[a-z-]+"),
        },
        stored=1,
        refused={"offsite-redirect": 1},
        then=(VICTIM,),
    ),
    Hostile(
        "refresher",
        _refresher,
        lambda net: {
            "feeds": [net.base("refresher") + "/rss"],
            "article_pattern": _pattern(net, "refresher", r"/a/[a-z-]+"),
        },
        refused={"offsite-redirect": 1},
        then=(VICTIM,),
    ),
    Hostile(
        "internal",
        lambda net: {"/*": Response(200, body=b"secret")},
        listed=False,
        never_asked=True,
    ),
    Hostile(
        "robots-away",
        _robots_away,
        lambda net: {
            "feeds": [net.base("robots-away") + "/rss"],
            "article_pattern": _pattern(net, "robots-away", r"/n/\d+"),
        },
        stored=1,
        refused={"offsite-redirect": 1},
    ),
    Hostile(
        "leaky-index",
        _leaky_index,
        lambda net: {
            "sitemaps": [net.base("leaky-index") + "/sitemap.xml"],
            "article_pattern": _pattern(net, "leaky-index", r"/n/\d+"),
        },
        stored=2,
        refused={"offsite": 1},
    ),
    Hostile(
        "self-index",
        _self_index,
        lambda net: {
            "sitemaps": [net.base("self-index") + "/sitemap.xml"],
            "article_pattern": _pattern(net, "self-index", r"/n/\d+"),
        },
        stored=2,
        refused={"sitemap-repeat": 1},
    ),
    Hostile(
        "endless-index",
        _endless_index,
        lambda net: {
            "sitemaps": [net.base("endless-index") + "/s/0.xml"],
            "article_pattern": _pattern(net, "endless-index", r"/n/\d+"),
        },
        refused={"sitemap-depth": 1},
    ),
    # 1 + 20 + 400 sitemaps listed; 100 requested (NEWSMON_SITEMAP_MAX_FILES), 321 refused
    Hostile(
        "wide-index",
        _wide_index,
        lambda net: {
            "sitemaps": [net.base("wide-index") + "/root.xml"],
            "article_pattern": _pattern(net, "wide-index", r"/n/\d+"),
        },
        refused={"sitemap-limit": 321},
    ),
    Hostile(
        "redos",
        _redos,
        lambda net: {
            "feeds": [net.base("redos") + "/rss"],
            "article_pattern": _pattern(net, "redos", r"/u/([a-z0-9]+-?)+/?"),
        },
        stored=1,
        refused={"url-too-long": 1},
    ),
    Hostile(
        "idn",
        _idn,
        lambda net: {
            "feeds": [net.base("idn") + "/rss"],
            "article_pattern": _pattern(net, "idn", r"/n/\d+"),
        },
        stored=2,
        name="пример.рф",
    ),
    # more lines than an index record counts: stored, clustered, nothing stops
    Hostile(
        "huge",
        _huge,
        lambda net: {
            "feeds": [net.base("huge") + "/rss"],
            "article_pattern": _pattern(net, "huge", r"/n/[a-z]+"),
        },
        stored=2,
    ),
    # seconds of extraction CPU: skipped at the per-page budget, its worker replaced
    Hostile(
        "heavy",
        _heavy,
        lambda net: {
            "feeds": [net.base("heavy") + "/rss"],
            "article_pattern": _pattern(net, "heavy", r"/n/[a-z]+"),
        },
        stored=1,
        skipped={"extraction-timeout": 1},
    ),
)


# -- serving --------------------------------------------------------------------------------


class _HostServer(ThreadingHTTPServer):
    """One host: a route table (exact paths, then ``prefix*`` routes) and a count of GETs."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int]) -> None:
        super().__init__(address, _Handler)
        self.routes: dict[str, Route] = {}
        self.gets: Counter[str] = Counter()
        self._lock = threading.Lock()

    def route(self, path: str) -> Route | None:
        if path in self.routes:
            return self.routes[path]
        bare = urlsplit(path).path
        if bare in self.routes:
            return self.routes[bare]
        prefixes = [p for p in self.routes if p.endswith("*") and bare.startswith(p[:-1])]
        return self.routes[max(prefixes, key=len)] if prefixes else None

    def count(self, path: str) -> None:
        with self._lock:
            self.gets[path] += 1

    def handle_error(self, request: object, client_address: object) -> None:
        """Clients that hang up are normal here."""


class _Handler(BaseHTTPRequestHandler):
    server: _HostServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self.server.count(self.path)
        route = self.server.route(self.path)
        if route is None:
            response = Response(404, {"Content-Type": "text/plain"}, b"not found")
        elif isinstance(route, Response):
            response = route
        else:
            response = route(Request("GET", self.path, dict(self.headers.items())))
        try:
            self.send_response(response.status)
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            self.wfile.write(response.body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


class Net:
    """The good sample outlets and the hostile ones, served together while open."""

    def __init__(self, samples: SampleOutlets, hostile: tuple[Hostile, ...]) -> None:
        self.samples = samples
        self.hostile = {h.id: h for h in hostile}
        self.servers: dict[str, _HostServer] = {}
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        """Bind every hostile host to its address, build its routes, serve."""
        for number, outlet in enumerate(self.hostile.values()):
            try:
                server = _HostServer((f"127.0.0.{_FIRST_HOST + number}", 0))
            except OSError:  # loopback aliases missing (e.g. macOS): share 127.0.0.1
                server = _HostServer(("127.0.0.1", 0))
            self.servers[outlet.id] = server
        for outlet in self.hostile.values():
            self.servers[outlet.id].routes.update(outlet.routes(self))
        for outlet_id, server in self.servers.items():
            thread = threading.Thread(
                target=server.serve_forever, daemon=True, name=f"hostile-{outlet_id}"
            )
            thread.start()
            self._threads.append(thread)

    def close(self) -> None:
        """Stop serving."""
        for server in self.servers.values():
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)

    def base(self, outlet_id: str, *, ascii_host: bool = False) -> str:
        """The base URL of a hostile outlet (its name's Unicode spelling, or IDNA form)."""
        address, port = self.servers[outlet_id].server_address[:2]
        name = self.hostile[outlet_id].name
        host = (idna_host(name) if ascii_host else name) if name else address
        return f"http://{host}:{port}"

    @property
    def victim_article(self) -> str:
        """The URL of the good outlet's article that the redirector points at."""
        return next(
            url
            for key, url in sorted(self.samples.article_urls.items())
            if key.startswith(VICTIM + "/")
        )

    @property
    def hosts(self) -> dict[str, str]:
        """Host names (IDNA form) to the addresses the crawl must resolve them to."""
        return {
            idna_host(h.name): str(self.servers[h.id].server_address[0])
            for h in self.hostile.values()
            if h.name
        }

    def gets(self, outlet_id: str) -> Counter[str]:
        """The GETs a hostile host answered, by path (query included)."""
        return self.servers[outlet_id].gets

    def crawl_settings(self) -> list[str]:
        """``-s`` options that make a crawl resolve the hostile host names locally, with a
        per-page extraction budget (CPU seconds) that the heavy page exceeds many times over and
        the others stay far under."""
        return [
            "-s",
            "DNS_RESOLVER=tests.hostile.resolver.HostsResolver",
            "-s",
            "HOSTILE_HOSTS=" + json.dumps(self.hosts),
            "-s",
            f"NEWSMON_EXTRACT_TIMEOUT={EXTRACT_TIMEOUT_S}",
        ]

    @property
    def registry_toml(self) -> str:
        """The registry: the good sample outlets, then every listed hostile outlet."""
        blocks = [self.samples.registry_toml]
        for outlet in self.hostile.values():
            if outlet.listed:
                keys = {"homepage": self.base(outlet.id) + "/", **outlet.entry(self)}
                blocks.append(_entry_toml(outlet.id, keys))
        return "\n".join(blocks)

    def write_registry(self, path: str | Path) -> Path:
        """Write ``registry_toml`` to ``path`` and return the path."""
        target = Path(path)
        target.write_text(self.registry_toml, encoding="utf-8")
        return target


def _entry_toml(outlet_id: str, keys: Mapping[str, Any]) -> str:
    lines = [
        "[[outlet]]",
        f"id = {json.dumps(outlet_id)}",
        f'name = "Hostile {outlet_id}"',
        'country = "KZ"',
        'languages = ["en"]',
    ]
    for key, value in keys.items():
        text = f"'{value}'" if key.endswith("_pattern") else json.dumps(value, ensure_ascii=False)
        lines.append(f"{key} = {text}")
    return "\n".join(lines) + "\n"


@contextmanager
def serve_hostile_outlets(hostile: tuple[Hostile, ...] = HOSTILE) -> Iterator[Net]:
    """Serve the good sample outlets and the hostile ones while the block runs."""
    with serve_sample_outlets(GOOD_OUTLETS) as samples:
        net = Net(samples, hostile)
        net.start()
        try:
            yield net
        finally:
            net.close()
