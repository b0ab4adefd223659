"""Cold start of a one-claim run, alternated with its baseline and, optionally,
with another checkout of claimcalc (before and after a change, in one run).

    python benchmarks/cold_start.py
    python benchmarks/cold_start.py --other OLD/.venv/bin/python OLD/CLAIM.json

Each round runs, one after the other, ``python -c "import typer, pydantic,
yaml"`` (the baseline), ``claimcalc settle CLAIM --format json`` of this
checkout, and the same of each ``--other`` (its Python, its claim file), so a
noisy second hits them all. Prints each command's median with its quartiles
and the ratio of each median to the baseline's. As an installed package runs:
bytecode written (``PYTHONDONTWRITEBYTECODE`` is dropped) and the product
cache warm (each command runs once before the rounds; each side has its own
cache directory under ``/tmp``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLAIM = ROOT / "products" / "imaway" / "examples" / "D-medical-usa.json"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=41)
    parser.add_argument(
        "--other", nargs=2, action="append", default=[], metavar=("PYTHON", "CLAIM")
    )
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    commands: dict[str, tuple[list[str], dict[str, str]]] = {
        "baseline": ([sys.executable, "-c", "import typer, pydantic, yaml"], env),
        "this": (
            [sys.executable, "-m", "claimcalc", "settle", str(CLAIM), "--format", "json"],
            {**env, "CLAIMCALC_CACHE_DIR": "/tmp/claimcalc-cold-start-this"},
        ),
    }
    for n, (python, claim) in enumerate(args.other, start=1):
        commands[f"other {n}"] = (
            [python, "-m", "claimcalc", "settle", claim, "--format", "json"],
            {**env, "CLAIMCALC_CACHE_DIR": f"/tmp/claimcalc-cold-start-other-{n}"},
        )

    def seconds(command: list[str], environment: dict[str, str]) -> float:
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=environment)
        return time.perf_counter() - start

    for command, environment in commands.values():  # bytecode and product cache warm
        seconds(command, environment)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.rounds):
        for name, (command, environment) in commands.items():
            times[name].append(seconds(command, environment))
    base = statistics.median(times["baseline"])
    for name, values in times.items():
        q1, median, q3 = statistics.quantiles(values, n=4)
        print(
            f"{name:10s} median {median * 1000:6.1f} ms  quartiles {q1 * 1000:6.1f}–"
            f"{q3 * 1000:6.1f} ms  ratio {statistics.median(values) / base:.2f}"
        )


if __name__ == "__main__":
    main()
