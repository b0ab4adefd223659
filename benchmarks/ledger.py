"""The claims ledger's cost and guarantees, measured (issue 17).

    python benchmarks/ledger.py              # 10,000 claims, SQLite and PostgreSQL
    python benchmarks/ledger.py --claims 2000 --no-postgres
    python benchmarks/ledger.py --instructions   # and instructions a claim (callgrind)

Measures, on this machine:

* batch throughput of ``settle -f ndjson`` with ``--ledger DB --record`` (a new
  ledger), and a second run over the same ledger (every claim already
  recorded: read, settled again, nothing written), as a ratio to the same
  batch without a ledger; wall time and CPU time (user + system of the
  process), median of ``--runs`` runs; SQLite and a throwaway PostgreSQL 15
  server (fsync on), both with batched commits (``--ledger-batch``, default
  200 claims a transaction);
* concurrency: 8 processes settle 1,000 claims of the same 10 insured persons
  against the €1,000 per-period limit: the most paid to one person, and
  whether the result equals a serial run;
* crash: a batch killed (SIGKILL) at random moments 20 times, then run to its
  end: whether the ledger equals a clean run's.

The corpus: Imaway Top baggage claims, 1 to 3 objects of €200, spread over
``--claims / 10`` insured persons of one policy in one period (so that prior
payments matter and limits are used up). Prints JSON,
with the load average before and after (the machine may be shared: CPU
times are steadier than wall times).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.test_ledger_concurrency import (  # noqa: E402
    PERIOD_LIMIT,
    ledger_corpus,
    ledger_state,
    paid_by_insured,
)
from tests.test_ledger_server import Server, create_database  # noqa: E402


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")]))
    return env


def settle(claims: Path, *extra: str) -> tuple[float, float]:
    """One ``claimcalc settle`` run: wall seconds, CPU seconds."""
    command = [sys.executable, "-m", "claimcalc", "settle", str(claims), "-f", "ndjson"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([*command, "-o", os.devnull, *extra], env=environment(), check=True,
                   stderr=subprocess.DEVNULL)  # fmt: skip
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def throughput(
    claims: Path, count: int, runs: int, new_ledger: Any, label: str, extra: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Claims per second without a ledger, with a new one, and with it again:
    alternated round by round (a machine that speeds up or slows down in the
    middle touches every side alike); medians, and each ratio's median with
    the spread of the rounds' ratios."""
    plain, first, again = [], [], []
    for _ in range(runs):
        plain.append(settle(claims))
        db = new_ledger()
        first.append(settle(claims, "--ledger", db, "--record", *extra))
        again.append(settle(claims, "--ledger", db, "--record", *extra))

    def rate(samples: list[tuple[float, float]], which: int) -> float:
        return round(count / statistics.median(s[which] for s in samples), 1)

    def ratio(samples: list[tuple[float, float]], which: int) -> dict[str, float]:
        # A round's ratio: claims/s with the ledger over claims/s without = t0 / t1.
        each = sorted(p[which] / s[which] for p, s in zip(plain, samples, strict=True))
        return {
            "median": round(statistics.median(each), 2),
            "min": round(each[0], 2),
            "max": round(each[-1], 2),
        }

    out: dict[str, Any] = {"database": label, "rounds": runs}
    for name, which in (("wall", 0), ("cpu", 1)):
        base = rate(plain, which)
        out[name] = {
            "no_ledger_claims_per_s": base,
            "record_claims_per_s": rate(first, which),
            "rerun_claims_per_s": rate(again, which),
            "record_ratio": ratio(first, which),
            "rerun_ratio": ratio(again, which),
        }
    return out


def jobs(
    claims: Path, count: int, runs: int, new_ledger: Any, n: int, extra: tuple[str, ...] = ()
) -> dict[str, Any]:
    """``--jobs n`` with and without a ledger (recording into a new one), claims
    per second, beside one process: what the worker pool gains."""
    samples: dict[str, list[tuple[float, float]]] = {}
    for _ in range(runs):
        for jobs_ in (1, n):
            samples.setdefault(f"no_ledger_jobs_{jobs_}", []).append(
                settle(claims, "--jobs", str(jobs_))
            )
            samples.setdefault(f"record_jobs_{jobs_}", []).append(
                settle(claims, "--jobs", str(jobs_), "--ledger", new_ledger(), "--record", *extra)
            )
    out: dict[str, Any] = {}
    for name, which in (("wall", 0), ("cpu", 1)):
        rates = {
            key: round(count / statistics.median(s[which] for s in found), 1)
            for key, found in samples.items()
        }
        rates["speed_up_no_ledger"] = round(
            rates[f"no_ledger_jobs_{n}"] / rates["no_ledger_jobs_1"], 2
        )
        rates["speed_up_record"] = round(rates[f"record_jobs_{n}"] / rates["record_jobs_1"], 2)
        out[name] = rates
    return out


def split(claims: Path, target: str) -> dict[str, Any]:
    """Where a recording run's time goes, per claim (µs, CPU time of this
    process, the same batch in-process): the parts a worker pool could take
    (reading claims, settling, records) and the parts that stay in the one
    process that holds the ledger's locks (locks and reads, writes and
    commits). What ``--jobs`` could gain with a ledger is bounded by this."""
    from claimcalc import batch
    from claimcalc.claim.sources import iter_items
    from claimcalc.ledger import settle as ledger_settle
    from claimcalc.ledger.store import Ledger
    from claimcalc.output.formats import Format
    from claimcalc.settling.settler import Settler

    spent: dict[str, float] = {}

    def timed(owner: Any, name: str, part: str) -> None:
        inner = getattr(owner, name)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.process_time()
            try:
                return inner(*args, **kwargs)
            finally:
                spent[part] = spent.get(part, 0.0) + time.process_time() - started

        setattr(owner, name, wrapper)

    timed(Settler, "parse", "read claims")
    for name in ("begin", "lock", "payments_of", "currents"):
        timed(Ledger, name, "locks and reads")
    timed(ledger_settle.LedgerSettler, "_settle", "settle (engine, document, hash)")
    timed(batch, "format_record", "records")
    for name in ("new_ids", "write_settlements", "commit"):
        timed(Ledger, name, "writes and commit")
    count = 0
    started = time.process_time()
    with Ledger(target) as ledger:
        settler = ledger_settle.LedgerSettler(ledger, Settler(None, None, False), record=True)
        for _ in batch.run(iter_items([str(claims)]), Format.NDJSON, ledger=settler):
            count += 1
    total = time.process_time() - started
    parts = {part: round(seconds / count * 1e6) for part, seconds in spent.items()}
    parts["other"] = round(total / count * 1e6) - sum(parts.values())
    return {"claims": count, "cpu_us_per_claim": round(total / count * 1e6), "parts": parts}


def instructions(tmp: Path, small: int = 200, large: int = 2200) -> dict[str, Any]:
    """Instructions a claim costs (callgrind), without a ledger, recording into a
    new SQLite ledger, and rerunning: the difference between a run of ``large``
    and one of ``small`` claims (both 10 claims an insured person), divided by
    the difference in claims, so that the start is left out. A count, not a
    time: the same on a loaded machine as on a quiet one."""
    import shutil

    if shutil.which("valgrind") is None:
        return {"skipped": "valgrind is not installed"}
    per_run: dict[str, dict[int, int]] = {}
    # The product cache filled first: a cold cache (the product compiled) would be
    # counted in the first run only, and the difference would not be per claim.
    warm = tmp / "warm.ndjson"
    warm.write_text("".join(ledger_corpus(10, 1, 1, (1,))))
    settle(warm)
    for n in (small, large):
        claims = tmp / f"instructions-{n}.ndjson"
        claims.write_text("".join(ledger_corpus(n, n // 10, 1, (1, 2, 3))))
        db = str(tmp / f"instructions-{n}.db")
        for name, extra in (("no_ledger", ()), ("record", ("--ledger", db, "--record")),
                            ("rerun", ("--ledger", db, "--record"))):  # fmt: skip
            out = tmp / "callgrind.out"
            subprocess.run(
                ["valgrind", "--tool=callgrind", "-q", f"--callgrind-out-file={out}",
                 sys.executable, "-m", "claimcalc", "settle", str(claims), "-f", "ndjson",
                 "-o", os.devnull, *extra],
                env=environment(), check=True, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            summary = next(x for x in out.read_text().splitlines() if x.startswith("summary:"))
            per_run.setdefault(name, {})[n] = int(summary.split()[1])
    each = {name: (runs[large] - runs[small]) / (large - small) for name, runs in per_run.items()}
    return {
        "claims": [small, large],
        "instructions_per_claim": {name: round(count) for name, count in each.items()},
        "record_ratio": round(each["no_ledger"] / each["record"], 2),
        "rerun_ratio": round(each["no_ledger"] / each["rerun"], 2),
    }


def concurrency(new_ledger: Any, tmp: Path) -> dict[str, Any]:
    corpus = ledger_corpus(1000, insureds=10, seed=17)
    db = new_ledger()
    slices = []
    for k in range(8):
        path = tmp / f"slice-{k}.ndjson"
        path.write_text("".join(corpus[k::8]))
        slices.append(path)
    started = time.perf_counter()
    command = [sys.executable, "-m", "claimcalc", "settle"]
    processes = [
        subprocess.Popen([*command, str(p), "--ledger", db, "--record", "-f", "ndjson",
                          "-o", os.devnull], env=environment(), stderr=subprocess.DEVNULL)
        for p in slices
    ]  # fmt: skip
    codes = [p.wait() for p in processes]
    wall = time.perf_counter() - started
    concurrent = paid_by_insured(db)
    serial_db = new_ledger()
    everything = tmp / "all.ndjson"
    everything.write_text("".join(corpus))
    settle(everything, "--ledger", serial_db, "--record")
    serial = paid_by_insured(serial_db)
    return {
        "processes": 8,
        "claims": 1000,
        "insured": 10,
        "exit_codes": sorted(set(codes)),
        "wall_s": round(wall, 2),
        "limit": str(PERIOD_LIMIT),
        "most_paid_to_one_insured": str(max(sum(v) for v in concurrent.values())),
        "equals_serial_run": concurrent == serial,
    }


def crash(new_ledger: Any, tmp: Path, kills: int = 20) -> dict[str, Any]:
    batch = tmp / "crash.ndjson"
    batch.write_text("".join(ledger_corpus(1000, insureds=10, seed=5, objects=(1, 2, 3))))
    clean = new_ledger()
    started = time.perf_counter()
    settle(batch, "--ledger", clean, "--record")
    duration = time.perf_counter() - started
    db = new_ledger()
    rng = random.Random(20)
    command = [sys.executable, "-m", "claimcalc", "settle", str(batch), "--ledger", db,
               "--record", "-f", "ndjson", "-o", os.devnull]  # fmt: skip
    for _ in range(kills):
        process = subprocess.Popen(command, env=environment(), stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0, duration))
        process.send_signal(signal.SIGKILL)
        process.wait()
    settle(batch, "--ledger", db, "--record")
    return {
        "claims": 1000,
        "kills": kills,
        "equals_clean_run": ledger_state(db) == ledger_state(clean),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument(
        "--instructions", action="store_true", help="also count instructions (callgrind)"
    )
    parser.add_argument(
        "--ledger-batch", type=int, default=None, help="claims per transaction (default: 200)"
    )
    args = parser.parse_args()
    extra = () if args.ledger_batch is None else ("--ledger-batch", str(args.ledger_batch))
    results: dict[str, Any] = {
        "claims": args.claims,
        "ledger_batch": args.ledger_batch or 200,
        "cpus": os.cpu_count(),
        "load_before": [round(x, 2) for x in os.getloadavg()],
    }
    with tempfile.TemporaryDirectory(prefix="claimcalc-ledger-bench-") as name:
        tmp = Path(name)
        claims = tmp / "claims.ndjson"
        claims.write_text("".join(ledger_corpus(args.claims, args.claims // 10, 1, (1, 2, 3))))
        counter = iter(range(10**6))

        def sqlite() -> str:
            return str(tmp / f"ledger-{next(counter)}.db")

        results["sqlite"] = {
            "throughput": throughput(claims, args.claims, args.runs, sqlite, "sqlite", extra),
            "split": split(claims, sqlite()),
            "jobs": jobs(claims, args.claims, args.runs, sqlite, 2, extra),
            **({"instructions": instructions(tmp)} if args.instructions else {}),
            "concurrency": concurrency(sqlite, tmp),
            "crash": crash(sqlite, tmp),
        }
        if not args.no_postgres:
            server = Server(fsync=True)
            try:

                def postgres() -> str:
                    return create_database(server.url)

                results["postgresql"] = {
                    "throughput": throughput(
                        claims, args.claims, args.runs, postgres, "postgresql", extra
                    ),
                    "concurrency": concurrency(postgres, tmp),
                    "crash": crash(postgres, tmp),
                }
            finally:
                server.stop()
    results["load_after"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
