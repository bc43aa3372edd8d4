"""Clustering quality on the generated evaluation set (bench/evalset.py).

Prints BCubed and pairwise precision/recall/F1 overall and per case, and with ``--check`` compares
them with the floors in bench/baseline.json (exit status 1 when one is below its floor).

    python bench/eval_quality.py                       # default config, 400 stories
    python bench/eval_quality.py --sweep-shingles      # shingle sizes 2..5 side by side
    python bench/eval_quality.py --threshold 0.6 --stories 1000 --check
    python bench/eval_quality.py --stories 300 --copies 80   # big clusters (wire stories)
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from evalset import evaluate, generate

from dedup import DedupConfig

BASELINE = Path(__file__).with_name("baseline.json")


def report(records: list[dict], cfg: DedupConfig, per_case: bool = True) -> dict:
    started = time.perf_counter()
    result = evaluate(records, cfg)
    elapsed = time.perf_counter() - started
    b, p = result["bcubed"], result["pairwise"]
    print(
        f"shingle_size={cfg.shingle_size} threshold={cfg.threshold} "
        f"containment={cfg.containment} bands={cfg.bands}: {len(records)} records, "
        f"{len(records) / elapsed:.0f}/s"
    )
    print(f"  BCubed   P={b['precision']:.4f} R={b['recall']:.4f} F1={b['f1']:.4f}")
    print(f"  pairwise P={p['precision']:.4f} R={p['recall']:.4f} F1={p['f1']:.4f}")
    if per_case:
        for case, c in sorted(result["cases"].items()):
            print(f"    {case:<11} n={c['records']:<5} P={c['precision']:.4f} R={c['recall']:.4f}")
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stories", type=int, default=400)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--copies",
        type=int,
        default=4,
        help="at most this many copies of a story (large: big clusters)",
    )
    parser.add_argument("--threshold", type=float)
    parser.add_argument("--containment", type=float)
    parser.add_argument("--shingle-size", type=int)
    parser.add_argument("--sweep-shingles", action="store_true", help="compare shingle sizes 2-5")
    parser.add_argument("--check", action="store_true", help="compare with bench/baseline.json")
    args = parser.parse_args()
    records = generate(args.stories, args.seed, copies=args.copies)
    options = {
        k: v
        for k, v in (
            ("threshold", args.threshold),
            ("containment", args.containment),
            ("shingle_size", args.shingle_size),
        )
        if v is not None
    }
    if args.sweep_shingles:
        for size in (2, 3, 4, 5):
            report(records, DedupConfig(**{**options, "shingle_size": size}), per_case=False)
        return 0
    result = report(records, DedupConfig(**options))
    if not args.check:
        return 0
    floors = json.loads(BASELINE.read_text())["quality"]
    figures = {
        "bcubed_f1": result["bcubed"]["f1"],
        "pairwise_precision": result["pairwise"]["precision"],
    }
    failed = [
        f"{name} {figures[name]:.4f} < floor {floor}"
        for name, floor in floors.items()
        if name in figures and figures[name] < floor
    ]
    print("check: " + ("; ".join(failed) if failed else "all floors met"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
