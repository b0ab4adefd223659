"""claimcalc benchmarks (not part of the unit tests).

    python benchmarks/run.py            # everything, 1M-claim memory run included
    python benchmarks/run.py --quick    # 20k-claim corpus, no 1M run

Measures, on this machine:
  * cold start of a one-claim ``claimcalc settle --format json`` against
    ``python -c "import typer, pydantic, yaml"``;
  * claims per second on a mixed corpus (``settle -f ndjson``), 1 and 2 jobs;
  * peak memory (max RSS) settling 100k and 1M claims;
  * claimcalc against GoRules ZEN (``zen-engine``) on a medical-expenses
    corpus, the Imaway D rules encoded as a JDM decision, and against the
    floor of reading and writing each claim with orjson: ``benchmarks/peer.py``
    (run on its own for the figures: ``python benchmarks/peer.py --json F``).

Throughput is the median of three runs (every run's figure is kept beside
it). Writes ``benchmarks/results.json`` and prints it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# Sorted by path: each product's examples in turn, the order the corpora are drawn in.
EXAMPLES = sorted((ROOT / "products").glob("*/examples/*.json"))
CLAIMCALC = [sys.executable, "-m", "claimcalc"]


# --------------------------------------------------------------------------- corpora


def _scaled(value: str, rng: random.Random) -> str:
    return str((Decimal(value) * Decimal(rng.randint(50, 200)) / 100).quantize(Decimal("0.01")))


def mixed_claim(i: int, rng: random.Random, templates: list[dict[str, Any]]) -> dict[str, Any]:
    """An example claim with a new id and amounts scaled 0.5×–2×."""
    claim: dict[str, Any] = json.loads(json.dumps(templates[i % len(templates)]))
    claim["claim_id"] = f"BENCH-{i:07d}"
    for person in claim["insured"]:
        for line in person["lines"]:
            for expense in line.get("expenses", []):
                expense["amount"] = _scaled(expense["amount"], rng)
            for obj in line.get("objects", []):
                obj["value"] = _scaled(obj["value"], rng)
    if i % 100 == 99:  # one claim in a hundred is bad: it must become an error record
        claim["insured"][0]["lines"][0]["guarantee"] = "X.unknown"
    return claim


def write_mixed(path: Path, count: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    templates = [json.loads(p.read_text(encoding="utf-8")) for p in EXAMPLES]
    with path.open("w", encoding="utf-8") as out:
        for i in range(count):
            out.write(json.dumps(mixed_claim(i, rng, templates), separators=(",", ":")) + "\n")


_DAY0 = dt.date(2025, 1, 1)
MEDICAL = ["D.hospital_surgical", "D.medical_pharma", "D.return_care", "D.dental"]
ZONES = ["italia", "europa", "mondo_escl_usa_canada", "mondo"]


def medical_claim(i: int, rng: random.Random) -> dict[str, Any]:
    """A medical claim (Imaway D) with its own dates, as in a real book.

    Every claim has its own policy issue, trip, event, report and expense
    dates (drawn over two years), each within the product's rules (the
    policy's year, trips of at most 60 days, the event during the trip,
    reported within 15 days, return care within 30 days), so that every
    claim is paid and no engine can reuse one claim's work for the next
    (the corpus of 2026-11-22 to 2026-12-02 gave every claim the same dates).
    """
    zone = rng.choice(ZONES)
    issued = _DAY0 + dt.timedelta(days=rng.randint(0, 700))
    departure = issued + dt.timedelta(days=rng.randint(0, 200))
    back = departure + dt.timedelta(days=rng.randint(1, 45))
    event = departure + dt.timedelta(days=rng.randint(0, (back - departure).days))
    reported = event + dt.timedelta(days=rng.randint(0, 14))
    lines = []
    for j in range(rng.randint(1, 3)):
        guarantee = rng.choice(MEDICAL)
        ceiling = 300000 if guarantee == "D.hospital_surgical" else 3000
        amount = f"{rng.randint(20, ceiling)}.{rng.randint(0, 99):02d}"
        spent = event + dt.timedelta(days=rng.randint(0, 20))
        lines.append(
            {
                "id": str(j + 1),
                "guarantee": guarantee,
                "expenses": [{"amount": amount, "date": spent.isoformat()}],
            }
        )
    return {
        "claim_format": 1,
        "claim_id": f"MED-{i:07d}",
        "product": "imaway",
        "level": rng.choice(["easy", "smart", "top"]),
        "policy": {"issue_date": issued.isoformat(), "zone": "mondo"},
        "trip": {"departure_date": departure.isoformat(), "return_date": back.isoformat()},
        "event": {
            "date": event.isoformat(),
            "country": "XX",
            "zone": zone,
            "facts": {"cause": "accident"},
        },
        "reported_on": reported.isoformat(),
        "insured": [
            {
                "ref": "P1",
                "age_at_subscription": rng.randint(18, 75),
                "facts": {"resident_in_italy": True, "authorised": True},
                "lines": lines,
            }
        ],
    }


# --------------------------------------------------------------------------- runs


def cold_start(runs: int = 21) -> dict[str, Any]:
    example = str(ROOT / "products" / "imaway" / "examples" / "D-medical-usa.json")

    def seconds(command: list[str]) -> float:
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        return time.perf_counter() - start

    # As an installed wheel would be: bytecode compiled (an editable install
    # under PYTHONDONTWRITEBYTECODE would recompile the sources on every run),
    # and the product cache warm, as on any run after the first.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "src")], check=True)
    settle_command = [*CLAIMCALC, "settle", example, "--format", "json"]
    baseline_command = [sys.executable, "-c", "import typer, pydantic, yaml"]
    subprocess.run(settle_command, check=True, stdout=subprocess.DEVNULL)
    baseline_times, settle_times = [], []
    for _ in range(runs):  # alternated, so that a noisy second hits both
        baseline_times.append(seconds(baseline_command))
        settle_times.append(seconds(settle_command))
    baseline, settle = statistics.median(baseline_times), statistics.median(settle_times)
    return {
        "baseline_s": round(baseline, 3),
        "settle_s": round(settle, 3),
        "ratio": round(settle / baseline, 2),
        "runs": runs,
    }


def settle_file(corpus: Path, jobs: int) -> dict[str, Any]:
    """Wall time and peak RSS (this process and its workers) of a batch run."""
    command = [
        *CLAIMCALC,
        "settle",
        str(corpus),
        "--format",
        "ndjson",
        "--jobs",
        str(jobs),
        "-o",
        os.devnull,
    ]
    start = time.perf_counter()
    process = subprocess.Popen(command, stderr=subprocess.PIPE)
    _, status, rusage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - start
    stderr = process.stderr.read().decode() if process.stderr else ""
    if process.stderr:
        process.stderr.close()
    with corpus.open(encoding="utf-8") as handle:
        lines = sum(1 for _ in handle)
    return {
        "claims": lines,
        "jobs": jobs,
        "seconds": round(elapsed, 1),
        "claims_per_s": round(lines / elapsed),
        # ru_maxrss of the claimcalc process itself (workers, with jobs > 1, are not counted)
        "peak_rss_mib": round(rusage.ru_maxrss / 1024, 1),
        "summary": stderr.strip().splitlines()[-1] if stderr.strip() else "",
    }


#: Throughput runs are repeated and the median reported: this VM's figures
#: vary by ±30% from one run to the next.
ROUNDS = 3


def median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The median run by claims/s, with every run's claims/s beside it."""
    middle = dict(sorted(runs, key=lambda r: r["claims_per_s"])[len(runs) // 2])
    middle["runs_claims_per_s"] = [r["claims_per_s"] for r in runs]
    return middle


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="20k claims, no 1M run")
    args = parser.parse_args()
    results: dict[str, Any] = {
        "machine": (
            f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        ),
        "date": time.strftime("%Y-%m-%d"),
        # typer's version matters: 0.29 builds pydantic adapters on every run
        "typer": importlib.metadata.version("typer"),
    }
    print("cold start …", file=sys.stderr)
    results["cold_start"] = cold_start()
    with tempfile.TemporaryDirectory() as tmp:
        small = Path(tmp) / "mixed-small.ndjson"
        size = 20_000 if args.quick else 100_000
        write_mixed(small, size)
        runs: dict[int, list[dict[str, Any]]] = {1: [], 2: []}
        for round_ in range(ROUNDS):  # alternated, so that a noisy minute hits both
            for jobs in (1, 2):
                print(f"{size} claims, {jobs} job(s), run {round_ + 1} …", file=sys.stderr)
                runs[jobs].append(settle_file(small, jobs))
        for jobs, done in runs.items():
            results[f"mixed_{size}_jobs_{jobs}"] = median_run(done)
        if not args.quick:
            big = Path(tmp) / "mixed-1m.ndjson"
            write_mixed(big, 1_000_000)
            print("1,000,000 claims, 1 job …", file=sys.stderr)
            results["mixed_1000000_jobs_1"] = settle_file(big, 1)
    print("peer: claimcalc vs ZEN and the orjson floor (benchmarks/peer.py) …", file=sys.stderr)
    from peer import compare

    results["peer"] = compare(5_000 if args.quick else 20_000, 5, 2_000)
    (ROOT / "benchmarks" / "results.json").write_text(
        json.dumps(results, indent=2) + "\n", encoding="utf-8"
    )
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
