"""Boilerplate of news bodies: per-outlet learned lines, tail markers and known template lines.

Three mechanisms, applied by :func:`crawler.extract.article.extract_article`:

- **Learned, per outlet.** :class:`BoilerplateLearner` keeps, for each outlet, the paragraph keys
  (:func:`crawler.extract.paragraphs.paragraph_key`) of its last :data:`WINDOW` articles. A key that
  occurs in at least :data:`MIN_COUNT` of them and :data:`MIN_SHARE` of the window is boilerplate
  (donor lines, footers, "recent news" rivers without a marker). The window rolls, so a footer that
  changes is unlearnt as the old articles leave it. :class:`Boilerplate` is the small, picklable
  snapshot sent to extraction workers. An outlet's first articles, extracted together before it
  learnt anything, wait in the crawl (``crawler.fetch.first_articles``) and are cleaned afterwards
  (:func:`restrip`).
- **Tail markers.** A short line such as "Read also", "Популярные новости" or "Related" starts a
  tail that is cut, but only near the end of the text or when only a headline river follows it,
  so an in-text cross-link does not truncate the article.
- **Template lines.** Share widgets, cross-link lines ("Читайте также: ...") and funding or
  correction notices are dropped wherever they stand; a bare web address too, unless it stands
  alone between lines of text.

::

    learner = BoilerplateLearner()
    ex = extract_article(body, url, outlet="cabar", boilerplate=learner.boilerplate("cabar"))
    learner.observe("cabar", ex.paragraph_keys)
"""

from __future__ import annotations

import json
import re
from collections import Counter, deque
from dataclasses import dataclass, replace

from crawler.items import Article

# Learner tuning, after S1's per-source suffix learner (shared/research/outlets.md §3.3: at least
# max(4, 20 %) of a source's articles) and checked on tests/crawler/test_boilerplate.py's
# simulated outlets; re-run those tests after a change.
WINDOW = 200  # recent articles remembered per outlet
MIN_ARTICLES = 10  # from this many articles of an outlet on, the rule below applies:
MIN_COUNT = 5  # a key must recur in at least this many articles ...
MIN_SHARE = 0.2  # ... and in at least this share of the window
# Small outlets and a crawl's first articles: from EARLY_ARTICLES articles on (and below
# MIN_ARTICLES), a key must recur in at least EARLY_MIN_COUNT of them and EARLY_MIN_SHARE of the
# window (4 articles: 3; 7: 4; 9: 5), so a footer is removed from the fifth article on.
EARLY_ARTICLES = 4
EARLY_MIN_COUNT = 3
EARLY_MIN_SHARE = 0.5
# ... and there versions of one story count as one article: two articles are versions when at
# least this share of the shorter one's keys are the other's. Three updates of a breaking story
# among an outlet's first articles would otherwise make the story its boilerplate, and strip it
# from every version. (A brief of one paragraph and three footer lines looks like a version of
# another such brief: that outlet learns its footer from its tenth article on.)
EARLY_VERSION_SHARE = 0.75
MAX_KEYS_PER_ARTICLE = 300  # bounds memory: keys kept per article (head and tail of long bodies)
JSON_VERSION = 1

# A marker line is at most this long (characters); a longer line is prose that mentions the words.
TAIL_MARKER_MAX_CHARS = 60
# A marker is cut when it starts in the last TAIL_ZONE of the body (by characters), as S1 does
# (outlets.md §3.3) ...
TAIL_ZONE = 0.2
# ... or anywhere after the first paragraph when what follows is a river of headlines: short lines
# that do not end like sentences (one-sentence paragraphs of tabloids do).
RIVER_LINE_MAX_CHARS = 160
_SENTENCE_ENDS = (".", "!", "?", "…", ".”", '."', ".»", "!”", "?”", ":")
# A line that is only a web address: dropped (a footer's site address, a source) unless it stands
# alone between lines of text (a product or document link in a list; see strip_template_lines).
_BARE_URL = re.compile(r"^\W{0,3}(https?://|www\.)\S+$", re.I)
# A cross-link line ("Read also: <headline>") is dropped in place when it is at most this long.
CROSS_LINK_MAX_CHARS = 250

_TAIL_MARKERS = re.compile(
    r"""^\W{0,3}(
      read\s+(also|more)|see\s+(also|more)|also\s+read|more\s+(on\s+this|news|stories)
      |related(\s+(stories|articles|coverage|news|posts?|content|topics))?
      |most\s+(read|popular|viewed)|popular(\s+(news|now|stories))?|you\s+(may|might)\s+(also\s+)?like
      |recommended(\s+(stories|for\s+you))?|recommendations|latest\s+news|news\s+brief|other\s+news
      |top\s+stories|trending(\s+now)?|load\s+more|follow\s+us(\s+on)?|explore\s+further|more
      |comments?|tags?|don.t\s+miss|something\s+to\s+consider|share\s+this(\s+(article|story))?
      |(popular|most\s+read|more|trending)\s+(on|in|from)\s+[\w .'-]{1,40}|filed\s+under\s*:.{0,80}
      |читайте\s+(также|ещ[её]|по\s+теме)|смотрите\s+также|по\s+теме|похожие\s+(новости|материалы|статьи)
      |популярн(ые|ое)(\s+новости)?|лента\s+новостей|самое\s+(читаемое|популярное)|просматриваемые
      |рекомендуем|это\s+может\s+быть\s+интересно|ещ[её]\s+от\s+автора|другие\s+(новости|материалы)
      |последние\s+новости|новости\s+по\s+теме|подписывайтесь|комментарии|теги
      |тағы\s+оқыңыз|ұқсас\s+жаңалықтар|mavzuga\s+oid|shuningdek\s+o.qing
      |также\s+читайте|ещ[её]\s+по\s+теме|сондай-ақ\s+оқыңыз|тағы\s+да\s+оқыңыз
      |ошондой\s+эле\s+окуңуз|дагы\s+окуңуз|шунингдек\s+ўқинг|мавзуга\s+оид|инчунин\s+хонед
    )[\W\d]*$""",
    re.I | re.X,
)
_CROSS_LINK = re.compile(
    r"^\W{0,3}(also\s+on\s+[\w.]+\.\w+\s|((read\s+(also|more)|see\s+(also|more)|also\s+read"
    r"|related(\s+post)?|читайте\s+(также|ещ[её]|по\s+теме)|смотрите\s+также|по\s+теме"
    r"|тағы\s+оқыңыз|lire\s+aussi(\s+sur\s+\w+)?|leggi\s+anche(\s+su)?|shuningdek\s+o.qing"
    r"|также\s+читайте|ещ[её]\s+по\s+теме|сондай-ақ\s+оқыңыз|тағы\s+да\s+оқыңыз"
    r"|ошондой\s+эле\s+окуңуз|дагы\s+окуңуз|шунингдек\s+ўқинг|инчунин\s+хонед)"
    r"\s*[:\-–—]))",
    re.I,
)
# Words of share widgets ("Бөлісу Сілтемесін көшіру Facebook X (Twitter) WhatsApp Email").
_SHARE_TEXT = (
    "share shares facebook twitter x whatsapp telegram vk vkontakte ok odnoklassniki email e mail "
    "linkedin copy link print pinterest reddit viber messenger tweet поделиться бөлісу сілтемесін "
    "көшіру ссылкой скопировать ссылку отправить pdf instagram youtube tiktok"
)
_SHARE_WORDS = frozenset(_SHARE_TEXT.split())
_NOTICES = re.compile(
    r"""^\W{0,3}(
      this\s+(publication|material|article)\s+was\s+(funded|produced|made\s+possible|prepared|supported)
      |its\s+contents\s+are\s+the\s+sole\s+responsibility
      |if\s+you\s+have\s+found\s+a\s+spelling\s+error
      |если\s+вы\s+(нашли|заметили)\s+ошибку
      |(данная\s+)?публикация\s+(была\s+)?(подготовлена|создана|осуществлена)\s+(в\s+рамках|при\s+(финансовой\s+)?поддержке)
      |(этот\s+)?материал\s+(был\s+)?подготовлен\s+(в\s+рамках|при\s+(финансовой\s+)?поддержке)
      |(subscribe|sign\s+up)\s+(to|for)\b.{0,80}\b(newsletters?|channel|podcast|youtube)
      |get\s+the\s+latest\b.{0,80}\binbox|click\s+here\s+(to|for)\b|like\s+this\s+story\b
      |if\s+you\s+enjoyed\s+this\s+article|this\s+copy\s+is\s+for\s+your\s+personal
      |support\s+local\s+journalists|поддержите\s+(независимую\s+)?журналистику
      |follow\s+(us|[\w@.' ]{1,40}?)\s+on\s+(telegram|facebook|twitter|x|instagram|youtube)\b
      |подписывайтесь\s+на\s+(наш\s+)?[\w.-]+\s+в\s+(telegram|телеграм|facebook|instagram)
      |(copyright|ⓒ|©)\s.{0,120}$|[\w.+-]+@[\w-]+\.[\w.]+$
      |\d{4}-\d{2}-\d{2}([t\s]\d{2}:\d{2}(:\d{2})?([+-]\d{2}:?\d{2}|z)?)?$
    )""",
    re.I | re.X,
)
# Credit and contact lines that end news bodies; removed only from the last paragraphs.
_TAIL_NOTICES = re.compile(
    r"""^\W{0,3}(
      (additional\s+)?reporting\s+by\b|editing\s+by\b|.{0,200}\bcontributed\s+(reporting|to\s+this\s+report)
      |write\s+to\s+.{1,60}\s+at\s+\S+@|email\s+.{1,60}\s+at\s+\S+@|reach\s+the\s+reporters?\b
      |have\s+a\s+tip\b|source\s*:\s*.{1,60}$|updated\s+(at|on)\b.{0,40}$|fotos?\s*:|photos?\s*:
      |\(?reporting\s+by\b
    )""",
    re.I | re.X,
)
# Reprint/copyright terms, "found a mistake? Ctrl+Enter" requests: template lines that end bodies
# (en/ru/kk/uz). Removed only from the last paragraphs, and only when at most
# TAIL_TEMPLATE_MAX_CHARS long, so prose that mentions reprints or mistakes stays.
_TAIL_TEMPLATES = re.compile(
    r"""(
      ^.{0,200}\bctrl\s*\+\s*enter\b
      |^\W{0,3}(found|noticed?|spotted|see)\s+(a|an)\s+(mistake|error|typo)\b
      |^\W{0,3}if\s+you\s+(notice|find|found|see|spot|spotted)\s+(a|an)\s+(mistake|error|typo)\b
      |^\W{0,3}(нашли|заметили)\s+(ошибку|опечатку)\b
      |^\W{0,3}(қате|қатені)\s+(таптыңыз|байқадыңыз)
      |^\W{0,3}xato(ni)?\s+(topdingizmi|topsangiz|sezdingizmi)
      |^.{0,200}\b(all\s+rights\s+reserved|все\s+права\s+(защищены|сохранены)
        |барлық\s+құқықтар\s+қорғалған|barcha\s+huquqlar\s+(himoyalangan|himoya\s+qilingan))\b
    )""",
    re.I | re.X,
)
# A reprint-terms line names a reprint or the use of materials ...
_REPRINT = re.compile(
    r"""(
      \b(reprint(ing|ed)?|republish(ing|ed)?|reproduc(tion|ed|ing)|redistribut(ion|ed))\b
      |\bmaterials?\b.{0,80}\b(may|can|must)\s+(only\s+)?be\s+(used|quoted|copied|republished|reprinted)
      |\b(when|if)\s+(using|quoting|copying)\b.{0,40}\bmaterials?\b|\buse\s+of\s+(the\s+)?materials?\b
      |перепечатк|перепечатыв|копирован|\bпри\s+(использовании|цитировании|копировании)\b
      |использование\s+материал|материалы?\s+.{0,80}(разрешается|допускается|можно)
      |материалдар(ды|ын)?\s+.{0,40}(пайдалан|көшір)|көшіріп\s+басу
      |materiallar(i|dan|ni)?\s+.{0,60}(foydalan|ko.chirib|chop)|qayta\s+chop
    )""",
    re.I | re.X,
)
# ... near its start (REPRINT_MAX_START characters), the outlet's materials and a link to the
# source or a permission.
_MATERIALS = re.compile(
    r"\b(materials?|content|articles|publications)\b|материал|контент|публикаци|materiallar",
    re.I,
)
_REPRINT_TERMS = re.compile(
    r"(hyper)?link|permission|consent|ссылк|источник|разрешени|согласи|сілтеме|рұқсат|havola"
    r"|manba|ruxsat",
    re.I,
)
TAIL_TEMPLATE_MAX_CHARS = 300
REPRINT_MAX_START = 40
# How many of the last paragraphs are checked against _TAIL_NOTICES and the tail templates.
TAIL_NOTICE_LINES = 3
_WORDS = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class Boilerplate:
    """An outlet's learned boilerplate: the keys of paragraphs that recur across its articles."""

    outlet: str
    keys: frozenset[str]

    def __contains__(self, key: str) -> bool:
        return key in self.keys

    def __len__(self) -> int:
        return len(self.keys)


class BoilerplateLearner:
    """Per-outlet rolling statistics of paragraph keys over each outlet's recent articles.

    Memory is bounded: at most ``window`` articles of at most :data:`MAX_KEYS_PER_ARTICLE` keys
    per outlet.

    Example::

        learner.observe("24kg", extraction.paragraph_keys)
        bp = learner.boilerplate("24kg")   # None until EARLY_ARTICLES articles were seen
    """

    def __init__(
        self,
        *,
        window: int = WINDOW,
        min_articles: int = MIN_ARTICLES,
        min_count: int = MIN_COUNT,
        min_share: float = MIN_SHARE,
    ) -> None:
        if window < 1 or min_articles < 1 or min_count < 1 or not 0.0 < min_share <= 1.0:
            raise ValueError(
                f"window={window}, min_articles={min_articles}, min_count={min_count} must be >= 1 "
                f"and min_share={min_share} within (0, 1]"
            )
        self.window = window
        self.min_articles = min_articles
        self.min_count = min_count
        self.min_share = min_share
        self._recent: dict[str, deque[tuple[str, ...]]] = {}
        self._counts: dict[str, Counter[str]] = {}
        self._cache: dict[str, Boilerplate | None] = {}

    def observe(self, outlet: str, paragraph_keys: list[str]) -> None:
        """Record one extracted article of an outlet (its paragraph keys, in order)."""
        keys = tuple(dict.fromkeys(k for k in paragraph_keys if k))
        if len(keys) > MAX_KEYS_PER_ARTICLE:
            half = MAX_KEYS_PER_ARTICLE // 2
            keys = keys[:half] + keys[-half:]
        recent = self._recent.setdefault(outlet, deque())
        counts = self._counts.setdefault(outlet, Counter())
        if len(recent) >= self.window:
            old = recent.popleft()
            counts.subtract(old)
            for key in old:
                if counts[key] <= 0:
                    del counts[key]
        recent.append(keys)
        counts.update(keys)
        self._cache.pop(outlet, None)

    def boilerplate(self, outlet: str) -> Boilerplate | None:
        """The outlet's current boilerplate, or None while too few of its articles were seen."""
        if outlet in self._cache:
            return self._cache[outlet]
        recent = self._recent.get(outlet)
        result = None
        seen = len(recent) if recent else 0
        need = None
        if seen >= self.min_articles:
            need = max(self.min_count, self.min_share * seen)
        elif seen >= min(EARLY_ARTICLES, self.min_articles):
            need = max(min(EARLY_MIN_COUNT, self.min_count), EARLY_MIN_SHARE * seen)
        if need is not None:
            counts = self._counts[outlet] if seen >= self.min_articles else _story_counts(recent)
            keys = frozenset(k for k, n in counts.items() if n >= need)
            result = Boilerplate(outlet, keys)
        self._cache[outlet] = result
        return result

    def outlets(self) -> list[str]:
        """The outlets observed so far."""
        return sorted(self._recent)

    def to_json(self) -> str:
        """Serialise the learner (settings and every outlet's window) for the archive."""
        return json.dumps({
            "version": JSON_VERSION,
            "window": self.window, "min_articles": self.min_articles,
            "min_count": self.min_count, "min_share": self.min_share,
            "outlets": {o: [list(keys) for keys in recent] for o, recent in self._recent.items()},
        }, separators=(",", ":"))  # fmt: skip

    @classmethod
    def from_json(cls, data: str) -> BoilerplateLearner:
        """Rebuild a learner saved by :meth:`to_json`; raises ValueError on another version."""
        raw = json.loads(data)
        if raw.get("version") != JSON_VERSION:
            raise ValueError(
                f"boilerplate state version {raw.get('version')!r}; "
                f"expected {JSON_VERSION} (re-learn it from recent articles)"
            )
        learner = cls(
            window=raw["window"],
            min_articles=raw["min_articles"],
            min_count=raw["min_count"],
            min_share=raw["min_share"],
        )
        for outlet, recent in raw["outlets"].items():
            for keys in recent[-learner.window :]:
                learner.observe(outlet, keys)
        return learner


def _story_counts(articles: deque[tuple[str, ...]]) -> Counter[str]:
    """In how many of ``articles`` each key is, versions of one story counted once
    (:data:`EARLY_VERSION_SHARE`); for an outlet's first few articles only (quadratic)."""
    stories: list[set[str]] = []  # the keys of each story's versions
    firsts: list[tuple[set[str], int]] = []  # each article seen so far, and its story
    for keys in articles:
        mine = set(keys)
        story = next(
            (
                i
                for other, i in firsts
                if mine
                and other
                and len(mine & other) >= EARLY_VERSION_SHARE * min(len(mine), len(other))
            ),
            None,
        )
        if story is None:
            story = len(stories)
            stories.append(set())
        stories[story] |= mine
        firsts.append((mine, story))
    return Counter(key for keys in stories for key in keys)


def remove_learned(
    paragraphs: list[str], keys: list[str], boilerplate: Boilerplate | None
) -> list[str]:
    """Drop the paragraphs whose key is in the outlet's learned boilerplate."""
    if not boilerplate:
        return paragraphs
    return [p for p, k in zip(paragraphs, keys, strict=True) if k not in boilerplate]


def ends_like_sentence(line: str) -> bool:
    """True for a line ending with sentence punctuation (headlines and menu entries do not)."""
    return line.rstrip().endswith(_SENTENCE_ENDS)


def is_bare_url(line: str) -> bool:
    """True for a line that is only a web address."""
    return bool(_BARE_URL.match(line.strip()))


def restrip(
    text: str, keys: list[str], used: Boilerplate | None, learned: Boilerplate | None
) -> str | None:
    """The body without the paragraphs that ``learned`` knows as boilerplate and ``used`` did not.

    ``text`` was extracted with the outlet's boilerplate ``used`` (its paragraphs joined by a blank
    line) and ``keys`` are the keys of all its paragraphs before that removal
    (:attr:`crawler.extract.article.Extraction.paragraph_keys`). Returns None when nothing changes,
    so an outlet's first articles, extracted before its boilerplate was learned, can be cleaned
    later.
    """
    if not learned:
        return None
    kept_keys = [k for k in keys if not (used and k in used)]
    paragraphs = text.split("\n\n")
    if len(paragraphs) != len(kept_keys):
        return None  # not the text these keys describe
    cleaned = remove_learned(paragraphs, kept_keys, learned)
    # nothing learned applies, or all of it would go (a body that is only boilerplate is refused
    # as too short at extraction; one cleaned afterwards is kept as it was)
    return "\n\n".join(cleaned) if 0 < len(cleaned) < len(paragraphs) else None


def restrip_article(
    article: Article, keys: list[str], used: Boilerplate | None, learned: Boilerplate | None
) -> Article | None:
    """The article with :func:`restrip` applied to its body, or None when that changes nothing."""
    text = restrip(article.text, keys, used, learned)
    return None if text is None else replace(article, text=text)


def _is_headline_row(line: str) -> bool:
    """A short line that does not end like a sentence: a headline in a river of links."""
    return len(line) <= RIVER_LINE_MAX_CHARS and not ends_like_sentence(line)


def is_tail_marker(line: str) -> bool:
    """True for a short line that opens a related/popular/read-also block."""
    return len(line) <= TAIL_MARKER_MAX_CHARS and bool(_TAIL_MARKERS.match(line))


def cut_tail(paragraphs: list[str]) -> list[str]:
    """Cut at the first tail marker near the end of the text, or followed only by a river."""
    total = sum(len(p) for p in paragraphs)
    seen = 0
    for i, para in enumerate(paragraphs):
        if i > 0 and is_tail_marker(para):
            rest = paragraphs[i + 1 :]
            near_end = seen >= (1 - TAIL_ZONE) * total
            river = bool(rest) and all(_is_headline_row(p) for p in rest)
            if near_end or river:
                return paragraphs[:i]
        seen += len(para)
    return paragraphs


def is_tail_template(line: str) -> bool:
    """True for a reprint/copyright terms line or a "found a mistake? Ctrl+Enter" request."""
    if len(line) > TAIL_TEMPLATE_MAX_CHARS:
        return False
    if _TAIL_TEMPLATES.match(line):
        return True
    reprint = _REPRINT.search(line)
    return bool(
        reprint
        and reprint.start() <= REPRINT_MAX_START
        and _MATERIALS.search(line)
        and _REPRINT_TERMS.search(line)
    )


def strip_tail_notices(paragraphs: list[str]) -> list[str]:
    """Drop credits, contact lines, sources, reprint terms and error-report requests at the end."""
    end = len(paragraphs)
    while end > 1 and len(paragraphs) - end < TAIL_NOTICE_LINES:
        last = paragraphs[end - 1]
        if not (_TAIL_NOTICES.match(last) or is_tail_template(last)):
            break
        end -= 1
    return paragraphs[:end]


def strip_template_lines(paragraphs: list[str]) -> list[str]:
    """Drop template lines, and bare web addresses except one standing between two text lines."""
    urls = [is_bare_url(p) for p in paragraphs]
    return [
        para
        for i, para in enumerate(paragraphs)
        if not is_template_line(para) and not (urls[i] and not _between_text(urls, i))
    ]


def _between_text(urls: list[bool], i: int) -> bool:
    """True when line ``i`` has a line before and after it and neither is a bare address."""
    return 0 < i < len(urls) - 1 and not urls[i - 1] and not urls[i + 1]


def is_template_line(line: str) -> bool:
    """True for a share widget, a cross-link line or a funding/correction/newsletter notice."""
    if len(line) <= CROSS_LINK_MAX_CHARS and _CROSS_LINK.match(line):
        return True
    if _NOTICES.match(line):
        return True
    words = _WORDS.findall(line.casefold())
    return bool(words) and all(w in _SHARE_WORDS for w in words) and len(words) >= 2
