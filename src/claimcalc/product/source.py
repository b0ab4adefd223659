"""A product file's bytes and their SHA-256, which names the product's edition exactly.

Below both the catalog (which finds files) and the loader (which validates
them), so that neither needs the other to read a file.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from claimcalc.errors import FileAccessError
from claimcalc.i18n import _


def read_product_bytes(path: str | Path) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise FileAccessError(
            _("{path}: cannot read product file: {reason}").format(path=path, reason=exc.strerror)
        ) from None


def product_sha256(raw: bytes) -> str:
    """The hash settlements cite and the cache is keyed by."""
    return hashlib.sha256(raw).hexdigest()
