"""Memory of a long-running clusterer: RSS over a stream of synthetic articles, window on.

    python bench/dedup_memory.py [--articles 1000000] [--window-docs 30000] [--every 50000]

Articles are short texts drawn from a Zipf-distributed vocabulary (one in ten a light copy of a
recent one), timed so that the 14-day window holds about ``--window-docs`` of them. A worker
process makes the signatures while this process clusters them; this process's RSS is printed
every ``--every`` articles. After the window has filled, the curve must stay flat.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import time
from collections import deque
from itertools import accumulate, islice

from dedup import Clusterer, DedupConfig, Doc, Signature, signature

_BATCH = 2000
_VOCABULARY = 50_000
_WORDS = (40, 90)


_WORD_LIST = [f"w{n}" for n in range(_VOCABULARY)]
_ZIPF = list(accumulate(1 / (n + 1) for n in range(_VOCABULARY)))


def _texts(batch: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    texts: list[str] = []
    for _ in range(batch):
        if texts and rng.random() < 0.1:
            texts.append(rng.choice(texts) + " update")
            continue
        count = rng.randint(*_WORDS)
        texts.append(" ".join(rng.choices(_WORD_LIST, cum_weights=_ZIPF, k=count)))
    return texts


def _signatures(seed: int) -> list[bytes]:
    cfg = DedupConfig()
    return [signature(text, cfg).to_bytes() for text in _texts(_BATCH, seed)]


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * 4096 / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--window-docs", type=int, default=30_000)
    parser.add_argument("--every", type=int, default=50_000)
    args = parser.parse_args()
    cfg = DedupConfig()
    clusterer = Clusterer(cfg)
    step = cfg.window_seconds / args.window_docs
    seeds = iter(range(args.articles // _BATCH))
    print(f"{args.articles} articles, window {cfg.window_days:g} days = {args.window_docs} "
          f"articles; RSS every {args.every}")
    print(f"{'articles':>10} {'RSS MB':>8} {'articles/s':>10}")
    started, n = time.perf_counter(), 0
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        # two batches in flight at most (imap would pile the worker's results up here)
        pending = deque(pool.apply_async(_signatures, (seed,)) for seed in islice(seeds, 2))
        while pending:
            blobs = pending.popleft().get()
            pending.extend(pool.apply_async(_signatures, (seed,)) for seed in islice(seeds, 1))
            for blob in blobs:
                clusterer.add(Doc(f"a{n}", f"outlet{n % 40}", n * step),
                              Signature.from_bytes(blob, cfg))
                n += 1
                if n % args.every == 0:
                    rate = n / (time.perf_counter() - started)
                    print(f"{n:>10} {rss_mb():>8.1f} {rate:>10.0f}", flush=True)


if __name__ == "__main__":
    main()
