"""The exceptions the dedup library raises, in one tree.

::

    DedupError (ValueError)
    ├── IncompatibleSignature   a signature or index built with other parameters
    └── DuplicateKey            an article id that is already in the index

``DedupError`` itself covers bad configuration values and unknown store URLs. Every message says
what was wrong and what to do about it. The library imports nothing from ``crawler``; the CLI
catches ``DedupError`` and prints it as one line.
"""

from __future__ import annotations


class DedupError(ValueError):
    """Base class of the errors the dedup library raises on purpose."""


class IncompatibleSignature(DedupError):
    """A signature (or a persisted index) was made with other parameters than the config in use.

    Example:
        .. code-block:: python

            blob = signature("a text", DedupConfig(num_perm=64)).to_bytes()
            Signature.from_bytes(blob, DedupConfig(num_perm=128))  # raises IncompatibleSignature
    """


class DuplicateKey(DedupError):
    """An article id was added twice to the same index.

    Example:
        .. code-block:: python

            clusterer.add(Doc(id="a1"), sig)
            clusterer.add(Doc(id="a1"), sig)  # raises DuplicateKey
    """
