"""Claim by claim against phase by phase: ``batch.settle_one`` against ``batch.settle_many``.

    python benchmarks/phases.py                     # 3,000 medical claims, 9 rounds
    python benchmarks/phases.py --chunks 1 8 64 256  # phase by phase at several chunk sizes
    python benchmarks/phases.py --cachegrind         # cache and branch simulation instead

The same claims (``peer.py``'s medical corpus, positions past ``FAST_AFTER``:
read and written with orjson), one ``Settler`` and fast path, each workload
timed over every claim in each round, the rounds alternated (the order
reversed every other round). Workloads:

* ``one``: ``settle_one`` claim after claim (read, then settle, then the next);
* ``one_keep``: the same, keeping the last 64 claims read alive (is it memory?);
* ``many N``: ``settle_many`` with chunks of N claims (``batch.PHASE`` is 64):
  every claim of a chunk read, then every one settled, the garbage collector
  paused meanwhile (``batch._phased``);
* ``collected``: ``many 64`` with the collector left running during chunks,
  as before 2026-12-03's pause (``batch._phased`` is told it is off).

Prints µs a claim, median of the rounds with min–max. ``--cachegrind`` runs
each of ``one`` and ``many 64`` under ``valgrind --tool=cachegrind
--cache-sim=yes --branch-sim=yes`` at two sizes and prints, per claim, the
simulated first-level instruction and data cache misses and the branch
mispredictions ((count(big) - count(small)) / (big - small)).
"""

from __future__ import annotations

import argparse
import collections
import gc
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "src"))

from peer import medical_lines  # noqa: E402

from claimcalc import batch  # noqa: E402
from claimcalc.claim.sources import Item  # noqa: E402
from claimcalc.jsonio import FAST_AFTER  # noqa: E402
from claimcalc.output.formats import Format  # noqa: E402
from claimcalc.settling.settler import Settler  # noqa: E402

Work = Callable[[], Any]


def workloads(claims: int, chunks: list[int]) -> dict[str, Work]:
    items = [
        Item(FAST_AFTER + 1 + i, "bench", line) for i, line in enumerate(medical_lines(claims))
    ]
    settler = Settler(None, None, False)
    fast = batch.fast_path_for(Format.NDJSON, False)
    batch.settle_many(settler, items[:100], Format.NDJSON, False, fast)  # products, specs

    def one() -> Any:
        return [batch.settle_one(settler, item, Format.NDJSON, False, fast) for item in items]

    def one_keep() -> Any:
        # settle_one's two steps, each claim as read kept alive a while
        kept: collections.deque[Any] = collections.deque(maxlen=64)
        done = []
        for item in items:
            read = batch._read(settler, item)
            kept.append(read)
            done.append(batch._settled(settler, item, read, Format.NDJSON, False, fast))
        return done

    def many(size: int) -> Work:
        def work() -> Any:
            phase, batch.PHASE = batch.PHASE, size
            try:
                return batch.settle_many(settler, items, Format.NDJSON, False, fast)
            finally:
                batch.PHASE = phase

        return work

    def collected() -> Any:
        setattr(batch, "gc", _NotPausing)  # noqa: B010  # a module's name, replaced a while
        try:
            return batch.settle_many(settler, items, Format.NDJSON, False, fast)
        finally:
            setattr(batch, "gc", gc)  # noqa: B010

    return {
        "one": one,
        "one_keep": one_keep,
        **{f"many {n}": many(n) for n in chunks},
        "collected": collected,
    }


class _NotPausing:
    """``batch.gc`` for ``collected``: the collector said to be off, so that
    ``batch._phased`` leaves it as it is (running)."""

    @staticmethod
    def isenabled() -> bool:
        return False


def alternate(works: dict[str, Work], claims: int, rounds: int) -> dict[str, list[float]]:
    us: dict[str, list[float]] = {name: [] for name in works}
    names = list(works)
    for r in range(rounds):
        for name in names if r % 2 else names[::-1]:
            gc.collect()
            start = time.perf_counter()
            works[name]()
            us[name].append((time.perf_counter() - start) / claims * 1e6)
    return us


def cachegrind(sizes: tuple[int, int]) -> dict[str, dict[str, float]]:
    """Per claim, each of ``one`` and ``many 64`` under cachegrind's simulation."""
    counts = {
        "I1 misses": re.compile(r"I1\s+misses:\s+([\d,]+)"),
        "D1 misses": re.compile(r"D1\s+misses:\s+([\d,]+)"),
        "mispredicts": re.compile(r"Mispredicts:\s+([\d,]+)"),
    }
    found: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="claimcalc-phases-") as tmp:
        for mode in ("one", "many 64"):
            totals = []
            for size in sizes:
                argv = [
                    "valgrind",
                    "--tool=cachegrind",
                    "--cache-sim=yes",
                    "--branch-sim=yes",
                    f"--cachegrind-out-file={tmp}/cg",
                    sys.executable,
                    __file__,
                    "--driver",
                    mode,
                    str(size),
                ]
                done = subprocess.run(argv, capture_output=True, text=True, check=True)
                totals.append(
                    {k: int(p.search(done.stderr)[1].replace(",", "")) for k, p in counts.items()}  # type: ignore[index]
                )
            small, big = totals
            found[mode] = {k: (big[k] - small[k]) / (sizes[1] - sizes[0]) for k in counts}
    return found


def drive(mode: str, claims: int) -> None:
    """What runs under cachegrind: one workload once (products and specs made first)."""
    works = workloads(claims, [64])
    works[mode]()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--claims", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--chunks", type=int, nargs="+", default=[batch.PHASE])
    parser.add_argument("--cachegrind", action="store_true", help="simulate caches instead")
    parser.add_argument("--sizes", type=int, nargs=2, default=(200, 1200), metavar=("S", "B"))
    parser.add_argument("--driver", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.driver:
        drive(args.driver[0], int(args.driver[1]))
        return
    if args.cachegrind:
        for mode, figures in cachegrind(tuple(args.sizes)).items():
            shown = ", ".join(f"{k} {v:,.0f}" for k, v in figures.items())
            print(f"{mode:<8} a claim: {shown}")
        return
    us = alternate(workloads(args.claims, args.chunks), args.claims, args.rounds)
    print(f"{args.claims} medical claims, {args.rounds} rounds alternated, µs a claim:")
    for name, values in us.items():
        print(
            f"  {name:<10} {statistics.median(values):6.2f}"
            f"  (min–max {min(values):.2f}–{max(values):.2f})"
        )


if __name__ == "__main__":
    main()
