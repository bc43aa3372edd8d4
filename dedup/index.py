"""``NearDupIndex``: the sliding-window LSH index that finds and verifies near-duplicates.

Two LSH indexes (``dedup.lsh``: datasketch's ``MinHashLSH`` layout on Redis, compact numpy
tables in memory) propose candidates: one over the whole text's MinHash (banded for recall at
the Jaccard threshold) and one over the lead's (for excerpts). Every
candidate is then verified on its stored signature before it counts as a match:

- *jaccard*: the estimated Jaccard similarity, after discounting the outlets' boilerplate lines,
  reaches ``cfg.threshold`` (``SHORT_DOC_JACCARD`` when either text is very short);
- *excerpt*: of the text with fewer content shingles (``Signature.content``: page chrome left
  out), the share found in the other, counted exactly (not estimated), reaches
  ``cfg.containment``; ``SMALL_EXCERPT_CONTAINMENT`` for a small excerpt, ``LEAD_CONTAINMENT`` for
  a long one whose lead agrees (``LEAD_JACCARD``): a truncated copy, or one with a new caption,
  standfirst or footer. ``explain`` says which rule decided a pair, with the scores.
- *aligned* (only with ``cfg.align``): the two texts' sentences align (``dedup.align``): a spun
  copy or a paraphrase, or a copy whose aligned sentences and shared content shingles together
  reach ``align.ALIGN_TEXT_SUM``; a third LSH, over a MinHash of the content words, proposes
  such pairs (they are only aligned: they share too few shingles for the rules above), and the
  candidates that the shingle rules refuse are aligned too, all of a query's in one pass.

Boilerplate: per outlet, the index counts in how many stories (clusters) of the window each line
occurs, each story once however many versions of it the outlet ran. A line in at least
``BOILERPLATE_MIN_DOCS`` of them (donor lines, footers, disclaimers) is taken out of both texts'
shingle counts, and out of their estimated intersection when both have it.

Cost (a query can have ~70 candidates when every article shares template phrases): candidates
are prefiltered on their raw estimates in one numpy operation (in memory on MinHashes kept by
LSH handle, so only the promising few are looked up and decoded), and a candidate of the
article's own outlet that cannot verify whatever its boilerplate is dropped before its lines are
counted (``_hopeless``). Both only skip work: the matches are those of verifying every candidate.

Entries expire when the newest article's time has moved ``cfg.window_days`` past theirs.
"""

from __future__ import annotations

import json
import math
import struct
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import xxhash

from dedup import align
from dedup.config import DedupConfig
from dedup.errors import DedupError, DuplicateKey, IncompatibleSignature
from dedup.lsh import LSH, MemoryLSH
from dedup.shingles import CONTENT_MIN_WORDS
from dedup.signature import LEAD_BANDS, LEAD_PERM, LEAD_ROWS, MAX_LINES, Signature, SignatureParams
from dedup.storage import MemoryStore, Store

# A line that occurs in at least this many of one outlet's stories in the window is boilerplate.
# 3 rather than 2, so that two versions of one story from one outlet still match each other (the
# second is not in a cluster yet when it is compared, so it counts as a story of its own).
# Set by bench/eval_quality.py (the "footer" hard negatives and the same-outlet copies).
BOILERPLATE_MIN_DOCS = 3
# Under this many distinct shingles (after boilerplate), a text is "short": only a near-identical
# text matches it (SHORT_DOC_JACCARD), never an excerpt. Template briefs (exchange rates, weather)
# differ by one or two numbers and score 0.3-0.6. Set by bench/eval_quality.py ("short" cases).
SHORT_DOC_SHINGLES = 30
SHORT_DOC_JACCARD = 0.8
# Agreement of the leads' MinHashes that lets a long excerpt link at a lower containment
# (``LEAD_CONTAINMENT``). A copied lead scores 0.5-1.0 (a header or dateline shifts it);
# unrelated leads under 0.2. Set by bench/eval_quality.py.
LEAD_JACCARD = 0.4
# An excerpt whose lead agrees (``LEAD_JACCARD``) and that has at least ``LEAD_MIN_SHINGLES``
# content shingles links at this containment instead of ``cfg.containment``: a wire copy with
# inserted local sentences, a site's own standfirst or an appended station footer keeps 0.5-0.65
# of its content in the source, an independent write-up sharing a quote or a background
# paragraph 0.4 at most (bench/eval_real.py, the shared dev set). Short texts (digests that open
# with one story's lead) need the full containment. bench/eval_quality.py's same-topic pairs
# reach 0.63 without a lead in common.
LEAD_CONTAINMENT = 0.5
LEAD_MIN_SHINGLES = 100
# An excerpt of fewer content shingles needs this containment instead of ``cfg.containment``: a
# digest of two short items (one lead in full, the other sharing a story's stock phrases) keeps
# 0.6-0.8 of itself in one story (bench/eval_quality.py, "digest"); true excerpts that short are
# near-verbatim cuts (0.9-1.0).
SMALL_EXCERPT_SHINGLES = 60
SMALL_EXCERPT_CONTAINMENT = 0.8

# Candidates whose raw estimate is under this share of the Jaccard or containment threshold are
# dropped before the boilerplate-aware verification: discounting boilerplate can raise a score,
# but not from half the threshold unless boilerplate is half the text. Saves time on same-topic
# candidates (bench/dedup_speed.py), no measurable recall (bench/eval_quality.py).
PREFILTER = 0.5
# The raw (MinHash, whole-text) containment estimate under which a candidate cannot be an
# excerpt: a true excerpt's content containment of 0.5 or more estimates at 0.4 or more unless
# chrome is half the text. Below it, the exact containment is not computed (bench/dedup_speed.py:
# same-topic candidates are most of a query's candidates); bench/eval_real.py: no recall lost.
PREFILTER_CONTAINMENT = 0.4

# From this many prefiltered candidates, those that cannot verify whatever their boilerplate are
# dropped before their lines are counted (``_hopeless``); with fewer, the check costs more than
# the lookups it saves (bench/dedup_speed.py: --corpus vocabulary has 1-2, grammar ~8).
HOPELESS_MIN = 4

# At most this many candidates of one cluster (by the id the index recorded for each) are
# verified: those closest to the query on the raw MinHash. A query's cost then stays bounded when
# a story's cluster grows to hundreds of copies; two clusters merge on links between their first
# few matches anyway (``dedup.clusters.MERGE_LINK_TRIES``).
MAX_PER_CLUSTER = 8

# How the per-outlet line counts count (in the index's layout: an index counted otherwise is
# refused). "story": a line counts once per cluster, however many of its articles have it.
LINE_COUNTS = "story"

_NO_LINES: frozenset[int] = frozenset()
# An entry's boilerplate: its lines that are boilerplate of its outlet, and their shingles.
_NO_BOILERPLATE: tuple[frozenset[int], int] = (_NO_LINES, 0)
_TABLE_DOCS = "doc"
_TABLE_META = "meta"
_QUEUE_DOCS = "doc"
# time, distinct shingles, lines, outlet length, cluster length, content shingles, sentence words,
# sentences
_RECORD = struct.Struct("<dIHHHIIH")
# An id's and an outlet's UTF-8 length is a 16-bit field of the record.
MAX_KEY_BYTES = 0xFFFF
# A candidate proposed only by the content-word LSH (``dedup.align``) is aligned when the word
# MinHashes estimate at least this Jaccard similarity (tuning set: spun copies 0.09-0.4, most
# same-event pairs under 0.2), at most ``ALIGN_MAX_CANDIDATES`` of them, the closest first: the
# cost of a query stays bounded when many articles share a topic's words.
ALIGN_WORD_JACCARD = 0.15
ALIGN_MAX_CANDIDATES = 8


@dataclass(frozen=True, slots=True)
class Doc:
    """An article as the index sees it.

    Args:
        id: unique article id (DESIGN: a hash of the canonical URL).
        outlet: outlet id, or "" when unknown (no boilerplate is learnt then).
        time: epoch seconds for the window: the published time, else the fetch time.

    Raises:
        DedupError: an empty id, an id or outlet that is not a string, not valid Unicode or
            over ``MAX_KEY_BYTES`` in UTF-8, or a time that is not a finite number.

    Example:
        >>> Doc(id="a1", outlet="kabar", time=1736400000.0)
        Doc(id='a1', outlet='kabar', time=1736400000.0)
    """

    id: str
    outlet: str = ""
    time: float = 0.0

    def __post_init__(self) -> None:
        """Refuse what the index could not store or keep in order (``DedupError``)."""
        for name, value in (("id", self.id), ("outlet", self.outlet)):
            if not isinstance(value, str):
                raise DedupError(f"Doc {name} must be a string, not {type(value).__name__}")
            try:
                size = len(value.encode())
            except UnicodeEncodeError:
                raise DedupError(
                    f"Doc {name} {value[:40]!r} is not valid Unicode (a lone surrogate)"
                ) from None
            if size > MAX_KEY_BYTES:
                raise DedupError(f"Doc {name} is {size} bytes long; at most {MAX_KEY_BYTES}")
        if not self.id:
            raise DedupError("Doc id is empty")
        if not isinstance(self.time, int | float) or not math.isfinite(self.time):
            # a NaN time never leaves the window: nothing would expire after it
            raise DedupError(f"Doc time must be a finite number of seconds, not {self.time!r}")


@dataclass(frozen=True, slots=True)
class Match:
    """A verified near-duplicate found in the index.

    Attributes:
        id: the article id of the earlier article.
        cluster: its cluster id as stored (resolve aliases before use).
        kind: "jaccard", "excerpt" or "aligned".
        similarity: the estimated Jaccard similarity, or for an excerpt the share of the smaller
            text's content shingles found in the other (exact), or for "aligned" the share of
            the shorter text's content words in aligned sentences.
        outlet: the earlier article's outlet.
    """

    id: str
    cluster: str
    kind: str
    similarity: float
    outlet: str = ""


@lru_cache(maxsize=4)
def _record_head(num_perm: int) -> np.dtype:
    """The numpy layout of an ``Entry`` record's head: ``_RECORD``, then the MinHash."""
    return np.dtype(
        [
            ("time", "<f8"),
            ("size", "<u4"),
            ("lines", "<u2"),
            ("outlet", "<u2"),
            ("cluster", "<u2"),
            ("content", "<u4"),
            ("words", "<u4"),
            ("sentences", "<u2"),
            ("values", "<u4", (num_perm,)),
        ]
    )


def _story_key(cluster: str) -> int:
    """The 64-bit story key of a cluster id, for ``Store.count_story_lines``."""
    return xxhash.xxh3_64_intdigest(b"story\x1f" + cluster.encode())


def _closest_per_cluster(
    found: list[tuple[str, bytes | None]], equal: np.ndarray
) -> tuple[list[tuple[str, bytes | None]], np.ndarray]:
    """Of the candidate records ``found`` (id, record), the ``MAX_PER_CLUSTER`` of each cluster
    that share the most MinHash values with the query (``equal``; ties by id, so that every
    store keeps the same ones), in their order."""
    taken: dict[bytes, int] = {}
    keep = []
    shared = equal.tolist()
    for i in sorted(range(len(found)), key=lambda i: (-shared[i], found[i][0])):
        blob = found[i][1]
        if blob is None:
            continue
        cluster = Entry.cluster_in(blob)
        if taken.get(cluster, 0) < MAX_PER_CLUSTER:
            taken[cluster] = taken.get(cluster, 0) + 1
            keep.append(i)
    keep.sort()
    return [found[i] for i in keep], equal[keep]


class Entry:
    """An article stored in the index (its signature, outlet, time and cluster)."""

    __slots__ = ("_lines", "cluster", "content", "hashvalues", "id", "lead", "line_hashes",
                 "line_sizes", "outlet", "sentences", "size", "time")  # fmt: skip

    def __init__(self, doc: Doc, sig: Signature, cluster: str) -> None:
        self.id, self.outlet, self.time, self.cluster = doc.id, doc.outlet, doc.time, cluster
        self.hashvalues, self.lead, self.size = sig.hashvalues, sig.lead, sig.size
        # a signature read from bytes may come from elsewhere (an older worker): the record
        # counts lines in 16 bits, and dedup reads MAX_LINES of them
        self.line_hashes = sig.line_hashes[:MAX_LINES]
        self.line_sizes = sig.line_sizes[:MAX_LINES]
        self.content = sig.content
        self.sentences = sig.sentences
        self._lines: dict[int, int] | None = None

    def to_bytes(self) -> bytes:
        outlet, cluster = self.outlet.encode(), self.cluster.encode()
        return b"".join((
            _RECORD.pack(self.time, self.size, len(self.line_hashes), len(outlet), len(cluster),
                         len(self.content), len(self.sentences.words), len(self.sentences.sizes)),
            self.hashvalues.tobytes(), self.lead.tobytes(), self.line_sizes.tobytes(),
            self.line_hashes.tobytes(), self.content.tobytes(), self.sentences.words.tobytes(),
            self.sentences.minhash.tobytes() if len(self.sentences.words) else b"",
            self.sentences.sizes.tobytes(), outlet, cluster,
        ))  # fmt: skip

    @classmethod
    def from_bytes(cls, key: str, blob: bytes, num_perm: int) -> Entry:
        entry = cls.__new__(cls)
        entry.id, entry._lines = key, None
        entry.time, entry.size, lines, outlet_len, cluster_len, content, n_words, n_sents = (
            _RECORD.unpack_from(blob)
        )
        # the 32-bit arrays in one read, then views of it (a read costs more than a view)
        ends = (num_perm, num_perm + LEAD_PERM, num_perm + LEAD_PERM + lines)
        words = np.frombuffer(blob, dtype=np.uint32, count=ends[2], offset=_RECORD.size)
        entry.hashvalues, entry.lead = words[: ends[0]], words[ends[0] : ends[1]]
        entry.line_sizes = words[ends[1] :]
        offset = _RECORD.size + 4 * ends[2]
        entry.line_hashes = np.frombuffer(blob, dtype=np.uint64, count=lines, offset=offset)
        offset += 8 * lines
        entry.content = np.frombuffer(blob, dtype=np.uint16, count=content, offset=offset)
        offset += 2 * content
        if n_words:  # with the word MinHash (``DedupConfig.align``)
            entry.sentences = align.Sentences(
                np.frombuffer(blob, dtype=np.uint16, count=n_words, offset=offset),
                np.frombuffer(
                    blob,
                    dtype=np.uint8,
                    count=n_sents,
                    offset=offset + 2 * n_words + 4 * align.WORD_PERM,
                ),
                np.frombuffer(
                    blob, dtype=np.uint32, count=align.WORD_PERM, offset=offset + 2 * n_words
                ),
            )
            offset += 2 * n_words + 4 * align.WORD_PERM + n_sents
        else:
            entry.sentences = align.EMPTY
        entry.outlet = blob[offset : offset + outlet_len].decode()
        entry.cluster = blob[offset + outlet_len : offset + outlet_len + cluster_len].decode()
        return entry

    @staticmethod
    def cluster_in(blob: bytes) -> bytes:
        """The cluster id in a record made by ``to_bytes`` (its last bytes), without decoding it."""
        return blob[len(blob) - _RECORD.unpack_from(blob)[4] :]

    @property
    def lines(self) -> dict[int, int]:
        """Shingles of each distinct line, by line hash."""
        if self._lines is None:
            self._lines = dict(
                zip(self.line_hashes.tolist(), self.line_sizes.tolist(), strict=True)
            )
        return self._lines

    def distinct_lines(self) -> np.ndarray:
        """The hashes of this entry's distinct lines."""
        if len(self.lines) == len(self.line_hashes):
            return self.line_hashes
        return np.unique(self.line_hashes)


class NearDupIndex:
    """Sliding-window LSH index of article signatures with verified near-duplicate queries.

    Args:
        cfg: the config; signatures must have been made with it.
        store: where the index lives (``MemoryStore()`` by default).

    Raises:
        IncompatibleSignature: ``store`` already holds an index built with other parameters.

    Example:
        >>> cfg = DedupConfig()
        >>> index = NearDupIndex(cfg)
        >>> text = "Kabar reports that the new bridge over the Chui river opened on Monday."
        >>> index.insert(Doc(id="a", time=0.0), signature(text, cfg), cluster="a")
        >>> [m.id for m in index.query(Doc(id="b"), signature("KABAR: " + text, cfg))]
        ['a']
    """

    def __init__(self, cfg: DedupConfig, store: Store | None = None) -> None:
        self.cfg = cfg
        self.store = store if store is not None else MemoryStore()
        self.params = SignatureParams.of(cfg)
        self._check_layout()
        full = self.store.lsh("full", cfg.num_perm, cfg.bands)
        lead = self.store.lsh("lead", LEAD_PERM, (LEAD_BANDS, LEAD_ROWS))
        # In memory, with as many rows per band in both, the two indexes are one table: the bands
        # of the lead after the text's (each band has its own keys, and only the union of the
        # candidates counts), so a query or an insert is one table operation instead of two.
        self._joint: int | None = None
        self._tables: list[LSH] = [full, lead]
        if isinstance(full, MemoryLSH) and isinstance(lead, MemoryLSH) and full.r == lead.r:
            self._joint = full.b * full.r
            self._tables = [MemoryLSH(self._joint + LEAD_PERM, (full.b + lead.b, full.r))]
        # with ``cfg.align``, the content-word LSH (``dedup.align``): candidates for spun and
        # paraphrased copies, which share few shingles
        self._words = (
            self.store.lsh("words", align.WORD_PERM, align.WORD_BANDS) if cfg.align else None
        )
        self._word_session = None
        self._word_heads: tuple[np.ndarray, np.ndarray] | None = None
        if isinstance(self._words, MemoryLSH):
            self._word_heads = (
                np.zeros((0, align.WORD_PERM), dtype=np.uint32),
                np.zeros(0, dtype=np.uint32),
            )
        self._session: list | None = None
        self._last_bands: tuple = (None, None)
        self._head = _record_head(cfg.num_perm)
        # In memory, the MinHash and size of each indexed article by its LSH handle, so that the
        # candidates are prefiltered in one numpy operation, before any is looked up or decoded
        # (with ~70 candidates a query, the per-candidate Python was most of a query's cost).
        self._heads: tuple[np.ndarray, np.ndarray] | None = None
        if self._joint is not None:
            self._heads = (
                np.zeros((0, cfg.num_perm), dtype=np.uint32),
                np.zeros(0, dtype=np.uint32),
            )

    def _check_layout(self) -> None:
        layout = {
            **self.params._asdict(),
            "bands": list(self.cfg.bands),
            "lead_bands": [LEAD_BANDS, LEAD_ROWS],
            "line_counts": LINE_COUNTS,
            "content_min_words": CONTENT_MIN_WORDS,
            "align": [align.WORD_PERM, *align.WORD_BANDS, align.SENTENCE_MIN_WORDS]
            if self.cfg.align
            else None,
        }
        (stored,) = self.store.get(_TABLE_META, ["layout"])
        if stored is None:
            self.store.put(_TABLE_META, {"layout": json.dumps(layout).encode()})
            return
        built = json.loads(stored)
        # a missing name first: an index from an older newsmon (say so, not "open it with...")
        for name in sorted(layout.keys() - built.keys()) + list(built):
            if name not in built:
                raise IncompatibleSignature(
                    f"the index in {self.store!r} was built by an older newsmon (its layout has "
                    f"no {name}); build a new index under another prefix"
                )
            if built[name] != layout.get(name):
                raise IncompatibleSignature(
                    f"the index in {self.store!r} was built with {name}={built[name]!r}, the "
                    f"config has {layout.get(name)!r}; open it with the config it was built with, "
                    f"or build a new index under another prefix"
                )

    def check(self, sig: Signature) -> None:
        """Raise ``IncompatibleSignature`` for a signature this index cannot compare: made with
        other parameters, or without the sentences an aligning index needs."""
        sig.params.check(self.params)
        if self._words is not None and not len(sig.sentences.minhash):
            # indexed without sentences, its spun copies would silently never be found
            raise IncompatibleSignature(
                "the signature was made without DedupConfig.align and this index aligns "
                "sentences; recompute it with DedupConfig(align=True)"
            )

    def __contains__(self, doc_id: str) -> bool:
        return self.store.get(_TABLE_DOCS, [doc_id])[0] is not None

    def get(self, ids: Sequence[str]) -> list[Entry | None]:
        """The stored entries of ``ids`` (``None`` for an id not in the window)."""
        blobs = self.store.get(_TABLE_DOCS, ids)
        return [
            None if blob is None else Entry.from_bytes(key, blob, self.cfg.num_perm)
            for key, blob in zip(ids, blobs, strict=True)
        ]

    def query(self, doc: Doc, sig: Signature) -> list[Match]:
        """Verified near-duplicates of an article among the indexed ones, best first.

        Best is the highest Jaccard match, then the highest excerpt match. Of a cluster with more
        than ``MAX_PER_CLUSTER`` candidates, the closest on the raw MinHash are verified.
        Read-only.

        Raises:
            IncompatibleSignature: ``sig`` was made with another config.
        """
        self.check(sig)
        if sig.empty:
            return []
        entries, equal = self._promising(sig, doc.id.encode())
        spun = (
            self._word_candidates(sig, doc.id.encode(), {e.id for e in entries})
            if self._words is not None
            else []
        )
        if not entries and not spun:
            return []
        new = Entry(doc, sig, "")
        # the content-word LSH's own candidates share too few shingles for the shingle rules:
        # they are only aligned
        matches, unmatched = [], spun
        if entries:
            matches, failed = self._verify_all(new, entries, equal)
            unmatched = failed + spun
        if unmatched:
            matches += self._aligned_many(new, unmatched)
        matches.sort(key=lambda m: (m.kind == "jaccard", m.similarity, m.id), reverse=True)
        return matches

    def _verify_all(
        self, new: Entry, entries: list[Entry], equal: list[int]
    ) -> tuple[list[Match], list[Entry]]:
        """The shingle rules' matches of ``new`` among ``entries`` (``equal``: the MinHash values
        each shares with it), and the entries that were verified and did not match."""
        if len(entries) < HOPELESS_MIN:
            own, *others = self._boilerplate([new, *entries], pending=new)
        else:
            (own,) = self._boilerplate([new], pending=new)
            hopeless = self._hopeless(new, own, entries, equal)
            entries = [e for e, out in zip(entries, hopeless, strict=True) if not out]
            equal = [n for n, out in zip(equal, hopeless, strict=True) if not out]
            others = self._boilerplate(entries, pending=new)
        verify = self._verify_shingles
        matches, failed = [], []
        for e, theirs, same in zip(entries, others, equal, strict=True):
            match = verify(new, e, own, theirs, same)
            if match is not None:
                matches.append(match)
            else:
                failed.append(e)
        return matches, failed

    def candidates(self, sig: Signature) -> list[str]:
        """The ids the LSH indexes propose for ``sig`` (whole text or lead), unverified, sorted."""
        return sorted(key.decode() for key in self._candidate_keys(sig))

    def _candidate_keys(self, sig: Signature) -> set[bytes]:
        bands = self._band_keys(sig)
        keys = self._tables[0].candidates(bands[0])
        for table, table_bands in zip(self._tables[1:], bands[1:], strict=True):
            keys.update(table.candidates(table_bands))
        if self._words is not None and len(sig.sentences.words):
            keys.update(self._words.candidates(self._word_bands(sig)))
        return keys

    def _word_bands(self, sig: Signature) -> object:
        """The content-word LSH band keys of ``sig``."""
        return self._words.band_keys(sig.sentences.minhash)

    def _word_candidates(self, sig: Signature, own_key: bytes, seen: set[str]) -> list[Entry]:
        """The content-word LSH's candidates not in ``seen`` that may align (``dedup.align``):
        long enough, and sharing ``ALIGN_WORD_JACCARD`` of their content words by the word
        MinHash, at most ``ALIGN_MAX_CANDIDATES``, the closest first (ties by id).

        In memory the word MinHashes are kept by LSH handle and compared in one numpy operation
        (a topic's articles share many words: hundreds of candidates); on Redis the records are
        read. Both keep the same candidates."""
        words = sig.sentences
        if self._words is None or len(words.words) < align.ALIGN_MIN_WORDS:
            return []
        bands = self._word_bands(sig)
        if self._word_heads is not None:
            table = self._words
            handles = table.candidate_handles(bands)  # type: ignore[attr-defined]
            values, sizes = self._word_heads
            handles = handles[handles < len(sizes)]
            same = np.count_nonzero(values[handles] == words.minhash, axis=1)
            keep = (same >= ALIGN_WORD_JACCARD * align.WORD_PERM) & (
                sizes[handles] >= align.ALIGN_MIN_WORDS
            )
            same, handles = same[keep], handles[keep]
            # only the keys that can be among the closest are decoded: those at least as close
            # as the one ranked ALIGN_MAX_CANDIDATES + len(seen) + 1 (seen ones and the article
            # itself may be among them; ties by id)
            reach = ALIGN_MAX_CANDIDATES + len(seen) + 1
            if len(same) > reach:
                floor = -np.partition(-same, reach - 1)[reach - 1]
                same, handles = same[same >= floor], handles[same >= floor]
            own = own_key.decode()
            ranked = [
                (-score, key)
                for score, h in zip(same.tolist(), handles.tolist(), strict=True)
                if (key := table.key(h).decode()) not in seen  # type: ignore[attr-defined]
                and key != own
            ]
            ranked.sort()
            ids = [key for _, key in ranked[:ALIGN_MAX_CANDIDATES]]
            return [e for e in self.get(ids) if e is not None]
        keys = self._words.candidates(bands)
        keys.discard(own_key)
        ids = [key.decode() for key in keys if key.decode() not in seen]
        found = []
        for key, blob in zip(ids, self.store.get(_TABLE_DOCS, ids), strict=True):
            if blob is None:
                continue
            entry = Entry.from_bytes(key, blob, self.cfg.num_perm)
            score = align.word_jaccard(words.minhash, entry.sentences.minhash)
            if score >= ALIGN_WORD_JACCARD and len(entry.sentences.words) >= align.ALIGN_MIN_WORDS:
                found.append((-score, key, entry))
        found.sort(key=lambda item: item[:2])
        return [entry for _, _, entry in found[:ALIGN_MAX_CANDIDATES]]

    def _keep_word_head(self, key: bytes, sig: Signature) -> None:
        """Keep the word MinHash and word count of an article just added to the in-memory
        content-word LSH (``_word_candidates``)."""
        handle = self._words.handle(key)  # type: ignore[union-attr]
        values, sizes = self._word_heads  # type: ignore[misc]
        if handle >= len(sizes):
            grown = max(1024, len(sizes) + len(sizes) // 4, handle + 1)
            values = np.concatenate(
                (values, np.zeros((grown - len(sizes), align.WORD_PERM), dtype=np.uint32))
            )
            sizes = np.concatenate((sizes, np.zeros(grown - len(sizes), dtype=np.uint32)))
            self._word_heads = (values, sizes)
        values[handle] = sig.sentences.minhash
        sizes[handle] = len(sig.sentences.words)

    def linked(self, a: str, b: str) -> bool:
        """True if the indexed articles ``a`` and ``b`` verify as near-duplicates of each other."""
        return self.link(a, b) is not None

    def link(self, a: str, b: str) -> Match | None:
        """The match of the indexed article ``b`` for ``a`` (its ``kind`` says by which rule),
        or None when they do not verify as near-duplicates or one is not in the window."""
        first, second = self.get([a, b])
        if first is None or second is None:
            return None
        return self._verify(first, second, *self._boilerplate([first, second]))

    def explain(self, a: str, b: str) -> dict:
        """Why the indexed articles ``a`` and ``b`` do or do not verify as near-duplicates.

        Returns:
            ``linked`` (bool), ``rule`` (the rule that decided: "jaccard", "excerpt",
            "excerpt with the same lead", "aligned sentences", "aligned sentences and shared
            text", or why none holds), the scores (``jaccard_raw``: the MinHash estimate;
            ``jaccard``: after the outlets' boilerplate lines are discounted; ``containment``:
            exact share of the smaller text's content shingles in the other; ``lead``: agreement
            of the leads' MinHashes; with ``cfg.align``: ``word_jaccard``, ``aligned`` of
            ``aligned_sentences``, ``shared_text``, ``figures`` and ``figures_shared`` of the
            text with fewer numbers and whether they agree) with the thresholds they were held
            to, and ``candidate``: whether the LSH indexes propose ``a`` for ``b`` (a pair that
            is not a candidate is never verified).

        Raises:
            DedupError: ``a`` or ``b`` is not in the window.
        """
        first, second = self.get([a, b])
        missing = [key for key, entry in ((a, first), (b, second)) if entry is None]
        if missing:
            raise DedupError(
                f"article {missing[0]!r} is not in the index (not in the input, or "
                f"out of the window)"
            )
        why: dict = {"a": a, "b": b}
        self._verify(first, second, *self._boilerplate([first, second]), why=why)  # type: ignore[arg-type]
        why["lead"] = round(
            float(np.count_nonzero(first.lead == second.lead))  # type: ignore[union-attr]
            / len(first.lead),
            4,
        )  # type: ignore[union-attr]
        why["candidate"] = a.encode() in self._candidate_keys(second)  # type: ignore[arg-type]
        return why

    def insert(self, doc: Doc, sig: Signature, cluster: str) -> None:
        """Add an article with its cluster id.

        Raises:
            DuplicateKey: ``doc.id`` is already in the index.
            IncompatibleSignature: ``sig`` was made with another config.
        """
        self.check(sig)
        if doc.id in self:
            raise DuplicateKey(
                f"article {doc.id!r} is already in the index; add each article once (use its "
                f"stored cluster, or remove it first)"
            )
        entry = Entry(doc, sig, cluster)
        if not sig.empty:
            key = doc.id.encode()
            sessions = self._session or [None] * len(self._tables)
            for table, bands, session in zip(
                self._tables, self._band_keys(sig), sessions, strict=True
            ):
                table.add(key, bands, session)
            if self._words is not None and len(sig.sentences.words):
                self._words.add(key, self._word_bands(sig), self._word_session)
                if self._word_heads is not None:
                    self._keep_word_head(key, sig)
            if self._heads is not None:
                self._keep_head(key, sig)
        self.store.put(_TABLE_DOCS, {doc.id: entry.to_bytes()})
        if doc.outlet:
            self._count_lines(entry, 1)
        self.store.schedule(_QUEUE_DOCS, {doc.id: doc.time})

    def expire(self, until: float, keep: int | None = None) -> list[Entry]:
        """Remove the articles whose time is at or before ``until`` and, with ``keep``, the
        oldest of the others beyond the newest ``keep``; returns them."""
        ids = self.store.due(_QUEUE_DOCS, until, keep)
        if not ids:
            return []
        entries = [e for e in self.get(ids) if e is not None]
        indexed = [entry.id.encode() for entry in entries if entry.size]
        if indexed:
            for table in self._tables:
                table.discard(indexed)
            if self._words is not None:
                self._words.discard(
                    [entry.id.encode() for entry in entries if len(entry.sentences.words)]
                )
        self.store.put(_TABLE_DOCS, dict.fromkeys(ids))
        for entry in entries:
            if entry.outlet:
                self._count_lines(entry, -1)
        return entries

    def _count_lines(self, entry: Entry, delta: int) -> None:
        """Count ``entry`` in (``delta`` 1) or out of (-1) its outlet's line counts, once per
        story: its cluster id (as given at insert) is the story.

        An outlet that runs three versions of one story must not make the story its boilerplate:
        that would leave only the versions' small differences (a dateline, a source line, an
        edited sentence) to compare with other stories, which then look alike.
        """
        self.store.count_story_lines(
            entry.outlet, _story_key(entry.cluster), entry.distinct_lines(), delta
        )

    @contextmanager
    def bulk(self) -> Iterator[NearDupIndex]:
        """Batch the LSH writes of many ``insert`` calls (datasketch insertion sessions).

        ``query`` does not see the articles inserted in the block until it ends.
        """
        if self._session is not None:
            raise DedupError("bulk() blocks cannot be nested")
        with ExitStack() as stack:
            self._session = [stack.enter_context(t.insertion_session()) for t in self._tables]
            if self._words is not None:
                self._word_session = stack.enter_context(self._words.insertion_session())
            try:
                yield self
            finally:
                self._session = None
                self._word_session = None

    def _band_keys(self, sig: Signature) -> list:
        """The LSH band keys of ``sig`` for each table (kept for the last one: ``add`` queries,
        then inserts)."""
        if self._last_bands[0] is not sig:
            if self._joint is not None:
                values = np.concatenate((sig.hashvalues[: self._joint], sig.lead))
                bands = [self._tables[0].band_keys(values)]
            else:
                bands = [
                    self._tables[0].band_keys(sig.hashvalues),
                    self._tables[1].band_keys(sig.lead),
                ]
            self._last_bands = (sig, bands)
        return self._last_bands[1]

    def _promising(self, sig: Signature, own_key: bytes) -> tuple[list[Entry], list[int]]:
        """The candidates whose raw similarity is within reach of a link (at most
        ``MAX_PER_CLUSTER`` of a cluster), decoded, and how many MinHash values each shares with
        ``sig``.

        Vectorised over all the candidates: in memory on the MinHashes kept by LSH handle
        (``_heads``), else on the stored records' heads; only the promising few are decoded.
        """
        if self._heads is not None:
            table = self._tables[0]
            handles = table.candidate_handles(self._band_keys(sig)[0])  # type: ignore[attr-defined]
            if not len(handles):
                return [], []
            own = table.handle(own_key)  # type: ignore[attr-defined]
            if own is not None:
                handles = handles[handles != own]
            equal, keep = self._prefilter(sig, self._heads[0][handles], self._heads[1][handles])
            ids = [table.key(h).decode() for h in handles[keep].tolist()]  # type: ignore[attr-defined]
            found = list(zip(ids, self.store.get(_TABLE_DOCS, ids), strict=True))
            equal = equal[keep]
        else:
            ids = [key.decode() for key in self._candidate_keys(sig) if key != own_key]
            blobs = self.store.get(_TABLE_DOCS, ids)
            found = [(key, blob) for key, blob in zip(ids, blobs, strict=True) if blob is not None]
            if not found:
                return [], []
            # each record's fixed head (time, size, ..., MinHash), read as one structured array
            records = np.frombuffer(
                b"".join([blob[: self._head.itemsize] for _, blob in found]), dtype=self._head
            )
            equal, keep = self._prefilter(sig, records["values"], records["size"])
            found, equal = [found[i] for i in keep.tolist()], equal[keep]
        if len(found) > MAX_PER_CLUSTER:
            found, equal = _closest_per_cluster(found, equal)
        entries, shared = [], []
        for (key, blob), same in zip(found, equal.tolist(), strict=True):
            if blob is not None:
                entries.append(Entry.from_bytes(key, blob, self.cfg.num_perm))
                shared.append(same)
        return entries, shared

    def _keep_head(self, key: bytes, sig: Signature) -> None:
        """Keep the MinHash and size of an article just added to the in-memory LSH table."""
        handle = self._tables[0].handle(key)  # type: ignore[attr-defined]
        values, sizes = self._heads  # type: ignore[misc]
        if handle >= len(sizes):
            # by a quarter: 516 bytes a slot, so doubling would hold up to 516 idle bytes an
            # article (handles are reused, so the arrays stop growing with the window)
            grown = max(1024, len(sizes) + len(sizes) // 4, handle + 1)
            values = np.concatenate(
                (values, np.zeros((grown - len(sizes), values.shape[1]), dtype=np.uint32))
            )
            sizes = np.concatenate((sizes, np.zeros(grown - len(sizes), dtype=np.uint32)))
            self._heads = (values, sizes)
        values[handle] = sig.hashvalues
        sizes[handle] = sig.size

    def _prefilter(
        self, sig: Signature, values: np.ndarray, sizes: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """How many of ``values`` (rows of MinHash values, of texts of ``sizes`` shingles) each
        row shares with ``sig``, and the rows within reach of a link (``PREFILTER``)."""
        equal = np.count_nonzero(values == sig.hashvalues, axis=1)
        jaccard = equal / self.cfg.num_perm
        sizes = sizes.astype(np.float64)
        contained = (
            jaccard
            * (sig.size + sizes)
            / (1 + jaccard)
            / np.maximum(np.minimum(sizes, sig.size), 1)
        )
        keep = np.flatnonzero(
            (jaccard >= PREFILTER * self.cfg.threshold) | (contained >= PREFILTER_CONTAINMENT)
        )
        return equal, keep

    def _hopeless(
        self,
        new: Entry,
        own: tuple[frozenset[int] | set[int], int],
        entries: list[Entry],
        equal: list[int],
    ) -> list[bool]:
        """For each of ``entries``, True if it cannot verify against ``new`` whatever its own
        boilerplate (``own`` is ``new``'s): such candidates need no line counts.

        Only for a candidate of ``new``'s outlet, where a line of both is boilerplate in one
        exactly when it is in the other (same counts, and ``new`` counts for both): ``new``
        keeps ``new.size - own[1]`` shingles whatever the candidate's lines, and the Jaccard
        estimate after the discount is at most the raw intersection over that. Below the
        threshold, and with too little content in common for an excerpt, ``_verify`` gives None.
        """
        if not new.outlet or not new.size:
            return [False] * len(entries)
        kept = new.size - own[1]
        # a margin for rounding: a hopeless candidate is under the threshold by far more
        threshold = min(self.cfg.threshold, SHORT_DOC_JACCARD) - 1e-9
        num_perm = len(new.hashvalues)
        hopeless, unsure = [], []
        for i, (entry, same) in enumerate(zip(entries, equal, strict=True)):
            jaccard = same / num_perm
            inter = jaccard * (new.size + entry.size) / (1.0 + jaccard)
            bound = max(jaccard, inter / kept) if kept > 0 else jaccard
            out = entry.outlet == new.outlet and bound < threshold
            if out and inter / max(min(new.size, entry.size), 1) >= PREFILTER_CONTAINMENT:
                unsure.append(i)  # may be an excerpt (``_verify``): the content decides
            hopeless.append(out)
        if unsure:
            # the boilerplate discount never raises the containment (``_discount``)
            bounds = _containments(new.content, [entries[i].content for i in unsure])
            for i, share in zip(unsure, bounds.tolist(), strict=True):
                hopeless[i] = share < LEAD_CONTAINMENT
        return hopeless

    def _discount(
        self, small: Entry, big: Entry, dropped: frozenset[int] | set[int], found: int, base: int
    ) -> tuple[int, int]:
        """``found`` of ``base`` content shingles of ``small`` in ``big``, both less the
        shingles of the content lines the two share that are boilerplate (``dropped``: of either
        outlet): an outlet's long footer in both is no evidence of a copy. Counted per line (a
        line's shingles, repeats included), so approximate by a shingle or two.

        A boilerplate line of ``small`` that ``big`` lacks stays in ``base``: it is not found in
        ``big`` anyway, so keeping it only makes the rule stricter, and the result is never above
        ``found / base`` (which lets ``_hopeless`` skip on the undiscounted share).
        """
        content_line = CONTENT_MIN_WORDS - self.cfg.shingle_size + 1  # shingles of such a line
        lines, others = small.lines, big.lines
        shared = sum(
            lines[line]
            for line in lines.keys() & others.keys() & dropped
            if lines[line] >= content_line
        )
        if not shared or base - shared <= 0:
            return found, base  # only repeated lines: compare it whole (as for the Jaccard)
        return max(found - shared, 0), base - shared

    def _boilerplate(
        self, entries: Sequence[Entry], pending: Entry | None = None
    ) -> list[tuple[frozenset[int] | set[int], int]]:
        """For each of ``entries``, its lines that are boilerplate of its outlet (in at least
        ``BOILERPLATE_MIN_DOCS`` of the outlet's stories in the window), and the shingles of
        those lines.

        ``pending`` is an article not inserted yet: its own occurrence counts too.
        """
        found = [_NO_BOILERPLATE] * len(entries)
        asked = [i for i, entry in enumerate(entries) if entry.outlet]
        if not asked:
            return found
        # the counts of all the entries' lines in one store call
        counts = self.store.line_counts(
            [(entries[i].outlet, entries[i].line_hashes) for i in asked]
        ).tolist()
        own_outlet = pending.outlet if pending is not None else None
        end = 0
        for i in asked:
            entry = entries[i]
            start, end = end, end + len(entry.line_hashes)
            entry_counts = counts[start:end]
            if max(entry_counts, default=0) < BOILERPLATE_MIN_DOCS - 1:
                continue
            hashes = entry.line_hashes.tolist()
            if entry.outlet == own_outlet:
                own = pending.lines  # type: ignore[union-attr]
                repeated = {
                    h
                    for h, n in zip(hashes, entry_counts, strict=True)
                    if n + (h in own) >= BOILERPLATE_MIN_DOCS
                }
            else:
                repeated = {
                    h
                    for h, n in zip(hashes, entry_counts, strict=True)
                    if n >= BOILERPLATE_MIN_DOCS
                }
            if repeated:
                lines = entry.lines
                found[i] = (repeated, sum(lines[h] for h in repeated))
        return found

    def _verify(
        self,
        new: Entry,
        old: Entry,
        new_boilerplate: tuple[frozenset[int] | set[int], int],
        old_boilerplate: tuple[frozenset[int] | set[int], int],
        equal: int | None = None,
        why: dict | None = None,
    ) -> Match | None:
        """The match between two entries if it verifies, else None; ``*_boilerplate`` are their
        boilerplate lines and the shingles of those (``_boilerplate``), ``equal`` the number of
        MinHash values they share if already counted. ``why``, when given, receives the scores
        and the rule that decided (``explain``).

        The shingle rules first (``_verify_shingles``); a pair they refuse may still align
        sentence by sentence (``_aligned``: a spun or paraphrased copy)."""
        match = self._verify_shingles(new, old, new_boilerplate, old_boilerplate, equal, why)
        if match is not None or not self.cfg.align:
            return match
        return self._aligned(new, old, why)

    def _aligned_many(self, new: Entry, entries: list[Entry]) -> list[Match]:
        """``_aligned`` of ``new`` with each of ``entries``, aligned in one pass
        (``align.aligned_many``): the same matches."""
        a = new.sentences
        if not self.cfg.align or len(a.words) < align.ALIGN_MIN_WORDS:
            return []
        near = [e for e in entries if len(e.sentences.words) >= align.ALIGN_MIN_WORDS]
        if not near:
            return []
        minhashes = np.array([e.sentences.minhash for e in near])
        words = np.count_nonzero(minhashes == a.minhash, axis=1) / align.WORD_PERM
        near = [e for e, score in zip(near, words.tolist(), strict=True)
                if score >= ALIGN_WORD_JACCARD]  # fmt: skip
        if not near:
            return []
        found = align.aligned_many(
            a.words,
            a.sizes,
            [(e.sentences.words, e.sentences.sizes) for e in near],
            cutoff=align.ALIGN_TEXT_SHARE,
        )
        matches = []
        for e, (share, count, sentences) in zip(near, found, strict=True):
            if share < align.ALIGN_TEXT_SHARE:
                continue
            if align.aligns(share, count, sentences, self._shared_text(new, e, pending=True)):
                matches.append(Match(e.id, e.cluster, "aligned", round(share, 4), e.outlet))
        return matches

    def _shared_text(self, new: Entry, old: Entry, pending: bool = False) -> float:
        """The share of the content shingles of the one of ``new`` and ``old`` with fewer found
        in the other (exact), less the shared lines that are an outlet's boilerplate
        (``_discount``); ``pending``: ``new`` is not inserted yet."""
        found, base, flipped = _overlap(new.content, old.content)
        if not found:
            return 0.0
        own, theirs = self._boilerplate([new, old], pending=new if pending else None)
        if own[0] or theirs[0]:
            small, big = (old, new) if flipped else (new, old)
            found, base = self._discount(small, big, own[0] | theirs[0], found, base)
        return found / base if base else 0.0

    def _aligned(self, new: Entry, old: Entry, why: dict | None) -> Match | None:
        """An "aligned" match when the two texts' sentences align (``dedup.align``)."""
        a, b = new.sentences, old.sentences
        if not self.cfg.align or min(len(a.words), len(b.words)) < align.ALIGN_MIN_WORDS:
            return None
        words = align.word_jaccard(a.minhash, b.minhash)
        if why is not None:
            why.update(word_jaccard=round(words, 4), word_jaccard_needed=ALIGN_WORD_JACCARD)
        if words < ALIGN_WORD_JACCARD:
            return None
        share, count, sentences = align.aligned(a.words, a.sizes, b.words, b.sizes)
        shared = self._shared_text(new, old)
        decided = align.rule(share, count, sentences, shared)
        linked = decided is not None
        if why is not None:
            figures_shared, figures = align.figures(a.words, [b.words])
            why.update(
                aligned=round(share, 4),
                aligned_needed=align.needed(sentences),
                aligned_sentences=sentences,
                shared_text=round(shared, 4),
                aligned_with_text_needed=align.ALIGN_TEXT_SUM,
                figures=int(figures[0]),
                figures_shared=int(figures_shared[0]),
                figures_agree=bool(align.figures_agree(a.words, [b.words])[0]),
                linked=linked,
            )
            if linked:
                why.update(rule=decided)
        if not linked:
            return None
        return Match(old.id, old.cluster, "aligned", round(share, 4), old.outlet)

    def _verify_shingles(
        self,
        new: Entry,
        old: Entry,
        new_boilerplate: tuple[frozenset[int] | set[int], int],
        old_boilerplate: tuple[frozenset[int] | set[int], int],
        equal: int | None = None,
        why: dict | None = None,
    ) -> Match | None:
        """``_verify``'s rules on the word shingles: Jaccard, excerpt, excerpt with the same
        lead."""
        if not new.size or not old.size:
            if why is not None:
                why.update(rule="empty", linked=False)
            return None
        if equal is None:
            equal = int(np.count_nonzero(new.hashvalues == old.hashvalues))
        raw = equal / len(new.hashvalues)
        inter = inter_raw = raw * (new.size + old.size) / (1.0 + raw)
        size_new, size_old = float(new.size), float(old.size)
        (new_dropped, new_dropped_size), (old_dropped, old_dropped_size) = (
            new_boilerplate,
            old_boilerplate,
        )
        if new_dropped or old_dropped:
            # A line boilerplate in either text is dropped from both: from each text, its own
            # boilerplate and the other's boilerplate lines it shares; from the intersection,
            # the shared lines boilerplate in either.
            new_lines, old_lines = new.lines, old.lines
            common = new_lines.keys() & old_lines.keys()
            kept_new = size_new - new_dropped_size
            kept_old = size_old - old_dropped_size
            shared = 0
            if common:
                kept_new -= sum(new_lines[line] for line in (common & old_dropped) - new_dropped)
                kept_old -= sum(old_lines[line] for line in (common & new_dropped) - old_dropped)
                shared = sum(new_lines[line] for line in common & (new_dropped | old_dropped))
            # An article made only of repeated lines is a repost of an earlier one of its outlet
            # (all its lines are in 3+ articles because it is the 3rd copy): compare it whole.
            if kept_new > 0 and kept_old > 0:
                inter -= shared
                size_new, size_old = kept_new, kept_old
        small = min(size_new, size_old)
        if small <= 0:
            if why is not None:
                why.update(jaccard_raw=raw, rule="all boilerplate", linked=False)
            return None
        inter = min(max(inter, 0.0), small)
        jaccard = inter / (size_new + size_old - inter)
        short = small < SHORT_DOC_SHINGLES
        needed = SHORT_DOC_JACCARD if short else self.cfg.threshold
        if why is not None:
            why.update(
                jaccard_raw=round(raw, 4),
                jaccard=round(jaccard, 4),
                jaccard_needed=needed,
                shingles=[int(size_new), int(size_old)],
                short=short,
            )
        if jaccard >= needed:
            if why is not None:
                why.update(rule="jaccard", linked=True)
            return Match(old.id, old.cluster, "jaccard", round(jaccard, 4), old.outlet)
        if short:
            if why is not None:
                why.update(rule="short text: only a near-identical copy links", linked=False)
            return None
        estimate = inter_raw / min(new.size, old.size)
        if estimate < PREFILTER_CONTAINMENT:
            # not an excerpt on the MinHash estimate: the exact count is not made (cost: most
            # same-topic candidates stop here)
            if why is not None:
                why.update(
                    containment_estimate=round(estimate, 4),
                    linked=False,
                    rule="containment estimate under the prefilter",
                )
            return None
        found, base, flipped = _overlap(new.content, old.content)
        if (new_dropped or old_dropped) and found:
            small_entry, big_entry = (old, new) if flipped else (new, old)
            found, base = self._discount(
                small_entry, big_entry, new_dropped | old_dropped, found, base
            )
        contained = found / base if base > 0 else 0.0
        needed = (
            self.cfg.containment
            if base >= SMALL_EXCERPT_SHINGLES
            else max(self.cfg.containment, SMALL_EXCERPT_CONTAINMENT)
        )
        if base >= LEAD_MIN_SHINGLES and contained >= LEAD_CONTAINMENT and contained < needed:
            lead = float(np.count_nonzero(new.lead == old.lead)) / len(new.lead)
            if lead >= LEAD_JACCARD:
                needed = LEAD_CONTAINMENT
        if why is not None:
            why.update(
                containment=round(contained, 4), containment_needed=needed, content_shingles=base
            )
        if base < SHORT_DOC_SHINGLES or contained < needed:
            if why is not None:
                why.update(
                    linked=False,
                    rule="containment below the threshold"
                    if base >= SHORT_DOC_SHINGLES
                    else "too little content for an excerpt",
                )
            return None
        if why is not None:
            why.update(
                rule="excerpt with the same lead" if needed == LEAD_CONTAINMENT else "excerpt",
                linked=True,
            )
        return Match(old.id, old.cluster, "excerpt", round(contained, 4), old.outlet)


def _containments(a: np.ndarray, others: list[np.ndarray]) -> np.ndarray:
    """The share of the smaller of ``a`` and each of ``others`` (16-bit content values) found
    in the other, for a query's candidates at once: one table lookup per value, not a search."""
    sizes = np.fromiter(map(len, others), dtype=np.int64, count=len(others))
    if not len(a) or not sizes.sum():
        return np.zeros(len(others))
    _TABLE[a] = True
    try:
        hits = np.concatenate(([0], np.cumsum(_TABLE[np.concatenate(others)])))
    finally:
        _TABLE[a] = False  # cleared by the slots set: cheaper than a new table each query
    ends = np.cumsum(sizes)
    return (hits[ends] - hits[ends - sizes]) / np.maximum(np.minimum(sizes, len(a)), 1)


_TABLE = np.zeros(1 << 16, dtype=np.bool_)


def _overlap(a: np.ndarray, b: np.ndarray) -> tuple[int, int, bool]:
    """How many of the smaller of two sorted sets of content values are in the other (exact, not
    estimated: a MinHash estimate of it is too rough when one text is a third of the other), the
    smaller's size, and whether the smaller is ``b``."""
    flipped = len(a) > len(b)
    if flipped:
        a, b = b, a
    if not len(a) or not len(b):
        return 0, len(a), flipped
    at = np.searchsorted(b, a)
    at[at == len(b)] = 0
    return int(np.count_nonzero(b[at] == a)), len(a), flipped
