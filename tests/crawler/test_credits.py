"""The credited source (``crawler.extract.credits``): credit-line forms in English, Russian and the
local languages (the tests' own invented sentences), photo credits that are not sources, page
metadata, and the credits on real pages of ../shared read at run time."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from crawler.extract import extract_article
from crawler.extract.credits import Agencies, credited_source, default_agencies

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "bench"
REAL_COPIES = SHARED / "real-copies" / "articles.jsonl"
AEB = SHARED / "aeb"
BODY = (
    "The new footbridge over the Ala-Archa river will open to walkers in the first week of "
    "June, once the handrails are painted."
)
TEXT_RU = (
    "Новый пешеходный мост через реку Ала-Арча откроют в первую неделю июня, когда покрасят перила."
)


@pytest.mark.parametrize(
    ("paragraphs", "source"),
    [
        # English datelines and credit lines
        ([f"OSH, May 3 (Reuters) - {BODY}"], "Reuters"),
        ([f"NARYN, Kyrgyzstan (AP) — {BODY}"], "AP"),
        ([f"Dushanbe, June 2 (EFE).- {BODY}"], "EFE"),
        ([f"(AFP) {BODY}"], "AFP"),
        ([f"BISHKEK (KABAR) — {BODY}"], "Kabar"),
        ([BODY, "More paragraphs of the story follow here.", "Source: Kabar"], "Kabar"),
        ([BODY, "SOURCE: Kazinform and agencies"], "Kazinform"),
        ([BODY, "With files from AFP."], "AFP"),
        ([BODY, "Source: https://www.kabar.kg/news/footbridge/"], "Kabar"),
        ([BODY, "AFP"], "AFP"),
        ([f"{BODY} — AKIpress"], "AKIpress"),
        # Russian
        ([f"БИШКЕК, 3 мая — РИА Новости. {TEXT_RU}"], "RIA Novosti"),
        ([f"ШЫМКЕНТ, 3 мая — «Южный курьер». {TEXT_RU}"], "Южный курьер"),
        ([f"Бишкек, 3-май /Кабар/. {TEXT_RU}"], "Kabar"),
        ([f"BISHKEK, 3 May /Ala-Too Wire/. {BODY}"], "Ala-Too Wire"),
        ([TEXT_RU, "Источник: Kabar"], "Kabar"),
        ([TEXT_RU, "Источник: Кабар"], "Kabar"),
        ([TEXT_RU, "Подробности будут позже.", "По материалам Kazinform"], "Kazinform"),
        ([f"{TEXT_RU} Об этом сообщает Kazinform."], "Kazinform"),
        ([f"{TEXT_RU} Об этом сообщает корреспондент Казинформ."], "Kazinform"),
        ([f"Бишкек, 3 мая — {TEXT_RU}", "Подробности позже. — AKIpress"], "AKIpress"),
        ([TEXT_RU, "Источник: Газета «Вечерний город»"], "Газета «Вечерний город»"),
        ([TEXT_RU, "Источник: ИА «Ореанда-Новости»"], "Ореанда-Новости"),
        # Kyrgyz, Kazakh, Uzbek
        (["Ала-Арча дарыясы аркылуу жаңы көпүрө июнда ачылат, деп Kabar хабарлайт."], "Kabar"),
        (
            [
                "Ала-Арча өзені арқылы жаңа көпір маусымда ашылады, деп хабарлайды Kazinform.",
                "Дереккөз: Kazinform",
            ],
            "Kazinform",
        ),
        (
            ["Ala-Archa daryosi ustidagi yangi ko‘prik iyunda ochiladi, deb UzA xabar beradi."],
            "UzA",
        ),
        (["Ala-Archa daryosi ustidagi yangi ko‘prik iyunda ochiladi.", "Manba: Dunyo"], "Dunyo"),
    ],
)
def test_a_credit_line_names_the_source(paragraphs: list[str], source: str) -> None:
    assert credited_source(paragraphs) == source


@pytest.mark.parametrize(
    "paragraphs",
    [
        [BODY, "Photo: AFP"],
        [TEXT_RU, "Фото: Kabar"],
        [TEXT_RU, "Фото: 24.kg / Айбек Осмонов"],
        [BODY, "Image Source: Aibek Osmonov / Shutterstock"],
        [BODY, "© Reuters"],
        ["(Photo: Reuters) " + BODY],
        [f"The Ministry of Energy (MoE) - {BODY}"],  # an abbreviation, not a dateline
        [f"According to Reuters, {BODY}"],  # cites a report: the text is the outlet's own
        [f"{TEXT_RU} Об этом сообщил РИА Новости министр."],  # told RIA, not "RIA reports"
        [f"ШЫМКЕНТ, 3 мая — Городские власти. {TEXT_RU}"],  # not a listed agency, not quoted
        [BODY, "Source: agencies"],
        [f"(Updated) {BODY}"],
        [f"(LEAD) {BODY}"],
        [f"(Видео) {TEXT_RU}"],
        [BODY, "Trend data show the bridge is needed."],
    ],
)
def test_photo_credits_citations_and_ordinary_sentences_are_not_sources(
    paragraphs: list[str],
) -> None:
    assert credited_source(paragraphs) is None


def test_page_metadata_names_a_syndication_source_but_not_the_site_itself() -> None:
    paragraphs = "".join(f"<p>{BODY} Paragraph {n} adds a detail.</p>" for n in range(4))

    def page(meta: str) -> bytes:
        return (
            f"<html><head><title>Footbridge</title>{meta}"
            '<meta property="og:site_name" content="Osh Daily"></head><body><article>'
            f"<h1>Footbridge opens in June</h1>{paragraphs}</article></body></html>"
        ).encode()

    syndicated = page('<meta name="syndication-source" content="https://kabar.kg/eng/news/x/">')
    own = page('<meta name="dc.source" content="OshDaily">')
    url = "https://osh.example/news/footbridge/"
    assert extract_article(syndicated, url, outlet="osh").article.source == "Kabar"
    assert extract_article(own, url, outlet="osh").article.source is None


def test_a_credit_to_the_pages_own_outlet_is_no_credited_source() -> None:
    dateline = [f"BISHKEK, 3 May /Ala-Too Wire/. {BODY}"]
    assert credited_source(dateline, own=["ala-too-wire", "127.0.0.1"]) is None
    assert credited_source(dateline, own=["osh24", "Osh 24"]) == "Ala-Too Wire"
    assert credited_source([f"TASHKENT (Reuters) - {BODY}"], own=["reuters.com"]) is None


def test_an_agency_list_can_be_given() -> None:
    agencies = Agencies({"Ala-Too Wire": ["Ala-Too Wire", "Ала-Тоо Вайр"]})
    assert (
        credited_source([f"{TEXT_RU} Об этом сообщает Ала-Тоо Вайр."], agencies=agencies)
        == "Ala-Too Wire"
    )
    assert credited_source([f"{TEXT_RU} Об этом сообщает Kazinform."], agencies=agencies) is None
    assert "Kazinform" in default_agencies().names


def test_a_credited_name_is_the_first_listed_agency_it_names() -> None:
    agencies = Agencies({"Steppe Wire": ["SW", "www.sw.kz"], "SW": ["Steppe"], "Osh": []})
    assert agencies.name("sw") == "Steppe Wire"  # a spelling of the first before the second's name
    assert agencies.name(" STEPPE  ") == "SW"
    assert agencies.name("www.sw") == "Steppe Wire"  # the host form of a spelling
    assert agencies.name("www.www.sw.kz") == "Steppe Wire"
    assert agencies.name("osh") == "Osh"
    assert agencies.name("www.osh") == "www.osh"  # a name has no host form
    assert agencies.name("Unlisted  Agency") == "Unlisted  Agency"


# The real copies whose text credits an agency in its first paragraphs (the dev set's own ids),
# and pages that quote or cite an agency or ministry without crediting one.
REAL_CREDITS = {
    "dev0005": "Reuters",
    "dev0008": "MENAFN",
    "dev0012": "AP",
    "dev0019": "Reuters",
    "dev0022": "EFE",
    "dev0026": "AP",
    "dev0031": "Reuters",
    "dev0053": "Anadolu",
    "dev0074": "RIA Novosti",
}
REAL_NONE = ["dev0001", "dev0003", "dev0037", "dev0044", "dev0049", "dev0072", "dev0073"]


@pytest.mark.skipif(not REAL_COPIES.exists(), reason="../shared is not checked out")
def test_the_credited_agencies_of_the_real_copies_dev_set() -> None:
    records = {r["id"]: r for r in map(json.loads, REAL_COPIES.read_text("utf-8").splitlines())}
    found = {
        i: credited_source(records[i]["text"].split("\n")) for i in [*REAL_CREDITS, *REAL_NONE]
    }
    assert found == {**REAL_CREDITS, **dict.fromkeys(REAL_NONE)}


@pytest.mark.skipif(not (AEB / "ground-truth.json").exists(), reason="../shared is not checked out")
def test_extraction_reads_the_credit_of_real_wire_pages_and_not_an_image_credit() -> None:
    truth = json.loads((AEB / "ground-truth.json").read_text("utf-8"))
    # reuters.com's "(Reuters)" and cnn.com's "(CNN)" are their own datelines: no credited source
    expected = {
        "06e5123e4e": "Reuters",
        "359fee2285": "Reuters",
        "82b6d780c7": "AP",
        "5caf91b8a4": "AP",
        "57d46c9d75": None,
        "ef4e67b66d": None,
        "e7d77f1869": None,
        "1ace8c85aa": None,
    }
    found = {}
    for prefix in expected:
        page_id = next(k for k in truth if k.startswith(prefix))
        html = gzip.decompress((AEB / "html" / f"{page_id}.html.gz").read_bytes())
        found[prefix] = extract_article(html, truth[page_id]["url"]).article.source
    assert found == expected
