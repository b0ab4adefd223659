"""Step 2, eligibility of the insured and the trip.

Age caps, trip length, the policy window, the destination bought, waiting
periods, when cover ends, reporting deadlines, once-per-period rules, prior
authorisation and the conditions a guarantee requires of the facts. The
first rule a line fails refuses it, citing the rule's article. Rules that
read only the claim (dates, zones) are answered once a claim.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import lru_cache

from claimcalc.claim.model import Claim, Line
from claimcalc.product.model import (
    CoverEnds,
    EligibilityRule,
    EventDuringTrip,
    EventInDestination,
    MaxAge,
    MaxTripDays,
    OncePerPeriod,
    PolicyWindow,
    PriorAuthorisation,
    Product,
    ReportingDeadline,
    Requires,
    WaitingPeriod,
    WithinTimeOfEvent,
)
from claimcalc.settlement import Code
from claimcalc.settling import texts
from claimcalc.settling.conditions import unknown_facts
from claimcalc.settling.plan import Check, EligibilityCheck, ProductPlan, Refusal
from claimcalc.settling.work import ZERO, LineWork, PersonWork, Settling


def derive_reported_late(s: Settling) -> None:
    """The derived fact ``reported_late``: the line was reported after one of its
    reporting deadlines. Exclusions may test it (Imaway 1.22 x, Wi School 1.21 n);
    the deadline rules themselves refuse the line in the eligibility step."""
    for person in s.persons:
        for work in person.lines:
            deadlines = work.plan.deadlines
            if deadlines:  # a line with no deadline states no such fact
                late = False
                for rule in deadlines:
                    if _late(s, rule, work) is not None:
                        late = True
                        break
                work.facts["reported_late"] = late


def eligibility(s: Settling) -> None:
    for person in s.persons:
        for work in person.lines:
            if not work.refused:
                _eligibility(s, work, person)


def _eligibility(s: Settling, work: LineWork, person: PersonWork) -> None:
    facts = work.facts
    answers = s.claim_wide
    checks = s.plan.checks.get(work.guarantee.code)
    if checks is None:
        checks = _checks(s, work)
    for rule_check, check in checks:
        test, key = rule_check.requirement, rule_check.claim_wide_key
        rule = rule_check.rule
        if test is None:
            if key is not None:  # the claim's answer: once a claim
                if key in answers:
                    refusal = answers[key]
                else:
                    refusal = answers[key] = check(s, rule, work, person)
            else:
                refusal = check(s, rule, work, person)
            if refusal is None:
                continue
        else:  # a requirement on the facts, compiled (see plan.py)
            holds = test(facts)
            if holds is True:
                continue
            assert isinstance(rule, Requires)
            if holds is None:
                _incomplete(s, rule, work)
                continue
            refusal = (Code.CONDITION_NOT_MET, rule.text)
        code, text = refusal
        work.refuse(code, rule.source.article, text)
        return


def _checks(s: Settling, work: LineWork) -> tuple[tuple[EligibilityCheck, Check], ...]:
    """The line's rules with their checks, found once per guarantee."""
    found = s.plan.checks[work.guarantee.code] = tuple(
        (c, CHECKS[c.rule.kind]) for c in work.plan.eligibility
    )
    return found


# Each check takes (settling, rule, line, person) and returns a refusal (code,
# text), or None when the rule is met.


def _max_age(s: Settling, rule: MaxAge, work: LineWork, person: PersonWork) -> Refusal:
    if rule.roles and person.insured.role not in rule.roles:
        return None
    if person.age > rule.age:
        return Code.AGE_CAP, texts.age_cap(person.age, rule.age)
    return None


def _max_trip_days(s: Settling, rule: MaxTripDays, work: LineWork, person: PersonWork) -> Refusal:
    trip = s.claim.trip
    days = (trip.return_date - trip.departure_date).days + 1
    if days > rule.days:
        return Code.TRIP_TOO_LONG, texts.trip_too_long(days, rule.days)
    return None


def _in_policy(s: Settling, rule: PolicyWindow, work: LineWork, person: PersonWork) -> Refusal:
    trip = s.claim.trip
    start, end = _policy_window(s, rule)
    if trip.departure_date < start:
        return Code.OUTSIDE_POLICY_PERIOD, texts.departs_before_policy(trip.departure_date, start)
    if end is not None and trip.return_date > end:
        return Code.OUTSIDE_POLICY_PERIOD, texts.returns_after_policy(trip.return_date, end)
    return None


def policy_period(s: Settling) -> tuple[dt.date, dt.date | None]:
    """The current policy period: from the start (or issue) date to the end date, or
    the start plus the product's policy-window duration; open-ended without either."""
    return claim_period(s.claim, s.product)


def claim_period(claim: Claim, product: Product) -> tuple[dt.date, dt.date | None]:
    """:func:`policy_period` of a claim under a product (the claims ledger keys on it)."""
    rule = ProductPlan.of(product).policy_window
    policy = claim.policy
    start = policy.start_date or policy.issue_date
    if rule is None or policy.end_date is not None or rule.duration_months is None:
        return start, policy.end_date
    return start, last_day(start, rule.duration_months)


def in_period(period: tuple[dt.date, dt.date | None], day: dt.date) -> bool:
    """Whether ``day`` is in the policy period (a payment of another period does not count)."""
    start, end = period
    return start <= day and (end is None or day <= end)


def _policy_window(s: Settling, rule: PolicyWindow) -> tuple[dt.date, dt.date | None]:
    policy = s.claim.policy
    start = policy.start_date or policy.issue_date
    if policy.end_date is not None:
        return start, policy.end_date
    if rule.duration_months is None:
        return start, None
    return start, last_day(start, rule.duration_months)


def _in_destination(
    s: Settling, rule: EventInDestination, work: LineWork, person: PersonWork
) -> Refusal:
    # Only sections zoned by the event carry this rule (see plan.py).
    claim, product = s.claim, s.product
    if product.zone_index(claim.event.zone) > product.zone_index(claim.policy.zone):
        return Code.OUTSIDE_DESTINATION, texts.outside_destination(
            claim.event.zone, claim.policy.zone
        )
    return None


def _during_trip(s: Settling, rule: EventDuringTrip, work: LineWork, person: PersonWork) -> Refusal:
    trip, event = s.claim.trip, s.claim.event.date
    # Day counts, not date arithmetic: a timedelta costs more than the test.
    if event < trip.departure_date or (event - trip.return_date).days > rule.days_after_return:
        last = trip.return_date + dt.timedelta(days=rule.days_after_return)
        return Code.OUTSIDE_TRIP, texts.outside_trip(event, trip.departure_date, last)
    return None


def _cover_ends(s: Settling, rule: CoverEnds, work: LineWork, person: PersonWork) -> Refusal:
    trip, event = s.claim.trip, s.claim.event.date
    if rule.at == "departure":
        if event > trip.departure_date:
            return Code.COVER_ENDED, texts.cover_ended_at_departure(trip.departure_date, event)
    elif rule.at == "first_service":
        # Wi School F2: cover lasts until the insured starts using the first
        # tourist service. That is at the latest the departure; the claim says
        # so earlier with trip_started (docs/domain.md).
        if event > trip.departure_date or work.facts.get("trip_started") is True:
            return Code.COVER_ENDED, texts.cover_ended_at_first_service(event)
    elif event > trip.return_date:  # trip_end
        return Code.COVER_ENDED, texts.cover_ended_at_trip_end(trip.return_date, event)
    return None


def _once(s: Settling, rule: OncePerPeriod, work: LineWork, person: PersonWork) -> Refusal:
    codes = {g.code for g in work.section.guarantees}
    paid = [p for p in person.payments if p.guarantee in codes and p.amount > 0]
    if paid:  # only a payment of this policy period counts (M4 "nell'arco di validità")
        period = policy_period(s)
        paid = [p for p in paid if in_period(period, p.date)]
    if paid:
        return Code.ONCE_PER_PERIOD, texts.once_per_period(paid[0].date, paid[0].claim_id)
    return None


def _authorised(
    s: Settling, rule: PriorAuthorisation, work: LineWork, person: PersonWork
) -> Refusal:
    authorised = work.facts.get("authorised")
    if authorised is True:
        return None
    documented = sum((s.eur(e.amount, e.currency, e.date) for e in work.line.expenses), ZERO)
    if documented <= rule.above:
        return None
    if authorised is False:
        return Code.NO_AUTHORISATION, texts.no_authorisation(rule.above)
    # Not stated: what the contract presumes (Imaway D2), else the claim is incomplete.
    presumption = rule.when_unstated
    if presumption is None:
        s.problem(
            f"{texts.line_at(*work.position)}.facts",
            texts.authorisation_required(work.guarantee.code, rule.source.article, rule.above),
        )
        work.refused = True
        return None
    if presumption.presumed:
        return None
    return Code.PRESUMED_NOT_AUTHORISED, texts.presumed_not_authorised(
        rule.above, presumption.source.article, presumption.text
    )


def _waiting(s: Settling, rule: WaitingPeriod, work: LineWork, person: PersonWork) -> Refusal:
    event = s.claim.event.date
    if rule.from_ == "policy_issue":
        issued = s.claim.policy.issue_date
        # Cover starts at 24:00 of the n-th day after issue: day n+1 onwards.
        if (event - issued).days <= rule.days:
            first = issued + dt.timedelta(days=rule.days + 1)
            return Code.WAITING_PERIOD, texts.before_cover_starts(event, first, rule.days)
        return None
    enrolled = s.claim.trip.booking_date
    if enrolled is None:
        s.problem("trip.booking_date", texts.booking_date_required())
        return None
    if (event - enrolled).days < rule.days:
        return Code.WAITING_PERIOD, texts.before_enrolment(event, enrolled)
    return None


def _deadline(s: Settling, rule: ReportingDeadline, work: LineWork, person: PersonWork) -> Refusal:
    if work.facts.get("reported_late") is not True:  # derived before this step
        return None
    anchor = _late(s, rule, work)
    if anchor is None:  # late for another of the line's deadlines
        return None
    span = f"{rule.days} days" if rule.days is not None else f"{rule.hours} hours"
    what = rule.from_.replace("_", " ")
    return Code.REPORTED_LATE, texts.reported_late(s.claim.reported_on, span, what, anchor)


def _late(s: Settling, rule: ReportingDeadline, work: LineWork) -> dt.date | None:
    """The day the deadline runs from, if the claim was reported after it."""
    return reported_after(s.claim, rule, work.line)


def reported_after(claim: Claim, rule: ReportingDeadline, line: Line | None) -> dt.date | None:
    """The day a reporting deadline runs from, if ``claim`` was reported after it;
    ``line`` (the line's renunciation date) only for a deadline from the renunciation.
    (The fast path asks it too: output/fastpath.py.)"""
    anchor = claim.event.date
    if rule.from_ == "return":
        anchor = claim.trip.return_date
    elif rule.from_ == "renunciation":
        assert line is not None
        anchor = line.renunciation_date or anchor
    elif rule.from_ == "when_possible":
        anchor = claim.event.reporting_possible_from or anchor
    elif rule.from_ == "planned_departure":
        anchor = claim.trip.departure_date
    if rule.days is not None:
        allowed = rule.days
    else:  # hours run to the end of the day they end in
        assert rule.hours is not None
        allowed = -(-rule.hours // 24)
    # Day counts, not date arithmetic: a timedelta costs more than the test.
    return anchor if (claim.reported_on - anchor).days > allowed else None


def _incomplete(s: Settling, rule: Requires, work: LineWork) -> None:
    """The claim does not state a fact the requirement needs: a problem, not a refusal."""
    missing = ", ".join(sorted(set(unknown_facts(rule.when, work.facts))))
    s.problem(
        f"{texts.line_at(*work.position)}.facts",
        texts.facts_required(work.guarantee.code, missing, rule.source.article, rule.text),
    )
    work.refused = True


def _within_time(
    s: Settling, rule: WithinTimeOfEvent, work: LineWork, person: PersonWork
) -> Refusal:
    """A death or invalidity counts only within this time after the event (Imaway L8)."""
    day = work.line.loss_date
    if day is None:
        s.problem(
            f"{texts.line_at(*work.position)}.loss_date",
            texts.required_by(work.guarantee.code, rule.source.article),
        )
        return None
    event = s.claim.event.date
    if day < event:
        s.problem(f"{texts.line_at(*work.position)}.loss_date", texts.loss_before_event(day, event))
        return None
    if not within(rule, event, day):
        return Code.OUT_OF_TIME, texts.loss_out_of_time(day, rule)
    return None


def within(rule: WithinTimeOfEvent, event: dt.date, day: dt.date) -> bool:
    """Whether ``day`` is within the rule's time after the event."""
    if rule.days is not None:  # a day count: no timedelta to build
        return (day - event).days <= rule.days
    assert rule.years is not None
    return day <= add_months(event, 12 * rule.years)


def _applied_elsewhere(
    s: Settling, rule: EligibilityRule, work: LineWork, person: PersonWork
) -> Refusal:
    # requires is tested in place (_eligibility, with its condition compiled).
    return None


CHECKS: dict[str, Callable[..., Refusal]] = {
    "max_age": _max_age,
    "max_trip_days": _max_trip_days,
    "policy_window": _in_policy,
    "event_in_destination": _in_destination,
    "event_during_trip": _during_trip,
    "waiting_period": _waiting,
    "cover_ends": _cover_ends,
    "reporting_deadline": _deadline,
    "once_per_period": _once,
    "prior_authorisation": _authorised,
    "within_time_of_event": _within_time,
    "expenses_during_trip": _applied_elsewhere,  # per expense, in quantify
    "requires": _applied_elsewhere,
}


@lru_cache(maxsize=4096)  # a book's policies start on a few hundred days
def last_day(start: dt.date, months: int) -> dt.date:
    """The last day of a policy of ``months`` months from ``start``."""
    return add_months(start, months) - dt.timedelta(days=1)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (the month's last day if it is shorter);
    past the calendar's end (year 9999), its last day: no time limit bites there."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    if year > dt.MAXYEAR:
        return dt.date.max
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")
