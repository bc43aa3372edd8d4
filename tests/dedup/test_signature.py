from __future__ import annotations

import pickle

import numpy as np
import pytest
from datasketch import MinHash
from hypothesis import given
from hypothesis import strategies as st

from dedup import (
    DedupConfig,
    DedupError,
    IncompatibleSignature,
    Signature,
    signature,
    signatures,
)
from dedup.shingles import shingle

TEXT = (
    "Министр энергетики сообщил, что строительство новой подстанции начнется в марте.\n\n"
    "На эти цели направят еще 120 миллионов сомов, уточнили в ведомстве."
)


def test_minhash_equals_datasketch_fed_the_same_shingles(cfg):
    expected = MinHash(num_perm=cfg.num_perm, seed=cfg.seed, scheme="affine32", hashfunc=int)
    expected.update_batch(shingle(TEXT, cfg.shingle_size).hashes.tolist())
    sig = signature(TEXT, cfg)
    assert np.array_equal(sig.hashvalues, expected.hashvalues)
    assert sig.minhash().jaccard(expected) == 1.0


def test_lead_minhash_is_datasketchs_over_the_lead(cfg):
    text = "Kabar\n\n" + " ".join(f"word{i}" for i in range(120))
    shingles = shingle(text, cfg.shingle_size)
    expected = MinHash(num_perm=cfg.num_perm, seed=cfg.seed, scheme="affine32", hashfunc=int)
    expected.update_batch(shingles.hashes[shingles.lead].tolist())
    lead = signature(text, cfg).lead
    assert np.array_equal(lead, expected.hashvalues[: len(lead)])


def test_size_counts_distinct_shingles(cfg):
    assert signature("a b c a b c", cfg).size == 3
    assert signature("", cfg).empty


def test_bytes_round_trip_and_pickle(cfg):
    sig = signature(TEXT, cfg)
    assert Signature.from_bytes(sig.to_bytes(), cfg) == sig
    assert pickle.loads(pickle.dumps(sig)) == sig
    # 0.7 KB of MinHashes and 0.13 KB of the content-word MinHash (dedup/align.py), plus the text
    assert len(pickle.dumps(sig)) < 1100


@pytest.mark.parametrize(
    ("made", "name"),
    [({"num_perm": 64}, "num_perm"), ({"seed": 2}, "seed"), ({"shingle_size": 4}, "shingle_size")],
)
def test_other_parameters_are_refused(cfg, made, name):
    blob = signature(TEXT, DedupConfig(**made)).to_bytes()
    pattern = f"{name}=.* in the signature, .* in the config; recompute the signature"
    with pytest.raises(IncompatibleSignature, match=pattern):
        Signature.from_bytes(blob, cfg)


def test_bytes_that_are_not_a_signature_are_refused(cfg):
    blob = signature(TEXT, cfg).to_bytes()
    for bad in (b"", b"garbage", blob[:-3], blob + b"x"):
        with pytest.raises(IncompatibleSignature, match="not a newsmon signature"):
            Signature.from_bytes(bad, cfg)


def test_jaccard_of_copies(cfg):
    copy = "БИШКЕК, 9 янв — Кабар. " + TEXT.replace("«", '"')
    assert signature(TEXT, cfg).jaccard(signature(copy, cfg)) > 0.8
    other = signature("Совсем другая новость о погоде в Оше и прогнозе на выходные дни.", cfg)
    assert signature(TEXT, cfg).jaccard(other) < 0.1


@pytest.mark.parametrize(("num_perm", "seed"), [(128, 1), (64, 0), (256, 2**32 - 1)])
def test_permutations_are_datasketchs_without_importing_it(num_perm, seed):
    from dedup.signature import _permutations

    a, b = MinHash(num_perm=num_perm, seed=seed, scheme="affine32").permutations
    ours = _permutations(num_perm, seed)
    assert np.array_equal(ours[0], a) and np.array_equal(ours[1], b)
    assert ours[0].dtype == ours[1].dtype == np.uint32


def test_minhash_of_a_text_longer_than_a_block_equals_datasketch(cfg):
    from dedup.signature import _BLOCK

    text = " ".join(f"w{i % 3001}" for i in range(2 * _BLOCK + 500))  # three blocks
    shingles = shingle(text, cfg.shingle_size)
    expected = MinHash(num_perm=cfg.num_perm, seed=cfg.seed, scheme="affine32", hashfunc=int)
    expected.update_batch(shingles.hashes.tolist())
    assert np.array_equal(signature(text, cfg).hashvalues, expected.hashvalues)


def test_signatures_of_a_batch_equal_one_by_one(evalset):
    """``signatures`` (numpy over a batch, XXH3 in numpy) gives exactly ``signature``'s values,
    for every shingle size and for the texts that take normalisation's slow and edge paths."""
    from dedup.signature import signatures

    texts = [r["text"] for r in evalset.generate(60, 3)] + [
        TEXT,
        "",
        " — \n\n ",
        "one",
        "a\nb",
        "o'zbek 'quoted' don't ʼ",
        "x " * 3000,
        "Kabar\n\n" + " ".join(f"word{i}" for i in range(120)),
        "ÆØÅ ß ﬁ — №5 ½ \u0301x",
        "\n".join("word " * n for n in range(12)),
        "слово\u00adслово " * 50 + "Ё" * 200,
    ]
    for size in (1, 3, 5):
        cfg = DedupConfig(shingle_size=size)
        for start in range(0, len(texts), 17):
            chunk = texts[start : start + 17]
            assert signatures(chunk, cfg) == [signature(t, cfg) for t in chunk]
    assert signatures([], DedupConfig()) == []


@given(
    st.lists(
        st.text(alphabet=st.sampled_from(list("ab Ё\n'ʼ—,.\t\u00a0ўx\u0301")), max_size=60),
        min_size=1,
        max_size=8,
    )
)
def test_signatures_equal_signature_on_any_text(texts):
    from dedup.signature import signatures

    cfg = DedupConfig()
    assert signatures(texts, cfg) == [signature(t, cfg) for t in texts]


def test_what_is_not_a_text_is_refused_clearly() -> None:
    cfg = DedupConfig()
    with pytest.raises(TypeError, match="a text to sign must be a str, not NoneType"):
        signature(None, cfg)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="a text to sign must be a str, not bytes"):
        signature(b"one two three", cfg)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="takes a sequence of texts, not one str"):
        signatures("one two three", cfg)  # type: ignore[arg-type]
    with pytest.raises(DedupError, match="not valid Unicode"):
        signature("Бишкек \ud800 столица", cfg)
