"""The HTML report, opened in headless Chromium: what the browser has drawn."""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest

from crawler.store.archive import Archive
from tests.chromium import run_chromium
from tests.factories import make_article
from tests.newsmon_cli import run_main


def _drawn(page: Path, tmp_path: Path) -> lxml.html.HtmlElement:
    """The DOM as Chromium built it from the page (``--dump-dom``)."""
    return lxml.html.fromstring(run_chromium(page.as_uri(), tmp_path, "--dump-dom").stdout)


@pytest.fixture
def html_report(db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A cluster report of two stories (3 and 2 members) from three outlets, as a file."""
    with Archive(db_path) as archive:
        for article in (
            make_article(
                "a1", "ala-too", "2026-11-09T04:00:00Z", cluster="a1", title="Water <deal>"
            ),
            make_article("a2", "osh24", "2026-11-09T05:00:00Z", cluster="a1"),
            make_article("a3", "courier", "2026-11-09T06:00:00Z", cluster="a1"),
            make_article("b1", "courier", "2026-11-08T10:00:00Z", cluster="b1"),
            make_article("b2", "osh24", "2026-11-08T12:00:00Z", cluster="b1"),
        ):
            archive.store_article(article)
    status, out, err = run_main(
        ["report", "clusters", "--db", str(db_path), "--format", "html"], capsys
    )
    assert (status, err) == (0, "")
    page = tmp_path / "report.html"
    page.write_text(out, encoding="utf-8")
    return page


def test_the_page_is_self_contained(html_report: Path) -> None:
    document = lxml.html.fromstring(html_report.read_bytes())
    assert document.xpath("//script | //link | //img | //iframe | //*[@src]") == []
    assert "url(" not in document.xpath("string(//style)")


def test_chromium_draws_a_timeline_per_cluster_with_a_dot_per_member(
    html_report: Path, tmp_path: Path
) -> None:
    dom = _drawn(html_report, tmp_path)
    timelines = dom.xpath("//svg[@class='timeline']")
    assert [t.get("data-cluster") for t in timelines] == ["a1", "b1"]
    first, second = timelines
    dots = first.xpath(".//circle")
    assert [(d.get("data-id"), d.get("data-outlet"), d.get("class")) for d in dots] == [
        ("a1", "ala-too", "member origin"),
        ("a2", "osh24", "member"),
        ("a3", "courier", "member"),
    ]
    xs = [float(d.get("cx")) for d in dots]
    assert xs == sorted(xs) and xs[0] < xs[-1] <= float(first.get("width"))
    assert xs[1] - xs[0] == pytest.approx(xs[2] - xs[1])  # one hour apart each
    assert len({d.get("cy") for d in dots}) == 3  # a row per outlet
    assert [d.get("data-id") for d in second.xpath(".//circle")] == ["b1", "b2"]
    assert dom.xpath("string(//section[@id='cluster-a1']/h2)") == "Water <deal>"


def test_chromium_draws_the_copy_matrix_with_counts(html_report: Path, tmp_path: Path) -> None:
    dom = _drawn(html_report, tmp_path)
    cells = {
        (c.get("data-source"), c.get("data-copier")): c
        for c in dom.xpath("//svg[@class='matrix']//g[@class='cell']")
    }
    assert set(cells) == {(s, c) for s in ("ala-too", "courier") for c in ("courier", "osh24")}
    counts = {
        key: (cell.get("data-count"), cell.xpath("string(./text)")) for key, cell in cells.items()
    }
    assert counts == {
        ("ala-too", "courier"): ("1", "1"),
        ("ala-too", "osh24"): ("1", "1"),
        ("courier", "courier"): ("0", ""),
        ("courier", "osh24"): ("1", "1"),
    }


def test_the_outlet_page_draws_the_same_matrix(
    html_report: Path, db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = run_main(
        [
            "report",
            "outlets",
            "--db",
            str(db_path),
            "--since",
            "2026-11-01",
            "--until",
            "2026-12-01",
            "--format",
            "html",
        ],
        capsys,
    )
    page = tmp_path / "outlets.html"
    page.write_text(out, encoding="utf-8")
    dom = _drawn(page, tmp_path)
    assert [td.text for td in dom.xpath("//table[@class='outlets']//tr/td[1]")] == [
        "ala-too",
        "courier",
        "osh24",
    ]
    drawn = {
        (c.get("data-source"), c.get("data-copier"), c.get("data-count"))
        for c in dom.xpath("//svg[@class='matrix']//g[@class='cell']")
    }
    assert drawn == {
        ("ala-too", "courier", "1"),
        ("ala-too", "osh24", "1"),
        ("courier", "courier", "0"),
        ("courier", "osh24", "1"),
    }
