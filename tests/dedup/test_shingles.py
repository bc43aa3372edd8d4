from __future__ import annotations

import numpy as np
import pytest

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


def _padded_reference(text: str, size: int) -> list[int]:
    """Shingle hashes window by window from the word hashes (no vectorised layout)."""
    from itertools import chain

    from dedup.normalize import word_lines
    from dedup.shingles import _POSITION_MULTIPLIERS, _hash_all

    lines = word_lines(text)
    words = _hash_all(chain.from_iterable(lines)).tolist()
    multipliers = [int(m) for m in _POSITION_MULTIPLIERS]
    hashes, start = [], 0
    for line in lines:
        for i in range(max(len(line) - size, 0) + 1):
            window = words[start + i : start + min(i + size, len(line))]
            combined = sum(h * m for h, m in zip(window, multipliers, strict=False)) % 2**64
            hashes.append(((combined >> 32) ^ combined) % 2**32)
        start += len(line)
    return hashes


@pytest.mark.parametrize(
    "text",
    [
        "Курс «доллара» — 87,5 сома\n\nНацбанк сообщил об этом в пятницу утром",  # all lines long
        "Kabar\n\nOne two three four five six\nseven\n\n  eight nine  ten eleven ",  # short lines
        "one two three",
    ],
)
@pytest.mark.parametrize("size", [1, 3, 5])
def test_both_layouts_give_the_window_by_window_hashes(text, size):
    assert shingle(text, size).hashes.tolist() == _padded_reference(text, size)
