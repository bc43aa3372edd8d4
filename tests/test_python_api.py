"""The Python API (``import newsmon``) as a notebook uses it, and its documented examples run:
the docstrings (doctest) and the README's "Python API" code blocks."""

from __future__ import annotations

import doctest
import hashlib
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import newsmon
import newsmon.archive
from crawler.errors import ConfigError, NotAnArticle
from crawler.store.archive import Archive
from dedup import DedupConfig, signature
from newsmon.examples import PAGE
from tests.factories import GRAIN, make_article
from tests.newsmon_cli import run_newsmon

ROOT = Path(__file__).resolve().parents[1]
CFG = DedupConfig()


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The archive of ``newsmon demo --db demo.db`` (the README's first command)."""
    folder = tmp_path_factory.mktemp("api-demo")
    run_newsmon("demo", "--db", str(folder / "demo.db"))
    yield folder / "demo.db"


@pytest.fixture
def small_db(db_path: Path) -> Path:
    """Two stories: water (two outlets) and grain (one Russian article)."""
    with Archive(db_path) as archive:
        for article in (
            make_article("w1", "ala-too", "2026-11-09T10:00:00+06:00", cluster="w1"),
            make_article("w2", "osh24", "2026-11-09T11:05:00+06:00", cluster="w1"),
            make_article(
                "g1", "vestnik", "2026-11-08T10:00:00Z", cluster="g1", text=GRAIN, language="ru"
            ),
        ):
            archive.store_article(article, signature=signature(article.text, CFG).to_bytes())
    return db_path


@pytest.mark.parametrize("module", [newsmon, newsmon.archive])
def test_docstring_examples_run(module: object, demo_db: Path) -> None:
    result = doctest.testmod(
        module, extraglobs={"EXAMPLE_DB": str(demo_db)}, optionflags=doctest.ELLIPSIS
    )
    assert result.attempted > 0
    assert result.failed == 0


def _readme_python_api_blocks() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Python API\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, flags=re.S)


def test_the_readme_python_api_blocks_run(demo_db: Path, tmp_path: Path) -> None:
    blocks = _readme_python_api_blocks()
    assert any("import newsmon" in block for block in blocks)
    # where a reader runs them: beside demo.db (the README's `newsmon demo --db demo.db`) in a
    # checkout (one block reads a page of tests/pages)
    shutil.copy(demo_db, tmp_path / "demo.db")
    (tmp_path / "tests").symlink_to(ROOT / "tests")
    for number, block in enumerate(blocks, 1):
        done = subprocess.run(
            [sys.executable, "-c", block],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, f"README Python API block {number}:\n{done.stderr[-3000:]}"


def test_extract_takes_text_or_bytes_and_says_what_is_not_an_article() -> None:
    # one fetch time for both: by default each is stamped with its own "now"
    where = {"url": "https://example.org/news/bridge", "outlet": "demo"}
    fetched = "2026-11-02T09:00:00+00:00"
    from_text = newsmon.extract(PAGE, **where, fetched=fetched)
    from_bytes = newsmon.extract(PAGE.encode("utf-8"), **where, fetched=fetched)
    assert from_text.to_record() == from_bytes.to_record()
    assert (from_text.outlet, from_text.title) == ("demo", "Bridge over the Chui opens")
    assert "Buses of routes 5 and 12" in from_text.text
    with pytest.raises(NotAnArticle):
        newsmon.extract("<html><body><p>Short.</p></body></html>", url="https://example.org/")


def test_cluster_labels_each_record_with_its_cluster_copy_and_similarity() -> None:
    article = newsmon.extract(PAGE, url="https://example.org/news/bridge")
    unrelated = {"id": "z", "text": GRAIN, "published": "2026-11-02T09:00"}
    copy = {"id": "b", "text": "BISHKEK. " + article.text, "published": "2026-11-02T10:00"}
    labels = newsmon.cluster([article, unrelated, copy])
    assert [(r["id"], r["cluster"], r["copy_of"]) for r in labels] == [
        (article.id, article.id, None),
        ("z", "z", None),
        ("b", article.id, article.id),
    ]
    assert labels[0]["similarity"] is None
    assert 0.8 < labels[2]["similarity"] <= 1.0
    # an edited excerpt (two of three paragraphs, one word changed) joins with the default
    # settings, not at 0.95
    first, second = article.text.split("\n\n")[:2]
    words = second.split()
    words[5] = "freshly"
    excerpt = {"id": "h", "text": first + "\n\n" + " ".join(words), "published": "2026-11-02T11:00"}
    joined = newsmon.cluster([article, excerpt])[1]
    assert (joined["cluster"], joined["copy_of"]) == (article.id, article.id)
    assert joined["similarity"] < 0.95
    strict = newsmon.DedupConfig(threshold=0.95, containment=0.95)
    assert newsmon.cluster([article, excerpt], strict)[1]["cluster"] == "h"


def test_open_archive_gives_articles_and_clusters_filtered_as_the_cli(small_db: Path) -> None:
    with newsmon.open_archive(small_db) as archive:
        assert [a["id"] for a in archive.articles()] == ["g1", "w1", "w2"]
        assert [a["id"] for a in archive.articles(languages=["ru"])] == ["g1"]
        assert [a["id"] for a in archive.articles(outlets="osh24")] == ["w2"]
        assert [a["id"] for a in archive.articles(since="2026-11-09", query="TOKTOGUL")] == [
            "w1",
            "w2",
        ]
        # a bare day includes that day, as --until 2026-11-08 does; a time does not
        assert [a["id"] for a in archive.articles(until="2026-11-08")] == ["g1"]
        assert [a["id"] for a in archive.articles(until="2026-11-09T00:00")] == ["g1"]
        assert len(archive.articles(until="2026-11-09")) == 3
        (water,) = archive.clusters()
        assert (water["id"], water["size"], water["origin"]) == ("w1", 2, "w1")
        assert [c["id"] for c in archive.clusters(min_size=1)] == ["w1", "g1"]
        with pytest.raises(TypeError, match="unknown filter outlet"):
            archive.articles(outlet="osh24")


def test_archive_periods_read_as_the_cli_reads_them(small_db: Path) -> None:
    from datetime import UTC, datetime

    with newsmon.open_archive(small_db) as archive:
        # a duration before now, as --since 7d: the articles are weeks old, and "100000d" is all
        assert archive.articles(since="7d") == []
        assert len(archive.articles(since="100000d")) == 3
        assert [a["id"] for a in archive.articles(since=datetime(2026, 11, 9, tzinfo=UTC))] == [
            "w1",
            "w2",
        ]
        naive = datetime(2026, 11, 9)  # taken as UTC, as a time without an offset
        assert [a["id"] for a in archive.articles(until=naive)] == ["g1"]
        for bad in ("yesterday", "11/01/2026"):
            with pytest.raises(ValueError, match=f"since={bad!r}: .* neither a duration"):
                archive.articles(since=bad)
        with pytest.raises(TypeError, match="until must be an ISO time, a duration"):
            archive.clusters(until=20261109)


def test_the_api_says_what_it_wants_instead_of_misreading_it(small_db: Path) -> None:
    with newsmon.open_archive(small_db) as archive:
        assert [a["id"] for a in archive.articles(languages=["RU"])] == ["g1"]  # as "ru"
        assert [a["id"] for a in archive.articles(query=["toktogul", "WATER"])] == ["w1", "w2"]
        for limit in (0, -1):
            with pytest.raises(ValueError, match=f"limit={limit}: at least 1"):
                archive.clusters(limit=limit)
        with pytest.raises(ValueError, match="min_size=0: at least 1"):
            archive.clusters(min_size=0)
    with pytest.raises(TypeError, match=r"cfg must be a dedup\.DedupConfig"):
        newsmon.cluster([{"id": "a", "text": "one two three"}], {"threshold": 0.9})  # type: ignore[arg-type]
    page = "<html><body><article><h1>A bridge</h1><p>" + "The bridge \ud800 opened. " * 30
    article = newsmon.extract(page + "</p></article></body></html>", url="https://example.org/a")
    assert "The bridge" in article.text  # a lone surrogate in a str page is no crash


@pytest.mark.parametrize(
    ("filters", "error", "message"),
    [
        ({"languages": ["english"]}, ValueError, "language 'english' is no ISO 639-1 code"),
        ({"languages": [5]}, TypeError, "languages must be a str or a list of str"),
        ({"countries": ["Kyrgyzstan"]}, ValueError, "country 'Kyrgyzstan' is no ISO 3166 code"),
        ({"outlets": ["nosuch"]}, ValueError, "no outlet 'nosuch' in the registry or the archive"),
        ({"since": "2026-11-09", "until": "2026-11-08"}, ValueError, "no time is in it"),
        ({"since": "2026-11-09", "until": "2026-11-09T00:00"}, ValueError, "no time is in it"),
    ],
)
def test_a_filter_the_cli_refuses_is_refused(
    small_db: Path, filters: dict, error: type, message: str
) -> None:
    # each matched nothing, or raised an AttributeError or ConfigError
    with newsmon.open_archive(small_db) as archive:
        with pytest.raises(error, match=message):
            archive.articles(**filters)
        with pytest.raises(error, match=message):
            archive.clusters(**filters)


def test_countries_are_the_registry_s_given_or_in_the_environment(
    small_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry = tmp_path / "outlets.toml"
    registry.write_text(
        "".join(
            f'[[outlet]]\nid = "{key}"\nname = "{key}"\ncountry = "{country}"\n'
            f'languages = ["en"]\nhomepage = "https://{key}.example/"\n'
            f'feeds = ["https://{key}.example/rss"]\n'
            f"article_pattern = '^https://{key}\\.example/news/'\n"
            for key, country in (("ala-too", "KG"), ("osh24", "KG"), ("vestnik", "KZ"))
        ),
        encoding="utf-8",
    )
    with newsmon.open_archive(small_db, registry=registry) as archive:
        assert [a["id"] for a in archive.articles(countries=["KZ"])] == ["g1"]
    monkeypatch.setattr("settings.NEWSMON_OUTLETS_FILE", str(registry))
    with newsmon.open_archive(small_db) as archive:
        assert [a["id"] for a in archive.articles(countries="kg")] == ["w1", "w2"]


def test_frames_have_a_row_per_article_and_per_member(small_db: Path) -> None:
    with newsmon.open_archive(small_db) as archive:
        articles = archive.articles_frame()
        members = archive.clusters_frame()
    assert list(articles["id"]) == ["g1", "w1", "w2"]
    assert list(articles.columns[:4]) == ["id", "url", "canonical_url", "outlet"]
    assert list(zip(members["cluster"], members["id"], members["is_origin"], strict=True)) == [
        ("w1", "w1", True),
        ("w1", "w2", False),
    ]
    assert list(members["similarity"]) == [1.0, 1.0]


def test_the_archive_is_only_read(small_db: Path) -> None:
    before = hashlib.sha256(small_db.read_bytes()).hexdigest()
    with newsmon.open_archive(small_db) as archive:
        archive.articles()
        archive.clusters()
    assert hashlib.sha256(small_db.read_bytes()).hexdigest() == before
    wal = small_db.with_name(small_db.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0  # nothing written
    with pytest.raises(ConfigError, match="no archive at"):
        newsmon.open_archive(small_db.with_name("missing.db"))


def test_frames_without_pandas_say_how_to_install_it(small_db: Path) -> None:
    code = (
        "import sys; sys.modules['pandas'] = None\n"  # as if pandas were not installed
        "import newsmon\n"
        f"newsmon.open_archive({str(small_db)!r}).articles_frame()"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1] == (
        "ImportError: DataFrames need pandas: pip install 'newsmon[pandas]'"
    )
