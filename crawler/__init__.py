"""newsmon's crawler: spiders, discovery, extraction, pipelines, archive, queue, reports and CLI."""
