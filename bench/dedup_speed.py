"""Speed of the dedup core against plain datasketch use, in the same run.

    python bench/dedup_speed.py [--articles 2000] [--words 600] [--cli 5000]

Both sides see the same articles of about 600 words (a fifth of them copies of an earlier one):

- baseline "plain datasketch": word 3-shingles of the lower-cased text, one ``MinHash`` per
  article fed shingle by shingle (``update``), ``MinHashLSH(threshold=0.5)`` query then insert;
- ours: ``signature(text, cfg)`` then ``Clusterer.add`` (candidates, verification, clusters).

It prints articles per second of each and the ratio, then the throughput of
``newsmon cluster`` on a JSON-lines file (one process, so one core), start-up included.
"""

# ruff: noqa: E402  (sys.path is reordered before the imports)
from __future__ import annotations

import sys
from pathlib import Path

# bench/ goes last on the path: its queue.py must not shadow the standard library's queue
_BENCH = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p).resolve() != _BENCH] + [str(_BENCH)]

import argparse
import json
import random
import subprocess
import tempfile
import time
from pathlib import Path

from datasketch import MinHash, MinHashLSH
from evalset import EN, LANGS, RU, Writer, _text

from dedup import Clusterer, DedupConfig, Doc, signature


def articles(count: int, words: int, seed: int = 5) -> list[str]:
    """``count`` article texts of about ``words`` words; every fifth copies an earlier one."""
    writer, rng = Writer(seed), random.Random(seed)
    texts: list[str] = []
    for n in range(count):
        if n % 5 == 4:
            texts.append("AKIpress\n\n" + rng.choice(texts[-50:]) + "\n\nSource: Kabar")
            continue
        lang = RU if rng.random() < 0.6 else EN
        paragraphs: list[list[str]] = []
        while sum(len(s.split()) for p in paragraphs for s in p) < words:
            paragraphs += writer.story(lang, sentences=(16, 20))
        texts.append(_text(paragraphs))
    return texts


def plain_datasketch(texts: list[str]) -> float:
    lsh = MinHashLSH(threshold=0.5, num_perm=128)
    started = time.perf_counter()
    for n, text in enumerate(texts):
        tokens = text.lower().split()
        m = MinHash(num_perm=128)
        for i in range(len(tokens) - 2):
            m.update(" ".join(tokens[i : i + 3]).encode())
        lsh.query(m)
        lsh.insert(str(n), m)
    return time.perf_counter() - started


def ours(texts: list[str], cfg: DedupConfig) -> float:
    clusterer = Clusterer(cfg)
    started = time.perf_counter()
    for n, text in enumerate(texts):
        clusterer.add(Doc(str(n), "", float(n)), signature(text, cfg))
    return time.perf_counter() - started


def signatures_only(texts: list[str], cfg: DedupConfig) -> float:
    started = time.perf_counter()
    for text in texts:
        signature(text, cfg)
    return time.perf_counter() - started


def cli_run(texts: list[str]) -> tuple[float, float]:
    """Seconds of `newsmon cluster` on the texts, and of its start-up alone (an empty file)."""
    with tempfile.TemporaryDirectory() as tmp:
        path, empty = Path(tmp) / "articles.jsonl", Path(tmp) / "empty.jsonl"
        with path.open("w", encoding="utf-8") as handle:
            for n, text in enumerate(texts):
                handle.write(json.dumps({"id": f"a{n}", "outlet": "x", "text": text,
                                         "published": 1735689600 + 60 * n},
                                        ensure_ascii=False) + "\n")
        empty.write_text("")
        command = [sys.executable, "-c", "from crawler.cli import main; main()", "cluster"]
        timings = []
        for source in (empty, path):
            started = time.perf_counter()
            subprocess.run([*command, str(source), "--output", "/dev/null"], check=True)
            timings.append(time.perf_counter() - started)
    return timings[1], timings[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--words", type=int, default=600)
    parser.add_argument("--cli", type=int, default=5000, help="articles for `newsmon cluster`")
    args = parser.parse_args()
    texts = articles(max(args.articles, args.cli), args.words)
    sample = texts[: args.articles]
    words = sum(len(t.split()) for t in sample) / len(sample)
    cfg = DedupConfig()
    print(f"{len(sample)} articles, {words:.0f} words on average ({sorted(LANGS)})")
    base = plain_datasketch(sample)
    mine = ours(sample, cfg)
    sig = signatures_only(sample, cfg)
    print(f"  plain datasketch  {len(sample) / base:8.0f} articles/s")
    print(f"  dedup (sig+add)   {len(sample) / mine:8.0f} articles/s   x{base / mine:.1f}")
    print(f"  signature alone   {len(sample) / sig:8.0f} articles/s")
    if args.cli:
        total, startup = cli_run(texts[: args.cli])
        print(f"newsmon cluster, {args.cli} articles: {total:.1f} s, start-up {startup:.1f} s: "
              f"{args.cli / total:.0f} articles/s ({args.cli / (total - startup):.0f}/s after "
              f"start-up) on one core")


if __name__ == "__main__":
    main()
