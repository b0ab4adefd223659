"""Step 5, franchigie and scoperti on the assessed loss.

A section's deductible is taken once per sinistro for the whole section, not
once per line (Imaway D3, E4; Wi School B3), unless a waiver holds for the
line. Where it lands changes what is paid — a line over its sub-limit
absorbs it at no cost to the insured — so it is placed where it costs the
insured least. A guarantee's own deductibles apply to its line; the
invalidity threshold (franchigia assoluta or relativa on the percentage)
is one of them.
"""

from __future__ import annotations

from decimal import Decimal
from functools import partial

from claimcalc.money import round_cents
from claimcalc.product.model import Franchigia, InvalidityThreshold, PercentOfSumInsured, Scoperto
from claimcalc.settlement import Code
from claimcalc.settling import texts
from claimcalc.settling.conditions import evaluate
from claimcalc.settling.limits import apply_chain
from claimcalc.settling.work import ZERO, LineWork, PersonWork, Settling

_FRANCHIGIA_OR_SCOPERTO = Franchigia | Scoperto  # built once, not at each isinstance


def deductibles(s: Settling) -> None:
    for person in s.persons:
        person_deductibles(s, person)


def person_deductibles(s: Settling, person: PersonWork) -> None:
    """One sinistro's deductibles: each section's once, then each guarantee's."""
    for section_lines in _by_section(person.lines):
        _section_deductibles(s, section_lines, person)
    for work in person.lines:
        if not work.refused:
            _guarantee_deductibles(s, work)


def _by_section(lines: list[LineWork]) -> list[list[LineWork]]:
    groups: dict[str, list[LineWork]] = {}
    for work in lines:
        groups.setdefault(work.section.code, []).append(work)
    return list(groups.values())


def _section_deductibles(s: Settling, lines: list[LineWork], person: PersonWork) -> None:
    section = lines[0].section
    live = [w for w in lines if not w.refused and w.value > 0]
    for deductible in section.deductibles:
        if isinstance(deductible, InvalidityThreshold):
            continue
        article = deductible.source.article
        payable = []
        for work in live:
            waiver = deductible.waived_when
            if waiver is not None and evaluate(waiver, work.facts):
                code = (
                    Code.FRANCHIGIA_WAIVED
                    if isinstance(deductible, Franchigia)
                    else Code.SCOPERTO_WAIVED
                )
                work.note(code, article, partial(texts.labelled, f"no {deductible.kind}:", waiver))
            else:
                payable.append(work)
        if not payable:
            continue
        if isinstance(deductible, Franchigia):
            amount, code = deductible.amount, Code.FRANCHIGIA
            text = texts.franchigia(amount)
        else:
            total = sum((w.value for w in payable), ZERO)
            amount = total * deductible.percent / 100
            if deductible.minimum is not None:
                amount = max(amount, deductible.minimum)
            code = Code.SCOPERTO
            text = texts.scoperto(deductible.percent, total, deductible.minimum)
        for work, take in _cheapest_allocation(s, lines, payable, amount, person):
            work.deductible += take
            work.value -= take
            work.note(
                code,
                article,
                texts.once_for_section(text, section.code, take, amount),
                work.value,
            )


def _cheapest_allocation(
    s: Settling,
    section_lines: list[LineWork],
    payable: list[LineWork],
    amount: Decimal,
    person: PersonWork,
) -> list[tuple[LineWork, Decimal]]:
    """How much of a section deductible each line takes, costing the insured least.

    The section's limits are applied to the lines without it, recording
    nothing. What a limit cuts from a line absorbs the deductible for free —
    the limit still binds — so it is taken there first; any rest costs the
    insured one for one wherever it lands, and is taken in line order.

    A line's result under its limits depends only on the lines before it,
    so this goes in line order and stops once the deductible is placed.
    """
    if len(payable) == 1:  # it all lands on the one line, whatever limits do
        take = min(amount, payable[0].value)
        return [(payable[0], take)] if take > 0 else []
    consumed: dict[str, Decimal] = {}
    takes = [ZERO] * len(payable)
    left = amount
    k = 0  # the next payable line (payable lines are in section order)
    for work in section_lines:  # free: what limits cut anyway
        if k == len(payable) or left <= 0:
            break
        if work.refused:
            continue
        after_limits = apply_chain(s, work, consumed, person, record=False)
        if work is payable[k]:
            cut = max(ZERO, round_cents(work.value) - after_limits)
            takes[k] = min(left, cut, work.value)
            left -= takes[k]
            k += 1
    for k, work in enumerate(payable):  # the rest, one for one
        take = min(left, work.value - takes[k])
        takes[k] += take
        left -= take
    return [(w, take) for w, take in zip(payable, takes, strict=True) if take > 0]


def _guarantee_deductibles(s: Settling, work: LineWork) -> None:
    for deductible in work.guarantee.deductibles:
        article = deductible.source.article
        if isinstance(deductible, InvalidityThreshold):
            formula = work.guarantee.formula
            if not isinstance(formula, PercentOfSumInsured):
                continue
            percent = Decimal(str(work.facts.get(formula.percent_fact, 0)))
            sum_insured = s.product.limit_amount(formula.sum_insured, s.level, work.zone)
            assert isinstance(sum_insured, Decimal)
            if percent <= deductible.percent:
                take = work.value
                text = texts.invalidity_not_above(percent, deductible.percent)
            elif deductible.mode == "absolute":
                take = sum_insured * deductible.percent / 100
                text = texts.invalidity_absolute(deductible.percent)
            else:
                take = ZERO
                text = texts.invalidity_relative(percent, deductible.percent)
            take = min(take, work.value)
            work.deductible += take
            work.value -= take
            work.note(Code.INVALIDITY_THRESHOLD, article, text, work.value)
        elif isinstance(deductible, _FRANCHIGIA_OR_SCOPERTO):
            waived = deductible.waived_when is not None and evaluate(
                deductible.waived_when, work.facts
            )
            if waived or work.value <= 0:
                continue
            if isinstance(deductible, Franchigia):
                take, code = min(deductible.amount, work.value), Code.FRANCHIGIA
            else:
                take = work.value * deductible.percent / 100
                if deductible.minimum is not None:
                    take = max(take, deductible.minimum)
                take, code = min(take, work.value), Code.SCOPERTO
            work.deductible += take
            work.value -= take
            work.note(code, article, texts.deductible_taken(deductible.kind, take), work.value)
