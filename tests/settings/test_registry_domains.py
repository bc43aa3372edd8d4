"""``allowed_domains`` must name an outlet's own domain: a public suffix (``com``, ``co.uk``,
``github.io``) or a single-label name would let every site under it pass as the outlet.
Checked offline, against the Public Suffix List snapshot that tldextract ships."""

from __future__ import annotations

import pytest

from crawler.errors import RegistryError
from settings.registry import load_registry_text

REGISTRY = """\
[[outlet]]
id = "wide"
name = "Wide"
country = "KG"
languages = ["en"]
homepage = "https://news.wide.example/"
feeds = ["https://news.wide.example/rss"]
article_pattern = '^https://news\\.wide\\.example/\\d+$'
allowed_domains = ["news.wide.example", "{domain}"]
"""


@pytest.mark.parametrize(("domain", "why"), [
    ("com", "a public suffix"), ("co.uk", "a public suffix"), ("kg", "a public suffix"),
    ("github.io", "a public suffix"), ("blogspot.com", "a public suffix"),
    ("gov.kz", "a public suffix"), ("xn--p1ai", "a public suffix"),
    ("localhost", "a single-label name"), ("intranet", "a single-label name"),
])  # fmt: skip
def test_a_public_suffix_or_single_label_domain_is_refused(domain: str, why: str) -> None:
    with pytest.raises(RegistryError) as caught:
        load_registry_text(REGISTRY.format(domain=domain), "reg.toml")
    assert str(caught.value) == (
        f"reg.toml:9: outlet 'wide': allowed_domains: {domain!r} is {why}, so any site under it "
        "would pass as this outlet; list the outlet's own domain (e.g. 'news.example.kg')"
    )


@pytest.mark.parametrize(
    "domain", ["24.kg", "cabar.asia", "foo.github.io", "bbc.co.uk", "127.0.0.5", "beta.example"]
)
def test_an_outlets_own_domain_is_accepted(domain: str) -> None:
    (outlet,) = load_registry_text(REGISTRY.format(domain=domain), "reg.toml")
    assert outlet.allowed_domains == ("news.wide.example", domain)


def test_a_homepage_on_a_public_suffix_is_refused_as_the_default_domain() -> None:
    text = REGISTRY.format(domain="x").replace('allowed_domains = ["news.wide.example", "x"]\n', "")
    text = text.replace("https://news.wide.example/", "https://github.io/", 1)
    with pytest.raises(RegistryError) as caught:
        load_registry_text(text, "reg.toml")
    assert "allowed_domains: 'github.io' is a public suffix" in str(caught.value)
