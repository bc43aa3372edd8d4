"""Do word embeddings tell a copy from an independent write-up better than content words?

    pip install wordllama==0.4.0.post1   # not a dependency of newsmon: this benchmark only
    python bench/eval_semantic.py        # the three tuning sets
    python bench/eval_semantic.py --real PATH [--match 0.85]

Within each story of a real set (../shared/bench/real-copies/README.md), every pair of records
is either a copy pair (one ``copy_group``) or a hard negative (another write-up of the same
event). For each pair it scores how well the text with fewer words aligns with the other,
sentence by sentence, three ways:

- content words: ``dedup.align.aligned`` (what ``DedupConfig(align=True)`` links on), the
  baseline;
- word embeddings: the same order-keeping rule, with a sentence matching the other's sentence
  of highest cosine when that cosine is ``--match`` or more; sentences are embedded with
  WordLlama's 256-dimension static token embeddings, the model its wheel ships (no download);
- whole text: the cosine of the two texts' embeddings.

For each score it prints the highest copy-pair recall at a threshold where precision over the
story's pairs is 0.98 or more, and the ROC AUC (the chance that a copy pair outscores a hard
negative), then the ratio of the embeddings' AUC to the baseline's. The default run reads
only the tuning sets: the check sets stay unread here.
"""

from __future__ import annotations

import argparse
import re
import sys
from itertools import combinations
from pathlib import Path

import numpy as np
from eval_real import DEV, TUNE, TUNE2, load_real

from dedup.align import aligned, heaviest_run, sentences

# a sentence ends at a sentence mark followed by a space, or at a line break; shorter ones
# (captions, bylines, datelines) are not aligned, as SENTENCE_MIN_WORDS in dedup/align.py
_SPLIT = re.compile(r"(?<=[.!?…])\s+|\n+")
SENTENCE_MIN_WORDS = 6
PRECISION = 0.98
WORDLLAMA = "wordllama==0.4.0.post1"


def load_model():
    """WordLlama's shipped model, loaded from its package without a download."""
    try:
        import wordllama
    except ImportError:
        message = f"error: this benchmark needs wordllama: pip install {WORDLLAMA}"
        raise SystemExit(message) from None
    package = Path(wordllama.__file__).parent
    # the wheel keeps the tokenizer under tokenizers/, where load() looks only as a cache
    return wordllama.WordLlama.load(cache_dir=package, disable_download=True)


def embedded(model, text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A text's sentences' unit embeddings, their word counts, and the whole text's embedding."""
    found = [s.strip() for s in _SPLIT.split(text) if len(s.split()) >= SENTENCE_MIN_WORDS]
    vectors = model.embed(found, norm=True) if found else np.zeros((0, 1))
    sizes = np.array([len(s.split()) for s in found], dtype=np.int64)
    whole = model.embed([text], norm=True)[0]
    return vectors, sizes, whole


def embedding_share(a: tuple, b: tuple, match: float) -> float:
    """The share of the shorter text's words in sentences matched to the other's, in order."""
    (va, wa, _), (vb, wb, _) = a, b
    if not len(wa) or not len(wb):
        return 0.0
    if wa.sum() > wb.sum():
        va, wa, vb, wb = vb, wb, va, wa
    similarity = va @ vb.T
    best, top = similarity.argmax(axis=1), similarity.max(axis=1)
    matched = top >= match
    run = heaviest_run(best[matched].tolist(), wa[matched].tolist(), len(wb))
    return run / int(wa.sum())


def recall_at_precision(scores: list[tuple[float, bool]]) -> float:
    """The highest recall of copy pairs over a threshold whose precision is PRECISION or more."""
    copies = sum(is_copy for _, is_copy in scores)
    found = 0
    best = 0.0
    ranked = sorted(scores, key=lambda s: -s[0])
    for linked, (score, is_copy) in enumerate(ranked, 1):
        found += is_copy
        last_of_tie = linked == len(ranked) or ranked[linked][0] < score
        if last_of_tie and score > 0 and found >= PRECISION * linked:
            best = max(best, found / copies)
    return best


def auc(scores: list[tuple[float, bool]]) -> float:
    """The chance that a copy pair scores above a hard negative (ties count half)."""
    pos = np.array([s for s, c in scores if c])
    neg = np.array([s for s, c in scores if not c])
    if not len(pos) or not len(neg):
        return float("nan")
    above = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return float(above) / (len(pos) * len(neg))


def evaluate(path: Path, model, match: float) -> None:
    """Print the three scores' separation of copy pairs from hard negatives in one set."""
    records = load_real(path)
    words = {r["id"]: sentences(r["text"]) for r in records}
    vectors = {r["id"]: embedded(model, r["text"]) for r in records}
    by_method: dict[str, list[tuple[float, bool]]] = {"content": [], "embedding": [], "whole": []}
    for a, b in combinations(records, 2):
        if a["story"] != b["story"]:
            continue
        is_copy = a["copy_group"] == b["copy_group"]
        wa, wb = words[a["id"]], words[b["id"]]
        share = aligned(wa.words, wa.sizes, wb.words, wb.sizes)[0]
        va, vb = vectors[a["id"]], vectors[b["id"]]
        by_method["content"].append((share, is_copy))
        by_method["embedding"].append((embedding_share(va, vb, match), is_copy))
        by_method["whole"].append((float(va[2] @ vb[2]), is_copy))
    copies = sum(c for _, c in by_method["content"])
    print(f"{path}: {copies} copy pairs, {len(by_method['content']) - copies} hard negatives")
    recalls, aucs = {}, {}
    for name, label in (
        ("content", "content words (newsmon)"),
        ("embedding", f"word embeddings, match {match}"),
        ("whole", "whole-text embedding"),
    ):
        recalls[name], aucs[name] = recall_at_precision(by_method[name]), auc(by_method[name])
        print(f"  {label:30} recall at P>={PRECISION}: {recalls[name]:.3f}   AUC {aucs[name]:.3f}")
    print(f"  AUC embeddings / content words: x{aucs['embedding'] / aucs['content']:.3f}")


def main(argv: list[str] | None = None) -> int:
    """Run the comparison on the tuning sets or the sets given."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--real", type=Path, action="append", help="a real set; repeatable")
    parser.add_argument("--match", type=float, default=0.85, help="sentence cosine to match")
    args = parser.parse_args(argv)
    paths = args.real or [p for p in (DEV, TUNE, TUNE2) if p.exists()]
    for path in paths:
        if not path.is_file():
            raise SystemExit(f"error: {path}: no such file")
    model = load_model()
    for path in paths:
        evaluate(path, model, args.match)
    return 0


if __name__ == "__main__":
    sys.exit(main())
