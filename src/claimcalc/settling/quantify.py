"""Step 4, quantification: the loss assessed from the facts (danno indennizzabile).

Each formula of the rule language has its function here: documented cost
(with rates per day, night, hour or block and caps counted in units),
baggage objects at their value capped per object, an allowance per complete
block of hours, the unused part of the trip cost, a percentage of the sum
insured, the whole sum insured. Foreign amounts are converted first, at the
ECB rate of the day. What the carrier already paid comes off the person's loss
under the sections it concerns, once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from decimal import ROUND_DOWN, Decimal
from functools import partial
from typing import Any

from claimcalc.claim.model import Expense
from claimcalc.product.model import (
    DocumentedCost,
    FixedSum,
    Limit,
    ObjectValues,
    PercentOfSumInsured,
    ProRataTripCost,
    Scope,
    UnitAllowance,
)
from claimcalc.settlement import REASON_CODES, Code
from claimcalc.settling import texts
from claimcalc.settling.eligibility import within
from claimcalc.settling.exclusions import excludes_object
from claimcalc.settling.work import ZERO, LineWork, PersonWork, Settling


def quantify(s: Settling) -> None:
    for person in s.persons:
        pending: list[LineWork] | None = None
        for work in person.lines:
            if work.refused:
                kind = work.guarantee.formula.kind
                if kind in _CLAIMING:  # refused before: it still shows what was claimed
                    _claimed(s, work, kind == "object_values")
                continue
            formula = work.guarantee.formula
            _FORMULAS[formula.kind](s, work, formula, person)
            if work.section.carrier_compensation is not None:
                if pending is None:
                    pending = []
                pending.append(work)  # assessed once the carrier's payment is off
            else:
                _assessed_value(work)
        if pending is not None:
            carrier_compensation(s, pending)
            for work in pending:
                _assessed_value(work)


def _claimed(s: Settling, work: LineWork, objects: bool) -> list[Decimal]:
    """What a line claims: each documented expense, or each baggage object's value,
    in euro at the ECB rate of its day (in the line's order); ``work.claimed`` is
    their sum. Set here for every line that claims amounts, refused or not (a
    line refused before quantification notes no conversion); the others
    (allowances, pro rata, sums insured) claim no amount: ``None``. ``objects``:
    the line's baggage objects, else its expenses.
    """
    line, note = work.line, not work.refused
    amounts: list[Decimal] = []
    total = ZERO
    if objects:
        for k, obj in enumerate(line.objects):
            eur = obj.value
            if obj.currency != "EUR":
                name = obj.label or f"object {k + 1}"
                eur = _convert(s, work, eur, obj.currency, obj.date, name, note)
            amounts.append(eur)
            total += eur
    else:
        for expense in line.expenses:
            eur = expense.amount
            if expense.currency != "EUR":
                label = expense.label or f"expense of {expense.date}"
                eur = _convert(s, work, eur, expense.currency, expense.date, label, note)
            amounts.append(eur)
            total += eur
    work.claimed = total
    return amounts


#: The formulas settled on amounts the claim states (the others claim none).
_CLAIMING = frozenset({"documented_cost", "object_values"})


def _assessed_value(work: LineWork) -> None:
    work.value = work.loss
    # a nil loss no reason explains yet (every expense out of time, a threshold not
    # reached explain theirs): the line's refusal needs one
    if (
        not work.refused
        and work.loss == 0
        and not any(step.code in REASON_CODES for step in work.trace)
    ):
        article = work.guarantee.formula.source.article
        work.note(Code.NOTHING_TO_PAY, article, texts.nothing_to_pay(), ZERO)


def carrier_compensation(s: Settling, lines: list[LineWork]) -> None:
    """What the carrier paid comes off one insured person's loss once (Imaway E4).

    ``lines`` are the person's lines, in line order, under sections whose loss
    the carrier's payment reduces. For each such section the payment (fact
    ``carrier_compensation``: one amount per sinistro, stated on the event, the
    person or a line) is taken off the lines' assessed losses in line order, each
    line losing at most its loss: in all, min(payment, the section's loss).
    """
    by_section: dict[str, list[LineWork]] = {}
    for work in lines:
        if not work.refused:
            by_section.setdefault(work.section.code, []).append(work)
    for section_lines in by_section.values():
        stated = {
            Decimal(str(value))
            for work in section_lines
            if (value := work.facts.get("carrier_compensation")) is not None
        }
        if not stated:
            continue
        if len(stated) > 1:
            first = section_lines[0]
            s.problem(
                f"{texts.line_at(*first.position)}.facts.carrier_compensation",
                texts.carrier_paid_twice(first.section.code, sorted(stated)),
            )
            continue
        paid = stated.pop()
        section = section_lines[0].section
        assert section.carrier_compensation is not None  # the plan chose the section by it
        article = section.carrier_compensation.source.article
        left = paid
        for work in section_lines:
            if left <= 0:
                break
            if work.loss <= 0:
                continue
            take = min(left, work.loss)
            left -= take
            work.loss -= take
            work.note(Code.CARRIER_PAID, article, texts.carrier_paid(take, paid), work.loss)


def _convert(
    s: Settling,
    work: LineWork,
    amount: Decimal,
    currency: str,
    day: dt.date,
    what: str,
    note: bool = True,
) -> Decimal:
    fixing = s.fixing(currency, day)
    eur = amount / fixing.units_per_eur
    if note:
        work.note(
            Code.CURRENCY,
            s.product.currency.source.article,
            partial(texts.currency, what, amount, currency, fixing, day, eur),
        )
    return eur


def _assessed(work: LineWork, loss: Decimal, article: str, label: str) -> None:
    """A line's assessed loss; the step only in a full trace."""
    work.loss = loss
    if work.all_steps:  # not a reason: skipped without the call
        work.note(Code.DOCUMENTED, article, partial(texts.labelled_amount, label, loss), loss)


# --------------------------------------------------------------------------- documented cost


def _documented(s: Settling, work: LineWork, formula: DocumentedCost, person: PersonWork) -> None:
    article = formula.source.article
    expenses = work.line.expenses
    # Each expense with its amount in euro, in date order.
    in_euro: Iterable[tuple[Expense, Decimal]]
    in_euro = zip(expenses, _claimed(s, work, False), strict=True)
    if len(expenses) > 1:
        in_euro = sorted(in_euro, key=_by_date)
    window, rate_limits, trip_end = work.plan.window, work.plan.rate_limits, work.plan.trip_end
    last_day = s.claim.trip.return_date
    units_left: Decimal | None = None
    if rate_limits:
        units = s.product.limit_max_units(rate_limits[0].id, s.level, work.zone)
        units_left = units if isinstance(units, Decimal) else None
    total = ZERO
    event = s.claim.event.date
    for expense, eur in in_euro:
        if window is not None and not within(window, event, expense.date):
            work.note(
                Code.OUT_OF_TIME, window.source.article, texts.out_of_time(expense.date, window)
            )
            continue
        if trip_end is not None and expense.date > last_day:
            work.note(
                Code.OUT_OF_TIME,
                trip_end.source.article,
                texts.after_the_trip(expense.date, last_day),
            )
            continue
        if rate_limits and rate_limits[0].rates(expense.category):
            eur = _unit_rate(s, work, expense, eur, rate_limits[0], units_left)
            if units_left is not None and expense.units is not None:
                units_left = max(ZERO, units_left - expense.units)
        work.by_category[expense.category] = work.by_category.get(expense.category, ZERO) + eur
        total += eur
    if work.plan.unit_count_limits:
        total = _unit_count_caps(s, work, expenses, total)
    _assessed(work, total, article, "documented cost")
    if formula.penalty_at_event is not None and work.line.penalty_at_event is not None:
        _penalty_at_event(work, formula.penalty_at_event.source.article)
    if formula.proportional_to_insured_value:
        _underinsurance(s, work, formula)


def _penalty_at_event(work: LineWork, article: str) -> None:
    """The penalty due on the event date caps the penalty charged (Wi School F7,
    Imaway M7): what a late cancellation added stays with the insured."""
    at_event = work.line.penalty_at_event
    assert at_event is not None
    charged = work.loss
    if at_event >= charged:
        return
    factor = at_event / charged
    work.loss = at_event
    work.by_category = {k: v * factor for k, v in work.by_category.items()}
    work.note(Code.PENALTY_AT_EVENT, article, texts.penalty_at_event(charged, at_event), work.loss)


def _by_date(pair: tuple[Expense, Decimal]) -> dt.date:
    return pair[0].date


def _unit_rate(
    s: Settling,
    work: LineWork,
    expense: Expense,
    eur: Decimal,
    limit: Limit,
    units_left: Decimal | None,
) -> Decimal:
    """An expense counts at most the rate per unit times its units (those left)."""
    if expense.units is None:
        return eur
    rate = s.product.limit_amount(limit.id, s.level, work.zone)
    units = expense.units if units_left is None else min(expense.units, units_left)
    if units < expense.units:
        work.note(
            Code.PER_UNIT_CAP, limit.source.article, texts.per_unit_left(expense.units, units)
        )
    if not isinstance(rate, Decimal):
        return eur * units / expense.units if expense.units else eur
    cap = rate * units
    if eur > cap:
        work.note(
            Code.PER_UNIT_CAP,
            limit.source.article,
            texts.per_unit_cap(eur, expense.units, rate, units),
        )
        return cap
    return eur * units / expense.units if expense.units else eur


def _unit_count_caps(
    s: Settling, work: LineWork, expenses: Sequence[Expense], total: Decimal
) -> Decimal:
    """Limits counted in hours or days (guardia giurata 10 h; 100 days of hospital)."""
    units = ZERO
    for expense in expenses:
        if expense.units is not None:
            units += expense.units
    if not units:  # none counted: no count can exceed its cap
        return total
    for limit in work.plan.unit_count_limits:
        cap = s.product.limit_amount(limit.id, s.level, work.zone)
        if isinstance(cap, Decimal) and units > cap and total > 0:
            reduced = total * cap / units
            work.note(
                Code.UNITS_CAP,
                limit.source.article,
                texts.units_cap(units, limit.unit.value, cap, reduced),
                reduced,
            )
            factor = cap / units
            work.by_category = {k: v * factor for k, v in work.by_category.items()}
            total = reduced
    return total


def _underinsurance(s: Settling, work: LineWork, formula: DocumentedCost) -> None:
    trip = s.claim.trip
    if trip.insured_value is None or trip.cost is None or trip.insured_value >= trip.cost:
        return
    factor = trip.insured_value / trip.cost
    work.loss *= factor
    work.by_category = {k: v * factor for k, v in work.by_category.items()}
    work.note(
        Code.UNDERINSURANCE,
        formula.source.article,
        texts.underinsurance(trip.insured_value, trip.cost),
        work.loss,
    )


# --------------------------------------------------------------------------- baggage objects


def _objects(s: Settling, work: LineWork, formula: ObjectValues, person: PersonWork) -> None:
    product, article = s.product, formula.source.article
    per_object = next((lim for lim in work.guarantee.limits if lim.scope is Scope.PER_OBJECT), None)
    cap: Decimal | None = None
    if per_object is not None:
        amount = product.limit_amount(per_object.id, s.level, work.zone)
        cap = amount if isinstance(amount, Decimal) else None
        if per_object.percent_of_parent is not None and per_object.parent is not None:
            parent = product.limit_amount(per_object.parent, s.level, work.zone)
            if isinstance(parent, Decimal):
                share = parent * per_object.percent_of_parent / 100
                cap = share if cap is None else min(cap, share)
    exclusions = work.plan.object_exclusions
    total = ZERO
    in_euro = _claimed(s, work, True)
    for k, obj in enumerate(work.line.objects):
        name = obj.label or f"object {k + 1}"
        eur = in_euro[k]
        facts = {
            **work.facts,
            "object_category": obj.category,
            "object_checked_in": obj.checked_in,
            "object_left_in_vehicle": obj.left_in_vehicle,
            "object_secured_in_vehicle": obj.secured_in_vehicle,
        }
        excluded = next((e for e in exclusions if excludes_object(e, facts)), None)
        if excluded is not None:
            work.note(
                Code.OBJECT_EXCLUDED,
                excluded.source.article,
                texts.object_excluded(name, excluded.text),
            )
            continue
        if cap is not None and eur > cap:
            assert per_object is not None
            work.note(
                Code.PER_OBJECT_CAP, per_object.source.article, texts.per_object_cap(name, eur, cap)
            )
            eur = cap
        total += eur
    _assessed(work, total, article, "assessed value")


# --------------------------------------------------------------------------- other formulas


def _allowance(s: Settling, work: LineWork, formula: UnitAllowance, person: PersonWork) -> None:
    article = formula.source.article
    limit = s.product.limit(formula.rate_limit)
    hours = _needed_number(s, work, formula.units_fact, article)
    if hours is None:
        return
    if formula.min_exclusive is not None and hours <= formula.min_exclusive:
        work.refuse(
            Code.BELOW_THRESHOLD, article, texts.not_above_threshold(hours, formula.min_exclusive)
        )
        return
    rate = s.product.limit_amount(limit.id, s.level, work.zone)
    assert isinstance(rate, Decimal)
    size = Decimal(limit.block_hours or 1)
    blocks = (hours / size).to_integral_value(rounding=ROUND_DOWN)
    work.loss = rate * blocks
    work.note(Code.ALLOWANCE, article, texts.allowance(hours, blocks, size, rate), work.loss)


def _pro_rata(s: Settling, work: LineWork, formula: ProRataTripCost, person: PersonWork) -> None:
    trip, article = s.claim.trip, formula.source.article
    if trip.cost is None:
        s.problem("trip.cost", texts.required_by(work.guarantee.code, article))
        work.refused = True
        return
    unused = _needed_number(s, work, "unused_days", article)
    if unused is None:
        return
    # registration fees and insurance are one amount on a claim (trip.fees)
    fees = (trip.fees or ZERO) if {"registration_fees", "insurance"} & set(formula.net_of) else ZERO
    # "ground services only" (Imaway I1): a trip with no flight part stated has none
    flights = (trip.flight_cost or ZERO) if "flights" in formula.net_of else ZERO
    base = max(trip.cost - fees - flights, ZERO)
    span = (trip.return_date - trip.departure_date).days
    divisor = span + 1 if formula.divide_by == "days" else max(span, 1)
    unused = min(unused, Decimal(divisor))
    work.loss = base / divisor * unused
    work.note(
        Code.PRO_RATA, article, texts.pro_rata(base, divisor, formula.divide_by, unused), work.loss
    )


def _percent(s: Settling, work: LineWork, formula: PercentOfSumInsured, person: PersonWork) -> None:
    amount = s.product.limit_amount(formula.sum_insured, s.level, work.zone)
    percent = _needed_number(s, work, formula.percent_fact, formula.source.article)
    if percent is None or not isinstance(amount, Decimal):
        return
    percent = min(percent, Decimal(100))
    work.loss = amount * percent / 100
    work.note(
        Code.PERCENT_OF_SUM,
        formula.source.article,
        texts.percent_of_sum(percent, amount),
        work.loss,
    )


def _fixed(s: Settling, work: LineWork, formula: FixedSum, person: PersonWork) -> None:
    article = formula.source.article
    amount = s.product.limit_amount(formula.sum_insured, s.level, work.zone)
    assert isinstance(amount, Decimal)
    work.loss = amount
    work.note(Code.FIXED_SUM, article, texts.fixed_sum(amount), amount)
    paid = [
        p for p in person.payments if p.same_accident and p.guarantee in formula.less_paid_under
    ]
    already = sum((p.amount for p in paid), ZERO)
    if already <= 0:
        return
    claims = [p.claim_id for p in paid if p.claim_id is not None]
    if formula.only_if_sum_exceeds is not None:
        other = s.product.limit_amount(formula.only_if_sum_exceeds, s.level, work.zone)
        if isinstance(other, Decimal) and amount <= other:
            work.refuse(Code.ALREADY_PAID, article, texts.no_top_up(already, claims))
            return
    work.loss = max(ZERO, amount - already)
    work.note(Code.ALREADY_PAID, article, texts.less_already_paid(already, claims), work.loss)


def _needed_number(s: Settling, work: LineWork, fact: str, article: str) -> Decimal | None:
    value = work.facts.get(fact)
    if value is None:
        s.problem(
            f"{texts.line_at(*work.position)}.facts.{fact}",
            texts.required_by(work.guarantee.code, article),
        )
        work.refused = True
        return None
    return Decimal(str(value))


#: Each formula kind's function (by kind: the validated and the plain product
#: have different classes for one formula).
_FORMULAS: dict[str, Callable[[Settling, LineWork, Any, PersonWork], None]] = {
    "documented_cost": _documented,
    "object_values": _objects,
    "unit_allowance": _allowance,
    "pro_rata_trip_cost": _pro_rata,
    "percent_of_sum_insured": _percent,
    "fixed_sum": _fixed,
}
