"""``newsmon extract``: files, .html.gz, stdin, manifests, formats and error records."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.cli import cli

PAGE = (
    b"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Bridge opens</title>"
    b"</head><body><article><h1>Bridge opens</h1>"
    b"<p>The new bridge over the river opened on Monday after three years of construction "
    b"work and several delays caused by floods.</p>"
    b"<p>Drivers from the villages on the eastern bank will save almost an hour on the way "
    b"to the regional centre, officials said.</p></article></body></html>"
)


@pytest.fixture
def pages(tmp_path: Path) -> Path:
    (tmp_path / "a.html").write_bytes(PAGE)
    (tmp_path / "b.html.gz").write_bytes(gzip.compress(PAGE))
    (tmp_path / "empty.html").write_bytes(b"")
    return tmp_path


def run(*args: str, stdin: bytes | None = None):
    return CliRunner().invoke(cli, ["extract", *args], input=stdin, catch_exceptions=False)


def test_files_and_gzip_give_one_jsonl_record_each(pages: Path) -> None:
    result = run(str(pages / "a.html"), str(pages / "b.html.gz"), "--url", "https://ex.com/bridge")
    assert result.exit_code == 0
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["path"] for r in records] == [str(pages / "a.html"), str(pages / "b.html.gz")]
    assert all(
        r["title"] == "Bridge opens" and r["canonical_url"] == "https://ex.com/bridge"
        for r in records
    )
    assert records[0]["text"].count("\n\n") == 1


def test_unreadable_and_empty_inputs_give_error_records(pages: Path) -> None:
    result = run(str(pages / "missing.html"), str(pages / "empty.html"))
    assert result.exit_code == 0
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert records[0]["error"] == "unreadable" and records[0]["path"].endswith("missing.html")
    assert records[1] == {"path": str(pages / "empty.html"), "error": "empty"}


def test_stdin_and_text_format() -> None:
    result = run("-", "--format", "text", stdin=PAGE)
    assert result.exit_code == 0
    assert result.stdout.startswith("== -\ntitle: Bridge opens\n")
    assert "The new bridge over the river" in result.stdout


def test_manifest_with_urls_and_json_format(pages: Path) -> None:
    manifest = pages / "pages.jsonl"
    manifest.write_text(
        json.dumps({"path": str(pages / "a.html"), "url": "https://ex.com/x"})
        + "\n\n"
        + json.dumps({"path": str(pages / "b.html.gz")})
        + "\n"
    )
    result = run("--manifest", str(manifest), "--format", "json")
    assert result.exit_code == 0
    records = json.loads(result.stdout)
    assert records[0]["url"] == "https://ex.com/x"
    assert records[1]["url"].startswith("file://")


def test_a_manifest_with_a_byte_order_mark_is_read_whole(pages: Path) -> None:
    manifest = pages / "bom.jsonl"
    manifest.write_text(json.dumps({"path": str(pages / "a.html")}) + "\n", encoding="utf-8-sig")
    result = run("--manifest", str(manifest), "--format", "json")
    assert result.exit_code == 0 and json.loads(result.stdout)["title"] == "Bridge opens"


def test_single_input_json_format_is_one_object(pages: Path) -> None:
    result = run(str(pages / "a.html"), "--format", "json")
    assert json.loads(result.stdout)["title"] == "Bridge opens"


def test_bad_usage_exits_2(pages: Path) -> None:
    assert run().exit_code == 2
    bad = pages / "bad.jsonl"
    bad.write_text("{not json}\n")
    result = run("--manifest", str(bad))
    assert result.exit_code == 2
    assert "bad.jsonl:1" in result.output
    assert run("--format", "xml", str(pages / "a.html")).exit_code == 2


def test_a_manifest_s_relative_paths_are_its_folder_s(
    pages: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # they were read from the current folder: another page of the same name, or "unreadable"
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    (elsewhere / "a.html").write_bytes(b"<html><body><p>Another page.</p></body></html>")
    monkeypatch.chdir(elsewhere)
    manifest = pages / "pages.jsonl"
    manifest.write_text(json.dumps({"path": "a.html"}) + "\n" + json.dumps({"path": "b.html.gz"}))
    result = run("--manifest", str(manifest))
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r.get("title") for r in records] == ["Bridge opens", "Bridge opens"]
