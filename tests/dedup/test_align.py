"""Sentence alignment (dedup/align.py): a spun copy, a later version with added paragraphs and a
write-up sharing two quotes, on both stores. All texts are invented for these tests."""

from __future__ import annotations

import numpy as np
import pytest

from dedup import Clusterer, DedupConfig, Doc, signature
from dedup.align import (
    aligned,
    aligned_many,
    aligns,
    figures_agree,
    rule,
    sentences,
    sentences_of,
)
from dedup.shingles import shingle_many
from dedup.signature import Signature
from tests.dedup.test_copies import SOURCE, SOURCE_TEXT

# SOURCE run through a "spinner": synonyms swapped, the sentences, names and numbers kept
SPUN = [
    "The local water agency stated on Tuesday that the fresh Tash-Bulak reservoir will begin "
    "filling at the start of April, two months behind schedule, after technicians discovered "
    "fissures in a spillway barrier during a last examination.",
    "Repairs to the concrete are projected to take roughly six weeks and will be paid for by "
    "the builder, according to a statement posted on the agency's website late on Monday.",
    "The reservoir, built to contain 48 million cubic metres of water, is intended to supply "
    "almost eleven thousand hectares of cotton and grain plots in three downriver districts.",
    "Farmers in the valley have grumbled for years that the old canals waste almost half of "
    "their water before it gets to the fields, and many had wished to plant sooner this spring.",
    "Deputy chief of the agency Nurlan Sadykov informed journalists that the hold-up would not "
    "harm the summer period, since the upper basin would still be filled by mid May.",
    "The scheme was funded by a credit from a regional development lender and a subsidy from "
    "the state budget, and its overall price has climbed to around 96 million dollars since 2021.",
    "Local council members urged the agency to publish the inspection report completely, saying "
    "residents deserved to know whether the dam itself was secure before the water arrived.",
    "The agency pledged to release a summary of the report next week and to organise a public "
    "gathering in the district centre once the repair work on the spillway wall has started.",
    "Green organisations have cautioned that the reservoir will submerge a strip of riverbank "
    "forest where scarce pheasants breed, and have requested a replacement planting scheme.",
    "Authorities stated a proposal to replant poplar and willow trees along the fresh coastline "
    "was already endorsed and that saplings would be supplied from a state nursery in autumn.",
]

# an independent write-up of the same event that quotes two of the source's sentences
TWO_QUOTES = [
    "Growers downstream of the Tash-Bulak dam reacted angrily on Wednesday to news that filling "
    "the reservoir will wait until spring is well under way.",
    SOURCE[4],
    "Several farmers interviewed in the district centre said they would rent diesel pumps and "
    "draw water from the river, although fuel prices have doubled since the autumn.",
    "A hydrologist at the state university questioned why the cracks were noticed only at the "
    "final inspection, when the wall had been poured nearly two years earlier.",
    SOURCE[6],
    "The minister of agriculture is expected to answer questions from deputies about the "
    "project on Friday, his press office said, without giving further details.",
    "Opposition deputies want an independent audit of the contract and of the loan terms, "
    "which they say were never presented to parliament in full.",
    "Residents of a village below the dam said nobody had explained the evacuation plan to "
    "them, and asked for a meeting with the district governor before the water arrives.",
    "The contractor did not reply to written questions sent to its office in the capital.",
]

# the agency's later version: a new lead, the earlier sentences, then added paragraphs
LATER = [
    "UPDATE: The water authority on Wednesday published the spillway inspection report it had "
    "promised, after pressure from council members and residents of three districts.",
    *SOURCE[:8],
    "The report, signed by two independent engineers, says the cracks are shallow and do not "
    "threaten the dam, but recommends a second inspection before the reservoir is full.",
    "Residents who attended the first public meeting on Wednesday evening said the summary "
    "answered most of their questions, though some still want the full engineering data.",
    "The next meeting is planned for the end of April, when filling should be under way.",
]


@pytest.fixture
def cfg() -> DedupConfig:
    return DedupConfig(align=True)


def _pair(texts: list[str], cfg: DedupConfig, store=None) -> Clusterer:
    clusterer = Clusterer(cfg, store) if store is not None else Clusterer(cfg)
    for n, text in enumerate(texts):
        clusterer.add(Doc(id=f"t{n}", outlet=f"outlet{n}", time=60.0 * n), signature(text, cfg))
    return clusterer


def test_spun_copy_joins_by_aligned_sentences(store, cfg: DedupConfig) -> None:
    clusterer = _pair([SOURCE_TEXT, "\n\n".join(SPUN)], cfg, store)
    why = clusterer.index.explain("t0", "t1")
    assert (why["linked"], why["rule"], why["candidate"]) == (True, "aligned sentences", True)
    assert why["containment_estimate" if "containment_estimate" in why else "containment"] < 0.5
    assert clusterer.cluster_of("t0") == clusterer.cluster_of("t1")


def test_later_version_with_added_paragraphs_joins(store, cfg: DedupConfig) -> None:
    clusterer = _pair([SOURCE_TEXT, "\n\n".join(LATER)], cfg, store)
    assert clusterer.cluster_of("t0") == clusterer.cluster_of("t1")


def test_write_up_sharing_two_quotes_stays_apart(store, cfg: DedupConfig) -> None:
    clusterer = _pair([SOURCE_TEXT, "\n\n".join(TWO_QUOTES)], cfg, store)
    assert clusterer.cluster_of("t0") != clusterer.cluster_of("t1")
    why = clusterer.index.explain("t0", "t1")
    assert not why["linked"]
    a, b = sentences(SOURCE_TEXT), sentences("\n\n".join(TWO_QUOTES))
    share, words, count = aligned(a.words, a.sizes, b.words, b.sizes)
    assert share < 0.4 and not aligns(share, words, count)


def test_sentences_out_of_order_do_not_align() -> None:
    source, shuffled = sentences(SOURCE_TEXT), sentences("\n\n".join(SPUN[::-1]))
    in_order = sentences("\n\n".join(SPUN))
    assert aligned(source.words, source.sizes, in_order.words, in_order.sizes)[0] >= 0.58
    assert aligned(source.words, source.sizes, shuffled.words, shuffled.sizes)[0] < 0.3


def test_a_template_sentence_with_other_figures_does_not_match() -> None:
    one = sentences("The plant in Osh will hire 120 workers and spend 45 million som this year.")
    other = sentences("The plant in Osh will hire 300 workers and spend 80 million som this year.")
    same = sentences("This year the Osh plant is to hire 120 staff and invest 45 million som.")
    assert aligned(one.words, one.sizes, other.words, other.sizes)[0] == 0.0
    assert aligned(one.words, one.sizes, same.words, same.sizes)[0] == 1.0


def test_without_align_a_spun_copy_stays_apart_and_signatures_carry_no_sentences() -> None:
    plain = DedupConfig()
    clusterer = _pair([SOURCE_TEXT, "\n\n".join(SPUN)], plain)
    assert clusterer.cluster_of("t0") != clusterer.cluster_of("t1")
    assert len(signature(SOURCE_TEXT, plain).sentences.words) == 0


def test_an_aligning_clusterer_refuses_a_signature_made_without_align(store, cfg) -> None:
    # it would be indexed without sentences: its spun copies silently never found
    from dedup import IncompatibleSignature

    clusterer = Clusterer(cfg, store)
    clusterer.add(Doc("source", "alpha", 0.0), signature(SOURCE_TEXT, cfg))
    plain = signature("\n\n".join(SPUN), DedupConfig())
    with pytest.raises(IncompatibleSignature, match="align"):
        clusterer.add(Doc("spun", "beta", 60.0), plain)
    with pytest.raises(IncompatibleSignature, match="align"):
        clusterer.restore(Doc("spun", "beta", 60.0), plain, cluster="spun")
    # a text too short for any sentence is signed with alignment all the same: it is taken
    clusterer.add(Doc("short", "beta", 60.0), signature("Short.", cfg))
    clusterer.add(Doc("spun", "beta", 60.0), signature("\n\n".join(SPUN), cfg))
    assert clusterer.cluster_of("spun") == clusterer.cluster_of("source")


def test_a_signature_made_with_align_says_so_without_sentences(cfg: DedupConfig) -> None:
    for text in ("", "Short.", "Rain fell. Roads shut. Schools stayed closed."):
        sig = Signature.from_bytes(signature(text, cfg).to_bytes(), cfg)
        assert len(sig.sentences.words) == 0 and len(sig.sentences.minhash)
        assert len(signature(text, DedupConfig()).sentences.minhash) == 0


@pytest.mark.parametrize("text", ["", "Short.", "\n\n".join(SPUN)])
def test_signature_keeps_the_sentences_through_bytes(cfg: DedupConfig, text: str) -> None:
    sig = signature(text, cfg)
    back = Signature.from_bytes(sig.to_bytes(), cfg)
    for mine, theirs in zip(sig.sentences, back.sentences, strict=True):
        assert np.array_equal(mine, theirs)


def test_cluster_command_with_align_explains_the_aligned_link(tmp_path) -> None:
    import json

    from tests.newsmon_cli import run_newsmon

    source = tmp_path / "pair.jsonl"
    source.write_text(
        "".join(
            json.dumps(row) + "\n"
            for row in (
                {"id": "src", "outlet": "a", "text": SOURCE_TEXT},
                {"id": "spun", "outlet": "b", "text": "\n\n".join(SPUN)},
            )
        ),
        encoding="utf-8",
    )
    linked = run_newsmon("cluster", str(source), "--align", "--explain", "src", "spun")
    assert linked.stdout.startswith(
        "src and spun: linked by rule 'aligned sentences' (same cluster)"
    )
    assert "aligned sentences 0.9" in linked.stdout and "(needs 0.60, or 0.95 " in linked.stdout
    apart = run_newsmon("cluster", str(source), "--explain", "src", "spun")
    assert apart.stdout.startswith("src and spun: not linked")
    # with an excerpt of the source in its cluster, the one aligned link does not join it
    rows = [("src", SOURCE_TEXT), ("part", "\n\n".join(SOURCE[:5])), ("spun", "\n\n".join(SPUN))]
    source.write_text(
        "".join(json.dumps({"id": key, "outlet": key, "text": text}) + "\n" for key, text in rows),
        encoding="utf-8",
    )
    held = run_newsmon("cluster", str(source), "--align", "--explain", "src", "spun")
    assert held.stdout.startswith(
        "src and spun: linked by rule 'aligned sentences' (different clusters, a link by "
        "aligned sentences alone joins a cluster of two or more only with a second link)"
    )


def test_aligned_links_are_the_same_on_both_stores(store, cfg: DedupConfig) -> None:
    texts = [SOURCE_TEXT, "\n\n".join(SPUN), "\n\n".join(TWO_QUOTES), "\n\n".join(LATER)]
    on_store, in_memory = _pair(texts, cfg, store), _pair(texts, cfg)
    for a in range(len(texts)):
        for b in range(a + 1, len(texts)):
            assert on_store.index.explain(f"t{a}", f"t{b}") == in_memory.index.explain(
                f"t{a}", f"t{b}"
            )
    assert [on_store.cluster_of(f"t{n}") for n in range(4)] == [
        in_memory.cluster_of(f"t{n}") for n in range(4)
    ]


def test_a_signature_stored_before_the_sentences_still_reads() -> None:
    import struct

    sig = signature(SOURCE_TEXT, DedupConfig())
    blob = sig.to_bytes()
    # the earlier layout: magic NMS2, a header without the three sentence counts, no sentences
    head = struct.Struct("<4sHHIHHHIIIIHH").unpack_from(blob)
    old = (
        struct.Struct("<4sHHIHHHIII").pack(b"NMS2", *head[1:10])
        + blob[struct.calcsize("<4sHHIHHHIIIIHH") :]
    )
    back = Signature.from_bytes(old, DedupConfig())
    assert np.array_equal(back.hashvalues, sig.hashvalues) and back.size == sig.size
    assert len(back.sentences.words) == 0


def test_a_signature_with_the_earlier_sentences_reads_without_them() -> None:
    # magic NMS3: sentences without numbers and another word MinHash, not comparable: dropped
    cfg = DedupConfig(align=True)
    sig = signature(SOURCE_TEXT, cfg)
    back = Signature.from_bytes(b"NMS3" + sig.to_bytes()[4:], cfg)
    assert np.array_equal(back.hashvalues, sig.hashvalues) and len(sig.sentences.words)
    assert len(back.sentences.words) == 0 and len(back.sentences.minhash) == 0


def _figures(text: str, figures: dict[str, str]) -> str:
    for old, new in figures.items():
        text = text.replace(old, new)
    return text


# SOURCE and SPUN with figures in digits (four or more: the figures check applies)
DIGITS = {"six weeks": "6 weeks", "eleven thousand": "11 thousand"}
OTHER = {"48 million": "31 million", "96 million": "72 million", "2021": "2019", "6 ": "9 "}


def test_a_story_told_with_the_same_sentences_and_other_figures_does_not_align() -> None:
    source = sentences(_figures(SOURCE_TEXT, DIGITS))
    copy = sentences(_figures("\n\n".join(SPUN), DIGITS))
    template = sentences(_figures(_figures("\n\n".join(SPUN), DIGITS), OTHER))
    assert figures_agree(source.words, [copy.words, template.words]).tolist() == [True, False]
    found = aligned_many(
        source.words, source.sizes, [(copy.words, copy.sizes), (template.words, template.sizes)]
    )
    assert aligns(*found[0]) and found[1][0] == 0.0


def test_aligned_many_gives_what_aligned_gives_pair_by_pair() -> None:
    texts = [SOURCE_TEXT, "\n\n".join(SPUN), "\n\n".join(TWO_QUOTES), "\n\n".join(LATER)]
    texts.append(_figures("\n\n".join(SPUN[::-1]), DIGITS))
    all_ = [sentences(text) for text in texts]
    for a in all_:
        many = aligned_many(a.words, a.sizes, [(b.words, b.sizes) for b in all_])
        assert many == [aligned(a.words, a.sizes, b.words, b.sizes) for b in all_]


def test_sentences_of_a_batch_are_those_of_each_text() -> None:
    texts = [SOURCE_TEXT, "", "Short.", "\n\n".join(SPUN), "Без точки\nи. Ещё! Раз? Да; нет 12"]
    batch = sentences_of(shingle_many(texts, 3, marks=True).words)
    for text, found in zip(texts, batch, strict=True):
        for mine, theirs in zip(found, sentences(text), strict=True):
            assert np.array_equal(mine, theirs)


@pytest.mark.parametrize(
    ("share", "words", "count", "shared", "decided"),
    [
        (0.6, 100, 8, 0.0, "aligned sentences"),
        (0.59, 100, 8, 0.0, None),
        (0.69, 100, 7, 0.0, None),  # few sentences need more
        (0.7, 100, 6, 0.0, "aligned sentences"),
        (0.9, 99, 8, 0.0, None),  # too few words
        (0.5, 100, 8, 0.45, "aligned sentences and shared text"),
        (0.5, 100, 8, 0.44, None),
        (0.39, 100, 8, 0.7, None),  # each share at least ALIGN_TEXT_SHARE
        (0.55, 100, 5, 0.6, None),
    ],
)
def test_the_rule_that_links_an_aligned_pair(
    share: float, words: int, count: int, shared: float, decided: str | None
) -> None:
    assert rule(share, words, count, shared) == decided


def test_one_aligned_link_does_not_join_a_cluster_of_two(store, cfg: DedupConfig) -> None:
    # the source and an excerpt of it (too few sentences to align with the spun copy): the spun
    # copy links only the source, by aligned sentences, and starts its own cluster
    excerpt = "\n\n".join(SOURCE[:5])
    clusterer = _pair([SOURCE_TEXT, excerpt, "\n\n".join(SPUN)], cfg, store)
    assert clusterer.cluster_of("t1") == "t0"
    assert clusterer.index.explain("t0", "t2")["rule"] == "aligned sentences"
    assert not clusterer.index.linked("t1", "t2")
    assert clusterer.cluster_of("t2") == "t2"


def test_aligned_links_to_two_members_join_their_cluster(store, cfg: DedupConfig) -> None:
    # the source and a copy with an outlet's line: the spun copy aligns with both
    copy = SOURCE_TEXT + "\n\nRead more news from the valley on our website."
    clusterer = _pair([SOURCE_TEXT, copy, "\n\n".join(SPUN)], cfg, store)
    for old in ("t0", "t1"):
        assert clusterer.index.explain(old, "t2")["rule"] == "aligned sentences"
    assert {clusterer.cluster_of(f"t{n}") for n in range(3)} == {"t0"}


def test_two_clusters_of_two_do_not_merge_on_one_aligned_link(store, cfg: DedupConfig) -> None:
    # cluster t0: the source and an excerpt; cluster t2: the spun copy and an excerpt of it;
    # the only link between them is source-spun by aligned sentences. An article holding both
    # texts contains all four and joins one cluster without merging the other into it.
    source_excerpt, spun_excerpt = "\n\n".join(SOURCE[:5]), "\n\n".join(SPUN[:5])
    both = SOURCE_TEXT + "\n\n" + "\n\n".join(SPUN)
    texts = [SOURCE_TEXT, source_excerpt, "\n\n".join(SPUN), spun_excerpt, both]
    clusterer = Clusterer(cfg, store) if store is not None else Clusterer(cfg)
    decisions = [
        clusterer.add(Doc(id=f"t{n}", outlet=f"outlet{n}", time=60.0 * n), signature(text, cfg))
        for n, text in enumerate(texts)
    ]
    assert [clusterer.cluster_of(f"t{n}") for n in range(4)] == ["t0", "t0", "t2", "t2"]
    assert clusterer.index.explain("t0", "t2")["rule"] == "aligned sentences"
    assert decisions[4].kind == "joined" and not decisions[4].aliases
    for a, b in (("t0", "t3"), ("t1", "t2"), ("t1", "t3")):
        assert not clusterer.index.linked(a, b)
