"""Score newsmon's and plain trafilatura's metadata (authors, title, day) on the metadata dev set.

The dev set (bench/data/metadata-dev/labels.jsonl, see its README) holds what a reader sees on each
page: the headline, the people in the byline and the publication day. Its pages are AEB pages (read
from ../shared/bench/aeb at run time, by bench/extract_aeb.py's loader) and the repository's fixture
article pages (tests/pages). Both extractors run on the same pages in the same run:

- newsmon: ``crawler.extract.article.extract_article`` (title, authors, the day of ``published``
  as the page's own offset gives it);
- plain trafilatura: ``trafilatura.bare_extraction(html, url=..., with_metadata=True)`` (title,
  author split at ";", date).

Scores:

- authors: F1 of the normalised name sets (casefold, whitespace collapsed) per page, averaged over
  the pages; a page whose label has no author scores 1 when the prediction has none too, else 0;
- title: share of pages whose title equals the label after whitespace and case normalisation;
- date: share of the pages with a labelled day whose predicted day equals it (pages showing no
  date are counted apart: how many of them got a date anyway); "date ±1d" also accepts the next
  or previous day, which separates time-zone shifts (local day shown, UTC day in the metadata).

Usage::

    python bench/extract_metadata.py [--aeb DIR] [--labels FILE] [--misses]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
LABELS = HERE / "data" / "metadata-dev" / "labels.jsonl"
FIXTURES = ROOT / "tests" / "pages"
# AEB pages are historical: any fetch time after them keeps every shown date admissible.
AEB_FETCHED = "2100-01-01T00:00:00Z"


def _load_sibling(name: str):
    """bench/<name>.py as a module (bench/ is not a package)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, HERE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@dataclass(frozen=True)
class Label:
    """One labelled page: what a reader sees of its title, authors and publication day."""

    page: str
    url: str
    title: str | None
    authors: tuple[str, ...]
    published: str | None


@dataclass(frozen=True)
class Meta:
    """One extractor's title, authors and publication day (YYYY-MM-DD) of a page."""

    title: str | None = None
    authors: tuple[str, ...] = ()
    published: str | None = None


def load_labels(path: Path = LABELS) -> list[Label]:
    """The labelled pages of the dev set, in file order."""
    labels = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            labels.append(
                Label(
                    row["page"], row["url"], row["title"], tuple(row["authors"]), row["published"]
                )
            )
    return labels


def load_pages(labels: list[Label], aeb: Path) -> dict[str, tuple[bytes, str | None]]:
    """page -> (html bytes, fetch time): AEB pages by extract_aeb's loader, fixtures from disk."""
    pages: dict[str, tuple[bytes, str | None]] = {}
    if any(not label.page.startswith("tests/") for label in labels):
        aeb_pages, _, _ = _load_sibling("extract_aeb").load_aeb(aeb)
        for key, body in aeb_pages.items():
            pages[f"{key}.html.gz"] = (body, AEB_FETCHED)
    manifest = json.loads((FIXTURES / "manifest.json").read_text(encoding="utf-8"))
    for entry in manifest:
        pages[f"tests/pages/{entry['path']}"] = (
            (FIXTURES / entry["path"]).read_bytes(),
            entry.get("fetched"),
        )
    missing = [label.page for label in labels if label.page not in pages]
    if missing:
        raise SystemExit(f"error: labelled pages not found: {', '.join(missing[:5])}")
    return pages


def newsmon_meta(body: bytes, url: str, fetched: str | None) -> Meta:
    """newsmon's metadata of one page (empty when it refuses the page)."""
    from crawler.errors import ExtractionError
    from crawler.extract.article import extract_article

    try:
        article = extract_article(body, url, fetched=fetched).article
    except ExtractionError:
        return Meta()
    day = article.published[:10] if article.published else None
    return Meta(article.title, tuple(article.authors or ()), day)


def trafilatura_meta(body: bytes, url: str) -> Meta:
    """Plain ``trafilatura.bare_extraction(with_metadata=True)`` metadata of one page."""
    import trafilatura

    # the bytes, so that trafilatura finds the page's encoding itself (some fixtures are not UTF-8)
    doc = trafilatura.bare_extraction(body, url=url, with_metadata=True)
    if doc is None:
        return Meta()
    authors = tuple(name.strip() for name in (doc.author or "").split(";") if name.strip())
    return Meta(doc.title, authors, (doc.date or None) and doc.date[:10])


def norm(text: str | None) -> str:
    """Casefolded, whitespace collapsed."""
    return " ".join((text or "").split()).casefold()


def authors_f1(predicted: tuple[str, ...], expected: tuple[str, ...]) -> float:
    """F1 of the normalised name sets; 1 when both are empty."""
    got, want = {norm(n) for n in predicted} - {""}, {norm(n) for n in expected} - {""}
    if not got and not want:
        return 1.0
    if not got or not want:
        return 0.0
    return 2 * len(got & want) / (len(got) + len(want))


def _within_a_day(predicted: str | None, expected: str) -> bool:
    """True when the predicted day is the labelled one or next to it (a time-zone shift: the page
    shows its local day, the metadata often the UTC one)."""
    try:
        return abs((date.fromisoformat(predicted or "") - date.fromisoformat(expected)).days) <= 1
    except ValueError:
        return False


@dataclass
class Score:
    """One extractor's scores over the dev set and its misses per field."""

    pages: int = 0
    authors_sum: float = 0.0
    titles_right: int = 0
    dated: int = 0
    days_right: int = 0
    days_near: int = 0
    undated: int = 0
    undated_given: int = 0
    misses: dict[str, list[str]] = field(
        default_factory=lambda: {"authors": [], "title": [], "date": []}
    )

    @property
    def authors(self) -> float:
        return self.authors_sum / self.pages if self.pages else 0.0

    @property
    def title(self) -> float:
        return self.titles_right / self.pages if self.pages else 0.0

    @property
    def date(self) -> float:
        return self.days_right / self.dated if self.dated else 0.0

    @property
    def date_near(self) -> float:
        """Share of dated pages whose predicted day is within one day of the label."""
        return self.days_near / self.dated if self.dated else 0.0

    def add(self, label: Label, meta: Meta) -> None:
        """Score one page."""
        self.pages += 1
        name = label.page[:12] if not label.page.startswith("tests/") else label.page
        f1 = authors_f1(meta.authors, label.authors)
        self.authors_sum += f1
        if f1 < 1.0:
            self.misses["authors"].append(
                f"{name}  want {list(label.authors)}  got {list(meta.authors)}"
            )
        if norm(meta.title) == norm(label.title):
            self.titles_right += 1
        else:
            self.misses["title"].append(f"{name}  want {label.title!r}  got {meta.title!r}")
        if label.published is None:
            self.undated += 1
            self.undated_given += meta.published is not None
        else:
            self.dated += 1
            self.days_near += _within_a_day(meta.published, label.published)
            if meta.published == label.published:
                self.days_right += 1
            else:
                self.misses["date"].append(f"{name}  want {label.published}  got {meta.published}")


EXTRACTORS = ("trafilatura", "newsmon")


def run(
    labels: list[Label], aeb: Path, extractors: tuple[str, ...] = EXTRACTORS
) -> dict[str, Score]:
    """The extractors over the labelled pages: {"trafilatura": Score, "newsmon": Score}."""
    pages = load_pages(labels, aeb)
    scores = {name: Score() for name in extractors}
    for label in labels:
        body, fetched = pages[label.page]
        if "trafilatura" in scores:
            scores["trafilatura"].add(label, trafilatura_meta(body, label.url))
        if "newsmon" in scores:
            scores["newsmon"].add(label, newsmon_meta(body, label.url, fetched))
    return scores


def main(argv: list[str] | None = None) -> int:
    """Run both extractors over the dev set and print their scores."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--aeb", type=Path, default=_load_sibling("extract_aeb").DEFAULT_AEB)
    parser.add_argument("--labels", type=Path, default=LABELS, help="the dev set (JSON lines)")
    parser.add_argument("--misses", action="store_true", help="list each extractor's misses")
    args = parser.parse_args(argv)
    if not args.labels.exists():
        print(f"error: no labels at {args.labels}", file=sys.stderr)
        return 2
    labels = load_labels(args.labels)
    if any(not x.page.startswith("tests/") for x in labels) and not (args.aeb / "html").is_dir():
        print(f"error: no AEB data at {args.aeb}", file=sys.stderr)
        return 2
    scores = run(labels, args.aeb)
    first = next(iter(scores.values()))
    print(f"metadata dev set: {first.pages} pages ({first.dated} with a shown date)")
    header = f"{'extractor':<14}{'authors F1':>11}{'title':>8}{'date':>8}{'date ±1d':>10}"
    print(f"{header}{'undated pages given a date':>28}")
    for name, score in scores.items():
        print(
            f"{name:<14}{score.authors:>11.3f}{score.title:>8.3f}{score.date:>8.3f}"
            f"{score.date_near:>10.3f}{f'{score.undated_given}/{score.undated}':>28}"
        )
    if args.misses:
        for name, score in scores.items():
            for fieldname, rows in score.misses.items():
                print(f"\n{name} {fieldname} misses ({len(rows)}):")
                for row in rows:
                    print(f"  {row}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
