"""Print what a reader sees of a page's headline, byline and date, to label the metadata dev set.

Not an extractor: it prints the candidates (<title>, a few meta tags, JSON-LD author and date, the
<h1>s, elements whose class names a byline/author/date, <time>s, and the visible text from the
first <h1> on) and the labeller decides per page (bench/data/metadata-dev/README.md).

Usage::

    python bench/show_page.py [--text=N] PAGE [PAGE ...]

PAGE is an AEB file name or its id prefix (read from ../shared/bench/aeb) or a tests/pages path.
"""

from __future__ import annotations

import gzip
import json
import re
import sys
from pathlib import Path

from lxml import html as lxml_html

ROOT = Path(__file__).resolve().parents[1]
AEB = ROOT.parent / "shared" / "bench" / "aeb"
CLASSES = re.compile(r"byline|author|date|time|posted|publish|writer|credit|dateline", re.I)
METAS = re.compile(
    r"^(og:title|author|article:author|article:published_time|datePublished|date|pubdate|dc\.date"
    r"|byl|parsely-author|sailthru\.author|sailthru\.date)$",
    re.I,
)
MAX_CLASSED = 8


def read_page(page: str) -> tuple[str, bytes | str]:
    """(url, page): a fixture's bytes (lxml honours its charset) or an AEB page's text."""
    if page.startswith("tests/"):
        manifest = json.loads((ROOT / "tests/pages/manifest.json").read_text(encoding="utf-8"))
        url = next(e["url"] for e in manifest if "tests/pages/" + e["path"] == page)
        return url, (ROOT / page).read_bytes()
    truth = json.loads((AEB / "ground-truth.json").read_text(encoding="utf-8"))
    [key] = [k for k in truth if k.startswith(page.removesuffix(".html.gz"))]
    data = gzip.decompress((AEB / "html" / f"{key}.html.gz").read_bytes())
    # the AEB pages are UTF-8 (SOURCE.md) and most declare no charset
    return truth[key]["url"], data.decode("utf-8", "replace")


def _text(el, limit: int = 160) -> str:
    return " ".join(el.text_content().split())[:limit]


def _visible_text(tree, chars: int) -> str:
    """The body's text from a little before the first <h1>, text nodes joined by " / "."""
    body = tree.find(".//body")
    lines = [" ".join(t.split()) for t in (body.itertext() if body is not None else [])]
    text = " / ".join(line for line in lines if line)
    h1s = tree.xpath("//h1")
    anchor = text.find(_text(h1s[0], 40)) if h1s and _text(h1s[0], 40) else -1
    start = max(anchor - 150, 0) if anchor >= 0 else 0
    return text[start : start + chars]


def show(page: str, chars: int = 0) -> None:
    """Print the headline, byline and date candidates of one page."""
    url, source = read_page(page)
    tree = lxml_html.fromstring(source)
    for bad in tree.xpath("//script[not(@type='application/ld+json')]|//style|//noscript"):
        bad.drop_tree()
    print(f"=== {page}\n url: {url}")
    title = tree.find(".//title")
    print(" <title>:", " ".join(title.text_content().split()) if title is not None else None)
    for meta in tree.xpath("//meta[@content]"):
        name = meta.get("property") or meta.get("name") or meta.get("itemprop") or ""
        if METAS.search(name):
            print(f" meta {name}: {meta.get('content')[:120]}")
    for script in tree.xpath("//script[@type='application/ld+json']"):
        for key in ("author", "datePublished"):
            pattern = rf'"{key}"\s*:\s*("[^"]*"|\{{[^}}]*\}}|\[[^\]]*\])'
            for hit in re.findall(pattern, script.text or "")[:1]:
                print(f" ld {key}: {' '.join(hit.split())[:140]}")
    for h in tree.xpath("//h1"):
        print(" h1:", _text(h))
    seen: set[str] = set()
    for el in tree.xpath("//body//*[@class or @itemprop or @rel]"):
        attrs = " ".join(filter(None, (el.get("class"), el.get("itemprop"), el.get("rel"))))
        text = _text(el, 120)
        if CLASSES.search(attrs) and text and text not in seen and len(seen) < MAX_CLASSED:
            seen.add(text)
            print(f" .{attrs[:40]}: {text}")
    for t in tree.xpath("//time")[:4]:
        print(" time:", t.get("datetime"), "|", _text(t, 60))
    if chars:
        print(" text:", _visible_text(tree, chars))


def main(argv: list[str]) -> int:
    """Show each page named on the command line."""
    chars = 0
    if argv and argv[0].startswith("--text="):
        chars = int(argv.pop(0).removeprefix("--text="))
    for page in argv:
        show(page, chars)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
