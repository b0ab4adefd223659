"""The install's build hook: compiles claimcalc.compiled.MODULES with Cython.

Each module is compiled from its own source, unchanged (src/claimcalc/compiled.py
says why and how the compiled copies are used only while they match it). An
editable install (``pip install -e .``) writes them to
``src/claimcalc/_compiled/``; a wheel carries them there. ``CLAIMCALC_COMPILE=0``
builds without them; so does a machine without Cython or a C compiler, with a
warning: claimcalc then runs its sources (the same results, slower).
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = Path("src", "claimcalc")  # relative to ROOT: Cython names its files after it


def _compiled() -> ModuleType:
    """claimcalc.compiled, read from its file (claimcalc is not installed yet)."""
    path = ROOT / PACKAGE / "compiled.py"
    spec = importlib.util.spec_from_file_location("_claimcalc_compiled", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build(folder: Path) -> list[str]:
    """Compile every module into ``folder`` with its manifest; the files written."""
    from Cython.Build import cythonize
    from setuptools import Distribution, Extension

    compiled = _compiled()
    jobs = os.cpu_count() or 1
    os.chdir(ROOT)
    sources = {name: compiled.source_of(PACKAGE, name) for name in compiled.MODULES}
    # Hashed before compiling: a source edited meanwhile then reads as stale.
    hashes = {name: compiled.digest(path) for name, path in sources.items()}
    with tempfile.TemporaryDirectory() as tmp:
        extensions = cythonize(
            [
                Extension(name, [str(path)], extra_compile_args=["-g0"])
                for name, path in sources.items()
            ],
            compiler_directives=compiled.DIRECTIVES,
            build_dir=str(Path(tmp, "c")),
            nthreads=jobs,
            quiet=True,
        )
        command: Any = Distribution({"ext_modules": extensions}).get_command_obj("build_ext")
        command.build_lib = str(Path(tmp, "lib"))
        command.build_temp = str(Path(tmp, "temp"))
        command.parallel = jobs
        command.ensure_finalized()
        command.run()
        suffix = compiled.SUFFIX  # as the finder expects
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.iterdir():  # modules no longer compiled, other Pythons'
            old.unlink()
        manifest = {}
        for name in compiled.MODULES:
            file = name + suffix
            # copied, then renamed: a running process keeps the file it mapped
            copy = folder / (file + ".tmp")
            shutil.copyfile(command.get_ext_fullpath(name), copy)
            copy.replace(folder / file)
            manifest[name] = {"file": file, "sha256": hashes[name]}
        (folder / compiled.MANIFEST).write_text(
            json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
    return sorted(path.name for path in folder.iterdir())


class CompiledHook(BuildHookInterface):  # type: ignore[type-arg]
    #: A wheel's compiled files, until the wheel holds them (finalize).
    _scratch: str | None = None

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if os.environ.get("CLAIMCALC_COMPILE") == "0":
            return
        editable = version == "editable"
        if not editable:
            self._scratch = tempfile.mkdtemp(prefix="claimcalc-build-")
        folder = (ROOT / PACKAGE if editable else Path(str(self._scratch))) / "_compiled"
        started = time.monotonic()
        try:
            files = build(folder)
        except Exception as exc:  # no Cython, no compiler: the sources still run
            print(
                f"claimcalc: modules not compiled ({type(exc).__name__}: {exc}); "
                "claimcalc runs from its sources",
                file=sys.stderr,
            )
            return
        print(
            f"claimcalc: {len(files) - 1} modules compiled in {time.monotonic() - started:.0f} s",
            file=sys.stderr,
        )
        if not editable:  # the editable install finds them in src/
            for file in files:
                build_data["force_include"][str(folder / file)] = f"claimcalc/_compiled/{file}"
            build_data["pure_python"] = False
            build_data["infer_tag"] = True

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None
