"""Authors: the people a page names as its article's writers, from its metadata and bylines.

Bylines carry decoration around the names ("By X", "Von X", "Автор: X", "Муаллиф: X", "X, AP
Staff Writer", "X Redakteur", dates, "@handles"), and byline-looking elements hold other things
(photo credits, share buttons, comment-form labels). :func:`clean_authors` keeps the people's
names; an agency or a desk only where the page names no person, the outlet itself never.
The rules name classes of bylines, never a site.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import cache

from crawler.extract.credits import default_agencies
from crawler.extract.paragraphs import compact


def _word_set(words: str) -> frozenset[str]:
    """The white-space separated words of a list written as one string."""
    return frozenset(words.split())


def _word_set_list(words: str) -> list[str]:
    """The white-space separated words of a string, in order."""
    return words.split()


# Names longer than this (characters) or with more words are sentences, not names.
AUTHOR_MAX_CHARS = 60
AUTHOR_MAX_WORDS = 5

# A byline's opening words before the names: "By", "Von", "Автор:", "Текст:", Kazakh "Авторы:",
# Uzbek "Муаллиф:" / "Muallif:", "Posted by", "Analysis by".
_PREFIX = re.compile(
    r"^\W*(?:(?:written|posted|reported|analysis|story|words|reporting|text|published|"
    r"interview|commentary|opinion)\s+by|by|von|par|por|от|"
    r"авторы?|автор\s+материала|текст|text|authors?|autor(?:in|en)?|"
    r"муаллиф(?:лар)?|muallif(?:lar)?|автору|автордун|авторлар|тексттин|мәтін|matn)\b\s*[:\-–—]?\s*",
    re.I,
)
# A photo, video or illustration credit: the whole part names no author ("Фото: X", Kazakh
# "Сурет:", Kyrgyz "Сүрөт:", Uzbek "Surat:" / "Сурат:", "Photograph by X").
_PHOTO = re.compile(
    r"^\W*(?:photo(?:graph)?s?|foto|фото|видео|video|image|illustration|иллюстрация|"
    r"сурет|сүрөт|surat|сурат|графика|инфографика|camera|оператор|"
    r"topics?|category|section|tags?|рубрика|тема|теги)\b",
    re.I,
)
# Inside one byline, a photo credit ends the authors' part: "Текст: X. Фото: Y".
_PHOTO_INSIDE = re.compile(
    r"[.,;|/]?\s*(?:photo(?:graph)?s?|foto|фото|видео|video|сурет|сүрөт|surat|сурат)"
    r"(?:\s+by)?\s*[:\-–—].*$",
    re.I,
)
_SPLIT = re.compile(
    r"\s*(?:;|,|\band\b|\bund\b|\bи\b|\bва\b|\bжана\b|\bжәне\b|\bva\b|&|\||/)\s*", re.I
)
# "Finian Cunningham. Sputnik International": a full stop after a word (not an initial) ends a name.
_GLUED_DIGIT = re.compile(r"(?<![\w-])[^\W\d_]+\d")
_SENTENCE_STOP = re.compile(r"(?<=\w\w)\.\s+(?=\w)")
# A byline's role words: the name ends before them ("X Redakteur", "X, AP Sports Writer").
_ROLE_WORDS = frozenset(
    _word_set(
        """writer writers reporter reporters editor editors editor-at-large columnist contributor
    contributors correspondent correspondents redakteur redakteurin korrespondent korrespondentin
    autorin journalist journalistin producer photographer analyst intern
    корреспондент корреспондентка обозреватель журналист журналистка редактор фотограф
    тілші тілшісі кабарчы кабарчысы мухбир мухбири muxbir muxbiri jurnalist"""
    )
)
# Words a role phrase opens with before its role word ("AP Staff Writer", "Senior Contributor").
_ROLE_MODIFIERS = frozenset(
    _word_set(
        """staff senior chief special contributing associate deputy managing executive national
    political security sports sport auto business news science tech technology health lead
    global foreign investigative senior-staff our the a an at of for"""
    )
)
# Labels that byline-classed elements also hold: share buttons, comment forms, login prompts.
_LABEL_WORDS = frozenset(
    _word_set(
        """share twitter facebook telegram whatsapp vk vkontakte ok linkedin email e-mail print
    follow subscribe login log sign in register name nama wajib required имя гость guest войти
    зарегистрироваться поделиться подписаться аты ism view more articles all posts profile
    comments comment website reply"""
    )
)
# Trailing date words of a byline ("Jeff Foust Monday", "Carrie Arnold November").
_DATE_WORDS = frozenset(
    _word_set(
        """monday tuesday wednesday thursday friday saturday sunday january february march april may
    june july august september october november december jan feb mar apr jun jul aug sep sept
    oct nov dec updated published posted am pm ist gmt utc on at"""
    )
)
# A byline's trailing words that are no part of a name.
_TRAILING_WORDS = _DATE_WORDS | _LABEL_WORDS
_DIGIT = re.compile(r"\d")
# Words of organisations, not people: a name holding one names a desk or an outlet.
_ORG_WORDS = frozenset(
    _word_set(
        """press news agency agencies staff media international insider business service services
    bureau team desk editorial reports sport sports times post journal network tv radio wire
    wires inc ltd llc group magazine online daily herald tribune nast ministry ministries
    defense defence government university institute club foundation company corporation
    редакция пресс-служба новости агентство служба министерство правительство"""
    )
)
# Words of an outlet's own desk: a byline holding one credits no one.
_DESK_WORDS = _word_set(
    "staff reports bureau desk team services newsroom redaktion редакция редакциясы"
)
# Words that name an agency.
_AGENCY_WORDS = _word_set("agency press агентство агенттігі агенттиги агентлиги agentligi")
# Lower-case words a person's name may hold ("Ursula von der Leyen", "Abu Bakr al Baghdadi").
_PARTICLES = _word_set(
    "von van der den de da di del della dos das du la le bin ibn al el y zu ten ter ben"
)
_JUNK = re.compile(
    r"^(by|автор|текст|фото|photo|text|staff|admin|administrator|editor|editorial|редакция|редактор|newsroom|"
    r"desk|news|reporter|correspondent|корреспондент|unknown|anonymous|guest|user|redaktion|"
    r"www\..*|.*\.(com|org|net|de|kz|kg|uz|tj|tm|ru|asia|info|media)|.*@.*|https?:.*)$",
    re.I,
)


@cache
def _agency_spellings() -> frozenset[str]:
    """Every spelling of settings/agencies.toml, case-folded."""
    names = default_agencies().names
    return frozenset(s.casefold() for key, spellings in names.items() for s in (key, *spellings))


def _words(name: str) -> list[str]:
    return name.split()


def _strip_decoration(part: str) -> str:
    """One name candidate without its byline prefix, role, handles, date words and labels."""
    part = _PREFIX.sub("", part)
    if _GLUED_DIGIT.search(part):
        return ""  # a model or a product ("RX100"), not a name
    # digits start a date or time: a name has none
    part = _DIGIT.split(part, maxsplit=1)[0]
    words = [w for w in _words(part) if not w.startswith(("@", "#"))]
    # a role word ends the name; the modifiers before it belong to the role
    for i, word in enumerate(words):
        if word.casefold().strip(".,:") in _ROLE_WORDS:
            words = words[:i]
            while words and (
                words[-1].casefold() in _ROLE_MODIFIERS
                or (len(words) > 2 and _is_acronym(words[-1]))
            ):
                words.pop()
            break
    while words and (
        words[-1].casefold().strip(".,:*()") in _TRAILING_WORDS
        or not any(c.isalpha() for c in words[-1])
    ):
        words.pop()
    while words and words[0].casefold().strip(".,:*()") in _LABEL_WORDS:
        words.pop(0)
    words = _undouble(words)
    return " ".join(words).strip(" .:|-–—*()")


def _is_acronym(word: str) -> bool:
    return 2 <= len(word) <= 4 and word.isupper() and word.isalpha()


def _undouble(words: list[str]) -> list[str]:
    """ "Sean Martin Sean Martin" (a name printed twice in one byline) -> "Sean Martin"."""
    half = len(words) // 2
    if (
        half
        and len(words) % 2 == 0
        and [w.casefold() for w in words[:half]] == [w.casefold() for w in words[half:]]
    ):
        return words[:half]
    return words


def _parts(value: str) -> list[str]:
    """The name candidates of one author string (a byline may name several)."""
    value = " ".join(value.split())
    if _PHOTO.match(value):
        return []
    value = _PHOTO_INSIDE.sub("", value)
    # "By X" is one prefix; after it, "and"/"и"/commas separate names
    value = _PREFIX.sub("", value)
    parts: list[str] = []
    for piece in _SPLIT.split(value):
        parts += _SENTENCE_STOP.split(piece)
    return [p for p in (_strip_decoration(p) for p in parts if not _PHOTO.match(p)) if p]


def _plausible(name: str, sites: set[str]) -> bool:
    """A name at all: short, no digits, not a label, an address or the site's own name."""
    words = _words(name)
    return bool(
        words
        and len(name) <= AUTHOR_MAX_CHARS
        and len(words) <= AUTHOR_MAX_WORDS
        and not _JUNK.match(name)
        and not any(c.isdigit() for c in name)
        and not _names_site(name, sites)
        and not all(w.casefold().strip(".,:*()") in _LABEL_WORDS for w in words)
    )


def _names_site(name: str, sites: set[str]) -> bool:
    """True when a name is the site's own: its name or its host ("Al-Bawaba" on albawaba.com,
    "RT" on rt.com)."""
    short = compact(name)
    return name.casefold() in sites or any(
        (len(short) >= 3 and short in compact(site)) or short in site.split(".") for site in sites
    )


def _is_credit(name: str) -> bool:
    """True for an organisation that may stand as the author where no person is named: a known
    agency, an agency by its name ("European Space Agency") or an acronym ("PTI"); not a desk of
    the outlet ("HNN Staff", "Staff Reports", "News Nation Bureau")."""
    words = [w.casefold() for w in _words(name)]
    if _DESK_WORDS.intersection(words):
        return False
    bare = name.removeprefix("The ").casefold()
    return (
        bare in _agency_spellings()
        or bool(_AGENCY_WORDS.intersection(words))
        or (len(words) == 1 and _is_acronym(name))
    )


def is_person(name: str) -> bool:
    """True for what reads as a person's name: capitalised words (or particles), no organisation
    word, not a known agency."""
    words = _words(name)
    if name.casefold() in _agency_spellings() or words[0].casefold() in ("the", "a"):
        return False
    if len(words) == 1 and name.isupper():
        return False  # a one-word name in capitals is a call sign or an acronym ("RT")
    for word in words:
        bare = word.strip(".,'’\"()")
        if not bare:
            return False
        if bare.casefold() in _ORG_WORDS:
            return False
        particle = bare.casefold() in _PARTICLES or bare.startswith(("al-", "el-"))
        # scripts without case (Hangul, Arabic, CJK) have no capitals to check
        if bare[0].islower() and not particle:
            return False
    return True


_CYRILLIC = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюяқғңүұөһәі",
        _word_set_list(
            "a b v g d e e zh z i i k l m n o p r s t u f kh ts ch sh sch _ y _ e yu ya"
            " q g n u u o h a i"
        ),
        strict=True,
    )
)


def _skeleton(name: str) -> str:
    """A name's consonant skeleton in Latin letters: transliterations of one name share it
    ("Иван Петров", "Ivan Petrov"; "Ержан", "Yerzhan")."""
    folded = unicodedata.normalize("NFKD", name.casefold())
    latin = "".join(_CYRILLIC.get(c, c) for c in folded if not unicodedata.combining(c))
    return "".join(c for c in latin if c.isalpha() and c not in "aeiouyjhw_")


def _variants(a: str, b: str) -> bool:
    """True when two names are one person's: equal but for case, dots and initials ("Troy L.
    Smith", "Troy Smith"), or transliterations of each other."""
    wa = [w.strip(".").casefold() for w in _words(a)]
    wb = [w.strip(".").casefold() for w in _words(b)]
    if wa == wb:
        return True
    if len(wa) >= 2 and len(wb) >= 2 and wa[0] == wb[0] and wa[-1] == wb[-1]:
        return True
    short, long = sorted((wa, wb), key=len)
    if len(short) >= 2 and short in (long[: len(short)], long[-len(short) :]):
        return True  # one with a word more: "Sobre X Y", "X Y USA TODAY"
    ska, skb = _skeleton(a), _skeleton(b)
    return len(ska) >= 4 and ska == skb and _script(a) != _script(b)


def _extends(longer: str, name: str) -> bool:
    """True when ``longer`` is ``name`` with words before or after it."""
    outer, inner = _words(longer.casefold()), _words(name.casefold())
    n = len(inner)
    return len(outer) > n and inner in (outer[:n], outer[-n:])


def _script(name: str) -> str:
    return "cyrillic" if any("\u0400" <= c <= "\u04ff" for c in name) else "latin"


# A byline with its label, anywhere in a line that may also give the date and the views
# ("5 ноября 2026 · Автор: Айгуль Сыдыкова", "Muallif: Dilnoza Karimova 👁 1245",
# "Текст: Бакыт Асанов. Фото: ..."): the label's capitalised words, at most four.
_CAPITAL = "A-ZА-ЯЁӘҒҚҢӨҰҮҺІЎҲҶӢӮ"
_LABELLED = re.compile(
    r"(?:^|[\s·•|,;])(?:авторы?|автор\s+материала|текст|muallif(?:lar)?|муаллиф(?:лар)?"
    r"|mu'allif|authors?|мәтін)\s*:\s*"
    rf"(?P<name>[{_CAPITAL}][\w'’-]+(?:\s+[{_CAPITAL}][\w'’-]+){{0,3}})",
    re.I,
)


def labelled_bylines(lines: Iterable[str]) -> list[str]:
    """The names that ``lines`` give after a byline label ("Автор:", "Muallif:", "Текст:"),
    in order: for a page whose byline is in no author-classed element.

    Example:
        >>> labelled_bylines(["5 ноября 2026 · Автор: Айгуль Сыдыкова", "Текст: Бакыт Асанов."])
        ['Айгуль Сыдыкова', 'Бакыт Асанов']
    """
    return [m.group("name") for line in lines for m in _LABELLED.finditer(line)]


def clean_authors(
    raw: Sequence[str | None], site_names: Sequence[str] = (), visible: Sequence[str] = ()
) -> list[str]:
    """The page's authors from its author strings (metadata first, then the visible bylines).

    People's names when the page names any; else the organisation it credits (an agency, a
    desk), never the outlet itself.
    Variants of one name are kept once, in the form the visible bylines (``visible``) show.
    """
    sites = {s.casefold() for s in site_names if s}
    shown = " ".join(v for v in visible if v).casefold()
    names: list[str] = []
    for value in raw:
        if not value or value.strip().startswith(("http://", "https://")):
            continue
        for name in _parts(value):
            if not _plausible(name, sites):
                continue
            same = next((i for i, known in enumerate(names) if _variants(known, name)), None)
            if same is None:
                names.append(name)
            elif _extends(names[same], name) or (
                name.casefold() in shown and names[same].casefold() not in shown
            ):
                names[same] = name  # the bare name, in the form the reader sees
    people = [n for n in names if is_person(n)]
    if any(len(_words(n)) >= 2 for n in people):
        # a one-word "name" beside full names is a place, a section or a brand
        return [n for n in people if len(_words(n)) >= 2]
    # one-word names beside an organisation: the first named tells which the page credits
    # ("Reuters, Washington" is an agency and its dateline)
    others = [n for n in names if n not in people and _is_credit(n)]
    if others and (not people or names[0] not in people):
        return others[:1]
    return people
