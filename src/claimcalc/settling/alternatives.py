"""Alternatives: guarantees never both paid for the same flight or trip.

Imaway G (rinuncia al volo) operates "in alternativa" to F (ritardata
partenza); H (perdita dei servizi) is not cumulable with I or M. When a
sinistro claims both, the one more favourable to the insured is paid and the
other refused, saying why (docs/domain.md "Alternatives and non-cumulation").

"More favourable" is what each would pay after deductibles and limits, so
this step settles the sinistro's lines once on trial — deductibles and
limits on copies, recording nothing on the lines — and refuses the others
before the real deductibles and limits run: a refused alternative then
takes no deductible and uses no limit.
"""

from __future__ import annotations

import dataclasses

from claimcalc.settlement import Code
from claimcalc.settling import texts
from claimcalc.settling.deductibles import person_deductibles
from claimcalc.settling.limits import person_limits
from claimcalc.settling.work import LineWork, PersonWork, Settling


def alternatives(s: Settling) -> None:
    alternating = s.plan.alternating
    if not alternating:
        return
    for person in s.persons:
        lines = person.lines
        if len(lines) < 2:  # alternatives are two guarantees claimed together
            continue
        named = 0
        for work in lines:
            if work.guarantee.code in alternating:
                named += 1
        if named >= 2 and _competing(s, lines):
            _choose(s, person)


def _competing(s: Settling, lines: list[LineWork]) -> bool:
    """Whether two guarantees of one alternative are both claimed and alive."""
    for alternative in s.product.alternatives:
        codes = {w.guarantee.code for w in lines if not w.refused} & set(alternative.guarantees)
        if len(codes) >= 2:
            return True
    return False


def _choose(s: Settling, person: PersonWork) -> None:
    lines = person.lines
    trial = dataclasses.replace(
        person,
        lines=[
            dataclasses.replace(w, trace=[], by_category=dict(w.by_category), all_steps=False)
            for w in lines
        ],
    )
    person_deductibles(s, trial)
    person_limits(s, trial)
    pays = {id(work): copy.value for work, copy in zip(lines, trial.lines, strict=True)}
    for alternative in s.product.alternatives:
        group = [w for w in lines if w.guarantee.code in alternative.guarantees and not w.refused]
        if len({w.guarantee.code for w in group}) < 2:
            continue
        # The most favourable; on a tie, the first claimed.
        best = max(enumerate(group), key=lambda at: (pays[id(at[1])], -at[0]))[1]
        for work in group:
            if work is best:
                continue
            work.refuse(
                Code.ALTERNATIVE,
                alternative.source.article,
                texts.not_cumulable(best.guarantee.code, best.guarantee.title, pays[id(best)]),
            )
