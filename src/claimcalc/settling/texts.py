"""Every text a settlement step writes, in one place.

A step records a reason code, an article and one of these texts. Keeping them
here, each a small function of the values it shows, lets a reader (or a
translator: issue #18) see every sentence claimcalc says about a claim
without reading the arithmetic. Texts of steps that only the full trace shows
are passed to the trace as ``partial(fn, …)`` and written only when read.

Each text is a msgid of the ``claimcalc`` catalog (:mod:`claimcalc.i18n`): an
English sentence with named placeholders, in the language current when written.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from claimcalc.i18n import N_, _
from claimcalc.money import format_cents, format_eur, round_cents
from claimcalc.product.model import SCOPE_TEXTS, Limit, Scope, WithinTimeOfEvent
from claimcalc.settlement import Code
from claimcalc.settling.rates import Fixing

# --------------------------------------------------------------------------- words

#: Words the engine passes in (labels, kinds, units, anchors): translated here, where
#: they are written into a sentence.
_WORDS = (
    N_("documented cost"),
    N_("rounded half up to"),
    N_("exception applies:"),
    N_("no franchigia:"),
    N_("no scoperto:"),
    N_("no invalidity_threshold:"),
    N_("franchigia"),
    N_("scoperto"),
    N_("invalidity_threshold"),
    N_("days"),
    N_("nights"),
    N_("hours"),
    N_("eur"),
    # TRANSLATORS: the next five are what a reporting deadline runs from, read in
    # "more than 30 days after the {what}": give them their article.
    N_("event"),
    N_("return"),
    N_("renunciation"),
    N_("when possible"),
    N_("planned departure"),
)


def word(text: str) -> str:
    """One of the engine's words (:data:`_WORDS`) in the current language; any other
    text (the product's, the claim's) as it is."""
    return _(text) if text in _WORDS else text


def meaning(code: Code) -> str:
    """What a reason code means (its declaration's English), in the current language."""
    return _(code.meaning)


def scope_text(scope: Scope) -> str:
    """A scope's text (:data:`SCOPE_TEXTS`, msgids) in the current language."""
    return _(SCOPE_TEXTS[scope])


# --------------------------------------------------------------------------- problems


def line_at(i: int, j: int) -> str:
    """Where a line is in the claim; written only for a problem: most lines have none."""
    return f"insured[{i}].lines[{j}]"


def no_level(level: str, ref: str, levels: tuple[str, ...]) -> str:
    return _("no level {level!r} in {ref} (levels: {levels})").format(
        level=level, ref=ref, levels=", ".join(levels)
    )


def unknown_zone(zone: str, zones: tuple[str, ...]) -> str:
    return _("unknown zone {zone!r} (zones: {zones})").format(zone=zone, zones=", ".join(zones))


def other_edition(edition: str, ref: str) -> str:
    return _("the claim names edition {edition}, the product is {ref}").format(
        edition=edition, ref=ref
    )


def role_required(ref: str) -> str:
    return _("required by {ref}: student or teacher").format(ref=ref)


def unknown_guarantee(code: str, ref: str) -> str:
    return _("unknown guarantee {code!r} in {ref}").format(code=code, ref=ref)


def objects_required(code: str) -> str:
    return _("{code} is settled on baggage objects: list them").format(code=code)


def expenses_required(code: str) -> str:
    return _("{code} is settled on documented expenses: list them").format(code=code)


def units_required(limit: Limit) -> str:
    return _("required by {limit} ({scope})").format(limit=limit.id, scope=scope_text(limit.scope))


def no_rate(currency: str, day: dt.date, days: int) -> str:
    return _(
        "no ECB rate for {currency} on {day} or the {days} days before; "
        "give it in the claim's rates or with --rates"
    ).format(currency=currency, day=day, days=days)


def required_by(code: str, article: str) -> str:
    return _("required by {code} ({article})").format(code=code, article=article)


def facts_required(code: str, missing: str, article: str, text: str) -> str:
    return _("{code} needs {missing} ({article}: {text})").format(
        code=code, missing=missing, article=article, text=text
    )


def booking_date_required() -> str:
    return _("required: cover starts at enrolment")


# --------------------------------------------------------------------------- 1. cover


def not_covered_at_level(section_title: str, level_name: str) -> str:
    return _("{section} is not covered by {level}").format(section=section_title, level=level_name)


def not_covered_in_zone(zone_name: str) -> str:
    return _("not covered in {zone}").format(zone=zone_name)


# --------------------------------------------------------------------------- 2. eligibility


def age_cap(age: int, cap: int) -> str:
    return _("aged {age} at subscription; the cap is {cap}").format(age=age, cap=cap)


def trip_too_long(days: int, most: int) -> str:
    return _("the trip lasts {days} days; at most {most}").format(days=days, most=most)


def departs_before_policy(departure: dt.date, start: dt.date) -> str:
    return _("departure {departure} is before the policy starts ({start})").format(
        departure=departure, start=start
    )


def returns_after_policy(return_date: dt.date, end: dt.date) -> str:
    return _("return {return_date} is after the policy ends ({end})").format(
        return_date=return_date, end=end
    )


def outside_destination(event_zone: str, policy_zone: str) -> str:
    return _(
        "the event happened in {event_zone}, outside the destination bought ({policy_zone})"
    ).format(event_zone=event_zone, policy_zone=policy_zone)


def outside_trip(event: dt.date, departure: dt.date, last: dt.date) -> str:
    return _("the event ({event}) is not during the trip ({departure} to {last})").format(
        event=event, departure=departure, last=last
    )


def cover_ended_at_departure(departure: dt.date, event: dt.date) -> str:
    return _("cover ends at departure ({departure}); the event is {event}").format(
        departure=departure, event=event
    )


def cover_ended_at_first_service(event: dt.date) -> str:
    return _(
        "cover ends when the insured starts using the first tourist service; the event "
        "({event}) is after it"
    ).format(event=event)


def cover_ended_at_trip_end(return_date: dt.date, event: dt.date) -> str:
    return _("cover ends at the end of the trip ({return_date}); the event is {event}").format(
        return_date=return_date, event=event
    )


def by_claims(claims: list[str] | None) -> str:
    """The claims that made earlier payments, when known (the claims ledger's)."""
    if not claims:
        return ""
    unique = list(dict.fromkeys(claims))
    if len(unique) > 1:
        return _(" by claims {claims}").format(claims=", ".join(unique))
    return _(" by claim {claim}").format(claim=unique[0])


def once_per_period(day: dt.date, claim_id: str | None = None) -> str:
    if claim_id:
        return _("already paid once in this policy period (on {day}, claim {claim})").format(
            day=day, claim=claim_id
        )
    return _("already paid once in this policy period (on {day})").format(day=day)


def _threshold(above: Decimal) -> str:
    return "" if above == 0 else _(" above {amount}").format(amount=format_eur(above))


def no_authorisation(above: Decimal) -> str:
    return _("no prior authorisation (practice number) for expenses{threshold}").format(
        threshold=_threshold(above)
    )


def presumed_not_authorised(above: Decimal, article: str, quote: str) -> str:
    return _(
        "authorised not stated: presumed no prior authorisation for expenses{threshold} "
        '({article}: "{quote}")'
    ).format(threshold=_threshold(above), article=article, quote=quote)


def authorisation_required(code: str, article: str, above: Decimal) -> str:
    return _(
        "{code} needs authorised ({article}: prior authorisation for expenses{threshold})"
    ).format(code=code, article=article, threshold=_threshold(above))


def before_cover_starts(event: dt.date, first: dt.date, days: int) -> str:
    return _(
        "the event ({event}) is before cover starts ({first}: 24:00 of day {days} after issue)"
    ).format(event=event, first=first, days=days)


def before_enrolment(event: dt.date, enrolled: dt.date) -> str:
    return _("the event ({event}) is before enrolment ({enrolled})").format(
        event=event, enrolled=enrolled
    )


def _span(span: str) -> str:
    """``"30 days"``/``"48 hours"`` (the engine's) in the current language."""
    count, _sep, unit = span.partition(" ")
    if not count.isdigit() or unit not in ("days", "hours"):
        return span
    # Not ngettext: the English text says "1 days" as it always has (a stable text).
    if unit == "days":
        return _("{n} days").format(n=count)
    return _("{n} hours").format(n=count)


def reported_late(reported: dt.date, span: str, what: str, anchor: dt.date) -> str:
    return _("reported on {reported}, more than {span} after the {what} ({anchor})").format(
        reported=reported, span=_span(span), what=word(what), anchor=anchor
    )


def _window(rule: WithinTimeOfEvent) -> str:
    if rule.days is not None:
        return _span(f"{rule.days} days")
    return _("{n} years").format(n=rule.years)


def out_of_time(day: dt.date, rule: WithinTimeOfEvent) -> str:
    return _("expense of {day} is later than {window} after the event").format(
        day=day, window=_window(rule)
    )


def after_the_trip(day: dt.date, last: dt.date) -> str:
    return _("expense of {day} is after the trip's end ({last})").format(day=day, last=last)


def loss_before_event(day: dt.date, event: dt.date) -> str:
    return _("{day} is before the event ({event})").format(day=day, event=event)


def loss_out_of_time(day: dt.date, rule: WithinTimeOfEvent) -> str:
    return _("the loss of {day} is later than {window} after the event").format(
        day=day, window=_window(rule)
    )


# --------------------------------------------------------------------------- 3. exclusions


def excluded(text: str) -> str:
    return _("excluded: {text}").format(text=text)


def object_excluded(name: str, text: str) -> str:
    return f"{name}: {text}"


# --------------------------------------------------------------------------- 4. quantification


def carrier_paid(take: Decimal, paid: Decimal) -> str:
    if take == paid:
        return _("less {paid} already paid by the carrier").format(paid=format_eur(paid))
    return _("less {take} of the {paid} already paid by the carrier").format(
        take=format_eur(take), paid=format_eur(paid)
    )


def carrier_paid_twice(section: str, amounts: list[Decimal]) -> str:
    return _(
        "carrier_compensation is one amount per insured person for section {section}, "
        "stated here as {amounts}: state it once, on the person or the event"
    ).format(section=section, amounts=", ".join(format_eur(a) for a in amounts))


def nothing_to_pay() -> str:
    return _("nothing to pay")


def per_unit_left(claimed: Decimal, units: Decimal) -> str:
    return _("{claimed} units claimed, {units} left of the maximum").format(
        claimed=claimed, units=units
    )


def per_unit_cap(amount: Decimal, claimed: Decimal, rate: Decimal, units: Decimal) -> str:
    return _("{amount} for {claimed} units: at most {rate} each for {units} = {total}").format(
        amount=format_eur(round_cents(amount)),
        claimed=claimed,
        rate=format_eur(rate),
        units=units,
        total=format_eur(rate * units),
    )


#: One sentence per unit: Italian agrees the participle with it ("12 ore richieste",
#: "3 giorni richiesti").
_UNITS_CAP = {
    "days": N_("{units} days claimed, at most {cap}: {reduced}"),
    "hours": N_("{units} hours claimed, at most {cap}: {reduced}"),
}


def units_cap(units: Decimal, unit: str, cap: Decimal, reduced: Decimal) -> str:
    amount = format_eur(round_cents(reduced))
    sentence = _UNITS_CAP.get(unit)
    if sentence is not None:
        return _(sentence).format(units=units, cap=cap, reduced=amount)
    return _("{units} {unit} claimed, at most {cap}: {reduced}").format(
        units=units, unit=word(unit), cap=cap, reduced=amount
    )


def penalty_at_event(charged: Decimal, at_event: Decimal) -> str:
    return _(
        "penalty charged {charged}, due on the event date {at_event}: the {more} "
        "more stays with the insured"
    ).format(
        charged=format_eur(round_cents(charged)),
        at_event=format_eur(round_cents(at_event)),
        more=format_eur(round_cents(charged - at_event)),
    )


def negative_penalty() -> str:
    return _("the penalty due on the event date is an amount in EUR, 0 or more")


def penalty_not_read(guarantee: str) -> str:
    return _(
        "{guarantee} does not settle on the penalty due on the event date: "
        "drop penalty_at_event from this line"
    ).format(guarantee=guarantee)


def underinsurance(insured_value: Decimal, cost: Decimal) -> str:
    return _("insured value {insured_value} below the trip cost {cost} (c.c. 1907)").format(
        insured_value=format_eur(insured_value), cost=format_eur(cost)
    )


def per_object_cap(name: str, value: Decimal, cap: Decimal) -> str:
    return _("{name}: {value} counts {cap} (per-object limit)").format(
        name=name, value=format_eur(round_cents(value)), cap=format_eur(cap)
    )


def not_above_threshold(hours: Decimal, threshold: Decimal) -> str:
    return _("{hours} hours is not more than {threshold}").format(hours=hours, threshold=threshold)


def allowance(hours: Decimal, blocks: Decimal, size: Decimal, rate: Decimal) -> str:
    return _("{hours} hours = {blocks} complete blocks of {size} hours × {rate}").format(
        hours=hours, blocks=blocks, size=size, rate=format_eur(rate)
    )


def pro_rata(base: Decimal, divisor: int, divide_by: str, unused: Decimal) -> str:
    return _("{base} / {divisor} {divide_by} × {unused} unused days").format(
        base=format_eur(base), divisor=divisor, divide_by=word(divide_by), unused=unused
    )


def percent_of_sum(percent: Decimal, amount: Decimal) -> str:
    return _("{percent}% of {amount}").format(percent=percent, amount=format_eur(amount))


def fixed_sum(amount: Decimal) -> str:
    return _("sum insured {amount}").format(amount=format_eur(amount))


def no_top_up(already: Decimal, claims: list[str] | None = None) -> str:
    return _(
        "{already} already paid for invalidity{by_claims}; the death sum "
        "does not exceed the invalidity sum, so no top-up is due"
    ).format(already=format_eur(already), by_claims=by_claims(claims))


def less_already_paid(already: Decimal, claims: list[str] | None = None) -> str:
    return _("less {already} already paid for the same accident{by_claims}").format(
        already=format_eur(already), by_claims=by_claims(claims)
    )


def labelled_amount(label: str, amount: Decimal) -> str:
    return f"{word(label)} {format_eur(round_cents(amount))}"


def currency(
    what: str, amount: Decimal, code: str, fixing: Fixing, day: dt.date, eur: Decimal
) -> str:
    if fixing.date == day:
        text = _("{what}: {amount} {code} at {rate} per EUR of {date} = {eur}")
    else:
        text = _(
            "{what}: {amount} {code} at {rate} per EUR of {date} (last fixing before {day}) = {eur}"
        )
    return text.format(
        what=what,
        amount=amount,
        code=code,
        rate=fixing.units_per_eur,
        date=fixing.date,
        day=day,
        eur=format_eur(round_cents(eur)),
    )


def labelled(label: str, condition: object) -> str:
    return f"{word(label)} {condition}"


# --------------------------------------------------------------------------- 5. deductibles


def franchigia(amount: Decimal) -> str:
    return _("franchigia {amount} {scope}").format(
        amount=format_eur(amount), scope=scope_text(Scope.PER_SINISTRO)
    )


def scoperto(percent: Decimal, total: Decimal, minimum: Decimal | None) -> str:
    if minimum is None:
        return _("scoperto {percent}% of {total}").format(
            percent=percent, total=format_eur(round_cents(total))
        )
    return _("scoperto {percent}% of {total}, minimum {minimum}").format(
        percent=percent, total=format_eur(round_cents(total)), minimum=format_eur(minimum)
    )


def once_for_section(text: str, section: str, take: Decimal, whole: Decimal) -> str:
    if take == whole:
        return _("{text}, once for section {section}").format(text=text, section=section)
    return _("{text}, once for section {section}; {take} taken on this line").format(
        text=text, section=section, take=format_eur(round_cents(take))
    )


def deductible_taken(kind: str, take: Decimal) -> str:
    return f"{word(kind)} {format_eur(round_cents(take))}"


def invalidity_not_above(percent: Decimal, threshold: Decimal) -> str:
    return _("invalidity {percent}% is not above {threshold}%").format(
        percent=percent, threshold=threshold
    )


def invalidity_absolute(threshold: Decimal) -> str:
    return _("absolute threshold: only the points above {threshold}% are paid").format(
        threshold=threshold
    )


def invalidity_relative(percent: Decimal, threshold: Decimal) -> str:
    return _("{percent}% is above the {threshold}% threshold: paid in full").format(
        percent=percent, threshold=threshold
    )


# --------------------------------------------------------------------------- 6. limits


def used_by_other_lines(used_here: Decimal) -> str:
    """What a limit's text adds when other lines of the claim used some of it."""
    return _used_by_other_lines(format_eur(round_cents(used_here)))


def used_by_other_lines_cents(used_here: int) -> str:
    """:func:`used_by_other_lines` of a whole number of cents."""
    return _used_by_other_lines(format_cents(used_here))


def _used_by_other_lines(amount: str) -> str:
    return _("; {amount} used by other lines of this claim").format(amount=amount)


def categories_capped(limit: Limit, cap: Decimal, used_here: Decimal = Decimal(0)) -> str:
    categories = ", ".join(limit.applies_to)
    name = limit.title or limit.id
    if not cap:  # a limit of 0: that part is not paid (Imaway C1, repair materials)
        return _("{limit}: {categories} not paid").format(limit=name, categories=categories)
    text = _("{limit}: {categories} capped at {cap}").format(
        limit=name, categories=categories, cap=format_eur(cap)
    )
    if used_here > 0:
        text += used_by_other_lines(used_here)
    return text


def limit(
    limit: Limit,
    cap: Decimal,
    used_before: Decimal,
    used_here: Decimal,
    claims: list[str] | None = None,
) -> str:
    text = _("limit {cap} {scope}").format(cap=format_eur(cap), scope=scope_text(limit.scope))
    if used_before > 0:
        if limit.scope is Scope.PER_TRIP:
            paid = _("; {amount} already paid on this trip{by_claims}")
        else:
            paid = _("; {amount} already paid in the policy period{by_claims}")
        text += paid.format(amount=format_eur(used_before), by_claims=by_claims(claims))
    if used_here > 0:
        text += used_by_other_lines(used_here)
    return text


def within_limit(limit: Limit, cap: Decimal, left: Decimal) -> str:
    return _("within {limit} {cap} ({left} left)").format(
        limit=limit.title or limit.id, cap=format_eur(cap), left=format_eur(round_cents(left))
    )


def exception_limit(cap: Decimal) -> str:
    return _("covered up to {cap}").format(cap=format_eur(cap))


# --------------------------------------------------------------------------- alternatives, caps


def not_cumulable(code: str, title: str, pays: Decimal) -> str:
    return _("not cumulable with {code} ({title}), which pays more: {pays}").format(
        code=code, title=title, pays=format_eur(round_cents(pays))
    )


def event_cap(cap: Decimal, lines: int, total: Decimal, before: Decimal) -> str:
    return _(
        "event cap {cap} for {lines} lines totalling {total}: {before} reduced in proportion"
    ).format(cap=format_eur(cap), lines=lines, total=format_eur(total), before=format_eur(before))
