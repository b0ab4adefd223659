"""Instructions per claim, counted by callgrind: repeatable where wall time is not.

    python benchmarks/instructions.py --json before.json
    # ... change the code ...
    python benchmarks/instructions.py --json after.json

Needs ``valgrind``. For each corpus (``medical``: ``medical_claim`` with seed
11; ``mixed``: ``write_mixed`` with seed 7; both from ``benchmarks/run.py``)
it counts, under ``valgrind --tool=callgrind``, the instructions of

* ``cli``: ``python -m claimcalc settle CORPUS --format ndjson -o /dev/null``;
* ``read``: a driver that calls ``claimcalc.parse_claim`` on each line's text;
* ``read+settle``: the same, then ``claimcalc.settle(claim, product,
  steps=False)``.

each at two sizes, the small corpus being the first claims of the big one
(``--sizes 300 2300``), and reports (I_big - I_small) / (big - small): the
instructions of one more claim, start-up and imports cancelled out. Both
sizes must be above 64: a batch reads and writes its claims after the 64th
with orjson (the driver passes ``fast`` to ``parse_claim`` as the batch does).

Only the command line, the public API (``from claimcalc import ...``) and
``load_rulebook`` (found where either layout has it) are used, so the script
runs before and after a change of the package's layout. The driver settles
with the product's plain copy, as the batch does (``load_rulebook``, from the
product cache), every product loaded first.

Runs use ``PYTHONHASHSEED=0`` and the environment's ``CLAIMCALC_CACHE_DIR``
(each corpus is settled once first, to warm the product cache). Prints a
table (millions of instructions per claim) and, with ``--json PATH``, writes
the figures and every run's total there.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = Path(__file__).resolve()
FAST_AFTER = 64  # a batch reads and writes claims after its 64th with orjson
MEDICAL_SEED, MIXED_SEED = 11, 7
MODES = ("cli", "read", "read+settle")
_TOTAL = re.compile(r"^(?:summary|totals):\s+(\d+)", re.MULTILINE)


# --------------------------------------------------------------------------- driver


def drive(mode: str, corpus: Path) -> None:
    """What runs under callgrind for ``read`` and ``read+settle``.

    Every product is loaded before the first claim, so that its cost is the
    same at both sizes and cancels out. The product is the plain copy the
    batch settles with (``load_rulebook``), where this layout has it.
    """
    from claimcalc import ClaimcalcError, parse_claim, settle

    try:
        from claimcalc.product.catalog import catalog, load_rulebook
    except ImportError:  # the layout before 2026-12-01
        from claimcalc.catalog import catalog, load_rulebook  # type: ignore[import-untyped,no-redef]

    products: dict[str, Any] = {}
    if mode != "read":
        products = {entry.id: load_rulebook(entry.id) for entry in catalog()}
    with corpus.open(encoding="utf-8") as lines:
        for position, text in enumerate(lines, start=1):
            source = f"{corpus.name}:{position}"
            try:
                claim = parse_claim(text, source, position > FAST_AFTER)
                if mode == "read":
                    continue
                settle(claim, products[claim.product], source=source, steps=False)
            except ClaimcalcError:  # one mixed claim in a hundred is bad on purpose
                pass


# --------------------------------------------------------------------------- corpora


def write_corpus(name: str, path: Path, count: int) -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from run import medical_claim, write_mixed

    if name == "mixed":
        write_mixed(path, count, MIXED_SEED)
        return
    rng = random.Random(MEDICAL_SEED)
    with path.open("w", encoding="utf-8") as out:
        for i in range(count):
            out.write(json.dumps(medical_claim(i, rng), separators=(",", ":")) + "\n")


# --------------------------------------------------------------------------- counting


def command(mode: str, corpus: str) -> list[str]:
    if mode == "cli":
        return [
            sys.executable,
            "-m",
            "claimcalc",
            "settle",
            corpus,
            "-f",
            "ndjson",
            "-o",
            "/dev/null",
        ]
    return [sys.executable, str(SCRIPT), "--driver", mode, corpus]


def environment() -> dict[str, str]:
    return dict(os.environ, PYTHONHASHSEED="0")


def callgrind(mode: str, corpus: str, workdir: Path) -> int:
    """Instructions executed by one run (callgrind's total of Ir)."""
    out = workdir / f"callgrind.{mode}.{corpus}.out"
    valgrind = ["valgrind", "--tool=callgrind", "-q", f"--callgrind-out-file={out}"]
    done = subprocess.run(
        [*valgrind, *command(mode, corpus)],
        cwd=workdir,
        env=environment(),
        capture_output=True,
        text=True,
    )
    if done.returncode not in (0, 6):  # 6: some claims failed, as meant
        raise SystemExit(f"{mode} {corpus}: exit code {done.returncode}\n{done.stderr}")
    match = _TOTAL.search(out.read_text(encoding="utf-8"))
    if match is None:
        raise SystemExit(f"{out}: no summary or totals line")
    return int(match[1])


def measure(sizes: tuple[int, int], jobs: int) -> dict[str, Any]:
    small, big = sizes
    with tempfile.TemporaryDirectory(prefix="claimcalc-instructions-") as tmp:
        workdir = Path(tmp)
        runs: list[tuple[str, str, int]] = []
        for name in ("medical", "mixed"):
            for size in sizes:
                write_corpus(name, workdir / f"{name}-{size}.ndjson", size)
                runs.extend((name, mode, size) for mode in MODES)
            # Warm the product cache (every product) and the bytecode, outside callgrind.
            for mode in MODES:
                subprocess.run(
                    command(mode, f"{name}-{small}.ndjson"),
                    cwd=workdir,
                    env=environment(),
                    capture_output=True,
                )

        def count(run: tuple[str, str, int]) -> int:
            name, mode, size = run
            print(f"callgrind: {mode} {name} {size} …", file=sys.stderr)
            return callgrind(mode, f"{name}-{size}.ndjson", workdir)

        with ThreadPoolExecutor(jobs) as pool:  # counts do not depend on the load
            totals = dict(zip(runs, pool.map(count, runs), strict=True))
    corpora: dict[str, Any] = {}
    for name in ("medical", "mixed"):
        figures: dict[str, Any] = {}
        for mode in MODES:
            i_small, i_big = totals[name, mode, small], totals[name, mode, big]
            figures[mode] = {
                "per_claim_millions": round((i_big - i_small) / (big - small) / 1e6, 3),
                "totals": {str(small): i_small, str(big): i_big},
            }
        corpora[name] = figures
    return corpora


def git_commit() -> str:
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return done.stdout.strip()

    return git("rev-parse", "HEAD") + (" (dirty)" if git("status", "--porcelain", "src") else "")


def table(corpora: dict[str, Any]) -> str:
    header = f"{'corpus':<8} {'cli':>8} {'read':>8} {'read+settle':>12} {'settle':>8}"
    rows = [header, "-" * len(header)]
    for name, figures in corpora.items():
        cli, read, both = (figures[m]["per_claim_millions"] for m in MODES)
        rows.append(f"{name:<8} {cli:>8.3f} {read:>8.3f} {both:>12.3f} {both - read:>8.3f}")
    rows.append("millions of instructions per claim; settle = read+settle - read")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--sizes", type=int, nargs=2, default=(300, 2300), metavar=("SMALL", "BIG"))
    parser.add_argument(
        "--jobs", type=int, default=os.cpu_count() or 1, help="callgrind runs at a time"
    )
    parser.add_argument("--driver", nargs=2, metavar=("MODE", "CORPUS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.driver:
        drive(args.driver[0], Path(args.driver[1]))
        return
    small, big = args.sizes
    if not FAST_AFTER < small < big:
        parser.error(f"sizes: need {FAST_AFTER} < SMALL < BIG")
    corpora = measure((small, big), args.jobs)
    print(table(corpora))
    if args.json:
        version = subprocess.run(["valgrind", "--version"], capture_output=True, text=True)
        document = {
            "unit": "instructions per claim (millions): (I_big - I_small) / (big - small)",
            "sizes": [small, big],
            "commit": git_commit(),
            "python": platform.python_version(),
            "valgrind": version.stdout.strip(),
            "corpora": corpora,
        }
        args.json.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
