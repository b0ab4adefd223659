"""Step 6, limits, innermost first; then each line is rounded to the cent.

A line's chain is the limits on its total — the guarantee's sub-limits, the
section's limit for the zone and age band, and their parents — innermost
first. Each caps what is left of it: its amount, less what other lines of
the sinistro already took and, for per-period limits, what earlier payments
dated in the current policy period used. A cut that applies only to some expense
categories (``applies_to``) caps their share, and is charged only with their
part of what the line pays. An exclusion's exception may cap the line further.

Rounding (step 7) happens here, once per line, at the end of its chain: the
shared limits then hold exactly what is paid, so lines sharing a limit add
up to it to the cent.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import partial

from claimcalc.claim.model import Line
from claimcalc.money import round_cents
from claimcalc.product.model import Amount, Limit, Scope, Token
from claimcalc.settlement import Code, LimitApplied
from claimcalc.settling import texts
from claimcalc.settling.eligibility import in_period, policy_period
from claimcalc.settling.plan import CappedChain
from claimcalc.settling.work import ZERO, LineWork, PersonWork, Settling


def prior_payments(s: Settling) -> None:
    """What earlier payments used of each limit they share with this claim.

    A payment dated in the current policy period (:func:`policy_period`) counts
    against the per-period limits of its guarantee's chain; one of another
    period does not. One for the same trip (``same_trip``) counts against the
    per-trip limits, whatever its date. A limit on some expense categories
    (``applies_to``) is not charged: a prior payment does not say what it paid
    in each category.
    """
    period: tuple[dt.date, dt.date | None] | None = None
    memo = s.plan.prior_limits
    for person in s.persons:
        prior = person.prior
        for payment in person.payments:
            if period is None:
                period = policy_period(s)
            this_period = in_period(period, payment.date)
            if not this_period and not payment.same_trip:
                continue
            key = (payment.guarantee, person.age)
            charged = memo.get(key)
            if charged is None:
                charged = memo[key] = _prior_limits(s, payment.guarantee, person.age)
            for limit_id, scope in charged:
                if (scope is Scope.PER_INSURED_PER_PERIOD and this_period) or (
                    scope is Scope.PER_TRIP and payment.same_trip
                ):
                    prior[limit_id] = prior.get(limit_id, ZERO) + payment.amount
                    if payment.claim_id is not None:
                        person.prior_claims.setdefault(limit_id, []).append(payment.claim_id)


def _prior_limits(s: Settling, guarantee: str, age: object) -> tuple[tuple[str, Scope], ...]:
    """The limits a payment of ``guarantee`` counts against: its chain's, as a line
    of it would have for an insured of that age, but a limit on some expense
    categories (``applies_to``): a payment does not say what it paid in each
    category (domain.md)."""
    plan = s.plan.guarantee(guarantee)
    ghost = LineWork(  # in field order: see LineWork
        (0, 0),
        "",
        Line(guarantee=guarantee),
        plan,
        plan.section,
        plan.guarantee,
        {"age": age},
        s.claim.event.zone,
        False,
    )
    return tuple((limit.id, limit.scope) for limit in chain(s, ghost) if not limit.applies_to)


def limits(s: Settling) -> None:
    for person in s.persons:
        person_limits(s, person)


def person_limits(s: Settling, person: PersonWork) -> None:
    """One sinistro's lines through their chains, in line order (a limit they
    share is used up in that order)."""
    consumed: dict[str, Decimal] = {}
    for work in person.lines:
        if not work.refused:
            apply_chain(s, work, consumed, person)


def apply_chain(
    s: Settling,
    work: LineWork,
    consumed: dict[str, Decimal],
    person: PersonWork,
    record: bool = True,
) -> Decimal:
    """Apply the line's chain of limits; return what the line pays after them, rounded.

    Charges ``consumed`` with what the line takes of each limit. With
    ``record=False`` (to place a section deductible where it costs the
    insured least) the line itself is left as it was.
    """
    capped = work.chain
    if capped is None:
        capped = work.chain = capped_chain(s, work)
    prior = person.prior
    value = work.value
    # Each category limit's id: the categories' share of the line and the line's
    # value just after it. It is charged below with the categories' part of what
    # the line finally pays, not with the whole line.
    shares: dict[str, tuple[Decimal, Decimal]] | None = None
    for limit, limit_id, cap in capped:
        # Most limits are untouched by other lines and earlier payments:
        # no arithmetic for them (a Decimal operation costs a context lookup).
        used_here = consumed.get(limit_id, ZERO)
        used_before = prior.get(limit_id, ZERO) if prior else ZERO
        left = cap
        if used_here or used_before:
            left = max(ZERO, cap - used_here - used_before)
        if limit.applies_to:
            portion = sum((work.by_category.get(c, ZERO) for c in limit.applies_to), ZERO)
            if work.loss > 0:
                portion = portion * value / work.loss
            if portion > left:
                value -= portion - left
                portion = left
                if record:
                    work.limit = LimitApplied(id=limit.id, amount=cap, article=limit.source.article)
                    work.note(
                        Code.LIMIT,
                        limit.source.article,
                        texts.categories_capped(limit, cap, used_here),
                        value,
                    )
            if shares is None:
                shares = {}
            shares[limit_id] = (portion, value)
            continue
        if not record:
            value = min(value, left)
        elif value > left:
            code = Code.PERIOD_LIMIT_USED if used_before > 0 or used_here > 0 else Code.LIMIT
            value = left
            work.limit = LimitApplied(id=limit.id, amount=cap, article=limit.source.article)
            work.note(
                code,
                limit.source.article,
                texts.limit(limit, cap, used_before, used_here, person.prior_claims.get(limit_id)),
                value,
            )
        elif work.all_steps:  # not a reason: skipped without the call
            work.note(
                Code.WITHIN_LIMIT,
                limit.source.article,
                partial(texts.within_limit, limit, cap, left),
                value,
            )
    if work.exception_limit is not None and value > work.exception_limit[0]:
        cap, article = work.exception_limit
        value = cap
        if record:
            work.limit = LimitApplied(id="exception", amount=cap, article=article)
            work.note(Code.EXCEPTION_LIMIT, article, texts.exception_limit(cap), value)
    rounded = round_cents(value)
    if record and rounded != value and work.all_steps:
        work.note(
            Code.ROUNDED, "", partial(texts.labelled_amount, "rounded half up to", rounded), rounded
        )
    for _, limit_id, _ in capped:
        charge = rounded
        if shares is not None and limit_id in shares:
            charge = category_charge(rounded, *shares[limit_id])
        used = consumed.get(limit_id)
        consumed[limit_id] = charge if used is None else used + charge
    if record:
        work.value = rounded
    return rounded


def category_charge(paid: Decimal, portion: Decimal, value: Decimal) -> Decimal:
    """What a category limit is charged with: the categories' part of what the
    line pays. ``portion`` was their share of the line's ``value`` just after
    the limit; later cuts (parents, an exception, rounding) reduce it in
    proportion, as :func:`apply_chain` reads a category's share of a line."""
    if portion <= 0 or paid <= 0:
        return ZERO
    if portion >= value:
        return paid
    return min(paid, round_cents(portion * paid / value))


def chain(s: Settling, work: LineWork) -> list[Limit]:
    """The limits on a line's total, innermost first (sub-limits before parents).

    The chain depends only on the facts its candidates' conditions read, so
    lines stating the same values share it: their conditions are tested
    once. A value's type is in the key: True and 1 are one key, not one fact.
    """
    plan, facts, code = work.plan, work.facts, work.guarantee.code
    names = plan.chain_facts
    key: tuple[object, ...]
    if not names:  # no conditions: one chain for the guarantee
        key = (code,)
    elif len(names) == 1:  # one fact (an age band): a key without unpacking
        value = facts.get(names[0])
        key = (code, type(value), value)
    else:
        key = (code, *[(type(value), value) for value in map(facts.get, names)])
    product_plan = s.plan
    memo = product_plan.chains_by_facts
    try:
        found, keyed = memo.get(key), True
    except TypeError:  # a set fact's list is no key: tested each time
        found, keyed = None, False
    if found is None:
        applies = tuple(test is None or test(facts) is True for test in plan.chain_tests)
        found = product_plan.chains.get((code, applies))
        if found is None:  # built once per guarantee and answer
            found = product_plan.chains[code, applies] = product_plan.build_chain(
                [lim for lim, ok in zip(plan.chain_candidates, applies, strict=True) if ok]
            )
        if keyed:
            if len(memo) >= 4096:  # a number fact could take many values: kept small
                memo.clear()
            memo[key] = found
    return found


def capped_chain(s: Settling, work: LineWork) -> CappedChain:
    """The line's chain, each limit that caps at the claim's level and the line's
    zone with its id and cap (an unlimited one neither caps nor is consumed)."""
    found = chain(s, work)
    key = (id(found), s.level, work.zone)
    memo = s.plan.capped_chains
    capped = memo.get(key)
    if capped is None:
        amounts = [s.product.limit_amount(lim.id, s.level, work.zone) for lim in found]
        capped = tuple(
            (limit, limit.id, cap)
            for limit, amount in zip(found, amounts, strict=True)
            if (cap := cap_value(s, amount)) is not None
        )
        # A cap of "the trip cost" is the claim's own: not kept.
        if Token.TRIP_COST not in amounts:
            memo[key] = capped
    return capped


def cap_value(s: Settling, amount: Amount) -> Decimal | None:
    """A limit's amount as a cap: the trip cost is the claim's; "not covered" caps at 0."""
    if isinstance(amount, Decimal):
        return amount
    if amount is Token.TRIP_COST:
        return s.claim.trip.cost
    if amount is Token.NOT_COVERED:
        return ZERO
    return None  # unlimited, included, not applicable
