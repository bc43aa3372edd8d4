"""The bundled sample outlets that ``newsmon demo`` crawls offline, and their local HTTP server.

``sites/*.toml`` hold seven fictional outlets and their articles (the project's own texts),
``expected.json`` the designed story groups, ``pages`` and ``feeds`` the outlets' templates, and
``server.serve_sample_outlets()`` serves them on local addresses with a matching outlet registry.
"""
