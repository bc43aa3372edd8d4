"""Discovery: pure parsers that turn feeds, sitemaps and section pages into article links.

Bytes in, plain data out; no I/O. ``links`` holds the shared records (``LinkEntry``,
``DiscoveryError``) and the outlet filter; ``feeds``, ``sitemaps`` and ``sections`` parse one kind
of document each; ``safexml`` is the hardened XML set-up they share.
"""
