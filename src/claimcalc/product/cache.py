"""A cache of validated products, keyed by the product file's SHA-256.

Validating a product file means parsing its YAML and checking it against the
rule model and the cross-checks; the result depends only on the file's bytes
and on claimcalc's version, so it is kept (pickled) in the user's cache
directory and reused. Two kinds are kept: the pydantic ``product`` (for
showing, diffing, guides) and its plain ``rulebook`` copy (for settling,
which then imports no pydantic). A missing, stale or unreadable entry is ignored and the
file is loaded normally; failing to write one is not an error either.

The directory is ``$CLAIMCALC_CACHE_DIR``, else ``$XDG_CACHE_HOME/claimcalc``,
else ``~/.cache/claimcalc``; ``CLAIMCALC_CACHE_DIR=off`` disables the cache.
Entries are only read from this per-user directory, created private (0700).
"""

from __future__ import annotations

import os
import pickle
import sys
from contextlib import suppress
from pathlib import Path
from typing import Literal, TypeVar

Kind = Literal["product", "rulebook"]
T = TypeVar("T")

#: Bump when the rule model changes shape: old entries are then ignored.
CACHE_FORMAT = 10


def cache_dir() -> Path | None:
    configured = os.environ.get("CLAIMCALC_CACHE_DIR")
    if configured == "off":
        return None
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "claimcalc"


def _entry(sha256: str, kind: Kind) -> Path | None:
    from claimcalc import __version__

    directory = cache_dir()
    if directory is None:
        return None
    python = f"py{sys.version_info.major}{sys.version_info.minor}"
    return directory / f"{kind}-{sha256}-{__version__}-{CACHE_FORMAT}-{python}.pickle"


def get(sha256: str, kind: Kind, expected: type[T]) -> T | None:
    """The cached object of this kind for a file's hash, if it is there and an ``expected``."""
    entry = _entry(sha256, kind)
    if entry is None:
        return None
    try:
        with entry.open("rb") as handle:
            product = pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError):
        return None
    return product if isinstance(product, expected) else None


def put(sha256: str, kind: Kind, product: object) -> None:
    import tempfile  # only on a miss: a run served from the cache never writes

    entry = _entry(sha256, kind)
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
