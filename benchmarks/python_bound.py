"""What pure Python can do on the medical corpus: claimcalc's reader alone, a hand settlement.

    python benchmarks/python_bound.py --claims 3000 --rounds 7
    python benchmarks/python_bound.py --claims 3000 --rounds 7 --json bound.json
    python benchmarks/python_bound.py --instructions     # callgrind, a few minutes

Issue #16 point 2 asks for claimcalc at least as fast as GoRules ZEN on the
medical corpus with full validation and itemised records. This benchmark
bounds what a pure-Python path could reach there, by timing two parts of such
a path on their own beside ZEN, alternated round by round in one process, on
the same lines (``peer.medical_lines``):

* ``claimcalc``: ``claimcalc.batch.run``, NDJSON records (``peer.claimcalc_work``);
* ``zen``: ZEN on the fastest calling path ``peer.choose_zen_path`` finds
  (or the one given with ``--zen-path``), reading with orjson and writing
  ``{"claim_id", "paid"}`` (``peer.zen_paths``);
* ``reader``: claimcalc's reader alone, ``parse_claim(text, source, fast=True)``
  on each line: the whole validation of a claim, no settling, no record;
* ``hand``: a hand-written settlement of the decision ZEN encodes
  (``peer.zen_expressions``: sub-limits per guarantee by level, the €50
  franchigia once per insured where it costs least, the zone massimale and the
  age-band sub-limits), Decimal arithmetic, orjson in and out, **no validation
  at all**, writing a record of claimcalc's NDJSON shape (the same keys at
  every level: per line the guarantee, claimed, deductible, the binding limit,
  paid and a reason text when reduced). Its total paid must equal claimcalc's
  indemnity and ZEN's paid on every claim, or the run stops;
* ``floor``: orjson loads and dumps of each line (``peer.floor_work``).

What ``hand`` leaves out, by design: validation of the claim (types, forms,
sizes, dates, references, duplicates), the personal-data screen, the product's
eligibility rules (cause, event during the trip, prior authorisation,
reporting deadline, return care within 30 days), exclusions, currencies and
exchange rates, other sections and products, several events or ledgers, and
the explanation steps. It is a floor for settling this one section, not an
engine.

Reported: µs a claim, wall and CPU (median, quartiles, min–max over rounds),
and each round's ratios to ZEN's time in that round (``W / zen``, time: 1.0
costs as much as ZEN) including ``(reader + hand) / zen``, whose inverse
bounds claimcalc / ZEN (claims per second) for a path that validates as
claimcalc's reader does and settles no cheaper than ``hand``.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import platform
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "src"))

from peer import (  # noqa: E402
    Work,
    alternate,
    choose_zen_path,
    claimcalc_work,
    count_instructions,
    floor_work,
    medical_lines,
    ratios,
    spread,
    zen_paths,
)
from peer import drive as peer_drive  # noqa: E402

# --------------------------------------------------------------------------- the hand settlement

# Imaway 2026-01, section D, as peer.zen_expressions encodes it (and
# products/imaway/2026-01.yaml states it): constants, as a specialised path has them.
PRODUCT_ID, EDITION = "imaway", "2026-01"
SHA256 = "9af1813275e3a40e005ba520d34072561d03ed5edf046776b8f20ee1f803936a"  # of 2026-01.yaml
LEVELS = ("easy", "smart", "top")
CENTS = Decimal("0.01")
ZERO = Decimal("0.00")
FRANCHIGIA = Decimal("50.00")

# guarantee: title, article, sub-limit id, sub-limit by level (None: none of its own)
GUARANTEES: dict[str, tuple[str, str, str | None, dict[str, int] | None]] = {
    "D.hospital_surgical": ("Spese ospedaliere e chirurgiche", "D2", None, None),
    "D.medical_pharma": (
        "Spese mediche e farmaceutiche",
        "D2 a",
        "D.medical_pharma.max",
        {"easy": 1000, "smart": 2000, "top": 3000},
    ),
    "D.return_care": (
        "Spese per cure al rientro, incluse quelle fisioterapiche conseguenti ad infortunio",
        "D2 b",
        "D.return_care.max",
        {"easy": 400, "smart": 450, "top": 550},
    ),
    "D.dental": (
        "Spese odontoiatriche urgenti",
        "D2 c",
        "D.dental.max",
        {"easy": 200, "smart": 400, "top": 550},
    ),
}
ZONE_CAP = {
    "italia": {"easy": 1000, "smart": 2000, "top": 3000},
    "europa": dict.fromkeys(LEVELS, 1_000_000),
    "mondo_escl_usa_canada": dict.fromkeys(LEVELS, 2_000_000),
    "mondo": dict.fromkeys(LEVELS, 5_000_000),
}
# (lowest age, highest age, id, amount): outside Italy only
AGE_BANDS = ((61, 69, "D.age_61_69", 200_000), (70, 75, "D.age_70_75", 50_000))


def _eur(amount: Decimal) -> str:
    """€ 1.234,56, as claimcalc's texts write amounts."""
    return "€ " + f"{amount:,.2f}".translate(_SEPARATORS)


_SEPARATORS = str.maketrans(",.", ".,")


def _limit(limit_id: str, amount: int, article: str) -> tuple[Decimal, dict[str, str], str]:
    """A limit's amount, its record (as claimcalc writes it) and its reason's text head."""
    value = Decimal(amount).quantize(CENTS)
    record = {"id": limit_id, "amount": str(value), "article": article}
    return value, record, f"limit {_eur(value)} per insured, per policy period"


# Built once: per (guarantee, level), per (zone, level, age band).
_SUB_LIMITS = {
    (code, level): _limit(limit_id, amounts[level], article)
    for code, (_, article, limit_id, amounts) in GUARANTEES.items()
    if limit_id is not None and amounts is not None
    for level in LEVELS
}


def _caps() -> dict[tuple[str, str, int], tuple[Decimal, dict[str, str], str]]:
    """The cap on a person's section D by (zone, level, age): the zone's, or its age band's."""
    caps = {}
    for zone, by_level in ZONE_CAP.items():
        for level, amount in by_level.items():
            for age in range(131):
                cap = ("D.zone", amount)
                for low, high, band_id, band in AGE_BANDS:
                    if zone != "italia" and low <= age <= high and band < cap[1]:
                        cap = (band_id, band)
                caps[zone, level, age] = _limit(*cap, "D2")
    return caps


_CAPS = _caps()
_FRANCHIGIA_REASON = {
    "code": "franchigia",
    "article": "D3",
    "text": f"franchigia {_eur(FRANCHIGIA)} per sinistro (per insured), once for section D",
}


def _reason(code: str, article: str, head: str, used: Decimal) -> dict[str, str]:
    if used:
        return {
            "code": "period_limit_used",
            "article": article,
            "text": f"{head}; {_eur(used)} used by other lines of this claim",
        }
    return {"code": code, "article": article, "text": head}


def hand_person(
    person: dict[str, Any], level: str, zone: str
) -> tuple[dict[str, Any], Decimal, Decimal]:
    """One insured's section D lines settled (sub-limits, the franchigia once, the cap):
    the insured's record, claimed and indemnity."""
    age = person["age_at_subscription"]
    cap, cap_record, cap_head = _CAPS[zone, level, age]
    rows = []
    used: dict[str, Decimal] = {}
    loss = ZERO
    for line in person["lines"]:
        code = line["guarantee"]
        claimed = ZERO
        for expense in line["expenses"]:
            claimed += Decimal(expense["amount"])
        loss += claimed
        sub = _SUB_LIMITS.get((code, level))
        before = ZERO
        if sub is None:
            covered = claimed
        else:
            before = used.get(code, ZERO)
            covered = min(claimed, sub[0] - before)
            used[code] = before + covered
        rows.append([line, code, claimed, covered, claimed - covered, ZERO, sub, before])
    # The franchigia where it costs least: first in amounts over a sub-limit.
    left = min(FRANCHIGIA, loss)
    for row in rows:
        if left and row[4]:
            taken = min(left, row[4])
            row[5] += taken
            left -= taken
    for row in rows:
        if left and row[3]:
            taken = min(left, row[3])
            row[3] -= taken
            row[5] += taken
            left -= taken
    # The zone massimale (or the age band's), over the insured's lines in order.
    room = cap
    indemnity = ZERO
    out = []
    for line, code, claimed, covered, excess, deductible, sub, before in rows:
        title, article, _, _ = GUARANTEES[code]
        paid = min(covered, room)
        reasons = [_FRANCHIGIA_REASON] if deductible else []
        limit = None
        if paid < covered:
            limit = cap_record
            reasons.append(_reason("limit", "D2", cap_head, cap - room))
        elif excess and sub is not None:
            limit = sub[1]
            reasons.append(_reason("limit", article, sub[2], before))
        room -= paid
        indemnity += paid
        out.append(
            {
                "line": line["id"],
                "guarantee": code,
                "title": title,
                "kind": "cash",
                "article": article,
                "status": "refused" if not paid else "reduced" if limit else "paid",
                "claimed": str(claimed),
                "assessed_loss": str(claimed),
                "deductible": str(deductible),
                "limit": limit,
                "paid": str(paid),
                "reasons": reasons,
            }
        )
    record = {
        "ref": person["ref"],
        "age": age,
        "lines": out,
        "totals": {"indemnity": str(indemnity), "advances": "0.00"},
    }
    return record, loss, indemnity


def hand_record(claim: dict[str, Any], position: int, source: str) -> dict[str, Any]:
    """A record of claimcalc's NDJSON shape for a claim read by orjson, trusted as it is."""
    level = claim["level"]
    event = claim["event"]
    zone = event["zone"]
    insured = []
    claimed = indemnity = ZERO
    for person in claim["insured"]:
        record, loss, paid = hand_person(person, level, zone)
        insured.append(record)
        claimed += loss
        indemnity += paid
    return {
        "position": position,
        "source": source,
        "status": "settled",
        "schema_version": "1",
        "claim_id": claim["claim_id"],
        "product": {"id": PRODUCT_ID, "edition": EDITION, "level": level, "sha256": SHA256},
        "event": {"id": event.get("id"), "date": event["date"], "zone": zone},
        "insured": insured,
        "totals": {"claimed": str(claimed), "indemnity": str(indemnity), "advances": "0.00"},
    }


# --------------------------------------------------------------------------- workloads


def hand_work(lines: list[str]) -> Work:
    loads, dumps = orjson.loads, orjson.dumps

    def work() -> list[str]:
        return [
            dumps(hand_record(loads(line), i, "bench")).decode() for i, line in enumerate(lines, 1)
        ]

    return work


def reader_work(lines: list[str]) -> Work:
    from claimcalc.claim.read import parse_claim

    parse_claim(lines[0], "bench", fast=True)  # imports and first-use caches done

    def work() -> list[str]:
        return [parse_claim(line, "bench", fast=True).claim_id for line in lines]

    return work


def indemnities(records: list[str]) -> list[Decimal]:
    return [Decimal(orjson.loads(r)["totals"]["indemnity"]) for r in records]


def disagreements(hand: list[str], claimcalc: list[str], zen: list[str] | None) -> list[str]:
    """Claims on which hand's total differs from claimcalc's indemnity or ZEN's paid."""
    wrong = []
    ours = indemnities(claimcalc)
    theirs = [None] * len(hand) if zen is None else [orjson.loads(r)["paid"] for r in zen]
    for record, mine, expected, paid in zip(hand, indemnities(hand), ours, theirs, strict=True):
        zen_paid = None if paid is None else Decimal(str(paid)).quantize(CENTS)
        if mine != expected or (zen_paid is not None and zen_paid != mine):
            claim_id = orjson.loads(record)["claim_id"]
            wrong.append(f"{claim_id}: hand {mine}, claimcalc {expected}, zen {zen_paid}")
    return wrong


# --------------------------------------------------------------------------- the comparison

NAMES = ("claimcalc", "zen", "reader", "hand", "floor")


def bound(claims: int, rounds: int, path_claims: int, zen_path: str | None) -> dict[str, Any]:
    import zen  # type: ignore[import-not-found, unused-ignore]  # noqa: F401

    medical = medical_lines(claims)
    if zen_path is None:
        zen_path, paths = choose_zen_path(medical[:path_claims], rounds)
        chosen_how = f"fastest of peer.zen_paths by median, timed on {path_claims} claims"
    else:
        paths, chosen_how = {}, "given (--zen-path)"
    works: dict[str, Work] = {
        "claimcalc": claimcalc_work(medical),
        "zen": zen_paths(medical)[zen_path],
        "reader": reader_work(medical),
        "hand": hand_work(medical),
        "floor": floor_work(medical),
    }
    print(f"{claims} medical claims, {rounds} rounds alternated …", file=sys.stderr)
    timing = alternate(works, claims, rounds)
    records = timing["records"]
    wrong = disagreements(records["hand"], records["claimcalc"], records["zen"])
    if wrong:
        raise SystemExit(
            f"hand's paid differs on {len(wrong)} of {claims} claims:\n" + "\n".join(wrong[:10])
        )
    wall, cpu = timing["wall_us"], timing["cpu_us"]
    for clock in (wall, cpu):
        pairs = zip(clock["reader"], clock["hand"], strict=True)
        clock["reader + hand"] = [reader + hand for reader, hand in pairs]
    shown = [*NAMES, "reader + hand"]
    return {
        "claims": claims,
        "rounds": rounds,
        "zen_version": importlib.metadata.version("zen-engine"),
        "orjson_version": importlib.metadata.version("orjson"),
        "zen_path": zen_path,
        "zen_path_chosen": chosen_how,
        "zen_paths_us_per_claim": paths,
        "us_per_claim": {
            name: {"wall": spread(wall[name], 1), "cpu": spread(cpu[name], 1)} for name in shown
        },
        "cost_over_zen": {
            name: {"wall": ratios(wall[name], wall["zen"]), "cpu": ratios(cpu[name], cpu["zen"])}
            for name in shown
            if name != "zen"
        },
        "zen_over_reader_plus_hand_speed": ratios(wall["zen"], wall["reader + hand"]),
        "reader_plus_hand_over_claimcalc": ratios(wall["reader + hand"], wall["claimcalc"]),
        "hand_paid_equals": f"claimcalc's indemnity and ZEN's paid on {claims}/{claims} claims",
    }


# --------------------------------------------------------------------------- instructions

DRIVEN = ("claimcalc medical", "zen medical", "reader medical", "hand medical", "floor medical")


def drive(workload: str, corpus: Path, path: str) -> None:
    """Under callgrind: one workload once over the corpus (set-up done on one line first)."""
    name = workload.split()[0]
    if name not in ("reader", "hand"):
        peer_drive(workload, corpus, path)
        return
    lines = corpus.read_text(encoding="utf-8").splitlines()
    make = reader_work if name == "reader" else hand_work
    make(lines[:1])()
    make(lines)()


# --------------------------------------------------------------------------- report


def summary(result: dict[str, Any]) -> str:
    def r(figure: dict[str, Any]) -> str:
        q1, q3 = figure["quartiles"]
        lo, hi = figure["min_max"]
        return f"{figure['median']:.2f} (quartiles {q1:.2f}–{q3:.2f}, min–max {lo:.2f}–{hi:.2f})"

    rows = [
        f"pure-Python bound beside ZEN {result['zen_version']}: {result['claims']} medical "
        f"claims, {result['rounds']} rounds alternated; ZEN's path: {result['zen_path']} "
        f"({result['zen_path_chosen']})",
        "",
        "µs a claim: wall median (quartiles; min–max) | CPU median (quartiles)",
    ]
    for name, figures in result["us_per_claim"].items():
        w, c = figures["wall"], figures["cpu"]
        rows.append(
            f"  {name:<14} {w['median']:>7.1f} ({w['quartiles'][0]:.1f}–{w['quartiles'][1]:.1f};"
            f" {w['min_max'][0]:.1f}–{w['min_max'][1]:.1f}) | {c['median']:.1f} "
            f"({c['quartiles'][0]:.1f}–{c['quartiles'][1]:.1f})"
        )
    rows += ["", "time a claim / ZEN's, round by round (wall; CPU median):"]
    for name, figures in result["cost_over_zen"].items():
        rows.append(f"  {name:<14} {r(figures['wall'])}; cpu {figures['cpu']['median']:.2f}")
    rows += [
        "",
        f"ZEN / (reader + hand), claims per second: {r(result['zen_over_reader_plus_hand_speed'])}",
        f"(reader + hand) / claimcalc, time:        {r(result['reader_plus_hand_over_claimcalc'])}",
        f"hand's paid equals {result['hand_paid_equals']}",
    ]
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--claims", type=int, default=3_000, help="medical claims")
    parser.add_argument("--rounds", type=int, default=7, help="alternated rounds (≥ 5)")
    parser.add_argument(
        "--path-claims", type=int, default=1_000, help="claims to time ZEN's calling paths on"
    )
    parser.add_argument(
        "--zen-path",
        help="ZEN's calling path (a name of peer.zen_paths); default: the fastest, measured"
        " (with --instructions: the cached ZenDecisionContent loader)",
    )
    parser.add_argument("--json", type=Path, help="write every figure and run here")
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="count instructions a claim of each workload with callgrind instead of timing",
    )
    parser.add_argument("--sizes", type=int, nargs=2, default=(300, 2300), metavar=("S", "B"))
    parser.add_argument("--driver", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.driver:
        drive(args.driver[0], Path(args.driver[1]), args.driver[2])
        return
    header = {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "machine": (
            f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        ),
        "load_average": [round(v, 2) for v in os.getloadavg()],
    }
    if args.instructions:
        path = args.zen_path or "loader returning a cached ZenDecisionContent"
        counted = count_instructions(path, tuple(args.sizes), DRIVEN, script=Path(__file__))
        result: dict[str, Any] = {**header, **counted}
        millions = counted["per_claim_millions"]
        zen = millions["zen medical"]
        millions["reader + hand"] = round(millions["reader medical"] + millions["hand medical"], 4)
        result["over_zen"] = {
            w: round(v / zen, 2) for w, v in millions.items() if w != "zen medical"
        }
        print(f"instructions a claim, millions ((I(B) - I(S)) / (B - S), ZEN: {path}):")
        for workload, value in millions.items():
            over = result["over_zen"].get(workload)
            print(f"  {workload:<18} {value:.4f}" + ("" if over is None else f"  {over:.2f} × ZEN"))
    else:
        if args.rounds < 2:
            parser.error("--rounds: at least 2 (5 or more for a figure to quote)")
        path_claims = min(args.path_claims, args.claims)
        result = {**header, **bound(args.claims, args.rounds, path_claims, args.zen_path)}
        result["load_average_after"] = [round(v, 2) for v in os.getloadavg()]
        print(summary(result))
        print(f"load average before {header['load_average']}, after {result['load_average_after']}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
