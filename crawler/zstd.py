"""zstd frames: Python 3.14's ``compression.zstd``, or its backport before 3.14 (Scrapy depends
on the backport too)."""

from __future__ import annotations

import sys

if sys.version_info >= (3, 14):
    from compression.zstd import ZstdError, compress, decompress
else:
    from backports.zstd import ZstdError, compress, decompress

__all__ = ["ZstdError", "compress", "decompress"]
