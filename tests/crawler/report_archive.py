"""A small archive and an outlet registry for the report and export tests (invented stories)."""

from __future__ import annotations

import json
from pathlib import Path

from crawler.store.archive import Archive
from dedup import DedupConfig, signature
from tests.factories import GRAIN, make_article

# id, name, country, languages
OUTLETS = [
    ("ala-too", "Ala-Too Wire", "KG", ["en", "ky"]),
    ("osh24", "Osh 24", "KG", ["en"]),
    ("vestnik", "Stepnoy Vestnik", "KZ", ["ru"]),
    ("courier", "Tashkent Courier", "UZ", ["ru", "en"]),
]


def write_registry(path: Path) -> Path:
    """An outlet registry naming the archive's outlets, with their countries and languages."""
    tables = [
        f'[[outlet]]\nid = "{i}"\nname = "{n}"\ncountry = "{c}"\n'
        f'languages = {json.dumps(langs)}\nhomepage = "https://{i}.example/"\n'
        f'feeds = ["https://{i}.example/rss"]\n'
        f"article_pattern = '^https://{i}\\.example/news/'\n"
        for i, n, c, langs in OUTLETS
    ]
    path.write_text("\n".join(tables), encoding="utf-8")
    return path


def fill_archive(path: Path) -> Path:
    """Water (ala-too, osh24 a day and 2 hours later, courier), grain (vestnik, courier), one
    single (osh24, no detected language)."""
    cfg = DedupConfig()
    with Archive(path) as archive:
        for article in (
            make_article(
                "w1a",
                "ala-too",
                "2026-11-09T10:00:00+06:00",
                cluster="w1a",
                title="Toktogul water release agreed",
            ),
            make_article("w2b", "osh24", "2026-11-10T06:05:00+00:00", cluster="w1a"),
            make_article("w3c", "courier", "2026-11-09T09:30:00+00:00", cluster="w1a"),
            make_article(
                "g1d",
                "vestnik",
                "2026-11-08T10:00:00Z",
                cluster="g1d",
                text=GRAIN,
                language="ru",
                title="Зерно ждёт вагонов",
            ),
            make_article(
                "g2e",
                "courier",
                "2026-11-08T12:00:00Z",
                cluster="g1d",
                text=GRAIN,
                language="ru",
                title="Вагоны для зерна",
            ),
            make_article(
                "s1f",
                "osh24",
                "2026-11-07T09:00:00Z",
                cluster="s1f",
                language=None,
                title="Market prices",
                text="Onions cost more this week. " * 20,
            ),
        ):
            archive.store_article(article, signature=signature(article.text, cfg).to_bytes())
    return path
