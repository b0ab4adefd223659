"""claimcalc benchmarks (not part of the unit tests).

    python benchmarks/run.py            # everything, 1M-claim memory run included
    python benchmarks/run.py --quick    # 20k-claim corpus, no 1M run

Measures, on this machine:
  * cold start of a one-claim ``claimcalc settle --format json`` against
    ``python -c "import typer, pydantic, yaml"``;
  * claims per second on a mixed corpus (``settle -f ndjson``), 1 and 2 jobs;
  * peak memory (max RSS) settling 100k and 1M claims;
  * claimcalc against GoRules ZEN (``zen-engine``) on a medical-expenses
    corpus, the Imaway D rules encoded as a JDM decision, single process.

Throughput is the median of three runs (every run's figure is kept beside
it). Writes ``benchmarks/results.json`` and prints it.
"""

from __future__ import annotations

import argparse
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
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

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


MEDICAL = ["D.hospital_surgical", "D.medical_pharma", "D.return_care", "D.dental"]
ZONES = ["italia", "europa", "mondo_escl_usa_canada", "mondo"]


def medical_claim(i: int, rng: random.Random) -> dict[str, Any]:
    zone = rng.choice(ZONES)
    lines = []
    for j in range(rng.randint(1, 3)):
        guarantee = rng.choice(MEDICAL)
        ceiling = 300000 if guarantee == "D.hospital_surgical" else 3000
        amount = f"{rng.randint(20, ceiling)}.{rng.randint(0, 99):02d}"
        lines.append(
            {
                "id": str(j + 1),
                "guarantee": guarantee,
                "expenses": [{"amount": amount, "date": "2026-03-04"}],
            }
        )
    return {
        "claim_format": 1,
        "claim_id": f"MED-{i:07d}",
        "product": "imaway",
        "level": rng.choice(["easy", "smart", "top"]),
        "policy": {"issue_date": "2026-01-05", "zone": "mondo"},
        "trip": {"departure_date": "2026-03-01", "return_date": "2026-03-10"},
        "event": {
            "date": "2026-03-03",
            "country": "XX",
            "zone": zone,
            "facts": {"cause": "accident"},
        },
        "reported_on": "2026-03-05",
        "insured": [
            {
                "ref": "P1",
                "age_at_subscription": rng.randint(18, 75),
                "facts": {"resident_in_italy": True, "authorised": True},
                "lines": lines,
            }
        ],
    }


# --------------------------------------------------------------------------- ZEN peer


def _by_level(top: int, smart: int, easy: int) -> str:
    return f'(level == "top" ? {top} : (level == "smart" ? {smart} : {easy}))'


def zen_decision() -> dict[str, Any]:
    """Imaway D (spese mediche) as a JDM decision graph.

    Sub-limits per guarantee (D2 a–c), the franchigia of €50 once per claim
    (D3) taken where it costs least (absorbed by amounts over a sub-limit
    first), then the zone massimale and the age-band sub-limits (D2).
    """
    zone_cap = (
        'zone == "italia" ? ' + _by_level(3000, 2000, 1000) + ' : (zone == "europa" ? 1000000 : '
        '(zone == "mondo_escl_usa_canada" ? 2000000 : 5000000))'
    )
    age_cap = (
        'zone == "italia" ? 1000000000 : (age >= 61 and age <= 69 ? 200000 : '
        "(age >= 70 and age <= 75 ? 50000 : 1000000000))"
    )
    expressions = [
        ("pharma", 'sum(map(filter(lines, #.guarantee == "D.medical_pharma"), #.amount))'),
        ("care", 'sum(map(filter(lines, #.guarantee == "D.return_care"), #.amount))'),
        ("dental", 'sum(map(filter(lines, #.guarantee == "D.dental"), #.amount))'),
        ("hospital", 'sum(map(filter(lines, #.guarantee == "D.hospital_surgical"), #.amount))'),
        ("pharmaCap", _by_level(3000, 2000, 1000)),
        ("careCap", _by_level(550, 450, 400)),
        ("dentalCap", _by_level(550, 400, 200)),
        (
            "capped",
            "$.hospital + min([$.pharma, $.pharmaCap]) + min([$.care, $.careCap])"
            " + min([$.dental, $.dentalCap])",
        ),
        (
            "excess",
            "max([$.pharma - $.pharmaCap, 0]) + max([$.care - $.careCap, 0])"
            " + max([$.dental - $.dentalCap, 0])",
        ),
        ("loss", "$.hospital + $.pharma + $.care + $.dental"),
        ("franchigia", "max([min([50, $.loss]) - $.excess, 0])"),
        ("cap", f"min([{zone_cap}, {age_cap}])"),
        ("paid", "round(max([min([$.capped - $.franchigia, $.cap]), 0]), 2)"),
    ]
    return {
        "nodes": [
            {"id": "in", "type": "inputNode", "name": "claim", "position": {"x": 0, "y": 0}},
            {
                "id": "d",
                "type": "expressionNode",
                "name": "imaway-D",
                "position": {"x": 200, "y": 0},
                "content": {
                    "expressions": [{"id": k, "key": k, "value": v} for k, v in expressions]
                },
            },
            {
                "id": "out",
                "type": "outputNode",
                "name": "settlement",
                "position": {"x": 400, "y": 0},
            },
        ],
        "edges": [
            {"id": "e1", "sourceId": "in", "targetId": "d", "type": "edge"},
            {"id": "e2", "sourceId": "d", "targetId": "out", "type": "edge"},
        ],
    }


def zen_input(claim: dict[str, Any]) -> dict[str, Any]:
    person = claim["insured"][0]
    return {
        "level": claim["level"],
        "zone": claim["event"]["zone"],
        "age": person["age_at_subscription"],
        "lines": [
            {
                "guarantee": ln["guarantee"],
                "amount": float(sum(Decimal(e["amount"]) for e in ln["expenses"])),
            }
            for ln in person["lines"]
        ],
    }


def bench_peer(count: int) -> dict[str, Any]:
    """Both engines in this process on the same NDJSON lines: parse, settle, serialise."""
    rng = random.Random(11)
    lines = [json.dumps(medical_claim(i, rng), separators=(",", ":")) for i in range(count)]
    sys.path.insert(0, str(ROOT / "src"))
    from claimcalc.batch import run
    from claimcalc.claim.sources import Item
    from claimcalc.output.formats import Format

    items = [Item(i + 1, "bench", line) for i, line in enumerate(lines)]
    list(run(items[:1], Format.NDJSON))  # the product's cache file is written

    def run_ours() -> list[str]:
        # As a batch run does (and as ZEN's side does): each claim's record
        # kept, its settlement dropped. Keeping 20,000 settlements alive would
        # time the garbage collector walking them, not the engine.
        return [outcome.record for outcome in run(items, Format.NDJSON)]

    try:
        import zen  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        ours_rate, ours = _timed(run_ours, count)
        return {
            "claims": count,
            "claimcalc_per_s": round(ours_rate),
            "zen": "zen-engine not installed: pip install zen-engine",
        }
    content = json.dumps(zen_decision())
    engine = zen.ZenEngine({"loader": lambda key: content})
    engine.evaluate("imaway-D", zen_input(json.loads(lines[0])))

    def run_theirs() -> list[str]:
        theirs = []
        for line in lines:
            claim = json.loads(line)
            answer = engine.evaluate("imaway-D", zen_input(claim))
            paid = answer["result"]["paid"]
            theirs.append(json.dumps({"claim_id": claim["claim_id"], "paid": paid}))
        return theirs

    ours_rates, zen_rates = [], []
    for _ in range(ROUNDS):  # alternated, the median of each reported
        ours_rate, ours = _timed(run_ours, count)
        zen_rate, theirs = _timed(run_theirs, count)
        ours_rates.append(ours_rate)
        zen_rates.append(zen_rate)
    ours_rate, zen_rate = statistics.median(ours_rates), statistics.median(zen_rates)
    result: dict[str, Any] = {"claims": count, "claimcalc_per_s": round(ours_rate)}
    agree = sum(
        1
        for mine, other in zip(ours, theirs, strict=True)
        if abs(
            Decimal(json.loads(mine)["totals"]["indemnity"])
            - Decimal(str(json.loads(other)["paid"]))
        )
        <= Decimal("0.01")
    )
    result.update(
        zen_version=importlib.metadata.version("zen-engine"),
        zen_per_s=round(zen_rate),
        ratio=round(ours_rate / zen_rate, 3),
        same_total_paid=f"{agree}/{count}",
        runs_claimcalc_per_s=[round(r) for r in ours_rates],
        runs_zen_per_s=[round(r) for r in zen_rates],
    )
    return result


def _timed(work: Callable[[], T], count: int) -> tuple[float, T]:
    """Claims per second of one call, and what it returned."""
    start = time.perf_counter()
    done = work()
    return count / (time.perf_counter() - start), done


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
    print("peer: claimcalc vs ZEN …", file=sys.stderr)
    results["peer_medical"] = bench_peer(5_000 if args.quick else 20_000)
    (ROOT / "benchmarks" / "results.json").write_text(
        json.dumps(results, indent=2) + "\n", encoding="utf-8"
    )
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
