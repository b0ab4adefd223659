"""The batch's hot modules compiled with Cython, used only while they match their source.

The install (``pip install -e .``, or a wheel) compiles each module of
:data:`MODULES` from its own ``.py`` file with Cython (``hatch_build.py``),
unchanged: the same code, without the interpreter's loop (12% fewer
instructions a medical claim, 15% fewer a mixed one: docs/performance.md).
The compiled modules lie in ``claimcalc/_compiled/`` with the SHA-256 of the
source each was compiled from (``manifest.json``); they never shadow the
sources.

:func:`install` puts a finder first on ``sys.meta_path`` that loads a module
compiled only while its source is the one it was compiled from: an edited
source is imported as it is, never a stale compiled copy of it (the trap of
compiled modules beside an editable install's sources). ``CLAIMCALC_COMPILED=0``
imports every module from its source.

Only the standard library here: ``hatch_build.py`` reads :data:`MODULES` from
this file before claimcalc is installed.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.machinery
import json
import os
import sys
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from pathlib import Path
from types import ModuleType

#: The modules compiled: a batch's path through a claim (reading, the fast
#: path's record, the engine's steps, the records, the batch itself).
MODULES = (
    "claimcalc.batch",
    "claimcalc.claim.personal",
    "claimcalc.claim.quick",
    "claimcalc.claim.read",
    "claimcalc.claim.values",
    "claimcalc.jsonio",
    "claimcalc.money",
    "claimcalc.output.documents",
    "claimcalc.output.fastpath",
    "claimcalc.output.plain",
    "claimcalc.output.records",
    "claimcalc.settlement",
    "claimcalc.settling.alternatives",
    "claimcalc.settling.check",
    "claimcalc.settling.conditions",
    "claimcalc.settling.cover",
    "claimcalc.settling.deductibles",
    "claimcalc.settling.eligibility",
    "claimcalc.settling.engine",
    "claimcalc.settling.event_caps",
    "claimcalc.settling.exclusions",
    "claimcalc.settling.limits",
    "claimcalc.settling.plan",
    "claimcalc.settling.quantify",
    "claimcalc.settling.rates",
    "claimcalc.settling.settler",
    "claimcalc.settling.texts",
    "claimcalc.settling.work",
)
#: Where they lie, under the package, and the manifest naming each with its source's hash.
FOLDER = "_compiled"
MANIFEST = "manifest.json"
#: The compiled file's ending for this Python (the build names each file
#: module + its own Python's ending).
SUFFIX = importlib.machinery.EXTENSION_SUFFIXES[0]
#: Cython's directives: type annotations are not declarations (the sources are
#: annotated for mypy; as C types they would change what the code accepts);
#: None where a ``.pxd`` declares an extension type raises AttributeError, as
#: in the sources (by default Cython reads the field from None as from one).
DIRECTIVES = {
    "language_level": 3,
    "annotation_typing": False,
    "binding": True,
    "nonecheck": True,
}


def source_of(package: Path, module: str) -> Path:
    """The ``.py`` file of ``module`` (a name in :data:`MODULES`) under ``package``."""
    return package.joinpath(*module.split(".")[1:]).with_suffix(".py")


def digest(path: Path) -> str:
    """The SHA-256 of a module's source: its ``.py`` file, and the ``.pxd`` beside
    it if it has one (C types for some of its names, read when it is compiled)."""
    found = hashlib.sha256(path.read_bytes())
    declared = path.with_suffix(".pxd")
    if declared.exists():
        found.update(declared.read_bytes())
    return found.hexdigest()


class Finder:
    """Finds a compiled module whose source is the one it was compiled from."""

    def __init__(self, package: Path) -> None:
        self.package = package
        self.folder = package / FOLDER
        self._manifest: dict[str, dict[str, str]] | None = None

    def manifest(self) -> dict[str, dict[str, str]]:
        if self._manifest is None:
            try:
                found = json.loads((self.folder / MANIFEST).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                found = {}
            self._manifest = found if isinstance(found, dict) else {}
        return self._manifest

    def state(self, module: str) -> str:
        """``compiled`` (used), ``stale`` (its source changed since), or ``absent``
        (not compiled, or compiled for another Python)."""
        entry = self.manifest().get(module)
        if not isinstance(entry, dict):
            return "absent"
        built = self.folder / str(entry.get("file", ""))
        # Built for this Python: the folder of an editable install is shared by
        # every Python installed from the checkout (another's would not load).
        if built.name != module + SUFFIX or built.parent != self.folder or not built.is_file():
            return "absent"
        try:
            current = digest(source_of(self.package, module))
        except OSError:
            return "absent"
        return "compiled" if entry.get("sha256") == current else "stale"

    def find_spec(
        self, name: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if name not in MODULES or self.state(name) != "compiled":
            return None  # the source, found as always
        built = str(self.folder / self.manifest()[name]["file"])
        loader = importlib.machinery.ExtensionFileLoader(name, built)
        return importlib.machinery.ModuleSpec(name, loader, origin=built)


def install(package: Path) -> Finder | None:
    """The finder, first on ``sys.meta_path`` (None with ``CLAIMCALC_COMPILED=0``)."""
    if os.environ.get("CLAIMCALC_COMPILED") == "0":
        return None
    finder = Finder(package)
    sys.meta_path.insert(0, finder)
    return finder


def states() -> dict[str, str]:
    """How each module of :data:`MODULES` is imported in this process (each
    imported here): ``compiled``, or from its source because it is ``stale``,
    ``absent`` or turned ``off`` (``CLAIMCALC_COMPILED=0``)."""
    package = Path(__file__).parent
    finder = Finder(package)
    found = {}
    for module in MODULES:
        loaded = importlib.import_module(module)
        if Path(str(loaded.__file__)).parent == finder.folder:
            found[module] = "compiled"
        elif os.environ.get("CLAIMCALC_COMPILED") == "0":
            found[module] = "off"
        else:
            found[module] = finder.state(module)
    return found


def summary() -> str:
    """How many modules run compiled (``claimcalc --version``), without importing them."""
    if os.environ.get("CLAIMCALC_COMPILED") == "0":
        return "compiled modules turned off"
    finder = Finder(Path(__file__).parent)
    current = sum(finder.state(module) == "compiled" for module in MODULES)
    return f"{current} of {len(MODULES)} modules compiled"
