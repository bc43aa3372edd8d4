"""LSH recall against exact all-pairs Jaccard similarity, on the generated evaluation set.

    python bench/eval_lsh.py [--stories 2200] [--threshold 0.5]

Every article's word shingles (the exact sets, as dedup hashes them) are compared with every
other article's (sparse matrix products, in blocks); the pairs at or above the threshold are the
truth. Then all signatures go into the index and each article is queried: recall is the share of
the true pairs that the LSH returns as candidates (verification then rejects some on purpose:
footers shared within an outlet, short template texts).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from evalset import generate
from scipy import sparse

from dedup import DedupConfig, Doc, NearDupIndex, signature
from dedup.shingles import shingle

_BLOCK = 500


def exact_pairs(sets: list[np.ndarray], threshold: float) -> set[tuple[int, int]]:
    """Pairs (i < j) whose exact Jaccard similarity is at least ``threshold``."""
    vocabulary = {h: n for n, h in enumerate(np.unique(np.concatenate(sets)).tolist())}
    rows = np.repeat(np.arange(len(sets)), [len(s) for s in sets])
    cols = np.fromiter((vocabulary[h] for s in sets for h in s.tolist()), dtype=np.int64)
    matrix = sparse.csr_matrix(
        (np.ones(len(cols), dtype=np.float32), (rows, cols)), shape=(len(sets), len(vocabulary))
    )
    sizes = np.array([len(s) for s in sets], dtype=np.float32)
    pairs = set()
    for start in range(0, len(sets), _BLOCK):
        inter = (matrix[start : start + _BLOCK] @ matrix.T).toarray()
        union = sizes[start : start + _BLOCK, None] + sizes[None, :] - inter
        jaccard = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
        for i, j in zip(*np.nonzero(jaccard >= threshold), strict=True):
            if start + i < j:
                pairs.add((int(start + i), int(j)))
    return pairs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stories", type=int, default=2200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--threshold", type=float, default=None)
    args = parser.parse_args()
    cfg = DedupConfig() if args.threshold is None else DedupConfig(threshold=args.threshold)
    records = generate(args.stories, args.seed)
    started = time.perf_counter()
    sets = [np.unique(shingle(r["text"], cfg.shingle_size).hashes) for r in records]
    truth = exact_pairs(sets, cfg.threshold)
    exact_seconds = time.perf_counter() - started
    sigs = [signature(r["text"], cfg) for r in records]
    index = NearDupIndex(cfg)
    started = time.perf_counter()
    with index.bulk():
        for n, (r, sig) in enumerate(zip(records, sigs, strict=True)):
            index.insert(Doc(str(n), r["outlet"], r["published"]), sig, str(n))
    candidates, total_candidates = set(), 0
    for n, sig in enumerate(sigs):
        found = {int(k) for k in index.candidates(sig) if int(k) != n}
        total_candidates += len(found)
        candidates.update((min(n, k), max(n, k)) for k in found)
    lsh_seconds = time.perf_counter() - started
    print(
        f"{len(records)} articles, {len(records) * (len(records) - 1) // 2} pairs, "
        f"{len(truth)} at Jaccard >= {cfg.threshold} (exact, {exact_seconds:.1f} s)"
    )
    print(
        f"  LSH bands {cfg.bands}: {total_candidates / len(records):.1f} candidates per query, "
        f"{lsh_seconds:.1f} s"
    )
    print(f"  recall of LSH candidates {len(truth & candidates) / len(truth):.4f}")


if __name__ == "__main__":
    main()
