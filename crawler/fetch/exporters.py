"""Scrapy feed exports of Article records: ``scrapy crawl outlet ... -O items.jsonl|csv|json``.

The pipelines' item (:class:`~crawler.items.ArticleItem`) carries the page's HTML and MinHash
signature (bytes) for the archive; a Scrapy user exporting the crawl wants the Article record,
as ``newsmon export`` writes it. :class:`ArticleRecordAdapter` shows every exporter (and
anything else that reads items through ``itemadapter``) the record instead; the JSON lines and
CSV exporters write it exactly as ``newsmon export`` does (CSV: authors joined with ``; ``,
images as JSON, cells escaped).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from itemadapter import ItemAdapter
from itemadapter.adapter import AdapterInterface
from scrapy.exporters import CsvItemExporter, JsonLinesItemExporter

from crawler import escape
from crawler.items import ARTICLE_FIELDS, ArticleItem


class ArticleRecordAdapter(AdapterInterface):
    """An :class:`ArticleItem` seen as its Article record (read-only), fields in order."""

    def __init__(self, item: Any) -> None:
        super().__init__(item)
        self._record: dict[str, Any] | None = None

    @classmethod
    def is_item_class(cls, item_class: type) -> bool:
        return issubclass(item_class, ArticleItem)

    @classmethod
    def get_field_names_from_class(cls, item_class: type) -> list[str] | None:
        return list(ARTICLE_FIELDS)

    @property
    def record(self) -> dict[str, Any]:
        """The Article record, as ``newsmon export`` writes it (cluster and copy_of included)."""
        if self._record is None:
            self._record = self.item.article.to_record()
        return self._record

    def __getitem__(self, name: str) -> Any:
        return self.record[name]

    def __setitem__(self, name: str, value: Any) -> None:
        raise TypeError("an ArticleItem's record is read-only; change item.article")

    def __delitem__(self, name: str) -> None:
        raise TypeError("an ArticleItem's record is read-only; change item.article")

    def __iter__(self) -> Iterator[str]:
        return iter(self.record)

    def __len__(self) -> int:
        return len(self.record)


def register() -> None:
    """Put :class:`ArticleRecordAdapter` first in itemadapter's list (once)."""
    if ArticleRecordAdapter not in ItemAdapter.ADAPTER_CLASSES:
        ItemAdapter.ADAPTER_CLASSES.appendleft(ArticleRecordAdapter)


class ArticleJsonLinesExporter(JsonLinesItemExporter):
    """JSON lines as ``newsmon export`` writes them: UTF-8, C1 controls and bidi escaped."""

    def export_item(self, item: Any) -> None:
        line = self.encoder.encode(dict(self.get_serialized_fields(item)))
        self.file.write((escape.json_text(line) + "\n").encode(self.encoding or "utf-8"))


class ArticleCsvExporter(CsvItemExporter):
    """CSV as ``newsmon export --format csv`` writes it: authors joined with ``; ``, images as
    JSON, every cell escaped against spreadsheet formulas."""

    def serialize_field(self, field: Any, name: str, value: Any) -> Any:
        if name == "authors" and isinstance(value, list):
            value = "; ".join(value)
        elif name == "images" and isinstance(value, list):
            value = json.dumps(value, ensure_ascii=False)
        return escape.csv_cell(super().serialize_field(field, name, value))


register()
