"""The fast path on Wi School against the engine, byte for byte: several insured
persons of each role (or none), ages at the caps, the B3 franchigia's waiver
stated on the event, the person or the line (met, failed or unknown), and product
files with more franchigie to a section, each waived on other facts (the age, the
role, reported_late, a negation, an alternative), caps by role on a guarantee and
limits that cut, in English and in Italian."""

from __future__ import annotations

import copy
import datetime as dt
import json
import random
from pathlib import Path
from typing import Any

import pytest

from claimcalc.batch import settle_one
from claimcalc.claim.sources import Item
from claimcalc.output.formats import Format
from tests.test_fastpath import Pair

ROOT = Path(__file__).resolve().parent.parent
WI_SCHOOL = ROOT / "products" / "wi-school" / "2023-05.yaml"
ZONES = ["italia", "europa", "mondo"]
#: The guarantees of A and B whose lines the fast path may take.
ASSISTANCE = [
    "A.medical_advice",
    "A.doctor_in_italy",
    "A.doctor_abroad_referral",
    "A.hospital_monitoring",
    "A.medical_transport",
    "A.student_return_by_teacher",
    "A.repatriation_of_remains",
    "A.minors_assistance",
    "A.convalescent_return",
    "A.urgent_medicines_abroad",
    "A.interpreter_abroad",
    "A.emergency_cash_advance",
    "A.early_return",
    "A.phone_costs",
    "A.taxi",
    "A.urgent_messages",
    "A.search_and_rescue",
    "A.legal_referral",
    "A.defence_costs_advance",
    "A.bail_advance",
    "A.teacher_expenses",
]
MEDICAL = ["B.hospital_surgical", "B.medical_pharma", "B.dental", "B.medical_pharma", "B.dental"]
WAIVER: dict[str, list[Any]] = {  # B3's waiver: the TEAM card in an EU hospital for a day or more
    "team_card_used": [True, False, None, None],
    "hospital_in_eu": [True, False, None, None],
    "hospital_days": [0, 1, 2, 3, 5, None, None],
}
REQUIRED = ("paid_by_teacher", "search_by_public_authority", "family_adult_on_site")


def _day(day: dt.date, n: int) -> str:
    return (day + dt.timedelta(days=n)).isoformat()


def _amount(r: random.Random) -> str:
    kind = r.random()
    if kind < 0.1:
        return str(r.randint(1, 60))  # no decimals
    if kind < 0.2:
        return f"{r.randint(0, 60)}.{r.randint(0, 9)}"
    if kind < 0.3:
        return r.choice(["50", "50.00", "30", "20", "100", "750", "200", "1000", "2500"])
    return f"{r.randint(1, 3000)}.{r.randint(0, 99):02d}"


def _facts(r: random.Random, chance: float) -> dict[str, Any]:
    facts = {}
    for name, values in WAIVER.items():
        if r.random() < chance and (value := r.choice(values)) is not None:
            facts[name] = value
    return facts


def wi_school_claim(i: int, r: random.Random) -> dict[str, Any]:
    issued = dt.date(2025, 1, 1) + dt.timedelta(days=r.randint(0, 500))
    departure = issued + dt.timedelta(days=r.randint(0, 100))
    back = departure + dt.timedelta(days=r.randint(1, 20))
    event = departure + dt.timedelta(days=r.randint(0, (back - departure).days))
    policy_zone = r.choice(ZONES)
    event_zone = r.choice(ZONES[: ZONES.index(policy_zone) + 1] if r.random() < 0.95 else ZONES)
    persons = []
    for k in range(r.choice([1, 1, 2, 2, 3])):
        lines = []
        for j in range(r.choice([1, 1, 2, 2, 3, 4])):
            expenses = []
            for _ in range(r.choice([1, 1, 2])):
                expense: dict[str, Any] = {
                    "amount": _amount(r),
                    "date": _day(event, r.randint(0, 3)),
                }
                if r.random() < 0.1:
                    expense["currency"] = "GBP"
                expenses.append(expense)
            code = r.choice(MEDICAL) if r.random() < 0.6 else r.choice(ASSISTANCE)
            line: dict[str, Any] = {"guarantee": code, "expenses": expenses}
            if r.random() < 0.8:
                line["id"] = str(j + 1)
            facts = _facts(r, 0.25)
            if r.random() < 0.3:
                facts["authorised"] = r.choice([True, True, False])
            for name in REQUIRED:
                if r.random() < 0.1:
                    facts[name] = r.random() < 0.9
            if facts:
                line["facts"] = facts
            lines.append(line)
        own: dict[str, Any] = {"resident_in_italy": r.random() < 0.97}
        for name in REQUIRED:
            if r.random() < 0.9:
                own[name] = r.random() < 0.9
        if r.random() < 0.92:
            own["authorised"] = True
        own.update(_facts(r, 0.4))
        person: dict[str, Any] = {"ref": f"P{k}", "facts": own, "lines": lines}
        if r.random() < 0.9:
            person["age_at_subscription"] = r.choice(
                [0, 10, 16, 17, 18, 19, 40, 65, 66, 70, 71, 130]
            )
        else:
            years = r.choice([16, 70, 71])
            person["birth_date"] = _day(issued, -365 * years - r.randint(-3, 20))
        role = r.choice(["student"] * 10 + ["teacher"] * 9 + [None])
        if role is not None:
            person["role"] = role
        persons.append(person)
    event_facts: dict[str, Any] = {"cause": r.choice(["illness", "accident", "accident"])}
    event_facts.update(_facts(r, 0.2))
    return {
        "claim_format": 1,
        "claim_id": f"WS-{i:06d}",
        "product": "wi-school",
        "level": "standard",
        "policy": {"issue_date": issued.isoformat(), "zone": policy_zone},
        "trip": {
            "booking_date": issued.isoformat(),
            "departure_date": departure.isoformat(),
            "return_date": back.isoformat(),
            "cost": "690.00",
        },
        "event": {
            "date": event.isoformat(),
            "country": "XX",
            "zone": event_zone,
            "facts": event_facts,
        },
        "reported_on": _day(event, r.randint(0, 16)),
        "rates": [
            {"currency": "GBP", "date": _day(event, k), "units_per_eur": "0.8550"} for k in range(4)
        ],
        "insured": persons,
    }


def _variant(tmp_path: Path, seed: int) -> Path:
    """Wi School with one to four franchigie in A and in B, each waived on some
    facts or not at all, limits that cut, and age caps by role on A's guarantees."""
    import yaml

    r = random.Random(seed)
    product = yaml.safe_load(WI_SCHOOL.read_text(encoding="utf-8"))
    sections = {s["code"]: s for s in product["sections"]}
    medical = sections["B"]
    b3 = medical["deductibles"][0]
    waivers = [
        None,
        b3["waived_when"],
        {"fact": "hospital_days", "ge": 3},
        {"not": {"fact": "team_card_used", "is": True}},  # unknown stays unknown
        {"fact": "role", "is": "student"},
        {"fact": "age", "lt": 18},
        {"fact": "reported_late", "is": False},
        {"fact": "authorised", "is": True},
        {"any": [{"fact": "hospital_in_eu", "is": True}, {"fact": "hospital_days", "ge": 2}]},
    ]
    for section in (sections["A"], medical):
        section["deductibles"] = []
        for _ in range(r.randint(1, 4)):
            franchigia = {k: v for k, v in copy.deepcopy(b3).items() if k != "waived_when"}
            franchigia["amount"] = r.choice(
                [50, 100, 250, 400, 1000, 3000, "333.33", "0.01", "12.5"]
            )
            if (waiver := r.choice(waivers)) is not None:
                franchigia["waived_when"] = copy.deepcopy(waiver)
            section["deductibles"].append(franchigia)
    for guarantee in medical["guarantees"]:
        for limit in guarantee.get("limits", []):
            limit["amount"] = r.choice([100, 200, 750, "99.99"])
    medical["limits"][0]["amount"] = {
        "italia": r.choice([750, 2500]),  # no less than a sub-limit
        "europa": r.choice([1000, 5000]),
        "mondo": 1000,
    }
    caps: dict[str, list[tuple[int, list[str] | None]]] = {
        "A.taxi": [(18, ["student"])],
        "A.phone_costs": [(75, None), (65, ["teacher"]), (17, ["student", "teacher"])],
    }
    _add_age_caps(sections["A"]["guarantees"], caps)
    path = tmp_path / f"wi-school-{seed}.yaml"
    path.write_text(yaml.safe_dump(product, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _sections(records: list[str]) -> tuple[int, int]:
    """Sections of one person with a franchigia on two lines or more, and sections
    where one line took a franchigia and another none (waived, or placed elsewhere)."""
    split = mixed = 0
    for record in records:
        for person in json.loads(record)["insured"]:
            by_section: dict[str, list[int]] = {}
            for line in person["lines"]:
                taken = sum(1 for reason in line["reasons"] if reason["code"] == "franchigia")
                by_section.setdefault(line["guarantee"][0], []).append(taken)
            for counts in by_section.values():
                split += sum(1 for c in counts if c) >= 2
                mixed += len(set(counts)) > 1
    return split, mixed


@pytest.mark.parametrize("language", ["en", "it"])
def test_wi_school_claims_of_several_persons_equal_the_engine(language: str) -> None:
    from claimcalc.i18n import speaking

    rng = random.Random(2026 + len(language))
    with speaking(language):
        pair = Pair()
        for i in range(3000):
            pair.check(wi_school_claim(i, rng), i + 1)
    assert pair.taken > 700, pair.taken
    split, mixed = _sections(pair.records)
    assert split > 20 and mixed > 200, (split, mixed)


@pytest.mark.parametrize(("seed", "language"), [(1, "en"), (2, "it"), (3, "en"), (4, "it")])
def test_wi_school_with_more_franchigie_and_waivers_equals_the_engine(
    tmp_path: Path, seed: int, language: str
) -> None:
    from claimcalc.i18n import speaking

    rng = random.Random(100 + seed)
    with speaking(language):
        path = _variant(tmp_path, seed)
        pair = Pair(str(path))
        pair.settler.load(str(path))  # a valid product file
        for i in range(1500):
            claim = wi_school_claim(i, rng)
            for person in claim["insured"]:  # more lines in B
                if rng.random() < 0.5:
                    more = copy.deepcopy(person["lines"])
                    for line in more:
                        line["guarantee"] = rng.choice(MEDICAL)
                        line.pop("id", None)
                    person["lines"] += more
            pair.check(claim, i + 1)
    assert pair.taken > 200, pair.taken
    split, mixed = _sections(pair.records)
    assert split > 10 and mixed > 50, (split, mixed)


def test_caps_by_role_on_a_product_that_needs_no_role_equal_the_engine(tmp_path: Path) -> None:
    """Imaway with age caps naming roles on its medical guarantees only (the
    product's own rules name none, so a claim need not state a role): a person
    without a role is taken, and no cap naming roles holds for them."""
    import yaml

    from tests.test_fastpath import BENCHMARK

    product = yaml.safe_load((ROOT / "products/imaway/2026-01.yaml").read_text(encoding="utf-8"))
    medical = next(s for s in product["sections"] if s["code"] == "D")
    caps: dict[str, list[tuple[int, list[str] | None]]] = {
        "D.dental": [(30, ["student"])],
        "D.medical_pharma": [(50, ["teacher"]), (60, None)],
        "D.hospital_surgical": [(40, ["student", "teacher"])],
    }
    _add_age_caps(medical["guarantees"], caps)
    path = tmp_path / "imaway-roles.yaml"
    path.write_text(yaml.safe_dump(product, allow_unicode=True, sort_keys=False), encoding="utf-8")
    rng = random.Random(31)
    pair = Pair(str(path))
    pair.settler.load(str(path))
    taken: dict[str | None, int] = {}
    for i in range(1500):
        claim = BENCHMARK.medical_claim(i, rng)
        person = claim["insured"][0]
        role = rng.choice(["student", "teacher", None])
        if role is not None:
            person["role"] = role
        person["age_at_subscription"] = rng.choice([18, 30, 31, 40, 41, 50, 51, 60, 61, 70])
        took = pair.check(claim, i + 1)
        taken[role] = taken.get(role, 0) + took
        # The benchmark's claims take the fast path unless a cap refuses a line.
        item = Item(i + 1, f"corpus:{i + 1}", json.dumps(claim))
        record = json.loads(settle_one(pair.settler, item, Format.NDJSON, False, None).record)
        codes = {r["code"] for p in record["insured"] for ln in p["lines"] for r in ln["reasons"]}
        assert took == ("age_cap" not in codes), (role, person["age_at_subscription"], record)
    assert min(taken.get(role, 0) for role in ("student", "teacher", None)) > 100, taken


def _add_age_caps(
    guarantees: list[dict[str, Any]], caps: dict[str, list[tuple[int, list[str] | None]]]
) -> None:
    """Age caps on the guarantees named in ``caps``, each for the roles it names."""
    for guarantee in guarantees:
        for age, roles in caps.get(guarantee["code"], []):
            rule: dict[str, Any] = {"kind": "max_age", "age": age, "at": "subscription"}
            if roles:
                rule["roles"] = roles
            rule["source"] = {"article": "X"}
            guarantee.setdefault("eligibility", []).append(rule)
