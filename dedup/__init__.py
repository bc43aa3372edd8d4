"""newsmon's near-duplicate clustering: normalisation, MinHash signatures, LSH, clusters.

A library without Scrapy: ``crawler`` uses only the names below.

Example:
    >>> from dedup import Clusterer, DedupConfig, Doc, signature
    >>> cfg = DedupConfig()
    >>> clusterer = Clusterer(cfg)
    >>> clusterer.add(Doc(id="a"), signature("Some article text about the river.", cfg)).kind
    'new'
"""

from __future__ import annotations

import logging

from dedup.clusters import ClusterDecision, Clusterer
from dedup.config import DedupConfig
from dedup.direction import Link, Member, copy_links, same_source
from dedup.errors import DedupError, DuplicateKey, IncompatibleSignature
from dedup.index import Doc, Match, NearDupIndex
from dedup.metrics import bcubed, pairwise
from dedup.records import cluster_records
from dedup.signature import Signature, signature, signatures
from dedup.storage import MemoryStore, RedisStore, Store, open_store

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    "ClusterDecision",
    "Clusterer",
    "DedupConfig",
    "DedupError",
    "Doc",
    "DuplicateKey",
    "IncompatibleSignature",
    "Link",
    "Match",
    "Member",
    "MemoryStore",
    "NearDupIndex",
    "RedisStore",
    "Signature",
    "Store",
    "bcubed",
    "cluster_records",
    "copy_links",
    "open_store",
    "pairwise",
    "same_source",
    "signature",
    "signatures",
]
