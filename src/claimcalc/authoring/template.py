"""``claimcalc claim template``: a claim skeleton for scripts, with a placeholder where
a value is to be written.

Each placeholder is text beginning with :data:`PLACEHOLDER` and naming the kind of
value (``"FILL: date YYYY-MM-DD"``); ``claimcalc claim check`` reports each one, at
its key path, until it is replaced. Optional fields the claim may leave out are
left out; the facts are those the guarantees need to be settled (requirements,
prior authorisations, what the formula reads).
"""

from __future__ import annotations

from typing import Any

from claimcalc.authoring.questions import (
    FactQuestion,
    chosen,
    fact_questions,
    line_needs,
    needs_role,
    shared_facts,
)
from claimcalc.claim.model import CLAIM_FORMAT
from claimcalc.facts import FactType
from claimcalc.product.schema import Product

PLACEHOLDER = "FILL: "

DATE = PLACEHOLDER + "date YYYY-MM-DD"
AMOUNT = PLACEHOLDER + "amount, e.g. 120.50"
WHOLE = PLACEHOLDER + "whole number"
DECIMAL = PLACEHOLDER + "decimal number"
YES_NO = PLACEHOLDER + "true or false"


def one_of(values: tuple[str, ...] | list[str]) -> str:
    return PLACEHOLDER + "one of " + " | ".join(values)


def _fact(question: FactQuestion) -> str:
    if question.type is FactType.BOOL:
        return YES_NO
    if question.type is FactType.INT:
        return WHOLE
    if question.type is FactType.DECIMAL:
        return DECIMAL
    if len(question.choices) > 6:  # the values are in docs/claim-format.md
        return PLACEHOLDER + f"a {question.fact} value (docs/claim-format.md)"
    return one_of(question.choices)


def template(product: Product, codes: list[str], level: str | None = None) -> dict[str, Any]:
    """A claim for one insured person with a line per guarantee in ``codes``; ``level``:
    default, the first (lowest) level that includes them all."""
    if level is None:
        level = next(
            (lv for lv in product.level_ids if _includes(product, lv, codes)), product.level_ids[-1]
        )
    plan = chosen(product, level, codes)  # refuses an unknown or excluded guarantee
    per_line = [[q for q in fact_questions(product, s, g) if q.required] for s, g in plan]
    common = shared_facts(per_line)
    person: dict[str, Any] = {"ref": "P1", "age_at_subscription": WHOLE}
    if needs_role(product):
        person["role"] = one_of(["student", "teacher"])
    person["facts"] = {q.fact: _fact(q) for q in common}
    lines = []
    for k, ((section, guarantee), questions) in enumerate(zip(plan, per_line, strict=True), 1):
        needs = line_needs(product, section, guarantee)
        line: dict[str, Any] = {"id": str(k), "guarantee": guarantee.code}
        if needs.expenses:
            expense: dict[str, Any] = {"amount": AMOUNT, "currency": "EUR", "date": DATE}
            if len(needs.categories) > 1:
                expense["category"] = one_of(needs.categories)
            if needs.units:
                expense["units"] = WHOLE
            line["expenses"] = [expense]
        if needs.objects:
            line["objects"] = [
                {"value": AMOUNT, "currency": "EUR", "date": DATE, "category": "other"}
            ]
        if needs.loss_date:
            line["loss_date"] = DATE
        own = {q.fact: _fact(q) for q in questions if q.fact not in person["facts"]}
        if own:
            line["facts"] = own
        lines.append(line)
    person["lines"] = lines
    return {
        "claim_format": CLAIM_FORMAT,
        "claim_id": PLACEHOLDER + "claim reference",
        "product": product.id,
        "edition": product.edition,
        "level": level,
        "policy": {"issue_date": DATE, "zone": one_of(product.zone_ids)},
        "trip": {"booking_date": DATE, "departure_date": DATE, "return_date": DATE, "cost": AMOUNT},
        "event": {
            "date": DATE,
            "country": PLACEHOLDER + "country code, e.g. IT",
            "zone": one_of(product.zone_ids),
        },
        "reported_on": DATE,
        "insured": [person],
    }


def _includes(product: Product, level: str, codes: list[str]) -> bool:
    return all(
        product.has_guarantee(code)
        and level in product.covered_levels(product.section_of(code), product.guarantee(code))
        for code in codes
    )
