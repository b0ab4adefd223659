"""Golden outputs: every user-facing rendering of claimcalc on fixed inputs.

Run it before and after a change, then compare the two directories:

    python benchmarks/golden.py /tmp/golden-before
    # ... change the code ...
    python benchmarks/golden.py /tmp/golden-after
    diff -r /tmp/golden-before /tmp/golden-after     # empty: nothing a user sees changed

Only the command line is used (``python -m claimcalc ...``, with the Python
that runs this script), so the script runs unchanged whatever the package's
internal layout. Each case writes ``NAME.out`` (standard output) and
``NAME.err`` (the exit code, then standard error); ``commands.txt`` lists
every case's command. The cases:

* every ``examples/*.json`` settled as a table, JSON, JSON and table with
  ``--explain``, NDJSON and CSV;
* ``products list``, ``products show`` (whole, and per level), ``products
  guide`` for every product that ``products list --format json`` names,
  ``schema product``, ``schema claim``, and two ``diff`` runs, one with
  ``--claims examples/``;
* two corpora made with the generators of ``benchmarks/run.py`` and fixed
  seeds, 5,000 mixed claims and 2,000 medical ones (written to
  ``OUTDIR/inputs``), each settled with ``--jobs 1`` as NDJSON, CSV, JSON
  and NDJSON with ``--explain``.

The output is deterministic: tables are rendered with ``COLUMNS=200`` and
``NO_COLOR=1``; commands run from the repository root with relative paths
(the corpora from ``OUTDIR`` as ``inputs/...``, so that the records'
``source`` does not name OUTDIR). The one absolute path claimcalc prints,
the product files' in ``products list --format json``, is written with the
repository root replaced by ``<ROOT>``. Set ``CLAIMCALC_CACHE_DIR`` to keep
the product cache private; its state does not change the output.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from run import medical_claim, write_mixed  # noqa: E402  (benchmarks/run.py)

CLAIMCALC = [sys.executable, "-m", "claimcalc"]
MIXED_CLAIMS, MIXED_SEED = 5_000, 7
MEDICAL_CLAIMS, MEDICAL_SEED = 2_000, 11


def environment() -> dict[str, str]:
    env = dict(os.environ, COLUMNS="200", NO_COLOR="1")
    for name in ("FORCE_COLOR", "CLICOLOR_FORCE", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        env.pop(name, None)
    return env


class Golden:
    """Runs cases and writes their outputs into one directory."""

    def __init__(self, outdir: Path) -> None:
        self.outdir = outdir
        self.env = environment()
        self.commands: list[str] = []

    def case(self, name: str, args: list[str], cwd: Path = ROOT) -> str:
        """Run ``claimcalc ARGS``; write NAME.out and NAME.err; return the stdout."""
        done = subprocess.run(
            [*CLAIMCALC, *args], cwd=cwd, env=self.env, capture_output=True, text=True
        )
        stdout = done.stdout.replace(str(ROOT), "<ROOT>")
        stderr = done.stderr.replace(str(ROOT), "<ROOT>")
        out = self.outdir / f"{name}.out"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(stdout, encoding="utf-8")
        err = self.outdir / f"{name}.err"
        err.write_text(f"exit code: {done.returncode}\n{stderr}", encoding="utf-8")
        where = "" if cwd == ROOT else "(in OUTDIR) "
        self.commands.append(f"{name}: {where}claimcalc {' '.join(args)}")
        return done.stdout

    def write_commands(self) -> None:
        text = "\n".join(self.commands) + "\n"
        (self.outdir / "commands.txt").write_text(text, encoding="utf-8")


SETTLE_FORMATS = {
    "table": ["--format", "table"],
    "json": ["--format", "json"],
    "json-explain": ["--format", "json", "--explain"],
    "table-explain": ["--format", "table", "--explain"],
    "ndjson": ["--format", "ndjson"],
    "csv": ["--format", "csv"],
}

CORPUS_FORMATS = {
    "ndjson": ["--format", "ndjson"],
    "csv": ["--format", "csv"],
    "json": ["--format", "json"],
    "ndjson-explain": ["--format", "ndjson", "--explain"],
}


def examples(golden: Golden) -> None:
    for path in sorted((ROOT / "examples").glob("*.json")):
        claim = path.relative_to(ROOT).as_posix()
        for label, options in SETTLE_FORMATS.items():
            golden.case(f"settle/{path.stem}.{label}", ["settle", claim, *options])


def products(golden: Golden) -> None:
    golden.case("products/list.table", ["products", "list"])
    listing = golden.case("products/list.json", ["products", "list", "--format", "json"])
    for product in json.loads(listing)["products"]:
        pid = product["id"]
        golden.case(f"products/show.{pid}.table", ["products", "show", pid])
        golden.case(f"products/show.{pid}.json", ["products", "show", pid, "--format", "json"])
        for level in product["levels"]:
            show = ["products", "show", pid, "--level", level]
            golden.case(f"products/show.{pid}.{level}.table", show)
            golden.case(f"products/show.{pid}.{level}.json", [*show, "--format", "json"])
        golden.case(f"products/guide.{pid}", ["products", "guide", pid])
    golden.case("schema/product", ["schema", "product"])
    golden.case("schema/claim", ["schema", "claim"])
    for name, args in {
        "diff/easy-top": ["diff", "imaway:easy", "imaway:top"],
        "diff/smart-top-claims": ["diff", "imaway:smart", "imaway:top", "--claims", "examples/"],
    }.items():
        golden.case(f"{name}.table", args)
        golden.case(f"{name}.json", [*args, "--format", "json"])


def write_medical(path: Path, count: int, seed: int) -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        for i in range(count):
            out.write(json.dumps(medical_claim(i, rng), separators=(",", ":")) + "\n")


def corpora(golden: Golden) -> None:
    inputs = golden.outdir / "inputs"
    inputs.mkdir(parents=True, exist_ok=True)
    mixed = f"mixed-{MIXED_CLAIMS}.ndjson"
    medical = f"medical-{MEDICAL_CLAIMS}.ndjson"
    write_mixed(inputs / mixed, MIXED_CLAIMS, MIXED_SEED)
    write_medical(inputs / medical, MEDICAL_CLAIMS, MEDICAL_SEED)
    for corpus in (mixed, medical):
        for label, options in CORPUS_FORMATS.items():
            args = ["settle", f"inputs/{corpus}", *options, "--jobs", "1"]
            name = f"corpora/{corpus.removesuffix('.ndjson')}.{label}"
            golden.case(name, args, cwd=golden.outdir)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("outdir", type=Path, help="where to write the outputs (created)")
    args = parser.parse_args()
    outdir: Path = args.outdir.resolve()
    outdir.mkdir(parents=True, exist_ok=True)
    golden = Golden(outdir)
    examples(golden)
    products(golden)
    corpora(golden)
    golden.write_commands()
    print(f"{len(golden.commands)} cases written to {outdir}", file=sys.stderr)


if __name__ == "__main__":
    main()
