"""Fetching: the only Scrapy and Twisted code of newsmon.

The ``outlet`` spider (:mod:`~crawler.fetch.spiders.outlet`) reads an outlet's feeds, sitemaps and
sections (:mod:`~crawler.fetch.discovery`) and fetches its new articles; downloader middlewares
(:mod:`~crawler.fetch.middlewares`, :mod:`~crawler.fetch.domains`) and extensions
(:mod:`~crawler.fetch.extensions`) are small Scrapy components built ``from_crawler``; the item
pipelines (:mod:`~crawler.fetch.pipelines`) send each page to the extraction process pool
(:mod:`~crawler.fetch.pool`), then cluster, store and publish it; :mod:`~crawler.fetch.runner`
starts a crawl and :mod:`~crawler.fetch.probe` checks outlets without crawling them.
"""
