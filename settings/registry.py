"""The outlet registry: load ``settings/outlets.toml`` (or a user file) and validate every outlet.

The format is DESIGN.md's ``[[outlet]]`` array of tables. Every outlet is checked when the file is
loaded, not at its first crawl, and the first problem found raises :class:`RegistryError` with one
line that names the file, the line, the outlet and the key::

    outlets.toml:42: outlet 'lemonde': unknown key 'feedurl' (did you mean 'feeds'?)

``tomllib`` reports no line numbers for values, so the line is found by scanning the text of the
offending ``[[outlet]]`` table for the key (and, for a bad list item, for the item itself).

Example::

    outlets = load_registry()                       # the bundled settings/outlets.toml
    cabar = outlet_by_id(outlets, "cabar")
    cabar.is_article_url("https://cabar.asia/en/some-story")   # True

Hosts are kept in one form, IDNA (``пример.рф`` becomes ``xn--e1afmkfd.xn--p1ai``), the form of
the canonical URLs they are compared with. ``article_pattern`` and ``exclude_pattern`` are
compiled with RE2 (``google-re2``), which matches in time linear in the URL whatever the
pattern: a pattern RE2 cannot take (lookarounds, backreferences) is refused at load.
"""

from __future__ import annotations

import difflib
import functools
import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import re2

from crawler.errors import ConfigError, RegistryError
from crawler.urls import MAX_URL_LENGTH, idna_host, url_host, url_port

BUNDLED_REGISTRY = "outlets.toml"

DEFAULT_INTERVAL = 1800.0  # seconds between two crawls of an outlet when `interval` is absent

REGIONAL_COUNTRY = "XA"  # user-assigned ISO 3166 code: the outlet covers a region, not one country

_ID_RE = re.compile(r"^[a-z0-9_-]+$")
_HOST_RE = re.compile(r"^(?=.{1,253}$)(?!-)[a-z0-9-]{1,63}(?<!-)(?:\.(?!-)[a-z0-9-]{1,63}(?<!-))*$")
_IPV4_RE = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")
_INTERVAL_PART_RE = re.compile(r"(\d+(?:\.\d+)?)([smhdw])")
_INTERVAL_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}
_TOML_POSITION_RE = re.compile(r"^(?P<reason>.*) \(at line (?P<line>\d+), column (?P<col>\d+)\)$")
_TABLE_HEADER_RE = re.compile(r"""^\s*\[\[?\s*([A-Za-z0-9_."' -]+?)\s*\]\]?\s*(?:#.*)?$""")

# ISO 3166-1 alpha-2 country codes (officially assigned).
_COUNTRY_CODES = """
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT
BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH
ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT
HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS
LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI
NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG
SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG
UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
"""
_COUNTRIES = frozenset(_COUNTRY_CODES.split()) | {REGIONAL_COUNTRY}

# ISO 639-1 language codes.
_LANGUAGE_CODES = """
aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de
dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id
ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu
lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu
rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr
ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu
"""
_LANGUAGES = frozenset(_LANGUAGE_CODES.split())


def is_language_code(code: str) -> bool:
    """Whether ``code`` is an ISO 639-1 code in lower case ("ru", "kk")."""
    return code in _LANGUAGES


def is_country_code(code: str) -> bool:
    """Whether ``code`` is an ISO 3166 alpha-2 code in upper case ("KG"), or ``XA`` (a region)."""
    return code in _COUNTRIES


_REQUIRED_KEYS = ("id", "name", "country", "languages", "homepage", "article_pattern")
_URL_LIST_KEYS = ("feeds", "sitemaps", "sections")
_KNOWN_KEYS = (
    "id", "name", "country", "languages", "homepage", "feeds", "sitemaps", "sections",
    "article_pattern", "exclude_pattern", "allowed_domains", "interval", "obey_robots",
    "timezone",
)  # fmt: skip
# The time zone of a country that has one: what a page's shown clock time means when the page
# gives no offset ("5 декабря 2026, 14:30" on a Bishkek site is 14:30 at +06:00).
COUNTRY_ZONES = {
    "KG": "Asia/Bishkek", "KZ": "Asia/Almaty", "UZ": "Asia/Tashkent", "TJ": "Asia/Dushanbe",
    "TM": "Asia/Ashgabat", "AF": "Asia/Kabul", "AZ": "Asia/Baku", "GE": "Asia/Tbilisi",
    "AM": "Asia/Yerevan", "BY": "Europe/Minsk",
}  # fmt: skip
_PATTERN_KEYS = ("article_pattern", "exclude_pattern")

# RE2 reports errors through its C++ log (stderr) unless told not to; the message is raised anyway.
_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False


class PatternError(ValueError):
    """A registry pattern that Python's ``re`` or RE2 cannot compile; the text says why."""


@dataclass(frozen=True, slots=True)
class UrlPattern:
    """A registry URL pattern, compiled with RE2: matching time is linear in the URL.

    Equal when the pattern texts are equal. ``search`` finds the pattern anywhere in the text,
    as ``re.search`` does; anchor it with ``^...$``.
    """

    pattern: str
    compiled: Any = field(compare=False, repr=False)

    @classmethod
    def compile(cls, text: str) -> UrlPattern:
        """Compile ``text``; it must be valid for Python's ``re`` and accepted by RE2.

        Raises:
            PatternError: ``re`` cannot compile it (its message), or RE2 refuses what needs
                backtracking (lookarounds, backreferences).
        """
        try:
            re.compile(text)
        except re.error as exc:
            raise PatternError(f"does not compile: {exc}") from exc
        try:
            # a bytes pattern (still UTF-8) and bytes to search: the wrapper then skips mapping
            # byte offsets back to characters, a third of the cost of a search
            compiled = re2.compile(text.encode("utf-8"), options=_RE2_OPTIONS)
        except re2.error as exc:
            reason = (
                exc.args[0].decode("utf-8", "replace")
                if exc.args and isinstance(exc.args[0], bytes)
                else str(exc)
            )
            raise PatternError(
                f"is not allowed: {reason} (patterns are matched in linear time, so lookarounds "
                "and backreferences cannot be used; list the links to leave out in "
                "exclude_pattern instead)"
            ) from exc
        return cls(text, compiled)

    def search(self, text: str) -> bool:
        """True when the pattern occurs in ``text``."""
        return self.compiled.search(text.encode("utf-8")) is not None


@dataclass(frozen=True, slots=True)
class Outlet:
    """One news outlet of the registry, validated.

    ``interval`` is in seconds. ``allowed_domains`` defaults to the homepage's host without a
    leading ``www.``; a host matches a domain when it equals it or is one of its subdomains.
    Domains are in IDNA form (punycode), as :func:`crawler.urls.idna_host` gives them.
    """

    id: str
    name: str
    country: str
    languages: tuple[str, ...]
    homepage: str
    feeds: tuple[str, ...]
    sitemaps: tuple[str, ...]
    sections: tuple[str, ...]
    article_pattern: UrlPattern
    allowed_domains: tuple[str, ...]
    interval: float = DEFAULT_INTERVAL
    obey_robots: bool = True
    exclude_pattern: UrlPattern | None = None
    timezone: str | None = None  # IANA name; default: its country's (COUNTRY_ZONES), if one
    # the ports its URLs may use: 80, 443 and those its homepage, feeds, sitemaps and sections
    # name (a redirect to another port of its host reaches another service)
    allowed_ports: frozenset[int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        named = (url_port(u) for u in (self.homepage, *self.feeds, *self.sitemaps, *self.sections))
        ports = frozenset({80, 443} | {port for port in named if port is not None})
        object.__setattr__(self, "allowed_ports", ports)

    def is_article_url(self, url: str) -> bool:
        """True when ``url`` matches ``article_pattern`` and not ``exclude_pattern``, its host
        is in ``allowed_domains`` and it is at most ``MAX_URL_LENGTH`` characters long.

        The patterns are searched (not full-matched), so anchor them with ``^...$`` as the
        registry does.

        .. code-block:: python

            outlet.is_article_url("https://24.kg/obschestvo/344843_story/")  # True
        """
        if len(url) > MAX_URL_LENGTH or not self.allows_host(url):
            return False
        if not self.article_pattern.search(url):
            return False
        return self.exclude_pattern is None or not self.exclude_pattern.search(url)

    def allows_host(self, url: str) -> bool:
        """True when the host of ``url`` is one of ``allowed_domains`` or a subdomain of one
        (compared in IDNA form, so a Unicode and a punycode spelling of a host are one), on one
        of ``allowed_ports``."""
        host = url_host(url)
        if not host or url_port(url) not in self.allowed_ports:
            return False
        return any(host == d or host.endswith("." + d) for d in self.allowed_domains)


def bundled_registry_path() -> Path:
    """The path of the registry shipped with newsmon (``settings/outlets.toml``)."""
    return Path(__file__).with_name(BUNDLED_REGISTRY)


def load_registry(path: str | Path | None = None) -> list[Outlet]:
    """Load and validate an outlet registry file.

    Args:
        path: the TOML file; ``None`` loads the bundled ``settings/outlets.toml``.

    Returns:
        The outlets in file order.

    Raises:
        RegistryError: the file is missing, unreadable, not UTF-8, not TOML, or an outlet is
            invalid. The message is one line starting with the path.
    """
    source = Path(path) if path is not None else bundled_registry_path()
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise RegistryError(f"{source}: cannot read the outlet registry: {exc.strerror}") from exc
    try:
        text = data.decode("utf-8-sig")  # a byte order mark (Windows editors) is no text
    except UnicodeDecodeError as exc:
        raise RegistryError(
            f"{source}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})"
        ) from exc
    return load_registry_text(text, str(source))


def load_registry_text(text: str, source: str = "<string>") -> list[Outlet]:
    """Validate a registry given as TOML text; ``source`` names it in error messages.

    Raises:
        RegistryError: see :func:`load_registry`.
    """
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = _TOML_POSITION_RE.match(str(exc))
        if match:
            raise RegistryError(
                f"{source}:{match['line']}:{match['col']}: invalid TOML: {match['reason']}"
            ) from exc
        raise RegistryError(f"{source}: invalid TOML: {exc}") from exc
    return _RegistryReader(text, source).read(doc)


def outlet_by_id(outlets: Iterable[Outlet], outlet_id: str) -> Outlet:
    """Return the outlet with this id.

    Raises:
        ConfigError: ``unknown outlet 'x'; known: a, b, c`` (with a did-you-mean when one is close).
    """
    by_id = {o.id: o for o in outlets}
    if outlet_id in by_id:
        return by_id[outlet_id]
    known = sorted(by_id)
    raise ConfigError(
        f"unknown outlet {outlet_id!r}{_did_you_mean(outlet_id, known)}; "
        f"known: {', '.join(known) or '(none)'}"
    )


def parse_duration(value: str) -> float:
    """Seconds in a duration such as ``"90s"``, ``"30m"``, ``"2h"``, ``"1d"``, ``"2w"``, ``"1h5m"``.

    The one duration syntax of newsmon: registry intervals and the CLI's ``--since`` alike.

    Raises:
        ValueError: the text is not a positive duration.
    """
    compact = value.replace(" ", "").lower()
    parts = _INTERVAL_PART_RE.findall(compact)
    if not parts or "".join(n + u for n, u in parts) != compact:
        raise ValueError(f"{value!r} is not a duration like '90s', '30m', '2h', '1d' or '1h30m'")
    seconds = sum(float(n) * _INTERVAL_UNITS[u] for n, u in parts)
    if seconds <= 0:
        raise ValueError(f"{value!r} must be longer than zero")
    return seconds


def _did_you_mean(word: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


class _RegistryReader:
    """Validates the parsed TOML document, with the text at hand to find line numbers."""

    def __init__(self, text: str, source: str) -> None:
        self.source = source
        self.lines = text.splitlines()
        self.tables = self._outlet_tables()

    # -- line numbers -------------------------------------------------------------------------

    def _outlet_tables(self) -> list[tuple[int, int]]:
        """(first, end) line indexes of each ``[[outlet]]`` table, in order."""
        headers = [
            (i, m[1].strip("\"'"))
            for i, line in enumerate(self.lines)
            if (m := _TABLE_HEADER_RE.match(line))
        ]
        tables = []
        for n, (i, name) in enumerate(headers):
            if name == "outlet" and self.lines[i].lstrip().startswith("[["):
                end = headers[n + 1][0] if n + 1 < len(headers) else len(self.lines)
                tables.append((i, end))
        return tables

    def _line(self, index: int | None, key: str | None = None, value: str | None = None) -> int:
        """1-based line of outlet ``index`` (its key, or the list item ``value``), 0 if unknown."""
        if index is None or index >= len(self.tables):
            return 0 if key is None else self._top_level_line(key)
        first, end = self.tables[index]
        if key is None:
            return first + 1
        name = re.escape(key)
        key_re = re.compile(rf"""^\s*(?:{name}|"{name}"|'{name}')\s*=""")
        for i in range(first, end):
            if key_re.match(self.lines[i]):
                if value is not None:
                    for j in range(i, end):
                        if value in self.lines[j]:
                            return j + 1
                return i + 1
        return first + 1

    def _top_level_line(self, key: str) -> int:
        name = re.escape(key)
        key_re = re.compile(rf"""^\s*(?:\[\[?\s*["']?{name}["']?\s*\]|{name}\s*=)""")
        return next((i + 1 for i, line in enumerate(self.lines) if key_re.match(line)), 0)

    def error(
        self,
        message: str,
        index: int | None = None,
        key: str | None = None,
        value: str | None = None,
        outlet: str | None = None,
    ) -> RegistryError:
        line = self._line(index, key, value)
        where = f"{self.source}:{line}" if line else self.source
        who = ""
        if index is not None:
            who = f"outlet {outlet!r}: " if outlet else f"outlet #{index + 1}: "
        return RegistryError(f"{where}: {who}{message}")

    # -- validation ---------------------------------------------------------------------------

    def read(self, doc: dict[str, Any]) -> list[Outlet]:
        for key in doc:
            if key != "outlet":
                raise self.error(
                    f"unknown table or key {key!r}{_did_you_mean(key, ['outlet'])}", key=key
                )
        tables = doc.get("outlet")
        if tables is None:
            raise self.error("no outlets: add at least one [[outlet]] table")
        if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
            raise self.error("'outlet' must be an array of tables: write [[outlet]]", key="outlet")
        outlets: list[Outlet] = []
        first_line: dict[str, int] = {}
        for index, table in enumerate(tables):
            outlet = self._outlet(index, table)
            if outlet.id in first_line:
                first = first_line[outlet.id]
                where = f" (first defined at line {first})" if first else ""
                raise self.error(f"duplicate id{where}", index, "id", outlet=outlet.id)
            first_line[outlet.id] = self._line(index)
            outlets.append(outlet)
        return outlets

    def _outlet(self, index: int, table: dict[str, Any]) -> Outlet:
        t = _OutletTable(self, index, table)
        for key in table:
            if key not in _KNOWN_KEYS:
                raise t.fail(f"unknown key {key!r}{_did_you_mean(key, _KNOWN_KEYS)}", key)
        for key in _REQUIRED_KEYS:
            if key not in table:
                raise t.fail(f"missing key {key!r}")

        outlet_id = t.text("id")
        if not _ID_RE.match(outlet_id):
            raise t.fail(f"id {outlet_id!r} may only use a-z, 0-9, '_' and '-'", "id")
        country = t.text("country")
        if country not in _COUNTRIES:
            raise t.fail(
                f"country {country!r} is not an ISO 3166 alpha-2 code in upper case "
                f"(e.g. 'KZ'), or {REGIONAL_COUNTRY!r} for a regional outlet",
                "country",
            )
        languages = t.strings("languages")
        if not languages:
            raise t.fail("languages must list at least one ISO 639-1 code", "languages")
        for lang in languages:
            if lang not in _LANGUAGES:
                raise t.fail(
                    f"languages: {lang!r} is not an ISO 639-1 code (two lower-case "
                    "letters, e.g. 'ru')",
                    "languages",
                    f'"{lang}"',
                )
        homepage = t.url("homepage", t.text("homepage"))
        lists = {key: tuple(t.url(key, v) for v in t.strings(key)) for key in _URL_LIST_KEYS}
        if not any(lists.values()):
            raise t.fail("needs at least one of feeds, sitemaps, sections")

        return Outlet(
            id=outlet_id, name=t.text("name"), country=country, languages=languages,
            homepage=homepage, feeds=lists["feeds"], sitemaps=lists["sitemaps"],
            sections=lists["sections"], article_pattern=t.pattern("article_pattern"),
            allowed_domains=t.domains(homepage), interval=t.interval(),
            obey_robots=t.boolean("obey_robots", default=True),
            exclude_pattern=t.pattern("exclude_pattern") if "exclude_pattern" in table else None,
            timezone=t.timezone(country),
        )  # fmt: skip


def too_wide_domain(domain: str) -> str | None:
    """Why ``domain`` cannot be an outlet's domain ("a public suffix", "a single-label name"),
    or None when it can.

    Public suffixes come from the Public Suffix List snapshot bundled with tldextract (a Scrapy
    dependency), private ones (``github.io``, ``blogspot.com``) included, read offline: the
    lookup never fetches the list. IP addresses (the local test and demo outlets) pass.
    """
    if _IPV4_RE.match(domain):
        return None
    parts = _public_suffixes()(domain)
    if parts.suffix == domain and not parts.domain:
        return "a public suffix"
    return "a single-label name" if "." not in domain else None


@functools.cache
def _public_suffixes() -> Any:
    import tldextract  # ~0.1 s: loaded only when a registry is (Scrapy's cookie code loads it too)

    # no URLs and no cache folder: the bundled snapshot only, nothing fetched, nothing written
    return tldextract.TLDExtract(
        suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True
    )


class _OutletTable:
    """Typed access to one ``[[outlet]]`` table; every failure names the outlet, key and line."""

    def __init__(self, reader: _RegistryReader, index: int, table: dict[str, Any]) -> None:
        self.reader = reader
        self.index = index
        self.table = table
        raw_id = table.get("id")
        self.name = raw_id if isinstance(raw_id, str) and raw_id else None

    def fail(self, message: str, key: str | None = None, value: str | None = None) -> RegistryError:
        return self.reader.error(message, self.index, key, value, outlet=self.name)

    def text(self, key: str) -> str:
        value = self.table[key]
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"{key} must be a non-empty string", key)
        return value.strip()

    def strings(self, key: str) -> tuple[str, ...]:
        value = self.table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(f'{key} must be a list of strings, e.g. {key} = ["..."]', key)
        return tuple(v.strip() for v in value)

    def url(self, key: str, value: str) -> str:
        try:
            parts = urlsplit(value)
            ok = parts.scheme in ("http", "https") and bool(url_host(value))
        except ValueError:
            ok = False
        if not ok or any(c.isspace() for c in value):
            raise self.fail(f"{key}: {value!r} is not an absolute http(s) URL", key, value)
        return value

    def pattern(self, key: str) -> UrlPattern:
        try:
            return UrlPattern.compile(self.text(key))
        except PatternError as exc:
            raise self.fail(f"{key} {exc}", key) from exc

    def timezone(self, country: str) -> str | None:
        """``timezone``: an IANA time zone name; default: the country's (``COUNTRY_ZONES``)."""
        if "timezone" not in self.table:
            return COUNTRY_ZONES.get(country)
        name = self.text("timezone")
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise self.fail(
                f"timezone {name!r} is no IANA time zone (such as 'Asia/Bishkek')", "timezone"
            ) from None
        return name

    def boolean(self, key: str, default: bool) -> bool:
        value = self.table.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(f"{key} must be true or false", key)
        return value

    def domains(self, homepage: str) -> tuple[str, ...]:
        """``allowed_domains`` in IDNA form, or the homepage's host without ``www.`` when the
        key is absent."""
        if "allowed_domains" not in self.table:
            host = url_host(homepage) or ""
            if not _HOST_RE.match(host):
                raise self.fail(
                    f"homepage: {homepage!r} has no host name newsmon can use", "homepage"
                )
            domains: tuple[str, ...] = (host.removeprefix("www."),)
            self._refuse_too_wide(domains, "homepage")
            return domains
        written = self.strings("allowed_domains")
        if not written:
            raise self.fail("allowed_domains must list at least one host name", "allowed_domains")
        domains = []
        for text in written:
            try:
                domain = idna_host(text)
            except ValueError:
                domain = ""
            if not _HOST_RE.match(domain):
                raise self.fail(
                    f"allowed_domains: {text.lower().rstrip('.')!r} is not a host "
                    "name (write 'example.com', no scheme or path)",
                    "allowed_domains",
                    text,
                )
            domains.append(domain)
        self._refuse_too_wide(tuple(domains), "allowed_domains")
        return tuple(domains)

    def _refuse_too_wide(self, domains: tuple[str, ...], key: str) -> None:
        """Raise when a domain would let every site under it pass as this outlet."""
        for domain in domains:
            too_wide = too_wide_domain(domain)
            if too_wide:
                raise self.fail(
                    f"allowed_domains: {domain!r} is {too_wide}, so any site under "
                    "it would pass as this outlet; list the outlet's own domain "
                    "(e.g. 'news.example.kg')",
                    key,
                    domain,
                )

    def interval(self) -> float:
        if "interval" not in self.table:
            return DEFAULT_INTERVAL
        raw = self.table["interval"]
        if not isinstance(raw, str):
            raise self.fail("interval must be a string such as '30m', '2h' or '90s'", "interval")
        try:
            return parse_duration(raw)
        except ValueError as exc:
            raise self.fail(f"interval {exc}", "interval") from exc
