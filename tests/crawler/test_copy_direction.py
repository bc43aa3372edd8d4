"""Copy direction by publication time: an origin crawled after its copies copies nothing, and the
archive, the Redis messages, ``newsmon cluster`` and the v2 -> v3 migration agree."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from crawler.items import Article, ArticleItem
from crawler.store.archive import _MIGRATIONS, Archive
from crawler.store.clustering import assign_cluster
from crawler.store.outbox import CLUSTERS, RESULTS
from dedup import Clusterer, DedupConfig, MemoryStore, signature
from tests.newsmon_cli import run_main, run_newsmon

CFG = DedupConfig()
# An invented story in eight paragraphs; the copies below reuse it with a new first line or a cut.
STORY = "\n\n".join(
    f"Paragraph {n}: the Karasu district council voted to rebuild bridge number {n * 3} over the "
    f"irrigation canal before the spring floods, at a cost of {n * 41} thousand som, after "
    f"engineers found cracks in {n + 2} of its supports."
    for n in range(1, 9)
)
LEAD = "KARASU, Nov 9 - Local officials confirmed the plan on Monday.\n\n"
EXCERPT = "\n\n".join(STORY.split("\n\n")[:5])


def _article(
    article_id: str,
    outlet: str,
    published: str | None,
    text: str,
    *,
    fetched: str = "2026-11-09T12:00:00+00:00",
    source: str | None = None,
) -> Article:
    url = f"https://{outlet}.example/news/{article_id}/"
    return Article(
        id=article_id,
        url=url,
        canonical_url=url,
        outlet=outlet,
        title=f"Bridge story {article_id}",
        text=text,
        fetched=fetched,
        published=published,
        source=source,
    )


def _crawl(archive: Archive, articles: list[Article], *, outbox: bool = True) -> None:
    """Cluster and store ``articles`` in this (crawl) order, as the crawl and ingest do."""
    clusterer = Clusterer(CFG, MemoryStore())
    for article in articles:
        item = ArticleItem(
            article=article, html=b"", signature=signature(article.text, CFG).to_bytes()
        )
        assign_cluster(clusterer, item)
        archive.store_article(
            item.article, signature=item.signature, aliases=item.aliases, outbox=outbox
        )


def _report(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    status, out, err = run_main(["report", *args], capsys)
    assert (status, err) == (0, "")
    return out


def _stored(archive: Archive) -> dict[str, Article]:
    return {a.id: a for a in archive.articles()}


def test_an_origin_crawled_after_its_copies_copies_nothing_and_they_copy_it(db_path: Path) -> None:
    copy = _article("copy", "osh24", "2026-11-09T09:00:00+00:00", LEAD + STORY)
    excerpt = _article("excerpt", "courier", "2026-11-09T10:00:00+00:00", EXCERPT)
    origin = _article("origin", "wire", "2026-11-09T06:00:00+00:00", STORY)
    with Archive(db_path) as archive:
        _crawl(archive, [copy, excerpt, origin])
        stored = _stored(archive)
    assert {a.cluster for a in stored.values()} == {"copy"}  # the id it started with: a name
    assert (stored["origin"].copy_of, stored["origin"].similarity) == (None, None)
    assert stored["copy"].copy_of == "origin" and stored["copy"].similarity > 0.8
    assert stored["excerpt"].copy_of == "origin" and stored["excerpt"].similarity > 0.9


def test_a_member_copies_the_closest_earlier_member_not_the_first_crawled(db_path: Path) -> None:
    # the excerpt is cut from the copy with its new lead: it is closer to the copy than to the
    # origin, and both came earlier than it in publication time
    cut = "\n\n".join((LEAD + STORY).split("\n\n")[:6])
    articles = [
        _article("cut", "courier", "2026-11-09T10:00:00+00:00", cut),
        _article("origin", "wire", "2026-11-09T06:00:00+00:00", STORY),
        _article("copy", "osh24", "2026-11-09T09:00:00+00:00", LEAD + STORY),
    ]
    with Archive(db_path) as archive:
        _crawl(archive, articles)
        stored = _stored(archive)
    assert [stored[i].copy_of for i in ("origin", "copy", "cut")] == [None, "origin", "copy"]


def test_relinking_queues_new_revisions_and_one_updated_event_with_idempotent_ids(
    db_path: Path,
) -> None:
    copy = _article("copy", "osh24", "2026-11-09T09:00:00+00:00", LEAD + STORY)
    origin = _article("origin", "wire", "2026-11-09T06:00:00+00:00", STORY)
    with Archive(db_path) as archive:
        _crawl(archive, [copy, origin])
        messages = [(m.stream, m.fields) for m in archive.outbox_batch(100)]
        # storing the same records again changes nothing, so queues nothing
        for article in archive.articles():
            archive.store_article(
                article, signature=signature(article.text, CFG).to_bytes(), outbox=True
            )
        assert len(archive.outbox_batch(100)) == len(messages)
    results = [f["id"] for s, f in messages if s == RESULTS]
    assert results == ["copy:1", "origin:1", "copy:2"]
    copy_v2 = json.loads(messages[[f["id"] for _, f in messages].index("copy:2")][1]["record"])
    assert (copy_v2["copy_of"], copy_v2["cluster"]) == ("origin", "copy")
    events = [f for s, f in messages if s == CLUSTERS]
    assert [e["type"] for e in events] == ["created", "grew", "updated"]
    updated = events[-1]
    assert updated["id"] == "copy:origin:1:copy_of"
    assert json.loads(updated["copy_of"]) == {"copy": "origin"}


def test_members_crediting_the_same_source_are_both_from_it_not_copies(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    articles = [
        _article("b", "osh24", "2026-11-09T09:00:00+00:00", LEAD + STORY, source="AFP"),
        _article("a", "wire", "2026-11-09T06:00:00+00:00", STORY, source="AFP"),
        _article("c", "courier", "2026-11-09T10:00:00+00:00", EXCERPT),
    ]
    with Archive(db_path) as archive:
        _crawl(archive, articles)
        stored = _stored(archive)
    assert (stored["a"].copy_of, stored["b"].copy_of, stored["c"].copy_of) == (None, None, "a")
    (record,) = json.loads(_report(capsys, "clusters", "--db", str(db_path), "--format", "json"))[
        "clusters"
    ]
    labels = {m["id"]: (m["source"], m["copy_of"], m["from_source"]) for m in record["members"]}
    assert labels == {"a": ("AFP", None, None), "b": ("AFP", None, "AFP"), "c": (None, "a", None)}
    table = _report(capsys, "clusters", "--db", str(db_path))
    rows = {line.split()[2]: line for line in table.splitlines() if line.startswith("  2026")}
    assert "both from AFP" in rows["osh24"] and "copies wire" in rows["courier"]
    assert "from AFP" in rows["wire"] and "copies" not in rows["osh24"]
    out = _report(
        capsys, "outlets", "--db", str(db_path), "--since", "2026-11-01", "--format", "json"
    )
    assert json.loads(out)["copy_matrix"] == {"wire": {"courier": 1}}


def test_newsmon_cluster_gives_the_same_direction_whatever_the_input_order(tmp_path: Path) -> None:
    records = [
        {"id": "copy", "text": LEAD + STORY, "published": "2026-11-09T09:00:00Z"},
        {"id": "excerpt", "text": EXCERPT, "published": "2026-11-09T10:00:00Z"},
        {"id": "origin", "text": STORY, "published": "2026-11-09T06:00:00Z"},
    ]
    outputs = []
    for order in (records, records[::-1]):
        path = tmp_path / "in.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in order), encoding="utf-8")
        done = run_newsmon("cluster", str(path))
        rows = [json.loads(line) for line in done.stdout.splitlines()]
        assert [r["id"] for r in rows] == [r["id"] for r in order]  # input order kept
        assert all(set(r) == {"id", "cluster", "copy_of", "similarity"} for r in rows)
        outputs.append({r["id"]: r["copy_of"] for r in rows})
    assert outputs[0] == outputs[1] == {"origin": None, "copy": "origin", "excerpt": "origin"}


def test_a_v2_archive_is_migrated_to_copy_of_by_publication_time(db_path: Path) -> None:
    db = sqlite3.connect(db_path)
    for script in _MIGRATIONS[:2]:
        db.executescript(script)
    db.execute("PRAGMA user_version = 2")
    rows = [
        ("copy", "osh24", "2026-11-09T09:00:00+00:00", LEAD + STORY, None),
        ("origin", "wire", "2026-11-09T06:00:00+00:00", STORY, "copy"),
    ]  # the old direction
    for article_id, outlet, published, text, duplicate_of in rows:
        db.execute(
            "INSERT INTO articles (id, outlet, url, canonical_url, text, published, "
            "fetched, sort_time, cluster, duplicate_of, similarity, signature) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                article_id,
                outlet,
                f"u/{article_id}",
                f"u/{article_id}",
                text,
                published,
                "2026-11-09T12:00:00+00:00",
                published,
                "copy",
                duplicate_of,
                0.9,
                signature(text, CFG).to_bytes(),
            ),
        )
    db.execute(
        "INSERT INTO clusters VALUES ('copy', 2, '2026-11-09T06:00:00+00:00', "
        "'2026-11-09T09:00:00+00:00')"
    )
    db.commit()
    db.close()
    with Archive(db_path) as archive:
        stored = _stored(archive)
    assert (stored["origin"].copy_of, stored["copy"].copy_of) == (None, "origin")
    assert stored["copy"].similarity > 0.8 and stored["origin"].source is None


def test_an_article_stored_again_with_a_later_date_relinks_its_cluster(db_path: Path) -> None:
    # re-extraction found the origin's real published time, after its copy's: the copy that
    # named it as its source is now the origin
    first = _article("first", "wire", "2026-11-09T06:00:00+00:00", STORY)
    second = _article("second", "osh24", "2026-11-09T09:00:00+00:00", LEAD + STORY)
    with Archive(db_path) as archive:
        _crawl(archive, [first, second])
        assert _stored(archive)["second"].copy_of == "first"
        first.published = "2026-11-09T11:00:00+00:00"
        archive.store_article(first, signature=signature(first.text, CFG).to_bytes(), outbox=True)
        stored = _stored(archive)
    assert (stored["second"].copy_of, stored["first"].copy_of) == (None, "second")


def test_a_member_stored_again_with_another_text_is_compared_by_its_new_signature(
    db_path: Path,
) -> None:
    cut = "\n\n".join((LEAD + STORY).split("\n\n")[:6])
    origin = _article("origin", "wire", "2026-11-09T06:00:00+00:00", STORY)
    copy = _article("copy", "osh24", "2026-11-09T09:00:00+00:00", LEAD + STORY)
    articles = [origin, copy, _article("cut", "courier", "2026-11-09T10:00:00+00:00", cut)]
    with Archive(db_path) as archive:
        _crawl(archive, articles)
        assert _stored(archive)["cut"].copy_of == "copy"
        # re-extracted, the copy turns out to hold another story (its cluster stays as stored)
        copy.text = "\n\n".join(
            f"Line {n}: the Naryn valley beekeepers sold {n * 7} jars of mountain honey at the "
            f"autumn fair, {n + 4} more than a year ago."
            for n in range(1, 9)
        )
        archive.store_article(copy, signature=signature(copy.text, CFG).to_bytes())
        stored = _stored(archive)
    assert stored["cut"].copy_of == "origin"
