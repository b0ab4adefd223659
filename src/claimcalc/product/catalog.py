"""Find product files: by id (latest edition), by ``id@edition``, or by path.

Products live in one directory: ``$CLAIMCALC_PRODUCTS`` if set, else the
``products/`` shipped with the package (installed wheel) or beside the source
tree (editable install). Each product is a folder named by its id, holding one
file per edition, ``<id>/<edition>.yaml``, beside its ``cases/`` and
``examples/``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from claimcalc.errors import FileAccessError, UnknownProductError, UsageError
from claimcalc.i18n import _
from claimcalc.product import cache, model
from claimcalc.product.source import product_sha256, read_product_bytes

if TYPE_CHECKING:
    from claimcalc.product.schema import Product

_PRODUCT_ID = re.compile(r"^[a-z][a-z0-9_-]*$")
_CATALOG_REF = re.compile(r"^[a-z][a-z0-9_-]*(@\d{4}-\d{2})?$")
_EDITION_FILE = re.compile(r"^(?P<edition>\d{4}-\d{2})\.ya?ml$")


def products_dir() -> Path:
    """The directory that holds the shipped product files."""
    env = os.environ.get("CLAIMCALC_PRODUCTS")
    if env:
        return Path(env)
    package = Path(__file__).resolve().parent.parent
    shipped = package / "_products"
    if shipped.is_dir():
        return shipped
    return package.parent.parent / "products"


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    id: str
    edition: str
    path: Path

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.edition}"


def catalog(directory: Path | None = None) -> list[CatalogEntry]:
    """Every product edition in the directory (``<id>/<edition>.yaml``), by id then edition."""
    root = directory or products_dir()
    try:
        folders = sorted(root.iterdir()) if root.is_dir() else []
    except OSError as exc:
        raise FileAccessError(
            _("{path}: cannot read products directory: {reason}").format(
                path=root, reason=exc.strerror
            )
        ) from None
    return [entry for folder in folders for entry in _editions(folder)]


def _editions(folder: Path) -> list[CatalogEntry]:
    """A product folder's editions, oldest first; none if the name is not a product id."""
    entries = []
    try:  # a name too long for the file system (a claim's "product") is no product
        if not _PRODUCT_ID.match(folder.name) or not folder.is_dir():
            return []
        for path in edition_files(folder):
            entries.append(CatalogEntry(folder.name, path.stem, path))
    except OSError:
        return []
    return entries


def edition_files(folder: Path) -> list[Path]:
    """A folder's files named as editions (``2026-01.yaml``), oldest first: what
    the catalog reads, whatever else the folder holds."""
    found = [p for p in folder.glob("*.y*ml") if _EDITION_FILE.match(p.name)]
    return sorted(found, key=lambda p: p.stem)


def find_product(ref: str, directory: Path | None = None, allow_path: bool = True) -> Path:
    """The file a reference names: a path, ``id@edition``, or ``id`` (latest edition).

    ``allow_path=False`` (a product named inside a claim): only catalog ids and
    editions, never a path, so that a claim cannot make claimcalc read a file.
    """
    looks_like_path = ref.endswith((".yaml", ".yml")) or os.sep in ref or "/" in ref
    if not allow_path and (looks_like_path or "\\" in ref or not _CATALOG_REF.match(ref)):
        raise UnknownProductError(
            _(
                "{ref!r}: not a catalog product id (a product file path is accepted only"
                " from --product)"
            ).format(ref=ref)
        )
    if looks_like_path:
        path = Path(ref)
        if not path.is_file():
            raise UnknownProductError(_("{ref}: no such product file").format(ref=ref))
        return path
    product_id, _sep, edition = ref.partition("@")
    # Only the product's own folder is listed: a one-claim run pays for no other.
    entries = _editions((directory or products_dir()) / product_id)
    if not entries:
        known = ", ".join(sorted({e.id for e in catalog(directory)})) or _("none")
        raise UnknownProductError(
            _("{ref}: unknown product (known: {known})").format(ref=ref, known=known)
        )
    if not edition:
        return entries[-1].path
    for entry in entries:
        if entry.edition == edition:
            return entry.path
    editions = ", ".join(e.edition for e in entries)
    raise UnknownProductError(
        _("{ref}: no edition {edition} of {product} (editions: {editions})").format(
            ref=ref, edition=edition, product=product_id, editions=editions
        )
    )


def load_product(ref: str | Path, directory: Path | None = None) -> Product:
    """Load a product by id, ``id@edition`` or file path.

    >>> load_product("imaway").edition
    '2026-01'
    """
    from claimcalc.product.load import load_product_file

    path = ref if isinstance(ref, Path) else find_product(ref, directory)
    return load_product_file(path)


def load_rulebook(
    ref: str | Path, directory: Path | None = None, allow_path: bool = True
) -> model.Product:
    """A product to settle with: its plain copy (:func:`claimcalc.product.model.freeze`).

    The file is read and hashed at every call. A rulebook this process already
    loaded from the same bytes at the same path is returned again, the same
    object (every batch run loads its products: unpickling one took 2–3 ms a
    run, and what the engine and the fast path work out from it is kept with
    it); settling changes none of its rules, only adds its plan, and a caller
    must not change them either: the next run would settle under them, the
    fast path's memos made from the old ones (:func:`forget_rulebooks` does not
    clear those; they start again at ``fastpath.MEMO_PRODUCTS``). Otherwise,
    found in the cache by the file's hash, it costs a signature check and an
    unpickling, and imports neither PyYAML nor pydantic; else the file is
    loaded and validated as by :func:`load_product`, then frozen and cached.
    ``allow_path=False``: ``ref`` is a catalog id or edition (:func:`find_product`).
    """
    path = ref if isinstance(ref, Path) else find_product(ref, directory, allow_path)
    raw = read_product_bytes(path)
    sha256 = product_sha256(raw)
    key = (sha256, str(path))
    book = _LOADED.get(key)
    if book is not None:
        return book
    book = cache.get(sha256, "rulebook", model.Product)
    if book is None:
        from claimcalc.product.load import load_product_bytes

        book = model.freeze(load_product_bytes(raw, path))
        cache.put(sha256, "rulebook", book)
    book._sha256, book._path = key
    if len(_LOADED) >= LOADED_KEPT:  # a host loading edited files all day: bounded
        _LOADED.clear()
    _LOADED[key] = book
    return book


#: How many rulebooks a process keeps (:func:`load_rulebook`), by file hash and path.
LOADED_KEPT = 64
_LOADED: dict[tuple[str, str], model.Product] = {}


def forget_rulebooks() -> None:
    """Drop the rulebooks this process keeps: the next :func:`load_rulebook` of
    each reads the cache, or validates the file, again."""
    _LOADED.clear()


def split_level(ref: str) -> tuple[str, str | None]:
    """``imaway:smart`` → (``imaway``, ``smart``); a Windows drive letter is not a level."""
    head, sep, tail = ref.rpartition(":")
    if not sep or not head or "/" in tail or "\\" in tail or len(head) == 1:
        return ref, None
    return head, tail


def check_level(product: model.Product, level: str) -> str:
    if level not in product.level_ids:
        raise UsageError(
            _("{product}: no level {level!r} (levels: {levels})").format(
                product=product.ref, level=level, levels=", ".join(product.level_ids)
            )
        )
    return level
