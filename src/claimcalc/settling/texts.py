"""Every text a settlement step writes, in one place.

A step records a reason code, an article and one of these texts. Keeping them
here, each a small function of the values it shows, lets a reader (or a
translator: issue #18) see every sentence claimcalc says about a claim
without reading the arithmetic. Texts of steps that only the full trace shows
are passed to the trace as ``partial(fn, …)`` and written only when read.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from claimcalc.money import format_eur, round_cents
from claimcalc.product.model import SCOPE_TEXTS, Limit, Scope, WithinTimeOfEvent
from claimcalc.settling.rates import Fixing

# --------------------------------------------------------------------------- problems


def line_at(i: int, j: int) -> str:
    """Where a line is in the claim; written only for a problem: most lines have none."""
    return f"insured[{i}].lines[{j}]"


def no_level(level: str, ref: str, levels: tuple[str, ...]) -> str:
    return f"no level {level!r} in {ref} (levels: {', '.join(levels)})"


def unknown_zone(zone: str, zones: tuple[str, ...]) -> str:
    return f"unknown zone {zone!r} (zones: {', '.join(zones)})"


def other_edition(edition: str, ref: str) -> str:
    return f"the claim names edition {edition}, the product is {ref}"


def role_required(ref: str) -> str:
    return f"required by {ref}: student or teacher"


def unknown_guarantee(code: str, ref: str) -> str:
    return f"unknown guarantee {code!r} in {ref}"


def objects_required(code: str) -> str:
    return f"{code} is settled on baggage objects: list them"


def expenses_required(code: str) -> str:
    return f"{code} is settled on documented expenses: list them"


def units_required(limit: Limit) -> str:
    return f"required by {limit.id} ({SCOPE_TEXTS[limit.scope]})"


def no_rate(currency: str, day: dt.date, days: int) -> str:
    return (
        f"no ECB rate for {currency} on {day} or the {days} days before; "
        "give it in the claim's rates or with --rates"
    )


def required_by(code: str, article: str) -> str:
    return f"required by {code} ({article})"


def facts_required(code: str, missing: str, article: str, text: str) -> str:
    return f"{code} needs {missing} ({article}: {text})"


def booking_date_required() -> str:
    return "required: cover starts at enrolment"


# --------------------------------------------------------------------------- 1. cover


def not_covered_at_level(section_title: str, level_name: str) -> str:
    return f"{section_title} is not covered by {level_name}"


def not_covered_in_zone(zone_name: str) -> str:
    return f"not covered in {zone_name}"


# --------------------------------------------------------------------------- 2. eligibility


def age_cap(age: int, cap: int) -> str:
    return f"aged {age} at subscription; the cap is {cap}"


def trip_too_long(days: int, most: int) -> str:
    return f"the trip lasts {days} days; at most {most}"


def departs_before_policy(departure: dt.date, start: dt.date) -> str:
    return f"departure {departure} is before the policy starts ({start})"


def returns_after_policy(return_date: dt.date, end: dt.date) -> str:
    return f"return {return_date} is after the policy ends ({end})"


def outside_destination(event_zone: str, policy_zone: str) -> str:
    return f"the event happened in {event_zone}, outside the destination bought ({policy_zone})"


def outside_trip(event: dt.date, departure: dt.date, last: dt.date) -> str:
    return f"the event ({event}) is not during the trip ({departure} to {last})"


def cover_ended_at_departure(departure: dt.date, event: dt.date) -> str:
    return f"cover ends at departure ({departure}); the event is {event}"


def cover_ended_at_first_service(event: dt.date) -> str:
    return (
        f"cover ends when the insured starts using the first tourist service; the event "
        f"({event}) is after it"
    )


def cover_ended_at_trip_end(return_date: dt.date, event: dt.date) -> str:
    return f"cover ends at the end of the trip ({return_date}); the event is {event}"


def by_claims(claims: list[str] | None) -> str:
    """The claims that made earlier payments, when known (the claims ledger's)."""
    if not claims:
        return ""
    unique = list(dict.fromkeys(claims))
    return f" by claim{'s' if len(unique) > 1 else ''} {', '.join(unique)}"


def once_per_period(day: dt.date, claim_id: str | None = None) -> str:
    paid_by = f", claim {claim_id}" if claim_id else ""
    return f"already paid once in this policy period (on {day}{paid_by})"


def no_authorisation(above: Decimal) -> str:
    threshold = "" if above == 0 else f" above {format_eur(above)}"
    return f"no prior authorisation (practice number) for expenses{threshold}"


def presumed_not_authorised(above: Decimal, article: str, quote: str) -> str:
    threshold = "" if above == 0 else f" above {format_eur(above)}"
    return (
        f"authorised not stated: presumed no prior authorisation for expenses{threshold} "
        f'({article}: "{quote}")'
    )


def authorisation_required(code: str, article: str, above: Decimal) -> str:
    threshold = "" if above == 0 else f" above {format_eur(above)}"
    return f"{code} needs authorised ({article}: prior authorisation for expenses{threshold})"


def before_cover_starts(event: dt.date, first: dt.date, days: int) -> str:
    return f"the event ({event}) is before cover starts ({first}: 24:00 of day {days} after issue)"


def before_enrolment(event: dt.date, enrolled: dt.date) -> str:
    return f"the event ({event}) is before enrolment ({enrolled})"


def reported_late(reported: dt.date, span: str, what: str, anchor: dt.date) -> str:
    return f"reported on {reported}, more than {span} after the {what} ({anchor})"


def _window(rule: WithinTimeOfEvent) -> str:
    return f"{rule.days} days" if rule.days is not None else f"{rule.years} years"


def out_of_time(day: dt.date, rule: WithinTimeOfEvent) -> str:
    return f"expense of {day} is later than {_window(rule)} after the event"


def loss_before_event(day: dt.date, event: dt.date) -> str:
    return f"{day} is before the event ({event})"


def loss_out_of_time(day: dt.date, rule: WithinTimeOfEvent) -> str:
    return f"the loss of {day} is later than {_window(rule)} after the event"


# --------------------------------------------------------------------------- 3. exclusions


def excluded(text: str) -> str:
    return f"excluded: {text}"


def object_excluded(name: str, text: str) -> str:
    return f"{name}: {text}"


# --------------------------------------------------------------------------- 4. quantification


def carrier_paid(take: Decimal, paid: Decimal) -> str:
    if take == paid:
        return f"less {format_eur(paid)} already paid by the carrier"
    return f"less {format_eur(take)} of the {format_eur(paid)} already paid by the carrier"


def carrier_paid_twice(section: str, amounts: list[Decimal]) -> str:
    said = ", ".join(format_eur(a) for a in amounts)
    return (
        f"carrier_compensation is one amount per insured person for section {section}, "
        f"stated here as {said}: state it once, on the person or the event"
    )


def nothing_to_pay() -> str:
    return "nothing to pay"


def per_unit_left(claimed: Decimal, units: Decimal) -> str:
    return f"{claimed} units claimed, {units} left of the maximum"


def per_unit_cap(amount: Decimal, claimed: Decimal, rate: Decimal, units: Decimal) -> str:
    return (
        f"{format_eur(round_cents(amount))} for {claimed} units: at most "
        f"{format_eur(rate)} each for {units} = {format_eur(rate * units)}"
    )


def units_cap(units: Decimal, unit: str, cap: Decimal, reduced: Decimal) -> str:
    return f"{units} {unit} claimed, at most {cap}: {format_eur(round_cents(reduced))}"


def penalty_at_event(charged: Decimal, at_event: Decimal) -> str:
    return (
        f"penalty charged {format_eur(round_cents(charged))}, due on the event date "
        f"{format_eur(round_cents(at_event))}: the {format_eur(round_cents(charged - at_event))} "
        "more stays with the insured"
    )


def negative_penalty() -> str:
    return "the penalty due on the event date is an amount in EUR, 0 or more"


def penalty_not_read(guarantee: str) -> str:
    return (
        f"{guarantee} does not settle on the penalty due on the event date: "
        "drop penalty_at_event from this line"
    )


def underinsurance(insured_value: Decimal, cost: Decimal) -> str:
    return (
        f"insured value {format_eur(insured_value)} below the trip cost "
        f"{format_eur(cost)} (c.c. 1907)"
    )


def per_object_cap(name: str, value: Decimal, cap: Decimal) -> str:
    return f"{name}: {format_eur(round_cents(value))} counts {format_eur(cap)} (per-object limit)"


def not_above_threshold(hours: Decimal, threshold: Decimal) -> str:
    return f"{hours} hours is not more than {threshold}"


def allowance(hours: Decimal, blocks: Decimal, size: Decimal, rate: Decimal) -> str:
    return f"{hours} hours = {blocks} complete blocks of {size} hours × {format_eur(rate)}"


def pro_rata(base: Decimal, divisor: int, divide_by: str, unused: Decimal) -> str:
    return f"{format_eur(base)} / {divisor} {divide_by} × {unused} unused days"


def percent_of_sum(percent: Decimal, amount: Decimal) -> str:
    return f"{percent}% of {format_eur(amount)}"


def fixed_sum(amount: Decimal) -> str:
    return f"sum insured {format_eur(amount)}"


def no_top_up(already: Decimal, claims: list[str] | None = None) -> str:
    return (
        f"{format_eur(already)} already paid for invalidity{by_claims(claims)}; the death sum "
        "does not exceed the invalidity sum, so no top-up is due"
    )


def less_already_paid(already: Decimal, claims: list[str] | None = None) -> str:
    return f"less {format_eur(already)} already paid for the same accident{by_claims(claims)}"


def labelled_amount(label: str, amount: Decimal) -> str:
    return f"{label} {format_eur(round_cents(amount))}"


def currency(
    what: str, amount: Decimal, code: str, fixing: Fixing, day: dt.date, eur: Decimal
) -> str:
    when = "" if fixing.date == day else f" (last fixing before {day})"
    return (
        f"{what}: {amount} {code} at {fixing.units_per_eur} per EUR of "
        f"{fixing.date}{when} = {format_eur(round_cents(eur))}"
    )


def labelled(label: str, condition: object) -> str:
    return f"{label} {condition}"


# --------------------------------------------------------------------------- 5. deductibles


def franchigia(amount: Decimal) -> str:
    return f"franchigia {format_eur(amount)} {SCOPE_TEXTS[Scope.PER_SINISTRO]}"


def scoperto(percent: Decimal, total: Decimal, minimum: Decimal | None) -> str:
    text = f"scoperto {percent}% of {format_eur(round_cents(total))}"
    if minimum is not None:
        text += f", minimum {format_eur(minimum)}"
    return text


def once_for_section(text: str, section: str, take: Decimal, whole: Decimal) -> str:
    share = "" if take == whole else f"; {format_eur(round_cents(take))} taken on this line"
    return f"{text}, once for section {section}{share}"


def deductible_taken(kind: str, take: Decimal) -> str:
    return f"{kind} {format_eur(round_cents(take))}"


def invalidity_not_above(percent: Decimal, threshold: Decimal) -> str:
    return f"invalidity {percent}% is not above {threshold}%"


def invalidity_absolute(threshold: Decimal) -> str:
    return f"absolute threshold: only the points above {threshold}% are paid"


def invalidity_relative(percent: Decimal, threshold: Decimal) -> str:
    return f"{percent}% is above the {threshold}% threshold: paid in full"


# --------------------------------------------------------------------------- 6. limits


def categories_capped(limit: Limit, cap: Decimal, used_here: Decimal = Decimal(0)) -> str:
    categories = ", ".join(limit.applies_to)
    if not cap:  # a limit of 0: that part is not paid (Imaway C1, repair materials)
        return f"{limit.title or limit.id}: {categories} not paid"
    text = f"{limit.title or limit.id}: {categories} capped at {format_eur(cap)}"
    if used_here > 0:
        text += f"; {format_eur(round_cents(used_here))} used by other lines of this claim"
    return text


def limit(
    limit: Limit,
    cap: Decimal,
    used_before: Decimal,
    used_here: Decimal,
    claims: list[str] | None = None,
) -> str:
    text = f"limit {format_eur(cap)} {SCOPE_TEXTS[limit.scope]}"
    if used_before > 0:
        when = "on this trip" if limit.scope is Scope.PER_TRIP else "in the policy period"
        text += f"; {format_eur(used_before)} already paid {when}{by_claims(claims)}"
    if used_here > 0:
        text += f"; {format_eur(round_cents(used_here))} used by other lines of this claim"
    return text


def within_limit(limit: Limit, cap: Decimal, left: Decimal) -> str:
    return (
        f"within {limit.title or limit.id} {format_eur(cap)} ({format_eur(round_cents(left))} left)"
    )


def exception_limit(cap: Decimal) -> str:
    return f"covered up to {format_eur(cap)}"


# --------------------------------------------------------------------------- alternatives, caps


def not_cumulable(code: str, title: str, pays: Decimal) -> str:
    return f"not cumulable with {code} ({title}), which pays more: {format_eur(round_cents(pays))}"


def event_cap(cap: Decimal, lines: int, total: Decimal, before: Decimal) -> str:
    return (
        f"event cap {format_eur(cap)} for {lines} lines totalling "
        f"{format_eur(total)}: {format_eur(before)} reduced in proportion"
    )
