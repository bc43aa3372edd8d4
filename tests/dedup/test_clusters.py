from __future__ import annotations

import pytest

from dedup import (
    ClusterDecision,
    Clusterer,
    DedupConfig,
    DedupError,
    Doc,
    DuplicateKey,
    MemoryStore,
    RedisStore,
    signature,
)

DAY = 86400.0


@pytest.fixture
def texts(evalset):
    writer = evalset.Writer(11)
    return [evalset._text(writer.story(evalset.EN, sentences=(10, 12))) for _ in range(30)]


def add(clusterer, doc_id, text, outlet="", time=0.0):
    return clusterer.add(Doc(doc_id, outlet, time), signature(text, clusterer.config))


def test_first_member_names_the_cluster_and_copies_join_it(store, texts):
    clusterer = Clusterer(DedupConfig(), store)
    assert add(clusterer, "a", texts[0]) == ClusterDecision("new", "a")
    joined = add(clusterer, "b", "BISHKEK (Kabar) - " + texts[0], time=60)
    assert (joined.kind, joined.cluster, joined.linked_to) == ("joined", "a", "a")
    assert 0.8 < joined.similarity <= 1.0
    assert add(clusterer, "c", texts[1]).cluster == "c"
    assert clusterer.cluster_of("b") == "a"


def test_clusters_merge_on_a_direct_link_and_the_older_id_stays(store, texts):
    cfg = DedupConfig()
    clusterer = Clusterer(cfg, store)
    # two clusters of copies of one story, as an archive may hold them (restore does not decide)
    clusterer.restore(Doc("copy1", "", 0), signature(texts[5], cfg), cluster="copy1")
    clusterer.restore(
        Doc("copy2", "", 1), signature(texts[5] + "\n\nUpdated.", cfg), cluster="copy2"
    )
    merged = add(clusterer, "copy3", texts[5] + "\n\nAlso here.", time=2)
    assert (merged.kind, merged.cluster, merged.aliases) == ("merged", "copy1", ("copy2",))
    assert clusterer.cluster_of("copy2") == "copy1" and clusterer.resolve("copy2") == "copy1"
    assert add(clusterer, "copy4", texts[5], time=3).cluster == "copy1"


def test_a_digest_of_two_stories_does_not_chain_them(store, texts):
    clusterer = Clusterer(DedupConfig(), store)
    add(clusterer, "x", texts[0])
    add(clusterer, "y", texts[1])
    digest = "\n\n".join([texts[0], texts[1]])
    decision = add(clusterer, "digest", digest, time=10)
    assert decision.aliases == ()
    assert clusterer.cluster_of("x") == "x" and clusterer.cluster_of("y") == "y"


def test_window_expires_old_articles(store, texts):
    clusterer = Clusterer(DedupConfig(window_days=1), store)
    add(clusterer, "a", texts[0], time=0)
    add(clusterer, "b", texts[1], time=2 * DAY)  # moves the window past "a"
    assert clusterer.cluster_of("a") is None
    assert add(clusterer, "c", texts[0], time=2 * DAY).kind == "new"


def test_max_articles_evicts_the_oldest_inside_the_window(store, texts):
    clusterer = Clusterer(DedupConfig(max_articles=3), store)  # 14 days: all are inside
    for n, key in enumerate("abc"):
        add(clusterer, key, texts[n], time=10 * n)
    assert add(clusterer, "a2", texts[0], time=30).kind == "new"  # "a" made room for it
    assert clusterer.cluster_of("a") is None
    assert add(clusterer, "c2", texts[2], time=40).cluster == "c"  # "b" went, "c" stays
    assert [key for key in ("a", "b", "c", "a2", "c2") if key in clusterer.index] == [
        "c",
        "a2",
        "c2",
    ]


def test_restore_rebuilds_without_deciding(store, texts):
    cfg = DedupConfig()
    clusterer = Clusterer(cfg, store)
    with clusterer.bulk() as batch:
        batch.restore(Doc("a", "", 0), signature(texts[0], cfg), cluster="a")
        batch.restore(Doc("b", "", 1), signature(texts[1], cfg), cluster="a")  # as archived
        with pytest.raises(DedupError, match="add\\(\\) inside bulk\\(\\)"):
            add(clusterer, "x", texts[2])
    assert clusterer.cluster_of("b") == "a"
    decision = add(clusterer, "c", "AKIpress\n\n" + texts[1], time=2)
    assert (decision.cluster, decision.linked_to) == ("a", "b")


def test_adding_an_article_twice_is_refused(store, texts):
    clusterer = Clusterer(DedupConfig(), store)
    add(clusterer, "a", texts[0])
    with pytest.raises(DuplicateKey, match=r"clusterer\.cluster_of\('a'\) gives its cluster"):
        add(clusterer, "a", texts[0])


def test_empty_texts_start_their_own_clusters(store):
    clusterer = Clusterer(DedupConfig(), store)
    assert add(clusterer, "a", "").kind == "new"
    assert add(clusterer, "b", " — ").cluster == "b"


@pytest.mark.parametrize("copies", [4, 30])  # 30: clusters beyond MAX_PER_CLUSTER candidates
def test_same_stream_gives_same_clusters_in_memory_and_in_redis(
    redis_client, redis_prefix, evalset, copies
):
    cfg = DedupConfig(window_days=10)
    records = evalset.generate(20, seed=3, copies=copies)
    memory, redis_ = (
        Clusterer(cfg, MemoryStore()),
        Clusterer(cfg, RedisStore(redis_client, redis_prefix)),
    )
    for r in records:
        doc, sig = Doc(r["id"], r["outlet"], r["published"]), signature(r["text"], cfg)
        assert memory.add(doc, sig) == redis_.add(doc, sig), r["id"]


def test_a_redis_index_survives_a_restart(redis_client, redis_prefix, texts):
    cfg = DedupConfig()
    add(Clusterer(cfg, RedisStore(redis_client, redis_prefix)), "a", texts[0], time=5)
    again = Clusterer(cfg, RedisStore(redis_client, redis_prefix))
    assert add(again, "b", texts[0] + "\n\nSource: Kabar", time=6).cluster == "a"


def test_a_signature_of_another_config_changes_nothing(store, texts):
    from dedup import IncompatibleSignature

    clusterer = Clusterer(DedupConfig(window_days=1), store)
    add(clusterer, "a", texts[0], time=0)
    with pytest.raises(IncompatibleSignature):
        clusterer.add(Doc("b", "", 5 * DAY), signature(texts[1], DedupConfig(shingle_size=4)))
    assert clusterer.cluster_of("a") == "a"  # the window did not move


def test_dropping_hopeless_candidates_changes_no_decision(monkeypatch, store, evalset):
    """Candidates of the article's own outlet that cannot verify whatever their boilerplate are
    dropped before their lines are counted: the decisions are those of verifying them all."""
    from dedup import index as index_module

    cfg = DedupConfig()
    # one outlet for most: its template lines and copies become boilerplate of that outlet
    records = [
        {**r, "outlet": "kabar" if i % 4 else r["outlet"]}
        for i, r in enumerate(evalset.generate(40, seed=5))
    ]
    sigs = [signature(r["text"], cfg) for r in records]
    dropped: list[bool] = []
    hopeless = index_module.NearDupIndex._hopeless

    def spy(*args):
        found = hopeless(*args)
        dropped.extend(found)
        return found

    monkeypatch.setattr(index_module.NearDupIndex, "_hopeless", spy)

    def decisions(hopeless_min: int, clusterer: Clusterer) -> list[ClusterDecision]:
        monkeypatch.setattr(index_module, "HOPELESS_MIN", hopeless_min)
        return [
            clusterer.add(Doc(r["id"], r["outlet"], r["published"]), sig)
            for r, sig in zip(records, sigs, strict=True)
        ]

    expected = decisions(10**9, Clusterer(cfg))
    assert not dropped
    assert decisions(1, Clusterer(cfg, store)) == expected
    assert any(dropped) and not all(dropped)
    assert any(d.kind != "new" for d in expected)
