"""Memory of a long-running clusterer: RSS over a stream of synthetic articles, window on; or
the bytes each article inside the window holds.

    python bench/dedup_memory.py [--articles 1000000] [--window-docs 30000] [--every 50000]
                                 [--max-articles N]
    python bench/dedup_memory.py --per-article 20000

Stream: articles are short texts drawn from a Zipf-distributed vocabulary (one in ten a light
copy of a recent one), timed so that the 14-day window holds about ``--window-docs`` of them. A
worker process makes the signatures while this process clusters them; this process's RSS is
printed every ``--every`` articles. After the window has filled, the curve must stay flat.

``--per-article N``: N articles of 600 words in 15 paragraphs (bench/dedup_speed.py's vocabulary
corpus, 40 outlets), all inside the window, as a crawl of N pages keeps them; prints the bytes
that tracemalloc counts in the clusterer (MemoryStore) per article, and the biggest holders.
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing
import random
import time
import tracemalloc
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
    cfg = DedupConfig()  # max_articles does not change signatures
    return [signature(text, cfg).to_bytes() for text in _texts(_BATCH, seed)]


def per_article(count: int, max_articles: int | None) -> None:
    """Bytes per article held by a Clusterer on a MemoryStore, by tracemalloc."""
    from dedup_speed import articles

    cfg = DedupConfig(max_articles=max_articles)
    sigs = [signature(text, cfg) for text in articles(count, 600, seed=11, corpus="vocabulary")]
    gc.collect()
    tracemalloc.start(1)
    clusterer = Clusterer(cfg)
    before = tracemalloc.take_snapshot()
    base = tracemalloc.get_traced_memory()[0]
    for n, sig in enumerate(sigs):
        clusterer.add(Doc(f"{n:016x}", f"outlet{n % 40}", float(n)), sig)
    gc.collect()
    held = tracemalloc.get_traced_memory()[0] - base
    kept = f"at most {max_articles} kept" if max_articles else "all in the window"
    print(
        f"{count} articles of 600 words added ({kept}): {held / 2**20:.1f} MB held, "
        f"{held / count:.0f} bytes per article added"
    )
    for stat in tracemalloc.take_snapshot().compare_to(before, "lineno")[:8]:
        print(f"  {stat.size_diff / count:7.0f} B/article  {stat.traceback}")


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * 4096 / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--window-docs", type=int, default=30_000)
    parser.add_argument("--every", type=int, default=50_000)
    parser.add_argument(
        "--max-articles",
        type=int,
        default=None,
        help="DedupConfig.max_articles (default: no count bound)",
    )
    parser.add_argument(
        "--per-article",
        type=int,
        default=0,
        metavar="N",
        help="print bytes per article of N articles in the window, then stop",
    )
    args = parser.parse_args()
    if args.per_article:
        per_article(args.per_article, args.max_articles)
        return
    cfg = DedupConfig(max_articles=args.max_articles)
    clusterer = Clusterer(cfg)
    step = cfg.window_seconds / args.window_docs
    seeds = iter(range(args.articles // _BATCH))
    print(
        f"{args.articles} articles, window {cfg.window_days:g} days = {args.window_docs} "
        f"articles; RSS every {args.every}"
    )
    print(f"{'articles':>10} {'RSS MB':>8} {'articles/s':>10}")
    started, n = time.perf_counter(), 0
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        # two batches in flight at most (imap would pile the worker's results up here)
        pending = deque(pool.apply_async(_signatures, (seed,)) for seed in islice(seeds, 2))
        while pending:
            blobs = pending.popleft().get()
            pending.extend(pool.apply_async(_signatures, (seed,)) for seed in islice(seeds, 1))
            for blob in blobs:
                clusterer.add(
                    Doc(f"a{n}", f"outlet{n % 40}", n * step), Signature.from_bytes(blob, cfg)
                )
                n += 1
                if n % args.every == 0:
                    rate = n / (time.perf_counter() - started)
                    print(f"{n:>10} {rss_mb():>8.1f} {rate:>10.0f}", flush=True)


if __name__ == "__main__":
    main()
