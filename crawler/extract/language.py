"""The language detector (py3langid), with its model read from a faster copy.

py3langid ships its model as an xz-compressed npz file (4.5 MB; 68 MB of arrays). Undoing the xz
takes ~0.5 s of every process that detects languages: each crawl's forkserver, whose import the
extraction workers wait for at start-up, and each ``newsmon extract``. The first load writes the
same npz as a zstd frame (~7 MB, ~0.1 s to undo) to newsmon's cache folder, named by a hash of
py3langid's file; later loads read it. Without a folder that can be written, every load undoes
the xz as before; a copy that cannot be read is written again.

The cache folder is ``NEWSMON_CACHE_DIR``, else ``$XDG_CACHE_HOME/newsmon``, else
``~/.cache/newsmon``.

Building the identifier from the copy reads py3langid's model layout, so it runs only on the
py3langid versions listed in :data:`VERIFIED_PY3LANGID` (tests/crawler/test_language.py checks it
ranks as py3langid does); any other version loads its model the public way.
"""

from __future__ import annotations

import importlib.metadata
import io
import logging
import lzma
import os
import tempfile
import zipfile
from array import array
from functools import cache
from pathlib import Path

import numpy as np
import xxhash
from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

from crawler import zstd

__all__ = ["VERIFIED_PY3LANGID", "cache_dir", "identifier", "rank"]

logger = logging.getLogger(__name__)

_CACHE_ZSTD_LEVEL = 3  # 6.8 MB, and no slower to undo than level 1's 7.3 MB
VERIFIED_PY3LANGID = frozenset({"0.4.0"})


def cache_dir() -> Path | None:
    """The folder newsmon keeps derived files in (``NEWSMON_CACHE_DIR`` to choose it); None when
    there is no home folder to put it in."""
    chosen = os.environ.get("NEWSMON_CACHE_DIR")
    if chosen:
        return Path(chosen)
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg:
        return Path(xdg) / "newsmon"
    try:
        return Path.home() / ".cache" / "newsmon"
    except RuntimeError:  # no HOME and no password-file entry (a bare container user)
        return None


@cache
def identifier() -> LanguageIdentifier:
    """py3langid's identifier with its bundled model, loaded once per process."""
    version = importlib.metadata.version("py3langid")
    if version not in VERIFIED_PY3LANGID:
        logger.warning(
            "py3langid %s is not a version newsmon's model copy is verified on (%s); "
            "loading its model the slower public way",
            version,
            ", ".join(sorted(VERIFIED_PY3LANGID)),
        )
        return LanguageIdentifier.from_model_file(MODEL_FILE)  # as py3langid loads its own
    shipped = (MODEL_DIR / MODEL_FILE).read_bytes()
    folder = cache_dir()
    copy = folder / f"langid-{xxhash.xxh3_64_hexdigest(shipped)}.npz.zst" if folder else None
    if copy is not None:
        try:
            return _identifier_from_npz(zstd.decompress(copy.read_bytes()))
        except OSError as exc:  # no copy yet, or a folder that cannot be used
            logger.debug("no language model copy at %s: %s", copy, exc)
        except (ValueError, KeyError, zipfile.BadZipFile, zstd.ZstdError) as exc:
            logger.warning("language model copy %s is unreadable (%s); writing it again", copy, exc)
    npz = lzma.decompress(shipped)
    found = _identifier_from_npz(npz)
    if copy is not None:
        _write_atomically(copy, zstd.compress(npz, level=_CACHE_ZSTD_LEVEL))
    return found


def rank(text: str) -> list[tuple[str, float]]:
    """The languages of ``text``, most likely first, with their scores (``py3langid.rank``)."""
    return identifier().rank(text)


def _identifier_from_npz(npz: bytes) -> LanguageIdentifier:
    # py3langid.modelio.load_model and LanguageIdentifier.from_model_file, from bytes in memory
    # instead of a path to an xz file (py3langid is pinned below 0.5 for this).
    with np.load(io.BytesIO(npz), allow_pickle=False) as data:
        return LanguageIdentifier(
            np.asarray(data["ptc"]),
            np.asarray(data["pc"]),
            data["classes"].tolist(),
            _uint_array(data["nextmove"]),
            data["out_feat"].tolist(),
            tk_row=_uint_array(data["nextmove_row"]),
        )


def _uint_array(values: np.ndarray) -> array:
    # the DFA tables as py3langid keeps them: stdlib arrays, cheaper to index one by one in
    # Python than numpy's
    out = array({2: "H", 4: "I", 8: "L"}[values.dtype.itemsize])
    out.frombytes(np.ascontiguousarray(values).tobytes())
    return out


def _write_atomically(path: Path, blob: bytes) -> None:
    """Write ``blob`` to ``path`` through a temporary file beside it, so that a process reading it
    meanwhile sees either nothing or all of it; a folder that cannot be written is skipped."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    except OSError as exc:
        logger.debug("cannot keep the language model copy in %s: %s", path.parent, exc)
        return
    try:
        with os.fdopen(fd, "wb") as tmp:
            tmp.write(blob)
        os.chmod(name, 0o644)  # mkstemp's 0600 would hide it from the other users of a shared cache
        os.replace(name, path)
    except OSError as exc:
        Path(name).unlink(missing_ok=True)
        logger.debug("cannot keep the language model copy in %s: %s", path.parent, exc)
