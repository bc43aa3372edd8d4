"""Paragraphs of an extracted body: splitting, the normalised form used to compare them, their keys.

Two paragraphs are "the same" when their normalised forms are equal: NFKC, case-folded, and reduced
to their word characters, so typographic quotes, apostrophes, dashes, punctuation and runs of spaces
do not matter ("Kazakstan’s" == "Kazakstan's", "—" == "-").
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter

_WORD = re.compile(r"\w+")
# Repeated paragraphs shorter than this (normalised characters) are kept: separators, table rows
# and recipe lines ("1 cup blueberries") legitimately repeat. Set by bench/extract_aeb.py: at 20,
# repeated rows cost one AEB page 0.2 of its F1; 60 keeps them and still catches repeated
# standfirsts and pull quotes.
DEDUPE_MIN_CHARS = 60
# A paragraph that occurs this many times or more is a row of structured content (a meal plan's
# recurring dish, a schedule's recurring slot) and every occurrence is kept: standfirsts and pull
# quotes are repeated once. Set by bench/extract_aeb.py: a meal-plan page, recall 0.67 -> 0.94.
STRUCTURED_REPEATS = 3


# A body's paragraphs are normalised in several passes (the headline block, continuations,
# repeats, keys): each page's forms are kept until the page is done (``forget_normalized``),
# so each is made once. A bounded LRU cache missed on every line of every pass once a page had
# more lines than it held (a timetable of 70,000 lines: 0.5 of 2.6 CPU seconds). The cap bounds
# what a caller outside a page's extraction keeps.
_NORMALIZED: dict[str, str] = {}
MAX_NORMALIZED = 1 << 17


def normalize(text: str) -> str:
    """The comparison form of a text: NFKC, case-folded, words joined by single spaces."""
    form = _NORMALIZED.get(text)
    if form is None:
        if len(_NORMALIZED) >= MAX_NORMALIZED:
            _NORMALIZED.clear()
        form = " ".join(_WORD.findall(unicodedata.normalize("NFKC", text).casefold()))
        _NORMALIZED[text] = form
    return form


def forget_normalized() -> None:
    """Drop the forms ``normalize`` keeps (``extract_article`` calls it after each page)."""
    _NORMALIZED.clear()


# What compact drops: all but letters and digits (``[^\W_]`` is exactly ``str.isalnum``).
_NOT_ALNUM = re.compile(r"[\W_]+")


def compact(text: str) -> str:
    """A name's letters and digits, case-folded ("Al-Bawaba" -> "albawaba"): names and site
    names compared without spaces, punctuation or case."""
    return _NOT_ALNUM.sub("", text.casefold())


def paragraph_key(text: str) -> str:
    """A short stable fingerprint of a paragraph's normalised form ("" for a text without words)."""
    norm = normalize(text)
    if not norm:
        return ""
    return hashlib.blake2b(norm.encode("utf-8"), digest_size=8).hexdigest()


def split_paragraphs(text: str) -> list[str]:
    """The non-empty, stripped lines of an extracted text, in order."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def dedupe(paragraphs: list[str]) -> list[str]:
    """Keep the first occurrence of every paragraph that repeats (only once) inside one article."""
    norms = [normalize(para) for para in paragraphs]
    counts = Counter(norms)
    seen: set[str] = set()
    kept = []
    for para, norm in zip(paragraphs, norms, strict=True):
        if len(norm) >= DEDUPE_MIN_CHARS and counts[norm] < STRUCTURED_REPEATS:
            if norm in seen:
                continue
            seen.add(norm)
        kept.append(para)
    return kept
