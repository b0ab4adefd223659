"""The pure-Python bound settles what claimcalc settles: its ``hand`` totals are claimcalc's.

``benchmarks/python_bound.py`` times a hand-written settlement of Imaway D
(no validation) beside GoRules ZEN to bound what pure Python can reach on the
medical corpus (issue #16 point 2). The bound means something only while
``hand`` pays what claimcalc pays: these tests settle claims of the benchmark's
corpus, of another draw, and claims made to reach each rule (the age bands,
the Italian massimale, a loss under the franchigia, sub-limits of several
guarantees) both ways and compare every claim's indemnity and the records' keys.
"""

from __future__ import annotations

import copy
import json
import random
import sys
from decimal import Decimal
from typing import Any

import orjson

from tests.conftest import benchmark

bound = benchmark("python_bound")
# benchmarks/run.py, imported by the benchmark (through peer.py) from its folder
medical_claim = sys.modules["run"].medical_claim


def _layout(value: Any) -> Any:
    """The keys of a record, in order, at every level (values dropped)."""
    if isinstance(value, dict):
        return [(key, _layout(item)) for key, item in value.items()]
    if isinstance(value, list):
        return [_layout(item) for item in value]
    return None


def _both(lines: list[str]) -> tuple[list[str], list[str]]:
    return bound.claimcalc_work(lines)(), bound.hand_work(lines)()


def _check(lines: list[str]) -> None:
    ours, hand = _both(lines)
    assert bound.disagreements(hand, ours, None) == []
    for mine, theirs in zip(hand, ours, strict=True):
        record, expected = orjson.loads(mine), orjson.loads(theirs)
        assert expected["status"] == "settled", theirs
        assert _layout(record["totals"]) == _layout(expected["totals"])
        assert record["totals"] == expected["totals"]
        for person, other in zip(record["insured"], expected["insured"], strict=True):
            paid = sum(Decimal(line["paid"]) for line in person["lines"])
            assert paid == Decimal(person["totals"]["indemnity"])
            for line, reference in zip(person["lines"], other["lines"], strict=True):
                assert list(line) == list(reference)
                assert line["claimed"] == reference["claimed"]
                assert line["guarantee"] == reference["guarantee"]
        # The same keys as claimcalc's record wherever both have a limit or reasons.
        assert [key for key, _ in _layout(record)] == [key for key, _ in _layout(expected)]


def test_hand_pays_claimcalcs_indemnity_on_the_benchmark_corpus() -> None:
    _check(bound.medical_lines(48))


def test_hand_pays_claimcalcs_indemnity_on_another_draw() -> None:
    rng = random.Random(2026)
    claims = [medical_claim(i, rng) for i in range(48)]
    _check([json.dumps(claim) for claim in claims])


def _variant(base: dict[str, Any], **changes: Any) -> str:
    claim = copy.deepcopy(base)
    claim["claim_id"] = f"RULE-{changes['number']}"  # a batch's claims each their own id
    person = claim["insured"][0]
    claim["level"] = changes.get("level", claim["level"])
    claim["event"]["zone"] = changes.get("zone", claim["event"]["zone"])
    person["age_at_subscription"] = changes.get("age", person["age_at_subscription"])
    date = person["lines"][0]["expenses"][0]["date"]
    person["lines"] = [
        {"id": str(i), "guarantee": code, "expenses": [{"amount": amount, "date": date}]}
        for i, (code, amount) in enumerate(changes["lines"], 1)
    ]
    return json.dumps(claim)


def test_hand_pays_claimcalcs_indemnity_on_each_rule() -> None:
    base = medical_claim(0, random.Random(11))
    hospital, pharma, care, dental = (
        "D.hospital_surgical",
        "D.medical_pharma",
        "D.return_care",
        "D.dental",
    )
    variants: list[dict[str, Any]] = [
        # a loss under the franchigia
        {"lines": [(dental, "30.00")]},
        {"lines": [(dental, "20.00"), (care, "20.00")]},
        # the franchigia absorbed by amounts over sub-limits of two guarantees
        {"level": "easy", "lines": [(dental, "220.00"), (care, "430.00")]},
        {"level": "top", "lines": [(care, "560.00"), (pharma, "3020.00"), (care, "9.00")]},
        # the Italian massimale (level by level, no age band in Italy), then the bands abroad
        {"zone": "italia", "level": "easy", "lines": [(hospital, "900.00"), (dental, "300")]},
        {"zone": "italia", "level": "top", "age": 72, "lines": [(hospital, "2999.99")]},
        {"zone": "europa", "age": 65, "lines": [(hospital, "150000.00"), (hospital, "80000")]},
        {"zone": "mondo", "age": 70, "lines": [(pharma, "40.00"), (hospital, "60000.00")]},
        {"zone": "europa", "age": 75, "lines": [(hospital, "50049.99")]},
        {"zone": "mondo", "age": 60, "lines": [(hospital, "250000.00")]},
    ]
    _check([_variant(base, number=i, **changes) for i, changes in enumerate(variants)])


def test_a_wrong_total_is_reported() -> None:
    lines = bound.medical_lines(3)
    ours, hand = _both(lines)
    record = orjson.loads(hand[1])
    record["totals"]["indemnity"] = str(Decimal(record["totals"]["indemnity"]) + Decimal("0.01"))
    wrong = bound.disagreements([hand[0], orjson.dumps(record).decode(), hand[2]], ours, None)
    assert len(wrong) == 1 and wrong[0].startswith("MED-0000001: hand ")
