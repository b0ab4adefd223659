"""Cost against the size of one claim: time per unit at sizes 1 to 10,000.

    python benchmarks/scaling.py                       # every dimension, 5 rounds
    python benchmarks/scaling.py --rounds 3 --json scaling.json
    python benchmarks/scaling.py --dimension persons --sizes 1 10 100 1000

One claim grows along one dimension at a time:

* ``lines``: one insured, N lines (Imaway D, the four guarantees in turn);
* ``expenses``: one line (D.medical_pharma) of N expenses;
* ``objects``: one line (E.baggage) of N objects;
* ``persons``: N insured, one D line each;
* ``alternatives``: one insured, N lines alternating F.flight_delay and
  G.flight_renunciation, guarantees paid in alternative (Imaway G1);
* ``event_cap``: N insured, each an F.flight_delay line for the same flight,
  sharing its per-event cap (Imaway F5);
* ``table``: the ``persons`` claim's settlement rendered as tables (the
  ``--format table`` output, piped), per person.

A claim holds at most ``MAX_ITEMS`` (1,000) persons, lines a person,
expenses or objects a line (``claimcalc.claim.model``): sizes above it are
capped there (10,000 becomes 1,000), and said so.

Each measurement settles the claim as a batch does each of its claims
(``claimcalc.batch.settle_one`` with the batch's ``Settler``, on an ``Item``
past the 64th: orjson reading, settling, its NDJSON record), repeated until
about ``--units`` units are done, and gives CPU µs per unit (this process's
CPU time: steadier than wall time on a shared machine, and the same for
single-threaded work); the rounds alternate the sizes and the median is
reported with its min–max. ``slope`` is the exponent of the cost between the two largest sizes,
log(T(n2)/T(n1)) / log(n2/n1): 1.0 is linear, 2.0 quadratic. Timed figures on
a noisy machine are indicative; ``tests/test_scaling.py`` holds the
algorithms linear by counting function calls, not by the clock.
"""

from __future__ import annotations

import argparse
import copy
import gc
import io
import json
import math
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from claimcalc.claim.model import MAX_ITEMS  # noqa: E402

EXAMPLES = ROOT / "products" / "imaway" / "examples"
SIZES = (1, 10, 100, 1_000, 10_000)
MEDICAL = ("D.hospital_surgical", "D.medical_pharma", "D.return_care", "D.dental")


def _example(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / name).read_text(encoding="utf-8"))
    return data


def _medical_line(i: int, guarantee: str) -> dict[str, Any]:
    return {
        "id": str(i + 1),
        "guarantee": guarantee,
        "expenses": [{"amount": f"{100 + i % 97}.{i % 100:02d}", "date": "2026-04-08"}],
    }


def _medical(persons: list[dict[str, Any]]) -> dict[str, Any]:
    claim = _example("D-medical-usa.json")
    claim.pop("rates")
    claim["insured"] = persons
    return claim


def _person(ref: str, lines: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "ref": ref,
        "age_at_subscription": 45,
        "facts": {"resident_in_italy": True, "authorised": True},
        "lines": lines,
    }


def lines_claim(n: int) -> dict[str, Any]:
    return _medical([_person("P1", [_medical_line(i, MEDICAL[i % 4]) for i in range(n)])])


def expenses_claim(n: int) -> dict[str, Any]:
    line = _medical_line(0, "D.medical_pharma")
    line["expenses"] = [
        {"amount": f"{10 + i % 89}.{i % 100:02d}", "date": "2026-04-08"} for i in range(n)
    ]
    return _medical([_person("P1", [line])])


def objects_claim(n: int) -> dict[str, Any]:
    claim = _example("E-baggage-theft-barcelona.json")
    person = claim["insured"][0]
    categories = ("clothing", "photo_video", "other")
    person["lines"] = [
        {
            "id": "1",
            "guarantee": "E.baggage",
            "objects": [
                {
                    "label": f"object {i}",
                    "value": f"{20 + i % 150}.00",
                    "date": "2026-05-03",
                    "category": categories[i % 3],
                }
                for i in range(n)
            ],
        }
    ]
    return claim


def persons_claim(n: int) -> dict[str, Any]:
    return _medical(
        [_person(f"P{k}", [_medical_line(k, MEDICAL[k % 4])]) for k in range(n)],
    )


def alternatives_claim(n: int) -> dict[str, Any]:
    claim = _example("G-flight-renunciation.json")
    person = claim["insured"][0]
    renounced = person["lines"][0]
    lines = []
    for i in range(n):
        line = copy.deepcopy(renounced) if i % 2 else {"guarantee": "F.flight_delay"}
        line["id"] = str(i + 1)
        lines.append(line)
    person["lines"] = lines
    return claim


def event_cap_claim(n: int) -> dict[str, Any]:
    claim = _example("F-flight-delay-family.json")
    first = claim["insured"][0]
    claim["insured"] = [dict(first, ref=f"P{k}") for k in range(n)]
    return claim


DIMENSIONS: dict[str, Callable[[int], dict[str, Any]]] = {
    "lines": lines_claim,
    "expenses": expenses_claim,
    "objects": objects_claim,
    "persons": persons_claim,
    "alternatives": alternatives_claim,
    "event_cap": event_cap_claim,
}


# --------------------------------------------------------------------------- work


def settle_work(claim: dict[str, Any]) -> Callable[[], None]:
    """Settling the claim as a batch does: read, settle, its NDJSON record."""
    from claimcalc.batch import settle_one
    from claimcalc.claim.sources import Item
    from claimcalc.output.formats import Format
    from claimcalc.settling.settler import Settler

    settler = Settler(None, None, False)  # one a batch, as batch.run makes it
    item = Item(65, "scaling", json.dumps(claim, separators=(",", ":")))
    outcome = settle_one(settler, item, Format.NDJSON)
    if not outcome.ok:
        raise SystemExit(f"{claim['claim_id']}: {outcome.error}")

    def work() -> None:
        settle_one(settler, item, Format.NDJSON)

    return work


def table_work(claim: dict[str, Any]) -> Callable[[], None]:
    """The claim's settlement rendered as tables, as ``--format table`` piped to a file."""
    from claimcalc import load_product, parse_claim, settle
    from claimcalc.output.records import console
    from claimcalc.output.tables import settlement_tables

    settlement = settle(parse_claim(json.dumps(claim), "scaling"), load_product(claim["product"]))

    def work() -> None:
        out = io.StringIO()
        screen = console(out)
        for renderable in settlement_tables(settlement):
            screen.print(renderable)

    return work


def capped(size: int) -> int:
    return min(size, MAX_ITEMS)


def measure(dimension: str, sizes: list[int], rounds: int, units: int) -> dict[str, Any]:
    build = DIMENSIONS["persons" if dimension == "table" else dimension]
    make = table_work if dimension == "table" else settle_work
    real = sorted({capped(s) for s in sizes})
    works = {n: make(build(n)) for n in real}
    repeats = {n: max(1, units // n) for n in real}
    per_unit: dict[int, list[float]] = {n: [] for n in real}
    for r in range(rounds):
        order = real if r % 2 == 0 else real[::-1]  # alternated
        for n in order:
            gc.collect()
            start = time.process_time()
            for _ in range(repeats[n]):
                works[n]()
            per_unit[n].append((time.process_time() - start) / (repeats[n] * n) * 1e6)
    figures = {
        str(n): {
            "us_per_unit": round(statistics.median(per_unit[n]), 2),
            "min_max": [round(min(per_unit[n]), 2), round(max(per_unit[n]), 2)],
            "repeats": repeats[n],
        }
        for n in real
    }
    result: dict[str, Any] = {"sizes": figures}
    if len(real) >= 2:
        n1, n2 = real[-2], real[-1]
        t1 = statistics.median(per_unit[n1]) * n1
        t2 = statistics.median(per_unit[n2]) * n2
        result["slope"] = round(math.log(t2 / t1) / math.log(n2 / n1), 2)
    asked = [s for s in sizes if s > MAX_ITEMS]
    if asked:
        result["capped"] = f"{', '.join(map(str, asked))} → {MAX_ITEMS} (MAX_ITEMS)"
    return result


def summary(results: dict[str, Any]) -> str:
    rows = []
    for dimension, result in results["dimensions"].items():
        cells = "  ".join(
            f"{n}: {f['us_per_unit']:.1f} ({f['min_max'][0]:.1f}–{f['min_max'][1]:.1f})"
            for n, f in result["sizes"].items()
        )
        unit = "CPU µs a person rendered" if dimension == "table" else "CPU µs a unit"
        note = f"  [{result['capped']}]" if "capped" in result else ""
        rows.append(f"{dimension:<13} slope {result.get('slope', '-')}  {unit}: {cells}{note}")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--dimension",
        choices=[*DIMENSIONS, "table"],
        action="append",
        help="one dimension (repeatable); default every one, and the table",
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--rounds", type=int, default=5, help="alternated rounds")
    parser.add_argument(
        "--units", type=int, default=2_000, help="units a measurement repeats up to"
    )
    parser.add_argument("--json", type=Path, help="write every figure here")
    args = parser.parse_args()
    dimensions = args.dimension or [*DIMENSIONS, "table"]
    results: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "machine": (
            f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        ),
        "rounds": args.rounds,
        "dimensions": {},
    }
    for dimension in dimensions:
        print(f"{dimension} …", file=sys.stderr)
        results["dimensions"][dimension] = measure(dimension, args.sizes, args.rounds, args.units)
    print(summary(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
