"""Running over time and over machines: the scheduler (:mod:`~crawler.run.schedule`), its locks and
Redis leases (:mod:`~crawler.run.lease`) and the distributed ingest consumer
(:mod:`~crawler.run.ingest`)."""
