"""``signature``: the MinHash signature of an article text, and its byte form.

The MinHash is datasketch's ``affine32`` scheme (pinned in dedup/config.py) with datasketch's own
permutations for ``(num_perm, seed)``, computed for all shingles at once with numpy instead of
one ``MinHash.update`` per shingle; ``Signature.minhash()`` gives the datasketch object, equal to
``MinHash(num_perm, seed, scheme="affine32", hashfunc=int).update_batch(shingle_hashes)``.

A ``Signature`` also carries the MinHash of the article's lead (for excerpts), its number of
distinct shingles and its per-line hashes and sizes (for boilerplate); it is small, picklable
and the same on every machine, so extraction workers compute it and the archive stores it.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from typing import Any, NamedTuple

import numpy as np

from dedup.align import EMPTY, Sentences, sentences, sentences_of
from dedup.config import SCHEME, DedupConfig
from dedup.errors import IncompatibleSignature
from dedup.normalize import TOKENIZER_VERSION
from dedup.shingles import CONTENT_MIN_WORDS, LEAD_SHINGLES, shingle, shingle_many

# Permutations of the lead MinHash: the first LEAD_BANDS * LEAD_ROWS of the signature's. A copied
# lead keeps 0.65-1.0 of its shingles (a dateline or header shifts it), so 16 bands of 3 rows
# make it a candidate with probability >= 0.996 at 0.65. Set by bench/eval_quality.py.
LEAD_BANDS = 16
LEAD_ROWS = 3
LEAD_PERM = LEAD_BANDS * LEAD_ROWS

# Shingles hashed per numpy block: bounds the temporary (num_perm x block) array for long texts
# and the cached permutation blocks; a 600-word article fits in one.
_BLOCK = 2048
_EMPTY = np.uint32(0xFFFFFFFF)  # datasketch's empty value for affine32
_MAGIC = b"NMS4"  # 4: sentences with numbers as content words, a bucketed word MinHash
# signatures with the earlier sentences (3): read without them (EMPTY): another word MinHash
_MAGIC_3 = b"NMS3"
# magic, tokenizer, num_perm, seed, shingle size, lead shingles, lead perm, size, lines, content,
# sentence words, sentences, word MinHash values
_HEADER = struct.Struct("<4sHHIHHHIIIIHH")
# signatures stored before the sentences (archives): read, without sentences (EMPTY)
_MAGIC_2 = b"NMS2"
_HEADER_2 = struct.Struct("<4sHHIHHHIII")
_SCHEME_CODE = 1  # affine32; stored so that a future scheme is refused, not misread

# The part of a text that dedup reads: its first MAX_TEXT_CHARS characters, and of those its
# first MAX_LINES non-empty lines. A long real article has 10-40 thousand characters and under
# 300 paragraphs; a page far beyond that (a listing, a dump, a hostile page) is bounded on purpose
# so that its signature costs at most ~0.1 s and its index record (12 bytes a line) stays small.
# Copies are still found: they share the beginning, which is what the bound keeps.
MAX_TEXT_CHARS = 1_000_000
MAX_LINES = 5_000


class SignatureParams(NamedTuple):
    """What a signature depends on besides the text; two signatures compare only if equal."""

    tokenizer: int
    scheme: str
    num_perm: int
    seed: int
    shingle_size: int
    lead_shingles: int
    lead_perm: int

    @classmethod
    def of(cls, cfg: DedupConfig) -> SignatureParams:
        """The parameters a config gives."""
        return _params_of(cfg.num_perm, cfg.seed, cfg.shingle_size)

    def check(self, expected: SignatureParams, what: str = "signature") -> None:
        """Raise ``IncompatibleSignature`` naming the first parameter that differs."""
        if self is expected or self == expected:  # the usual case, three times per article
            return
        for name, mine, theirs in zip(self._fields, self, expected, strict=True):
            if mine != theirs:
                raise IncompatibleSignature(
                    f"{what} parameters differ: {name}={mine!r} in the {what}, {theirs!r} in the "
                    f"config; recompute the signature with this DedupConfig, or use the config it "
                    f"was made with"
                )


@lru_cache(maxsize=8)
def _params_of(num_perm: int, seed: int, shingle_size: int) -> SignatureParams:
    """One shared ``SignatureParams`` per config (so that ``check`` mostly compares identity)."""
    return SignatureParams(
        TOKENIZER_VERSION, SCHEME, num_perm, seed, shingle_size, LEAD_SHINGLES, LEAD_PERM
    )


@dataclass(frozen=True, slots=True, eq=False)
class Signature:
    """The MinHash signature of one article text (see ``signature``).

    Attributes:
        hashvalues: the MinHash (``num_perm`` uint32 values).
        lead: the MinHash of the lead, ``LEAD_PERM`` uint32 values.
        size: number of distinct shingles (0 for a text without words).
        line_hashes: 64-bit hash of each non-empty normalised line.
        line_sizes: shingles per line.
        params: the parameters it was made with.
        content: the distinct top 16 bits of the shingle hashes of the text's content lines,
            sorted (``content_mask``, ``CONTENT_BITS``): what the containment of an excerpt is
            counted on.
        sentences: the content words of its sentences and a MinHash of them
            (``dedup.align``): what a spun or paraphrased copy is found and aligned on.
    """

    hashvalues: np.ndarray
    lead: np.ndarray
    size: int
    line_hashes: np.ndarray
    line_sizes: np.ndarray
    params: SignatureParams
    content: np.ndarray
    sentences: Sentences

    @property
    def empty(self) -> bool:
        """True for a text without words: it is never linked to anything."""
        return self.size == 0

    def minhash(self) -> Any:
        """The datasketch MinHash of the text (scheme ``affine32``).

        Example:
            >>> cfg = DedupConfig()
            >>> a, b = signature("one two three four", cfg), signature("one two three five", cfg)
            >>> a.minhash().jaccard(b.minhash()) < 1.0
            True
        """
        from datasketch import LeanMinHash  # imports scipy: only when asked for

        return LeanMinHash(seed=self.params.seed, hashvalues=self.hashvalues, scheme=SCHEME)

    def jaccard(self, other: Signature) -> float:
        """Estimated Jaccard similarity of the two texts' shingle sets.

        Raises:
            IncompatibleSignature: the two were made with different parameters.
        """
        other.params.check(self.params)
        return float(np.count_nonzero(self.hashvalues == other.hashvalues)) / len(self.hashvalues)

    def similarity(self, other: Signature) -> float:
        """How much of the shorter text the other holds: the larger of the estimated Jaccard
        similarity and the estimated containment of the shorter text in the longer one.

        Estimates of the measures that verify a link (the index counts an excerpt's containment
        exactly, on content lines, and discounts the outlets' boilerplate, which needs the
        window): a copy scores about 1.0, an excerpt about its containment.

        Example:
            >>> cfg = DedupConfig()
            >>> whole = signature("the river rose by two metres overnight in the valley", cfg)
            >>> whole.similarity(whole)
            1.0
        """
        jaccard = self.jaccard(other)
        small = min(self.size, other.size)
        if small == 0:
            return 0.0
        inter = jaccard * (self.size + other.size) / (1.0 + jaccard)
        return round(max(jaccard, min(inter / small, 1.0)), 4)

    def to_bytes(self) -> bytes:
        """The signature as bytes (about 0.85 KB, plus 12 bytes a line, 2 a distinct content
        shingle and 2 a sentence word), parameters included.

        Example:
            >>> cfg = DedupConfig()
            >>> sig = signature("Some text of an article.", cfg)
            >>> Signature.from_bytes(sig.to_bytes(), cfg) == sig
            True
        """
        p = self.params
        sent = self.sentences
        header = _HEADER.pack(
            _MAGIC,
            p.tokenizer,
            p.num_perm,
            p.seed,
            p.shingle_size,
            p.lead_shingles,
            p.lead_perm,
            self.size,
            len(self.line_hashes),
            len(self.content),
            len(sent.words),
            len(sent.sizes),
            len(sent.minhash),
        )
        arrays = (
            self.hashvalues.astype("<u4"),
            self.lead.astype("<u4"),
            self.line_hashes.astype("<u8"),
            self.line_sizes.astype("<u4"),
            self.content.astype("<u2"),
            sent.words.astype("<u2"),
            sent.sizes.astype("u1"),
            sent.minhash.astype("<u4"),
        )
        return b"".join((header, bytes([_SCHEME_CODE]), *(a.tobytes() for a in arrays)))

    @classmethod
    def from_bytes(cls, blob: bytes, cfg: DedupConfig) -> Signature:
        """Read a signature written by ``to_bytes``.

        Args:
            blob: the bytes.
            cfg: the config the signature must have been made with.

        Raises:
            IncompatibleSignature: it was made with other parameters, or the bytes are not a
                signature.
        """
        sig = _decode(blob)
        sig.params.check(SignatureParams.of(cfg))
        return sig

    def __reduce__(self) -> tuple:
        return _decode, (self.to_bytes(),)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Signature):
            return NotImplemented
        return self.params == other.params and self.to_bytes() == other.to_bytes()

    def __hash__(self) -> int:
        return hash(self.to_bytes())

    def __repr__(self) -> str:
        return f"Signature(size={self.size}, lines={len(self.line_hashes)}, params={self.params})"


def signature(text: str, cfg: DedupConfig) -> Signature:
    """Compute the signature of an article text. Pure and CPU-bound: no I/O, no global state.

    Args:
        text: the article body (paragraphs separated by line breaks).
        cfg: the config; its ``num_perm``, ``seed`` and ``shingle_size`` are used.

    Returns:
        The signature.

    Example:
        >>> cfg = DedupConfig()
        >>> a = signature("«Бишкек» — столица Кыргызстана, 9 января.", cfg)
        >>> b = signature('"БИШКЕК" - столица кыргызстана, 9 января', cfg)
        >>> a.jaccard(b)
        1.0
    """
    shingles = shingle(bounded_text(text), cfg.shingle_size)
    ordered = np.sort(shingles.hashes)
    first = np.ones(len(ordered), dtype=bool)
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    distinct = ordered[first]
    blocks = _permutation_blocks(cfg.num_perm, cfg.seed)
    hashvalues, lead = _minhash(shingles.hashes, shingles.lead, *blocks)
    mask = content_mask(shingles.line_sizes, cfg.shingle_size, shingles.header)
    return Signature(
        hashvalues=hashvalues,
        lead=lead,
        size=len(distinct),
        line_hashes=shingles.line_hashes,
        line_sizes=shingles.line_sizes,
        params=SignatureParams.of(cfg),
        content=_top_bits(distinct if mask.all() else np.sort(shingles.hashes[mask])),
        sentences=sentences(bounded_text(text)) if cfg.align else EMPTY,
    )


def bounded_text(text: str) -> str:
    """The part of ``text`` that dedup reads: at most ``MAX_TEXT_CHARS`` characters and
    ``MAX_LINES`` non-empty lines (the text itself when it is shorter, as nearly all are).

    Example:
        >>> len(bounded_text("x" * (MAX_TEXT_CHARS + 10))) == MAX_TEXT_CHARS
        True
    """
    if not isinstance(text, str):
        raise TypeError(f"a text to sign must be a str, not {type(text).__name__}")
    text = text[:MAX_TEXT_CHARS]
    if text.count("\n") < MAX_LINES:
        return text
    kept = 0
    for i, line in enumerate(lines := text.split("\n")):
        kept += bool(line.strip())
        if kept == MAX_LINES:
            return "\n".join(lines[: i + 1])
    return text


def signatures(texts: Sequence[str], cfg: DedupConfig) -> list[Signature]:
    """``signature`` of each of ``texts``: equal signatures, for about half the instructions per
    text of 600 words (callgrind, batches of 32: 0.85 M instead of 1.6 M): the numpy work is done
    once per batch (``shingle_many``), the words are hashed without a Python call each, and the
    MinHash is made for a few texts at a time.

    Example:
        >>> cfg = DedupConfig()
        >>> texts = ["«Бишкек» — столица Кыргызстана.", "", "One two three four five."]
        >>> signatures(texts, cfg) == [signature(text, cfg) for text in texts]
        True
    """
    if isinstance(texts, str):  # a str is a sequence too: of one-letter texts
        raise TypeError("signatures() takes a sequence of texts, not one str (see signature())")
    if not texts:
        return []
    bounded = [bounded_text(text) for text in texts]
    batch = shingle_many(bounded, cfg.shingle_size, marks=cfg.align)
    sentences_found = sentences_of(batch.words) if batch.words is not None else None
    a, b = _permutation_blocks(cfg.num_perm, cfg.seed)
    values = np.full((len(texts), cfg.num_perm), _EMPTY, dtype=np.uint32)
    leads = np.full((len(texts), LEAD_PERM), _EMPTY, dtype=np.uint32)
    offsets = batch.offsets.tolist()
    counts = np.diff(batch.offsets)
    mixed = _fmix32(batch.hashes)
    group: list[int] = []  # texts whose shingles fit in one block together
    for i, count in enumerate(counts.tolist()):
        if count > _BLOCK:
            lead = int(batch.leads[i])
            values[i], leads[i] = _minhash(
                batch.hashes[offsets[i] : offsets[i + 1]], slice(lead, lead + LEAD_SHINGLES), a, b
            )
            continue
        if count == 0:
            continue
        if group and offsets[i + 1] - offsets[group[0]] > _BLOCK:
            _minhash_group(mixed, batch, group, a, b, values, leads)
            group = []
        group.append(i)
    if group:
        _minhash_group(mixed, batch, group, a, b, values, leads)
    # distinct shingles per text: each text's hashes sorted in place (one sort of all the
    # (text, hash) pairs is 4 times slower), then the changes counted for all texts at once
    ordered = batch.hashes.copy()
    for start, stop in pairwise(offsets):
        ordered[start:stop].sort()
    first = np.ones(len(ordered), dtype=bool)
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    first[batch.offsets[1:-1][batch.offsets[1:-1] < len(ordered)]] = True
    owner = np.repeat(np.arange(len(texts)), counts)
    sizes = np.bincount(owner[first], minlength=len(texts)).tolist()
    params = SignatureParams.of(cfg)
    lines = batch.line_offsets.tolist()
    # texts with a chrome line (content_mask): their content is sorted apart; the others' is
    # their distinct shingles, sorted above
    short = batch.line_sizes < CONTENT_MIN_WORDS - cfg.shingle_size + 1
    chrome = (
        np.bincount(
            np.repeat(np.arange(len(texts)), np.diff(batch.line_offsets)),
            weights=short,
            minlength=len(texts),
        )
        + batch.headers
    ).tolist()
    headers = batch.headers.tolist()
    # the distinct top bits of every text at once (each text's hashes are sorted, so are their
    # top bits): a text's are top[kept[i] : kept[i + 1]]
    top = (ordered >> _CONTENT_SHIFT).astype(np.uint16)
    keep = np.ones(len(top), dtype=bool)
    np.not_equal(top[1:], top[:-1], out=keep[1:])
    keep[batch.offsets[1:-1][batch.offsets[1:-1] < len(top)]] = True
    kept = np.concatenate(([0], np.cumsum(keep))).astype(np.int64)[batch.offsets].tolist()
    top = top[keep]
    found = []
    for i, (start, stop) in enumerate(pairwise(offsets)):
        line_sizes = batch.line_sizes[lines[i] : lines[i + 1]]
        if chrome[i]:
            content = _top_bits(
                np.sort(
                    batch.hashes[start:stop][content_mask(line_sizes, cfg.shingle_size, headers[i])]
                )
            )
        else:
            content = top[kept[i] : kept[i + 1]]
        found.append(
            Signature(
                values[i],
                leads[i],
                sizes[i],
                batch.line_hashes[lines[i] : lines[i + 1]],
                line_sizes,
                params,
                content,
                sentences_found[i] if sentences_found is not None else EMPTY,
            )
        )
    return found


def _top_bits(ordered: np.ndarray) -> np.ndarray:
    """The distinct top ``CONTENT_BITS`` of sorted 32-bit shingle hashes, sorted (uint16).

    Half the bytes of the full hashes in the window; two different shingles share their top 16
    bits once in 65,536, so a containment counted on them is too high by ~0.01 at most."""
    top = (ordered >> _CONTENT_SHIFT).astype(np.uint16)
    if len(top) < 2:
        return top
    keep = np.empty(len(top), dtype=bool)
    keep[0] = True
    np.not_equal(top[1:], top[:-1], out=keep[1:])
    return top[keep]


CONTENT_BITS = 16
_CONTENT_SHIFT = np.uint32(32 - CONTENT_BITS)


def content_mask(line_sizes: np.ndarray, shingle_size: int, header: int = 0) -> np.ndarray:
    """Which shingles (of lines of ``line_sizes`` shingles, in order) are on content lines.

    A line of fewer than ``CONTENT_MIN_WORDS`` words is page chrome (a headline, a byline, a
    "date" line, a menu entry, a caption credit), which copies add, drop or change, and so are
    the first ``header`` lines (``dedup.shingles.header_lines``: a menu or tag line, a headline);
    a text without other lines is all content.

    Example:
        >>> content_mask(np.array([1, 6], dtype=np.uint32), 3).tolist()
        [False, True, True, True, True, True, True]
    """
    words = line_sizes.astype(np.int64) + (shingle_size - 1)  # a line's words (or fewer)
    content = words >= CONTENT_MIN_WORDS
    content[:header] = False
    if not content.any():
        content[:] = True
    return np.repeat(content, line_sizes.astype(np.int64))


def _minhash_group(
    mixed: np.ndarray,
    batch: object,
    group: list[int],
    a: np.ndarray,
    b: np.ndarray,
    values: np.ndarray,
    leads: np.ndarray,
) -> None:
    """``_minhash`` of the texts ``group`` (consecutive, non-empty, at most ``_BLOCK`` shingles
    together), their MinHashes written into ``values`` and ``leads``."""
    start = int(batch.offsets[group[0]])  # type: ignore[attr-defined]
    stop = int(batch.offsets[group[-1] + 1])  # type: ignore[attr-defined]
    width = stop - start
    permuted = np.multiply(a[:, :width], mixed[start:stop])
    np.add(permuted, b[:, :width], out=permuted)
    firsts = batch.offsets[group] - start  # type: ignore[attr-defined]
    values[group] = np.minimum.reduceat(permuted, firsts, axis=1).T
    # each lead is a segment [first + lead, min(first + lead + LEAD_SHINGLES, end)); the
    # segments between two leads are reduced too, and dropped
    ends = batch.offsets[np.array(group) + 1] - start  # type: ignore[attr-defined]
    lead_starts = firsts + batch.leads[group]  # type: ignore[attr-defined]
    lead_ends = np.minimum(lead_starts + LEAD_SHINGLES, ends)
    bounds = np.column_stack((lead_starts, lead_ends)).ravel()
    if bounds[-1] == width:
        bounds = bounds[:-1]
    leads[group] = np.minimum.reduceat(permuted[:LEAD_PERM], bounds, axis=1)[:, 0::2].T


@lru_cache(maxsize=8)
def _permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's affine32 permutation parameters for ``(num_perm, seed)``: the same draws as
    ``MinHash._init_permutations`` (an odd ``a``, any ``b``), without importing datasketch
    (tests/dedup/test_signature.py checks they are equal)."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


def _minhash(
    hashes: np.ndarray, lead: slice, a: np.ndarray, b: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Minimum of each affine32 permutation over ``hashes`` and over ``hashes[lead]`` (on the
    first LEAD_PERM permutations): datasketch's formula, vectorised.

    ``a`` and ``b`` are ``_permutation_blocks``: a block is laid out permutation by shingle, so
    that each minimum reduces a contiguous row, and no operand is broadcast along a row (numpy
    copies such an operand into a buffer first): a third fewer instructions (callgrind) than
    the outer product of the shingles with the permutations."""
    values = np.full(len(a), _EMPTY, dtype=np.uint32)
    lead_values = np.full(LEAD_PERM, _EMPTY, dtype=np.uint32)
    for start in range(0, len(hashes), _BLOCK):
        mixed = _fmix32(hashes[start : start + _BLOCK])
        width = len(mixed)
        permuted = np.multiply(a[:, :width], mixed)
        np.add(permuted, b[:, :width], out=permuted)
        np.minimum(values, permuted.min(axis=1), out=values)
        rows = slice(max(lead.start - start, 0), max(min(lead.stop - start, width), 0))
        if rows.start < rows.stop:
            np.minimum(lead_values, permuted[:LEAD_PERM, rows].min(axis=1), out=lead_values)
    return values, lead_values


@lru_cache(maxsize=4)
def _permutation_blocks(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The permutations' ``a`` and ``b``, each repeated over ``_BLOCK`` columns (read-only;
    2 x 1 MB for 128 permutations)."""
    blocks = []
    for values in _permutations(num_perm, seed):
        block = np.repeat(values[:, None], _BLOCK, axis=1)
        block.flags.writeable = False
        blocks.append(block)
    return blocks[0], blocks[1]


def _fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer, as datasketch applies it before permuting."""
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


def _decode(blob: bytes) -> Signature:
    try:
        header = _HEADER if blob[:4] != _MAGIC_2 else _HEADER_2
        (
            magic,
            tokenizer,
            num_perm,
            seed,
            shingle_size,
            lead_shingles,
            lead_perm,
            size,
            lines,
            content,
            words,
            sents,
            word_perm,
        ) = (*header.unpack_from(blob), 0, 0, 0)[:13]
        if magic not in (_MAGIC, _MAGIC_3, _MAGIC_2) or blob[header.size] != _SCHEME_CODE:
            raise ValueError("not a signature")
        offset = header.size + 1
        arrays = []
        for count, dtype in (
            (num_perm, "<u4"),
            (lead_perm, "<u4"),
            (lines, "<u8"),
            (lines, "<u4"),
            (content, "<u2"),
            (words, "<u2"),
            (sents, "|u1"),
            (word_perm, "<u4"),
        ):
            array = np.frombuffer(blob, dtype=dtype, count=count, offset=offset)
            arrays.append(array.astype(dtype[1:]))
            offset += count * int(dtype[-1])
        if offset != len(blob):
            raise ValueError("wrong length")
    except (struct.error, ValueError, IndexError) as exc:
        raise IncompatibleSignature(
            f"these {len(blob)} bytes are not a newsmon signature ({exc}); recompute it from "
            f"the text"
        ) from None
    params = SignatureParams(
        tokenizer, SCHEME, num_perm, seed, shingle_size, lead_shingles, lead_perm
    )
    sentences = Sentences(*arrays[5:]) if magic == _MAGIC else EMPTY
    return Signature(arrays[0], arrays[1], size, arrays[2], arrays[3], params, arrays[4], sentences)
