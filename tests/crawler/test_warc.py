"""WARC in and out: ``newsmon import`` (files and CC-NEWS) and ``newsmon export --format warc``.

The WARC files are written here, record by record, with invented pages; warcio (the reader
archivists use) checks what the export writes.
"""

from __future__ import annotations

import asyncio
import gzip
import http.server
import io
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.run import warc_import
from crawler.run.warc_import import (
    ImportReport,
    OutletMatcher,
    WarcSource,
    import_warcs,
    local_sources,
)
from crawler.store.archive import Archive
from crawler.store.warc import read_warc
from settings.registry import load_registry_text
from tests.newsmon_cli import run_main, run_newsmon

REGISTRY = r"""
[[outlet]]
id = "kettle"
name = "Kettle Gazette"
country = "KG"
languages = ["en"]
homepage = "https://kettle.example/"
feeds = ["https://kettle.example/feed"]
article_pattern = '^https://kettle\.example/news/\d+/$'

[[outlet]]
id = "steppe"
name = "Steppe Courier"
country = "KZ"
languages = ["ru"]
homepage = "https://steppe.example/"
feeds = ["https://steppe.example/rss"]
article_pattern = '^https://steppe\.example/ru/\d+\.html$'
"""

TOPICS = [
    (
        "Copper kettles return to the bazaar",
        "Stall keepers on the east row say copper kettles sell out by noon again this spring.",
    ),
    (
        "Night trains add a sleeper car",
        "The railway adds a third sleeper car to the night train after a winter of full bookings.",
    ),
    (
        "Orchard cooperative buys a press",
        "Forty apricot growers pooled their savings for a press that makes juice on the spot.",
    ),
    (
        "River ferry gets a new engine",
        "The small ferry at the bend crosses in eight minutes now that its old engine is gone.",
    ),
]


def article_html(title: str, sentence: str, published: str, *, charset_meta: bool = True) -> str:
    meta = '<meta charset="utf-8">' if charset_meta else ""
    paragraphs = "".join(
        f"<p>{sentence} Paragraph {i} adds its own detail about the "
        f"matter, told plainly for readers of the paper.</p>"
        for i in range(6)
    )
    return (
        f"<html><head>{meta}<title>{title}</title>"
        f'<meta property="article:published_time" content="{published}"></head>'
        f"<body><article><h1>{title}</h1>{paragraphs}</article></body></html>"
    )


def warc_record(
    kind: str, url: str, block: bytes, *, date: str = "2025-01-10T08:00:00Z", extra: str = ""
) -> bytes:
    head = (
        f"WARC/1.0\r\nWARC-Type: {kind}\r\nWARC-Record-ID: <urn:uuid:{abs(hash(url + kind))}>"
        f"\r\nWARC-Date: {date}\r\nWARC-Target-URI: {url}\r\n{extra}"
        f"Content-Type: application/http; msgtype={kind}\r\n"
        f"Content-Length: {len(block)}\r\n\r\n"
    )
    return head.encode() + block + b"\r\n\r\n"


def response(
    url: str,
    body: bytes,
    content_type: str = "text/html; charset=utf-8",
    *,
    status: str = "200 OK",
    date: str = "2025-01-10T08:00:00Z",
) -> bytes:
    http = f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n\r\n".encode()
    return warc_record("response", url, http + body, date=date)


def good_records() -> list[bytes]:
    """Four kettle articles (newest first in the file) and a cp1251 steppe page."""
    records = []
    for n, (title, sentence) in reversed(list(enumerate(TOPICS))):
        html = article_html(title, sentence, f"2025-01-0{n + 1}T09:00:00+00:00")
        records.append(response(f"https://kettle.example/news/{n + 1}/", html.encode()))
    cyrillic = article_html(
        "Степной курьер открыл новую типографию",
        "В городе открылась новая типография, и первые номера уже у читателей.",
        "2025-01-05T09:00:00+00:00",
        charset_meta=False,
    )
    records.append(
        response(
            "https://steppe.example/ru/77.html",
            cyrillic.encode("cp1251"),
            "text/html; charset=windows-1251",
        )
    )
    return records


def bad_records() -> dict[str, bytes]:
    """One record per reason it is left out."""
    return {
        "not-html": response(
            "https://kettle.example/news/9/", b"\xff\xd8\xff\xe0JFIF", "image/jpeg"
        ),
        "bad-http-header": warc_record(
            "response", "https://kettle.example/news/10/", b"NOT AN HTTP MESSAGE\r\n\r\n<p>x</p>"
        ),
        "revisit": warc_record(
            "revisit",
            "https://kettle.example/news/1/",
            b"HTTP/1.1 200 OK\r\n\r\n",
            extra="WARC-Profile: http://netpreserve.org/warc/1.0/revisit/identical-payload-digest"
            "\r\nWARC-Refers-To-Target-URI: https://kettle.example/news/1/\r\n",
        ),
        "request": warc_record(
            "request",
            "https://kettle.example/news/1/",
            b"GET /news/1/ HTTP/1.1\r\nHost: kettle.example\r\n\r\n",
        ),
        "http-404": response(
            "https://kettle.example/news/11/", b"<p>gone</p>", status="404 Not Found"
        ),
        "not-an-article": response("https://kettle.example/tag/kettles", b"<p>tag</p>"),
        "not-an-outlet": response("https://elsewhere.example/news/1/", b"<p>other</p>"),
    }


def write_warc(
    path: Path, records: list[bytes], *, gz: bool = True, truncate_at: int | None = None
) -> Path:
    """Write records as one gzip member each (or plain); ``truncate_at``: cut that member."""
    with path.open("wb") as f:
        for i, record in enumerate(records):
            member = gzip.compress(record) if gz else record
            f.write(member[: len(member) // 2] if i == truncate_at else member)
    return path


@pytest.fixture
def outlets() -> list:
    return load_registry_text(REGISTRY)


def run_import(
    sources: list[WarcSource], outlets: list, db: Path, **kwargs: object
) -> ImportReport:
    return asyncio.run(import_warcs(sources, OutletMatcher(outlets), str(db), workers=0, **kwargs))  # type: ignore[arg-type]


def stored(db: Path) -> dict[str, dict]:
    with Archive(db) as archive:
        return {a.url: a.to_record() for a in archive.articles()}


# -- reading ------------------------------------------------------------------------------------


def test_every_record_gets_a_response_or_its_reason_and_a_cut_member_is_passed(
    tmp_path: Path,
) -> None:
    records = [*good_records()[:2], good_records()[2], *good_records()[3:]]
    path = write_warc(tmp_path / "a.warc.gz", records, truncate_at=2)
    with path.open("rb") as f:
        outcomes = list(read_warc(f, lambda url, date: None))
    reasons = [o for _, o in outcomes if isinstance(o, str)]
    urls = [o.url for _, o in outcomes if not isinstance(o, str)]
    assert reasons == ["truncated-gzip"]
    # the member after the cut one is read: only the cut record is lost
    assert len(urls) == len(records) - 1
    assert [i for i, _ in outcomes] == list(range(len(records)))


def test_a_plain_warc_reads_as_a_gzip_one(tmp_path: Path) -> None:
    records = good_records()
    with write_warc(tmp_path / "a.warc", records, gz=False).open("rb") as f:
        plain = [o.body for _, o in read_warc(f, lambda u, d: None)]
    with write_warc(tmp_path / "a.warc.gz", records).open("rb") as f:
        zipped = [o.body for _, o in read_warc(f, lambda u, d: None)]
    assert plain == zipped and len(plain) == len(records)


# -- importing ----------------------------------------------------------------------------------


def test_good_records_are_imported_once_and_bad_ones_counted_with_their_reason(
    tmp_path: Path, outlets: list
) -> None:
    bad = bad_records()
    records = [*good_records(), *bad.values()]
    path = write_warc(
        tmp_path / "mixed.warc.gz", [*records, good_records()[0]], truncate_at=len(records)
    )  # the last member is cut off
    db = tmp_path / "news.db"
    report = run_import(local_sources([str(path)]), outlets, db)
    articles = stored(db)
    assert sorted(articles) == sorted(
        [f"https://kettle.example/news/{n}/" for n in (1, 2, 3, 4)]
        + ["https://steppe.example/ru/77.html"]
    )
    assert report.stored == 5 and report.records == len(records) + 1
    assert dict(report.skipped) == {**{reason: 1 for reason in bad}, "truncated-record": 1}
    cyrillic = articles["https://steppe.example/ru/77.html"]
    assert cyrillic["title"] == "Степной курьер открыл новую типографию"
    assert "первые номера уже у читателей" in cyrillic["text"]
    assert cyrillic["fetched"].startswith("2025-01-10T08:00:00")
    assert report.per_outlet == {"kettle": 4, "steppe": 1}
    # the pages are kept as the crawl keeps them
    with Archive(db) as archive:
        pages = {s.article.url: (html, ct) for s, html, ct in archive.stored_pages()}
    assert pages["https://steppe.example/ru/77.html"][1] == "text/html; charset=windows-1251"

    # the file ends inside its last record: a download cut off, named, and not taken as done
    assert report.exit_status == 1 and report.failed == [
        f"{path}: cut off inside record {len(records) + 1}: the next run reads it again"
    ]
    again = run_import(local_sources([str(path)]), outlets, db)
    assert (again.files_done_before, again.records, again.stored) == (0, 1, 0)
    assert again.exit_status == 1


def test_a_damaged_member_inside_a_file_is_left_out_and_the_file_done(
    tmp_path: Path, outlets: list
) -> None:
    path = write_warc(tmp_path / "a.warc.gz", good_records(), truncate_at=1)
    db = tmp_path / "news.db"
    report = run_import(local_sources([str(path)]), outlets, db)
    assert report.exit_status == 0 and report.skipped["truncated-gzip"] == 1
    again = run_import(local_sources([str(path)]), outlets, db)
    assert (again.files_done_before, again.records) == (1, 0)


def test_an_interrupted_import_goes_on_after_the_records_it_finished(
    tmp_path: Path, outlets: list, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(warc_import, "CHUNK_RECORDS", 2)
    path = write_warc(tmp_path / "a.warc.gz", good_records())
    db = tmp_path / "news.db"

    class Interrupted(Exception):
        pass

    def stop(line: str) -> None:
        raise Interrupted(line)

    ticks = iter(range(0, 10_000, 100))  # every chunk is 100 s later: progress is told each time
    with pytest.raises(Interrupted):
        run_import(
            local_sources([str(path)]), outlets, db, progress=stop, clock=lambda: float(next(ticks))
        )
    first = stored(db)
    assert len(first) == 2
    rest = run_import(local_sources([str(path)]), outlets, db)
    assert rest.records == 3 and rest.stored == 3 and rest.already_stored == 0
    assert len(stored(db)) == 5


def test_a_file_whose_progress_was_lost_stores_nothing_twice(tmp_path: Path, outlets: list) -> None:
    path = write_warc(tmp_path / "a.warc.gz", good_records())
    db = tmp_path / "news.db"
    run_import(local_sources([str(path)]), outlets, db)
    with Archive(db) as archive:
        archive.connection.execute("DELETE FROM meta WHERE key LIKE 'warc-import:%'")
    again = run_import(local_sources([str(path)]), outlets, db)
    assert (again.stored, again.already_stored) == (0, 5)


def test_copies_in_a_warc_cluster_with_the_earliest_published_as_origin(
    tmp_path: Path, outlets: list
) -> None:
    title, sentence = TOPICS[0]
    original = article_html(title, sentence, "2025-01-02T09:00:00+00:00")
    copy = article_html(title, sentence, "2025-01-03T09:00:00+00:00")
    records = [
        response("https://kettle.example/news/8/", copy.encode()),  # the copy first
        response("https://kettle.example/news/1/", original.encode()),
    ]
    db = tmp_path / "news.db"
    run_import(local_sources([str(write_warc(tmp_path / "c.warc.gz", records))]), outlets, db)
    articles = stored(db)
    first, second = (articles[f"https://kettle.example/news/{n}/"] for n in (1, 8))
    assert first["cluster"] == second["cluster"]
    assert second["copy_of"] == first["id"] and first["copy_of"] is None


def test_since_and_until_keep_the_records_fetched_in_the_period(
    tmp_path: Path, outlets: list
) -> None:
    html = [article_html(t, s, "2025-01-01T09:00:00+00:00") for t, s in TOPICS[:3]]
    records = [
        response(f"https://kettle.example/news/{n}/", h.encode(), date=f"2025-01-{n:02d}T12:00:00Z")
        for n, h in ((1, html[0]), (5, html[1]), (9, html[2]))
    ]
    db = tmp_path / "news.db"
    report = run_import(
        local_sources([str(write_warc(tmp_path / "d.warc.gz", records))]),
        outlets,
        db,
        since="2025-01-03T00:00:00+00:00",
        until="2025-01-07T00:00:00+00:00",
    )
    assert list(stored(db)) == ["https://kettle.example/news/5/"]
    assert report.skipped == {"before-since": 1, "after-until": 1}


def test_all_hosts_keeps_a_host_outside_the_registry(tmp_path: Path, outlets: list) -> None:
    title, sentence = TOPICS[1]
    records = [
        response(
            "https://www.elsewhere.example/2025/trains",
            article_html(title, sentence, "2025-01-04T09:00:00+00:00").encode(),
        )
    ]
    db = tmp_path / "news.db"
    asyncio.run(
        import_warcs(
            local_sources([str(write_warc(tmp_path / "e.warc", records))]),
            OutletMatcher(outlets, ["elsewhere.example"]),
            str(db),
            workers=0,
        )
    )
    assert [a["outlet"] for a in stored(db).values()] == ["elsewhere.example"]


def test_the_command_imports_globs_and_says_what_it_did(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NEWSMON_REDIS_URL", raising=False)
    registry = tmp_path / "outlets.toml"
    registry.write_text(REGISTRY, encoding="utf-8")
    write_warc(tmp_path / "one.warc.gz", good_records()[:2])
    write_warc(tmp_path / "two.warc.gz", [*good_records()[2:], bad_records()["revisit"]])
    db = tmp_path / "news.db"
    status, _, err = run_main(
        ["import", str(tmp_path / "*.warc.gz"), "--outlets", str(registry), "--db", str(db)], capsys
    )
    assert status == 0, err
    assert "imported 5 articles from 2 WARC files" in err and "revisit 1" in err
    status, _, err = run_main(["import", str(tmp_path / "none-*.warc"), "--db", str(db)], capsys)
    assert status == 2 and err.strip().startswith("error: no WARC file at")
    status, _, err = run_main(
        ["import", str(tmp_path / "one.warc.gz"), "--mode", "worker", "--db", str(db)], capsys
    )
    assert (status, err.strip()) == (
        2,
        "error: --mode worker needs --redis-url (or NEWSMON_REDIS_URL)",
    )


# -- CC-NEWS ------------------------------------------------------------------------------------


class _Files(http.server.BaseHTTPRequestHandler):
    root: Path
    asked: list[str]
    cut: set[str]  # request paths whose body is cut off halfway

    def do_GET(self) -> None:
        type(self).asked.append(self.path)
        path = self.root / self.path.lstrip("/")
        if not path.is_file():
            self.send_error(404)
            return
        data = path.read_bytes()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data[: len(data) // 2] if self.path in self.cut else data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def cc_news(tmp_path: Path) -> Iterator[tuple[str, type[_Files]]]:
    """A CC-NEWS-shaped tree on 127.0.0.9: January 2025's index and three WARC files."""
    month = tmp_path / "www" / "crawl-data" / "CC-NEWS" / "2025" / "01"
    month.mkdir(parents=True)
    names = [
        "CC-NEWS-20250101000000-00001.warc.gz",
        "CC-NEWS-20250112000000-00002.warc.gz",
        "CC-NEWS-20250125000000-00003.warc.gz",
    ]
    records = good_records()
    for name, part in zip(names, (records[:2], records[2:4], records[4:]), strict=True):
        write_warc(month / name, part)
    paths = "".join(f"crawl-data/CC-NEWS/2025/01/{n}\n" for n in names)
    (month / "warc.paths.gz").write_bytes(gzip.compress(paths.encode()))
    handler = type("Files", (_Files,), {"root": tmp_path / "www", "asked": [], "cut": set()})
    server = http.server.ThreadingHTTPServer(("127.0.0.9", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.9:{server.server_address[1]}", handler
    finally:
        server.shutdown()
        server.server_close()


def test_cc_news_streams_the_files_of_the_period(
    tmp_path: Path,
    cc_news: tuple[str, type[_Files]],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    base, handler = cc_news
    monkeypatch.setenv("NEWSMON_CC_NEWS_URL", base)
    registry = tmp_path / "outlets.toml"
    registry.write_text(REGISTRY, encoding="utf-8")
    db = tmp_path / "news.db"
    status, _, err = run_main(
        [
            "import",
            "--cc-news",
            "--since",
            "2025-01-01",
            "--until",
            "2025-01-20",
            "--outlets",
            str(registry),
            "--db",
            str(db),
        ],
        capsys,
    )
    assert status == 0, err
    assert "CC-NEWS: 2 WARC files" in err
    assert handler.asked == [
        "/crawl-data/CC-NEWS/2025/01/warc.paths.gz",
        "/crawl-data/CC-NEWS/2025/01/CC-NEWS-20250101000000-00001.warc.gz",
        "/crawl-data/CC-NEWS/2025/01/CC-NEWS-20250112000000-00002.warc.gz",
    ]
    assert len(stored(db)) == 4


def test_a_cc_news_file_cut_off_in_transfer_is_not_taken_as_done(
    tmp_path: Path, cc_news: tuple[str, type[_Files]], outlets: list
) -> None:
    from crawler.run.ccnews import cc_news_sources

    base, handler = cc_news
    path = "crawl-data/CC-NEWS/2025/01/CC-NEWS-20250112000000-00002.warc.gz"
    handler.cut = {"/" + path}
    db = tmp_path / "news.db"
    report = run_import(cc_news_sources(base, [path]), outlets, db)
    assert report.exit_status == 1 and "cut off" in report.failed[0]
    handler.cut = set()
    again = run_import(cc_news_sources(base, [path]), outlets, db)
    assert (again.files_done_before, again.stored, again.exit_status) == (0, 2, 0)


def test_cc_news_index_that_does_not_answer_is_one_line(
    tmp_path: Path,
    cc_news: tuple[str, type[_Files]],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    base, _ = cc_news
    monkeypatch.setenv("NEWSMON_CC_NEWS_URL", base)
    status, _, err = run_main(
        [
            "import",
            "--cc-news",
            "--since",
            "2025-03-01",
            "--until",
            "2025-03-02",
            "--db",
            str(tmp_path / "x.db"),
        ],
        capsys,
    )
    assert status == 1 and err.count("\n") == 1 and "cannot fetch" in err


# -- exporting ----------------------------------------------------------------------------------


def test_export_writes_warc_that_warcio_reads_back(
    tmp_path: Path, outlets: list, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    from warcio.archiveiterator import ArchiveIterator

    from crawler.cli import main

    db = tmp_path / "news.db"
    run_import(
        local_sources([str(write_warc(tmp_path / "a.warc.gz", good_records()))]), outlets, db
    )
    with pytest.raises(SystemExit) as exit_info:
        main(["export", "--format", "warc", "--db", str(db)])
    out, _ = capsysbinary.readouterr()
    assert exit_info.value.code == 0
    read = {}
    for record in ArchiveIterator(io.BytesIO(out), check_digests=True):
        if record.rec_type == "response":
            read[record.rec_headers.get_header("WARC-Target-URI")] = (
                record.rec_headers.get_header("WARC-Date"),
                record.http_headers.get_header("Content-Type"),
                record.content_stream().read(),
            )
    with Archive(db) as archive:
        pages = {
            s.article.url: (s.article.fetched, html, ct) for s, html, ct in archive.stored_pages()
        }
    assert set(read) == set(pages) and len(read) == 5
    for url, (date, content_type, body) in read.items():
        fetched, html, ct = pages[url]
        assert body == html and content_type == ct
        assert date == fetched.replace("+00:00", "Z")
    # and newsmon reads its own export back: a round trip stores the same articles
    again = tmp_path / "again.db"
    (tmp_path / "export.warc.gz").write_bytes(out)
    run_import(local_sources([str(tmp_path / "export.warc.gz")]), outlets, again)
    assert {u: a["text"] for u, a in stored(again).items()} == {
        u: a["text"] for u, a in stored(db).items()
    }
    assert json.dumps(sorted(stored(again))) == json.dumps(sorted(pages))


# -- several machines ---------------------------------------------------------------------------


@pytest.mark.redis
def test_workers_split_the_files_through_redis_and_ingest_stores_each_article_once(
    tmp_path: Path, outlets: list, redis_url: str, redis_prefix: str, redis_client: object
) -> None:
    import os

    from crawler.run.lease import RedisLease
    from crawler.run.warc_import import RedisWork
    from tests.newsmon_cli import run_newsmon

    records = good_records()
    files = [
        write_warc(tmp_path / f"{n}.warc.gz", part)
        for n, part in enumerate((records[:2], records[2:4], records[4:]))
    ]
    sources = local_sources([str(f) for f in files])
    held = RedisLease(redis_client, f"{redis_prefix}lease:warc:{sources[2].key}", 60.0)  # type: ignore[arg-type]
    assert held.acquire()  # another machine is importing the third file

    def worker(db: str) -> ImportReport:
        return asyncio.run(
            import_warcs(
                sources,
                OutletMatcher(outlets),
                str(tmp_path / db),
                workers=0,
                redis=RedisWork(redis_url, prefix=redis_prefix),
            )
        )

    first = worker("worker1.db")
    assert (first.stored, first.held_elsewhere, first.left_in_outbox) == (4, 1, 0)
    held.release()
    second = worker("worker2.db")  # the first two files are done: only the third is left
    assert (second.files_done_before, second.stored) == (2, 1)
    with Archive(tmp_path / "worker1.db") as archive:
        assert archive.count_articles() == 0  # a worker keeps no articles

    env = {**os.environ, "NEWSMON_REDIS_PREFIX": redis_prefix}
    done = run_newsmon(
        "ingest", "--redis-url", redis_url, "--db", str(tmp_path / "news.db"), "--drain", env=env
    )
    assert "ingested 5 articles" in done.stderr
    assert sorted(stored(tmp_path / "news.db")) == sorted(
        [f"https://kettle.example/news/{n}/" for n in (1, 2, 3, 4)]
        + ["https://steppe.example/ru/77.html"]
    )


def test_a_stored_header_value_cannot_break_the_exported_record(tmp_path: Path) -> None:
    from warcio.archiveiterator import ArchiveIterator

    from crawler.store.warc import export_warc
    from tests.factories import make_article

    article = make_article("a1", "kettle", "2025-01-02T09:00:00+00:00", cluster="a1")
    article.url = "https://kettle.example/news/1/\r\nWARC-Type: revisit"
    with Archive(tmp_path / "news.db") as archive:
        archive.store_article(
            article,
            html=b"<p>the page</p>",
            content_type="text/html\r\nX-Injected: yes\r\n\r\nbody",
        )
        out = io.BytesIO()
        assert export_warc(archive, out) == 1
    records = [
        (r.rec_type, r.http_headers, r.content_stream().read())
        for r in ArchiveIterator(io.BytesIO(out.getvalue()), check_digests=True)
        if r.rec_type != "warcinfo"
    ]
    assert [kind for kind, _, _ in records] == ["response"]
    _, http, body = records[0]
    assert http.get_header("X-Injected") is None
    assert http.get_header("Content-Type") == "text/html X-Injected: yes body"
    assert body == b"<p>the page</p>"


def test_a_later_import_of_past_pages_joins_the_clusters_of_an_earlier_one(
    tmp_path: Path, outlets: list
) -> None:
    title, sentence = TOPICS[2]
    original = response(
        "https://kettle.example/news/1/",
        article_html(title, sentence, "2025-01-02T09:00:00+00:00").encode(),
    )
    copy = response(
        "https://kettle.example/news/8/",
        article_html(title, sentence, "2025-01-03T09:00:00+00:00").encode(),
    )
    db = tmp_path / "news.db"
    run_import(local_sources([str(write_warc(tmp_path / "a.warc.gz", [original]))]), outlets, db)
    run_import(local_sources([str(write_warc(tmp_path / "b.warc.gz", [copy]))]), outlets, db)
    articles = stored(db)
    first, second = (articles[f"https://kettle.example/news/{n}/"] for n in (1, 8))
    # the archive's articles of 2025 are restored around its newest one, not around today
    assert second["cluster"] == first["cluster"] and second["copy_of"] == first["id"]


def test_a_warc_export_takes_the_filters_of_the_other_formats(tmp_path: Path) -> None:
    """``export --format warc --query`` writes the stored pages of the matching articles only."""
    from warcio.archiveiterator import ArchiveIterator

    db = tmp_path / "demo.db"
    run_newsmon("demo", "--db", str(db))
    every = run_newsmon("export", "--db", str(db), "--format", "jsonl").stdout.splitlines()
    word = json.loads(every[0])["title"].split()[0]
    matching = run_newsmon("export", "--db", str(db), "--query", word).stdout.splitlines()
    out = tmp_path / "some.warc.gz"
    with out.open("wb") as sink:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "crawler",
                "export",
                "--db",
                str(db),
                "--query",
                word,
                "--format",
                "warc",
            ],
            stdout=sink,
            check=True,
            timeout=120,
        )
    with out.open("rb") as stream:
        urls = [
            r.rec_headers.get_header("WARC-Target-URI")
            for r in ArchiveIterator(stream)
            if r.rec_type == "response"
        ]
    assert 0 < len(urls) == len(matching) < len(every)


@pytest.mark.timeout(20)
@pytest.mark.parametrize(
    "data", [b"garbage\n", b"no warc here at all, just a line of text\n" * 500]
)
def test_a_file_that_is_not_warc_is_one_bad_record_and_the_end(data: bytes) -> None:
    """The search for a next gzip member ends at the end of the file, however short its tail."""
    assert list(read_warc(io.BytesIO(data), lambda url: None)) == [(0, "not-warc")]


def test_a_warc_export_imports_back_into_the_same_published_times(
    sample_registry: Path, tmp_path: Path
) -> None:
    # a time the page did not show came from the feed, which a WARC does not carry: seven
    # sample articles came back with their day only
    from tests.newsmon_cli import FAST

    crawled, imported = tmp_path / "crawled.db", tmp_path / "imported.db"
    run_newsmon("crawl", "--outlets", str(sample_registry), "--db", str(crawled), *FAST)
    pages = tmp_path / "pages.warc.gz"
    with pages.open("wb") as sink:
        subprocess.run(
            [sys.executable, "-m", "crawler", "export", "--db", str(crawled), "--format", "warc"],
            stdout=sink,
            check=True,
            timeout=120,
        )
    run_newsmon("import", str(pages), "--outlets", str(sample_registry), "--db", str(imported))

    def published(db: Path) -> dict[str, str | None]:
        with Archive(db) as archive:
            return {a.url: a.published for a in archive.articles()}

    before, after = published(crawled), published(imported)
    assert len(before) > 30 and after == before
