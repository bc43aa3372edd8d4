"""The layout shows the stages, and the imports keep to it.

Arrows go one way: commands -> run -> fetch -> (extract, report) -> store -> dedup, and
commands -> serve (the web dashboard) -> report. The records everyone uses (``crawler.items``,
``errors``, ``urls``, ``times``, ``zstd``, ``escape``) and ``settings`` are below them all;
``dedup`` imports nothing of newsmon. Scrapy and Twisted live in ``crawler.fetch`` only;
``crawler.extract`` and ``dedup`` are libraries without an event loop.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STAGES = ("commands", "run", "fetch", "extract", "report", "store", "demo", "serve")
# what each layer may import of newsmon (besides itself)
ALLOWED = {
    "records": {"records"},
    "settings": {"records"},
    "dedup": set(),
    "extract": {"records", "settings"},
    "store": {"records", "settings", "dedup"},
    "report": {"records", "settings", "dedup", "store"},
    "fetch": {"records", "settings", "dedup", "store", "extract", "report"},
    "run": {"records", "settings", "dedup", "store", "extract", "report", "fetch"},
    "demo": {"records", "settings"},
    "serve": {"records", "settings", "dedup", "store", "report"},
    "commands": {
        "records",
        "settings",
        "dedup",
        "store",
        "extract",
        "report",
        "fetch",
        "run",
        "demo",
        "commands",
        "serve",
    },
    "cli": {"records", "commands"},
    # the Python API: a face over the libraries and the read-only queries, no crawl machinery
    "newsmon": {"records", "settings", "dedup", "store", "extract", "report", "newsmon"},
}


def _layer(module: str) -> str:
    parts = module.split(".")
    if parts[0] != "crawler":
        return parts[0]
    if len(parts) > 1 and parts[1] in STAGES:
        return parts[1]
    if module in ("crawler.cli", "crawler.__main__"):
        return "cli"
    return "records"


def _modules() -> list[tuple[str, Path]]:
    found = []
    for package in ("crawler", "dedup", "settings", "newsmon"):
        for path in sorted((ROOT / package).rglob("*.py")):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            found.append((name, path))
    return found


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


MODULES = _modules()


@pytest.mark.parametrize(("module", "path"), MODULES, ids=[m for m, _ in MODULES])
def test_imports_follow_the_stages(module: str, path: Path) -> None:
    layer = _layer(module)
    wrong = sorted(
        name
        for name in _imports(path)
        if name.split(".")[0] in ("crawler", "dedup", "settings", "newsmon")
        and name != "crawler"
        and _layer(name) != layer
        and _layer(name) not in ALLOWED[layer]
    )
    assert not wrong, f"{module} ({layer}) imports {wrong}"


@pytest.mark.parametrize(("module", "path"), MODULES, ids=[m for m, _ in MODULES])
def test_scrapy_and_twisted_are_imported_by_the_fetch_stage_only(module: str, path: Path) -> None:
    if _layer(module) == "fetch":
        return
    used = {name.split(".")[0] for name in _imports(path)} & {"scrapy", "twisted"}
    assert not used, f"{module} imports {sorted(used)}"


def test_every_stage_package_says_what_it_is() -> None:
    for stage in STAGES:
        init = ROOT / "crawler" / stage / "__init__.py"
        assert ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))), stage


@pytest.mark.parametrize("package", ["crawler.extract.article", "dedup", "newsmon"])
def test_the_libraries_load_without_scrapy_twisted_or_an_event_loop(package: str) -> None:
    loaded = _modules_loaded_by(
        f"import {package}",
        "m.split('.')[0] in ('scrapy', 'twisted', 'asyncio') or m.startswith('crawler.fetch')",
    )
    assert loaded == "[]"


def test_the_crawl_process_leaves_trafilatura_to_the_extraction_workers() -> None:
    # the workers' forkserver imports it once for all; the crawl's own process (reactor, writer)
    # needs the boilerplate stage only, and would pay trafilatura's ~0.3 s at every start
    loaded = _modules_loaded_by(
        "import crawler.fetch.runner, crawler.fetch.pipelines, crawler.cli",
        "m.split('.')[0] in ('trafilatura', 'justext')",
    )
    assert loaded == "[]"


def _modules_loaded_by(imports: str, which: str) -> str:
    """The sorted names of the modules ``which`` (an expression of ``m``) that ``imports``
    loads in a fresh interpreter, as printed."""
    code = f"import sys; {imports}; print(sorted(m for m in sys.modules if {which}))"
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        timeout=120,
    )
    return out.stdout.strip()
