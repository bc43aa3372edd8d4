"""``Clusterer``: incremental near-duplicate clustering with stable cluster ids.

Each added article is matched against the window (``NearDupIndex.query``: candidates from LSH,
each verified). With no match it starts a cluster whose id is its own id. Otherwise it joins the
cluster of its best match (``linked_to``, ``similarity``). That link is in arrival order and says
how the article joined, not who copied whom: ``dedup.direction`` gives the copy direction.

Two existing clusters merge only on a verified link between their own members: when the new
article matches members of several clusters, those clusters merge if one of their matched members
verifies against a matched member of the other. An article that merely bridges two stories (a
digest quoting both) joins the closer one and links nothing else. In a merge the oldest cluster
keeps its id; the others become aliases of it (``ClusterDecision.aliases``), and stay resolvable
while any article that carried them is in the window.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import NamedTuple

from dedup.config import DedupConfig
from dedup.errors import DedupError, DuplicateKey
from dedup.index import Doc, Entry, Match, NearDupIndex
from dedup.signature import Signature
from dedup.storage import Store

# Matched members per cluster tried for a direct link before two clusters are merged; each try is
# one verification. More finds a few more merges of split clusters at more cost per article.
MERGE_LINK_TRIES = 3
# Longest alias chain followed (a chain is one merge of merges; it cannot loop).
_MAX_ALIAS_HOPS = 64

_TABLE_BIRTH = "cluster"
_TABLE_SIZE = "size"
_TABLE_ALIAS = "alias"
_TABLE_META = "meta"
_TABLE_COUNTER = "counter"
_QUEUE_ALIAS = "alias"


class ClusterDecision(NamedTuple):
    """What ``Clusterer.add`` did with an article.

    Attributes:
        kind: "new" (it starts a cluster), "joined" (an existing one) or "merged" (it joined one,
            and clusters it links merged into it).
        cluster: the stable cluster id: the id of the cluster's first member.
        linked_to: the closest article that came before it (in arrival order, not publication
            time: see ``dedup.direction`` for who copied whom), None for a new cluster.
        similarity: to ``linked_to``, 0-1 (see ``Match.similarity``); None for a new cluster.
        aliases: the cluster ids this add merged into ``cluster``.
    """

    kind: str
    cluster: str
    linked_to: str | None = None
    similarity: float | None = None
    aliases: tuple[str, ...] = ()


class Clusterer:
    """Assigns articles to near-duplicate clusters, one article at a time.

    Args:
        cfg: the config (``DedupConfig()`` by default).
        store: where the index lives: ``MemoryStore()`` (default) or ``RedisStore``.

    Raises:
        IncompatibleSignature: ``store`` holds an index built with other parameters.

    Example:
        >>> cfg = DedupConfig()
        >>> clusterer = Clusterer(cfg)
        >>> text = "The new bridge over the Chui river opened on Monday, the ministry said."
        >>> clusterer.add(Doc(id="a", outlet="kabar", time=0.0), signature(text, cfg))
        ClusterDecision(kind='new', cluster='a', linked_to=None, similarity=None, aliases=())
        >>> clusterer.add(Doc(id="b", outlet="24kg", time=60.0), signature(text + " (24.kg)", cfg))
        ClusterDecision(kind='joined', cluster='a', linked_to='a', similarity=0.8359, aliases=())
    """

    def __init__(self, cfg: DedupConfig | None = None, store: Store | None = None) -> None:
        self.config = cfg if cfg is not None else DedupConfig()
        self.index = NearDupIndex(self.config, store)
        self.store = self.index.store
        (watermark,) = self.store.get(_TABLE_META, ["watermark"])
        self._watermark = float(watermark) if watermark is not None else float("-inf")
        self._bulk = False

    def add(self, doc: Doc, sig: Signature) -> ClusterDecision:
        """Cluster one article and add it to the index.

        Args:
            doc: the article's id, outlet and time. The newest time yet moves the window: a
                time far in the future (a typo's year) expires everything before it, so check
                times first (``cluster_records`` takes no time after the fetch or ``now``).
            sig: its signature, made with this clusterer's config.

        Returns:
            The decision: new cluster, joined or merged, with the closest earlier article.

        Raises:
            DuplicateKey: the article is already in the window.
            IncompatibleSignature: ``sig`` was made with another config (``Index.check``).
            DedupError: called inside ``bulk()``.
        """
        if self._bulk:
            raise DedupError("add() inside bulk(): bulk() is for restore(); add after the block")
        self.index.check(sig)
        self._check_new(doc)
        self._advance(doc.time)
        self._bound()
        by_cluster = self._held(self.index.query(doc, sig))
        if not by_cluster:
            self._start(doc.id)
            decision = ClusterDecision("new", doc.id)
        else:
            decision = self._join(by_cluster)
        self.index.insert(doc, sig, decision.cluster)
        self.store.incr(_TABLE_SIZE, {decision.cluster: 1})
        return decision

    def restore(self, doc: Doc, sig: Signature, cluster: str) -> None:
        """Put back an article with the cluster it was given, without deciding again.

        Rebuilds the state after a restart from archived rows, oldest first; ``cluster`` may be
        an id that has since become an alias.

        Raises:
            DuplicateKey: the article is already in the window.
            IncompatibleSignature: ``sig`` was made with another config (``Index.check``).
        """
        self.index.check(sig)
        self._check_new(doc)
        self._advance(doc.time)
        self._bound()
        cluster = self.resolve(cluster)
        self._start(cluster)
        self.index.insert(doc, sig, cluster)
        self.store.incr(_TABLE_SIZE, {cluster: 1})

    @contextmanager
    def bulk(self) -> Iterator[Clusterer]:
        """Batch many ``restore`` calls (datasketch insertion sessions); ``add`` waits for the end.

        Example:
            >>> cfg = DedupConfig()
            >>> clusterer = Clusterer(cfg)
            >>> with clusterer.bulk() as batch:
            ...     batch.restore(Doc(id="a"), signature("an archived text", cfg), cluster="a")
            >>> clusterer.cluster_of("a")
            'a'
        """
        self._bulk = True
        try:
            with self.index.bulk():
                yield self
        finally:
            self._bulk = False

    def resolve(self, cluster: str) -> str:
        """The current id of a cluster (following the aliases of merges)."""
        for _ in range(_MAX_ALIAS_HOPS):
            (target,) = self.store.get(_TABLE_ALIAS, [cluster])
            if target is None:
                return cluster
            cluster = target.decode()
        raise DedupError(
            f"alias chain longer than {_MAX_ALIAS_HOPS} at {cluster!r}; rebuild the index"
        )

    def cluster_of(self, doc_id: str) -> str | None:
        """The current cluster of an article in the window, or None."""
        (entry,) = self.index.get([doc_id])
        return None if entry is None else self.resolve(entry.cluster)

    def _check_new(self, doc: Doc) -> None:
        if doc.id in self.index:
            raise DuplicateKey(
                f"article {doc.id!r} is already in the window; add each article once "
                f"(clusterer.cluster_of({doc.id!r}) gives its cluster)"
            )

    def _held(self, matches: list[Match]) -> dict[str, list[Match]]:
        """The matches (best first) by current cluster (the best match's first), less those of
        a cluster of two or more members that the article links to only once and only by
        aligned sentences: a copy of one member of a story is most often a copy of the others
        too, while a rewrite that aligns with one text by chance rarely aligns with two, and
        joining a cluster wrongly costs a wrong pair per member."""
        by_cluster: dict[str, list[Match]] = {}
        for match in matches:
            by_cluster.setdefault(self.resolve(match.cluster), []).append(match)
        weak = [c for c, found in by_cluster.items()
                if len(found) == 1 and found[0].kind == "aligned"]  # fmt: skip
        if weak:
            sizes = self.store.get(_TABLE_SIZE, weak)
            for cluster, size in zip(weak, sizes, strict=True):
                if size is not None and int(size) >= 2:
                    del by_cluster[cluster]
        return by_cluster

    def _join(self, by_cluster: dict[str, list[Match]]) -> ClusterDecision:
        first = next(iter(by_cluster))
        best = by_cluster[first][0]
        group = [first]
        for cluster, members in list(by_cluster.items())[1:]:
            tried = [m for c in group for m in by_cluster[c][:MERGE_LINK_TRIES]]
            if self._merges(group, tried, cluster, members[:MERGE_LINK_TRIES]):
                group.append(cluster)
        births = self.store.get(_TABLE_BIRTH, group)
        order = {c: (int(b) if b is not None else 0) for c, b in zip(group, births, strict=True)}
        survivor = min(group, key=lambda c: (order[c], c))
        aliases = tuple(c for c in group if c != survivor)
        if aliases:
            self._merge(survivor, aliases)
        return ClusterDecision(
            "merged" if aliases else "joined", survivor, best.id, best.similarity, aliases
        )

    def _merges(
        self, group: list[str], found: list[Match], cluster: str, members: list[Match]
    ) -> bool:
        """Whether ``cluster`` merges into ``group``: a link between one of ``members`` (its
        matched members to try) and one of ``found`` (those of ``group``), and when both sides
        have two or more members and that link is by aligned sentences only, a second link (a
        wrong merge costs a wrong pair per member of each side)."""
        strict = None
        links = 0
        for a in found:
            for b in members:
                link = self.index.link(a.id, b.id)
                if link is None:
                    continue
                if link.kind != "aligned" or links:
                    return True
                if strict is None:
                    sizes = self.store.get(_TABLE_SIZE, [*group, cluster])
                    counts = [int(n) if n is not None else 0 for n in sizes]
                    strict = sum(counts[:-1]) >= 2 and counts[-1] >= 2
                if not strict:
                    return True
                links += 1
        return False

    def _start(self, cluster: str) -> None:
        """Give a cluster its birth number (creation order) unless it has one."""
        (birth,) = self.store.get(_TABLE_BIRTH, [cluster])
        if birth is None:
            (seq,) = self.store.incr(_TABLE_COUNTER, {"clusters": 1})
            self.store.put(_TABLE_BIRTH, {cluster: str(seq).encode()})

    def _merge(self, survivor: str, aliases: tuple[str, ...]) -> None:
        sizes = self.store.incr(_TABLE_SIZE, dict.fromkeys(aliases, 0))
        self.store.incr(_TABLE_SIZE, {survivor: sum(sizes)})
        self.store.incr(_TABLE_SIZE, {a: -n for a, n in zip(aliases, sizes, strict=True) if n})
        self.store.put(_TABLE_BIRTH, dict.fromkeys(aliases))
        self.store.put(_TABLE_ALIAS, {a: survivor.encode() for a in aliases})
        self.store.schedule(_QUEUE_ALIAS, dict.fromkeys(aliases, self._watermark))

    def _advance(self, time: float) -> None:
        """Move the window to ``time`` if it is the newest yet, expiring what falls out."""
        if time <= self._watermark:
            return
        self._watermark = time
        self.store.put(_TABLE_META, {"watermark": repr(time).encode()})
        until = time - self.config.window_seconds
        self._forget(self.index.expire(until))
        aliases = self.store.due(_QUEUE_ALIAS, until)
        if aliases:
            self.store.put(_TABLE_ALIAS, dict.fromkeys(aliases))

    def _bound(self) -> None:
        """Evict the oldest articles beyond ``max_articles - 1``, making room for one more."""
        if self.config.max_articles is not None:
            self._forget(self.index.expire(float("-inf"), keep=self.config.max_articles - 1))

    def _forget(self, expired: list[Entry]) -> None:
        """Take articles that left the index out of their clusters' sizes."""
        if not expired:
            return
        clusters: dict[str, int] = {}
        for entry in expired:
            cluster = self.resolve(entry.cluster)
            clusters[cluster] = clusters.get(cluster, 0) - 1
        sizes = self.store.incr(_TABLE_SIZE, clusters)
        self.store.put(
            _TABLE_BIRTH, {c: None for c, n in zip(clusters, sizes, strict=True) if n <= 0}
        )
