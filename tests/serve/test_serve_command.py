"""``newsmon serve``: its safety rules, the read-only pages, the access token."""

from __future__ import annotations

import hashlib
import signal
import socket
import urllib.request
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from starlette.testclient import TestClient

from crawler.serve.app import Config, create_app
from crawler.store.archive import Archive
from crawler.store.search import has_search_index
from tests.factories import make_article
from tests.newsmon_cli import finish_newsmon, run_main, run_newsmon, start_newsmon, wait_for
from tests.serve.test_pages import PAGES


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_pages_never_write_the_archive(archive_path: Path, client: TestClient) -> None:
    before = _digest(archive_path)
    for url in [*PAGES, "/search?q=вагон*", "/?since=2026-11-01&country=KG"]:
        assert client.get(url).status_code == 200
    assert _digest(archive_path) == before
    wal = Path(f"{archive_path}-wal")  # a WAL reader may create it; nothing goes in it
    assert not wal.exists() or wal.stat().st_size == 0


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.10", "::", "example.org"])
def test_another_address_than_loopback_needs_a_token(
    archive_path: Path,
    host: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("NEWSMON_SERVE_TOKEN", raising=False)
    status, out, err = run_main(["serve", "--db", str(archive_path), "--host", host], capsys)
    assert status == 2 and out == ""
    assert err == (
        f"error: --host {host} is reachable from other machines: give --token (or "
        "NEWSMON_SERVE_TOKEN) so that only those who have it can read\n"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--tz", "Mars/Olympus"], "unknown time zone 'Mars/Olympus'"),
        (["--port", "70000"], "70000 is not in the range"),
    ],
)
def test_bad_options_are_one_line(
    archive_path: Path, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = run_main(["serve", "--db", str(archive_path), *args], capsys)
    assert status == 2 and message in err and "Traceback" not in err


def test_a_missing_archive_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "none.db"
    status, _, err = run_main(["serve", "--db", str(db)], capsys)
    assert status == 2
    assert err == f"error: no archive at {db}; run `newsmon crawl --db {db}` first\n"


def test_build_index_adds_search_to_an_existing_archive(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with Archive(db_path) as archive:
        archive.store_article(make_article("a1", "osh24", "2026-11-09T04:00:00Z", cluster="a1"))
    status, out, err = run_main(["serve", "--db", str(db_path), "--build-index"], capsys)
    assert (status, out) == (0, "")
    assert f"building the search index of {db_path} (1 articles)" in err
    with Archive.open_reader(db_path) as reader:
        assert has_search_index(reader.connection)
    status, _, err = run_main(["serve", "--db", str(db_path), "--build-index"], capsys)
    assert status == 0 and err == f"{db_path} has its search index already\n"


def test_the_token_is_asked_for_then_kept_in_a_cookie(archive_path: Path) -> None:
    app = create_app(Config(db=str(archive_path), zone=ZoneInfo("UTC"), token="s3cret"))
    with TestClient(app, follow_redirects=False) as client:
        assert client.get("/").status_code == 401
        assert client.get("/cluster/d1").status_code == 401
        assert client.get("/static/style.css").status_code == 401
        assert client.get("/?token=wrong").status_code == 401
        assert client.get("/", headers={"Authorization": "Bearer s3cret"}).status_code == 200
        entry = client.get("/search?q=dam&token=s3cret")
        assert entry.status_code == 303 and entry.headers["location"] == "/search?q=dam"
        assert "httponly" in entry.headers["set-cookie"].lower()
        assert client.get("/search?q=dam").status_code == 200  # the cookie now


def test_the_token_entry_sends_the_browser_only_to_this_site(archive_path: Path) -> None:
    # "//evil.example/?token=T" answered 303 to //evil.example/, another site
    app = create_app(Config(db=str(archive_path), zone=ZoneInfo("UTC"), token="s3cret"))
    with TestClient(app, follow_redirects=False) as client:
        for path in ("//evil.example/", "/%2F%2Fevil.example", "/\\evil.example"):
            entry = client.get(f"{path}?token=s3cret")
            assert entry.status_code == 303, path
            location = entry.headers["location"]
            assert location.startswith("/") and not location.startswith(("//", "/\\")), path


def test_a_token_a_browser_cannot_send_is_refused_at_start(archive_path: Path) -> None:
    from tests.newsmon_cli import run_newsmon

    done = run_newsmon(
        "serve", "--db", str(archive_path), "--port", "1", "--token", "пароль", check=False
    )
    assert (done.returncode, done.stderr) == (
        2,
        "error: the access token must be printable ASCII without spaces\n",
    )


def test_the_demo_ends_saying_how_to_browse_its_archive(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.newsmon_cli import run_newsmon

    db = tmp_path / "demo.db"
    done = run_newsmon("demo", "--db", str(db))
    assert done.stderr.splitlines()[-1] == (
        f"browse it: newsmon serve --db {db}  (then open http://127.0.0.1:8080/)"
    )
    status, _, _ = run_main(["serve", "--db", str(db), "--build-index"], capsys)
    assert status == 0
    app = create_app(Config(db=str(db), zone=ZoneInfo("Asia/Almaty")))
    with TestClient(app) as client:
        page = client.get("/", params={"since": "2000-01-01"})
        assert page.status_code == 200 and page.text.count("<tr data-cluster=") >= 4
        assert client.get("/search", params={"q": "the"}).text.count("<mark>") > 0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


def test_serve_builds_the_index_on_first_start_and_answers(db_path: Path) -> None:
    with Archive(db_path) as archive:
        archive.store_article(
            make_article(
                "a1", "osh24", "2026-11-09T04:00:00Z", cluster="a1", title="Toktogul <b>release</b>"
            )
        )
    port = _free_port()
    child = start_newsmon("serve", "--db", str(db_path), "--port", str(port), "--tz", "UTC")
    try:
        wait_for(lambda: _answers(f"http://127.0.0.1:{port}/"), "newsmon serve to answer")
        with urllib.request.urlopen(
            f"http://127.0.0.1:{port}/search?q=toktogul", timeout=5
        ) as response:
            page = response.read().decode()
        assert "Toktogul &lt;b&gt;release&lt;/b&gt;" in page.replace("<mark>", "").replace(
            "</mark>", ""
        )
    finally:
        child.send_signal(signal.SIGINT)
        _, err = finish_newsmon(child)
    assert err.splitlines()[:3] == [
        f"building the search index of {db_path} (1 articles)...",
        "search index built; the archive keeps it up to date from now on",
        f"newsmon serve: http://127.0.0.1:{port}/ over {db_path}, times in UTC; Ctrl-C stops",
    ]
    assert "Traceback" not in err


def test_a_port_in_use_is_one_line_and_no_address_is_announced(archive_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run_newsmon("serve", "--db", str(archive_path), "--port", str(port), check=False)
    assert done.returncode == 2
    assert done.stderr == f"error: cannot listen on 127.0.0.1:{port}: address already in use\n"


def test_without_the_serve_extra_it_says_what_to_install(
    archive_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util

    found = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *args: None if name == "uvicorn" else found(name, *args),
    )
    status, _, err = run_main(["serve", "--db", str(archive_path)], capsys)
    assert (status, err) == (
        2,
        "error: newsmon serve needs uvicorn: pip install 'newsmon[serve]'\n",
    )
