"""Registry defences against hostile links: patterns that cannot backtrack, IDN hosts in one
form, a cap on URL length."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from crawler.errors import RegistryError
from crawler.urls import MAX_URL_LENGTH, canonicalize
from settings.registry import load_registry_text

_OUTLET = """\
[[outlet]]
id = "slugs"
name = "Slugs"
country = "KZ"
languages = ["ru"]
homepage = "{homepage}"
feeds = ["{homepage}rss"]
article_pattern = '{pattern}'
{extra}
"""

# Nested quantifiers: a backtracking engine tries every way to split the run of letters.
_SLUG_PATTERN = r"^https?://slugs\.example/u/([a-z0-9]+-?)+/?$"
_HOSTILE_URL = "https://slugs.example/u/" + "a" * 40 + "!"


def _registry(
    pattern: str = _SLUG_PATTERN, homepage: str = "https://slugs.example/", extra: str = ""
) -> str:
    return _OUTLET.format(pattern=pattern, homepage=homepage, extra=extra)


def test_a_nested_quantifier_pattern_rejects_a_hostile_url_without_backtracking() -> None:
    # Run in a child with a bound: a backtracking match of this URL takes hours.
    code = textwrap.dedent(f"""
        from settings.registry import load_registry_text
        outlet, = load_registry_text({_registry()!r})
        assert not outlet.is_article_url({_HOSTILE_URL!r})
        assert outlet.is_article_url("https://slugs.example/u/a-b-c/")
        print("ok")
    """)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.stdout.strip() == "ok", done.stderr[-2000:]


@pytest.mark.parametrize(
    "pattern, what",
    [
        (r"^https://slugs\.example/(?!tag/)[a-z-]+$", "invalid perl operator: (?!"),
        (r"^https://slugs\.example/(a)\1$", "invalid escape sequence: \\1"),
    ],
)
def test_a_pattern_that_needs_backtracking_is_refused_naming_outlet_and_field(
    pattern: str, what: str
) -> None:
    with pytest.raises(RegistryError) as raised:
        load_registry_text(_registry(pattern), "reg.toml")
    message = str(raised.value)
    assert message.startswith(
        "reg.toml:8: outlet 'slugs': article_pattern is not allowed: "
        f"{what} (patterns are matched in linear time"
    )
    assert "exclude_pattern" in message
    assert "\n" not in message


def test_exclude_pattern_leaves_out_what_a_lookahead_would_have() -> None:
    (outlet,) = load_registry_text(
        _registry(
            r"^https://slugs\.example/[a-z-]+/$",
            extra=r"exclude_pattern = '^https://slugs\.example/(?:feed|tag)/$'",
        )
    )
    assert outlet.is_article_url("https://slugs.example/a-story/")
    assert not outlet.is_article_url("https://slugs.example/feed/")
    assert not outlet.is_article_url("https://slugs.example/tag/")


def test_a_bad_exclude_pattern_is_refused_with_its_line() -> None:
    with pytest.raises(
        RegistryError,
        match=r"^reg\.toml:9: outlet 'slugs': exclude_pattern "
        r"does not compile: ",
    ):
        load_registry_text(_registry(extra="exclude_pattern = '(unclosed'"), "reg.toml")


def test_a_url_over_the_length_cap_is_not_an_article() -> None:
    (outlet,) = load_registry_text(_registry(r"^https://slugs\.example/u/[a-z]+$"))
    prefix = "https://slugs.example/u/"
    assert outlet.is_article_url(prefix + "a" * (MAX_URL_LENGTH - len(prefix)))
    assert not outlet.is_article_url(prefix + "a" * (MAX_URL_LENGTH - len(prefix) + 1))


def test_an_idn_homepage_gives_punycode_domains_that_hold_its_canonical_links() -> None:
    (outlet,) = load_registry_text(
        _registry(r"^http://xn--e1afmkfd\.xn--p1ai/n/\d+$", homepage="http://пример.рф/")
    )
    assert outlet.allowed_domains == ("xn--e1afmkfd.xn--p1ai",)
    link = canonicalize("http://Пример.рф/n/12")
    assert link == "http://xn--e1afmkfd.xn--p1ai/n/12"
    assert outlet.is_article_url(link)
    assert outlet.allows_host("http://www.пример.рф/any")


def test_unicode_allowed_domains_are_kept_in_idna_form() -> None:
    (outlet,) = load_registry_text(
        _registry(
            r"^http://xn--e1afmkfd\.xn--p1ai/n/\d+$",
            homepage="http://пример.рф/",
            extra='allowed_domains = ["ПРИМЕР.рф", "news.example"]',
        )
    )
    assert outlet.allowed_domains == ("xn--e1afmkfd.xn--p1ai", "news.example")
    assert outlet.is_article_url("http://xn--e1afmkfd.xn--p1ai/n/3")


def test_an_allowed_domain_idna_cannot_encode_is_refused_in_one_line() -> None:
    bad = "a" * 64 + ".рф"
    with pytest.raises(
        RegistryError,
        match=r"^reg\.toml:9: outlet 'slugs': allowed_domains: "
        r"'a{64}\.рф' is not a host name",
    ):
        load_registry_text(_registry(extra=f'allowed_domains = ["{bad}"]'), "reg.toml")
