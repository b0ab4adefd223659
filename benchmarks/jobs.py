"""``--jobs 2`` against ``--jobs 1``: wall time, CPU seconds, and where the extra goes.

    python benchmarks/jobs.py                           # 20,000 mixed claims, 5 rounds
    python benchmarks/jobs.py --claims 100000 --rounds 5 --json jobs.json
    python benchmarks/jobs.py --instructions            # callgrind, every process

Runs ``claimcalc settle CORPUS --format ndjson --jobs J -o /dev/null`` on the
mixed corpus (``run.write_mixed``, seed 7), jobs 1 and 2 alternated, and
reports for each the median wall seconds and CPU seconds (user + system of
the command and every process it started: workers and multiprocessing's
resource tracker, taken from ``RUSAGE_CHILDREN``) with their min–max, the
speed-up (wall 1 / wall 2) and the extra CPU (CPU 2 / CPU 1) round by round.
``--script`` runs the ``claimcalc`` console script beside this Python instead
of ``python -m claimcalc`` (a spawned worker runs the main script again
unless told not to: the console script is the case that matters).

Bytecode is compiled first (``compileall src``), as for an installed
package: with no ``.pyc`` every worker would compile the package anew.

``--instructions`` counts instead, under ``valgrind --tool=callgrind
--trace-children=yes``, the instructions of every process of each command at
two sizes (``--sizes 300 2300``), and splits them by role: the command, the
workers, the rest (the resource tracker). Per claim is (I_big - I_small) /
(big - small); fixed is what is left at the small size. Repeatable where wall
time is not.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from run import write_mixed  # noqa: E402

_TOTAL = re.compile(r"^(?:summary|totals):\s+(\d+)", re.MULTILINE)
_CMD = re.compile(r"^cmd:\s*(.*)$", re.MULTILINE)


def command(corpus: Path, jobs: int, script: bool) -> list[str]:
    program = (
        [str(Path(sys.executable).with_name("claimcalc"))]
        if script
        else [sys.executable, "-m", "claimcalc"]
    )
    return [*program, "settle", str(corpus), "-f", "ndjson", "--jobs", str(jobs), "-o", os.devnull]


def timed(argv: list[str]) -> tuple[float, float]:
    """Wall seconds, and CPU seconds of the command and all it started."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 6):  # 6: some claims failed, as meant
        raise SystemExit(f"{' '.join(argv)}: exit code {done.returncode}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def spread(values: list[float], digits: int = 3) -> dict[str, Any]:
    return {
        "median": round(statistics.median(values), digits),
        "min_max": [round(min(values), digits), round(max(values), digits)],
        "runs": [round(v, digits) for v in values],
    }


def clock(corpus: Path, claims: int, rounds: int, script: bool) -> dict[str, Any]:
    walls: dict[int, list[float]] = {1: [], 2: []}
    cpus: dict[int, list[float]] = {1: [], 2: []}
    timed(command(corpus, 1, script))  # product cache and page cache warm
    for r in range(rounds):
        for jobs in (1, 2) if r % 2 == 0 else (2, 1):  # alternated
            wall, cpu = timed(command(corpus, jobs, script))
            walls[jobs].append(wall)
            cpus[jobs].append(cpu)
            print(f"  jobs {jobs}: wall {wall:.2f} s, cpu {cpu:.2f} s", file=sys.stderr)
    return {
        "claims": claims,
        "rounds": rounds,
        "wall_s": {str(j): spread(walls[j]) for j in (1, 2)},
        "cpu_s": {str(j): spread(cpus[j]) for j in (1, 2)},
        "claims_per_s": {str(j): round(claims / statistics.median(walls[j])) for j in (1, 2)},
        "speed_up": spread([a / b for a, b in zip(walls[1], walls[2], strict=True)]),
        "extra_cpu": spread([b / a for a, b in zip(cpus[1], cpus[2], strict=True)]),
    }


def role(cmd: str) -> str:
    if "spawn_main" in cmd:
        return "workers"
    if "resource_tracker" in cmd:
        return "other"
    return "command" if "claimcalc" in cmd else "other"


def callgrind(argv: list[str], workdir: Path) -> dict[str, int]:
    """Instructions of each role's processes in one run."""
    outdir = Path(tempfile.mkdtemp(prefix="cg-", dir=workdir))
    valgrind = [
        "valgrind",
        "--tool=callgrind",
        "-q",
        "--trace-children=yes",
        f"--callgrind-out-file={outdir}/cg.%p",
    ]
    env = dict(os.environ, PYTHONHASHSEED="0")
    done = subprocess.run([*valgrind, *argv], env=env, capture_output=True, text=True)
    if done.returncode not in (0, 6):
        raise SystemExit(f"{' '.join(argv)}: exit code {done.returncode}\n{done.stderr}")
    by_role = {"command": 0, "workers": 0, "other": 0}
    for out in outdir.glob("cg.*"):
        text = out.read_text(encoding="utf-8", errors="replace")
        total, cmd = _TOTAL.search(text), _CMD.search(text)
        if total and cmd:
            by_role[role(cmd[1])] += int(total[1])
    return by_role


def instructions(workdir: Path, sizes: tuple[int, int], script: bool) -> dict[str, Any]:
    small, big = sizes
    corpora = {}
    for size in sizes:
        corpora[size] = workdir / f"mixed-{size}.ndjson"
        write_mixed(corpora[size], size)
    runs = [(jobs, size) for jobs in (1, 2) for size in sizes]
    with ThreadPoolExecutor(2) as pool:  # counts do not depend on the load
        counts = dict(
            zip(
                runs,
                pool.map(lambda r: callgrind(command(corpora[r[1]], r[0], script), workdir), runs),
                strict=True,
            )
        )
    result: dict[str, Any] = {"sizes": list(sizes)}
    for jobs in (1, 2):
        figures: dict[str, Any] = {}
        for name in ("command", "workers", "other", "all"):

            def total(size: int, name: str = name, jobs: int = jobs) -> int:
                c = counts[jobs, size]
                return sum(c.values()) if name == "all" else c[name]

            per_claim = (total(big) - total(small)) / (big - small)
            figures[name] = {
                "per_claim_millions": round(per_claim / 1e6, 3),
                "fixed_millions": round((total(small) - per_claim * small) / 1e6, 1),
                "totals": {str(s): total(s) for s in sizes},
            }
        result[f"jobs_{jobs}"] = figures
    return result


def summary(result: dict[str, Any]) -> str:
    rows = [f"claimcalc settle, mixed corpus, --jobs 1 vs --jobs 2 ({result['machine']})"]
    if "clock" in result:
        c = result["clock"]
        rows.append(f"{c['claims']} claims, {c['rounds']} rounds alternated (median, min–max):")
        for jobs in ("1", "2"):
            w, p = c["wall_s"][jobs], c["cpu_s"][jobs]
            rows.append(
                f"  jobs {jobs}: wall {w['median']:.2f} s ({w['min_max'][0]:.2f}–"
                f"{w['min_max'][1]:.2f}), {c['claims_per_s'][jobs]} claims/s; CPU "
                f"{p['median']:.2f} s ({p['min_max'][0]:.2f}–{p['min_max'][1]:.2f})"
            )
        s, e = c["speed_up"], c["extra_cpu"]
        rows.append(
            f"  speed-up wall1/wall2 {s['median']:.2f} ({s['min_max'][0]:.2f}–"
            f"{s['min_max'][1]:.2f}); CPU2/CPU1 {e['median']:.2f} ({e['min_max'][0]:.2f}–"
            f"{e['min_max'][1]:.2f})"
        )
    if "instructions" in result:
        i = result["instructions"]
        rows.append(
            f"instructions (callgrind, every process), sizes {i['sizes'][0]} and {i['sizes'][1]}:"
        )
        for count in (1, 2):
            figures = i[f"jobs_{count}"]
            rows.append(
                f"  jobs {count}: "
                + "; ".join(
                    f"{name} {f['per_claim_millions']:.3f} M/claim + {f['fixed_millions']:.0f} M"
                    for name, f in figures.items()
                )
            )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--claims", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--script", action="store_true", help="run the claimcalc console script")
    parser.add_argument("--instructions", action="store_true", help="count with callgrind too")
    parser.add_argument("--only-instructions", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--sizes", type=int, nargs=2, default=(300, 2300), metavar=("S", "B"))
    parser.add_argument("--json", type=Path, help="write every figure here")
    args = parser.parse_args()
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "src")], check=True)
    result: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "command": " ".join(command(Path("CORPUS"), 0, args.script)),
    }
    with tempfile.TemporaryDirectory(prefix="claimcalc-jobs-") as tmp:
        workdir = Path(tmp)
        if not args.only_instructions:
            corpus = workdir / "mixed.ndjson"
            write_mixed(corpus, args.claims)
            result["clock"] = clock(corpus, args.claims, args.rounds, args.script)
        if args.instructions or args.only_instructions:
            result["instructions"] = instructions(workdir, tuple(args.sizes), args.script)
    print(summary(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
