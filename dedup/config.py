"""``DedupConfig``: the one options object of the dedup library, validated once.

The defaults are tuned values; each is a named constant below with the bench script and the metric
that set it. Re-run those scripts after changing one (commands in each comment).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

from dedup.errors import DedupError

# Permutation scheme of the datasketch MinHash, pinned: datasketch 2.0 changed the default from
# "legacy" to "affine32", and sketches of two schemes cannot be compared.
SCHEME = "affine32"

# Jaccard similarity (word shingles, outlet boilerplate discounted) at which two articles are
# linked. `bench/eval_quality.py --stories 800 --seed 3 --threshold T`: 0.45 gives pairwise
# precision 0.9996 / BCubed F1 0.9928 but needs 2-row bands (twice the candidates); 0.5 gives
# 1.0 / 0.9897; 0.55 gives 1.0 / 0.9830 (lightly edited copies drop out).
JACCARD_THRESHOLD = 0.5
# Share of the shorter article's content shingles (chrome lines and outlet boilerplate left out)
# found in the longer one, counted exactly, for an excerpt link (dedup/index.py; a long excerpt
# with the same lead links from 0.5). `bench/eval_real.py --containment C`: 0.6 gives copy-pair
# recall 0.64 on the shared dev set but pairwise precision 0.984 on the generated set
# (same-topic stories of its grammar and digests join); 0.65 gives 0.996 there; 0.7 costs recall
# on real copies with a new caption or standfirst.
CONTAINMENT_THRESHOLD = 0.65
# Words per shingle. `bench/eval_quality.py --sweep-shingles` (300 stories, seed 7), pairwise
# precision / BCubed F1: 2 words 0.9921 / 0.9946 (and three times the candidates), 3 words
# 0.9988 / 0.9916, 4 words 0.9916 / 0.9816, 5 words 0.9903 / 0.9788. Three words keep different
# stories on one topic apart best while lightly edited copies still match.
SHINGLE_SIZE = 3
# MinHash permutations: 128 keeps the similarity estimate within about +-0.045 at 0.5, enough to
# verify links; more costs time and memory per article (bench/dedup_speed.py).
NUM_PERM = 128
SEED = 1
WINDOW_DAYS = 14.0
# Upper bound of `max_articles` (a window that large needs ~30 GB in memory: use Redis).
MAX_ARTICLES_LIMIT = 10_000_000
# The LSH band layout is the one with the most rows per band (fewest false candidates) whose
# probability of making two articles at the Jaccard threshold candidates is at least this.
# bench/eval_lsh.py measures the recall this gives against exact all-pairs Jaccard.
LSH_RECALL_AT_THRESHOLD = 0.995

_SECONDS_PER_DAY = 86400.0


def band_layout(
    threshold: float, num_perm: int, recall: float = LSH_RECALL_AT_THRESHOLD
) -> tuple[int, int]:
    """The LSH band layout ``(bands, rows)`` for a Jaccard threshold, tuned for recall.

    Args:
        threshold: Jaccard similarity that must become a candidate.
        num_perm: MinHash permutations available.
        recall: smallest probability that a pair at ``threshold`` shares a band.

    Returns:
        ``(bands, rows)`` with ``bands * rows <= num_perm``: the most rows per band that still
        reaches ``recall`` (one row per band if none does).

    Example:
        >>> band_layout(0.5, 128)
        (42, 3)
    """
    best = (num_perm, 1)
    for rows in range(1, num_perm // 2 + 1):
        bands = num_perm // rows
        if 1 - (1 - threshold**rows) ** bands >= recall:
            best = (bands, rows)
    return best


@dataclass(frozen=True, kw_only=True, slots=True)
class DedupConfig:
    """Parameters of signatures, the index and the clustering decisions.

    Args:
        threshold: Jaccard similarity (0-1) at which two articles are linked.
        containment: share (0-1) of an excerpt's content shingles found in the article it
            copies (dedup/index.py adjusts it for small excerpts and for long ones with the
            same lead).
        num_perm: MinHash permutations (64-1024).
        seed: seed of the MinHash permutations (0 to 2**32-1).
        shingle_size: words per shingle (1-8).
        window_days: how long an article stays in the index, after the newest article's time.
        bands: LSH ``(bands, rows)``; ``None`` derives it from ``threshold`` and ``num_perm``.
        max_articles: most articles kept in the window (the oldest by ``Doc.time`` leave first),
            whatever their dates; ``None``: no bound but ``window_days``. A hard ceiling on the
            index's memory (about 6 KB an article in a ``MemoryStore``), at the price of
            missing copies of articles evicted before their ``window_days`` are over.
        align: also link copies whose sentences align (``dedup.align``: machine-spun copies,
            paraphrases, translation runs, versions of one story) and propose candidates on
            content words. Off by default: with it ``newsmon cluster`` runs at about 0.5 of
            its speed on bench/dedup_speed.py's grammar corpus and 0.3 on its vocabulary one.

    Raises:
        DedupError: a value is out of range; the message names it and the allowed range.

    Example:
        >>> cfg = DedupConfig(threshold=0.7, window_days=7)
        >>> cfg.bands, cfg.window_seconds
        ((32, 4), 604800.0)
    """

    threshold: float = JACCARD_THRESHOLD
    containment: float = CONTAINMENT_THRESHOLD
    num_perm: int = NUM_PERM
    seed: int = SEED
    shingle_size: int = SHINGLE_SIZE
    window_days: float = WINDOW_DAYS
    bands: tuple[int, int] | None = None
    max_articles: int | None = None
    align: bool = False

    def __post_init__(self) -> None:
        _check_range("threshold", self.threshold, 0.05, 1.0, "a Jaccard similarity such as 0.5")
        _check_range("containment", self.containment, 0.05, 1.0, "a share such as 0.8")
        # numpy's integers are integers: stored as int, so that signatures pack them alike
        for name, low, high in (
            ("num_perm", 64, 1024),
            ("seed", 0, 2**32 - 1),
            ("shingle_size", 1, 8),
        ):
            object.__setattr__(self, name, _check_int(name, getattr(self, name), low, high))
        _check_range("window_days", self.window_days, 1 / 24, 3650.0, "days, such as 14")
        if not isinstance(self.align, bool):
            raise DedupError(f"align={self.align!r} must be True or False")
        if self.max_articles is not None:
            limit = _check_int("max_articles", self.max_articles, 1, MAX_ARTICLES_LIMIT)
            object.__setattr__(self, "max_articles", limit)
        if self.bands is None:
            object.__setattr__(self, "bands", band_layout(self.threshold, self.num_perm))
        else:
            bands = tuple(self.bands) if isinstance(self.bands, tuple | list) else ()
            if len(bands) != 2 or not all(_is_int(v) and v >= 1 for v in bands):
                raise DedupError(f"bands={self.bands!r} must be two positive integers: bands, rows")
            bands = (int(bands[0]), int(bands[1]))
            if bands[0] < 2 or bands[0] * bands[1] > self.num_perm:
                raise DedupError(
                    f"bands={bands!r} needs at least 2 bands and bands * rows <= num_perm "
                    f"({self.num_perm}); leave bands=None to derive it from the threshold"
                )
            object.__setattr__(self, "bands", bands)

    @property
    def window_seconds(self) -> float:
        """The window length in seconds."""
        return self.window_days * _SECONDS_PER_DAY


def _check_range(name: str, value: object, low: float, high: float, hint: str) -> None:
    try:  # an int past a float's range (10**400) is no number here either
        finite = not isinstance(value, bool) and math.isfinite(value)  # type: ignore[arg-type]
    except (TypeError, OverflowError):
        finite = False
    if not finite:
        raise DedupError(f"{name}={value!r} is not a number; expected {hint}")
    if not low <= value <= high:  # type: ignore[operator]
        raise DedupError(f"{name}={value!r} is outside {low:g}-{high:g}; expected {hint}")


def _is_int(value: object) -> bool:
    """An integer (numpy's too), not a bool."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool | np.bool_)


def _check_int(name: str, value: object, low: int, high: int) -> int:
    if not _is_int(value):
        raise DedupError(f"{name}={value!r} is not an integer; expected {low}-{high}")
    number = int(value)  # type: ignore[call-overload]
    if not low <= number <= high:
        raise DedupError(f"{name}={value!r} is outside {low}-{high}")
    return number
