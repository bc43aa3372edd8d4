"""Common Crawl's CC-NEWS archive: a month's WARC files, streamed over HTTP.

The layout (https://data.commoncrawl.org/crawl-data/CC-NEWS/): each month has a
``crawl-data/CC-NEWS/YYYY/MM/warc.paths.gz`` index, one path a line, of files named
``CC-NEWS-YYYYMMDDhhmmss-NNNNN.warc.gz`` after the time their first record was fetched.
"""

from __future__ import annotations

import gzip
import re
import urllib.error
import urllib.request
from datetime import UTC, datetime
from typing import Any

from crawler.run.warc_import import SourceError, WarcSource

__all__ = ["SourceError", "cc_news_sources", "month_paths"]

_NAME_TIME = re.compile(r"CC-NEWS-(\d{14})-\d+\.warc(\.gz)?$")
_TIMEOUT_S = 60.0


def _months(since: datetime, until: datetime) -> list[tuple[int, int]]:
    months, year, month = [], since.year, since.month
    while (year, month) <= (until.year, until.month):
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _open(url: str) -> object:
    """urlopen, with a failure as a SourceError (an HTTP error's response closed)."""
    try:
        return urllib.request.urlopen(url, timeout=_TIMEOUT_S)
    except urllib.error.HTTPError as exc:
        exc.close()
        raise SourceError(f"cannot fetch {url}: {exc}") from None
    except OSError as exc:
        raise SourceError(f"cannot fetch {url}: {exc}") from None


def _fetch(url: str) -> bytes:
    with _open(url) as response:  # type: ignore[attr-defined]
        try:
            return response.read()
        except Exception as exc:  # cut off, reset, timed out
            raise SourceError(f"cannot fetch {url}: {exc}") from None


def _file_time(path: str) -> datetime | None:
    match = _NAME_TIME.search(path)
    if not match:
        return None
    return datetime.strptime(match.group(1), "%Y%m%d%H%M%S").replace(tzinfo=UTC)


def month_paths(base_url: str, since: datetime, until: datetime) -> list[str]:
    """The WARC paths of CC-NEWS that may hold records fetched from ``since`` to ``until``.

    A file is kept when it starts before ``until`` and the next file starts after ``since``
    (its records may reach into the period); the import filters the records by WARC-Date.

    Raises:
        SourceError: an index cannot be fetched or read.
    """
    paths: list[tuple[datetime, str]] = []
    for year, month in _months(since, until):
        url = f"{base_url.rstrip('/')}/crawl-data/CC-NEWS/{year:04d}/{month:02d}/warc.paths.gz"
        try:
            text = gzip.decompress(_fetch(url)).decode("utf-8")
        except (OSError, EOFError, UnicodeDecodeError) as exc:
            raise SourceError(f"{url} is not a gzip list of WARC paths: {exc}") from None
        for line in text.splitlines():
            started = _file_time(line.strip())
            if started is not None:
                paths.append((started, line.strip()))
    paths.sort()
    kept = []
    for i, (started, path) in enumerate(paths):
        next_start = paths[i + 1][0] if i + 1 < len(paths) else None
        if started <= until and (next_start is None or next_start > since):
            kept.append(path)
    return kept


class _HttpStream:
    """A WARC file read over HTTP; a network failure or a cut-off body is a SourceError (so
    the file is not taken as read to its end)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._response: Any = _open(url)
        self._left = self._response.length  # None without a Content-Length

    def read(self, size: int = -1) -> bytes:
        try:
            data = self._response.read(size if size and size > 0 else None)
        except Exception as exc:  # http.client's IncompleteRead, resets, timeouts
            raise SourceError(f"{self.url}: cut off: {exc}") from None
        if self._left is not None:
            self._left -= len(data)
            if not data and self._left > 0:
                raise SourceError(f"{self.url}: cut off with {self._left} bytes to come")
        return data

    def seekable(self) -> bool:
        return False

    def tell(self) -> int:
        return 0

    def close(self) -> None:
        self._response.close()


def cc_news_sources(base_url: str, paths: list[str]) -> list[WarcSource]:
    """A source per CC-NEWS path; the path is its resume key (the same on every mirror)."""
    base = base_url.rstrip("/")

    def opener(path: str) -> object:
        return lambda: _HttpStream(f"{base}/{path.lstrip('/')}")

    return [
        WarcSource(name=path, key=path, open=opener(path))  # type: ignore[arg-type]
        for path in paths
    ]
