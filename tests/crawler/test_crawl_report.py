"""The crawl's summary (``CrawlReport``) for a crawl that did not end as planned."""

from __future__ import annotations

from crawler.fetch.runner import EXIT_PARTIAL, FORCED, CrawlReport


def test_a_crawl_stopped_at_once_says_so_not_that_it_did_not_start() -> None:
    # a second Ctrl-C after 40 articles: "the crawl did not start", and "crawled 7/7 outlets"
    stats = {"start_time": "2026-12-07T00:00:00", "newsmon/store/stored": 40}
    report = CrawlReport(outlets=["a", "b"], finish_reason=FORCED, stats=stats)
    lines = report.summary_lines()
    assert lines[0] == (
        "error: the crawl was stopped at once (a second Ctrl-C or SIGTERM), before it closed: "
        "what it stored is kept, and the next crawl fetches the rest"
    )
    assert lines[1] == (
        "stopped early (2 outlets): 40 new articles stored, 0 pages skipped, 0 failed"
    )
    assert report.exit_status == EXIT_PARTIAL


def test_a_crawl_closed_early_does_not_claim_its_outlets_crawled() -> None:
    stats = {"elapsed_time_seconds": 3.2, "newsmon/store/stored": 20}
    report = CrawlReport(outlets=["a", "b"], finish_reason="shutdown", stats=stats)
    assert report.summary_lines()[:2] == [
        "error: the crawl stopped early: shutdown",
        "stopped early (2 outlets) in 3.2 s: 20 new articles stored, 0 pages skipped, 0 failed",
    ]


def test_failure_reasons_say_what_happened() -> None:
    # a gzip bomb read "ignored", and a closed port "refused", the word of newsmon's refusals
    from scrapy.exceptions import IgnoreRequest
    from twisted.internet.error import ConnectionRefusedError
    from twisted.python.failure import Failure

    from crawler.fetch.spiders.outlet import _failure_reason

    bomb = IgnoreRequest(
        "Ignored response <200 http://x.example/n/1> because its body (2 B compressed, 9 B "
        "decompressed so far) exceeded DOWNLOAD_MAXSIZE (8 B) during decompression."
    )
    assert _failure_reason(Failure(bomb)) == "too-large"
    assert _failure_reason(Failure(ConnectionRefusedError())) == "connection-refused"
    assert _failure_reason(Failure(IgnoreRequest("Forbidden by robots.txt"))) == "robots"
