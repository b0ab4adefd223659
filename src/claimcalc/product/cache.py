"""A cache of validated products, keyed by the product file's SHA-256.

Validating a product file means parsing its YAML and checking it against the
rule model and the cross-checks; the result depends only on the file's bytes
and on claimcalc's version, so it is kept (pickled) in the user's cache
directory and reused. Two kinds are kept: the pydantic ``product`` (for
showing, diffing, guides) and its plain ``rulebook`` copy (for settling,
which then imports no pydantic).

The directory is ``$CLAIMCALC_CACHE_DIR``, else ``$XDG_CACHE_HOME/claimcalc``,
else ``~/.cache/claimcalc``; ``CLAIMCALC_CACHE_DIR=off`` disables the cache.

What the cache trusts (issue 15): unpickling can run code, so nothing is
unpickled that this user did not write. The directory must be owned by the
user and not writable by group or others (as ssh and pip require), else it is
neither read nor written. Each entry is signed: an HMAC-SHA256, with a secret
key kept in the directory (``key``, 0600, owned by the user), over a header
naming the kind, the product file's SHA-256, claimcalc's version, the cache
format and Python's version, followed by the pickle. The signature is checked
before anything is unpickled, so a planted, edited, swapped (another
product's entry renamed) or truncated entry is never loaded: someone who can
write entries but not read the key cannot make one that verifies. An entry
that is missing, foreign (another owner, writable by others, not a regular
file), unsigned, tampered or unreadable in any way is a miss: the file is
validated again and the entry replaced atomically. Failing to write one is
not an error.
"""

from __future__ import annotations

import hmac
import os
import pickle
import stat
import sys
from contextlib import suppress
from pathlib import Path
from typing import Literal, TypeVar

Kind = Literal["product", "rulebook"]
T = TypeVar("T")

#: Bump when the rule model or the entry format changes: old entries are then ignored.
CACHE_FORMAT = 12

#: The key file's name in the cache directory, and its length in bytes.
KEY_NAME = "key"
KEY_BYTES = 32
_MAC_BYTES = 32  # HMAC-SHA256
#: Larger entries are not read (the shipped products' are well under 1 MiB).
MAX_ENTRY_BYTES = 64 * 1024 * 1024

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_BINARY = getattr(os, "O_BINARY", 0)


def cache_dir() -> Path | None:
    configured = os.environ.get("CLAIMCALC_CACHE_DIR")
    if configured == "off":
        return None
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "claimcalc"


def _owned_private(status: os.stat_result, *, secret: bool) -> bool:
    """Owned by this user and not writable (nor, if ``secret``, readable) by anyone else."""
    getuid = getattr(os, "getuid", None)
    if getuid is None:  # Windows: no POSIX owner or modes to check
        return True
    forbidden = 0o077 if secret else 0o022
    return status.st_uid == getuid() and not status.st_mode & forbidden


def trusted_dir(directory: Path) -> bool:
    """A directory only this user can write to (checked before anything in it is read)."""
    try:
        status = directory.stat()  # a symlinked directory is judged by its target
    except OSError:
        return False
    return stat.S_ISDIR(status.st_mode) and _owned_private(status, secret=False)


def _read_private(path: Path, limit: int, *, secret: bool) -> bytes | None:
    """A regular file's bytes, if it is this user's and no one else can write it."""
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _BINARY)
    except OSError:
        return None
    try:
        status = os.fstat(fd)
        if not (
            stat.S_ISREG(status.st_mode)
            and _owned_private(status, secret=secret)
            and status.st_size <= limit
        ):
            return None
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return handle.read(limit + 1)
    except Exception:
        return None
    finally:
        os.close(fd)


def _key(directory: Path) -> bytes | None:
    key = _read_private(directory / KEY_NAME, KEY_BYTES, secret=True)
    return key if key is not None and len(key) == KEY_BYTES else None


def _new_key(directory: Path) -> bytes | None:
    """The directory's key, made (0600, atomically) if there is none yet."""
    import secrets
    import tempfile

    key = _key(directory)
    if key is not None or (directory / KEY_NAME).exists():
        return key
    fd, temporary = tempfile.mkstemp(dir=directory, suffix=".part")  # 0600
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(secrets.token_bytes(KEY_BYTES))
        with suppress(FileExistsError):  # another run made one first: use that
            os.link(temporary, directory / KEY_NAME)
    finally:
        with suppress(FileNotFoundError):
            Path(temporary).unlink()
    return _key(directory)


def _header(sha256: str, kind: Kind) -> bytes:
    from claimcalc import __version__

    python = f"py{sys.version_info.major}{sys.version_info.minor}"
    return f"claimcalc cache\0{kind}\0{sha256}\0{__version__}\0{CACHE_FORMAT}\0{python}\0".encode()


def _entry(sha256: str, kind: Kind) -> Path | None:
    from claimcalc import __version__

    directory = cache_dir()
    if directory is None:
        return None
    python = f"py{sys.version_info.major}{sys.version_info.minor}"
    return directory / f"{kind}-{sha256}-{__version__}-{CACHE_FORMAT}-{python}.pickle"


def _sign(key: bytes, header: bytes, payload: bytes) -> bytes:
    return hmac.new(key, header + payload, "sha256").digest()


def get(sha256: str, kind: Kind, expected: type[T]) -> T | None:
    """The cached object of this kind for a file's hash, if it is there, signed
    with this user's key for exactly this file, and an ``expected``."""
    entry = _entry(sha256, kind)
    if entry is None or not trusted_dir(entry.parent):
        return None
    key = _key(entry.parent)
    if key is None:
        return None
    data = _read_private(entry, MAX_ENTRY_BYTES, secret=False)
    if data is None or len(data) < _MAC_BYTES:
        return None
    mac, payload = data[:_MAC_BYTES], data[_MAC_BYTES:]
    if not hmac.compare_digest(mac, _sign(key, _header(sha256, kind), payload)):
        return None
    try:
        product = pickle.loads(payload)
    except Exception:  # any unreadable entry is a miss (MemoryError too)
        return None
    return product if isinstance(product, expected) else None


def put(sha256: str, kind: Kind, product: object) -> None:
    """Cache ``product`` for a file's hash, signed; replaces any entry atomically."""
    import tempfile  # only on a miss: a run served from the cache never writes

    entry = _entry(sha256, kind)
    if entry is None:
        return
    with suppress(Exception):
        entry.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not trusted_dir(entry.parent):
            return
        key = _new_key(entry.parent)
        if key is None:
            return
        payload = pickle.dumps(product, protocol=pickle.HIGHEST_PROTOCOL)
        fd, temporary = tempfile.mkstemp(dir=entry.parent, suffix=".part")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(_sign(key, _header(sha256, kind), payload))
                handle.write(payload)
            Path(temporary).replace(entry)
        finally:
            with suppress(FileNotFoundError):
                Path(temporary).unlink()
