from __future__ import annotations

import numpy as np
import pytest
import redis

from dedup import DedupError, MemoryStore, RedisStore, open_store


def test_tables_put_get_and_delete(store):
    store.put("t", {"a": b"1", "b": b"2"})
    assert store.get("t", ["a", "b", "c"]) == [b"1", b"2", None]
    store.put("t", {"a": None})
    assert store.get("t", ["a"]) == [None]
    assert store.get("t", []) == []


def test_counters_go_away_at_zero(store):
    assert store.incr("n", {"x": 2, "y": 1}) == [2, 1]
    assert store.incr("n", {"x": -1, "y": -1}) == [1, 0]
    assert store.get("n", ["x", "y"]) == [b"1", None]


def test_queue_gives_due_members_oldest_first_once(store):
    store.schedule("q", {"late": 30.0, "early": 10.0, "mid": 20.0})
    store.schedule("q", {"mid": 40.0})  # moved
    assert store.due("q", 25.0) == ["early"]
    assert store.due("q", 25.0) == []
    assert store.due("q", 100.0) == ["late", "mid"]


def test_queue_keep_bounds_the_members_oldest_out_first(store):
    store.schedule("q", {"a": 1.0, "b": 2.0, "c": 3.0, "d": 4.0})
    store.schedule("q", {"a": 5.0})  # moved: now the newest
    assert store.due("q", 0.0, keep=2) == ["b", "c"]
    assert store.due("q", 0.0, keep=2) == []
    assert store.due("q", 4.0, keep=5) == ["d"]
    assert store.due("q", 0.0, keep=0) == ["a"]


def test_line_counts_follow_the_changes_one_after_the_other(store):
    lines = np.array([1, 2, 3], dtype=np.uint64)
    store.count_lines([("kabar", lines, 1), ("kabar", lines[:2], 1), ("24kg", lines[:1], 1)])
    store.count_lines([("kabar", lines[1:2], -1)])
    counts = store.line_counts([("kabar", lines), ("24kg", lines), ("none", lines[:1])])
    assert counts.dtype == np.int64
    assert counts.tolist() == [2, 1, 1, 1, 0, 0, 0]
    assert store.line_counts([]).tolist() == []


def test_open_store_by_url(redis_url):
    assert isinstance(open_store("memory://"), MemoryStore)
    store = open_store(redis_url + "?prefix=test:x:")
    assert isinstance(store, RedisStore) and store.prefix == "test:x:"
    store.client.close()
    with pytest.raises(
        DedupError, match=r"unknown store 'sqlite://'; expected memory:// or redis://"
    ):
        open_store("sqlite:///tmp/x.db")


@pytest.mark.parametrize("query", ["", "?prefix=test:u:", "?db=2&prefix=test:u:"])
def test_open_store_takes_a_unix_socket_url(tmp_path, query):
    socket_path = tmp_path / "redis.sock"  # from_url does not connect: the path is enough
    store = open_store(f"unix://{socket_path}{query}")
    kwargs = store.client.connection_pool.connection_kwargs
    assert kwargs["path"] == str(socket_path)
    assert store.prefix == ("test:u:" if "prefix" in query else "newsmon:lsh:v3:")
    assert kwargs.get("db", 0) == (2 if "db=2" in query else 0)


def test_redis_store_needs_bytes_responses(redis_url):
    with pytest.raises(DedupError, match="decode_responses=False"):
        RedisStore(redis.Redis.from_url(redis_url, decode_responses=True))


def test_redis_keys_stay_under_the_prefix(redis_client, redis_prefix):
    store = RedisStore(redis_client, prefix=redis_prefix)
    store.put("t", {"a": b"1"})
    store.schedule("q", {"m": 1.0})
    assert sorted(store.keys()) == [f"{redis_prefix}q:q".encode(), f"{redis_prefix}t:t".encode()]


def test_redis_lsh_is_datasketchs_layout(redis_client, redis_prefix):
    import numpy as np
    from datasketch import LeanMinHash, MinHashLSH

    store = RedisStore(redis_client, prefix=redis_prefix)
    ours = store.lsh("full", 128, (42, 3))
    rng = np.random.default_rng(1)
    values = [rng.integers(0, 2**32, 128, dtype=np.uint64).astype(np.uint32) for _ in range(5)]
    for n, v in enumerate(values):
        ours.add(f"k{n}".encode(), ours.band_keys(v))
    plain = MinHashLSH(
        num_perm=128,
        params=(42, 3),
        prepickle=False,
        storage_config={
            "type": "redis",
            "redis": {"connection_pool": redis_client.connection_pool},
            "basename": f"{redis_prefix}lsh:full".encode(),
        },
    )
    for n, v in enumerate(values):
        found = plain.query(LeanMinHash(seed=1, hashvalues=v, scheme="affine32"))
        assert found == [f"k{n}".encode()] == sorted(ours.candidates(ours.band_keys(v)))
    ours.discard([f"k{n}".encode() for n in range(5)])
    assert list(store.keys()) == []


def test_story_line_counts_count_each_line_once_per_story(store):
    lines = np.array([1, 2, 3], dtype=np.uint64)
    store.count_story_lines("kabar", 7, lines, 1)
    store.count_story_lines("kabar", 7, lines[:2], 1)  # a second version of story 7
    store.count_story_lines("kabar", 8, lines[:1], 1)
    assert store.line_counts([("kabar", lines)]).tolist() == [2, 1, 1]
    store.count_story_lines("kabar", 7, lines, -1)  # one version of 7 leaves: 7 still has 1, 2
    assert store.line_counts([("kabar", lines)]).tolist() == [2, 1, 0]
    store.count_story_lines("kabar", 7, lines[:2], -1)
    store.count_story_lines("kabar", 8, lines[:1], -1)
    counts = store.line_counts([("kabar", lines), ("kabar", lines ^ np.uint64(7))])
    assert counts.tolist() == [0] * 6


def test_the_installed_datasketch_is_one_the_redis_lsh_is_verified_on():
    """Fails on an upgrade: check RedisLSH against the new datasketch here, then add the version."""
    import datasketch

    from dedup.redis_lsh import VERIFIED_DATASKETCH

    assert datasketch.__version__ in VERIFIED_DATASKETCH
