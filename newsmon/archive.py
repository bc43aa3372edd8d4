"""A newsmon archive read from Python: articles and clusters as dicts or pandas DataFrames.

The queries are the reports' and the export's (``crawler.report``): the same filters, the same
Cluster records. Nothing here writes to the archive.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from crawler.errors import ConfigError
from crawler.report.query import (
    Filters,
    articles,
    check_outlets,
    period_bound,
    period_end,
    resolve,
)
from crawler.report.reports import ClusterQuery, cluster_records
from crawler.store.archive import Archive
from crawler.times import as_utc
from settings.registry import Outlet, load_registry


class ArchiveReader:
    """An archive opened read-only (:func:`newsmon.open_archive`); close it, or use ``with``.

    Every query takes the filters of ``newsmon report`` and ``newsmon export``: ``since`` and
    ``until`` (ISO times, durations before now such as ``"7d"``, or datetimes; ``until``
    excluded, but a bare day as ``until`` is included, as with ``--until``), ``outlets``
    (ids), ``countries`` (the registry's ISO codes), ``languages`` (ISO 639-1) and ``query``
    (words that must all occur in the title or text). A value that cannot be read (an unknown
    outlet, a language that is no code, a reversed period) raises ``ValueError``, one of the
    wrong type ``TypeError``.

    Example:
        >>> import newsmon
        >>> with newsmon.open_archive(EXAMPLE_DB) as archive:  # from `newsmon demo --db demo.db`
        ...     rows = archive.articles(languages=["en"])
        ...     stories = archive.clusters(min_size=2)
        >>> sorted(rows[0])[:4]
        ['authors', 'canonical_url', 'cluster', 'copy_of']
        >>> {"id", "size", "origin", "members"} <= set(stories[0])
        True
    """

    def __init__(self, path: str | Path, registry: Iterable[Outlet] | None = None) -> None:
        """Open the archive at ``path``; ``registry`` (default: the bundled outlets) maps
        ``countries`` to outlets and gives the outlet names."""
        self.path = str(path)
        if not Path(self.path).is_file():
            raise ConfigError(f"no archive at {self.path}")
        self._archive = Archive.open_reader(self.path)
        self._registry = list(registry) if registry is not None else None

    def close(self) -> None:
        """Close the archive."""
        self._archive.close()

    def __enter__(self) -> ArchiveReader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def articles(self, **filters: Any) -> list[dict[str, Any]]:
        """The Article records that match ``filters``, oldest first, as dicts."""
        resolved = resolve(self._filters(filters), self.registry)
        return [article.to_record() for article in articles(self._archive, resolved)]

    def clusters(
        self, *, min_size: int = 2, limit: int | None = None, **filters: Any
    ) -> list[dict[str, Any]]:
        """The Cluster records (``newsmon report clusters --format json``) that match,
        biggest first: ``id``, ``size``, ``outlets``, ``origin``, ``members`` (each with
        ``outlet``, ``time``, ``lag_seconds``, ``similarity``, ``copy_of``, ...).

        A cluster matches when one of its members is in the period and one matches the other
        filters. ``min_size`` and ``limit`` are at least 1 (``ValueError`` otherwise)."""
        for name, value in (("min_size", min_size), ("limit", limit)):
            if value is not None and value < 1:
                raise ValueError(f"{name}={value}: at least 1")
        f = self._filters(filters)
        query = ClusterQuery(
            since=f.since,
            until=f.until,
            outlets=f.outlets,
            countries=f.countries,
            languages=f.languages,
            query=f.query,
            min_size=min_size,
            limit=limit,
        )
        return cluster_records(self._archive, query, self.registry)

    def articles_frame(self, **filters: Any) -> Any:
        """:meth:`articles` as a pandas DataFrame (a row per article; needs pandas)."""
        return _pandas().DataFrame(self.articles(**filters))

    def clusters_frame(self, **filters: Any) -> Any:
        """:meth:`clusters` as a pandas DataFrame, a row per member (its cluster's ``cluster``,
        ``cluster_size``, ``origin`` and ``is_origin`` beside the member's fields; needs
        pandas)."""
        rows = [
            {
                "cluster": c["id"],
                "cluster_size": c["size"],
                "origin": c["origin"],
                "is_origin": m["id"] == c["origin"],
                **m,
            }
            for c in self.clusters(**filters)
            for m in c["members"]
        ]
        return _pandas().DataFrame(rows)

    @property
    def registry(self) -> list[Outlet]:
        """The outlet registry used for ``countries`` (loaded when first needed)."""
        if self._registry is None:
            self._registry = load_registry()
        return self._registry

    def _filters(self, given: dict[str, Any]) -> Filters:
        """``given`` as Filters, checked as the CLI checks its options.

        Raises:
            TypeError: an unknown filter, or a value of the wrong type.
            ValueError: a value that cannot be read: a time, a reversed period, a language
                or country that is no code, an outlet neither the registry nor the archive
                knows.
        """
        unknown = set(given) - {"since", "until", "outlets", "countries", "languages", "query"}
        if unknown:
            raise TypeError(f"unknown filter {', '.join(sorted(unknown))}")
        since, until = _bound("since", given.get("since")), _bound("until", given.get("until"))
        if since is not None and until is not None and since >= until:
            raise ValueError(f"since={since} is not before until={until}: no time is in it")
        lists = {k: _strings(k, given.get(k)) for k in ("outlets", "countries", "languages")}
        query = given.get("query")
        if isinstance(query, list | tuple):  # words given one by one
            query = " ".join(map(str, query))
        elif query is not None and not isinstance(query, str):
            raise TypeError(f"query must be words (a str or a list), not {type(query).__name__}")
        found = Filters(since=since, until=until, **lists, query=query)
        try:
            check_outlets(self._archive, found.outlets, self.registry)
            resolve(found, self.registry)
        except ConfigError as exc:
            raise ValueError(str(exc)) from None
        return found


def _strings(name: str, value: object) -> tuple[str, ...]:
    """A filter's list of ids or codes (one str is a list of one)."""
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, Iterable) or not all(isinstance(v, str) for v in items):
        raise TypeError(f"{name} must be a str or a list of str, not {value!r}")
    return tuple(items)


def _bound(name: str, value: object) -> str | None:
    """``since`` or ``until`` as a UTC ISO time: an ISO time or a duration before now (as the
    CLI reads them: a bare day as ``until`` includes that day), or a ``datetime`` (naive:
    UTC)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return as_utc(value).astimezone(UTC).isoformat(timespec="seconds")
    if not isinstance(value, str):
        raise TypeError(
            f"{name} must be an ISO time, a duration like '7d' or a datetime, not "
            f"{type(value).__name__}"
        )
    try:
        return period_end(value) if name == "until" else period_bound(value)
    except ValueError as exc:
        raise ValueError(f"{name}={value!r}: {exc}") from None


def _pandas() -> Any:
    try:
        import pandas
    except ImportError:
        raise ImportError("DataFrames need pandas: pip install 'newsmon[pandas]'") from None
    return pandas
