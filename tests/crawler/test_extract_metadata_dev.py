"""Floors on the extractor's metadata (authors, title, published day) on the metadata dev set.

The dev set (bench/data/metadata-dev) was labelled by reading each page; its AEB pages are read from
../shared at run time. The floors sit a little under what bench/extract_metadata.py measured; raise
them when the scores go up (the issue's targets: authors F1 0.90, title 0.95, date 0.98).
"""

from __future__ import annotations

from tests.shared import load_bench, shared_path

# bench/extract_metadata.py on the 193 labelled pages measures authors F1 0.946, title 0.990,
# date 0.982 (bench/RESULTS.md, 2026-12-06); the floors sit 0.02 under.
AUTHORS_FLOOR = 0.93
TITLE_FLOOR = 0.97
DATE_FLOOR = 0.962


def test_metadata_scores_stay_above_the_floors() -> None:
    bench = load_bench("extract_metadata")
    labels = bench.load_labels()
    scores = bench.run(labels, shared_path("bench", "aeb"), extractors=("newsmon",))
    ours = scores["newsmon"]
    assert ours.pages == len(labels)
    assert ours.authors >= AUTHORS_FLOOR, ours.misses["authors"]
    assert ours.title >= TITLE_FLOOR, ours.misses["title"]
    assert ours.date >= DATE_FLOOR, ours.misses["date"]


def test_scoring_rules() -> None:
    bench = load_bench("extract_metadata")
    assert bench.authors_f1((), ()) == 1.0
    assert bench.authors_f1(("Kabar",), ()) == 0.0
    assert bench.authors_f1((" ANNA  Lee",), ("Anna Lee",)) == 1.0
    assert bench.authors_f1(("Anna Lee", "Staff Writer"), ("Anna Lee",)) == 2 / 3
    label = bench.Label("p", "https://x.invalid/", "A Headline", ("Anna Lee",), None)
    score = bench.Score()
    score.add(label, bench.Meta("a  headline", ("anna lee",), "2020-01-02"))
    assert (score.title, score.authors, score.dated, score.undated_given) == (1.0, 1.0, 0, 1)
    dated = bench.Label("q", "https://x.invalid/", "T", (), "2020-01-02")
    score.add(dated, bench.Meta("T - Site", (), "2020-01-03"))
    assert (score.title, score.date) == (0.5, 0.0)
    assert score.misses["date"] and score.misses["title"]
    assert score.date_near == 1.0  # the next day counts as near: a time-zone shift
    score.add(dated, bench.Meta("T", (), None))
    assert (score.date, score.date_near) == (0.0, 0.5)


def test_labels_are_well_formed() -> None:
    bench = load_bench("extract_metadata")
    labels = bench.load_labels()
    assert len({label.page for label in labels}) == len(labels)
    for label in labels:
        assert label.title and label.title == " ".join(label.title.split()), label.page
        assert all(name and not name.lower().startswith("by ") for name in label.authors)
        if label.published is not None:
            assert len(label.published) == 10 and label.published[4] == "-", label.page


def test_bench_refuses_a_missing_labels_file(tmp_path, capsys) -> None:
    bench = load_bench("extract_metadata")
    assert bench.main(["--labels", str(tmp_path / "none.jsonl")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: no labels at") and err.count("\n") == 1
