"""Score newsmon's extractor against plain trafilatura on the Article Extraction Benchmark.

Both run in the same process on the same pages (../shared/bench/aeb, 181 pages); both are scored
with the benchmark's own metric (bench/aeb_metric.py, see SOURCE.md there). Prints F1, precision,
recall and accuracy of each, milliseconds per page, the pages where one beats the other, and the
pages our extractor refused (they score as empty predictions).

Usage::

    /tmp/venv/bin/python bench/extract_aeb.py [--aeb DIR] [--top N] [--json OUT.json]

The baseline is ``trafilatura.extract(html)`` with its defaults, given the decoded page.
Times are CPU time of this process (``time.process_time``), so other load on the machine does not
skew the comparison; both extractors run single-threaded in the same process and take turns page
by page (run_interleaved), so a neighbour's load drifting during the run hits both alike. Before
timing, both extract the repository's own fixture pages (tests/pages, not AEB pages) once: what a
long-lived extraction worker pays once (lazy imports, models, first calls) is not per-page cost.
A shared machine still moves the figures by several per cent; compare the ratio of one run.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import importlib.util
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _load_metric():
    spec = importlib.util.spec_from_file_location("aeb_metric", HERE / "aeb_metric.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("aeb_metric", module)
    spec.loader.exec_module(module)
    return module


aeb_metric = _load_metric()
CorpusScore, PageScore = aeb_metric.CorpusScore, aeb_metric.PageScore
aggregate, score_page = aeb_metric.aggregate, aeb_metric.score_page
DEFAULT_AEB = HERE.parent / ".." / "shared" / "bench" / "aeb"
FIXTURES = HERE.parent / "tests" / "pages"
# A page counts as a win or a loss when the page F1 differs by more than this.
WIN_MARGIN = 0.005


def load_aeb(aeb: Path) -> tuple[dict[str, bytes], dict[str, str], dict[str, str]]:
    """(page id -> html bytes, page id -> reference body, page id -> url)."""
    truth = json.loads((aeb / "ground-truth.json").read_text(encoding="utf-8"))
    pages = {key: gzip.decompress((aeb / "html" / f"{key}.html.gz").read_bytes()) for key in truth}
    refs = {key: value["articleBody"] for key, value in truth.items()}
    urls = {key: value.get("url") or f"https://aeb.invalid/{key}" for key, value in truth.items()}
    return pages, refs, urls


def ours_on(body: bytes, url: str) -> tuple[str, str | None]:
    """Our extractor's body of one page ("" when refused) and the refusal reason, if any."""
    from crawler.errors import ExtractionError
    from crawler.extract.article import extract_article

    try:
        return extract_article(body, url, fetched="2100-01-01T00:00:00Z").article.text, None
    except ExtractionError as exc:
        return "", str(exc)


def trafilatura_on(body: bytes) -> str:
    """Plain ``trafilatura.extract`` with defaults on one decoded page."""
    import trafilatura

    return trafilatura.extract(body.decode("utf-8", "replace")) or ""


def run_ours(
    pages: dict[str, bytes], urls: dict[str, str]
) -> tuple[dict[str, str], dict[str, str]]:
    """Our extractor's body per page, and the refusal reason of the pages it refused."""
    predictions, refused = {}, {}
    for key, body in pages.items():
        predictions[key], why = ours_on(body, urls[key])
        if why is not None:
            refused[key] = why
    return predictions, refused


def run_trafilatura(pages: dict[str, bytes]) -> dict[str, str]:
    """Plain ``trafilatura.extract`` with defaults on each decoded page."""
    return {key: trafilatura_on(body) for key, body in pages.items()}


@dataclass
class Run:
    """Both extractors' bodies and their CPU seconds over the whole corpus."""

    baseline: dict[str, str] = field(default_factory=dict)
    ours: dict[str, str] = field(default_factory=dict)
    refused: dict[str, str] = field(default_factory=dict)
    base_secs: float = 0.0
    our_secs: float = 0.0


def run_interleaved(pages: dict[str, bytes], urls: dict[str, str]) -> Run:
    """Both extractors, page by page in turns, each timed on its own calls.

    Taking turns spreads the load of a shared machine evenly over both; the two work half a corpus
    apart (trafilatura on page i while ours is on page i + n/2), so neither finds the other's
    caches warm with the same page.
    """
    keys = list(pages)
    run = Run()
    for i, base_key in enumerate(keys):
        our_key = keys[(i + len(keys) // 2) % len(keys)]
        start = time.process_time()
        run.baseline[base_key] = trafilatura_on(pages[base_key])
        middle = time.process_time()
        run.ours[our_key], why = ours_on(pages[our_key], urls[our_key])
        run.base_secs += middle - start
        run.our_secs += time.process_time() - middle
        if why is not None:
            run.refused[our_key] = why
    return run


def warm_up(fixtures: Path = FIXTURES) -> int:
    """Run both extractors once over the fixture pages (untimed); returns how many were read."""
    import trafilatura

    from crawler.errors import ExtractionError
    from crawler.extract.article import extract_article
    from crawler.extract.metadata import warm_up_dates

    # every fixture page declares its date: none reaches htmldate's extensive search
    warm_up_dates()
    entries = json.loads((fixtures / "manifest.json").read_text(encoding="utf-8"))
    for entry in entries:
        body = (fixtures / entry["path"]).read_bytes()
        trafilatura.extract(body.decode("utf-8", "replace"))
        with contextlib.suppress(ExtractionError):
            extract_article(body, entry["url"], fetched=entry.get("fetched"))
    return len(entries)


def score(
    predictions: dict[str, str], refs: dict[str, str]
) -> tuple[CorpusScore, dict[str, PageScore]]:
    """Corpus score and page scores."""
    pages = {key: score_page(predictions.get(key, ""), ref) for key, ref in refs.items()}
    return aggregate(list(pages.values())), pages


def main(argv: list[str] | None = None) -> int:
    """Run both extractors and print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--aeb", type=Path, default=DEFAULT_AEB, help="the AEB data directory")
    parser.add_argument("--top", type=int, default=15, help="wins and losses listed (each)")
    parser.add_argument("--json", type=Path, help="write our predictions here")
    args = parser.parse_args(argv)
    if not (args.aeb / "ground-truth.json").exists():
        print(f"error: no AEB data at {args.aeb}", file=sys.stderr)
        return 2
    pages, refs, urls = load_aeb(args.aeb)
    import trafilatura  # noqa: F401 -- import cost is not part of either timing

    import crawler.extract.article  # noqa: F401

    warm_up()
    run = run_interleaved(pages, urls)
    baseline, base_secs, ours, refused, our_secs = (
        run.baseline,
        run.base_secs,
        run.ours,
        run.refused,
        run.our_secs,
    )
    base_total, base_pages = score(baseline, refs)
    our_total, our_pages = score(ours, refs)
    n = len(pages)
    print(f"AEB: {n} pages ({args.aeb.resolve()})")
    print(f"{'extractor':<28}{'F1':>7}{'prec':>7}{'recall':>8}{'acc':>7}{'ms/page':>9}")
    for name, total, secs in (
        ("trafilatura.extract", base_total, base_secs),
        ("newsmon extract_article", our_total, our_secs),
    ):
        print(
            f"{name:<28}{total.f1:>7.3f}{total.precision:>7.3f}{total.recall:>8.3f}"
            f"{total.accuracy:>7.3f}{1000 * secs / n:>9.1f}"
        )
    print(f"CPU ratio newsmon / trafilatura: {our_secs / base_secs:.2f}")
    diffs = sorted(((our_pages[k].f1 - base_pages[k].f1, k) for k in refs), reverse=True)
    wins = [(d, k) for d, k in diffs if d > WIN_MARGIN]
    losses = [(d, k) for d, k in reversed(diffs) if d < -WIN_MARGIN]
    print(f"\nwins {len(wins)}, losses {len(losses)}, ties {n - len(wins) - len(losses)}")
    for label, rows in (("wins", wins), ("losses", losses)):
        print(f"\n{label} (page F1 ours vs trafilatura):")
        for diff, key in rows[: args.top]:
            print(
                f"  {diff:+.3f}  {our_pages[key].f1:.3f} vs {base_pages[key].f1:.3f}  "
                f"{key[:12]}  {urls[key][:80]}"
            )
    if refused:
        print(f"\nrefused by ours: {len(refused)}")
        for key, why in refused.items():
            print(f"  {key[:12]}  {why}  {urls[key][:80]}")
    if args.json:
        args.json.write_text(json.dumps(ours, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
