"""``newsmon extract``: extract articles from saved HTML pages, one record per input."""

from __future__ import annotations

import contextlib
import gzip
import json
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from crawler import escape

# Saved pages larger than this are not read (the extractor refuses them anyway).
MAX_READ_BYTES = 64 * 1024 * 1024


def _read(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read(MAX_READ_BYTES + 1)
    with open(path, "rb") as handle:
        data = handle.read(MAX_READ_BYTES + 1)
    if path.endswith(".gz") or data[:2] == b"\x1f\x8b":
        with gzip.open(path, "rb") as handle:
            data = handle.read(MAX_READ_BYTES + 1)
    return data


def _inputs(
    paths: tuple[str, ...], url: str | None, manifest: str | None
) -> list[tuple[str, str | None]]:
    items = [(p, url) for p in paths]
    if manifest:
        try:
            lines = Path(manifest).read_text(encoding="utf-8-sig").splitlines()
        except OSError as exc:
            raise click.BadParameter(
                f"cannot read {manifest}: {exc.strerror}", param_hint="--manifest"
            ) from exc
        folder = Path(manifest).parent
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
                # a relative path is the manifest's folder's, wherever the command runs
                items.append((str(folder / str(entry["path"])), entry.get("url") or url))
            except (ValueError, KeyError, TypeError) as exc:
                raise click.BadParameter(
                    f'{manifest}:{number}: expected {{"path": ..., "url": ...}}',
                    param_hint="--manifest",
                ) from exc
    return items


def _default_url(path: str) -> str:
    if path == "-":
        return "file:///dev/stdin"
    return Path(path).resolve().as_uri()


class _OverBudget(BaseException):
    """A page's CPU time ran out. A BaseException: no ``except Exception`` inside the
    extraction turns it into another error."""


def _extract_timeout() -> float:
    """NEWSMON_EXTRACT_TIMEOUT (environment or newsmon's default), in CPU seconds; 0: none."""
    import settings

    return float(settings.NEWSMON_EXTRACT_TIMEOUT or 0)


@contextlib.contextmanager
def _cpu_deadline(seconds: float) -> Iterator[None]:
    """Raise ``_OverBudget`` in the block once it has used ``seconds`` of CPU.

    This command extracts in its own process (no worker to kill), so a CPU timer
    (``ITIMER_PROF``) interrupts it: its signal handler runs between two Python steps, which
    trafilatura's long loops are made of (measured: pages of 95,000 link lines and of 500,000
    ``<br>`` stop within 0.13 s of CPU past the limit).
    """
    if not seconds or not hasattr(signal, "setitimer"):
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise _OverBudget

    previous = signal.signal(signal.SIGPROF, expire)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


def extract_one(path: str, url: str | None) -> dict[str, Any]:
    """Extract one saved page: its Article record with ``path``, or an error record."""
    from crawler.errors import ExtractionError
    from crawler.extract.article import extract_article

    try:
        body = _read(path)
    except OSError as exc:
        return {"path": path, "error": "unreadable", "detail": str(exc.strerror or exc)}
    except (EOFError, gzip.BadGzipFile) as exc:
        return {"path": path, "error": "unreadable", "detail": str(exc)}
    timeout = _extract_timeout()
    try:
        with _cpu_deadline(timeout):
            article = extract_article(body, url or _default_url(path)).article
    except _OverBudget:
        from crawler.extract import reset_caches
        from crawler.fetch.pool import EXTRACTION_TIMEOUT

        reset_caches()  # the extraction stopped half-way: start the next page afresh
        return {
            "path": path,
            "error": EXTRACTION_TIMEOUT,
            "detail": f"over {timeout:g} s of CPU (NEWSMON_EXTRACT_TIMEOUT)",
        }
    except ExtractionError as exc:
        record: dict[str, Any] = {"path": path, "error": exc.reason}
        if exc.detail:
            record["detail"] = exc.detail
        return record
    return {**article.to_record(), "path": path}


def _render(record: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return escape.json_text(json.dumps(record, ensure_ascii=False, indent=2))
    if fmt == "jsonl":
        return escape.json_text(json.dumps(record, ensure_ascii=False))
    return escape.terminal(_text(record))


def _text(record: dict[str, Any]) -> str:
    """The ``text`` format of one record (unescaped)."""
    if "error" in record:
        detail = f" ({record['detail']})" if record.get("detail") else ""
        return f"== {record['path']}\nerror: {record['error']}{detail}\n"
    head = [f"== {record['path']}", f"title: {record.get('title') or ''}"]
    for name in ("subtitle", "published", "language"):
        if record.get(name):
            head.append(f"{name}: {record[name]}")
    if record.get("authors"):
        head.append(f"authors: {', '.join(record['authors'])}")
    return "\n".join(head) + "\n\n" + record["text"] + "\n"


@click.command("extract")
@click.argument("paths", nargs=-1)
@click.option("--url", help="The page's original URL (for relative links and the article id).")
@click.option(
    "--manifest",
    type=click.Path(dir_okay=False),
    help='JSON lines of {"path": ..., "url": ...}, one page each (a relative path is the '
    "manifest's folder's).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "jsonl", "text"]),
    default="jsonl",
    show_default=True,
    help="Output format.",
)
def command(paths: tuple[str, ...], url: str | None, manifest: str | None, fmt: str) -> None:
    """Extract articles from saved HTML pages (.html, .html.gz, or - for stdin).

    Prints one Article record per input (with "path"), or {"path", "error"} for a page that
    cannot be read or is not an article. Exits 0 unless the command line is wrong.

    \b
    Example:
      newsmon extract page.html --url https://24.kg/obschestvo/1_x/
      newsmon extract --manifest pages.jsonl --format json
    """
    items = _inputs(paths, url, manifest)
    if not items:
        raise click.UsageError("give at least one PATH (or - for stdin) or --manifest")
    if fmt == "json" and len(items) != 1:  # one JSON array: written whole at the end
        records = [extract_one(path, page_url) for path, page_url in items]
        click.echo(escape.json_text(json.dumps(records, ensure_ascii=False, indent=2)))
        return
    for path, page_url in items:  # each page's record as soon as it is extracted
        click.echo(_render(extract_one(path, page_url), fmt))
