from __future__ import annotations

import numpy as np

from dedup.shingles import LEAD_SHINGLES, shingle


def test_shingles_stay_inside_a_line():
    one = shingle("a b c d", 3)
    two = shingle("a b\nc d", 3)
    assert len(one.hashes) == 2 and len(two.hashes) == 2
    assert not set(one.hashes.tolist()) & set(two.hashes.tolist())
    assert two.line_sizes.tolist() == [1, 1]


def test_reordered_paragraphs_give_the_same_set():
    a = shingle("first paragraph of words here\n\nsecond one with other words", 3)
    b = shingle("second one with other words\n\nfirst paragraph of words here", 3)
    assert set(a.hashes.tolist()) == set(b.hashes.tolist())


def test_word_order_matters_inside_a_shingle():
    assert shingle("a b c", 3).hashes[0] != shingle("c b a", 3).hashes[0]


def test_line_hashes_ignore_typography_only():
    a, b = shingle("Курс «доллара» — 87,5", 3), shingle('КУРС "ДОЛЛАРА" - 87.5', 3)
    assert a.line_hashes.tolist() == b.line_hashes.tolist()
    assert a.line_hashes[0] != shingle("Курс евро 87,5", 3).line_hashes[0]


def test_lead_starts_at_the_first_long_line_and_is_bounded():
    header = "Kabar news agency"
    body = " ".join(f"w{i}" for i in range(200))
    with_header, without = shingle(f"{header}\n\n{body}", 3), shingle(body, 3)
    assert np.array_equal(with_header.hashes[with_header.lead], without.hashes[without.lead])
    assert len(without.hashes[without.lead]) == LEAD_SHINGLES


def test_empty_text_has_no_shingles():
    empty = shingle(" — \n\n ", 3)
    assert len(empty.hashes) == 0 and len(empty.line_hashes) == 0
