"""How real copies differ from their source, and the rules that still link them (or keep apart
independent write-ups): a new lead, truncation, page chrome, glued words, a shared quote.

All texts are invented for these tests.
"""

from __future__ import annotations

import pytest

from dedup import Clusterer, DedupConfig, DedupError, Doc, signature
from dedup.normalize import normalize
from dedup.shingles import header_lines

SOURCE = [
    "The regional water authority said on Tuesday that the new Tash-Bulak reservoir will start "
    "filling in early April, two months later than planned, after engineers found cracks in a "
    "spillway wall during a final inspection.",
    "Repairs to the concrete are expected to take about six weeks and will be paid for by the "
    "contractor, according to a statement published on the authority's website late on Monday.",
    "The reservoir, designed to hold 48 million cubic metres of water, is meant to irrigate "
    "nearly eleven thousand hectares of cotton and wheat fields in three downstream districts.",
    "Farmers in the valley have complained for years that the old canals lose almost half of "
    "their water before it reaches the fields, and many had hoped to plant earlier this spring.",
    "Deputy head of the authority Nurlan Sadykov told reporters that the delay would not affect "
    "the summer season, because the upper basin would still be full by the middle of May.",
    "The project was financed by a loan from a regional development bank and a grant from the "
    "national budget, and its total cost has risen to about 96 million dollars since 2021.",
    "Local council members asked the authority to publish the inspection report in full, saying "
    "residents deserved to know whether the dam itself was safe before the water came in.",
    "The authority promised to release a summary of the report next week and to hold a public "
    "meeting in the district centre once the repair work on the spillway wall has begun.",
    "Environmental groups have warned that the reservoir will flood a stretch of riverside "
    "woodland where rare pheasants nest, and have asked for a compensation planting programme.",
    "Officials said a plan to replant poplar and willow trees along the new shoreline was "
    "already approved and that seedlings would be delivered from a state nursery in the autumn.",
]
SOURCE_TEXT = "\n\n".join(SOURCE)
CHROME = [
    "date 2025-03-04 10:12",
    "By Aida Umarova",
    "Home | News | Regions | Sport",
    "Photo: press service",
    "Read also",
]


def _cluster(texts: list[str], cfg: DedupConfig) -> tuple[Clusterer, list[str]]:
    """Add ``texts`` in order (ids t0, t1, ...) to a fresh clusterer; their final clusters."""
    clusterer = Clusterer(cfg)
    for n, text in enumerate(texts):
        clusterer.add(Doc(id=f"t{n}", outlet=f"outlet{n}", time=60.0 * n), signature(text, cfg))
    return clusterer, [clusterer.cluster_of(f"t{n}") for n in range(len(texts))]


def test_glued_sentences_split_as_spaced_ones() -> None:
    assert normalize("The case is unsolved.On Tuesday police said") == normalize(
        "The case is unsolved. On Tuesday police said"
    )
    assert normalize("Дело не раскрыто.Во вторник полиция") == normalize(
        "Дело не раскрыто. Во вторник полиция"
    )


def test_copy_whose_sentences_are_glued_joins(cfg: DedupConfig) -> None:
    glued = "".join(SOURCE[:6])  # the paragraphs run together: "...inspection.Repairs to..."
    _, clusters = _cluster([SOURCE_TEXT, glued], cfg)
    assert clusters[1] == clusters[0]


def test_copy_with_a_new_lead_and_dateline_joins(cfg: DedupConfig) -> None:
    copy = "\n\n".join(
        [
            "Officials in the south of the country are facing questions about a delayed dam, as "
            "farmers wait for irrigation water that was promised for this spring's planting.",
            "NARYN — " + SOURCE[0],
            *SOURCE[1:7],
        ]
    )
    _, clusters = _cluster([SOURCE_TEXT, copy], cfg)
    assert clusters[1] == clusters[0]


def test_truncated_copy_with_page_chrome_joins(cfg: DedupConfig) -> None:
    copy = "\n".join([*CHROME[:3], *SOURCE[:3], CHROME[3], SOURCE[3], CHROME[4]])
    _, clusters = _cluster([SOURCE_TEXT, copy], cfg)
    assert clusters[1] == clusters[0]


def test_lightly_edited_truncated_copy_joins(cfg: DedupConfig) -> None:
    edits = [
        ("on Tuesday", "today"),
        ("about six weeks", "six weeks or so"),
        ("nearly eleven thousand", "almost 11,000"),
        ("told reporters", "said"),
        ("has risen", "rose"),
    ]
    copy = "\n\n".join(SOURCE[:6])
    for old, new in edits:
        copy = copy.replace(old, new)
    assert not any(old in copy for old, _ in edits)
    _, clusters = _cluster([SOURCE_TEXT, copy], cfg)
    assert clusters[1] == clusters[0]


def test_wire_copy_under_a_caption_and_over_a_registration_wall_joins(cfg: DedupConfig) -> None:
    # the shape of most real copies the rules used to miss: the copied part is only 0.75 of the
    # page (caption and wall are long lines, not chrome), and the lead is the caption's
    copy = "\n\n".join(
        [
            "A farmer walks along a dry irrigation canal near the village of Kara-Suu on March 3, "
            "2025, as the valley waits for the new reservoir. Photo: press service",
            *SOURCE[:4],
            "Sign up for our free morning newsletter to keep reading all of our regional coverage "
            "and the rest of this story.",
        ]
    )
    _, clusters = _cluster([SOURCE_TEXT, copy], cfg)
    assert clusters[1] == clusters[0]


def test_chrome_lines_are_left_out_of_the_containment(cfg: DedupConfig) -> None:
    plain = "\n".join(SOURCE[:4])
    dressed = "\n".join([*CHROME, *SOURCE[:4]])
    assert signature(plain, cfg).size < signature(dressed, cfg).size
    assert (signature(plain, cfg).content == signature(dressed, cfg).content).all()


def test_independent_report_sharing_one_quote_stays_apart(cfg: DedupConfig) -> None:
    other = "\n\n".join(
        [
            "Filling of the Tash-Bulak reservoir has been postponed until April because a spillway "
            "wall must be repaired, the water authority announced, disappointing growers "
            "downstream.",
            SOURCE[4],
            "Growers in the three districts had counted on the reservoir for early sowing. Several "
            "of them said they would now rent pumps to take water directly from the river instead.",
            "Construction began four years ago. Critics in parliament have asked why the "
            "inspection "
            "came so late, and the minister of agriculture is due to answer their questions on "
            "Friday.",
            "The contractor, a joint venture of two foreign firms, has not commented on the cracks "
            "found in the wall, and its office in the capital did not answer calls on Tuesday.",
        ]
    )
    clusterer, clusters = _cluster([SOURCE_TEXT, other], cfg)
    assert clusters[1] != clusters[0]
    why = clusterer.index.explain("t0", "t1")
    assert not why["linked"] and why["rule"].startswith("containment")
    assert why.get("containment", why.get("containment_estimate")) < 0.5


@pytest.mark.parametrize(
    ("copy", "rule"),
    [
        ("\n\n".join(SOURCE), "jaccard"),
        ("\n".join([*CHROME[:3], *SOURCE[:3]]), "excerpt"),
        (
            "\n\n".join(
                [
                    "A new opening paragraph written by the reprinting site for its own readers, "
                    "with a different angle on the story of the delayed reservoir in the valley.",
                    *SOURCE[:3],
                    "A closing paragraph the site added about its own district and "
                    "the roads there, which has nothing to do with the dam or with the water.",
                ]
            ),
            "excerpt",
        ),
    ],
)
def test_explain_names_the_rule_that_linked(cfg: DedupConfig, copy: str, rule: str) -> None:
    clusterer, clusters = _cluster([SOURCE_TEXT, copy], cfg)
    why = clusterer.index.explain("t0", "t1")
    assert (why["linked"], why["rule"], why["candidate"]) == (True, rule, True)
    assert clusters[0] == clusters[1]
    assert 0.0 <= why["jaccard_raw"] <= 1.0 and 0.0 <= why["lead"] <= 1.0


def test_explain_is_the_same_on_both_stores(store, cfg: DedupConfig) -> None:
    clusterer = Clusterer(cfg, store)
    texts = [SOURCE_TEXT, "\n".join(SOURCE[:3]), "\n".join(SOURCE[5:])]
    for n, text in enumerate(texts):
        clusterer.add(Doc(id=f"t{n}", outlet="same", time=60.0 * n), signature(text, cfg))
    memory = Clusterer(cfg)
    for n, text in enumerate(texts):
        memory.add(Doc(id=f"t{n}", outlet="same", time=60.0 * n), signature(text, cfg))
    for a, b in (("t0", "t1"), ("t0", "t2"), ("t1", "t2")):
        assert clusterer.index.explain(a, b) == memory.index.explain(a, b)


def test_explain_of_an_unknown_id_is_a_clear_error(cfg: DedupConfig) -> None:
    clusterer, _ = _cluster([SOURCE_TEXT], cfg)
    with pytest.raises(DedupError, match="'zz' is not in the index"):
        clusterer.index.explain("t0", "zz")


def test_header_menu_and_headline_are_chrome_and_the_lead_starts_after_them(
    cfg: DedupConfig,
) -> None:
    menu = "Politics Economy Society Culture Sport World Opinion Photo Video Regions Archive"
    headline = "Reservoir filling delayed to April after cracks found in a spillway wall"
    dressed, plain = (
        signature("\n".join([menu, headline, *SOURCE[:4]]), cfg),
        signature("\n".join(SOURCE[:4]), cfg),
    )
    assert (dressed.content == plain.content).all()
    assert (dressed.lead == plain.lead).all()


def test_a_text_without_sentence_punctuation_has_no_header() -> None:
    assert header_lines("one line without a stop\nanother line without one") == 0
    assert header_lines("\n\n***\nMenu Item Other Item\nIt opened. It ran.") == 1
    many = "\n".join(f"line {n} of a text without any stop" for n in range(40))
    assert header_lines(many) == 0 and header_lines(many + "\nThe end.") == 0
