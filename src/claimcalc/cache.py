"""A cache of validated products, keyed by the product file's SHA-256.

Validating a product file means parsing its YAML and checking it against the
rule model and the cross-checks; the result depends only on the file's bytes
and on claimcalc's version, so it is kept (pickled) in the user's cache
directory and reused. A missing, stale or unreadable entry is ignored and the
file is loaded normally; failing to write one is not an error either.

The directory is ``$CLAIMCALC_CACHE_DIR``, else ``$XDG_CACHE_HOME/claimcalc``,
else ``~/.cache/claimcalc``; ``CLAIMCALC_CACHE_DIR=off`` disables the cache.
Entries are only read from this per-user directory, created private (0700).
"""

from __future__ import annotations

import os
import pickle
import sys
import tempfile
from contextlib import suppress
from pathlib import Path

from claimcalc.rules import Product

#: Bump when the rule model changes shape: old entries are then ignored.
CACHE_FORMAT = 3


def cache_dir() -> Path | None:
    configured = os.environ.get("CLAIMCALC_CACHE_DIR")
    if configured == "off":
        return None
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "claimcalc"


def _entry(sha256: str) -> Path | None:
    from claimcalc import __version__

    directory = cache_dir()
    if directory is None:
        return None
    python = f"py{sys.version_info.major}{sys.version_info.minor}"
    return directory / f"product-{sha256}-{__version__}-{CACHE_FORMAT}-{python}.pickle"


def get(sha256: str) -> Product | None:
    entry = _entry(sha256)
    if entry is None:
        return None
    try:
        with entry.open("rb") as handle:
            product = pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError):
        return None
    return product if isinstance(product, Product) else None


def put(sha256: str, product: Product) -> None:
    entry = _entry(sha256)
    if entry is None:
        return
    with suppress(OSError, pickle.PicklingError):
        entry.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=entry.parent, suffix=".part")
        try:
            with os.fdopen(fd, "wb") as handle:
                pickle.dump(product, handle, protocol=pickle.HIGHEST_PROTOCOL)
            Path(temporary).replace(entry)
        finally:
            with suppress(FileNotFoundError):
                Path(temporary).unlink()
