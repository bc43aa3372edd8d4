"""The language detector's model copy: the same ranks as py3langid's own loading, written once,
read after, written again when unreadable, and no copy where none can be kept."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import py3langid
import pytest

from crawler.extract import language

TEXTS = [
    "The regional parliament approved the new water budget after a long debate on canals.",
    "Парламент области утвердил новый бюджет на воду после долгого спора о каналах.",
    "Облустук кеңеш узак талкуудан кийин суу бюджетин бекитти, каналдар оңдолот.",
    "Viloyat kengashi uzoq muhokamadan soʻng suv byudjetini tasdiqladi va kanallar tuzatiladi.",
    "Облыстық кеңес ұзақ талқылаудан кейін су бюджетін бекітті, арналар жөнделеді.",
    "",
]


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty cache folder of this test; the process's identifier is loaded again."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("NEWSMON_CACHE_DIR", str(folder))
    language.identifier.cache_clear()
    yield folder
    language.identifier.cache_clear()


def _copies(folder: Path) -> list[Path]:
    return sorted(folder.glob("langid-*.npz.zst"))


def test_the_model_from_its_copy_ranks_every_language_as_py3langids_own(cache: Path) -> None:
    first = [language.rank(text) for text in TEXTS]  # undoes the xz, writes the copy
    assert len(_copies(cache)) == 1
    language.identifier.cache_clear()
    from_copy = [language.rank(text) for text in TEXTS]
    assert first == from_copy == [py3langid.rank(text) for text in TEXTS]
    assert [ranks[0][0] for ranks in from_copy[:5]] == ["en", "ru", "ky", "uz", "kk"]


def test_a_copy_once_written_is_read_without_undoing_the_xz(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    language.identifier()
    language.identifier.cache_clear()

    def no_xz(data: bytes) -> bytes:
        raise AssertionError("the xz model was decompressed although its copy exists")

    monkeypatch.setattr(language.lzma, "decompress", no_xz)
    assert language.rank(TEXTS[1])[0][0] == "ru"


def test_an_unreadable_copy_is_reported_and_written_again(
    cache: Path, caplog: pytest.LogCaptureFixture
) -> None:
    language.identifier()
    (copy,) = _copies(cache)
    good = copy.read_bytes()
    copy.write_bytes(good[: len(good) // 2])  # cut short, as by a full disk
    language.identifier.cache_clear()
    with caplog.at_level(logging.WARNING, logger="crawler.extract.language"):
        assert language.rank(TEXTS[0])[0][0] == "en"
    assert "unreadable" in caplog.text
    assert copy.read_bytes() == good
    assert [p.name for p in cache.iterdir()] == [copy.name]  # no temporary file left


def test_without_a_folder_that_can_be_written_the_model_still_loads_without_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("NEWSMON_CACHE_DIR", str(blocker / "cache"))
    language.identifier.cache_clear()
    try:
        with caplog.at_level(logging.WARNING, logger="crawler.extract.language"):
            assert language.rank(TEXTS[2])[0][0] == "ky"
    finally:
        language.identifier.cache_clear()
    assert blocker.read_text(encoding="utf-8") == "not a folder"
    assert caplog.text == ""


def test_a_copy_is_readable_by_the_other_users_of_a_shared_cache(cache: Path) -> None:
    language.identifier()
    (copy,) = _copies(cache)
    assert copy.stat().st_mode & 0o444 == 0o444


def test_the_cache_folder_is_the_setting_then_xdg_then_the_home_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSMON_CACHE_DIR", str(tmp_path / "chosen"))
    assert language.cache_dir() == tmp_path / "chosen"
    monkeypatch.delenv("NEWSMON_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert language.cache_dir() == tmp_path / "xdg" / "newsmon"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert language.cache_dir() == tmp_path / "home" / ".cache" / "newsmon"


def test_without_a_home_folder_the_model_loads_and_nothing_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("NEWSMON_CACHE_DIR", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)

    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(Path, "home", staticmethod(no_home))
    monkeypatch.chdir(tmp_path)
    assert language.cache_dir() is None
    language.identifier.cache_clear()
    try:
        assert language.rank(TEXTS[4])[0][0] == "kk"
    finally:
        language.identifier.cache_clear()
    assert list(tmp_path.iterdir()) == []


def test_the_installed_py3langid_is_one_the_model_copy_is_verified_on() -> None:
    """Fails on an upgrade: check the copy ranks as py3langid does (above), then add the version."""
    import importlib.metadata

    assert importlib.metadata.version("py3langid") in language.VERIFIED_PY3LANGID


def test_an_unverified_py3langid_loads_its_model_the_public_way(
    cache: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(language, "VERIFIED_PY3LANGID", frozenset({"0.0-other"}))
    with caplog.at_level(logging.WARNING, logger="crawler.extract.language"):
        ranks = [language.rank(text) for text in TEXTS]
    assert ranks == [py3langid.rank(text) for text in TEXTS]
    assert _copies(cache) == []  # no copy made by reading the model's layout
    assert sum("not a version" in r.message for r in caplog.records) == 1
