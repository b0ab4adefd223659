"""What settling needs from a product, found once per product: its plan.

Products are immutable, so everything the steps look up in them — a
guarantee's rules, its limits by kind, its exclusions with their conditions
compiled, chains of limits — is worked out once and kept in a typed
:class:`ProductPlan` attached to the product. A batch then looks each
guarantee's rules up once, not once per line.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from claimcalc.product.model import (
    Condition,
    EligibilityRule,
    EventDuringTrip,
    Exclusion,
    ExpensesDuringTrip,
    Guarantee,
    Limit,
    MaxAge,
    PolicyWindow,
    Product,
    ReportingDeadline,
    Requires,
    Scope,
    Section,
    Unit,
    WithinTimeOfEvent,
    iter_fact_tests,
)
from claimcalc.settlement import Code
from claimcalc.settling.conditions import Test, compiled, evaluate

Refusal = tuple[Code, str] | None
#: An eligibility check: (settling, rule, line, person) → a refusal or None.
Check = Callable[..., Refusal]
CappedChain = tuple[tuple[Limit, str, Decimal], ...]  # each limit with its id and cap
ExclusionTests = tuple[Exclusion, Test, Test | None]  # the exclusion, its when, its except_when

#: Scopes of limits on a line's total (the others are rates per unit, per
#: object or per event, applied elsewhere).
TOTAL_SCOPES = frozenset({Scope.PER_SINISTRO, Scope.PER_TRIP, Scope.PER_INSURED_PER_PERIOD})

#: Eligibility checks that read only the claim's policy, trip and event: their
#: answer is the same for every line, so it is found once a claim.
CLAIM_WIDE = frozenset(
    {"max_trip_days", "policy_window", "event_during_trip", "event_in_destination"}
)


@dataclass(frozen=True, slots=True)
class EligibilityCheck:
    rule: EligibilityRule
    requirement: Test | None  # a ``requires`` rule's condition, compiled: tested in place
    claim_wide_key: int | None  # where the claim's answer is kept, for a claim-wide check


@dataclass(frozen=True, slots=True)
class GuaranteePlan:
    """What settling a line of one guarantee needs from the product."""

    section: Section
    guarantee: Guarantee
    own_limits: tuple[Limit, ...]  # the section's, then the guarantee's
    eligibility: tuple[EligibilityCheck, ...]
    deadlines: tuple[ReportingDeadline, ...]  # the reporting deadlines among them
    window: WithinTimeOfEvent | None  # expenses count only this long after the event
    trip_end: ExpensesDuringTrip | None  # expenses count only up to the return day
    rate_limits: tuple[Limit, ...]  # per day / night / hour / block
    unit_count_limits: tuple[Limit, ...]  # caps counted in hours or days
    chain_candidates: tuple[Limit, ...]  # caps on the line's total, guarantee's first
    chain_tests: tuple[Test | None, ...]  # each candidate's applies_when, compiled
    chain_facts: tuple[str, ...]  # the facts those conditions read
    kind: str  # the guarantee's kind, as text
    # Claim-level exclusions in contract order with their conditions compiled,
    # those that hold on no facts at all (a negation can), and for each fact
    # the exclusions that test it.
    exclusion_tests: tuple[ExclusionTests, ...]
    always_excluding: tuple[int, ...]
    exclusions_by_fact: dict[str, tuple[int, ...]]
    object_exclusions: tuple[Exclusion, ...]  # tested on each baggage object
    uncovered_by: dict[tuple[str, str], Limit | None]  # by level and zone, found when asked
    exclusions_for: dict[tuple[str, ...], tuple[ExclusionTests, ...]]  # by the facts stated


@dataclass(slots=True)
class ProductPlan:
    """A product's plan: its guarantees' plans and the memos of chains of limits."""

    product: Product
    guarantees: dict[str, GuaranteePlan] = field(default_factory=dict)
    # Chains by guarantee and the answers of their candidates' conditions, and
    # by guarantee and the values of the facts those conditions read.
    chains: dict[tuple[str, tuple[bool, ...]], list[Limit]] = field(default_factory=dict)
    chains_by_facts: dict[tuple[object, ...], list[Limit]] = field(default_factory=dict)
    # Chains with their caps, by the chain and the level and zone that price it.
    capped_chains: dict[tuple[int, str, str], CappedChain] = field(default_factory=dict)
    # The limits (id, scope) a prior payment counts against, by its guarantee and the
    # insured's age: a payment's chain reads no other fact (limits.prior_payments).
    prior_limits: dict[tuple[str, object], tuple[tuple[str, Scope], ...]] = field(
        default_factory=dict
    )
    # Each guarantee's eligibility rules with their checks (kept by the eligibility step).
    checks: dict[str, tuple[tuple[EligibilityCheck, Check], ...]] = field(default_factory=dict)
    needs_role: bool = False  # an age cap depends on the role (Wi School)
    event_capped: frozenset[str] = frozenset()  # guarantees with a per-event limit
    alternating: frozenset[str] = frozenset()  # guarantees named by an alternative
    #: The rule that sets the policy period's length, if any (eligibility.claim_period).
    policy_window: PolicyWindow | None = None

    @classmethod
    def of(cls, product: Product) -> ProductPlan:
        plan = product._settling_plan
        if plan is None:
            plan = product._settling_plan = cls(
                product,
                needs_role=any(isinstance(r, MaxAge) and r.roles for r in product.eligibility),
                alternating=frozenset(code for a in product.alternatives for code in a.guarantees),
                event_capped=frozenset(
                    g.code
                    for section in product.sections
                    for g in section.guarantees
                    if any(lim.scope is Scope.PER_EVENT for lim in (*section.limits, *g.limits))
                ),
                policy_window=next(
                    (r for r in product.eligibility if isinstance(r, PolicyWindow)), None
                ),
            )
        return plan  # type: ignore[no-any-return]  # the product's one plan, made here

    def guarantee(self, code: str) -> GuaranteePlan:
        found = self.guarantees.get(code)
        if found is None:
            found = self.guarantees[code] = _guarantee_plan(self.product, code)
        return found

    def build_chain(self, candidates: list[Limit]) -> list[Limit]:
        """The candidates and their parents, innermost first (sub-limits before parents)."""
        product = self.product
        chosen: dict[str, Limit] = {}
        for limit in candidates:
            current: Limit | None = limit
            while current is not None and current.id not in chosen:
                chosen[current.id] = current
                current = product.limit(current.parent) if current.parent else None
        depth = {lid: self._depth(lim) for lid, lim in chosen.items()}
        return sorted(chosen.values(), key=lambda lim: -depth[lim.id])

    def _depth(self, limit: Limit) -> int:
        depth = 0
        while limit.parent:
            depth += 1
            limit = self.product.limit(limit.parent)
        return depth


def _guarantee_plan(product: Product, code: str) -> GuaranteePlan:
    section, guarantee = product.section_of(code), product.guarantee(code)
    rules = (*product.eligibility, *section.eligibility, *guarantee.eligibility)
    on_trip = any(isinstance(rule, EventDuringTrip) for rule in rules)
    own_limits = (*section.limits, *guarantee.limits)
    general = [e for e in product.exclusions if section.code not in e.not_for]
    exclusions = tuple(
        e for e in (*general, *section.exclusions, *guarantee.exclusions) if e.per == "claim"
    )
    by_fact: dict[str, list[int]] = defaultdict(list)
    for i, exclusion in enumerate(exclusions):
        for fact in {t.fact for _, t in iter_fact_tests(exclusion.when)}:
            by_fact[fact].append(i)
    documented = guarantee.formula.kind == "documented_cost"
    candidates = tuple(
        lim
        for lim in (*guarantee.limits, *section.limits)
        if lim.scope in TOTAL_SCOPES and lim.unit is Unit.EUR
    )
    return GuaranteePlan(
        section=section,
        guarantee=guarantee,
        own_limits=own_limits,
        eligibility=tuple(
            EligibilityCheck(
                rule=rule,
                requirement=compiled(rule.when) if isinstance(rule, Requires) else None,
                claim_wide_key=id(rule) if rule.kind in CLAIM_WIDE else None,
            )
            for rule in rules
            # A documented cost's window and trip end are applied per expense (quantify).
            if not (rule.kind in ("within_time_of_event", "expenses_during_trip") and documented)
            # The destination bought limits where an event may happen: sections zoned by
            # the event, and those whose event happens during the trip (Wi School B, zoned
            # by the destination); a cancellation's may happen anywhere.
            and (rule.kind != "event_in_destination" or section.zone_basis == "event" or on_trip)
        ),
        deadlines=tuple(r for r in rules if isinstance(r, ReportingDeadline)),
        window=next((r for r in rules if isinstance(r, WithinTimeOfEvent)), None),
        trip_end=next((r for r in rules if isinstance(r, ExpensesDuringTrip)), None),
        rate_limits=tuple(lim for lim in guarantee.limits if lim.scope.is_unit_rate),
        unit_count_limits=tuple(
            lim for lim in own_limits if lim.unit is not Unit.EUR and lim.scope in TOTAL_SCOPES
        ),
        chain_candidates=candidates,
        chain_tests=tuple(_compiled_or_none(lim.applies_when) for lim in candidates),
        chain_facts=tuple(
            sorted(
                {
                    test.fact
                    for lim in candidates
                    if lim.applies_when is not None
                    for _, test in iter_fact_tests(lim.applies_when)
                }
            )
        ),
        kind=guarantee.kind.value,
        exclusion_tests=tuple(
            (e, compiled(e.when), _compiled_or_none(e.except_when)) for e in exclusions
        ),
        always_excluding=tuple(i for i, e in enumerate(exclusions) if evaluate(e.when, {}) is True),
        exclusions_by_fact={fact: tuple(at) for fact, at in by_fact.items()},
        object_exclusions=tuple(
            e for e in (*section.exclusions, *guarantee.exclusions) if e.per == "object"
        ),
        exclusions_for={},
        uncovered_by={},
    )


def _compiled_or_none(condition: Condition | None) -> Test | None:
    return None if condition is None else compiled(condition)
