"""The settlement engine: a product's rules applied to a claim, in domain.md's order.

For every line: cover at the level → eligibility → exclusions →
quantification → (alternatives) → franchigie and scoperti → limits innermost
first, each line rounded half up to the cent; then per-event caps across the
insured persons of the claim. :data:`STEPS` is that order, and this module
does nothing else: each step is a function of one argument, the claim being
settled (:class:`~claimcalc.settling.work.Settling`), in a module of its own.

Every step that changes an amount, or refuses a line, is recorded with a
reason code and the article that causes it. Nothing here knows a product:
articles, amounts and conditions all come from the product file.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from claimcalc.claim.model import Claim, PriorPayment
from claimcalc.money import round_cents
from claimcalc.product.model import Product
from claimcalc.settlement import CAPPING, InsuredResult, LineResult, Settlement, Status
from claimcalc.settling.alternatives import alternatives
from claimcalc.settling.check import check
from claimcalc.settling.cover import cover
from claimcalc.settling.deductibles import deductibles
from claimcalc.settling.eligibility import derive_reported_late, eligibility
from claimcalc.settling.event_caps import event_caps, proportional_shares
from claimcalc.settling.exclusions import exclusions
from claimcalc.settling.limits import limits, prior_payments
from claimcalc.settling.quantify import quantify
from claimcalc.settling.rates import Fixing, RateTable
from claimcalc.settling.work import ZERO, LineWork, Settling

Step = Callable[[Settling], None]


def facts_complete(s: Settling) -> None:
    """A fact a step needed and the claim did not state is a problem of the
    claim: all of them, for every insured person, raised at once."""
    s.raise_problems()


def paid(s: Settling) -> None:
    """What each line pays: rounded once (lines that reached the limits were
    rounded there, so that shared limits hold exactly what is paid)."""
    for person in s.persons:
        for work in person.lines:
            work.paid = round_cents(ZERO if work.refused else work.value)


#: domain.md's order of settlement.
STEPS: tuple[Step, ...] = (
    cover,  # 1. the guarantee exists at the level and in the zone
    derive_reported_late,  # the facts the claim does not state but its dates do
    eligibility,  # 2. the insured and the trip: ages, dates, deadlines, requirements
    exclusions,  # 3. general and own exclusions, with their exceptions
    quantify,  # 4. the loss assessed from the facts, in euro
    facts_complete,
    prior_payments,  # what earlier payments used of the per-period limits
    alternatives,  # guarantees never both paid: the more favourable one
    deductibles,  # 5. franchigie and scoperti, once per sinistro for a section
    limits,  # 6. limits innermost first; 7. each line rounded to the cent
    paid,
    event_caps,  # shared by the insured persons of one event, to the cent
)

_NO_RATES = RateTable()


def settle(
    claim: Claim,
    product: Product,
    rates: RateTable | None = None,
    source: str | None = None,
    steps: bool = True,
    priors: Sequence[tuple[PriorPayment, ...]] | None = None,
) -> Settlement:
    """Settle a claim under a product: an itemised :class:`Settlement`.

    ``rates`` adds ECB fixings to those in the claim (the claim's win).
    ``steps=False`` keeps in each line's trace only the steps that refuse or
    reduce it (its reasons): what a batch record without ``--explain``
    carries, for less work. Amounts, statuses and reasons are the same.
    ``priors``: earlier payments a claims ledger supplies, one tuple per
    insured person, counted after the person's own ``prior_payments``.
    Raises :class:`ClaimError` if the claim does not fit the product (unknown
    level, zone or guarantee; a fact or rate the settlement needs is missing);
    its lines name ``source`` (the claim's file), or else the claim id.
    """
    table = rates or _NO_RATES
    if claim.rates:
        own = RateTable(
            Fixing(currency=r.currency, date=r.date, units_per_eur=r.units_per_eur, source="claim")
            for r in claim.rates
        )
        table = own.merged(table)
    s = Settling(claim, product, table, source or claim.claim_id, steps, priors)
    check(s)
    s.persons = [s.new_person(i, person) for i, person in enumerate(claim.insured)]
    for step in STEPS:
        step(s)
    return Settlement(  # in field order: tests/test_settle_steps.py pins it
        claim.claim_id,
        product.id,
        product.edition,
        claim.level,
        product.sha256,
        claim.event.id,
        claim.event.date.isoformat(),
        claim.event.zone,
        [
            InsuredResult(ref=p.insured.ref, age=p.age, lines=[_result(w) for w in p.lines])
            for p in s.persons
        ],
    )


_PAID, _REDUCED, _REFUSED = Status.PAID, Status.REDUCED, Status.REFUSED


def _result(work: LineWork) -> LineResult:
    status = _PAID
    if work.paid == 0:
        status = _REFUSED
    else:
        for step in work.trace:
            if step.code in CAPPING:
                status = _REDUCED
                break
    guarantee = work.guarantee
    # In field order, not by keyword: a call with a dozen keywords matches
    # each against the parameter names (measured: keyword calls were ~5% of a
    # claim's instructions). tests/test_settle_steps.py pins the order.
    return LineResult(
        work.line_id,
        guarantee.code,
        guarantee.title,
        work.plan.kind,
        guarantee.source.article,
        work.claimed,
        work.loss,  # assessed_loss
        work.deductible,
        work.limit,
        work.paid,
        status,
        work.trace,
    )


__all__ = ["STEPS", "proportional_shares", "settle"]
