"""The compiled modules (claimcalc.compiled): built by the install, used only
while they match their sources, and settling every claim as the sources do."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from claimcalc import compiled
from claimcalc.compiled import MANIFEST, MODULES, SUFFIX, Finder, digest, source_of, states
from tests.conftest import EXAMPLES, benchmark

PACKAGE = Path(compiled.__file__).parent
BENCHMARK = benchmark("run")


def test_the_install_compiled_every_module_and_this_run_uses_them() -> None:
    """CI installs as the README does: every module must be compiled and current.
    Elsewhere a module edited since the install runs from its source (reinstall)."""
    found = states()
    if os.environ.get("CI") or all(state == "compiled" for state in found.values()):
        assert found == dict.fromkeys(MODULES, "compiled")
        for module in MODULES:
            assert sys.modules[module].__file__ == str(
                PACKAGE / "_compiled" / Finder(PACKAGE).manifest()[module]["file"]
            )
    else:
        pytest.skip(f"not every module compiled and current here: {found}")


def _package_with(tmp_path: Path, module: str, source: bytes, recorded: str) -> Path:
    """A package folder holding ``module``'s source, a compiled file and its manifest."""
    package = tmp_path / "claimcalc"
    path = source_of(package, module)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(source)
    (package / "_compiled").mkdir()
    (package / "_compiled" / (module + SUFFIX)).write_bytes(b"\x7fELF")
    manifest = {module: {"file": module + SUFFIX, "sha256": recorded}}
    (package / "_compiled" / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    return package


def test_a_compiled_module_is_found_only_while_its_source_is_the_one_compiled(
    tmp_path: Path,
) -> None:
    module = "claimcalc.money"
    package = _package_with(tmp_path, module, b"A = 1\n", "")
    finder = Finder(package)
    recorded = digest(source_of(package, module))
    assert finder.state(module) == "stale"
    assert finder.find_spec(module) is None  # imported from its source
    package = _package_with(tmp_path / "current", module, b"A = 1\n", recorded)
    finder = Finder(package)
    assert finder.state(module) == "compiled"
    spec = finder.find_spec(module)
    assert spec is not None and spec.origin == str(package / "_compiled" / (module + SUFFIX))
    source_of(package, module).write_bytes(b"A = 2\n")  # edited since
    assert Finder(package).find_spec(module) is None
    assert finder.find_spec("claimcalc.cli") is None  # not a compiled module


def test_a_module_whose_declarations_changed_is_stale(tmp_path: Path) -> None:
    """A ``.pxd`` beside a source gives C types to its names when compiled (the
    plain path's reader): edited, added or removed, the compiled module is stale."""
    module = "claimcalc.output.plain"
    package = _package_with(tmp_path, module, b"A = 1\n", "")
    declared = source_of(package, module).with_suffix(".pxd")
    declared.write_bytes(b"cpdef f(dict d)\n")
    recorded = digest(source_of(package, module))
    package = _package_with(tmp_path / "current", module, b"A = 1\n", recorded)
    declared = source_of(package, module).with_suffix(".pxd")
    declared.write_bytes(b"cpdef f(dict d)\n")
    assert Finder(package).state(module) == "compiled"
    declared.write_bytes(b"cpdef f(list d)\n")
    assert Finder(package).state(module) == "stale"
    declared.unlink()
    assert Finder(package).state(module) == "stale"
    assert (PACKAGE / "output" / "plain.pxd").exists()  # the one there is


@pytest.mark.parametrize(
    "manifest",
    [
        None,
        "not json",
        "[]",
        '{"claimcalc.money": {"file": "../money.py", "sha256": "x"}}',
    ],
)
def test_a_missing_or_odd_manifest_means_the_sources(tmp_path: Path, manifest: str | None) -> None:
    package = _package_with(tmp_path, "claimcalc.money", b"A = 1\n", "")
    if manifest is None:
        (package / "_compiled" / MANIFEST).unlink()
    else:
        (package / "_compiled" / MANIFEST).write_text(manifest, encoding="utf-8")
    assert Finder(package).state("claimcalc.money") == "absent"
    assert Finder(package).find_spec("claimcalc.money") is None


def test_turned_off_every_module_runs_from_its_source() -> None:
    shown = subprocess.run(
        [sys.executable, "-c", "from claimcalc.compiled import states; print(states())"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "CLAIMCALC_COMPILED": "0"},
    ).stdout
    assert shown.strip() == str(dict.fromkeys(MODULES, "off"))


def _corpus(tmp_path: Path) -> Path:
    """A medical and a mixed corpus with every example, as NDJSON."""
    templates = [json.loads(p.read_text(encoding="utf-8")) for p in EXAMPLES]
    rng = random.Random(16)
    claims = [BENCHMARK.medical_claim(i, rng) for i in range(300)]
    claims += [BENCHMARK.mixed_claim(i, rng, templates) for i in range(300)]
    claims += templates
    path = tmp_path / "corpus.ndjson"
    path.write_text("".join(json.dumps(c) + "\n" for c in claims), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "options",
    [["-f", "ndjson"], ["-f", "json"], ["-f", "csv"], ["-f", "ndjson", "--explain"]],
)
def test_the_compiled_modules_settle_as_their_sources(tmp_path: Path, options: list[str]) -> None:
    """Byte for byte, records and exit code, compiled and from the sources."""
    corpus = _corpus(tmp_path)
    outputs = []
    for switch in ("1", "0"):
        done = subprocess.run(
            [sys.executable, "-m", "claimcalc", "settle", *options, str(corpus)],
            capture_output=True,
            env={**os.environ, "CLAIMCALC_COMPILED": switch},
        )
        outputs.append((done.returncode, done.stdout, done.stderr))
    assert outputs[0] == outputs[1]
    assert outputs[0][1].count(b'"status":"settled"') > 300 or options[1] == "csv"


def test_a_module_compiled_for_another_python_is_not_loaded(tmp_path: Path) -> None:
    """An editable install's _compiled/ is shared by every Python installed from
    the checkout, and each install's manifest names its own Python's files: a
    3.12 build's manifest, read by 3.11, named files 3.11 cannot load
    (ImportError: undefined symbol: PyType_FromMetaclass), and claimcalc did
    not start. Another Python's file means the source."""
    module = "claimcalc.money"
    package = _package_with(tmp_path, module, b"A = 1\n", "")
    recorded = digest(source_of(package, module))
    other = module + ".cpython-399-x86_64-linux-gnu.so"
    assert other != module + SUFFIX
    (package / "_compiled" / other).write_bytes(b"\x7fELF")
    manifest = {module: {"file": other, "sha256": recorded}}
    (package / "_compiled" / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    assert Finder(package).state(module) == "absent"
    assert Finder(package).find_spec(module) is None


@pytest.mark.parametrize("depth", [600, 900])
def test_a_deeply_nested_claim_reads_the_same_compiled_and_from_its_sources(
    tmp_path: Path, depth: int
) -> None:
    """Compiled functions calling themselves do not count against Python's
    recursion limit: a check that recursed over the decoded claim (a lone
    surrogate after a \\u escape) said "nested too deeply" from the sources and
    "unknown field" compiled, for the same claim (depths about 450 to 990)."""
    claim = json.loads(EXAMPLES[0].read_text(encoding="utf-8"))
    nested = "[" * depth + '"\\u0041"' + "]" * depth
    path = tmp_path / "deep.json"
    path.write_text(json.dumps(claim)[:-1] + f', "extra": {nested}}}', encoding="utf-8")
    outputs = []
    for switch in ("1", "0"):
        done = subprocess.run(
            [sys.executable, "-m", "claimcalc", "settle", "-f", "ndjson", str(path)],
            capture_output=True,
            env={**os.environ, "CLAIMCALC_COMPILED": switch},
        )
        outputs.append((done.returncode, done.stdout, done.stderr))
    assert outputs[0] == outputs[1]
