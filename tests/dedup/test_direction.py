"""``dedup.direction``: copy links by publication time, whatever the arrival order."""

from __future__ import annotations

import random

from dedup import Link, Member, copy_links, same_source
from dedup.direction import origin


def _scores(pairs: dict[tuple[str, str], float]):
    """A symmetric similarity from a few scored pairs (others 0.1)."""

    def similarity(a: str, b: str) -> float:
        return pairs.get((a, b), pairs.get((b, a), 0.1))

    return similarity


def test_the_origin_copies_none_and_each_member_copies_its_closest_earlier_member() -> None:
    members = [Member("o", 10.0), Member("c1", 20.0), Member("c2", 30.0), Member("x", 40.0)]
    sim = _scores(
        {
            ("c1", "o"): 0.9,
            ("c2", "o"): 0.6,
            ("c2", "c1"): 0.8,
            ("x", "o"): 0.7,
            ("x", "c1"): 0.7,
            ("x", "c2"): 0.5,
        }
    )
    links = copy_links(members, sim)
    assert links == {
        "o": Link(),
        "c1": Link("o", 0.9),
        "c2": Link("c1", 0.8),
        "x": Link("o", 0.7),
    }  # a tie goes to the earlier member


def test_links_do_not_depend_on_the_order_members_arrive_in() -> None:
    rng = random.Random(7)
    members = [Member(f"m{n}", float(rng.randrange(5)), float(n)) for n in range(9)]
    scores = {(a.id, b.id): rng.choice([0.5, 0.6, 0.7, 0.9]) for a in members for b in members}
    sim = _scores(scores)
    expected = copy_links(members, sim)
    for _ in range(20):
        rng.shuffle(members)
        assert copy_links(members, sim) == expected
    first = origin(members)
    assert [m for m, link in expected.items() if link.copy_of is None] == [first.id]


def test_time_ties_go_to_the_earlier_fetch_then_the_smaller_id() -> None:
    members = [
        Member("b", 10.0, fetched=5.0),
        Member("a", 10.0, fetched=9.0),
        Member("c", 10.0, fetched=5.0),
    ]
    assert origin(members).id == "b"
    links = copy_links(members, lambda a, b: 0.9)
    assert (links["b"].copy_of, links["c"].copy_of, links["a"].copy_of) == (None, "b", "b")


def test_members_crediting_the_same_source_do_not_copy_each_other() -> None:
    members = [
        Member("afp1", 10.0, source="AFP"),
        Member("afp2", 20.0, source="afp"),
        Member("plain", 30.0),
        Member("kabar", 40.0, source="Kabar"),
    ]
    links = copy_links(
        members, _scores({("afp2", "afp1"): 0.9, ("plain", "afp2"): 0.95, ("kabar", "plain"): 0.9})
    )
    assert links["afp2"] == Link(None, None, "AFP")
    assert links["plain"] == Link("afp2", 0.95)  # no credit: a copy of the closest
    assert links["kabar"] == Link("plain", 0.9)  # a credit its closest member does not share
    assert same_source(" Kabar ", "kabar") and not same_source("Kabar", "Kazinform")


def test_an_unknown_similarity_is_no_candidate_and_a_member_with_none_copies_the_origin() -> None:
    members = [Member("o", 1.0), Member("nosig", 2.0), Member("c", 3.0)]

    def sim(a: str, b: str) -> float | None:
        return None if "nosig" in (a, b) else 0.8

    links = copy_links(members, sim)
    assert (links["nosig"], links["c"]) == (Link("o", None), Link("o", 0.8))


def test_only_computes_the_links_asked_for() -> None:
    members = [Member("o", 1.0), Member("a", 2.0), Member("b", 3.0)]
    asked: list[tuple[str, str]] = []

    def sim(a: str, b: str) -> float:
        asked.append((a, b))
        return 0.9

    assert copy_links(members, sim, only={"b"}) == {"b": Link("o", 0.9)}
    assert sorted(asked) == [("b", "a"), ("b", "o")]
