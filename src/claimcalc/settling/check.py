"""Before any step: does the claim fit the product? Every problem at once.

A level, zone or guarantee the product does not have, a role the product's
age caps need, lines without the expenses or objects their formula settles
on, units a rate per day needs, a foreign amount with no ECB rate: each is a
problem of the claim (exit code 3), not a refusal of a line.
"""

from __future__ import annotations

import datetime as dt

from claimcalc.claim.model import Line
from claimcalc.product.model import DocumentedCost, ObjectValues
from claimcalc.settling import texts
from claimcalc.settling.work import Settling


def check(s: Settling) -> None:
    """Everything a claim must state for this product, reported at once."""
    product, claim = s.product, s.claim
    if claim.level not in product.level_ids:
        s.problem("level", texts.no_level(claim.level, product.ref, product.level_ids))
    for where, zone in (("policy.zone", claim.policy.zone), ("event.zone", claim.event.zone)):
        if zone not in product.zone_ids:
            s.problem(where, texts.unknown_zone(zone, product.zone_ids))
    if claim.edition and claim.edition != product.edition:
        s.problem("edition", texts.other_edition(claim.edition, product.ref))
    for i, person in enumerate(claim.insured):
        if s.plan.needs_role and person.role is None:
            s.problem(f"insured[{i}].role", texts.role_required(product.ref))
        for k, payment in enumerate(s.payments_of(i, person)):
            if not product.has_guarantee(payment.guarantee):
                s.problem(
                    f"insured[{i}].prior_payments[{k}].guarantee",
                    texts.unknown_guarantee(payment.guarantee, product.ref),
                )
        for j, line in enumerate(person.lines):
            if not product.has_guarantee(line.guarantee):
                s.problem(
                    f"{texts.line_at(i, j)}.guarantee",
                    texts.unknown_guarantee(line.guarantee, product.ref),
                )
                continue
            _check_line(s, i, j, line)
    s.raise_problems()


def _check_line(s: Settling, i: int, j: int, line: Line) -> None:
    plan = s.plan.guarantee(line.guarantee)
    guarantee, rate_limits = plan.guarantee, plan.rate_limits
    formula = guarantee.formula
    if isinstance(formula, ObjectValues) and not line.objects:
        s.problem(f"{texts.line_at(i, j)}.objects", texts.objects_required(guarantee.code))
    if isinstance(formula, DocumentedCost) and not line.expenses:
        s.problem(f"{texts.line_at(i, j)}.expenses", texts.expenses_required(guarantee.code))
    if isinstance(formula, DocumentedCost) and rate_limits:
        for k, expense in enumerate(line.expenses):
            if expense.units is None and rate_limits[0].rates(expense.category):
                s.problem(
                    f"{texts.line_at(i, j)}.expenses[{k}].units",
                    texts.units_required(rate_limits[0]),
                )
    if line.penalty_at_event is not None and (
        not isinstance(formula, DocumentedCost) or formula.penalty_at_event is None
    ):
        s.problem(f"{texts.line_at(i, j)}.penalty_at_event", texts.penalty_not_read(guarantee.code))
    elif line.penalty_at_event is not None and line.penalty_at_event < 0:
        s.problem(f"{texts.line_at(i, j)}.penalty_at_event", texts.negative_penalty())
    for k, expense in enumerate(line.expenses):
        if expense.currency != "EUR":
            _check_rate(s, f"{texts.line_at(i, j)}.expenses[{k}]", expense.currency, expense.date)
    for k, obj in enumerate(line.objects):
        if obj.currency != "EUR":
            _check_rate(s, f"{texts.line_at(i, j)}.objects[{k}]", obj.currency, obj.date)


def _check_rate(s: Settling, at: str, currency: str, day: dt.date) -> None:
    days = s.product.currency.fallback_days
    if s.rates.lookup(currency, day, days) is None:
        s.problem(f"{at}.currency", texts.no_rate(currency, day, days))
