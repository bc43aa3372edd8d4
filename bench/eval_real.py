"""Copy-pair and BCubed quality on real web copies and on the generated set, in one run.

    python bench/eval_real.py                # tuning sets, both check sets, generated set
    python bench/eval_real.py --real PATH --real PATH2 --stories 400
    python bench/eval_real.py --diagnose     # why each missed or wrong pair went so

For each set it prints copy-pair precision and recall (a pair is two records of one labelled
group; a predicted pair two records of one cluster) and BCubed precision, recall and F1 for:

- newsmon: ``cluster_records`` (what ``newsmon cluster`` runs) with the default config;
- plain datasketch: ``MinHashLSH(threshold=0.5)`` over the same shingles' MinHashes (each
  record queried, then inserted) and connected components of the pairs it returns;

and the ratio of newsmon's pair recall to datasketch's. A real set is a JSON-lines file with
``id``, ``text``, ``outlet`` and ``copy_group`` (../shared/bench/real-copies/README.md); the
generated set is bench/evalset.py's (``label``). The default run reads the tuning sets
(../shared/bench/real-copies, bench/data/real-copies-tune, bench/data/real-copies-tune2) and
the check sets (bench/data/real-copies-check, bench/data/real-copies-check2); a check set
confirms a setting chosen on the tuning sets and is never tuned on.

``--diagnose`` prints, for every true pair that newsmon left apart and every pair it joined
wrongly, ``NearDupIndex.explain`` of the two (as ``newsmon cluster --explain`` does): the scores
and the rule that decided. "verifies now" on a missed pair means the rule would link them in the
final window: they were kept apart by the order of arrival (the pair was not a candidate then,
or the merge rule of ``dedup.clusters`` did not join their clusters). Then the five pairs of
different groups that came closest to a link (their containment over the one needed).
"""

from __future__ import annotations

import argparse
import json
import sys
from itertools import combinations
from pathlib import Path

from datasketch import MinHashLSH
from evalset import generate

from dedup import Clusterer, DedupConfig, Doc, bcubed, pairwise, signatures

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT.parent / "shared" / "bench" / "real-copies" / "articles.jsonl"
TUNE = ROOT / "bench" / "data" / "real-copies-tune" / "articles.jsonl"
TUNE2 = ROOT / "bench" / "data" / "real-copies-tune2" / "articles.jsonl"
CHECK = ROOT / "bench" / "data" / "real-copies-check" / "articles.jsonl"
CHECK2 = ROOT / "bench" / "data" / "real-copies-check2" / "articles.jsonl"


def load_real(path: Path) -> list[dict]:
    """The records of a real set, with ``label`` = ``copy_group``, in file order."""
    records = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        record = json.loads(line)
        if "copy_group" not in record:
            raise SystemExit(f"error: {path}:{number}: record has no 'copy_group'")
        records.append({**record, "label": record["copy_group"]})
    return records


def newsmon(records: list[dict], cfg: DedupConfig) -> tuple[dict[str, str], Clusterer]:
    """Cluster ``records`` in order as ``cluster_records`` does; final cluster of each id."""
    clusterer = Clusterer(cfg)
    given = {}
    for start in range(0, len(records), 32):
        batch = records[start : start + 32]
        for r, sig in zip(batch, signatures([r["text"] for r in batch], cfg), strict=True):
            doc = Doc(r["id"], r.get("outlet") or "", float(r.get("published") or 0))
            given[r["id"]] = clusterer.add(doc, sig).cluster
    # a merge renames clusters: score the final ones
    return {key: clusterer.resolve(cluster) for key, cluster in given.items()}, clusterer


def plain_datasketch(records: list[dict], cfg: DedupConfig) -> dict[str, str]:
    """Connected components of the pairs ``MinHashLSH(threshold=0.5)`` proposes."""
    lsh = MinHashLSH(threshold=0.5, num_perm=cfg.num_perm)
    parent = {r["id"]: r["id"] for r in records}

    def root(key: str) -> str:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for r, sig in zip(records, signatures([r["text"] for r in records], cfg), strict=True):
        if sig.empty:
            continue
        minhash = sig.minhash()
        for other in lsh.query(minhash):
            parent[root(other)] = root(r["id"])
        lsh.insert(r["id"], minhash)
    return {key: root(key) for key in parent}


def scores(predicted: dict[str, str], gold: dict[str, str]) -> dict[str, float]:
    """Copy-pair precision and recall and BCubed P/R/F1 of ``predicted`` against ``gold``."""
    pairs, cube = pairwise(predicted, gold), bcubed(predicted, gold)
    return {
        "pair_p": pairs.precision,
        "pair_r": pairs.recall,
        "b_p": cube.precision,
        "b_r": cube.recall,
        "b_f1": cube.f1,
    }


def line(name: str, s: dict[str, float]) -> str:
    return (
        f"  {name:<17} pairs P={s['pair_p']:.3f} R={s['pair_r']:.3f}   "
        f"BCubed P={s['b_p']:.3f} R={s['b_r']:.3f} F1={s['b_f1']:.3f}"
    )


def evaluate(name: str, records: list[dict], cfg: DedupConfig, diagnose: bool) -> dict:
    """Print and return both sides' scores on one set."""
    gold = {r["id"]: r["label"] for r in records}
    groups = {}
    for r in records:
        groups[r["label"]] = groups.get(r["label"], 0) + 1
    true_pairs = sum(n * (n - 1) // 2 for n in groups.values())
    ours, clusterer = newsmon(records, cfg)
    base = plain_datasketch(records, cfg)
    mine, theirs = scores(ours, gold), scores(base, gold)
    print(f"{name}: {len(records)} records, {true_pairs} copy pairs")
    print(line("newsmon", mine))
    print(line("plain datasketch", theirs))
    ratio = mine["pair_r"] / theirs["pair_r"] if theirs["pair_r"] else float("inf")
    print(f"  pair recall newsmon / datasketch: x{ratio:.2f}")
    if diagnose:
        explain_pairs(records, ours, clusterer)
    return {"newsmon": mine, "datasketch": theirs}


def explain_pairs(records: list[dict], predicted: dict[str, str], clusterer: Clusterer) -> None:
    """For each missed true pair and each wrong pair, the scores and the rule that decided; then
    the pairs of different groups that came closest to a link (the margin of the rules)."""
    closest = []
    for a, b in combinations(records, 2):
        same, joined = a["label"] == b["label"], predicted[a["id"]] == predicted[b["id"]]
        if not same and not joined:
            why = clusterer.index.explain(a["id"], b["id"])
            share = why.get("containment", why.get("containment_estimate", 0.0))
            closest.append((share / why.get("containment_needed", 0.65), a, b, why))
        if same == joined:
            continue
        why = clusterer.index.explain(a["id"], b["id"])
        verdict = "MISSED" if same else "WRONG "
        note = ""
        if same and why["linked"]:
            note = "  (verifies now: kept apart by arrival order or the merge rule)"
            if why["rule"].startswith("aligned"):
                note = "  (verifies now: an aligned link alone to a cluster of 2+ needs a second)"
        elif same and not why["candidate"]:
            note = "  (not an LSH candidate either)"
        print(f"    {verdict} {a['id']} {b['id']} {a['label']:<8} {explain_line(why)}{note}")
    closest.sort(key=lambda item: -item[0])
    for _, a, b, why in closest[:5]:
        print(
            f"    CLOSEST APART {a['id']} {b['id']} {a['label']}/{b['label']}: {explain_line(why)}"
        )


def explain_line(why: dict) -> str:
    """One human line of ``NearDupIndex.explain``'s scores (three decimals: a score just under
    its threshold does not read as it)."""
    parts = [
        f"jaccard {why.get('jaccard', 0):.3f}/{why.get('jaccard_needed', 0):.2f}"
        f" (raw {why.get('jaccard_raw', 0):.3f})"
    ]
    if "containment" in why:
        parts.append(f"containment {why['containment']:.3f}/{why['containment_needed']:.2f}")
    elif "containment_estimate" in why:
        parts.append(f"containment estimate {why['containment_estimate']:.3f}")
    parts.append(f"lead {why['lead']:.3f}")
    if "aligned" in why:
        parts.append(
            f"aligned {why['aligned']:.3f}/{why['aligned_needed']:.2f} of "
            f"{why['aligned_sentences']} sentences, shared text {why['shared_text']:.3f}"
            + ("" if why["figures_agree"] else ", figures differ")
        )
    parts.append("candidate" if why["candidate"] else "not a candidate")
    return f"{'linked' if why['linked'] else 'apart'} by {why['rule']}: " + ", ".join(parts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--real",
        type=Path,
        action="append",
        help="a real set (JSON lines with copy_group); repeatable",
    )
    parser.add_argument("--stories", type=int, default=400, help="generated set size (0: none)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--containment", type=float, help="excerpt threshold (default: tuned)")
    parser.add_argument(
        "--diagnose", action="store_true", help="explain every missed and every wrong pair"
    )
    parser.add_argument(
        "--align",
        action="store_true",
        help="with sentence alignment (DedupConfig(align=True), dedup/align.py)",
    )
    args = parser.parse_args()
    cfg = DedupConfig(
        align=args.align, **({} if args.containment is None else {"containment": args.containment})
    )
    paths = args.real or [p for p in (DEV, TUNE, TUNE2, CHECK, CHECK2) if p.exists()]
    results = {}
    for path in paths:
        if not path.exists():
            print(f"error: {path}: no such file", file=sys.stderr)
            return 2
        role = (
            "tuning"
            if path.resolve() in (DEV.resolve(), TUNE.resolve(), TUNE2.resolve())
            else ("checking" if path.resolve() in (CHECK.resolve(), CHECK2.resolve()) else "real")
        )
        results[str(path)] = evaluate(f"{path} ({role})", load_real(path), cfg, args.diagnose)
    if args.stories:
        records = generate(args.stories, args.seed)
        results["generated"] = evaluate(
            f"generated set ({args.stories} stories, seed {args.seed})", records, cfg, False
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
