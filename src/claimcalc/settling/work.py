"""The state of a claim while it is settled: the claim, each person, each line.

Every step takes the same argument, a :class:`Settling`, and moves its lines
forward; the engine runs the steps in domain.md's order. A line being
settled is a :class:`LineWork`: what it is (its plan, facts and zone), what
was assessed so far, and its trace of steps.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from claimcalc.claim.model import Claim, Insured, Line, PriorPayment
from claimcalc.errors import ClaimError
from claimcalc.product.model import Guarantee, Product, Section
from claimcalc.settlement import REASON_CODES, Code, LimitApplied, TraceStep
from claimcalc.settling.plan import CappedChain, GuaranteePlan, ProductPlan
from claimcalc.settling.rates import Fixing, RateTable

ZERO = Decimal(0)


@dataclass(slots=True)
class LineWork:
    """A line being settled.

    Built positionally once per line (a keyword call costs more on this path);
    tests/test_settle_steps.py pins the order of the first nine fields.
    """

    position: tuple[int, int]
    line_id: str
    line: Line
    plan: GuaranteePlan
    section: Section  # the plan's: read often enough to be worth a slot
    guarantee: Guarantee
    facts: dict[str, object]
    zone: str
    all_steps: bool  # False: only the steps that refuse or reduce it (its reasons)
    trace: list[TraceStep] = field(default_factory=list)
    refused: bool = False
    claimed: Decimal | None = None
    loss: Decimal = ZERO  # the assessed loss (danno indennizzabile)
    deductible: Decimal = ZERO
    value: Decimal = ZERO  # what the line pays after the steps so far
    by_category: dict[str, Decimal] = field(default_factory=dict)
    exception_limit: tuple[Decimal, str] | None = None
    limit: LimitApplied | None = None
    chain: CappedChain | None = None  # found at the limits step
    paid: Decimal = ZERO

    def note(
        self,
        code: Code,
        article: str,
        text: str | Callable[[], str],
        amount: Decimal | None = None,
    ) -> None:
        """Record a step; ``text`` may be a function, called only if the text is read."""
        if self.all_steps or code in REASON_CODES:
            self.trace.append(TraceStep(code.step, code, article, text, amount))

    def refuse(self, code: Code, article: str, text: str) -> None:
        self.refused = True
        self.value = ZERO
        self.note(code, article, text, ZERO)


@dataclass(slots=True)
class PersonWork:
    """One insured person's lines: a sinistro."""

    index: int
    insured: Insured
    age: int
    lines: list[LineWork]
    #: The earlier payments the settlement counts: the claim's own, then a
    #: ledger's (:meth:`Settling.payments_of`).
    payments: tuple[PriorPayment, ...]
    #: Earlier payments in the policy period, by the per-period limit they consumed.
    prior: dict[str, Decimal] = field(default_factory=dict)
    #: The claims (ids) whose earlier payments used each limit in ``prior``.
    prior_claims: dict[str, list[str]] = field(default_factory=dict)


class Settling:
    """A claim being settled under a product: what every step reads and moves on."""

    __slots__ = (
        "claim",
        "claim_wide",
        "level",
        "persons",
        "plan",
        "priors",
        "problems",
        "product",
        "rates",
        "source",
        "steps",
    )

    def __init__(
        self,
        claim: Claim,
        product: Product,
        rates: RateTable,
        source: str,
        steps: bool,
        priors: Sequence[tuple[PriorPayment, ...]] | None = None,
    ) -> None:
        self.claim = claim
        self.priors = priors
        self.product = product
        self.plan: ProductPlan = ProductPlan.of(product)
        self.rates = rates
        self.level = claim.level
        self.source = source
        self.steps = steps
        self.problems: list[tuple[str, str]] = []
        # The answers of the eligibility checks that depend on the claim alone.
        self.claim_wide: dict[int, tuple[Code, str] | None] = {}
        self.persons: list[PersonWork] = []

    def problem(self, where: str, message: str) -> None:
        """Something the claim must state for this product and does not."""
        self.problems.append((where, message))

    def raise_problems(self) -> None:
        if self.problems:
            # A claim-wide fact missing is found once per line that needs it: said once.
            problems, self.problems = list(dict.fromkeys(self.problems)), []
            raise ClaimError(self.source, problems)

    def zone(self, section: Section) -> str:
        """The zone that selects a section's limits: the event's, or the destination bought."""
        return self.claim.event.zone if section.zone_basis == "event" else self.claim.policy.zone

    def eur(self, amount: Decimal, currency: str, day: dt.date) -> Decimal:
        """An amount in euro at the ECB rate of its day (Imaway 1.15, Wi School 1.15)."""
        if currency == "EUR":
            return amount
        return amount / self.fixing(currency, day).units_per_eur

    def fixing(self, currency: str, day: dt.date) -> Fixing:
        fixing = self.rates.lookup(currency, day, self.product.currency.fallback_days)
        assert fixing is not None  # checked before any step (settle.check)
        return fixing

    def new_person(self, index: int, person: Insured) -> PersonWork:
        age = age_at_subscription(self.claim, person)
        base: dict[str, object] = {**self.claim.event.facts, **person.facts, "age": age}
        if person.role is not None:
            base["role"] = person.role
        lines = [self.new_line(index, j, line, base) for j, line in enumerate(person.lines)]
        return PersonWork(index, person, age, lines, self.payments_of(index, person))

    def payments_of(self, index: int, person: Insured) -> tuple[PriorPayment, ...]:
        """The earlier payments counted for the claim's ``index``-th person: the
        claim's own ``prior_payments``, then those a claims ledger supplies
        (``priors``, one tuple per person: the claim itself is not copied)."""
        if self.priors is None:
            return person.prior_payments
        return (*person.prior_payments, *self.priors[index])

    def new_line(self, i: int, j: int, line: Line, base: dict[str, object]) -> LineWork:
        # The plan is found in place: a call per line costs more than the lookup.
        plan = self.plan.guarantees.get(line.guarantee) or self.plan.guarantee(line.guarantee)
        return LineWork(  # in field order: see LineWork
            (i, j),
            line.id or str(j + 1),
            line,
            plan,
            plan.section,
            plan.guarantee,
            {**base, **line.facts},
            self.zone(plan.section),
            self.steps,
        )


def age_at_subscription(claim: Claim, person: Insured) -> int:
    """Age in whole years at the policy's issue (Imaway 1.3, domain.md)."""
    if person.age_at_subscription is not None:
        return person.age_at_subscription
    assert person.birth_date is not None  # the claim reader requires one of the two
    issued, born = claim.policy.issue_date, person.birth_date
    return issued.year - born.year - ((issued.month, issued.day) < (born.month, born.day))
