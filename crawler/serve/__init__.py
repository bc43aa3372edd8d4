"""``newsmon serve``: a read-only web dashboard over the archive, for analysts.

A small ASGI app (:mod:`~crawler.serve.app`: Starlette routes, Jinja2 templates in
``templates/``, one stylesheet in ``static/``) run by uvicorn. Charts are SVG drawn on the server
(:mod:`~crawler.serve.charts`), so pages carry no script and need no network. The queries are
those of the reports (:mod:`crawler.report.reports`, :mod:`crawler.report.queries`); the URL
holds every filter (:mod:`~crawler.serve.filters`).
"""
