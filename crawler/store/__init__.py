"""Storage: the SQLite archive and what leaves it.

:mod:`~crawler.store.archive` (articles, raw HTML, clusters, runs, seen URLs, learned boilerplate),
its writer thread (:mod:`~crawler.store.writer`), the outbox of Redis messages
(:mod:`~crawler.store.outbox`) and their publisher (:mod:`~crawler.store.queue`), the seen-URL
stores (:mod:`~crawler.store.seen`) and the glue between the archive and ``dedup``'s clusterer
(:mod:`~crawler.store.clustering`). No Scrapy.
"""
