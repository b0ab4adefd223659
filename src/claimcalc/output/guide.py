"""A claim-writer's guide to a product: for every guarantee, what a claim line
needs (expenses, objects, facts or a ``loss_date``), the facts its rules read,
and an example.

Generated from the product file, so it cannot drift from the rules.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from claimcalc.facts import DERIVED_FACTS
from claimcalc.product.model import (
    iter_fact_tests,
)
from claimcalc.product.schema import (
    Condition,
    CoverEnds,
    DocumentedCost,
    FixedSum,
    Guarantee,
    ObjectValues,
    PercentOfSumInsured,
    Product,
    ProRataTripCost,
    Section,
    UnitAllowance,
    WithinTimeOfEvent,
)

_HOW = {
    "documented_cost": "documented expenses (`expenses`)",
    "object_values": "baggage objects at commercial value (`objects`)",
    "unit_allowance": "a fixed sum per complete block of hours (fact `delay_hours`)",
    "pro_rata_trip_cost": "trip cost pro rata (`trip.cost`, fact `unused_days`)",
    "percent_of_sum_insured": "percentage of the sum insured (fact `invalidity_percent`)",
    "fixed_sum": "the sum insured",
}


def _eligibility(product: Product, section: Section, guarantee: Guarantee) -> Iterator[object]:
    """The eligibility rules a guarantee is settled under, as the engine's plan takes them."""
    yield from (*product.eligibility, *section.eligibility, *guarantee.eligibility)


def loss_window(
    product: Product, section: Section, guarantee: Guarantee
) -> WithinTimeOfEvent | None:
    """The time after the event a death or invalidity must occur in, read from the
    line's ``loss_date``: a ``within_time_of_event`` rule of a guarantee that does
    not pay documented costs (those apply it to each expense's date)."""
    if isinstance(guarantee.formula, DocumentedCost):
        return None
    return next(
        (r for r in _eligibility(product, section, guarantee) if isinstance(r, WithinTimeOfEvent)),
        None,
    )


def _loss_line(guarantee: Guarantee, rule: WithinTimeOfEvent) -> str:
    what = (
        "the day the invalidity was established"
        if isinstance(guarantee.formula, PercentOfSumInsured)
        else "the day of death"
    )
    span = f"{rule.days} days" if rule.days is not None else f"{rule.years} years"
    return (
        f"- Required: `loss_date`, {what}; it counts only within {span} "
        f"of the event ({rule.source.article})."
    )


def _conditions(product: Product, section: Section, guarantee: Guarantee) -> Iterator[Condition]:
    for owner in (product, section, guarantee):
        for rule in owner.eligibility:
            when = getattr(rule, "when", None)
            if when is not None:
                yield when
        for exclusion in owner.exclusions:
            if owner is product and section.code in exclusion.not_for:
                continue
            yield exclusion.when
            if exclusion.except_when is not None:
                yield exclusion.except_when
    for owner_limits in (section.limits, guarantee.limits):
        for limit in owner_limits:
            if limit.applies_when is not None:
                yield limit.applies_when
    for deductible in (*section.deductibles, *guarantee.deductibles):
        waived = getattr(deductible, "waived_when", None)
        if waived is not None:
            yield waived


def facts_read(product: Product, section: Section, guarantee: Guarantee) -> list[str]:
    """The claim facts a guarantee's rules test, sorted."""
    names = {
        t.fact for c in _conditions(product, section, guarantee) for _, t in iter_fact_tests(c)
    }
    formula = guarantee.formula
    if isinstance(formula, UnitAllowance):
        names.add(formula.units_fact)
    elif isinstance(formula, PercentOfSumInsured):
        names.add(formula.percent_fact)
    elif isinstance(formula, ProRataTripCost):
        names.add("unused_days")
    if section.carrier_compensation is not None:  # taken off the section's loss (E4)
        names.add("carrier_compensation")
    if any(r.kind == "prior_authorisation" for r in (*section.eligibility, *guarantee.eligibility)):
        names.add("authorised")
    # Cover that ends at the first tourist service ends earlier when the trip has started.
    if any(
        isinstance(r, CoverEnds) and r.at == "first_service"
        for r in _eligibility(product, section, guarantee)
    ):
        names.add("trip_started")
    return sorted(names - DERIVED_FACTS)


def unpaid_categories(guarantee: Guarantee) -> list[str]:
    """The expense categories a guarantee does not pay: a limit of 0 on them (Imaway C1)."""
    return [
        c for lim in guarantee.limits if lim.applies_to and lim.amount == 0 for c in lim.applies_to
    ]


def _unpaid_line(guarantee: Guarantee) -> str:
    limit = next(lim for lim in guarantee.limits if lim.applies_to and lim.amount == 0)
    names = " or ".join(f'`"category": "{c}"`' for c in limit.applies_to)
    return (
        f"- Split the invoice: {limit.title or limit.id} ({limit.source.article}), so that part "
        f"is an expense of its own ({names}) and pays 0; the rest (call-out, labour) is paid "
        "up to the limit."
    )


def example_line(guarantee: Guarantee, loss_date: bool = False) -> dict[str, Any]:
    """A claim line for the guarantee; ``loss_date``: with the day of death or invalidity."""
    line: dict[str, Any] = {"id": "1", "guarantee": guarantee.code}
    formula = guarantee.formula
    if isinstance(formula, DocumentedCost):
        expense: dict[str, Any] = {"amount": "120.00", "currency": "EUR", "date": "2026-03-04"}
        if any(limit.scope.is_unit_rate for limit in guarantee.limits):
            expense["units"] = 2
        unpaid = unpaid_categories(guarantee)
        capped = [lim for lim in guarantee.limits if lim.applies_to and lim.amount != 0]
        if capped:
            expense["category"] = capped[0].applies_to[0]
        line["expenses"] = [expense]
        if unpaid:  # the invoice split: its unpaid part is an expense of its own
            line["expenses"].append(
                {"amount": "60.00", "currency": "EUR", "date": "2026-03-04", "category": unpaid[0]}
            )
    elif isinstance(formula, ObjectValues):
        line["objects"] = [
            {"label": "jacket", "value": "180.00", "date": "2026-03-04", "category": "clothing"}
        ]
    elif isinstance(formula, UnitAllowance):
        line["facts"] = {formula.units_fact: 17}
    elif isinstance(formula, PercentOfSumInsured):
        line["facts"] = {formula.percent_fact: 8}
    elif isinstance(formula, ProRataTripCost):
        line["facts"] = {"unused_days": 3}
    elif isinstance(formula, FixedSum):
        pass
    if loss_date:
        line["loss_date"] = "2026-09-15"
    return line


_AFFECTED_PERSON = (
    "- `cause` says what happened and `affected_person` to whom (`insured`, `family_member`, …):"
    ' a family member\'s death is `"cause": "death", "affected_person": "family_member"`.'
)


def claim_guide(product: Product) -> str:
    """Markdown: one entry per guarantee of the product."""
    out = [
        f"# Claim lines for {product.name} ({product.edition_label})",
        "",
        f"Generated by `claimcalc products guide {product.id}` "
        f"from `products/{product.id}/{product.edition}.yaml`.",
        "Facts go in `event.facts`, an insured person's `facts` or the line's `facts`",
        "(the line's win); their values are listed in `docs/claim-format.md`.",
        "",
    ]
    for section in product.sections:
        levels = ", ".join(product.covered_levels(section))
        out += [f"## {section.code} — {section.title}", "", f"Levels: {levels}.", ""]
        for guarantee in section.guarantees:
            facts = facts_read(product, section, guarantee)
            window = loss_window(product, section, guarantee)
            out += [
                f"### `{guarantee.code}` — {guarantee.title} ({guarantee.source.article})",
                "",
                f"- Kind: {guarantee.kind.value}; settled on {_HOW[guarantee.formula.kind]}.",
                "- Facts read: " + (", ".join(f"`{f}`" for f in facts) if facts else "none") + ".",
                *([_loss_line(guarantee, window)] if window is not None else []),
                *([_AFFECTED_PERSON] if "affected_person" in facts else []),
                *([_unpaid_line(guarantee)] if unpaid_categories(guarantee) else []),
                "",
                "```json",
                json.dumps(example_line(guarantee, window is not None), ensure_ascii=False),
                "```",
                "",
            ]
    return "\n".join(out)
