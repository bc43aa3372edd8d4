from __future__ import annotations

import numpy as np
import pytest

from dedup import DedupConfig, DedupError
from dedup.config import band_layout


def test_defaults_are_the_tuned_values():
    cfg = DedupConfig()
    assert (cfg.threshold, cfg.num_perm, cfg.shingle_size, cfg.window_days) == (0.5, 128, 3, 14.0)
    assert cfg.bands == (42, 3)
    assert cfg.window_seconds == 14 * 86400


def test_band_layout_reaches_the_recall_at_the_threshold():
    for threshold in (0.3, 0.5, 0.7, 0.9):
        bands, rows = band_layout(threshold, 128)
        assert bands * rows <= 128
        assert 1 - (1 - threshold**rows) ** bands >= 0.995


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"threshold": 1.3}, "threshold=1.3 is outside 0.05-1; expected a Jaccard similarity"),
        ({"threshold": "high"}, "threshold='high' is not a number"),
        ({"num_perm": 100.0}, "num_perm=100.0 is not an integer; expected 64-1024"),
        ({"num_perm": 8}, "num_perm=8 is outside 64-1024"),
        ({"shingle_size": 0}, "shingle_size=0 is outside 1-8"),
        ({"window_days": 0}, "window_days=0 is outside"),
        ({"max_articles": 0}, "max_articles=0 is outside 1-10000000"),
        ({"bands": (100, 2)}, "bands=(100, 2) needs at least 2 bands and bands * rows <= num_perm"),
        ({"threshold": 10**400}, "is not a number; expected a Jaccard similarity"),
        ({"bands": 5}, "bands=5 must be two positive integers: bands, rows"),
        ({"bands": (True, 3)}, "bands=(True, 3) must be two positive integers: bands, rows"),
    ],
)
def test_bad_values_are_refused_with_the_range(kwargs, message):
    with pytest.raises(
        DedupError, match=message.replace("(", r"\(").replace(")", r"\)").replace("*", r"\*")
    ):
        DedupConfig(**kwargs)


def test_config_is_frozen_keyword_only_and_comparable():
    with pytest.raises(TypeError):
        DedupConfig(0.5)  # type: ignore[misc]
    cfg = DedupConfig(threshold=0.6)
    with pytest.raises(AttributeError):
        cfg.threshold = 0.7  # type: ignore[misc]
    assert cfg == DedupConfig(threshold=0.6) != DedupConfig()


def test_numpy_integers_are_integers():
    cfg = DedupConfig(num_perm=np.int64(128), seed=np.uint32(7), bands=(np.int64(42), 3))
    assert (cfg.num_perm, cfg.seed, cfg.bands) == (128, 7, (42, 3))
    assert type(cfg.num_perm) is int and type(cfg.bands[0]) is int
