"""The dashboard served by uvicorn and drawn by headless Chromium: charts, evidence, no errors."""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import lxml.html
import pytest
import uvicorn

from crawler.serve.app import Config, create_app
from tests.chromium import run_chromium
from tests.serve.conftest import COUNTRIES, HOSTILE

# What Chromium logs to stderr for a page's console message, a refused resource (the Content
# Security Policy) or a script error.
_CONSOLE = re.compile(r"CONSOLE|Refused to|Uncaught|Failed to load", re.IGNORECASE)


@pytest.fixture
def server(archive_path: Path) -> Iterator[str]:
    """The dashboard on a free 127.0.0.1 port, served by uvicorn in a thread."""
    app = create_app(
        Config(db=str(archive_path), zone=ZoneInfo("Asia/Bishkek"), country_of=COUNTRIES)
    )
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)  # bound and listening before the browser starts: no wait for readiness
    port = sock.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=30)
        sock.close()


def _console(stderr: bytes) -> list[str]:
    return [line for line in stderr.decode(errors="replace").splitlines() if _CONSOLE.search(line)]


def test_chromium_draws_the_volume_chart_and_the_cluster_list(server: str, tmp_path: Path) -> None:
    done = run_chromium(
        f"{server}/?since=2026-11-07&until=2026-11-09&min_size=1", tmp_path, "--dump-dom"
    )
    assert _console(done.stderr) == []
    dom = lxml.html.fromstring(done.stdout)
    bars = dom.xpath("//svg[@class='volume']//rect[@class='bar']")
    assert len(bars) == 6 and all(float(b.get("height")) > 0 for b in bars)
    assert [r.get("data-cluster") for r in dom.xpath("//table[@class='clusters']//tbody/tr")] == [
        "d1",
        "g1",
        "s1",
    ]
    assert dom.xpath("//script") == []  # the hostile title stayed text
    assert f"Spillway opened {HOSTILE}" in dom.xpath("string(//table[@class='clusters'])")


def test_chromium_shows_the_cluster_evidence_and_search_marks(server: str, tmp_path: Path) -> None:
    done = run_chromium(f"{server}/cluster/d1", tmp_path, "--dump-dom")
    assert _console(done.stderr) == []
    dom = lxml.html.fromstring(done.stdout)
    assert len(dom.xpath("//svg[@class='timeline']//circle")) == 3
    assert len(dom.xpath("//section[@class='evidence']//div[@class='text']/mark")) == 4
    found = run_chromium(
        f"{server}/search?q=%D0%B2%D0%B0%D0%B3%D0%BE%D0%BD*", tmp_path, "--dump-dom"
    )
    assert _console(found.stderr) == []
    marks = lxml.html.fromstring(found.stdout).xpath("//ol[@class='hits']//mark/text()")
    assert {m.casefold() for m in marks} == {"вагоны", "вагонов"}


def test_chromium_screenshot_of_the_dashboard(server: str, tmp_path: Path) -> None:
    shot = tmp_path / "dashboard.png"
    done = run_chromium(
        f"{server}/?since=2026-11-01&until=2026-11-10&min_size=1",
        tmp_path,
        f"--screenshot={shot}",
        "--window-size=1200,900",
        "--hide-scrollbars",
    )
    assert _console(done.stderr) == []
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
