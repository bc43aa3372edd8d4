"""Print what a reader sees of a page's headline, byline and date, to label the metadata dev set.

Not an extractor: it prints the candidates (<h1>s, byline/author/date elements, <time>s, meta tags,
JSON-LD, the first lines of the body's visible text) and the labeller decides per page.

Usage::

    python bench/show_page.py PAGE [PAGE ...]   # AEB file name (id or id.html.gz) or tests/pages path
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


def _read(page: str) -> tuple[str, bytes | str]:
    """(url, html bytes) of an AEB page id / file name or a tests/pages path."""
    if page.startswith("tests/"):
        manifest = json.loads((ROOT / "tests/pages/manifest.json").read_text(encoding="utf-8"))
        url = next(e["url"] for e in manifest if "tests/pages/" + e["path"] == page)
        return url, (ROOT / page).read_bytes()
    key = page.removesuffix(".html.gz")
    truth = json.loads((AEB / "ground-truth.json").read_text(encoding="utf-8"))
    data = gzip.decompress((AEB / "html" / f"{key}.html.gz").read_bytes())
    # the AEB pages are UTF-8 (SOURCE.md) and most declare no charset
    return truth[key]["url"], data.decode("utf-8", "replace")


def _text(el, limit: int = 160) -> str:
    return " ".join(el.text_content().split())[:limit]


def show(page: str, chars: int = 0) -> None:
    """Print the candidates of one page."""
    url, source = _read(page)
    tree = lxml_html.fromstring(source)
    for bad in tree.xpath("//script[not(@type='application/ld+json')]|//style|//noscript"):
        bad.drop_tree()
    print(f"=== {page}\n url: {url}")
    print(" <title>:", " ".join(tree.findtext(".//title") .split()) if tree.find(".//title") is not None else None)
    for meta in tree.xpath("//meta[@content]"):
        name = meta.get("property") or meta.get("name") or meta.get("itemprop") or ""
        if re.search(r"^(og:title|author|article:author|article:published_time|datePublished|date|pubdate|dc.date|byl|parsely-author|sailthru.author|sailthru.date)$", name, re.I):
            print(f" meta {name}: {meta.get('content')[:120]}")
    for script in tree.xpath("//script[@type='application/ld+json']"):
        for key in ("author", "datePublished"):
            pattern = rf'"{key}"\s*:\s*("[^"]*"|\{{[^}}]*\}}|\[[^\]]*\])'
            for hit in re.findall(pattern, script.text or "")[:1]:
                print(f" ld {key}: {' '.join(hit.split())[:140]}")
    for h in tree.xpath("//h1"):
        print(" h1:", _text(h))
    seen = set()
    for el in tree.xpath("//body//*[@class or @itemprop or @rel][not(self::body)]"):
        attrs = " ".join(filter(None, (el.get("class"), el.get("itemprop"), el.get("rel"))))
        text = _text(el, 120)
        if CLASSES.search(attrs) and text and text not in seen and len(seen) < 8:
            seen.add(text)
            print(f" .{attrs[:40]}: {text}")
    for t in tree.xpath("//time")[:4]:
        print(" time:", t.get("datetime"), "|", _text(t, 60))
    if chars:
        body = tree.find(".//body")
        lines = [" ".join(t.split()) for t in (body.itertext() if body is not None else [])]
        text = " / ".join(line for line in lines if line)
        h1s = tree.xpath("//h1")
        anchor = text.find(_text(h1s[0], 40)) if h1s and _text(h1s[0], 40) else -1
        start = max(anchor - 150, 0) if anchor >= 0 else 0
        print(" text:", text[start : start + chars])


if __name__ == "__main__":
    args = sys.argv[1:]
    chars = int(args.pop(0).removeprefix("--text=")) if args and args[0].startswith("--text=") else 0
    for arg in args:
        show(arg, chars)
