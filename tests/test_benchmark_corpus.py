"""The benchmarks' medical corpus is honest: each claim its own dates, each settled on amounts.

``benchmarks/run.py: medical_claim`` makes the claims ``benchmarks/peer.py``
compares with GoRules ZEN. Until 2026-12-02 every claim had the same dates,
which let a memo of claims' shapes win on the corpus and nowhere else (issue
#16 point 2). These tests keep the dates varied and every claim settled on its
amounts alone (limits, the franchigia), so that ZEN's decision (which reads
no date) and claimcalc settle the same claims.
"""

from __future__ import annotations

import random

from claimcalc.batch import run
from claimcalc.claim.sources import Item
from claimcalc.output.formats import Format
from tests.conftest import benchmark

DATES = ("policy.issue_date", "trip.departure_date", "trip.return_date", "event.date")


def _claims(count: int) -> list[dict[str, object]]:
    rng = random.Random(11)  # peer.py's seed
    medical_claim = benchmark("run").medical_claim
    return [medical_claim(i, rng) for i in range(count)]


def _at(claim: dict[str, object], path: str) -> object:
    value: object = claim
    for key in path.split("."):
        assert isinstance(value, dict)
        value = value[key]
    return value


def test_each_claim_has_its_own_dates() -> None:
    claims = _claims(300)
    for path in (*DATES, "reported_on"):
        days = {_at(claim, path) for claim in claims}
        # Drawn over about two years: 300 claims share few days.
        assert len(days) > 150, (path, len(days))
    together = {tuple(_at(claim, path) for path in DATES) for claim in claims}
    assert len(together) == len(claims)


def test_every_claim_is_settled_on_its_amounts() -> None:
    import json

    claims = _claims(300)
    items = [Item(i + 1, "bench", json.dumps(c)) for i, c in enumerate(claims)]
    outcomes = list(run(items, Format.NDJSON))
    assert all(outcome.ok for outcome in outcomes), [o.record for o in outcomes if not o.ok][:1]
    codes: set[str] = set()
    for outcome in outcomes:
        record = json.loads(outcome.record)
        for person in record["insured"]:
            for line in person["lines"]:
                codes.update(r["code"] for r in line["reasons"])
    # Reduced or refused by the amounts alone (limits, the franchigia): never by
    # a date, an age or a cause, which ZEN's decision does not read.
    assert codes == {"franchigia", "limit", "period_limit_used"}
