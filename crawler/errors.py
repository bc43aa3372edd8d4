"""The exceptions newsmon raises, in one tree.

::

    NewsmonError
    ├── ConfigError ── RegistryError    (file, outlet id, key)
    ├── StorageError                    (archive, Redis)
    └── ExtractionError ── NotAnArticle (a page that is not an article, with the reason)

The dedup library keeps its own tree (``dedup.DedupError``) because it imports nothing from here;
the CLI catches both and prints one line. Only ``crawler.cli`` calls ``sys.exit``.
"""

from __future__ import annotations


class NewsmonError(Exception):
    """Base class of every error newsmon raises on purpose."""


class ConfigError(NewsmonError):
    """A setting, an option or a configuration file is wrong."""


class RegistryError(ConfigError):
    """The outlet registry (TOML) is invalid; the message names the file, the outlet and the key."""


class StorageError(NewsmonError):
    """The archive or Redis could not be read or written."""


class ExtractionError(NewsmonError):
    """A page could not be turned into an article (empty, binary, unparsable)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason}: {detail}" if detail else reason)


class NotAnArticle(ExtractionError):
    """The page is readable but is not an article (listing, tag page, error page, empty body)."""
