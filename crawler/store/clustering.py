"""Putting articles into clusters: what the crawl's ClusterPipeline and ``newsmon ingest`` share.

Both keep a ``dedup.Clusterer`` restored from the archive's articles inside the dedup window
(so a restart continues the same clusters) and add each new article to it in arrival order.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from crawler.items import ArticleItem
from crawler.store.archive import Archive
from crawler.times import epoch, parse_iso
from dedup import Clusterer, DedupConfig, Doc, IncompatibleSignature, Signature, signature

logger = logging.getLogger(__name__)


def restore_clusterer(clusterer: Clusterer, archive: Archive) -> set[str]:
    """Load the archive's articles of the dedup window into ``clusterer``; returns their ids.

    The window ends at the archive's newest article (or now, if that is later than now): the
    clusterer goes on where the last run left it, whenever its articles were published, so a
    crawl killed and run again, or an import of past months, clusters as one run would. An
    article whose stored signature was made with other parameters, or without the sentences
    ``cfg.align`` needs, is signed again.
    """
    cfg = clusterer.config
    now = datetime.now(UTC)
    newest = parse_iso(archive.newest_time() or "")
    end = min(newest, now) if newest is not None else now
    since = (end - timedelta(days=cfg.window_days)).isoformat(timespec="seconds")
    known: set[str] = set()
    resigned: dict[str, bytes] = {}
    for stored in archive.stored_for_restore(since):
        article = stored.article
        try:
            sig = Signature.from_bytes(stored.signature or b"", cfg)
        except IncompatibleSignature:
            sig = None  # parameters changed since it was stored
        if sig is None or _lacks_sentences(sig, cfg):
            sig = signature(article.text, cfg)
            resigned[article.id] = sig.to_bytes()
        doc = Doc(id=article.id, outlet=article.outlet, time=epoch(stored.sort_time))
        clusterer.restore(doc, sig, cluster=article.cluster or article.id)
        known.add(article.id)
    if resigned:  # stored, so that the next run does not sign them again
        archive.set_signatures(resigned)
    if known:
        logger.info(
            "restored %d articles into the clusterer (%d re-signed)", len(known), len(resigned)
        )
    return known


def _lacks_sentences(sig: Signature, cfg: DedupConfig) -> bool:
    """Whether ``cfg`` aligns sentences and ``sig`` was made without looking for them (by a
    crawl or worker without NEWSMON_DEDUP_ALIGN): it must be signed again to be indexed."""
    return cfg.align and not len(sig.sentences.minhash)


def assign_cluster(clusterer: Clusterer, item: ArticleItem) -> str:
    """Add ``item``'s article to ``clusterer`` and record the decision on the item.

    Sets ``article.cluster`` and ``item.aliases``; returns the decision's kind (``new``,
    ``joined`` or ``merged``). The copy direction (``copy_of``, ``similarity``) is by publication
    time over the whole cluster: the archive sets it when it stores the article
    (``Archive.store_article``), for this article and for the members it comes before.
    """
    article = item.article
    sig = Signature.from_bytes(item.signature, clusterer.config)
    if _lacks_sentences(sig, clusterer.config):
        sig = signature(article.text, clusterer.config)
        item.signature = sig.to_bytes()  # stored with the sentences
    time = epoch(article.published or article.fetched)
    decision = clusterer.add(Doc(id=article.id, outlet=article.outlet, time=time), sig)
    article.cluster = decision.cluster
    item.aliases = tuple(decision.aliases)
    return decision.kind
