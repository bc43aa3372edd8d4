"""An invented article page for the examples of the docs (no real outlet's text)."""

PAGE = """<html><head><title>Bridge over the Chui opens</title>
<meta property="article:published_time" content="2026-11-02T08:00:00+06:00"></head>
<body><article><h1>Bridge over the Chui opens</h1>
<p>The new bridge over the Chui river opened on Monday morning after two years of work by the
district.</p>
<p>Buses of routes 5 and 12 will use it from June, the transport office said, and cut the trip
to the market by twenty minutes.</p>
<p>Residents of both banks had asked for the crossing since the old ford was closed by the
spring flood of the previous year.</p>
</article></body></html>"""
