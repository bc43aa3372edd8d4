"""``newsmon serve``: the analysts' web dashboard over an archive (``crawler.serve``)."""

from __future__ import annotations

import importlib.util
import ipaddress
import os
import socket
from datetime import datetime, tzinfo

import click

from crawler.commands.options import db_option, outlets_file_option
from crawler.commands.report import open_existing_archive

DEFAULT_PORT = 8080


@click.command("serve")
@db_option
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; another than loopback needs --token.",
)
@click.option("--port", type=click.IntRange(0, 65535), default=DEFAULT_PORT, show_default=True)
@click.option(
    "--tz",
    "tz_name",
    metavar="ZONE",
    default=None,
    help="Time zone the pages show times in, e.g. Asia/Almaty (default: this "
    "machine's). The data stays in UTC.",
)
@click.option(
    "--token",
    default=lambda: os.environ.get("NEWSMON_SERVE_TOKEN"),
    metavar="T",
    help="Access token the browser must bring (?token=T once, then a cookie) "
    "(env NEWSMON_SERVE_TOKEN).",
)
@outlets_file_option
@click.option(
    "--build-index",
    is_flag=True,
    help="Build the full-text search index into the archive and exit.",
)
def command(
    db: str,
    host: str,
    port: int,
    tz_name: str | None,
    token: str | None,
    outlets_file: str | None,
    build_index: bool,
) -> int:
    """Serve a read-only dashboard of the archive: stories, search, volume, outlets.

    The pages read the archive read-only. Search needs the FTS5 index: the first start on a
    writable archive builds it (minutes on millions of articles), and from then on the archive
    keeps it up to date itself; --build-index builds it alone.

    \b
    Example:
      newsmon serve --db news.db --tz Asia/Bishkek
      newsmon serve --db news.db --host 0.0.0.0 --token "$(openssl rand -hex 16)"
    """
    from crawler.errors import ConfigError

    missing = [
        name
        for name in ("starlette", "jinja2", "uvicorn")
        if importlib.util.find_spec(name) is None
    ]
    if missing:
        raise ConfigError(f"newsmon serve needs {', '.join(missing)}: pip install 'newsmon[serve]'")
    zone = _zone(tz_name)
    if not _is_loopback(host) and not token:
        raise ConfigError(
            f"--host {host} is reachable from other machines: give --token "
            "(or NEWSMON_SERVE_TOKEN) so that only those who have it can read"
        )
    if token and not (token.isascii() and token.isprintable() and " " not in token):
        # it travels in a cookie and a header: an "пароль" token could never be used
        raise ConfigError("the access token must be printable ASCII without spaces")
    with open_existing_archive(db):
        pass  # exists, is an archive of this schema version: refused here with one line
    indexed = _ensure_index(db, only=build_index)
    if build_index:
        return 0
    _run(db, host, port, zone, token, outlets_file, indexed)
    return 0


def _zone(name: str | None) -> tzinfo:
    """The named IANA zone, or this machine's local zone."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if not name:
        return _machine_zone()
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise click.BadParameter(
            f"unknown time zone {name!r} (e.g. Asia/Almaty, UTC)", param_hint="'--tz'"
        ) from None


def _machine_zone() -> tzinfo:
    """This machine's zone: ``TZ``, else the zone /etc/localtime links to (both with their
    daylight-saving rules), else today's fixed UTC offset."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    link = os.path.realpath("/etc/localtime")
    for key in (os.environ.get("TZ", "").lstrip(":"), link.partition("zoneinfo/")[2]):
        if key:
            try:
                return ZoneInfo(key)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return datetime.now().astimezone().tzinfo  # type: ignore[return-value]


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _ensure_index(db: str, *, only: bool) -> bool:
    """Build the search index if the archive lacks it; False when it cannot be built here."""
    from crawler.errors import StorageError
    from crawler.store.archive import Archive
    from crawler.store.search import build_search_index, has_search_index

    with Archive.open_reader(db) as reader:
        if has_search_index(reader.connection):
            if only:
                click.echo(f"{db} has its search index already", err=True)
            return True
    count = _count(db)
    click.echo(f"building the search index of {db} ({count:,} articles)...", err=True)
    try:
        with Archive(db) as archive:
            build_search_index(archive)
    except StorageError as exc:
        if only:
            raise
        click.echo(
            f"warning: {exc}; search is off (run `newsmon serve --build-index --db {db}` "
            "where the archive can be written)",
            err=True,
        )
        return False
    click.echo("search index built; the archive keeps it up to date from now on", err=True)
    return True


def _count(db: str) -> int:
    """How many articles the archive holds (read-only)."""
    from crawler.store.archive import Archive

    with Archive.open_reader(db) as reader:
        return reader.count_articles()


def _run(
    db: str,
    host: str,
    port: int,
    zone: tzinfo,
    token: str | None,
    outlets_file: str | None,
    indexed: bool,
) -> None:
    import uvicorn

    from crawler.serve.app import Config, create_app
    from settings.registry import load_registry

    country_of = {o.id: o.country for o in load_registry(outlets_file)}
    app = create_app(Config(db=db, zone=zone, token=token, country_of=country_of))
    shown = f"[{host}]" if ":" in host else host
    # listen first: the address announced is one this process holds (not another server's)
    listening = _listen(host, port, shown)
    click.echo(
        f"newsmon serve: http://{shown}:{port}/ over {db}, times in "
        f"{getattr(zone, 'key', zone)}{'' if indexed else ', search off'}; "
        "Ctrl-C stops",
        err=True,
    )
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning"))
    server.run(sockets=[listening])


def _listen(host: str, port: int, shown: str) -> socket.socket:
    """A socket bound to ``host``:``port`` and listening (``SO_REUSEADDR``, as uvicorn's own).

    Raises:
        ConfigError: the address is in use, not this machine's, or not allowed.
    """
    from crawler.errors import ConfigError

    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        listening = socket.socket(family, socket.SOCK_STREAM)
    except OSError as exc:
        raise ConfigError(f"cannot listen on {shown}:{port}: {exc.strerror or exc}") from None
    try:
        listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listening.bind((host, port))
        listening.listen(2048)
    except OSError as exc:
        listening.close()
        reason = (exc.strerror or str(exc)).lower()
        raise ConfigError(f"cannot listen on {shown}:{port}: {reason}") from None
    return listening
