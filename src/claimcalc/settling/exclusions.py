"""Step 3, exclusions: the claim's facts against the general exclusions and the
section's and guarantee's own, in contract order, with their exceptions.

Some general exclusions do not operate for some sections (``not_for``: Imaway
1.22 c for Assistenza and Spese mediche); an exception may cover the line
only up to an amount (``exception_limit``), applied with the limits.
Exclusions tested on each baggage object are applied while valuing it.
"""

from __future__ import annotations

from functools import partial

from claimcalc.product.model import Exclusion
from claimcalc.settlement import Code
from claimcalc.settling import texts
from claimcalc.settling.conditions import evaluate
from claimcalc.settling.plan import ExclusionTests
from claimcalc.settling.work import LineWork, Settling


def exclusions(s: Settling) -> None:
    for person in s.persons:
        for work in person.lines:
            if not work.refused:
                _exclusions(work)


def _exclusions(work: LineWork) -> None:
    facts = work.facts
    for exclusion, holds, excepted in _exclusions_to_check(work):
        if holds(facts) is not True:
            continue
        article = exclusion.source.article
        if excepted is not None and excepted(facts):
            if exclusion.exception_limit is not None:
                work.exception_limit = (exclusion.exception_limit, article)
            work.note(
                Code.EXCEPTION_APPLIES,
                article,
                partial(texts.labelled, "exception applies:", exclusion.except_when),
            )
            continue
        work.refuse(Code.EXCLUDED, article, texts.excluded(exclusion.text))
        return


def _exclusions_to_check(work: LineWork) -> tuple[ExclusionTests, ...]:
    """The claim-level exclusions that can apply to a line, in contract order.

    An exclusion is skipped when the claim states none of the facts it
    tests, unless it could hold without any (a negation can).
    """
    plan = work.plan
    stated = tuple(work.facts)  # lines of a batch state few sets of facts: memoised
    found = plan.exclusions_for.get(stated)
    if found is None:
        positions = set(plan.always_excluding)
        for fact in stated:
            positions.update(plan.exclusions_by_fact.get(fact, ()))
        found = tuple(plan.exclusion_tests[i] for i in sorted(positions))
        if len(plan.exclusions_for) < 1024:
            plan.exclusions_for[stated] = found
    return found


def excludes_object(exclusion: Exclusion, facts: dict[str, object]) -> bool:
    """An exclusion tested on one baggage object (its category, where it was)."""
    if evaluate(exclusion.when, facts) is not True:
        return False
    return not (exclusion.except_when is not None and evaluate(exclusion.except_when, facts))
