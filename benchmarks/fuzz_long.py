"""The long fuzz run of issue #15: ≥ 100,000 generated inputs, failures counted.

    nice python benchmarks/fuzz_long.py [--inputs 100000] [--seed 15]

The mutations and checks are tests/test_fuzz_batch.py's (mutated example claims
in NDJSON books and directories, settled in-process as ``settle``'s batch does,
and one real ``claimcalc settle`` run in 2,000); here they run from a seeded random
generator until the number of mutated claims ("inputs") is reached, and every
failure is counted rather than the first one stopping the run. Prints the counts:
inputs, books, tracebacks, wrong exit codes, records lost, records changed, and
the first few failures of each kind. Exits 1 if any.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.test_fuzz_batch import Tally, random_checks


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args()
    tally = Tally()
    start = time.monotonic()
    last = start
    for check in random_checks(args.seed):
        seen = len(tally.failures)
        check(tally)
        for failure in tally.failures[seen:]:
            print(f"failure: {failure[:2000]}", file=sys.stderr, flush=True)
        if time.monotonic() - last > 60:
            last = time.monotonic()
            print(_line(tally, last - start), file=sys.stderr, flush=True)
        if tally.inputs >= args.inputs:
            break
    print(_line(tally, time.monotonic() - start))
    for name in ("tracebacks", "wrong_exit_codes", "records_lost", "records_changed"):
        for failure in getattr(tally, name)[:3]:
            print(f"{name}: {failure[:2000]}")
    return 1 if tally.failures else 0


def _line(tally: Tally, seconds: float) -> str:
    return (
        f"inputs {tally.inputs}, books {tally.books}, tracebacks {len(tally.tracebacks)}, "
        f"wrong exit codes {len(tally.wrong_exit_codes)}, records lost {len(tally.records_lost)}, "
        f"records changed {len(tally.records_changed)} ({seconds:.0f} s)"
    )


if __name__ == "__main__":
    sys.exit(main())
