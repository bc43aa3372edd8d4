"""Registry pattern matching: the cost per link of ``Outlet.is_article_url`` (RE2) against the
same pattern in Python's ``re``, and the time of a ReDoS bait link in each.

    python bench/url_patterns.py

Prints microseconds per link over 50,000 canonical article links of one bundled outlet, and the
time of one bait link of growing length for a nested-quantifier slug pattern (``re`` doubles with
every character; RE2 stays linear).
"""

from __future__ import annotations

import re
import time

from settings.registry import UrlPattern, load_registry, outlet_by_id

_LINKS = 50_000
_SLUG = r"^https?://slugs\.example/u/([a-z0-9]+-?)+/?$"


def _per_link(check: object, links: list[str]) -> float:
    start = time.perf_counter()
    for link in links:
        check(link)  # type: ignore[operator]
    return (time.perf_counter() - start) / len(links) * 1e6


def main() -> None:
    outlet = outlet_by_id(load_registry(), "24kg")
    links = [
        f"https://24.kg/obschestvo/{340000 + i}_story-about-things-{i}/" for i in range(_LINKS)
    ]
    backtracking = re.compile(outlet.article_pattern.pattern)
    print(f"{_LINKS} links of {outlet.id}, best of 3 (us per link):")
    for name, check in (
        ("re.search", backtracking.search),
        ("RE2 pattern.search", outlet.article_pattern.search),
        ("is_article_url", outlet.is_article_url),
    ):
        print(f"  {name:20} {min(_per_link(check, links) for _ in range(3)):.2f}")
    slug_re2, slug_re = UrlPattern.compile(_SLUG), re.compile(_SLUG)
    print("bait https://slugs.example/u/aaa...a! (seconds):")
    for length in (16, 20, 24):
        bait = "https://slugs.example/u/" + "a" * length + "!"
        start = time.perf_counter()
        slug_re.search(bait)
        took_re = time.perf_counter() - start
        start = time.perf_counter()
        slug_re2.search(bait)
        print(f"  {length:3} letters: re {took_re:.3f}  RE2 {time.perf_counter() - start:.6f}")
    bait = "https://slugs.example/u/" + "a" * 2000 + "!"
    start = time.perf_counter()
    slug_re2.search(bait)
    print(f"  2000 letters: RE2 {time.perf_counter() - start:.6f} (re: not tried)")


if __name__ == "__main__":
    main()
