"""``newsmon export``: the archive's Article records, as JSON lines or CSV."""

from __future__ import annotations

import csv
import json
import sys

import click

from crawler.commands.options import db_option, since_to_iso
from crawler.commands.report import open_existing_archive


@click.command("export")
@db_option
@click.option("--since", help="Only articles published (or fetched) in this period: 24h, 7d, ISO.")
@click.option("--outlet", "outlets", multiple=True, metavar="ID",
              help="Only this outlet (repeatable).")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv", "warc"]), default="jsonl",
              show_default=True,
              help="warc: the stored pages as gzipped WARC response records (see export_warc).")
def command(db: str, since: str | None, outlets: tuple[str, ...], fmt: str) -> int:
    """Write the archive's Article records (cluster included), oldest first, to stdout.

    \b
    Example:
      newsmon export --db news.db --since 24h > today.jsonl
      newsmon export --outlet kabar --format csv > kabar.csv
      newsmon export --format warc > pages.warc.gz
    """
    from crawler import escape
    from crawler.items import ARTICLE_FIELDS

    if fmt == "warc":
        return _export_warc(db, since, outlets)
    with open_existing_archive(db) as archive:
        articles = archive.articles(since=since_to_iso(since), outlets=outlets)
        if fmt == "jsonl":
            for article in articles:
                line = json.dumps(article.to_record(), ensure_ascii=False)
                sys.stdout.write(escape.json_text(line) + "\n")
        else:
            writer = csv.DictWriter(sys.stdout, fieldnames=ARTICLE_FIELDS)
            writer.writeheader()
            for article in articles:
                record = article.to_record()
                record["authors"] = "; ".join(record["authors"])
                record["images"] = json.dumps(record["images"], ensure_ascii=False)
                writer.writerow({k: escape.csv_cell(v) for k, v in record.items()})
    return 0


def _export_warc(db: str, since: str | None, outlets: tuple[str, ...]) -> int:
    """``--format warc``: the stored pages, binary, to stdout."""
    from crawler.store.warc import export_warc

    with open_existing_archive(db) as archive:
        count = export_warc(archive, sys.stdout.buffer, since=since_to_iso(since),
                            outlets=outlets)
    sys.stdout.buffer.flush()
    click.echo(f"exported {count} pages as WARC response records", err=True)
    return 0
