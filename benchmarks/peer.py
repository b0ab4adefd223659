"""claimcalc beside a peer (GoRules ZEN) and beside the floor of reading and writing JSON.

    python benchmarks/peer.py                                   # 20,000 claims, 7 rounds
    python benchmarks/peer.py --claims 5000 --rounds 5 --json peer.json
    python benchmarks/peer.py --instructions [--run-cost]       # callgrind's counts

Three workloads on the same NDJSON lines, in this process, alternated round by
round so that a noisy second hits all of them:

* ``claimcalc``: ``claimcalc.batch.run`` over the lines as ``Item``s,
  ``--format ndjson`` records (orjson reads and writes from the 65th claim,
  as in any batch); each record kept, each settlement dropped.
* ``zen``: GoRules ZEN (``zen-engine``) with Imaway D (spese mediche) as a
  JDM decision: each line read with ``orjson.loads``, evaluated, and a record
  ``{"claim_id", "paid"}`` written with ``orjson.dumps``. The medical corpus
  only (the decision encodes section D and nothing else).
* ``floor``: each line read with ``orjson.loads`` and written back with
  ``orjson.dumps``: what any engine pays to read and write, and nothing more.

Corpora: ``medical`` (``run.medical_claim``, seed 11: Imaway D, 1–3 lines of
one insured, each claim its own dates) and ``mixed`` (``run.write_mixed``,
seed 7: every example claim of every product, amounts scaled, one claim in a
hundred invalid).

ZEN's path. First every way the zen-engine in the venv offers to call a
decision is timed on the medical corpus (``--path-claims`` claims, the
rounds alternated): a loader returning the decision's JSON text (the
handicap of the 2026-11-22 figure: parsed again on every call), a loader
returning a cached ``zen.ZenDecisionContent`` (GoRules' documented way:
"combined with ZenDecisionContent for pre-compilation, this provides
optimal performance"), the static loader (``{"type": "static"}``),
``engine.create_decision(content).evaluate``, and ``engine.evaluate_batch``.
The fastest by median is then the ``zen`` compared with claimcalc.

Decimals. ZEN computes with exact decimals (rust_decimal) and takes a
number as text through ``number(...)``: the decision reads the claim as
orjson reads it, amounts as strings, so no conversion in Python is charged
to either side. Also measured, on the same path: ZEN given the shaped input
of the 2026-11-22 benchmark (lines' sums made floats in Python, the shaping
counted: ``zen_shaped``), and the same with the shaping done before the
clock starts (``zen_shaped_free``: reading, ZEN's evaluate on the shaped
input, writing; a bound in ZEN's favour, since claimcalc's side pays for
reading its decimals).

Ratios are taken round by round (the same round's runs) and reported as the
median with quartiles and min–max (and ``claimcalc / zen`` also as the ratio
of each side's fastest round: on a shared machine noise only adds time, and
a round's pair may be hit unevenly): ``claimcalc / zen`` as claims per second
(1.0: as fast as ZEN; 0.5: half as fast) and ``claimcalc / floor`` as time
per claim (15: fifteen times the cost of reading and writing the line).
Also reported: on how many claims ZEN's paid equals claimcalc's indemnity
(to the cent), and CPU seconds beside wall seconds (a path using threads
would show).
"""

from __future__ import annotations

import argparse
import gc
import importlib.metadata
import json
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "src"))

from run import medical_claim, mixed_claim  # noqa: E402

Work = Callable[[], list[str]]

MEDICAL_SEED, MIXED_SEED = 11, 7
KEY = "imaway-D"


# --------------------------------------------------------------------------- corpora


def medical_lines(count: int) -> list[str]:
    rng = random.Random(MEDICAL_SEED)
    return [json.dumps(medical_claim(i, rng), separators=(",", ":")) for i in range(count)]


def mixed_lines(count: int) -> list[str]:
    rng = random.Random(MIXED_SEED)
    examples = sorted((ROOT / "products").glob("*/examples/*.json"))
    templates = [json.loads(p.read_text(encoding="utf-8")) for p in examples]
    return [json.dumps(mixed_claim(i, rng, templates), separators=(",", ":")) for i in range(count)]


# --------------------------------------------------------------------------- the decision

_GUARANTEES = {
    "pharma": "D.medical_pharma",
    "care": "D.return_care",
    "dental": "D.dental",
    "hospital": "D.hospital_surgical",
}


def _by_level(top: int, smart: int, easy: int) -> str:
    return f'($.level == "top" ? {top} : ($.level == "smart" ? {smart} : {easy}))'


def zen_expressions(shaped: bool) -> list[tuple[str, str]]:
    """Imaway D as ZEN expressions, on the claim as read (``shaped``: on ``zen_input``).

    Sub-limits per guarantee (D2 a–c), the franchigia of €50 once per claim
    (D3) where it costs least (absorbed first by amounts over a sub-limit),
    then the zone massimale and the age-band sub-limits (D2).
    """
    if shaped:
        reads = [("level", "level"), ("zone", "zone"), ("age", "age")]
        sums = [
            (key, f'sum(map(filter(lines, #.guarantee == "{code}"), #.amount))')
            for key, code in _GUARANTEES.items()
        ]
    else:  # amounts are decimal text: number() reads them exactly
        reads = [
            ("claim_id", "claim_id"),
            ("level", "level"),
            ("zone", "event.zone"),
            ("age", "insured[0].age_at_subscription"),
        ]
        sums = [
            (
                key,
                f"sum(map(flatMap(filter(insured[0].lines, #.guarantee == "
                f'"{code}"), #.expenses), number(#.amount)))',
            )
            for key, code in _GUARANTEES.items()
        ]
    zone_cap = (
        '$.zone == "italia" ? ' + _by_level(3000, 2000, 1000) + ' : ($.zone == "europa" ? 1000000'
        ' : ($.zone == "mondo_escl_usa_canada" ? 2000000 : 5000000))'
    )
    age_cap = (
        '$.zone == "italia" ? 1000000000 : ($.age >= 61 and $.age <= 69 ? 200000 : '
        "($.age >= 70 and $.age <= 75 ? 50000 : 1000000000))"
    )
    rules = [
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
    return [*reads, *sums, *rules]


def zen_decision(shaped: bool = False) -> dict[str, Any]:
    """The JDM graph: input → one expression node → output."""
    expressions = zen_expressions(shaped)
    return {
        "nodes": [
            {"id": "in", "type": "inputNode", "name": "claim", "position": {"x": 0, "y": 0}},
            {
                "id": "d",
                "type": "expressionNode",
                "name": KEY,
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
    """The 2026-11-22 benchmark's input: each line's expenses summed, as a float."""
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


# --------------------------------------------------------------------------- workloads


def claimcalc_work(lines: list[str]) -> Work:
    from claimcalc.batch import run
    from claimcalc.claim.sources import Item
    from claimcalc.output.formats import Format

    items = [Item(i + 1, "bench", line) for i, line in enumerate(lines)]
    for _ in run(items[:1], Format.NDJSON):  # the products' cache is written
        pass

    def work() -> list[str]:
        # As a batch does: each record kept, each settlement dropped.
        return [outcome.record for outcome in run(items, Format.NDJSON)]

    return work


def engine_work(lines: list[str]) -> Work:
    """claimcalc with its fast path off (``CLAIMCALC_FAST_PATH=0``): every claim
    through the engine, as before 2026-12-02's fast path."""
    inner = claimcalc_work(lines)

    def work() -> list[str]:
        before = os.environ.get("CLAIMCALC_FAST_PATH")
        os.environ["CLAIMCALC_FAST_PATH"] = "0"
        try:
            return inner()
        finally:
            if before is None:
                del os.environ["CLAIMCALC_FAST_PATH"]
            else:
                os.environ["CLAIMCALC_FAST_PATH"] = before

    return work


def fast_path_share(lines: list[str]) -> str:
    """On how many claims the fast path writes the record (the engine the others'),
    and of those how many the plain path reads from orjson's values."""
    from claimcalc.claim.sources import Item
    from claimcalc.errors import ClaimcalcError
    from claimcalc.output.plain import PlainPath
    from claimcalc.settling.settler import Settler

    settler, fast, taken, plain = Settler(None, None, False), PlainPath(), 0, 0
    for i, line in enumerate(lines):
        item = Item(i + 1, "bench", line)
        read, _ = fast.read_plain(line, settler)
        if read is not None and fast.record_plain(read, item.position, item.source, True):
            plain += 1
        try:
            claim = settler.parse(item)
            product = settler.product_of(claim, item.source)
        except ClaimcalcError:
            continue
        taken += fast.record(claim, product, item.position, item.source, True) is not None
    return f"{taken}/{len(lines)} (plain path {plain})"


def floor_work(lines: list[str]) -> Work:
    loads, dumps = orjson.loads, orjson.dumps

    def work() -> list[str]:
        return [dumps(loads(line)).decode() for line in lines]

    return work


def zen_paths(lines: list[str]) -> dict[str, Work]:
    """Every way to call the decision that zen-engine offers, each on the claim as read."""
    import zen  # type: ignore[import-not-found, unused-ignore]

    text = json.dumps(zen_decision())
    content = zen.ZenDecisionContent(text)
    loads, dumps = orjson.loads, orjson.dumps

    def calling(evaluate: Callable[[Any], Any]) -> Work:
        def work() -> list[str]:
            out = []
            for line in lines:
                claim = loads(line)
                paid = evaluate(claim)["result"]["paid"]
                out.append(dumps({"claim_id": claim["claim_id"], "paid": paid}).decode())
            return out

        return work

    by_text = zen.ZenEngine({"loader": lambda key: text})
    by_content = zen.ZenEngine({"loader": lambda key: content})
    static = zen.ZenEngine({"loader": {"type": "static", "content": {KEY: zen_decision()}}})
    decision = zen.ZenEngine().create_decision(content)

    def batched() -> list[str]:
        out = []
        for start in range(0, len(lines), 256):
            claims = [loads(line) for line in lines[start : start + 256]]
            answers = by_content.evaluate_batch([{"key": KEY, "context": c} for c in claims])
            for claim, answer in zip(claims, answers, strict=True):
                paid = answer["data"]["result"]["paid"]
                out.append(dumps({"claim_id": claim["claim_id"], "paid": paid}).decode())
        return out

    return {
        "loader returning the JSON text": calling(lambda c: by_text.evaluate(KEY, c)),
        "loader returning a cached ZenDecisionContent": calling(
            lambda c: by_content.evaluate(KEY, c)
        ),
        "static loader": calling(lambda c: static.evaluate(KEY, c)),
        "create_decision(content).evaluate": calling(decision.evaluate),
        "evaluate_batch, 256 a call (cached content)": batched,
    }


def zen_variants(lines: list[str], path: str) -> dict[str, Work]:
    """On the path chosen: the shaped input of 2026-11-22 (shaping counted or not)."""
    import zen  # type: ignore[import-not-found, unused-ignore]

    content = zen.ZenDecisionContent(json.dumps(zen_decision(shaped=True)))
    static_decision = zen_decision(shaped=True)
    if path == "static loader":
        engine = zen.ZenEngine({"loader": {"type": "static", "content": {KEY: static_decision}}})
    else:
        engine = zen.ZenEngine({"loader": lambda key: content})
    loads, dumps = orjson.loads, orjson.dumps

    def shaped() -> list[str]:
        out = []
        for line in lines:
            claim = loads(line)
            paid = engine.evaluate(KEY, zen_input(claim))["result"]["paid"]
            out.append(dumps({"claim_id": claim["claim_id"], "paid": paid}).decode())
        return out

    ready = [zen_input(loads(line)) for line in lines]

    def shaped_free() -> list[str]:
        out = []
        for line, given in zip(lines, ready, strict=True):
            claim = loads(line)
            paid = engine.evaluate(KEY, given)["result"]["paid"]
            out.append(dumps({"claim_id": claim["claim_id"], "paid": paid}).decode())
        return out

    return {"zen_shaped": shaped, "zen_shaped_free": shaped_free}


# --------------------------------------------------------------------------- timing


def timed(work: Work) -> tuple[float, float, list[str]]:
    """Wall and CPU seconds of one call, and what it returned."""
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    done = work()
    return time.perf_counter() - wall, time.process_time() - cpu, done


def spread(values: list[float], digits: int = 3) -> dict[str, Any]:
    """Median, quartiles and min–max of ``values``."""
    q1, _, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return {
        "median": round(statistics.median(values), digits),
        "quartiles": [round(q1, digits), round(q3, digits)],
        "min_max": [round(min(values), digits), round(max(values), digits)],
        "runs": [round(v, digits) for v in values],
    }


def rotations(names: list[str], rounds: int) -> Iterator[list[str]]:
    """Each round runs every workload, starting one further along the list."""
    for r in range(rounds):
        k = r % len(names)
        yield names[k:] + names[:k]


def alternate(works: dict[str, Work], claims: int, rounds: int) -> dict[str, Any]:
    """µs per claim (wall, CPU) of each workload over ``rounds`` alternated rounds."""
    walls: dict[str, list[float]] = {name: [] for name in works}
    cpus: dict[str, list[float]] = {name: [] for name in works}
    last: dict[str, list[str]] = {}
    for order in rotations(list(works), rounds):
        for name in order:
            wall, cpu, last[name] = timed(works[name])
            walls[name].append(wall / claims * 1e6)
            cpus[name].append(cpu / claims * 1e6)
        print("  " + ", ".join(f"{n} {walls[n][-1]:.1f}" for n in works) + " µs", file=sys.stderr)
    return {"wall_us": walls, "cpu_us": cpus, "records": last}


def agreement(ours: list[str], theirs: list[str]) -> str:
    """On how many claims ZEN's paid equals claimcalc's indemnity, to the cent."""
    same = 0
    for mine, other in zip(ours, theirs, strict=True):
        record = orjson.loads(mine)
        if record.get("status") == "error":
            continue
        indemnity = Decimal(record["totals"]["indemnity"])
        if abs(indemnity - Decimal(str(orjson.loads(other)["paid"]))) <= Decimal("0.01"):
            same += 1
    return f"{same}/{len(ours)}"


def ratios(numerator: list[float], denominator: list[float]) -> dict[str, Any]:
    return spread([n / d for n, d in zip(numerator, denominator, strict=True)])


# --------------------------------------------------------------------------- the comparison


def choose_zen_path(lines: list[str], rounds: int) -> tuple[str, dict[str, Any]]:
    """Each of ZEN's calling paths timed, alternated; the fastest by median."""
    print(f"ZEN's paths, {len(lines)} medical claims …", file=sys.stderr)
    paths = zen_paths(lines)
    timing = alternate(paths, len(lines), rounds)
    records = timing["records"]
    first = next(iter(records.values()))
    for name, done in records.items():
        if done != first:
            raise SystemExit(f"ZEN path {name!r} paid otherwise than {next(iter(records))!r}")
    figures = {
        name: {
            "wall_us": spread(timing["wall_us"][name], 1),
            "cpu_us": spread(timing["cpu_us"][name], 1),
        }
        for name in paths
    }
    fastest = min(figures, key=lambda name: figures[name]["wall_us"]["median"])
    return fastest, figures


def compare(claims: int, rounds: int, path_claims: int) -> dict[str, Any]:
    # Fails here, before any timing, when it is not installed.
    import zen  # type: ignore[import-not-found, unused-ignore]  # noqa: F401

    medical = medical_lines(claims)
    mixed = mixed_lines(claims)
    path, paths = choose_zen_path(medical[:path_claims], rounds)
    chosen = zen_paths(medical)[path]
    works: dict[str, Work] = {
        "claimcalc medical": claimcalc_work(medical),
        "engine medical": engine_work(medical),
        "zen medical": chosen,
        "floor medical": floor_work(medical),
        "claimcalc mixed": claimcalc_work(mixed),
        "floor mixed": floor_work(mixed),
        **{f"{name} medical": work for name, work in zen_variants(medical, path).items()},
    }
    print(f"{claims} claims a corpus, {rounds} rounds alternated …", file=sys.stderr)
    timing = alternate(works, claims, rounds)
    wall = timing["wall_us"]
    result: dict[str, Any] = {
        "claims": claims,
        "rounds": rounds,
        "zen_version": importlib.metadata.version("zen-engine"),
        "orjson_version": importlib.metadata.version("orjson"),
        "zen_paths_us_per_claim": paths,
        "zen_path": path,
        "us_per_claim": {
            name: {"wall": spread(wall[name], 1), "cpu": spread(timing["cpu_us"][name], 1)}
            for name in works
        },
        "claimcalc_over_zen_speed": ratios(wall["zen medical"], wall["claimcalc medical"]),
        # Noise only adds time: each side's fastest round is its least disturbed.
        "claimcalc_over_zen_speed_fastest_rounds": round(
            min(wall["zen medical"]) / min(wall["claimcalc medical"]), 3
        ),
        "engine_over_zen_speed": ratios(wall["zen medical"], wall["engine medical"]),
        "fast_path_claims": {"medical": fast_path_share(medical), "mixed": fast_path_share(mixed)},
        "claimcalc_over_zen_shaped_speed": ratios(
            wall["zen_shaped medical"], wall["claimcalc medical"]
        ),
        "claimcalc_over_zen_shaped_free_speed": ratios(
            wall["zen_shaped_free medical"], wall["claimcalc medical"]
        ),
        "claimcalc_over_floor_cost": {
            "medical": ratios(wall["claimcalc medical"], wall["floor medical"]),
            "mixed": ratios(wall["claimcalc mixed"], wall["floor mixed"]),
        },
        "zen_over_floor_cost_medical": ratios(wall["zen medical"], wall["floor medical"]),
        "same_paid": agreement(
            timing["records"]["claimcalc medical"], timing["records"]["zen medical"]
        ),
        "compiled": compiled_summary(),
    }
    return result


def compiled_summary() -> str:
    """How many of claimcalc's modules ran compiled (claimcalc.compiled): figures
    from an install whose compiled modules are stale or off are not comparable."""
    from claimcalc.compiled import summary as compiled

    return compiled()


# --------------------------------------------------------------------------- instructions

DRIVEN = ("claimcalc medical", "zen medical", "floor medical", "claimcalc mixed", "floor mixed")


def drive(workload: str, corpus: Path, path: str) -> None:
    """What runs under callgrind: one workload once over the corpus's lines.

    Everything but the run itself (imports, ZEN's engine, the products) is
    done on the first line first, so that it cancels out between two sizes.
    """
    lines = corpus.read_text(encoding="utf-8").splitlines()
    name, _ = workload.split()
    if name == "claimcalc":
        claimcalc_work(lines[:1])()
        work = claimcalc_work(lines)
    elif name == "zen":
        zen_paths(lines[:1])[path]()
        work = zen_paths(lines)[path]
    else:
        work = floor_work(lines)
    work()


def callgrind(out: Path, script: Path, args: list[str]) -> int:
    """The instructions of ``python script *args`` under callgrind (its output
    file ``out``; Python's hash seed fixed, so that two counts compare)."""
    import re
    import subprocess

    argv = [
        "valgrind",
        "--tool=callgrind",
        "-q",
        f"--callgrind-out-file={out}",
        sys.executable,
        str(script.resolve()),
        *args,
    ]
    env = dict(os.environ, PYTHONHASHSEED="0")
    subprocess.run(argv, env=env, check=True, capture_output=True)
    total = re.search(
        r"^(?:summary|totals):\s+(\d+)", out.read_text(encoding="utf-8"), re.MULTILINE
    )
    assert total is not None
    return int(total[1])


def drive_runs(workload: str, corpus: Path, path: str, runs: int) -> None:
    """What runs under callgrind for ``--run-cost``: ``runs`` runs of the corpus's
    lines, after one (imports, products, memos) that cancels out between two counts."""
    lines = corpus.read_text(encoding="utf-8").splitlines()
    work = claimcalc_work(lines) if workload == "claimcalc medical" else zen_paths(lines)[path]
    work()
    for _ in range(runs):
        work()


#: --run-cost: runs of so many claims, counted at so many runs (the first cancels out).
RUN_SIZES = (1, 65)
RUN_COUNTS = (5, 25)


def count_run_cost(path: str) -> dict[str, Any]:
    """Instructions of a whole run of claimcalc and of ZEN (medical), its claims
    included: a run of 1 and of 65 claims, each counted over 5 and 25 runs in
    one process, (I(25) - I(5)) / 20. Beside 65 × a claim's count (``--sizes``),
    what a run costs of its own: a library's caller pays it at every run
    (claimcalc: the product file read and hashed, the memos' look-ups; the
    first ``FAST_AFTER`` claims read by the json module), the benchmark once a
    round."""
    import tempfile
    from concurrent.futures import ThreadPoolExecutor

    few, many = RUN_COUNTS
    with tempfile.TemporaryDirectory(prefix="claimcalc-peer-") as tmp:
        workdir = Path(tmp)
        lines = medical_lines(max(RUN_SIZES))
        for size in RUN_SIZES:
            text = "\n".join(lines[:size]) + "\n"
            (workdir / f"medical-{size}.ndjson").write_text(text, encoding="utf-8")

        def run(job: tuple[str, int, int]) -> int:
            workload, size, runs = job
            out = workdir / f"cg.{workload.replace(' ', '-')}.{size}.{runs}"
            corpus = workdir / f"medical-{size}.ndjson"
            count = callgrind(
                out, Path(__file__), ["--run-driver", workload, str(corpus), path, str(runs)]
            )
            print(f"  callgrind {workload}, {runs} runs of {size}: {count:,}", file=sys.stderr)
            return count

        jobs = [
            (w, size, runs)
            for w in ("claimcalc medical", "zen medical")
            for size in RUN_SIZES
            for runs in RUN_COUNTS
        ]
        with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
            counts = dict(zip(jobs, pool.map(run, jobs), strict=True))
    return {
        w: {
            f"{size} claim{'s' if size > 1 else ''}": round(
                (counts[w, size, many] - counts[w, size, few]) / (many - few) / 1e6, 3
            )
            for size in RUN_SIZES
        }
        for w in ("claimcalc medical", "zen medical")
    }


def count_instructions(
    path: str,
    sizes: tuple[int, int],
    driven: tuple[str, ...] = DRIVEN,
    script: Path | None = None,
) -> dict[str, Any]:
    """Instructions per claim of each workload, (I(big) - I(small)) / (big - small).

    ``script``: the benchmark whose ``--driver`` runs the workloads (this one by
    default; ``python_bound.py`` adds its own).
    """
    import tempfile
    from concurrent.futures import ThreadPoolExecutor

    small, big = sizes
    with tempfile.TemporaryDirectory(prefix="claimcalc-peer-") as tmp:
        workdir = Path(tmp)
        for corpus, make in (("medical", medical_lines), ("mixed", mixed_lines)):
            (workdir / f"{corpus}.ndjson").write_text("\n".join(make(big)) + "\n", encoding="utf-8")
            (workdir / f"{corpus}-{small}.ndjson").write_text(
                "\n".join(make(small)) + "\n", encoding="utf-8"
            )

        def run(job: tuple[str, int]) -> int:
            workload, size = job
            corpus = workload.split()[1] + ("" if size == big else f"-{small}") + ".ndjson"
            out = workdir / f"cg.{workload.replace(' ', '-')}.{size}"
            count = callgrind(
                out,
                script or Path(__file__),
                ["--driver", workload, str(workdir / corpus), path],
            )
            print(f"  callgrind {workload} {size}: {count:,}", file=sys.stderr)
            return count

        jobs = [(w, n) for w in driven for n in sizes]
        with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
            counts = dict(zip(jobs, pool.map(run, jobs), strict=True))
    per_claim = {w: (counts[w, big] - counts[w, small]) / (big - small) for w in driven}
    counted: dict[str, Any] = {
        "sizes": list(sizes),
        "zen_path": path,
        "per_claim_millions": {w: round(v / 1e6, 4) for w, v in per_claim.items()},
        "totals": {f"{w} {n}": c for (w, n), c in counts.items()},
    }
    if set(driven) != set(DRIVEN):  # a part of the workloads (--workloads): no ratios
        return counted
    return {
        **counted,
        "claimcalc_over_zen": round(per_claim["claimcalc medical"] / per_claim["zen medical"], 2),
        "claimcalc_over_floor": {
            "medical": round(per_claim["claimcalc medical"] / per_claim["floor medical"], 1),
            "mixed": round(per_claim["claimcalc mixed"] / per_claim["floor mixed"], 1),
        },
        "zen_over_floor_medical": round(per_claim["zen medical"] / per_claim["floor medical"], 1),
    }


def instructions_summary(counted: dict[str, Any]) -> str:
    rows = [
        f"instructions a claim (callgrind, (I({counted['sizes'][1]}) - I({counted['sizes'][0]}))"
        f" / {counted['sizes'][1] - counted['sizes'][0]}; ZEN: {counted['zen_path']}; "
        f"claimcalc: {compiled_summary()}):"
    ]
    for workload, millions in counted["per_claim_millions"].items():
        rows.append(f"  {workload:<18} {millions:.4f} M")
    for workload, runs in counted.get("run_millions", {}).items():
        sizes = ", ".join(f"{name} {millions:.3f} M" for name, millions in runs.items())
        rows.append(f"  {workload:<18} a whole run of {sizes}")
    if "claimcalc_over_zen" not in counted:
        return "\n".join(rows)
    rows.append(
        f"  claimcalc / ZEN (instructions, medical): {counted['claimcalc_over_zen']:.2f}×; "
        f"claimcalc / floor: medical {counted['claimcalc_over_floor']['medical']:.1f}×, "
        f"mixed {counted['claimcalc_over_floor']['mixed']:.1f}×; "
        f"ZEN / floor: {counted['zen_over_floor_medical']:.1f}×"
    )
    return "\n".join(rows)


def summary(result: dict[str, Any]) -> str:
    def r(figure: dict[str, Any]) -> str:
        q1, q3 = figure["quartiles"]
        lo, hi = figure["min_max"]
        return f"{figure['median']:.2f} (quartiles {q1:.2f}–{q3:.2f}, min–max {lo:.2f}–{hi:.2f})"

    rows = [
        f"claimcalc vs ZEN {result['zen_version']} and the orjson floor: "
        f"{result['claims']} claims a corpus, {result['rounds']} rounds alternated; "
        f"claimcalc: {result['compiled']}",
        "",
        "ZEN's calling paths, µs a claim (median, quartiles):",
    ]
    for name, figures in result["zen_paths_us_per_claim"].items():
        wall = figures["wall_us"]
        mark = "  ← fastest, used below" if name == result["zen_path"] else ""
        rows.append(
            f"  {name:<46} {wall['median']:>7.1f} ({wall['quartiles'][0]:.1f}–"
            f"{wall['quartiles'][1]:.1f}){mark}"
        )
    rows += ["", "µs a claim, wall (median, quartiles; CPU median):"]
    for name, figures in result["us_per_claim"].items():
        wall, cpu = figures["wall"], figures["cpu"]
        rows.append(
            f"  {name:<24} {wall['median']:>7.1f} ({wall['quartiles'][0]:.1f}–"
            f"{wall['quartiles'][1]:.1f})  cpu {cpu['median']:.1f}"
        )
    rows += [
        "",
        f"claimcalc / ZEN, claims per second (medical):  {r(result['claimcalc_over_zen_speed'])}",
        f"  of each side's fastest round:                "
        f"{result['claimcalc_over_zen_speed_fastest_rounds']:.2f}",
        f"  the engine alone (CLAIMCALC_FAST_PATH=0):    {r(result['engine_over_zen_speed'])}",
        f"  fast path: {result['fast_path_claims']['medical']} medical claims, "
        f"{result['fast_path_claims']['mixed']} mixed (the engine settles the others)",
        f"  ZEN given shaped floats, shaping counted:     "
        f"{r(result['claimcalc_over_zen_shaped_speed'])}",
        f"  ZEN given shaped floats, shaping free:        "
        f"{r(result['claimcalc_over_zen_shaped_free_speed'])}",
        f"claimcalc / floor, time a claim, medical:      "
        f"{r(result['claimcalc_over_floor_cost']['medical'])}",
        f"claimcalc / floor, time a claim, mixed:        "
        f"{r(result['claimcalc_over_floor_cost']['mixed'])}",
        f"ZEN / floor, time a claim, medical:            "
        f"{r(result['zen_over_floor_cost_medical'])}",
        f"ZEN's paid = claimcalc's indemnity (to the cent): {result['same_paid']} claims",
        f"ZEN's path: {result['zen_path']}; ZEN reads the claim's amounts as text (exact)",
    ]
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--claims", type=int, default=20_000, help="claims a corpus")
    parser.add_argument("--rounds", type=int, default=7, help="alternated rounds (≥ 5)")
    parser.add_argument(
        "--path-claims", type=int, default=2_000, help="claims to time ZEN's calling paths on"
    )
    parser.add_argument("--json", type=Path, help="write every figure and run here")
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="count instructions a claim with callgrind instead of timing (repeatable)",
    )
    parser.add_argument(
        "--zen-path",
        default="loader returning a cached ZenDecisionContent",
        help="ZEN's calling path for --instructions",
    )
    parser.add_argument(
        "--workloads",
        nargs="+",
        choices=DRIVEN,
        default=list(DRIVEN),
        metavar="W",
        help="with --instructions: count these only (quoted, e.g. 'claimcalc medical')",
    )
    parser.add_argument("--sizes", type=int, nargs=2, default=(300, 2300), metavar=("S", "B"))
    parser.add_argument(
        "--run-cost",
        action="store_true",
        help="with --instructions: also count a run's own instructions (runs of 1 and 65 claims)",
    )
    parser.add_argument("--driver", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--run-driver", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.driver:
        drive(args.driver[0], Path(args.driver[1]), args.driver[2])
        return
    if args.run_driver:
        workload, corpus, path, runs = args.run_driver
        drive_runs(workload, Path(corpus), path, int(runs))
        return
    if args.instructions:
        counted = {
            "date": time.strftime("%Y-%m-%d %H:%M"),
            "zen_version": importlib.metadata.version("zen-engine"),
            **count_instructions(args.zen_path, tuple(args.sizes), tuple(args.workloads)),
        }
        if args.run_cost:
            counted["run_millions"] = count_run_cost(args.zen_path)
        print(instructions_summary(counted))
        if args.json:
            args.json.write_text(json.dumps(counted, indent=2) + "\n", encoding="utf-8")
        return
    if args.rounds < 2:
        parser.error("--rounds: at least 2 (5 or more for a figure to quote)")
    result = {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "machine": (
            f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        ),
        **compare(args.claims, args.rounds, min(args.path_claims, args.claims)),
    }
    print(summary(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
