"""Article records written out for researchers: JSON lines, CSV, Parquet, or a JSON file each.

:data:`WRITERS` maps each ``newsmon export --format`` to a function that writes Articles to a
binary stream; a new format is one more function and one more entry. Every string that came
from a page goes through :mod:`crawler.escape` (the function of its format).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Callable, Iterable
from itertools import islice
from pathlib import Path
from typing import Any, BinaryIO

from crawler import escape
from crawler.errors import ConfigError
from crawler.items import ARTICLE_FIELDS, Article

# Rows per Parquet row group written at a time: bounded memory whatever the archive's size.
PARQUET_BATCH = 2000
# An article id used as a file name as it is; any other id is named by its hash.
_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,150}")


def write_jsonl(articles: Iterable[Article], out: BinaryIO) -> int:
    """One JSON Article record a line; returns how many."""
    count = 0
    with _TextView(out) as text:
        for count, article in enumerate(articles, 1):  # noqa: B007 (the count is the result)
            line = json.dumps(article.to_record(), ensure_ascii=False)
            text.write(escape.json_text(line) + "\n")
    return count


def write_csv(articles: Iterable[Article], out: BinaryIO) -> int:
    """A CSV row per Article (authors joined by ``; ``, images as JSON); returns how many."""
    count = 0
    with _TextView(out) as text:
        writer = csv.DictWriter(text, fieldnames=ARTICLE_FIELDS, lineterminator="\n")
        writer.writeheader()
        for count, article in enumerate(articles, 1):  # noqa: B007
            record = article.to_record()
            record["authors"] = "; ".join(record["authors"])
            record["images"] = json.dumps(record["images"], ensure_ascii=False)
            writer.writerow({k: escape.csv_cell(v) for k, v in record.items()})
    return count


def require_pyarrow() -> Any:
    """The ``pyarrow.parquet`` module, or a one-line error saying how to install it."""
    try:
        import pyarrow.parquet
    except ImportError:
        raise ConfigError(
            "--format parquet needs pyarrow: pip install 'newsmon[parquet]'"
        ) from None
    return pyarrow.parquet


def write_parquet(articles: Iterable[Article], out: BinaryIO) -> int:
    """A Parquet file of Article records (``authors`` a list of strings, ``images`` JSON text,
    ``similarity`` a float, the rest strings), written ``PARQUET_BATCH`` rows at a time."""
    parquet = require_pyarrow()
    import pyarrow as pa

    types = {"authors": pa.list_(pa.string()), "similarity": pa.float64()}
    schema = pa.schema([(name, types.get(name, pa.string())) for name in ARTICLE_FIELDS])
    count = 0
    rows = iter(articles)
    with parquet.ParquetWriter(out, schema, compression="zstd") as writer:
        while batch := list(islice(rows, PARQUET_BATCH)):
            records = [_parquet_record(a) for a in batch]
            writer.write_table(pa.Table.from_pylist(records, schema=schema))
            count += len(batch)
    return count


def _parquet_record(article: Article) -> dict[str, Any]:
    record = article.to_record()
    record["images"] = json.dumps(record["images"], ensure_ascii=False)
    record["authors"] = [escape.data_text(a) for a in record["authors"]]
    return {k: escape.data_text(v) if isinstance(v, str) else v for k, v in record.items()}


# format -> writer; `newsmon export --format` offers these keys
WRITERS: dict[str, Callable[[Iterable[Article], BinaryIO], int]] = {
    "jsonl": write_jsonl,
    "csv": write_csv,
    "parquet": write_parquet,
}
BINARY_FORMATS = frozenset({"parquet"})


def write_directory(articles: Iterable[Article], directory: str | Path) -> int:
    """One pretty-printed JSON Article record per file, ``DIRECTORY/<article id>.json`` (an id
    that is not a plain file name is named by its SHA-256); returns how many."""
    folder = Path(directory)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create --output-dir {folder}: {exc.strerror}") from None
    count = 0
    for count, article in enumerate(articles, 1):  # noqa: B007
        text = json.dumps(article.to_record(), ensure_ascii=False, indent=2)
        (folder / file_name(article.id)).write_text(escape.json_text(text) + "\n", encoding="utf-8")
    return count


def file_name(article_id: str) -> str:
    """The file an article's JSON goes to: ``<id>.json``, or ``<sha256>.json`` for an id with
    characters that a file name should not carry (``/``, ``..``, controls).

    Example:
        >>> file_name("3f2a9c0d")
        '3f2a9c0d.json'
        >>> file_name("../etc/passwd")[:12]
        'id-7fef78f53'
    """
    if _SAFE_NAME.fullmatch(article_id) and ".." not in article_id:
        return f"{article_id}.json"
    return f"id-{hashlib.sha256(article_id.encode('utf-8', 'surrogatepass')).hexdigest()}.json"


class _TextView:
    """A UTF-8 text view of a binary stream, detached (the stream left open) at the end."""

    def __init__(self, out: BinaryIO) -> None:
        self._wrapper = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)

    def __enter__(self) -> io.TextIOWrapper:
        return self._wrapper

    def __exit__(self, *exc_info: object) -> None:
        self._wrapper.flush()
        self._wrapper.detach()
