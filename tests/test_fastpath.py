"""The fast path (claimcalc.output.fastpath) against the engine, byte for byte.

The fast path writes the batch records of plain claims without the engine's
objects and declines everything else (None: the engine settles the claim). Its
one promise: every record it writes is the engine's record of that claim, byte
for byte. These tests hold it to that on generated corpora that reach each of
its ways out — every eligibility rule it answers failed and met at its edges,
exclusions, limits and age bands, several persons and sections, currencies,
prior payments, units, other products — and check that it does take the
claims it is for (a fast path that declined everything would pass the first
check and be useless).
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import json
import os
import random
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claimcalc.batch import fast_path_for, settle_one
from claimcalc.claim.sources import Item
from claimcalc.errors import ClaimcalcError
from claimcalc.output.formats import Format
from claimcalc.output.plain import PlainPath
from claimcalc.settling.rates import RateTable
from claimcalc.settling.settler import Settler
from tests.conftest import benchmark

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "products").glob("*/examples/*.json"))

Claim = dict[str, Any]


BENCHMARK = benchmark("run")


class Pair:
    """One settler; each claim settled by the engine alone and offered to the fast
    path, and to the plain path (output/plain.py) that reads it from orjson's
    values (at a batch's first positions, the json module's: both are tried)."""

    def __init__(self, product: str | None = None, rates: RateTable | None = None) -> None:
        self.settler = Settler(product, rates, False)
        self.fast = PlainPath()  # the fast path, which also reads plain claims
        self.taken = 0
        self.declined = 0
        self.records: list[str] = []  # the fast path's, in order
        self.plain_taken = 0  # records the plain path wrote

    def check(self, claim: Claim | str, position: int = 1) -> bool:
        """Whether the fast path took the claim; fails if its record is not the engine's,
        or if the plain path reads a claim the readers refuse or writes another record."""
        text = claim if isinstance(claim, str) else json.dumps(claim)
        item = Item(position, f"corpus:{position}", text)
        engine = settle_one(self.settler, item, Format.NDJSON, False, None).record
        read, _ = self.fast.read_plain(text, self.settler, item.fast)
        # the other reader (orjson, or the json module's for a batch's first
        # claims) takes the same claims and reads them the same
        other, _ = self.fast.read_plain(text, self.settler, not item.fast)
        assert (other is None) == (read is None), f"{item.source}: the readers differ"
        if read is not None and other is not None:
            assert (other.header, other.persons) == (read.header, read.persons)
        try:
            parsed = self.settler.parse(item)
            product = self.settler.product_of(parsed, item.source)
        except ClaimcalcError:
            assert read is None, f"{item.source}: the plain path read a claim the readers refuse"
            return False  # an error record: the fast path never sees the claim
        if read is not None:
            # what it read of the claim is the readers' claim
            assert read.header == dataclasses.replace(parsed, insured=())
            assert [p[:3] for p in read.persons] == [
                (p.ref, p.age_at_subscription, p.role) for p in parsed.insured
            ]
            made_plain = self.fast.record_plain(read, item.position, item.source, item.fast)
            if made_plain is not None:
                assert made_plain[0] == engine, f"{item.source}: plain path differs"
                self.plain_taken += 1
        # The run's --rates, as settle_one passes them.
        made = self.fast.record(
            parsed, product, item.position, item.source, item.fast, self.settler.rates
        )
        if made is None:
            self.declined += 1
            return False
        assert made[0] == engine, f"{item.source}: fast path differs\n{made[0]}\n{engine}"
        self.taken += 1
        self.records.append(made[0])
        return True


# --------------------------------------------------------------------------- variations


def _days(day: str, n: int) -> str:
    return (dt.date.fromisoformat(day) + dt.timedelta(days=n)).isoformat()


def _person(c: Claim) -> Claim:
    person: Claim = c["insured"][0]
    return person


def _lines(c: Claim) -> list[Claim]:
    """The claim's lines with expenses (an object line, added by _other_section, has none)."""
    return [line for person in c["insured"] for line in person["lines"] if "expenses" in line]


def _zones(c: Claim, r: random.Random) -> None:
    c["event"]["zone"] = r.choice(BENCHMARK.ZONES)
    c["policy"]["zone"] = r.choice(BENCHMARK.ZONES)


def _age(c: Claim, r: random.Random) -> None:
    _person(c).pop("birth_date", None)
    _person(c)["age_at_subscription"] = r.choice([0, 17, 60, 61, 69, 70, 75, 76, 99, 130])


def _birth_date(c: Claim, r: random.Random) -> None:
    person = _person(c)
    person.pop("age_at_subscription", None)
    issued = dt.date.fromisoformat(c["policy"]["issue_date"])
    years = r.choice([40, 61, 69, 70, 75, 76])
    person["birth_date"] = _days(
        issued.replace(year=issued.year - years).isoformat(), r.randint(-2, 2)
    )


def _reported(c: Claim, r: random.Random) -> None:
    c["reported_on"] = _days(c["event"]["date"], r.choice([0, 14, 15, 16, 40]))


def _event_date(c: Claim, r: random.Random) -> None:
    anchor = r.choice([c["trip"]["departure_date"], c["trip"]["return_date"]])
    c["event"]["date"] = _days(anchor, r.choice([-1, 0, 1]))
    c["reported_on"] = c["event"]["date"]
    for line in _lines(c):
        for expense in line["expenses"]:
            expense["date"] = c["event"]["date"]


def _trip_length(c: Claim, r: random.Random) -> None:
    c["trip"]["return_date"] = _days(c["trip"]["departure_date"], r.choice([58, 59, 60, 61]))


def _policy_window(c: Claim, r: random.Random) -> None:
    """A trip at the edges of the policy's year (or of its own start and end dates)."""
    issued = c["policy"]["issue_date"]
    end = _days(issued, 364)  # Imaway: twelve months, the last day included
    if r.random() < 0.3:
        c["policy"]["start_date"] = _days(issued, 3)
        end = _days(issued, 367)
    if r.random() < 0.3:
        end = c["policy"]["end_date"] = _days(issued, 200)
    if r.random() < 0.5:
        start = c["policy"].get("start_date", issued)
        departure = _days(start, r.choice([-1, 0, 1]))
        back = _days(departure, 10)
    else:
        back = _days(end, r.choice([-1, 0, 1]))
        departure = _days(back, -10)
    c["trip"] = {**c["trip"], "departure_date": departure, "return_date": back}
    c["event"]["date"] = c["reported_on"] = _days(departure, 2)
    for line in _lines(c):
        for expense in line["expenses"]:
            expense["date"] = c["event"]["date"]


def _missing_fact(c: Claim, r: random.Random) -> None:
    facts = r.choice([c["event"]["facts"], _person(c)["facts"]])
    if facts:
        del facts[r.choice(sorted(facts))]


def _authorised(c: Claim, r: random.Random) -> None:
    facts = _person(c)["facts"]
    choice = r.choice(["false", "absent", "on line", "false on line"])
    if choice == "false":
        facts["authorised"] = False
    elif choice == "absent":
        facts.pop("authorised", None)
    else:
        facts.pop("authorised", None)
        _lines(c)[0].setdefault("facts", {})["authorised"] = choice == "on line"


def _cause(c: Claim, r: random.Random) -> None:
    c["event"]["facts"]["cause"] = r.choice(["illness", "accident", "theft", "other"])


def _circumstances(c: Claim, r: random.Random) -> None:
    c["event"]["facts"]["circumstances"] = r.sample(
        ["war", "terrorism", "earthquake", "carelessness", "uninsurable_condition", "strike"],
        r.randint(0, 2),
    )


def _resident(c: Claim, r: random.Random) -> None:
    _person(c)["facts"]["resident_in_italy"] = r.choice([False, True, "yes", 1])


def _units(c: Claim, r: random.Random) -> None:
    line = _lines(c)[0]
    line["guarantee"] = "D.hospital_surgical"
    line["expenses"][0]["units"] = str(r.choice([1, 100, 101, 250]))


def _return_care(c: Claim, r: random.Random) -> None:
    line = _lines(c)[0]
    line["guarantee"] = "D.return_care"
    line["expenses"][0]["date"] = _days(c["event"]["date"], r.choice([0, 30, 31]))


def _currency(c: Claim, r: random.Random) -> None:
    """Foreign amounts: a fixing of the day, of a few days before (within the
    product's fallback or not), or none; expenses on several days."""
    rates = []
    for line in _lines(c):
        for expense in line["expenses"]:
            if r.random() < 0.7:
                expense["currency"] = r.choice(["USD", "THB"])
                back = r.choice([0, 0, 1, 3, 8])
                if r.random() < 0.9:
                    rates.append(
                        {
                            "currency": expense["currency"],
                            "date": _days(expense["date"], -back),
                            "units_per_eur": r.choice(["1.0843", "38.5", "0.9999", "7"]),
                        }
                    )
        if r.random() < 0.5:
            extra = dict(line["expenses"][0])
            extra["date"] = _days(extra["date"], r.choice([-2, 1]))
            extra["amount"] = f"{r.randint(1, 999)}.{r.randint(0, 99):02d}"
            line["expenses"].append(extra)
    unique = {(x["currency"], x["date"]): x for x in rates}
    c["rates"] = list(unique.values())


def _rates_only(c: Claim, r: random.Random) -> None:
    c["rates"] = [{"currency": "USD", "date": c["event"]["date"], "units_per_eur": "1.0843"}]


def _prior(c: Claim, r: random.Random) -> None:
    _person(c)["prior_payments"] = [
        {"guarantee": "D.dental", "amount": "120.00", "date": c["event"]["date"]}
    ]


def _second_person(c: Claim, r: random.Random) -> None:
    other = copy.deepcopy(_person(c))
    other["ref"] = "P2"
    other.pop("birth_date", None)
    other["age_at_subscription"] = r.randint(18, 80)
    c["insured"].append(other)


def _expenses(c: Claim, r: random.Random) -> None:
    for line in _lines(c):
        day = line["expenses"][0]["date"]
        line["expenses"] = [
            {
                "amount": r.choice(["0.00", "0.01", "49.99", "50", "50.5", "1200.00", "7000.10"]),
                "date": _days(day, -r.randint(0, 3)),
                "category": r.choice(["medicines", "other"]),
            }
            for _ in range(r.randint(1, 4))
        ]


def _large(c: Claim, r: random.Random) -> None:
    for line in _lines(c):
        line["guarantee"] = "D.hospital_surgical"
        line["expenses"][0]["amount"] = str(r.choice([60_000, 199_990, 2_500_000, 5_000_001]))


def _many_lines(c: Claim, r: random.Random) -> None:
    person = _person(c)
    base = person["lines"][0]
    person["lines"] = []
    for j in range(r.randint(2, 12)):
        line = copy.deepcopy(base)
        line["id"] = f"L{j}"
        line["guarantee"] = r.choice(BENCHMARK.MEDICAL)
        line["expenses"][0]["amount"] = f"{r.randint(1, 900)}.{r.randint(0, 99):02d}"
        person["lines"].append(line)


def _no_ids(c: Claim, r: random.Random) -> None:
    for line in _lines(c):
        line.pop("id", None)


def _other_section(c: Claim, r: random.Random) -> None:
    day = c["event"]["date"]
    _person(c)["lines"].append(
        r.choice(
            [
                {"guarantee": "B.home_nursing", "expenses": [{"amount": "80.00", "date": day}]},
                {"guarantee": "A.repatriation", "expenses": [{"amount": "900.00", "date": day}]},
                {
                    "guarantee": "E.baggage",
                    "objects": [{"category": "clothing", "value": "300.00", "date": day}],
                },
                {"guarantee": "X.unknown", "expenses": [{"amount": "1.00", "date": day}]},
            ]
        )
    )


def _edition(c: Claim, r: random.Random) -> None:
    c["edition"] = r.choice(["2026-01", "2025-01"])


def _level(c: Claim, r: random.Random) -> None:
    c["level"] = r.choice(["easy", "smart", "top", "gold"])


def _event_id(c: Claim, r: random.Random) -> None:
    c["event"]["id"] = f"EV-{r.randint(1, 9)}"


VARIATIONS: list[Callable[[Claim, random.Random], None]] = [
    _missing_fact,
    _zones,
    _age,
    _birth_date,
    _reported,
    _event_date,
    _trip_length,
    _policy_window,
    _authorised,
    _cause,
    _circumstances,
    _resident,
    _units,
    _return_care,
    _currency,
    _rates_only,
    _prior,
    _second_person,
    _expenses,
    _large,
    _many_lines,
    _no_ids,
    _other_section,
    _edition,
    _level,
    _event_id,
]


def _imaway_codes() -> dict[str, list[str]]:
    """Imaway's guarantees of sections A to D, by section."""
    product = Settler().load("imaway", from_claim=True)
    return {
        section.code: [g.code for g in section.guarantees]
        for section in product.sections
        if section.code in "ABCD"
    }


CODES = _imaway_codes()
TEMPLATES = [
    json.loads((ROOT / "products" / "imaway" / "examples" / f"{name}.json").read_text())
    for name in ("A-assistance-bangkok", "B-home-nursing", "C-home-break-in", "D-medical-usa")
]
CAUSES = ["illness", "accident", "hospitalisation", "theft", "fire", "death", "other"]


def documented_claim(i: int, r: random.Random) -> Claim:
    """An example claim of Imaway A, B, C or D with new lines: guarantees of its
    section (and now and then another's), amounts, dates, categories, units."""
    claim: Claim = copy.deepcopy(r.choice(TEMPLATES))
    claim["claim_id"] = f"DOC-{i:06d}"
    claim.pop("rates", None)
    claim["event"]["facts"]["cause"] = r.choice(CAUSES)
    claim["event"]["zone"] = r.choice(BENCHMARK.ZONES)
    section = claim["insured"][0]["lines"][0]["guarantee"][0]
    day = claim["event"]["date"]
    lines = []
    for j in range(r.randint(1, 5)):
        codes = CODES[section if r.random() < 0.8 else r.choice("ABCD")]
        expenses = []
        for _ in range(r.randint(1, 3)):
            expense: Claim = {
                "amount": f"{r.randint(0, 3000)}.{r.randint(0, 99):02d}",
                "date": _days(day, r.randint(0, 5)),
            }
            if r.random() < 0.2:
                expense["category"] = r.choice(["materials", "medicines", "other", "accommodation"])
            if r.random() < 0.1:
                expense["units"] = r.randint(1, 20)
            expenses.append(expense)
        lines.append({"id": str(j + 1), "guarantee": r.choice(codes), "expenses": expenses})
    claim["insured"][0]["lines"] = lines
    claim["insured"][0]["facts"]["authorised"] = r.random() < 0.9
    return claim


def varied(i: int, r: random.Random) -> tuple[Claim, list[str]]:
    claim: Claim = BENCHMARK.medical_claim(i, r) if i % 2 else documented_claim(i, r)
    chosen = r.sample(VARIATIONS, r.choice([0, 1, 1, 2, 3]))
    for variation in chosen:
        variation(claim, r)
    names = [v.__name__ for v in chosen]
    return claim, names if i % 2 else ["documented", *names]


# --------------------------------------------------------------------------- tests


def test_the_benchmark_corpus_takes_the_fast_path_and_equals_the_engine() -> None:
    rng = random.Random(11)  # peer.py's seed
    pair = Pair()
    for i in range(600):
        assert pair.check(BENCHMARK.medical_claim(i, rng), i + 1), i
    assert pair.taken == 600
    assert pair.plain_taken == 600  # and read from orjson's values, without the claim's objects


def test_varied_claims_equal_the_engine_and_plain_ones_take_the_fast_path() -> None:
    """Every variation, alone and combined: the fast path's records are the engine's,
    and the variations that leave a claim payable keep it on the fast path."""
    rng = random.Random(20261202)
    pair = Pair()
    taken: dict[str, int] = {}
    seen: dict[str, int] = {}
    for i in range(3000):
        claim, names = varied(i, rng)
        took = pair.check(claim, i + 1)
        for name in names or ["none"]:
            seen[name] = seen.get(name, 0) + 1
            taken[name] = taken.get(name, 0) + took
    assert seen["none"] == taken["none"]  # a plain medical claim always takes it
    assert taken["documented"] > 50, (taken["documented"], seen["documented"])
    # Variations a claim can pass: the fast path still takes some of each.
    for name in (
        "_zones",
        "_age",
        "_birth_date",
        "_reported",
        "_event_date",
        "_trip_length",
        "_policy_window",
        "_authorised",
        "_cause",
        "_circumstances",
        "_resident",
        "_units",
        "_return_care",
        "_missing_fact",
        "_second_person",
        "_expenses",
        "_large",
        "_many_lines",
        "_no_ids",
        "_edition",
        "_level",
        "_event_id",
        "_currency",
        "_rates_only",
    ):
        assert taken.get(name, 0) > 0, (name, seen.get(name))
    # What it does not do, it leaves to the engine.
    assert taken.get("_prior", 0) == 0  # prior payments: the engine's
    assert pair.taken > 600 and pair.declined > 600, (pair.taken, pair.declined)
    # The plain path takes the claims in euro without birth dates, units or rates.
    assert pair.plain_taken > 0.7 * pair.taken, (pair.plain_taken, pair.taken)


def test_a_product_named_on_the_command_line_equals_the_engine() -> None:
    """``--product imaway``: a claim of another edition is the engine's problem to say."""
    rng = random.Random(3)
    pair = Pair("imaway")
    for i in range(300):
        claim, _ = varied(i, rng)
        claim["edition"] = rng.choice(["2026-01", "2025-01", "2026-02"])
        pair.check(claim, i + 1)
    assert pair.taken > 15


@pytest.mark.parametrize("authorised", [True, False, None])
@pytest.mark.parametrize("amount", ["0.00", "0.01", "0.99", "1.00", "1.01", "50.00"])
def test_prior_authorisation_at_its_edge(authorised: bool | None, amount: str) -> None:
    """Imaway D2: no reimbursement above € 0 without the Struttura's authorisation."""
    claim: Claim = BENCHMARK.medical_claim(1, random.Random(1))
    facts = _person(claim)["facts"]
    if authorised is None:
        facts.pop("authorised", None)
    else:
        facts["authorised"] = authorised
    for line in _lines(claim):
        for expense in line["expenses"]:
            expense["amount"] = amount
    took = Pair().check(claim)
    # Unauthorised is refused above € 0; nothing to pay is the engine's to say.
    assert took is (authorised is True and amount != "0.00")


def test_the_mixed_corpus_and_every_example_equal_the_engine() -> None:
    pair = Pair()
    templates = [json.loads(p.read_text(encoding="utf-8")) for p in EXAMPLES]
    rng = random.Random(7)
    for i in range(400):
        pair.check(BENCHMARK.mixed_claim(i, rng, templates), i + 1)
    for i, path in enumerate(EXAMPLES):
        pair.check(path.read_text(encoding="utf-8"), i + 1)
    assert pair.taken > 0  # D-medical-usa and its scaled copies


_AMOUNT = st.builds(
    lambda units, cents: f"{units}.{cents:02d}",
    st.integers(0, 6_000_000),
    st.integers(0, 99),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    level=st.sampled_from(["easy", "smart", "top"]),
    zone=st.sampled_from(["italia", "europa", "mondo_escl_usa_canada", "mondo"]),
    ages=st.lists(st.integers(0, 80), min_size=1, max_size=3),
    lines=st.lists(
        st.tuples(
            st.sampled_from(
                ["D.hospital_surgical", "D.medical_pharma", "D.return_care", "D.dental"]
            ),
            st.lists(st.tuples(_AMOUNT, st.integers(0, 35)), min_size=1, max_size=3),
        ),
        min_size=1,
        max_size=8,
    ),
)
def test_limits_and_the_franchigia_equal_the_engine(
    level: str, zone: str, ages: list[int], lines: list[tuple[str, list[tuple[str, int]]]]
) -> None:
    """Amounts from a cent to past every cap, many lines sharing sub-limits, the zone
    massimale and the age bands, the franchigia placed where it costs least."""
    claim: Claim = {
        "claim_format": 1,
        "claim_id": "H-1",
        "product": "imaway",
        "level": level,
        "policy": {"issue_date": "2026-01-10", "zone": "mondo"},
        "trip": {"departure_date": "2026-03-01", "return_date": "2026-03-20"},
        "event": {"date": "2026-03-05", "zone": zone, "facts": {"cause": "accident"}},
        "reported_on": "2026-03-06",
        "insured": [
            {
                "ref": f"P{k}",
                "age_at_subscription": age,
                "facts": {"resident_in_italy": True, "authorised": True},
                "lines": [
                    {
                        "guarantee": code,
                        "expenses": [
                            {"amount": amount, "date": _days("2026-03-05", day)}
                            for amount, day in expenses
                        ],
                    }
                    for code, expenses in lines
                ],
            }
            for k, age in enumerate(ages)
        ],
    }
    _PAIR.check(claim)


_PAIR = Pair()


def test_the_command_writes_the_same_bytes_without_the_fast_path(tmp_path: Path) -> None:
    """``claimcalc settle`` with and without the fast path (``CLAIMCALC_FAST_PATH=0``),
    NDJSON and JSON, on a book of varied claims."""
    rng = random.Random(5)
    book = tmp_path / "book.ndjson"
    book.write_text("".join(json.dumps(varied(i, rng)[0]) + "\n" for i in range(400)))
    outputs = {}
    for fast in ("1", "0"):
        for fmt in ("ndjson", "json"):
            done = subprocess.run(
                [sys.executable, "-m", "claimcalc", "settle", str(book), "--format", fmt],
                capture_output=True,
                env={**os.environ, "CLAIMCALC_FAST_PATH": fast},
                check=False,
            )
            assert done.returncode in (0, 6), done.stderr
            outputs[fast, fmt] = (done.stdout, done.stderr, done.returncode)
    for fmt in ("ndjson", "json"):
        assert outputs["1", fmt] == outputs["0", fmt]


@pytest.mark.parametrize(
    ("fmt", "steps", "on"),
    [
        (Format.NDJSON, False, True),
        (Format.JSON, False, True),
        (Format.NDJSON, True, False),
        (Format.CSV, False, False),
        (Format.TABLE, False, False),
    ],
)
def test_where_the_fast_path_runs(fmt: Format, steps: bool, on: bool) -> None:
    assert (fast_path_for(fmt, steps) is not None) is on


def test_a_guarantee_with_anything_it_does_not_answer_takes_the_engine() -> None:
    """Each condition of ``_supported`` alone: a medical guarantee given one rule,
    formula or place among other guarantees that the fast path does not settle."""
    import dataclasses

    from claimcalc.output.fastpath import _supported
    from claimcalc.product.model import WaitingPeriod
    from claimcalc.settling.plan import ProductPlan

    product = Settler().load("imaway", from_claim=True)
    plan = ProductPlan.of(product)
    medical = plan.guarantee("D.medical_pharma")
    assert _supported(medical, plan)
    waiting = plan.guarantee("M.cancellation").eligibility
    assert any(isinstance(c.rule, WaitingPeriod) for c in waiting)
    with_waiting = dataclasses.replace(medical, eligibility=(*medical.eligibility, *waiting))
    assert not _supported(with_waiting, plan)
    medical_only = frozenset({"D.medical_pharma"})
    assert not _supported(medical, dataclasses.replace(plan, alternating=medical_only))
    assert not _supported(medical, dataclasses.replace(plan, event_capped=medical_only))
    for code in ("E.baggage", "F.flight_delay", "G.flight_renunciation", "M.cancellation"):
        assert not _supported(plan.guarantee(code), plan), code


def test_in_italian_the_records_equal_the_engine() -> None:
    """``--lang it``: the reasons' texts in Italian, the fast path's as the engine's."""
    from claimcalc.i18n import speaking

    rng = random.Random(8)
    with speaking("it"):
        pair = Pair()
        for i in range(300):
            pair.check(varied(i, rng)[0], i + 1)
        made = pair.fast.record(*_parsed(pair, 1), 1, "x:1", True)
    assert made is not None
    record = json.loads(made[0])
    assert pair.taken > 50
    texts = [r["text"] for p in record["insured"] for ln in p["lines"] for r in ln["reasons"]]
    assert any("franchigia" in t for t in texts)
    assert not any("once for section" in t or "limit €" in t for t in texts)


def test_a_change_of_language_is_left_to_the_engine() -> None:
    """Its franchigia texts are kept in the language it started in."""
    from claimcalc.i18n import speaking

    pair = Pair()
    claim, product = _parsed(pair, 1)
    assert pair.fast.record(claim, product, 1, "x:1", True) is not None
    with speaking("it"):
        assert pair.fast.record(claim, product, 1, "x:1", True) is None


def _parsed(pair: Pair, seed: int) -> tuple[Any, Any]:
    """A medical claim that pays a franchigia and meets a limit, parsed, and its product."""
    claim: Claim = BENCHMARK.medical_claim(0, random.Random(seed))
    line = _lines(claim)[0]
    line["guarantee"] = "D.dental"
    line["expenses"][0]["amount"] = "900.00"
    parsed = pair.settler.parse(Item(1, "x:1", json.dumps(claim)))
    return parsed, pair.settler.product_of(parsed, "x:1")


def test_a_rates_table_beside_the_claims_own_equals_the_engine() -> None:
    """``--rates``: the run's fixings beside the claim's own (the later fixing of the
    two wins, within the product's fallback days); a claim without rates of its own
    converts at the table's alone. The other tests give no table."""
    from decimal import Decimal

    from claimcalc.settling.rates import Fixing

    day0 = dt.date(2024, 12, 1)
    table = RateTable(
        Fixing(currency, day0 + dt.timedelta(days=k), Decimal(rate), "rates.csv")
        for k in range(0, 1000, 3)  # every third day: fallbacks of one and two days
        for currency, rate in (("USD", "1.0912"), ("THB", "38.27"))
    )
    rng = random.Random(31)
    pair = Pair(rates=table)
    from_table_alone = 0
    for i in range(1500):
        claim, _ = varied(i, rng)
        _currency(claim, rng)
        if rng.random() < 0.4:
            claim.pop("rates", None)
        foreign = any(
            e.get("currency", "EUR") != "EUR" for ln in _lines(claim) for e in ln["expenses"]
        )
        if pair.check(claim, i + 1) and foreign and not claim.get("rates"):
            from_table_alone += 1
    assert from_table_alone > 10, from_table_alone
    assert pair.taken > 200, pair.taken


_FACT_CHOICES: dict[str, list[Any]] = {
    "cause": ["illness", "accident", "theft", "death"],
    "circumstances": [[], ["war"], ["terrorism"], ["remote_area", "strike"]],
    "authorised": [True, False],
    "resident_in_italy": [True, False],
    "affected_person": ["family_member", "parent_or_parent_in_law"],
    "hospital_days": [2, 4],
    "family_adult_on_site": [True, False],
}


def _some_facts(rng: random.Random, chance: float) -> Claim:
    return {
        name: rng.choice(values) for name, values in _FACT_CHOICES.items() if rng.random() < chance
    }


def test_facts_stated_on_the_event_each_person_and_each_line_equal_the_engine() -> None:
    """A line's facts override its person's, the person's the event's: several persons
    with facts of their own, lines stating a cause, an empty list of circumstances or an
    authorisation against their person's, on guarantees of A to D (whose requirements
    read them), the verdicts memo keyed by all of them."""
    rng = random.Random(41)
    pair = Pair()
    codes = [code for section in "ABCD" for code in CODES[section]]
    for i in range(2000):
        claim: Claim = BENCHMARK.medical_claim(i, rng)
        claim["event"]["facts"] = {"cause": "accident", **_some_facts(rng, 0.2)}
        base = _person(claim)
        claim["insured"] = []
        for k in range(rng.randint(1, 3)):
            person = copy.deepcopy(base)
            person["ref"] = f"P{k}"
            person["facts"] = {"resident_in_italy": True, "authorised": True}
            person["facts"].update(_some_facts(rng, 0.15))
            for line in person["lines"]:
                if rng.random() < 0.3:
                    line["guarantee"] = rng.choice(codes)
                if rng.random() < 0.4:
                    line["facts"] = _some_facts(rng, 0.3)
            claim["insured"].append(person)
        pair.check(claim, i + 1)
    assert pair.taken > 300 and pair.declined > 300, (pair.taken, pair.declined)


def test_a_product_file_with_more_deductibles_and_rules_equals_the_engine(tmp_path: Path) -> None:
    """``--product FILE``: the fast path reads any product, not only the two shipped.
    Imaway changed where the shipped products do not reach: a franchigia on sections A
    and B (lines of advances among them), a second franchigia in D, a reporting
    deadline in hours, an authorisation presumed above € 100, days after the return,
    and a massimale over three guarantees of A that is "not covered" at Easy."""
    import yaml

    product = yaml.safe_load((ROOT / "products" / "imaway" / "2026-01.yaml").read_text())
    sections = {s["code"]: s for s in product["sections"]}
    medical = sections["D"]
    franchigia = copy.deepcopy(medical["deductibles"][0])
    medical["deductibles"].append({**copy.deepcopy(franchigia), "amount": 30})
    sections["A"]["deductibles"] = [{**copy.deepcopy(franchigia), "amount": 75}]
    sections["B"]["deductibles"] = [{**copy.deepcopy(franchigia), "amount": 20}]
    for rule in medical["eligibility"]:
        if rule["kind"] == "reporting_deadline":
            del rule["days"]
            rule["hours"] = 300  # 12.5 days: to the end of the 13th
        elif rule["kind"] == "prior_authorisation":
            rule["above"] = 100
            rule["when_unstated"]["presumed"] = True
        elif rule["kind"] == "event_during_trip":
            rule["days_after_return"] = 3
    assistance = sections["A"]
    assistance.setdefault("limits", []).append(
        {
            "id": "A.all",
            "scope": "per_insured_per_period",
            "amount": {"easy": "not_covered", "smart": 20000, "top": "unlimited"},
            "source": {"article": "A1"},
        }
    )
    for guarantee in assistance["guarantees"]:
        for limit in guarantee.get("limits", []):
            if limit["id"] in ("A.interpreter.max", "A.bail_advance.max", "A.phone_costs.max"):
                limit["parent"] = "A.all"
    path = tmp_path / "imaway-changed.yaml"
    path.write_text(yaml.safe_dump(product, allow_unicode=True, sort_keys=False))

    rng = random.Random(43)
    pair = Pair(str(path))
    for i in range(1500):
        claim, _ = varied(i, rng)
        if rng.random() < 0.3:
            claim["reported_on"] = _days(claim["event"]["date"], rng.choice([12, 13, 14]))
        pair.check(claim, i + 1)
    assert pair.taken > 300, pair.taken
    reasons = [
        (line["guarantee"][0], reason["code"], line["kind"])
        for record in pair.records
        for person in json.loads(record)["insured"]
        for line in person["lines"]
        for reason in line["reasons"]
    ]
    assert ("A", "franchigia", "advance") in reasons
    assert ("B", "franchigia", "assistance") in reasons
    assert sum(1 for r in reasons if r[:2] == ("D", "franchigia")) > 50


def _with(change: Callable[[Claim], None]) -> Claim:
    claim: Claim = json.loads((ROOT / "products/imaway/examples/D-medical-usa.json").read_text())
    change(claim)
    return claim


def _line(claim: Claim, person: int = 0, line: int = 2) -> Claim:
    found: Claim = claim["insured"][person]["lines"][line]
    return found


def _second_person_unknown_guarantee(claim: Claim) -> None:
    other = copy.deepcopy(claim["insured"][0])
    other["ref"] = "INS-B"
    other["lines"][0]["guarantee"] = "D.unknown"
    claim["insured"].append(other)


def _second_person_not_resident_unstated(claim: Claim) -> None:
    other = copy.deepcopy(claim["insured"][0])
    other["ref"] = "INS-B"
    del other["facts"]["resident_in_italy"]
    claim["insured"].append(other)


@pytest.mark.parametrize(
    "change",
    [
        lambda c: _line(c).update(penalty_at_event="100.00"),  # not read by D.dental
        lambda c: _line(c).update(  # a foreign object, no rate for it
            objects=[
                {"category": "clothing", "value": "300.00", "currency": "CHF", "date": "2026-04-09"}
            ]
        ),
        lambda c: _line(c).pop("expenses"),  # a documented cost with nothing documented
        lambda c: _line(c)["expenses"][0].update(currency="CHF"),  # no rate
        _second_person_unknown_guarantee,  # the first person's lines are plain
        _second_person_not_resident_unstated,  # a requirement unknown: incomplete
    ],
)
def test_a_claim_the_engine_calls_a_problem_is_left_to_it(change: Callable[[Claim], None]) -> None:
    """The promise's other half: no record where the engine writes an error (exit 3).
    The example settles on the fast path; each change makes it a problem of the claim,
    in a line the fast path would otherwise settle, or in another person's."""
    pair = Pair()
    assert pair.check(_with(lambda c: None))
    claim = _with(change)
    item = Item(2, "corpus:2", json.dumps(claim))
    engine = json.loads(settle_one(pair.settler, item, Format.NDJSON, False, None).record)
    assert engine["status"] == "error" and engine["exit_code"] == 3, engine
    parsed = pair.settler.parse(item)
    product = pair.settler.product_of(parsed, item.source)
    assert pair.fast.record(parsed, product, 2, item.source, False, None) is None


def test_workers_in_italian_with_a_rates_file_write_the_same_bytes(tmp_path: Path) -> None:
    """``--jobs 2 --lang it --rates FILE``: each worker makes its own fast path (in the
    language the command line gave it) and reads the run's rates file; the records are
    the engine's, byte for byte."""
    rng = random.Random(17)
    lines = []
    for k in range(900):  # weekdays of 2025-2027, one currency N/A now and then
        day = dt.date(2025, 1, 1) + dt.timedelta(days=k)
        if day.weekday() < 5:
            thb = "N/A" if k % 11 == 0 else rng.choice(["38.5", "37.25"])
            lines.append(f"{day.isoformat()},{rng.choice(['1.0843', '1.1'])},{thb}")
    rates = tmp_path / "eurofxref-hist.csv"
    rates.write_text("Date,USD,THB\n" + "\n".join(reversed(lines)) + "\n")
    book = tmp_path / "book.ndjson"
    claims = []
    for i in range(400):
        claim, _ = varied(i, rng)
        if rng.random() < 0.3:
            _currency(claim, rng)
            claim.pop("rates", None)  # the file's fixings alone
        claims.append(json.dumps(claim) + "\n")
    book.write_text("".join(claims))
    outputs = []
    for fast in ("1", "0"):
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "claimcalc",
                "--lang",
                "it",
                "settle",
                str(book),
                "--format",
                "ndjson",
                "--jobs",
                "2",
                "--rates",
                str(rates),
            ],
            capture_output=True,
            env={**os.environ, "CLAIMCALC_FAST_PATH": fast},
            check=False,
        )
        assert done.returncode in (0, 6), done.stderr
        outputs.append((done.stdout, done.stderr, done.returncode))
    assert outputs[0] == outputs[1]
    assert b"franchigia" in outputs[0][0] and b"once for section" not in outputs[0][0]


def test_what_it_keeps_does_not_grow_with_unknown_names() -> None:
    """Levels, zones and guarantees a product does not have are declined and not
    kept: a book naming a new one in every claim would otherwise fill memory."""
    pair = Pair()
    rng = random.Random(5)
    for i in range(200):
        claim = BENCHMARK.medical_claim(i, rng)
        if i % 3 == 0:
            claim["level"] = f"gold-{i}"
        elif i % 3 == 1:
            claim["event"]["zone"] = f"moon-{i}"
        else:
            claim["insured"][0]["lines"][0]["guarantee"] = f"Z.unknown_{i}"
        assert not pair.check(claim, 100 + i)
    product = pair.settler.load("imaway", from_claim=True)
    # The process's memos (other tests' claims too): each Head a level, zones and
    # edition of its product, each Spec a guarantee it has.
    heads = pair.fast._heads
    assert id(product) in pair.fast._products and heads
    for (product_id, level, event_zone, policy_zone, edition), head in heads.items():
        kept = pair.fast._products[product_id]
        assert level in kept.level_ids and edition in (None, kept.edition)
        assert event_zone in kept.zone_ids and policy_zone in kept.zone_ids
        assert all(kept.has_guarantee(code) for code in head.specs)


def test_runs_share_what_the_fast_path_works_out(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each batch run has its fast path; the Heads and Specs it works out from a
    product are the process's (in the run's language), not made again."""
    from claimcalc.i18n import current_language, speaking
    from claimcalc.output import fastpath

    settler = Settler(None, None, False)
    product = settler.load("imaway")
    first = PlainPath().head(product, "top", "europa", "europa", None)
    assert first is not None
    spec = PlainPath().line_spec(first, "D.medical_pharma", "top", "europa", "europa")
    assert spec is not None
    assert PlainPath().head(product, "top", "europa", "europa", None) is first
    assert PlainPath().line_spec(first, "D.medical_pharma", "top", "europa", "europa") is spec
    other_language = "en" if current_language() == "it" else "it"
    with speaking(other_language):
        assert PlainPath().head(product, "top", "europa", "europa", None) is not first
    # bounded: a run starting when they hold MEMO_PRODUCTS products starts them again
    monkeypatch.setattr(fastpath, "MEMO_PRODUCTS", 1)
    assert PlainPath().head(product, "top", "europa", "europa", None) is not first


def test_what_another_language_would_make_is_not_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    """The language is the process's (i18n.speaking): a Head, a Spec or a chain's
    caps made while another thread speaks another language would keep its texts
    for every later run (the memos are the process's). Made then, none is kept."""
    from decimal import Decimal

    from claimcalc.i18n import current_language, speaking
    from claimcalc.output import fastpath

    monkeypatch.setattr(fastpath, "_MEMOS", {})
    other = "en" if current_language() == "it" else "it"
    settler, path = Settler(None, None, False), PlainPath()
    claim = settler.parse(Item(1, "x:1", json.dumps(BENCHMARK.medical_claim(0, random.Random(1)))))
    product = settler.product_of(claim, "x:1")
    with speaking(other):
        assert path._head(claim, product) is None
    head = path._head(claim, product)
    assert head is not None and path._heads
    person = claim.insured[0]
    code = person.lines[0].guarantee
    with speaking(other):
        assert path._line_spec(claim, head, code) is None
    assert not path._specs
    spec = path._line_spec(claim, head, code)
    assert spec is not None and spec.language == path.language
    age = person.age_at_subscription
    assert age is not None
    base: dict[str, object] = {**claim.event.facts, **person.facts, "age": age}
    amount = Decimal("100.00")
    line = person.lines[0]

    def row() -> object:
        return fastpath.line_row(
            spec, head.plan, claim, amount, amount, {}, base, None, {}, age, None, line
        )

    with speaking(other):
        assert row() is None
    assert not spec.capped
    assert row() is not None and spec.capped


def test_wi_school_roles_and_their_age_caps_equal_the_engine() -> None:
    """Wi School caps teachers' age at 70 and students' not at all (a cap naming
    roles); a person without a role is the engine's problem to say. Every role,
    age and missing role, in several persons, against the engine (section A's
    lines, which no franchigia touches: the caps alone decide)."""
    example = ROOT / "products/wi-school/examples/A-teacher-returns-student.json"
    base = json.loads(example.read_text(encoding="utf-8"))
    rng = random.Random(12)
    pair = Pair()
    taken_by: dict[tuple[str | None, bool], int] = {}
    for i in range(400):
        claim = copy.deepcopy(base)
        claim["claim_id"] = f"WS-{i:04d}"
        persons = []
        for k in range(rng.choice([1, 1, 2])):
            person = copy.deepcopy(base["insured"][0])
            person["ref"] = f"P{k}"
            role = rng.choice(["student", "teacher", None])
            if role is None:
                del person["role"]
            else:
                person["role"] = role
            person["age_at_subscription"] = rng.choice([0, 16, 69, 70, 71, 90, 130])
            for line in person["lines"]:
                for expense in line["expenses"]:
                    expense["amount"] = f"{rng.randint(1, 4000)}.{rng.randint(0, 99):02d}"
            persons.append(person)
        claim["insured"] = persons
        took = pair.check(claim, 100 + i)
        for person in persons:
            key = (person.get("role"), person["age_at_subscription"] > 70)
            taken_by[key] = taken_by.get(key, 0) + took
    # Students of any age and young teachers take the fast path; an old teacher
    # (refused) or a person without a role (a problem) never does.
    assert taken_by[("student", True)] > 0 and taken_by[("teacher", False)] > 0
    assert taken_by.get(("teacher", True), 0) == 0
    assert taken_by.get((None, False), 0) == taken_by.get((None, True), 0) == 0


def test_a_franchigia_waived_on_the_facts_equals_the_engine() -> None:
    """Wi School's medical franchigia is waived when the team card was used in an
    EU hospital for a day or more: each of the three facts met, failed or unstated,
    on the person or on a line, across the section's guarantees, against the engine."""
    example = ROOT / "products/wi-school/examples/B-medical-london.json"
    base = json.loads(example.read_text(encoding="utf-8"))
    guarantees = ["B.medical_pharma", "B.hospital_surgical", "B.dental"]
    values: dict[str, list[object]] = {
        "team_card_used": [True, True, False, None],
        "hospital_in_eu": [True, True, False, None],
        "hospital_days": [1, 3, 0, None],
    }
    rng = random.Random(14)
    pair = Pair()
    taken = {True: 0, False: 0}  # by whether some line's facts meet the waiver
    for i in range(500):
        claim = copy.deepcopy(base)
        claim["claim_id"] = f"WSB-{i:04d}"
        person = claim["insured"][0]
        person["facts"]["authorised"] = True  # the hospital's, presumed refused without
        template = person["lines"][0]
        person["lines"] = []
        for j in range(rng.randint(1, 3)):
            line = copy.deepcopy(template)
            line["id"] = str(j + 1)
            line["guarantee"] = rng.choice(guarantees)
            for expense in line["expenses"]:
                expense["amount"] = f"{rng.randint(1, 900)}.{rng.randint(0, 99):02d}"
            person["lines"].append(line)
        for name, choices in values.items():  # on the person, for every line
            if (value := rng.choice(choices)) is not None:
                person["facts"][name] = value
        met = []
        for line in person["lines"]:
            for name, choices in values.items():  # a line's own, over the person's
                if rng.random() < 0.3 and (value := rng.choice(choices)) is not None:
                    line.setdefault("facts", {})[name] = value
            facts = {**person["facts"], **line.get("facts", {})}
            days = facts.get("hospital_days")
            met.append(
                facts.get("team_card_used") is True
                and facts.get("hospital_in_eu") is True
                and isinstance(days, int)
                and days >= 1
            )
        if pair.check(claim, 100 + i):
            taken[any(met)] += 1
    assert taken[True] > 20 and taken[False] > 20


@pytest.mark.parametrize(
    "source",
    [
        'book "2026".ndjson:7',
        "C:\\claims\\book.ndjson:7",
        "libro é €\t\x01.ndjson:7",
        "b\udcff.ndjson:7",
    ],
)
def test_any_source_is_written_as_the_engine_writes_it(source: str) -> None:
    """A source with quotes, backslashes, other alphabets, control characters or a
    byte that is no UTF-8 (a file name, surrogate-escaped): the fast path's and
    the plain path's records are the engine's, with the json module (the first
    claims) and with orjson (which refuses the surrogate: the json module then)."""
    rng = random.Random(3)
    settler = Settler(None, None, False)
    for position in (1, 65):  # the fast path, then the plain path
        claim = BENCHMARK.medical_claim(position, rng)
        item = Item(position, source, json.dumps(claim))
        engine = settle_one(settler, item, Format.NDJSON, False, None).record
        fast = settle_one(settler, item, Format.NDJSON, False, PlainPath())
        assert fast.settlement is None  # written by the fast path, not the engine
        assert fast.record == engine
        assert json.loads(engine)["source"] == source
