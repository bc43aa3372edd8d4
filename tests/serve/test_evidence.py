"""The shared passages shown as a copy's evidence."""

from __future__ import annotations

from crawler.report.evidence import shared_passages

ORIGIN = (
    "Heavy snow closed the mountain pass to lorries on Tuesday night, the road agency "
    "said. Drivers waited at both ends of the tunnel."
)
COPY = (
    "Нарын. Heavy snow closed the mountain pass to lorries on Tuesday night, the road "
    "agency said, adding that ploughs were out."
)


def test_the_common_run_is_marked_in_both_texts() -> None:
    left, right = shared_passages(ORIGIN, COPY)
    assert [t for t, shared in left.pieces if shared] == [
        "Heavy snow closed the mountain pass to lorries on Tuesday night, the road agency said"
    ]
    assert [t for t, shared in right.pieces if shared] == [
        "Heavy snow closed the mountain pass to lorries on Tuesday night, the road agency said"
    ]
    assert "".join(t for t, _ in left.pieces) == ORIGIN  # nothing lost or added
    assert "".join(t for t, _ in right.pieces) == COPY
    assert right.pieces[0] == ("Нарын. ", False)
    assert 0.6 < right.shared_share < 0.8


def test_short_common_phrases_are_not_evidence() -> None:
    left, right = shared_passages("the road agency said today", "as the road agency said")
    assert not any(shared for _, shared in left.pieces + right.pieces)
    assert left.shared_share == right.shared_share == 0.0


def test_case_and_punctuation_do_not_hide_a_shared_run() -> None:
    _, right = shared_passages(
        "Один два три, четыре пять шесть семь.", "ОДИН ДВА ТРИ четыре — пять шесть семь"
    )
    assert right.shared_share == 1.0
