"""claimcalc compiled with mypyc, beside the same code interpreted (issue #16 point 2, idea d).

    python benchmarks/compiled.py                   # build, compare, count, time
    python benchmarks/compiled.py --rounds 3 --claims 2000

A measurement, not an install: the package is not built with mypyc (see
docs/performance.md, "2026-12-02 (afternoon)", for why; the install compiles
with Cython instead, "sixth session"; both sides here run with those modules
off, ``CLAIMCALC_COMPILED=0``). This script copies
``src/`` to a temporary directory, compiles the modules of :data:`MODULES`
there with mypyc (mypy's compiler, already a test dependency; needs a C
compiler), and then, the compiled copy against this checkout:

1. **Differential**: a medical and a mixed corpus (``benchmarks/run.py``'s
   generators) settled by ``python -m claimcalc settle`` as NDJSON, CSV, JSON
   and NDJSON with ``--explain``, on each side; every output must be the same
   bytes (the script fails otherwise, naming the first difference).
2. **Instructions a claim** (callgrind): ``benchmarks/peer.py --instructions
   --workloads 'claimcalc medical' 'claimcalc mixed'`` on each side.
3. **CPU time a claim**: ``claimcalc.batch.run`` over the medical corpus as
   ``peer.py`` times it, the two sides alternated round by round (a
   process each), the best of three runs a round.

Modules left interpreted: those mypyc refuses (``output/records.py`` defines
a class inside a function), the settlement texts (translated by issue #18's
work), the CLI and everything a batch does not run per claim.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from run import medical_claim, write_mixed  # noqa: E402

#: Compiled by mypyc: what a batch runs for each claim, as far as mypyc takes it.
MODULES = (
    "claimcalc/batch.py",
    "claimcalc/money.py",
    "claimcalc/claim/quick.py",
    "claimcalc/claim/read.py",
    "claimcalc/output/documents.py",
    "claimcalc/settling/alternatives.py",
    "claimcalc/settling/check.py",
    "claimcalc/settling/cover.py",
    "claimcalc/settling/deductibles.py",
    "claimcalc/settling/eligibility.py",
    "claimcalc/settling/engine.py",
    "claimcalc/settling/event_caps.py",
    "claimcalc/settling/exclusions.py",
    "claimcalc/settling/limits.py",
    "claimcalc/settling/plan.py",
    "claimcalc/settling/quantify.py",
    "claimcalc/settling/settler.py",
    "claimcalc/settling/work.py",
)

FORMATS = {
    "ndjson": ["--format", "ndjson"],
    "csv": ["--format", "csv"],
    "json": ["--format", "json"],
    "ndjson-explain": ["--format", "ndjson", "--explain"],
}

TIMER = """
import sys, time
sys.path.insert(0, sys.argv[1])
import peer
lines = peer.medical_lines(int(sys.argv[2]))
work = peer.claimcalc_work(lines)
work()
best = min(
    (lambda t: (work(), time.process_time() - t)[1])(time.process_time()) for _ in range(3)
)
print(best / len(lines) * 1e6)
"""


def build(workdir: Path) -> Path:
    """A copy of the package with :data:`MODULES` compiled; its ``src`` directory."""
    shutil.copytree(
        ROOT / "src", workdir / "src", ignore=shutil.ignore_patterns("__pycache__", "*.so")
    )
    (workdir / "benchmarks").mkdir()
    for script in ("peer.py", "run.py"):
        shutil.copy2(ROOT / "benchmarks" / script, workdir / "benchmarks" / script)
    (workdir / "products").symlink_to(ROOT / "products")
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "mypyc", *MODULES],
        cwd=workdir / "src",
        check=True,
        stdout=subprocess.DEVNULL,
    )
    print(f"mypyc: {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return workdir / "src"


def environment(src: Path) -> dict[str, str]:
    # The install's Cython-compiled modules off (claimcalc.compiled): mypyc's
    # modules against the interpreted sources, as this script measures.
    return dict(os.environ, PYTHONPATH=str(src), PYTHONHASHSEED="0", CLAIMCALC_COMPILED="0")


def differential(compiled: Path, workdir: Path, claims: int) -> dict[str, Any]:
    """Each corpus in each format by both sides: the same bytes, or SystemExit."""
    medical = workdir / "medical.ndjson"
    rng = random.Random(11)
    with medical.open("w", encoding="utf-8") as out:
        for i in range(claims):
            out.write(json.dumps(medical_claim(i, rng), separators=(",", ":")) + "\n")
    mixed = workdir / "mixed.ndjson"
    write_mixed(mixed, claims)
    compared = 0
    for corpus in (medical, mixed):
        for name, options in FORMATS.items():
            outputs = []
            for src in (ROOT / "src", compiled):
                done = subprocess.run(
                    [sys.executable, "-m", "claimcalc", "settle", corpus.name, *options],
                    cwd=workdir,
                    env=environment(src),
                    capture_output=True,
                )
                outputs.append((done.returncode, done.stdout, done.stderr))
            if outputs[0] != outputs[1]:
                raise SystemExit(f"compiled and interpreted differ: {corpus.name} {name}")
            compared += len(outputs[0][1])
            print(f"  same bytes: {corpus.name} {name}", file=sys.stderr)
    return {"claims_a_corpus": claims, "bytes_compared": compared, "identical": True}


def instructions(benchmarks: Path, src: Path) -> dict[str, float]:
    """``peer.py --instructions`` for claimcalc's two workloads: M instructions a claim."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run(
            [
                sys.executable,
                str(benchmarks / "peer.py"),
                "--instructions",
                "--workloads",
                "claimcalc medical",
                "claimcalc mixed",
                "--json",
                out.name,
            ],
            env=environment(src),
            check=True,
            capture_output=True,
        )
        counted = json.loads(Path(out.name).read_text(encoding="utf-8"))
    return dict(counted["per_claim_millions"])


def cpu_times(compiled_root: Path, claims: int, rounds: int) -> dict[str, Any]:
    """CPU µs a medical claim, each side in its own process, alternated."""
    sides = {"interpreted": ROOT, "compiled": compiled_root}
    times: dict[str, list[float]] = {name: [] for name in sides}
    for r in range(rounds):
        order = list(sides) if r % 2 == 0 else list(reversed(sides))
        for name in order:
            root = sides[name]
            done = subprocess.run(
                [sys.executable, "-c", TIMER, str(root / "benchmarks"), str(claims)],
                env=environment(root / "src"),
                check=True,
                capture_output=True,
                text=True,
            )
            times[name].append(float(done.stdout))
        print(
            "  " + ", ".join(f"{n} {times[n][-1]:.1f}" for n in sides) + " CPU µs a claim",
            file=sys.stderr,
        )
    ratios = [c / i for c, i in zip(times["compiled"], times["interpreted"], strict=True)]
    return {
        "claims": claims,
        "rounds": rounds,
        "cpu_us": {n: [round(v, 1) for v in vs] for n, vs in times.items()},
        "median_cpu_us": {n: round(statistics.median(vs), 1) for n, vs in times.items()},
        "compiled_over_interpreted": {
            "median": round(statistics.median(ratios), 3),
            "min_max": [round(min(ratios), 3), round(max(ratios), 3)],
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--claims", type=int, default=5_000, help="claims timed a round")
    parser.add_argument("--rounds", type=int, default=6, help="alternated rounds")
    parser.add_argument("--diff-claims", type=int, default=2_000, help="claims a corpus compared")
    parser.add_argument("--no-instructions", action="store_true", help="skip callgrind")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="claimcalc-mypyc-") as tmp:
        workdir = Path(tmp)
        compiled = build(workdir)
        result: dict[str, Any] = {
            "date": time.strftime("%Y-%m-%d %H:%M"),
            "modules": list(MODULES),
            "differential": differential(compiled, workdir, args.diff_claims),
        }
        if not args.no_instructions:
            result["instructions_millions"] = {
                "interpreted": instructions(ROOT / "benchmarks", ROOT / "src"),
                "compiled": instructions(workdir / "benchmarks", compiled),
            }
        result["timing"] = cpu_times(workdir, args.claims, args.rounds)
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
