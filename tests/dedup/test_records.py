from __future__ import annotations

import pytest

from dedup import DedupConfig, DedupError, cluster_records

TEXT = "The new bridge over the Chui river opened on Monday after two years of work, officials say."


def test_one_result_per_record_in_order():
    rows = [
        {"id": "a", "text": TEXT, "outlet": "kabar", "published": "2025-01-09T10:00:00Z"},
        {
            "id": "b",
            "text": "BISHKEK, Jan 9 (Kabar) - " + TEXT,
            "outlet": "akipress",
            "published": "2025-01-09T11:00:00+00:00",
        },
        {"id": "c", "title": "Snow closes the Bishkek-Osh road for the night"},
    ]
    out = list(cluster_records(rows, DedupConfig()))
    assert [r["id"] for r in out] == ["a", "b", "c"]
    assert out[0] == {"id": "a", "cluster": "a", "copy_of": None, "similarity": None}
    assert (out[1]["cluster"], out[1]["copy_of"]) == ("a", "a")
    assert out[2]["cluster"] == "c"


def test_times_drive_the_window():
    rows = [
        {"id": "a", "text": TEXT, "published": "2025-01-01T00:00:00"},
        {"id": "b", "text": "filler text for the window", "published": "2025-02-01T00:00:00"},
        {"id": "c", "text": TEXT, "fetched": 1738368000.0},
    ]  # after the window of "a"
    assert [r["cluster"] for r in cluster_records(rows)] == ["a", "b", "c"]


def test_bad_records_are_reported_and_skipped():
    rows = [
        {"id": "a", "text": TEXT},
        {"text": "no id"},
        {"id": "b", "text": 5},
        ["not", "a", "dict"],
        {"id": "a", "text": TEXT},
        {"id": 7, "text": TEXT},
    ]
    errors = []
    out = list(cluster_records(rows, on_error=lambda i, r, e: errors.append((i, str(e)))))
    assert [r["id"] for r in out] == ["a", "7"]
    assert errors == [
        (1, "record has no 'id' (a non-empty string)"),
        (2, "record 'b': 'text' must be a string, not int"),
        (3, "a record must be a JSON object, not list"),
        (4, "record 'a': this id came before"),
    ]


def test_without_a_handler_the_error_is_raised():
    with pytest.raises(DedupError, match="no 'id'"):
        list(cluster_records([{"text": TEXT}]))


def test_batches_keep_order_errors_and_times_across_their_edges():
    """Records are signed ``BATCH`` at a time; results, errors and the carried-over time come
    in input order as if one by one."""
    from dedup.records import BATCH

    rows = []
    for n in range(2 * BATCH + 5):
        if n % 7 == 3:
            rows.append({"text": "no id"})
        elif n == BATCH:  # a copy of the first, at the start of the second batch, without a time
            rows.append({"id": f"r{n}", "text": "Kabar: " + rows[0]["text"]})
        else:
            rows.append(
                {
                    "id": f"r{n}",
                    "text": " ".join(f"w{n}x{k}" for k in range(20 + n)),
                    "published": 1736400000 + 60 * n,
                }
            )
    seen = []
    out = cluster_records(rows, on_error=lambda i, r, e: seen.append(("error", i)))
    for r in out:
        seen.append(("result", int(r["id"][1:])))
        if r["id"] == f"r{BATCH}":
            assert r["copy_of"] == "r0"
    expected = [("error", n) if n % 7 == 3 else ("result", n) for n in range(len(rows))]
    assert seen == expected


def test_a_result_waits_until_its_record_has_left_the_window_and_no_longer():
    day = 86400.0
    consumed = []

    def rows():
        for n in range(200):
            consumed.append(n)
            # r1 is r0's copy published earlier; the others are far apart, a day each
            text = TEXT if n < 2 else " ".join(f"w{n}x{k}" for k in range(30))
            yield {"id": f"r{n}", "text": text, "published": (5 - 4 * (n == 1) + n) * day}

    out = cluster_records(rows(), DedupConfig())
    first, second = next(out), next(out)
    assert (first["id"], first["copy_of"]) == ("r0", "r1")  # final: r1 came later
    assert (second["id"], second["copy_of"]) == ("r1", None)
    assert len(consumed) < 100  # lazily: once the window (14 days) moved past r0


def test_a_publication_time_after_the_fetch_is_not_used():
    # a typo's year (2062) moved the window past every other record: c missed its copy a
    fetched = "2026-11-03T00:00:00Z"
    rows = [
        {"id": "a", "text": TEXT, "published": "2026-11-01T08:00:00Z", "fetched": fetched},
        {"id": "b", "text": "A different story about grain prices.", "published": "2062-11-01"},
        {"id": "c", "text": TEXT, "published": "2026-11-02T08:00:00Z", "fetched": fetched},
    ]
    rows[1]["fetched"] = fetched
    out = {r["id"]: r for r in cluster_records(rows)}
    assert (out["c"]["cluster"], out["c"]["copy_of"]) == ("a", "a")


def test_a_publication_time_in_the_future_is_not_used_without_a_fetch_time():
    now = 1_800_000_000.0  # 2027-01-15: the clock the records are read by
    rows = [
        {"id": "a", "text": TEXT, "published": "2026-11-01T08:00:00Z"},
        {"id": "b", "text": "A different story about grain prices.", "published": "2062-11-01"},
        {"id": "c", "text": TEXT, "published": "2026-11-02T08:00:00Z"},
    ]
    out = {r["id"]: r for r in cluster_records(rows, now=now)}
    assert (out["c"]["cluster"], out["c"]["copy_of"]) == ("a", "a")


def test_a_record_without_text_or_title_is_reported_and_skipped():
    errors = []
    rows = [{"id": "a", "text": TEXT}, {"id": "b", "outlet": "kabar"}, {"id": "c", "text": ""}]
    out = list(cluster_records(rows, on_error=lambda i, r, e: errors.append((i, str(e)))))
    assert [r["id"] for r in out] == ["a"]
    assert errors == [
        (1, "record 'b' has no 'text' (nor 'title')"),
        (2, "record 'c' has no 'text' (nor 'title')"),
    ]


def test_a_time_that_is_no_time_is_not_used():
    # NaN (pandas' missing date; json reads it) never expired: every later record stayed in
    # the window, so texts 100 days apart joined; 0 is the epoch, a time like any other
    day, base = 86400.0, 1.7e9
    rows = [
        {"id": "a", "text": TEXT, "published": base},
        {"id": "n", "text": "An unrelated football report from Osh.", "published": float("nan")},
        {"id": "b", "text": TEXT, "published": base + 100 * day},
        {"id": "c", "text": TEXT, "published": base + 200 * day},
        {"id": "z", "text": "Another unrelated note.", "published": 10**400},
    ]
    assert [r["cluster"] for r in cluster_records(rows)] == ["a", "n", "b", "c", "z"]
    epoch = [
        {"id": "p0", "text": TEXT, "published": 3600.0},
        {"id": "p1", "text": TEXT, "published": 0},
    ]
    out = {r["id"]: r for r in cluster_records(epoch)}
    assert (out["p0"]["copy_of"], out["p1"]["copy_of"]) == ("p1", None)  # p1 came first


def test_ids_and_texts_that_cannot_be_stored_are_reported_and_skipped():
    errors = []
    rows = [
        {"id": "s", "text": "abc \ud800 def ghi"},  # a lone surrogate: json.loads makes one
        {"id": "\udc80", "text": TEXT},
        {"id": "i" * 70_000, "text": TEXT},
        {"id": "o", "text": TEXT, "outlet": "x" * 70_000},
        {"id": "ok", "text": TEXT},
    ]
    out = list(cluster_records(rows, on_error=lambda i, r, e: errors.append((i, str(e)))))
    assert [r["id"] for r in out] == ["ok"]
    assert [i for i, _ in errors] == [0, 1, 2, 3]
    assert "not valid Unicode" in errors[0][1] and "not valid Unicode" in errors[1][1]
    assert "70000 bytes long; at most 65535" in errors[2][1]
    assert "outlet is 70000 bytes long" in errors[3][1]


@pytest.mark.parametrize("published", [None, "5 December 2026, 14:30", "05.12.2026 14:30"])
def test_a_first_record_without_a_usable_time_takes_the_first_time_that_follows(published):
    # it took the epoch: the next record's time moved the window past it, so its copy was missed
    first = {"id": "a", "text": TEXT, "outlet": "kabar"}
    if published is not None:
        first["published"] = published
    rows = [first, {"id": "b", "text": "BISHKEK. " + TEXT, "published": "2026-12-05T10:00:00Z"}]
    warnings = []
    out = {
        r["id"]: r
        for r in cluster_records(rows, on_warning=lambda i, r, w: warnings.append((i, w)))
    }
    assert out["b"]["cluster"] == out["a"]["cluster"]
    if published is None:
        assert warnings == []  # no time given: nothing to warn of
    else:
        assert warnings == [
            (0, f"record 'a': 'published' {published!r} is no ISO 8601 time nor epoch seconds")
        ]


def test_a_publication_time_that_is_not_used_is_warned_of():
    fetched = "2026-11-03T00:00:00Z"
    rows = [{"id": "a", "text": TEXT, "published": "2062-11-01", "fetched": fetched}]
    warnings = []
    list(cluster_records(rows, on_warning=lambda i, r, w: warnings.append(w)))
    assert warnings == [
        "record 'a': 'published' '2062-11-01' is after its fetch time; the fetch time is used"
    ]


def test_records_without_any_time_cluster_together():
    rows = [{"id": "a", "text": TEXT}, {"id": "b", "text": "BISHKEK. " + TEXT}]
    assert [r["cluster"] for r in cluster_records(rows)] == ["a", "a"]
