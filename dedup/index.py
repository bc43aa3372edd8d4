"""``NearDupIndex``: the sliding-window LSH index that finds and verifies near-duplicates.

Two LSH indexes (``dedup.lsh``: datasketch's ``MinHashLSH`` layout on Redis, compact numpy
tables in memory) propose candidates: one over the whole text's MinHash (banded for recall at
the Jaccard threshold) and one over the lead's (for excerpts). Every
candidate is then verified on its stored signature before it counts as a match:

- *jaccard*: the estimated Jaccard similarity, after discounting the outlets' boilerplate lines,
  reaches ``cfg.threshold`` (``SHORT_DOC_JACCARD`` when either text is very short);
- *excerpt*: the shorter text's shingles are found in the longer one (containment reaches
  ``cfg.containment``) and the two leads agree (``LEAD_JACCARD``): a copy of the first part.

Boilerplate: per outlet, the index counts in how many articles of the window each line occurs. A
line in at least ``BOILERPLATE_MIN_DOCS`` of them (donor lines, footers, disclaimers) is taken out
of both texts' shingle counts, and out of their estimated intersection when both have it.

Entries expire when the newest article's time has moved ``cfg.window_days`` past theirs.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from dedup.config import DedupConfig
from dedup.errors import DedupError, DuplicateKey, IncompatibleSignature
from dedup.signature import LEAD_BANDS, LEAD_PERM, LEAD_ROWS, Signature, SignatureParams
from dedup.storage import MemoryStore, Store

# A line that occurs in at least this many of one outlet's articles in the window is boilerplate.
# 3 rather than 2, so that two versions of one story from one outlet still match each other.
# Set by bench/eval_quality.py (the "footer" hard negatives and the same-outlet copies).
BOILERPLATE_MIN_DOCS = 3
# Under this many distinct shingles (after boilerplate), a text is "short": only a near-identical
# text matches it (SHORT_DOC_JACCARD), never an excerpt. Template briefs (exchange rates, weather)
# differ by one or two numbers and score 0.3-0.6. Set by bench/eval_quality.py ("short" cases).
SHORT_DOC_SHINGLES = 30
SHORT_DOC_JACCARD = 0.8
# Agreement of the leads' MinHashes needed for an excerpt link. A copied lead scores 0.65-1.0
# (a header or dateline shifts it); unrelated leads under 0.1. Set by bench/eval_quality.py.
LEAD_JACCARD = 0.4

# Candidates whose raw estimate is under this share of the Jaccard or containment threshold are
# dropped before the boilerplate-aware verification: discounting boilerplate can raise a score,
# but not from half the threshold unless boilerplate is half the text. Saves time on same-topic
# candidates (bench/dedup_speed.py), no measurable recall (bench/eval_quality.py).
PREFILTER = 0.5

_NO_LINES: frozenset[int] = frozenset()
_TABLE_DOCS = "doc"
_TABLE_LINES = "line"
_TABLE_META = "meta"
_QUEUE_DOCS = "doc"
# time, distinct shingles, lines, outlet length, cluster length
_RECORD = struct.Struct("<dIHHH")


@dataclass(frozen=True, slots=True)
class Doc:
    """An article as the index sees it.

    Args:
        id: unique article id (DESIGN: a hash of the canonical URL).
        outlet: outlet id, or "" when unknown (no boilerplate is learnt then).
        time: epoch seconds for the window: the published time, else the fetch time.

    Example:
        >>> Doc(id="a1", outlet="kabar", time=1736400000.0)
        Doc(id='a1', outlet='kabar', time=1736400000.0)
    """

    id: str
    outlet: str = ""
    time: float = 0.0


@dataclass(frozen=True, slots=True)
class Match:
    """A verified near-duplicate found in the index.

    Attributes:
        id: the article id of the earlier article.
        cluster: its cluster id as stored (resolve aliases before use).
        kind: "jaccard" or "excerpt".
        similarity: the estimated Jaccard similarity, or for an excerpt the share of the shorter
            text's shingles found in the longer one.
        outlet: the earlier article's outlet.
    """

    id: str
    cluster: str
    kind: str
    similarity: float
    outlet: str = ""


class Entry:
    """An article stored in the index (its signature, outlet, time and cluster)."""

    __slots__ = ("_lines", "cluster", "hashvalues", "id", "lead", "line_hashes", "line_sizes",
                 "outlet", "size", "time")  # fmt: skip

    def __init__(self, doc: Doc, sig: Signature, cluster: str) -> None:
        self.id, self.outlet, self.time, self.cluster = doc.id, doc.outlet, doc.time, cluster
        self.hashvalues, self.lead, self.size = sig.hashvalues, sig.lead, sig.size
        self.line_hashes, self.line_sizes = sig.line_hashes, sig.line_sizes
        self._lines: dict[int, int] | None = None

    def to_bytes(self) -> bytes:
        outlet, cluster = self.outlet.encode(), self.cluster.encode()
        return b"".join((
            _RECORD.pack(self.time, self.size, len(self.line_hashes), len(outlet), len(cluster)),
            self.hashvalues.tobytes(), self.lead.tobytes(), self.line_hashes.tobytes(),
            self.line_sizes.tobytes(), outlet, cluster,
        ))  # fmt: skip

    @classmethod
    def from_bytes(cls, key: str, blob: bytes, num_perm: int) -> Entry:
        entry = cls.__new__(cls)
        entry.id, entry._lines = key, None
        entry.time, entry.size, lines, outlet_len, cluster_len = _RECORD.unpack_from(blob)
        offset = _RECORD.size
        arrays = []
        for count, dtype in ((num_perm, np.uint32), (LEAD_PERM, np.uint32), (lines, np.uint64),
                             (lines, np.uint32)):
            arrays.append(np.frombuffer(blob, dtype=dtype, count=count, offset=offset))
            offset += count * arrays[-1].itemsize
        entry.hashvalues, entry.lead, entry.line_hashes, entry.line_sizes = arrays
        entry.outlet = blob[offset : offset + outlet_len].decode()
        entry.cluster = blob[offset + outlet_len : offset + outlet_len + cluster_len].decode()
        return entry

    @property
    def lines(self) -> dict[int, int]:
        """Shingles of each distinct line, by line hash."""
        if self._lines is None:
            self._lines = dict(zip(self.line_hashes.tolist(), self.line_sizes.tolist(),
                                   strict=True))
        return self._lines

    def line_keys(self) -> list[str]:
        """Keys of this entry's distinct lines in the per-outlet line counts (none without one)."""
        if not self.outlet:
            return []
        prefix = self.outlet + "\x1f"
        return [f"{prefix}{h:016x}" for h in self.lines]


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
        self._full = self.store.lsh("full", cfg.num_perm, cfg.bands)
        self._lead = self.store.lsh("lead", LEAD_PERM, (LEAD_BANDS, LEAD_ROWS))
        self._session: tuple | None = None
        self._last_bands: tuple = (None, None)

    def _check_layout(self) -> None:
        layout = {**self.params._asdict(), "bands": list(self.cfg.bands),
                  "lead_bands": [LEAD_BANDS, LEAD_ROWS]}
        (stored,) = self.store.get(_TABLE_META, ["layout"])
        if stored is None:
            self.store.put(_TABLE_META, {"layout": json.dumps(layout).encode()})
            return
        for name, value in json.loads(stored).items():
            if layout.get(name) != value:
                raise IncompatibleSignature(
                    f"the index in {self.store!r} was built with {name}={value!r}, the config has "
                    f"{layout.get(name)!r}; open it with the config it was built with, or build a "
                    f"new index under another prefix"
                )

    def __contains__(self, doc_id: str) -> bool:
        return self.store.get(_TABLE_DOCS, [doc_id])[0] is not None

    def get(self, ids: Sequence[str]) -> list[Entry | None]:
        """The stored entries of ``ids`` (``None`` for an id not in the window)."""
        blobs = self.store.get(_TABLE_DOCS, ids)
        return [None if blob is None else Entry.from_bytes(key, blob, self.cfg.num_perm)
                for key, blob in zip(ids, blobs, strict=True)]

    def query(self, doc: Doc, sig: Signature) -> list[Match]:
        """Verified near-duplicates of an article among the indexed ones, best first.

        Best is the highest Jaccard match, then the highest excerpt match. Read-only.

        Raises:
            IncompatibleSignature: ``sig`` was made with another config.
        """
        sig.params.check(self.params)
        if sig.empty:
            return []
        ids = [key for key in self.candidates(sig) if key != doc.id]
        if not ids:
            return []
        blobs = self.store.get(_TABLE_DOCS, ids)
        entries = [Entry.from_bytes(key, blob, self.cfg.num_perm)
                   for key, blob in self._promising(sig, ids, blobs)]
        if not entries:
            return []
        new = Entry(doc, sig, "")
        boilerplate = self._boilerplate([new, *entries], pending=new)
        matches = [m for e in entries
                   if (m := self._verify(new, e, boilerplate)) is not None]  # fmt: skip
        matches.sort(key=lambda m: (m.kind == "jaccard", m.similarity, m.id), reverse=True)
        return matches

    def candidates(self, sig: Signature) -> list[str]:
        """The ids the LSH indexes propose for ``sig`` (whole text or lead), unverified, sorted."""
        full, lead = self._band_keys(sig)
        keys = self._full.candidates(full)
        keys.update(self._lead.candidates(lead))
        return sorted(key.decode() for key in keys)

    def linked(self, a: str, b: str) -> bool:
        """True if the indexed articles ``a`` and ``b`` verify as near-duplicates of each other."""
        first, second = self.get([a, b])
        if first is None or second is None:
            return False
        return self._verify(first, second, self._boilerplate([first, second])) is not None

    def insert(self, doc: Doc, sig: Signature, cluster: str) -> None:
        """Add an article with its cluster id.

        Raises:
            DuplicateKey: ``doc.id`` is already in the index.
            IncompatibleSignature: ``sig`` was made with another config.
        """
        sig.params.check(self.params)
        if doc.id in self:
            raise DuplicateKey(
                f"article {doc.id!r} is already in the index; add each article once (use its "
                f"stored cluster, or remove it first)"
            )
        entry = Entry(doc, sig, cluster)
        if not sig.empty:
            key = doc.id.encode()
            full, lead = self._band_keys(sig)
            sessions = self._session or (None, None)
            self._full.add(key, full, sessions[0])
            self._lead.add(key, lead, sessions[1])
        self.store.put(_TABLE_DOCS, {doc.id: entry.to_bytes()})
        self.store.incr(_TABLE_LINES, dict.fromkeys(entry.line_keys(), 1))
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
            self._full.discard(indexed)
            self._lead.discard(indexed)
        lines: dict[str, int] = {}
        for entry in entries:
            for line in entry.line_keys():
                lines[line] = lines.get(line, 0) - 1
        self.store.put(_TABLE_DOCS, dict.fromkeys(ids))
        self.store.incr(_TABLE_LINES, lines)
        return entries

    @contextmanager
    def bulk(self) -> Iterator[NearDupIndex]:
        """Batch the LSH writes of many ``insert`` calls (datasketch insertion sessions).

        ``query`` does not see the articles inserted in the block until it ends.
        """
        if self._session is not None:
            raise DedupError("bulk() blocks cannot be nested")
        with self._full.insertion_session() as full, self._lead.insertion_session() as lead:
            self._session = (full, lead)
            try:
                yield self
            finally:
                self._session = None

    def _band_keys(self, sig: Signature) -> tuple[list, list]:
        """The LSH band keys of ``sig`` (kept for the last one: ``add`` queries, then inserts)."""
        if self._last_bands[0] is not sig:
            self._last_bands = (sig, (self._full.band_keys(sig.hashvalues),
                                      self._lead.band_keys(sig.lead)))
        return self._last_bands[1]

    def _promising(self, sig: Signature, ids: list[str], blobs: list[bytes | None]
                   ) -> list[tuple[str, bytes]]:
        """The stored candidates whose raw similarity is within reach of a link (vectorised on
        the stored bytes, before decoding)."""
        found = [(key, blob) for key, blob in zip(ids, blobs, strict=True) if blob is not None]
        if not found:
            return found
        start, width = _RECORD.size, 4 * self.cfg.num_perm
        values = np.frombuffer(b"".join(blob[start : start + width] for _, blob in found),
                               dtype=np.uint32).reshape(len(found), -1)
        jaccard = np.count_nonzero(values == sig.hashvalues, axis=1) / self.cfg.num_perm
        sizes = np.fromiter((_RECORD.unpack_from(blob)[1] for _, blob in found),
                            dtype=np.float64, count=len(found))
        contained = (jaccard * (sig.size + sizes) / (1 + jaccard)
                     / np.maximum(np.minimum(sizes, sig.size), 1))
        keep = ((jaccard >= PREFILTER * self.cfg.threshold)
                | (contained >= PREFILTER * self.cfg.containment))
        return [item for item, k in zip(found, keep.tolist(), strict=True) if k]

    def _boilerplate(self, entries: Sequence[Entry], pending: Entry | None = None
                     ) -> dict[str, set[int]]:
        """Per outlet, the hashes of ``entries``' lines that are boilerplate of that outlet.

        ``pending`` is an article not inserted yet: its own occurrence counts too.
        """
        lines: dict[str, tuple[str, int]] = {}
        for entry in entries:
            if entry.outlet:
                keys = entry.line_keys()
                lines.update(zip(keys, ((entry.outlet, h) for h in entry.lines), strict=True))
        if not lines:
            return {}
        own = set(pending.line_keys()) if pending is not None else set()
        found: dict[str, set[int]] = {}
        for key, count in zip(lines, self.store.get(_TABLE_LINES, list(lines)), strict=True):
            if int(count or 0) + (key in own) >= BOILERPLATE_MIN_DOCS:
                outlet, line = lines[key]
                found.setdefault(outlet, set()).add(line)
        return found

    def _verify(self, new: Entry, old: Entry, boilerplate: dict[str, set[int]]) -> Match | None:
        """The match between two entries if it verifies, else None."""
        if not new.size or not old.size:
            return None
        jaccard = float(np.count_nonzero(new.hashvalues == old.hashvalues)) / len(new.hashvalues)
        inter = jaccard * (new.size + old.size) / (1.0 + jaccard)
        size_new, size_old = float(new.size), float(old.size)
        dropped = (boilerplate.get(new.outlet, _NO_LINES).intersection(new.lines)
                   | boilerplate.get(old.outlet, _NO_LINES).intersection(old.lines))
        if dropped:
            new_lines, old_lines = new.lines, old.lines
            kept_new = size_new - sum(new_lines.get(line, 0) for line in dropped)
            kept_old = size_old - sum(old_lines.get(line, 0) for line in dropped)
            # An article made only of repeated lines is a repost of an earlier one of its outlet
            # (all its lines are in 3+ articles because it is the 3rd copy): compare it whole.
            if kept_new > 0 and kept_old > 0:
                inter -= sum(new_lines[line] for line in dropped
                             if line in new_lines and line in old_lines)
                size_new, size_old = kept_new, kept_old
        small = min(size_new, size_old)
        if small <= 0:
            return None
        inter = min(max(inter, 0.0), small)
        jaccard = inter / (size_new + size_old - inter)
        short = small < SHORT_DOC_SHINGLES
        if jaccard >= (SHORT_DOC_JACCARD if short else self.cfg.threshold):
            return Match(old.id, old.cluster, "jaccard", round(jaccard, 4), old.outlet)
        if short or inter / small < self.cfg.containment:
            return None
        lead = float(np.count_nonzero(new.lead == old.lead)) / len(new.lead)
        if lead < LEAD_JACCARD:
            return None
        return Match(old.id, old.cluster, "excerpt", round(inter / small, 4), old.outlet)
