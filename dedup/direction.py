"""Copy direction inside a cluster: which earlier-published member each member most likely copies.

Plain data in, plain data out; every path that records a direction (the archive as the crawl and
``newsmon ingest`` store articles, ``cluster_records`` and so ``newsmon cluster``) calls
``copy_links``, so they agree.

The rule, by publication time:

- members are ordered by ``Member.key``: the published time (the fetch time where the page gave
  none), then the fetch time, then the id. The first is the cluster's origin;
- a member's ``copy_of`` is the earlier member most similar to it (``similarity`` gives the
  score; a tie goes to the earlier member). A pair whose similarity is unknown (None: no
  comparable signature) is no candidate; a member with no candidate left copies the origin, with
  an unknown similarity;
- credited sources: when a member credits a source (``Member.source``, e.g. "AFP") and the
  earlier member it would copy credits the same one, both took the text from that source: its
  ``copy_of`` is None and ``Link.source`` names the source they share.

Arrival order (the crawl's) plays no part: the links are the same whatever order the members
came in. An origin that arrives after its copies takes their place as the one copied from.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

Similarity = Callable[[str, str], float | None]


@dataclass(frozen=True, slots=True)
class Member:
    """A cluster member as direction sees it.

    Args:
        id: the article id.
        time: epoch seconds: the published time, or the fetch time for a page that gave none.
        fetched: epoch seconds of the fetch (the first tie-break after ``time``).
        source: the agency or outlet the page credits for its text, or None.

    Example:
        >>> Member("a", time=1000.0, fetched=1200.0, source="AFP").key
        (1000.0, 1200.0, 'a')
    """

    id: str
    time: float
    fetched: float = 0.0
    source: str | None = None

    @property
    def key(self) -> tuple[float, float, str]:
        """The publication order: time, then fetch time, then id."""
        return (self.time, self.fetched, self.id)


class Link(NamedTuple):
    """A member's place in its cluster's copy direction.

    Attributes:
        copy_of: the earlier member it most likely copies; None for the origin, for an article
            alone and for a member that shares its credited source with that member.
        similarity: to ``copy_of``, 0-1, or None (no copy_of, or no comparable signatures).
        source: the credited source it shares with its closest earlier member (then ``copy_of``
            is None), else None.
    """

    copy_of: str | None = None
    similarity: float | None = None
    source: str | None = None


def same_source(a: str | None, b: str | None) -> bool:
    """Whether two credited sources name the same agency (case and spacing aside).

    Example:
        >>> same_source("AFP", " afp"), same_source("AFP", None)
        (True, False)
    """
    return bool(a) and bool(b) and " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def origin(members: Iterable[Member]) -> Member:
    """The cluster's origin: its earliest member by ``Member.key``.

    Raises:
        ValueError: no members.
    """
    return min(members, key=lambda m: m.key)


def copy_links(
    members: Sequence[Member], similarity: Similarity, *, only: Collection[str] | None = None
) -> dict[str, Link]:
    """Each member's ``Link``: the earlier-published member it most likely copies.

    Args:
        members: the cluster's members, in any order (ids unique).
        similarity: the similarity of two members by id (0-1; None when unknown); asked only for
            pairs of an earlier and a later member, the later one first.
        only: compute the links of these member ids only (the others are left out of the
            result); all members by default. The earlier members of each are still candidates.

    Returns:
        Member id -> Link.

    Example:
        >>> members = [Member("copy", time=50.0), Member("origin", time=10.0),
        ...            Member("excerpt", time=90.0)]
        >>> scores = {("copy", "origin"): 0.9, ("excerpt", "origin"): 0.6,
        ...           ("excerpt", "copy"): 0.7}
        >>> links = copy_links(members, lambda a, b: scores[a, b])
        >>> [links[m][:2] for m in ("origin", "copy", "excerpt")]
        [(None, None), ('origin', 0.9), ('copy', 0.7)]
    """
    ordered = sorted(members, key=lambda m: m.key)
    links: dict[str, Link] = {}
    for position, member in enumerate(ordered):
        if only is not None and member.id not in only:
            continue
        links[member.id] = _link(member, ordered[:position], similarity)
    return links


def _link(member: Member, earlier: Sequence[Member], similarity: Similarity) -> Link:
    """The link of ``member`` among the members published before it (oldest first)."""
    if not earlier:
        return Link()
    best: Member | None = None
    best_score = -1.0
    for candidate in earlier:
        score = similarity(member.id, candidate.id)
        if score is not None and score > best_score:  # strictly: a tie keeps the earlier one
            best, best_score = candidate, score
    if best is None:
        return Link(earlier[0].id, None)
    if same_source(member.source, best.source):
        return Link(None, None, best.source)
    return Link(best.id, best_score)
