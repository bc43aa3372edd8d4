"""Text normalisation for Russian, Kazakh, Kyrgyz, Uzbek (Latin and Cyrillic), Tajik and English.

``normalize`` maps the typographic variants that syndicated copies of one text differ by onto one
form: Unicode compatibility forms (NFKC: no-break and thin spaces, full-width letters, ligatures),
case (``casefold``), ё/е, every apostrophe used inside Uzbek and Kazakh Latin words (``oʻ``,
``o'``, ``o‘``, ``o’``) to one, stress and stray combining marks, soft hyphens and zero-width
characters; quotes, dashes and other punctuation become word breaks (so sentences glued at a full
stop, "unsolved.On Tuesday", come apart as "unsolved on tuesday"); a dateline at the top
("BISHKEK, Jan 9 (Kabar) -") goes. Line breaks are kept:
shingles and boilerplate detection work line by line.

Speed: the common punctuation is replaced with ``str.replace`` and a bytes table, and a line is
split with ``str.split`` when what is left is only letters, digits and spaces; any other line goes
through the equivalent (ten times slower) regular expression.
"""

from __future__ import annotations

import re
import unicodedata

from dedup.errors import DedupError

# Bump when normalize() or the tokenisation in dedup/shingles.py changes what a text maps to:
# signatures made by another version are refused (IncompatibleSignature). 2: signatures carry the
# content shingles (dedup/shingles.py CONTENT_MIN_WORDS).
#
# Words glued without punctuation where a page lost a space ("ofKazakhstan") are not split: a
# lower-case letter before a capital costs a scan of every text (5 % of `newsmon cluster`'s
# speed, bench/dedup_speed.py) and linked no further pair of the shared dev set (such a copy links
# on its containment).
TOKENIZER_VERSION = 2

_APOSTROPHE = "\u02bc"  # MODIFIER LETTER APOSTROPHE: a letter, so it stays inside words
_ASCII_APOSTROPHES = "'`"
_APOSTROPHES = "'`\u00b4\u2018\u2019\u201b\u2032\u02b9\u02bb\u02bd\u02c8\uff07"
# Non-ASCII punctuation common in news text (NFKC has already turned no-break spaces, "…" and
# "№" into ASCII); anything else takes the regular-expression path.
_PUNCTUATION = "«»‹›„“”‟‚–—―‐‑‒•·°€£₽₸§©®±"
# ASCII punctuation (the apostrophe aside) and control characters become spaces.
_ASCII_TABLE = bytes(
    0x20 if (c < 0x20 and c != 0x0A) or (chr(c) in '!"#$%&()*+,-./:;<=>?@[\\]^_{|}~') else c
    for c in range(256)
)
# UTF-8 of the characters that may be neither letter, digit nor space: lead bytes of the ranges
# with punctuation, symbols or combining marks (Latin-1 symbols, spacing modifiers, combining
# marks, everything from U+0530 up but CJK letters) and a few single characters. A text with none
# of them after the replacements above is split with bytes.split; else the regular expression runs.
_SUSPECT_BYTES = tuple(
    bytes([lead]) for lead in (0xC2, 0xCB, 0xCC, 0xCD, *range(0xD5, 0xE4), *range(0xEA, 0xF5))
)
_SUSPECT_CHARS = "×÷϶҂" + "".join(map(chr, range(0x483, 0x48A)))
# A dateline at the start of a line near the top ("BISHKEK, Jan 9 (Kabar) -", "БИШКЕК, 9 янв —
# Кабар.", "Бишкек, 9 января /Кабар/."): syndicated copies add it, so it goes.
_W = r"[^\W\d_]"
_DATELINE = re.compile(
    rf"\A[ \t]*{_W}+(?:[ -]{_W}+){{0,2}},[ \t]*"  # city,
    rf"(?:\d{{1,2}}[ \t]+{_W}{{3,9}}\.?|{_W}{{3,9}}\.?[ \t]+\d{{1,2}})"  # 9 Jan | Jan 9
    rf"(?:,?[ \t]+\d{{4}})?"  # year
    rf"(?:[ \t]*[/(][^/()\n]{{1,30}}[/)])?"  # /Kabar/ | (Kabar)
    rf"[ \t]*(?:[-—–]+(?:[ \t]*{_W}[\w.-]*(?:[ \t]{_W}[\w.-]*)?\.(?=[ \t]))?|[.:])",  # - | — Kabar.
)
_DATELINE_ZONE = 300  # characters from the start where datelines are looked for
_DELETE = "\u00ad\u200b\u200c\u200d\u2060\ufeff" + "".join(map(chr, range(0x300, 0x370)))
_DELETE_TABLE = str.maketrans(dict.fromkeys(_DELETE))
_BREAK = re.compile(r"(?:[^\w\n]|_)+")
# With ``marks``: sentence marks become ``MARK``, a byte that is no word byte (words split there
# as at a space) and that ``shingles.shingle_many`` reads as a sentence break (``dedup.align``).
MARK = b"\x1f"
_SENTENCE_MARKS = ".!?;"
_MARKED_TABLE = bytes(MARK[0] if chr(c) in _SENTENCE_MARKS else _ASCII_TABLE[c] for c in range(256))
_BREAK_MARKED = re.compile(r"(?:[^\w\n\x1f]|_)+")
_EDGE_APOSTROPHES = re.compile(rf"(?<!\w){_APOSTROPHE}+|{_APOSTROPHE}+(?!\w)")
# An apostrophe at the start or end of a word (after or before a space, a line break or the text's
# edge) is a quote: a word break. Replacements of the byte pairs, repeated for a run of them: the
# regular expression that says it in one line tries a match at every byte (a third of the
# normalisation time of an English text with apostrophes).
_MODIFIER = _APOSTROPHE.encode()
_LEADING, _TRAILING = b" " + _MODIFIER, _MODIFIER + b" "


def normalize(text: str) -> str:
    """Normalise a text for shingling: its words, one line per non-empty line.

    Args:
        text: any text; paragraphs or lines separated by line breaks.

    Returns:
        The words of each non-empty line (NFKC, case-folded, ё as е, one apostrophe), separated
        by single spaces; lines separated by ``\\n``.

    Example:
        >>> normalize("«Oʻzbekiston» — O‘ZBEKISTON\u00a0ва ЁЛКА")
        'oʼzbekiston oʼzbekiston ва елка'
        >>> normalize("Сөз—сөз, 'quoted' до\u0301ма\\n\\nҚазақ")
        'сөз сөз quoted дома\\nқазақ'
    """
    return "\n".join(b" ".join(words).decode() for words in word_lines(text))


def word_lines(text: str) -> list[list[bytes]]:
    """The normalised words of each non-empty line of ``text``, UTF-8 encoded.

    Example:
        >>> word_lines("Don't — stop!\\n\\n…")
        [[b'don\\xca\\xbct', b'stop']]
    """
    return [words for line in normalized_bytes(text).split(b"\n") if (words := line.split())]


def normalized_bytes(text: str, marks: bool = False) -> bytes:
    """``text`` normalised and UTF-8 encoded, before it is split into words: bytes up to the space
    are only spaces (between words, any number) and line breaks, and with ``marks`` the ``MARK``
    of each sentence mark (. ! ? ;); ``MARK`` made a space gives the text without ``marks``.

    Example:
        >>> normalized_bytes("Stop — now!\\nGo")
        b'stop   now \\ngo'
        >>> normalized_bytes("Stop — now!\\nGo", marks=True)
        b'stop   now\\x1f\\ngo'
    """
    table = _MARKED_TABLE if marks else _ASCII_TABLE
    text = unicodedata.normalize("NFKC", text)
    head = text[:_DATELINE_ZONE].split("\n")
    text = "\n".join(_DATELINE.sub(" ", line, count=1) for line in head) + text[_DATELINE_ZONE:]
    if text.isascii():  # (a flag of the string) none of the non-ASCII characters to look for
        for char in _ASCII_APOSTROPHES:
            if char in text:
                text = text.replace(char, _APOSTROPHE)
        data = text.lower().encode().translate(table)  # lower() is casefold() here
        suspect = False
    else:
        for char in _APOSTROPHES:
            if char in text:
                text = text.replace(char, _APOSTROPHE)
        text = text.casefold().replace("ё", "е")
        for char in _PUNCTUATION:
            if char in text:
                text = text.replace(char, " ")
        try:
            data = text.encode().translate(table)
        except UnicodeEncodeError as exc:  # JSON's "\ud800" decodes to a lone surrogate
            at = exc.start
            raise DedupError(f"the text is not valid Unicode (a lone surrogate at {at})") from None
        suspect = any(b in data for b in _SUSPECT_BYTES) or any(c in text for c in _SUSPECT_CHARS)
    if suspect:
        if marks:
            for char in _SENTENCE_MARKS:
                if char in text:
                    text = text.replace(char, "\x1f")
        text = (_BREAK_MARKED if marks else _BREAK).sub(" ", text.translate(_DELETE_TABLE))
        if _APOSTROPHE in text:
            text = _EDGE_APOSTROPHES.sub(" ", text)
        data = text.encode()
    elif _MODIFIER in data:
        if marks:
            data = data.replace(MARK, b" " + MARK + b" ")
        data = b" " + data.replace(b"\n", b" \n ") + b" "  # every word edge is a space now
        while _LEADING in data:
            data = data.replace(_LEADING, b"  ")
        while _TRAILING in data:
            data = data.replace(_TRAILING, b"  ")
    return data
