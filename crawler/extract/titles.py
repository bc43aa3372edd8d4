"""The article's title: the headline a reader sees on the page.

Pages declare several titles: the social-card title (og:title, twitter:title), the JSON-LD
headline, the first ``<h1>`` and the ``<title>``. The ``<title>`` and the card titles carry the
site's name, a section or a date ("X | DW | 28.04.2023", "X - WELT", "X： Site"), and are often
rewritten for search engines; the ``<h1>`` is what the page shows. :func:`best_title` takes the
``<h1>`` when it is the article's headline, else the first declared title with the site's name,
sections and dates cut off.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from crawler.extract.paragraphs import compact

# Separators between a title's headline and the site's name, section or date. A hyphen, a colon
# or a full-width colon separate only with spaces (or the full-width colon alone).
_SEPARATOR = re.compile(r"\s+[|–—·»/]\s+|\s+-\s+|\s+::\s+|\s*[｜：]\s*|\s*\|\s*")
_DATE_SEGMENT = re.compile(r"^[\d\s./:,-]+$")
# A headline's content words have at least this many letters (short words say little).
CONTENT_WORD_CHARS = 4
# An <h1> is the headline when at least this share of its content words are in a declared
# title (a search-engine title rewrites the headline but keeps its subject) ...
H1_SHARED_WORDS = 0.3
# ... and it has at least this many characters (section names, "Games", are shorter).
H1_MIN_CHARS = 12
_WORD = re.compile(r"\w+")
STEM_CHARS = 5
# A segment holding the site's name with other words is the site's part up to this many words
# ("The Spokesman-Review", "Vortex Cannon Entertainment"), longer it is the headline's.
SITE_PART_MAX_WORDS = 3
# ... and an h1 of this many content words against such short titles is the headline.
H1_HEADLINE_WORDS = 4


def _content_words(text: str) -> set[str]:
    """A headline's content words, each cut to its stem (the first STEM_CHARS letters: the
    forms of a word share them, "фудблогера" and "фудблогеры", "charged" and "charges")."""
    words = {w.casefold() for w in _WORD.findall(text)}
    return {w[:STEM_CHARS] for w in words if len(w) >= CONTENT_WORD_CHARS}


def _is_site_part(segment: str, sites: Sequence[str]) -> bool:
    """True for a title segment that names the site (its name, its host) or is a date."""
    part = compact(segment)
    if not part or _DATE_SEGMENT.match(segment):
        return True
    return any(
        (
            part == site
            or (len(part) >= 2 and part in site)
            or (len(site) >= 3 and site in part and len(segment.split()) <= SITE_PART_MAX_WORDS)
        )
        for site in map(compact, filter(None, sites))
    )


def cut_site_parts(title: str, sites: Sequence[str]) -> str:
    """A declared title without its leading and trailing site-name and date segments."""
    parts = _SEPARATOR.split(title)
    while len(parts) > 1 and _is_site_part(parts[-1], sites):
        parts.pop()
    while len(parts) > 1 and _is_site_part(parts[0], sites):
        parts.pop(0)
    # a one-word section before a pipe: "Opinion | Headline"
    if len(parts) > 1 and len(parts[0].split()) == 1 and title.startswith(f"{parts[0]} | "):
        parts.pop(0)
    if len(parts) == len(_SEPARATOR.split(title)):
        return title
    # the separators inside the headline stay as the page wrote them
    kept = " ".join(parts)
    start = title.find(parts[0])
    end = title.rfind(parts[-1]) + len(parts[-1])
    return title[start:end].strip() if 0 <= start < end else kept


def headline_h1(h1: str | None, declared: Sequence[str], sites: Sequence[str]) -> bool:
    """True when the page's first <h1> is the article's headline, not a logo or a section.

    It is no site name, it is long enough, and when the page declares titles it shares enough
    of their words (an h1 naming a blog or a list's first item shares none).
    """
    others = [t for t in declared if t]
    if h1 and any(compact(h1) == compact(cut_site_parts(t, sites)) for t in others):
        return True  # the declared title, without the site's name
    if not h1 or len(h1) < H1_MIN_CHARS or _is_site_part(h1, sites):
        return False
    words = _content_words(h1)
    if not others or not words:
        return True
    known = set().union(*(_content_words(cut_site_parts(t, sites)) for t in others))
    # declared titles without content words ("x", "Home") say nothing against the h1
    if not known or len(words & known) >= H1_SHARED_WORDS * len(words):
        return True
    # short declared titles that share nothing with a long h1 name the site or a section
    # ("Дала жаңалықтары", "Версия для печати"), not another headline
    return (
        not words & known
        and len(words) >= H1_HEADLINE_WORDS
        and all(len(cut_site_parts(t, sites).split()) <= SITE_PART_MAX_WORDS for t in others)
    )


# A headline is a line: real ones have under 300 characters. A page's "title" past this (a
# hostile or broken page: half a megabyte in one <h1>) is cut at a word, with an ellipsis, so
# that it cannot swell every record, report line and dashboard page it appears in.
MAX_TITLE_CHARS = 1000


def bounded_title(title: str) -> str:
    """``title`` with its whitespace collapsed, cut to at most ``MAX_TITLE_CHARS``.

    Example:
        >>> bounded_title("  Floods  close  the road ")
        'Floods close the road'
        >>> len(bounded_title("word " * 1000)) <= MAX_TITLE_CHARS
        True
    """
    text = " ".join(title.split())
    if len(text) <= MAX_TITLE_CHARS:
        return text
    cut = text[: MAX_TITLE_CHARS - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut[MAX_TITLE_CHARS // 2 :] else cut) + "…"


def best_title(h1: str | None, declared: Sequence[str], sites: Sequence[str]) -> str | None:
    """The headline: the <h1> when it is the headline, else the first declared title, cut."""
    if headline_h1(h1, declared, sites):
        return " ".join(h1.split())
    for title in declared:
        if title and title.strip():
            return cut_site_parts(" ".join(title.split()), sites)
    return " ".join(h1.split()) if h1 and h1.strip() else None
