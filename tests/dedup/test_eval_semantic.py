"""bench/eval_semantic.py's measures: recall at a precision, AUC, the embedding alignment."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from tests.shared import ROOT, load_bench


@pytest.fixture
def bench(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.syspath_prepend(str(ROOT / "bench"))  # it imports eval_real, as a script does
    return load_bench("eval_semantic")


def test_recall_at_precision_takes_a_tie_whole(bench) -> None:
    # at 0.9 a copy and a negative tie: the threshold links both or neither
    scores = [(1.0, True), (0.9, True), (0.9, False), (0.5, True)]
    assert bench.recall_at_precision(scores) == pytest.approx(1 / 3)
    assert bench.recall_at_precision([(1.0, True), (0.8, True), (0.5, False)]) == 1.0
    assert bench.recall_at_precision([(1.0, False), (0.8, True)]) == 0.0


def test_auc_counts_ties_half(bench) -> None:
    assert bench.auc([(0.9, True), (0.1, False)]) == 1.0
    assert bench.auc([(0.5, True), (0.5, False)]) == 0.5
    assert bench.auc([(0.2, True), (0.6, False), (0.1, False)]) == 0.5


def test_embedding_share_keeps_the_order(bench) -> None:
    unit = np.eye(3)
    sizes = np.array([10, 10, 10])
    same = (unit, sizes, None)
    reversed_order = (unit[::-1], sizes, None)
    assert bench.embedding_share(same, same, 0.85) == 1.0
    # reversed, only one sentence keeps its order
    assert bench.embedding_share(same, reversed_order, 0.85) == pytest.approx(1 / 3)
    assert bench.embedding_share((np.zeros((0, 3)), np.zeros(0), None), same, 0.85) == 0.0


def test_a_missing_model_package_is_one_line(bench, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "wordllama", None)  # import fails as if not installed
    with pytest.raises(SystemExit, match="needs wordllama: pip install wordllama=="):
        bench.load_model()
