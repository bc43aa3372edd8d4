"""Fixtures of the crawler tests: the small report archive and its registry
(``tests/crawler/report_archive.py``) that the report and export tests read."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.crawler.report_archive import fill_archive, write_registry


@pytest.fixture
def archive(db_path: Path) -> Path:
    """A fresh archive of the report tests' articles and clusters."""
    return fill_archive(db_path)


@pytest.fixture
def registry(tmp_path: Path) -> Path:
    """The registry of the report archive's outlets (names, countries, languages)."""
    return write_registry(tmp_path / "outlets.toml")
