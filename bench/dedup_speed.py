"""Speed of the dedup core against plain datasketch use, in the same run.

    python bench/dedup_speed.py [--articles 2000] [--words 600] [--cli 5000] [--corpus grammar]

Both sides see the same articles of about 600 words (a fifth of them copies of an earlier one),
written by the evaluation grammar (``--corpus grammar``: few templates, so every article shares
phrases with every other and the LSH proposes ~100 candidates per query, a worst case) or drawn
from a Zipf vocabulary (``--corpus vocabulary``: candidates are mostly the real copies):

- baseline "plain datasketch": word 3-shingles of the lower-cased text, one ``MinHash`` per
  article fed shingle by shingle (``update``), ``MinHashLSH(threshold=0.5)`` query then insert;
- ours: ``signature(text, cfg)`` then ``Clusterer.add`` (candidates, verification, clusters);
  and the same with the signatures made ``BATCH`` at a time (``signatures``), as
  ``cluster_records`` and so ``newsmon cluster`` make them.

It prints articles per second of each and the ratio, then the throughput of
``newsmon cluster`` on a JSON-lines file (one process, so one core), start-up (imports) apart.
Rates are per CPU second of this process (or of the child), so that other load on the machine
does not count; wall-clock seconds are printed too.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from itertools import accumulate
from pathlib import Path

from datasketch import MinHash, MinHashLSH
from evalset import EN, RU, Writer, _text

from dedup import Clusterer, DedupConfig, Doc, signature
from dedup.records import BATCH
from dedup.signature import signatures


def articles(count: int, words: int, seed: int = 5, corpus: str = "grammar") -> list[str]:
    """``count`` article texts of about ``words`` words; every fifth copies an earlier one."""
    writer, rng = Writer(seed), random.Random(seed)
    vocabulary = [f"w{n}" for n in range(_VOCABULARY)]
    zipf = list(accumulate(1 / (n + 1) for n in range(_VOCABULARY)))
    texts: list[str] = []
    for n in range(count):
        if n % 5 == 4:
            texts.append("AKIpress\n\n" + rng.choice(texts[-50:]) + "\n\nSource: Kabar")
            continue
        if corpus == "vocabulary":
            texts.append(
                "\n\n".join(
                    " ".join(rng.choices(vocabulary, cum_weights=zipf, k=40))
                    for _ in range(words // 40)
                )
            )
            continue
        lang = RU if rng.random() < 0.6 else EN
        paragraphs: list[list[str]] = []
        while sum(len(s.split()) for p in paragraphs for s in p) < words:
            paragraphs += writer.story(lang, sentences=(16, 20))
        texts.append(_text(paragraphs))
    return texts


_VOCABULARY = 50_000


def plain_datasketch(texts: list[str]) -> float:
    lsh = MinHashLSH(threshold=0.5, num_perm=128)
    started = time.process_time()
    for n, text in enumerate(texts):
        tokens = text.lower().split()
        m = MinHash(num_perm=128)
        for i in range(len(tokens) - 2):
            m.update(" ".join(tokens[i : i + 3]).encode())
        lsh.query(m)
        lsh.insert(str(n), m)
    return time.process_time() - started


def ours(texts: list[str], cfg: DedupConfig) -> float:
    clusterer = Clusterer(cfg)
    started = time.process_time()
    for n, text in enumerate(texts):
        clusterer.add(Doc(str(n), "", float(n)), signature(text, cfg))
    return time.process_time() - started


def ours_batched(texts: list[str], cfg: DedupConfig) -> float:
    clusterer = Clusterer(cfg)
    started = time.process_time()
    for start in range(0, len(texts), BATCH):
        for n, sig in enumerate(signatures(texts[start : start + BATCH], cfg), start):
            clusterer.add(Doc(str(n), "", float(n)), sig)
    return time.process_time() - started


def signatures_only(texts: list[str], cfg: DedupConfig) -> float:
    started = time.process_time()
    for text in texts:
        signature(text, cfg)
    return time.process_time() - started


def signatures_batched(texts: list[str], cfg: DedupConfig) -> float:
    started = time.process_time()
    for start in range(0, len(texts), BATCH):
        signatures(texts[start : start + BATCH], cfg)
    return time.process_time() - started


def cli_run(texts: list[str], *options: str) -> list[tuple[float, float]]:
    """(CPU, wall) seconds of `newsmon cluster` on an empty file (start-up) and on the texts."""
    with tempfile.TemporaryDirectory() as tmp:
        path, empty = Path(tmp) / "articles.jsonl", Path(tmp) / "empty.jsonl"
        with path.open("w", encoding="utf-8") as handle:
            for n, text in enumerate(texts):
                handle.write(
                    json.dumps(
                        {
                            "id": f"a{n}",
                            "outlet": "x",
                            "text": text,
                            "published": 1735689600 + 60 * n,
                        },
                        ensure_ascii=False,
                    )
                    + "\n"
                )
        empty.write_text("")
        command = [
            sys.executable,
            "-c",
            "from crawler.cli import main; main()",
            "cluster",
            *options,
        ]
        timings = []
        for source in (empty, path):
            cpu, wall = _children_cpu(), time.perf_counter()
            subprocess.run([*command, str(source), "--output", "/dev/null"], check=True)
            timings.append((_children_cpu() - cpu, time.perf_counter() - wall))
    return timings


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--words", type=int, default=600)
    parser.add_argument("--cli", type=int, default=5000, help="articles for `newsmon cluster`")
    parser.add_argument("--corpus", choices=["grammar", "vocabulary"], default="grammar")
    parser.add_argument(
        "--align",
        action="store_true",
        help="with sentence alignment (DedupConfig(align=True), cluster --align)",
    )
    args = parser.parse_args()
    texts = articles(max(args.articles, args.cli), args.words, corpus=args.corpus)
    sample = texts[: args.articles]
    words = sum(len(t.split()) for t in sample) / len(sample)
    cfg = DedupConfig(align=args.align)
    print(f"{len(sample)} articles, {words:.0f} words on average ({args.corpus})")
    base = plain_datasketch(sample)
    mine = ours(sample, cfg)
    batched = ours_batched(sample, cfg)
    sig = signatures_only(sample, cfg)
    sigs = signatures_batched(sample, cfg)
    print(f"  plain datasketch  {len(sample) / base:8.0f} articles/s")
    print(f"  dedup (sig+add)   {len(sample) / mine:8.0f} articles/s   x{base / mine:.1f}")
    print(
        f"  same, batched     {len(sample) / batched:8.0f} articles/s   x{base / batched:.1f}"
        f"   (signatures {BATCH} at a time)"
    )
    print(f"  signature alone   {len(sample) / sig:8.0f} articles/s")
    print(f"  batched alone     {len(sample) / sigs:8.0f} articles/s")
    if args.cli:
        (startup, _), (total, total_wall) = cli_run(
            texts[: args.cli], *(["--align"] if args.align else [])
        )
        print(
            f"newsmon cluster, {args.cli} articles: {total:.1f} CPU s ({total_wall:.1f} s wall), "
            f"start-up {startup:.1f} CPU s: {args.cli / (total - startup):.0f} articles per CPU "
            f"second after start-up ({args.cli / total:.0f} with it)"
        )


if __name__ == "__main__":
    main()
