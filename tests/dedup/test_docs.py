"""The examples in the dedup docstrings run."""

from __future__ import annotations

import doctest
import importlib

import pytest

import dedup

MODULES = [
    "config",
    "normalize",
    "shingles",
    "signature",
    "lsh",
    "storage",
    "index",
    "clusters",
    "metrics",
    "records",
    "xxh3",
    "align",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(f"dedup.{name}")
    names = {k: getattr(dedup, k) for k in dedup.__all__}
    result = doctest.testmod(module, extraglobs=names, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0, f"dedup.{name} has no docstring example"
    assert result.failed == 0


def test_package_example():
    result = doctest.testmod(dedup)
    assert result.attempted > 0
    assert result.failed == 0


def test_dedup_imports_neither_scrapy_nor_crawler():
    import subprocess
    import sys

    code = (
        "import sys, dedup; bad = [m for m in sys.modules if m.split('.')[0] in "
        "('scrapy', 'crawler', 'twisted', 'trafilatura')]; print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
