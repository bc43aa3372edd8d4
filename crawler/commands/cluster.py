"""``newsmon cluster``: cluster Article JSON lines offline with the dedup core."""

from __future__ import annotations

import gc
import json
import math
import os
import stat
import sys
from typing import IO, Any

import click

from crawler import escape
from crawler.commands.console import is_quiet
from crawler.progress import ProgressLine, bar, format_duration, progress_mode

# On a terminal, the progress line is updated every this many records.
_PROGRESS_EVERY = 100  # records between looks at the clock


def _input_size(handle: IO[bytes]) -> int:
    """The input's size in bytes when it is a regular file (0: unknown, e.g. a pipe)."""
    try:
        info = os.fstat(handle.fileno())
    except (OSError, ValueError, AttributeError):
        return 0
    return info.st_size if stat.S_ISREG(info.st_mode) else 0


def _position(handle: IO[bytes]) -> int:
    try:
        return handle.tell()
    except (OSError, ValueError):
        return 0


def _progress_text(count: int, position: int, total: int, elapsed: float) -> str:
    """``[#####.....]  41% · 12000 records clustered · 1m 05s · 180 records/s``."""
    shown = f"{bar(position, total)} · " if total else ""
    return (
        f"{shown}{count} records clustered · {format_duration(elapsed)} · "
        f"{count / elapsed if elapsed > 0 else 0:.0f} records/s"
    )


# One encoder for every output line (json.dumps with an option makes one per call).
_ENCODE = json.JSONEncoder(ensure_ascii=False).encode
_BOM = b"\xef\xbb\xbf"


@click.command("cluster")
# Read as bytes and decoded line by line: one line of invalid UTF-8 is reported and skipped
# (a text-mode reader would fail on its whole buffer, valid lines before it included).
@click.argument("input_file", metavar="INPUT.jsonl", type=click.File("rb"))
@click.option(
    "--output",
    "-o",
    type=click.File("w", encoding="utf-8"),
    default="-",
    show_default=True,
    help="Where the results go (JSON lines).",
)
@click.option(
    "--threshold",
    type=float,
    default=None,
    help="Jaccard similarity that links two articles (default: the tuned 0.5).",
)
@click.option(
    "--explain",
    nargs=2,
    metavar="A B",
    default=None,
    help="Cluster the input, then say why articles A and B (ids in it) were or were "
    "not linked: the scores and the rule that decided.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="With --explain: a human line or one JSON object.",
)
@click.option(
    "--align",
    is_flag=True,
    default=False,
    help="Also link copies whose sentences align (machine-spun copies, paraphrases, "
    "versions of one story); it runs at a third to half of the default's speed.",
)
def command(
    input_file: IO[bytes],
    output: IO[str],
    threshold: float | None,
    explain: tuple[str, str] | None,
    fmt: str,
    align: bool,
) -> int:
    """Cluster near-duplicate articles of a JSON-lines file (`-` for stdin).

    Each input line is an Article-like object with at least "id" and "text" ("outlet", "title",
    "published", "fetched" and "source" are used when present). Each output line is
    {"id", "cluster", "copy_of", "similarity"}, one per input, in the same order: copy_of is the
    earlier-published member it most likely copies (null for an origin and an article alone).
    A line that is not a usable record is reported on stderr and skipped (exit status 1). A
    "published" time after the record's "fetched" time (or, without one, in the future) is not
    used: "fetched" stands in for it. A record without a usable time takes the previous
    record's (the first ones, that of the first record with one); a time given but not used
    (not ISO 8601 nor epoch seconds, or one of those above) is named in a warning line.

    \b
    With --explain A B the clusters are not printed: the input is clustered as usual, then the
    two articles are compared in the final window (boilerplate as learnt from the whole input)
    and the scores, the thresholds and the deciding rule are printed.

    \b
    Example:
      newsmon export --db news.db | newsmon cluster - --output clusters.jsonl
      newsmon cluster articles.jsonl --threshold 0.6
      newsmon cluster articles.jsonl --align
      newsmon cluster articles.jsonl --explain a17 a42 --format json
    """
    from crawler.errors import ConfigError
    from dedup import Clusterer, DedupConfig, DedupError, cluster_records

    if explain is not None and explain[0] == explain[1]:
        raise ConfigError(f"--explain needs two different ids, not {explain[0]!r} twice")

    # The objects made so far (modules, functions) live until the end: keep the collector off
    # them, and let it run less often on the few objects each record leaves (none are cyclic).
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)

    try:
        cfg = DedupConfig(align=align, **({} if threshold is None else {"threshold": threshold}))
    except DedupError as exc:
        raise click.BadParameter(str(exc), param_hint="--threshold") from None
    name = "<stdin>" if input_file.name in ("<stdin>", "-") else input_file.name
    line_numbers: list[int] = []
    skipped = 0
    status = ProgressLine(sys.stderr, progress_mode(sys.stderr))
    total = _input_size(input_file)

    def records() -> Any:
        nonlocal skipped
        for number, raw in enumerate(input_file, 1):
            if number == 1 and raw.startswith(_BOM):  # a UTF-8 file as Windows tools save it
                raw = raw[len(_BOM) :]
            if raw.isspace() or not raw:  # (strip() would copy the whole line)
                continue
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                click.echo(
                    f"error: {name}:{number}: not UTF-8 (byte 0x{raw[exc.start]:02x} at "
                    f"column {exc.start + 1}); skipped",
                    err=True,
                )
                skipped += 1
                continue
            try:
                record = json.loads(line)
            except ValueError as exc:
                click.echo(f"error: {name}:{number}: not JSON ({exc}); skipped", err=True)
                skipped += 1
                continue
            line_numbers.append(number)
            if len(line_numbers) % _PROGRESS_EVERY == 0 and status.due():
                # read and clustered go together; output lines wait for their copy direction
                status.show(
                    _progress_text(len(line_numbers), _position(input_file), total, status.elapsed),
                    force=True,
                )
            yield record

    def on_error(position: int, record: Any, exc: DedupError) -> None:
        nonlocal skipped
        click.echo(f"error: {name}:{line_numbers[position]}: {exc}; skipped", err=True)
        skipped += 1

    def on_warning(position: int, record: Any, message: str) -> None:
        message = escape.terminal(message, keep_newlines=False)
        click.echo(f"warning: {name}:{line_numbers[position]}: {message}", err=True)

    handlers = {"on_error": on_error, "on_warning": on_warning}
    if explain is not None:
        clusterer = Clusterer(cfg)
        rows = list(cluster_records(records(), cfg, clusterer=clusterer, **handlers))
        return _explain(clusterer, rows, *explain, fmt=fmt, output=output)
    clusters: set[str] = set()
    count = 0
    for result in cluster_records(records(), cfg, **handlers):
        count += 1
        output.write(escape.json_text(_ENCODE(result)) + "\n")
        clusters.add(result["cluster"])
    output.flush()
    final = f"{count} records in {len(clusters)} clusters" + (
        f"; {skipped} lines skipped" if skipped else ""
    )
    if status.mode == "terminal" and not is_quiet():
        status.say(final)
    elif skipped and not is_quiet():  # -q: only the errors above
        click.echo(final, err=True)
    return 1 if skipped else 0


def _cut(score: float) -> str:
    """A score cut (not rounded) to two decimals: a score under its threshold never reads as it
    (0.5969 against 0.60 reads 0.59), and one at or over it still does (the thresholds have two)."""
    return f"{math.floor(round(score * 100, 6)) / 100:.2f}"


def _explain(clusterer: Any, rows: list[dict], a: str, b: str, fmt: str, output: IO[str]) -> int:
    """Print why ``a`` and ``b`` were or were not linked; exit status 1 if one is unknown."""
    known = {row["id"]: row for row in rows}
    for key in (a, b):
        if key not in known:
            click.echo(f"error: --explain: no record with id {key!r} in the input", err=True)
            return 1
    why = clusterer.index.explain(a, b)
    same = clusterer.resolve(known[a]["cluster"]) == clusterer.resolve(known[b]["cluster"])
    why["same_cluster"] = same
    if fmt == "json":
        output.write(escape.json_text(_ENCODE(why)) + "\n")
        output.flush()
        return 0
    verdict = "linked" if why["linked"] else "not linked"
    short = "; short text" if why.get("short") else ""
    scores = [
        f"Jaccard {_cut(why.get('jaccard', 0))} (needs {why.get('jaccard_needed', 0):.2f}"
        f"{short}; raw MinHash estimate {_cut(why.get('jaccard_raw', 0))})"
    ]
    if "containment" in why:
        scores.append(
            f"containment {_cut(why['containment'])} of {why['content_shingles']} "
            f"content shingles (needs {why['containment_needed']:.2f})"
        )
    elif "containment_estimate" in why:
        scores.append(
            f"containment estimate {_cut(why['containment_estimate'])} (under the "
            f"prefilter: not counted)"
        )
    scores.append(f"lead agreement {_cut(why['lead'])}")
    if "aligned" in why:
        figures = (
            ""
            if why["figures_agree"]
            else f"; figures differ: {why['figures_shared']} of {why['figures']} shared"
        )
        scores.append(
            f"aligned sentences {_cut(why['aligned'])} of the shorter text's content "
            f"words in {why['aligned_sentences']} sentences (needs "
            f"{why['aligned_needed']:.2f}, or {why['aligned_with_text_needed']:.2f} together with "
            f"the shared text {_cut(why['shared_text'])}{figures})"
        )
    scores.append("LSH candidates" if why["candidate"] else "not LSH candidates")
    cluster = "same cluster" if same else "different clusters"
    if not same and why["linked"] and why["rule"].startswith("aligned"):
        # dedup.clusters: such a link alone joins or merges a cluster of two or more members
        # only when it holds against two of them
        cluster += (
            ", a link by aligned sentences alone joins a cluster of two or more only with a "
            "second link"
        )
    pair = " and ".join(escape.terminal(key, keep_newlines=False) for key in (a, b))
    rule = f"{verdict} by rule '{why['rule']}' ({cluster})"
    output.write(f"{pair}: {rule}: " + "; ".join(scores) + "\n")
    output.flush()
    return 0
