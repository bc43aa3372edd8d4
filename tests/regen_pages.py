"""Regenerate the expected extraction of every fixture page in tests/pages.

The pages are written for newsmon in the templates of real outlets (own texts); each
``<outlet>/<slug>.html`` has its expected result in ``<slug>.json`` beside it, and
``tests/pages/manifest.json`` gives each page's URL, fetch time, HTTP Content-Type and feed priors.
After a deliberate change to the extractor, run::

    /tmp/venv/bin/python -m tests.regen_pages

and review ``git diff tests/pages`` before committing: the expected files are never edited by hand.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from crawler.errors import ExtractionError
from crawler.extract.article import extract_article
from crawler.items import Priors

PAGES = Path(__file__).resolve().parent / "pages"
MANIFEST = PAGES / "manifest.json"


def manifest() -> list[dict[str, Any]]:
    """The fixture pages and their inputs."""
    return json.loads(MANIFEST.read_text(encoding="utf-8"))


def page_record(entry: dict[str, Any]) -> dict[str, Any]:
    """What the extractor makes of one fixture page: the Article record or {"error": reason}."""
    body = (PAGES / entry["path"]).read_bytes()
    priors = Priors(**entry["priors"]) if entry.get("priors") else None
    try:
        ex = extract_article(
            body,
            entry["url"],
            outlet=entry["outlet"],
            content_type=entry.get("content_type"),
            fetched=entry["fetched"],
            priors=priors,
        )
    except ExtractionError as exc:
        return {"error": exc.reason}
    return ex.article.to_record()


def expected_path(entry: dict[str, Any]) -> Path:
    """Where a page's expected JSON lives."""
    return (PAGES / entry["path"]).with_suffix(".json")


def render(record: dict[str, Any]) -> str:
    """The expected file's exact text."""
    return json.dumps(record, ensure_ascii=False, indent=1) + "\n"


def main() -> int:
    """Rewrite every expected file; print which ones changed."""
    changed = 0
    for entry in manifest():
        path = expected_path(entry)
        text = render(page_record(entry))
        old = path.read_text(encoding="utf-8") if path.exists() else None
        if text != old:
            path.write_text(text, encoding="utf-8")
            changed += 1
            print(f"{'updated' if old else 'created'} {path.relative_to(PAGES.parent.parent)}")
    print(f"{changed} expected file(s) changed; review them with: git diff tests/pages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
