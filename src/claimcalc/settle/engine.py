"""The settlement engine: apply a product's rules to a claim, in domain.md's order.

For every line: cover at the level → eligibility → exclusions → quantification
→ franchigie/scoperti (once per claim where the contract says "per sinistro")
→ limits innermost first (per-period limits reduced by prior payments) →
alternatives → rounding half up to the cent; then per-event caps across the
insured persons of the claim, with shares that add up to the cap exactly.

Every step that changes an amount, or refuses a line, is recorded with a
reason code and the article that causes it. Nothing here knows a product:
articles, amounts and conditions all come from the product file.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from functools import lru_cache, partial

from claimcalc.claim.model import Claim, Expense, Insured, Line
from claimcalc.errors import ClaimError
from claimcalc.money import CENT, format_eur, round_cents
from claimcalc.product.model import (
    Amount,
    Condition,
    CoverEnds,
    DocumentedCost,
    EligibilityRule,
    EventDuringTrip,
    EventInDestination,
    Exclusion,
    FixedSum,
    Franchigia,
    Guarantee,
    InvalidityThreshold,
    Limit,
    MaxAge,
    MaxTripDays,
    ObjectValues,
    OncePerPeriod,
    PercentOfSumInsured,
    PolicyWindow,
    PriorAuthorisation,
    Product,
    ProRataTripCost,
    ReportingDeadline,
    Requires,
    Scope,
    Scoperto,
    Section,
    Token,
    Unit,
    UnitAllowance,
    WaitingPeriod,
    WithinTimeOfEvent,
    iter_fact_tests,
)
from claimcalc.settle.conditions import Test, compiled, evaluate, unknown_facts
from claimcalc.settle.rates import Fixing, RateTable
from claimcalc.settlement import (
    CAPPING,
    REASON_CODES,
    Code,
    InsuredResult,
    LimitApplied,
    LineResult,
    Settlement,
    Status,
    Step,
    TraceStep,
)

ZERO = Decimal(0)
_Refusal = tuple[Code, str] | None
_CappedChain = tuple[tuple[Limit, str, Decimal], ...]  # each limit with its id and cap
_ExclusionTests = tuple[Exclusion, Test, Test | None]  # the exclusion, its when, its except_when
_NO_RATES = RateTable()
# Statuses as module names: an enum member looked up on its class costs a call.
_PAID, _REDUCED, _REFUSED = Status.PAID, Status.REDUCED, Status.REFUSED
_FRANCHIGIA_OR_SCOPERTO = Franchigia | Scoperto  # built once, not at each isinstance
_TOTAL_SCOPES = frozenset({Scope.PER_SINISTRO, Scope.PER_TRIP, Scope.PER_INSURED_PER_PERIOD})


def settle(
    claim: Claim,
    product: Product,
    rates: RateTable | None = None,
    source: str | None = None,
    steps: bool = True,
) -> Settlement:
    """Settle a claim under a product: an itemised :class:`Settlement`.

    ``rates`` adds ECB fixings to those in the claim (the claim's win).
    ``steps=False`` keeps in each line's trace only the steps that refuse or
    reduce it (its reasons): what a batch record without ``--explain``
    carries, for less work. Amounts, statuses and reasons are the same.
    Raises :class:`ClaimError` if the claim does not fit the product (unknown
    level, zone or guarantee; a fact or rate the settlement needs is missing);
    its lines name ``source`` (the claim's file), or else the claim id.
    """
    table = rates or _NO_RATES
    if claim.rates:
        own = RateTable(Fixing(r.currency, r.date, r.units_per_eur, "claim") for r in claim.rates)
        table = own.merged(table)
    context = _Context(claim, product, table, source or claim.claim_id, steps)
    context.check()
    insured = [context.settle_person(i, person) for i, person in enumerate(claim.insured)]
    context.apply_event_caps(insured)
    return Settlement(  # in field order (see _result)
        claim.claim_id,
        product.id,
        product.edition,
        claim.level,
        product.sha256,
        claim.event.id,
        claim.event.date.isoformat(),
        claim.event.zone,
        insured,
    )


# --------------------------------------------------------------------------- working state


@dataclass(slots=True)
class _Work:
    """A line being settled."""

    position: tuple[int, int]
    line_id: str
    line: Line
    plan: _Plan
    section: Section  # the plan's: read often enough to be worth a slot
    guarantee: Guarantee
    facts: dict[str, object]
    zone: str
    all_steps: bool  # False: only the steps that refuse or reduce it (its reasons)
    trace: list[TraceStep] = field(default_factory=list)
    refused: bool = False
    claimed: Decimal | None = None
    loss: Decimal = ZERO
    deductible: Decimal = ZERO
    value: Decimal = ZERO
    by_category: dict[str, Decimal] = field(default_factory=dict)
    exception_limit: tuple[Decimal, str] | None = None
    limit: LimitApplied | None = None
    chain: _CappedChain | None = None  # found at the limits step
    paid: Decimal = ZERO
    dropped_as_alternative: bool = False

    def note(
        self,
        step: Step,
        code: Code,
        article: str,
        text: str | Callable[[], str],
        amount: Decimal | None = None,
    ) -> None:
        """Record a step; ``text`` may be a function, called only if the text is read."""
        if self.all_steps or code in REASON_CODES:
            self.trace.append(TraceStep(step, code, article, text, amount))

    def refuse(self, step: Step, code: Code, article: str, text: str) -> None:
        self.refused = True
        self.value = ZERO
        self.note(step, code, article, text, ZERO)


@dataclass(frozen=True, slots=True)
class _Plan:
    """What settling a line of one guarantee needs from the product: found once.

    Plans live in the product's memo (products are immutable), so a batch
    looks each guarantee's rules up once, not once per line.
    """

    section: Section
    guarantee: Guarantee
    own_limits: tuple[Limit, ...]  # the section's, then the guarantee's
    # Each rule with its check, for a requirement on the facts its condition
    # compiled (checked in place of a call), and, where its answer is the
    # claim's (the same for every line, so checked once a claim), its key.
    eligibility: tuple[
        tuple[EligibilityRule, Callable[..., _Refusal], Test | None, int | None], ...
    ]
    window: WithinTimeOfEvent | None  # expenses count only this long after the event
    rate_limits: tuple[Limit, ...]  # per day / night / hour / block
    unit_count_limits: tuple[Limit, ...]  # caps counted in hours or days
    chain_candidates: tuple[Limit, ...]  # caps on the line's total, guarantee's first
    chain_tests: tuple[Test | None, ...]  # each candidate's applies_when, compiled
    chain_facts: tuple[str, ...]  # the facts those conditions read
    kind: str  # the guarantee's kind, as text
    # Claim-level exclusions in contract order with their conditions compiled,
    # those that hold on no facts at all (a negation can), and for each fact
    # the exclusions that test it.
    exclusion_tests: tuple[_ExclusionTests, ...]
    always_excluding: tuple[int, ...]
    exclusions_by_fact: dict[str, tuple[int, ...]]
    uncovered_by: dict[tuple[str, str], Limit | None]  # by level and zone, found when asked
    exclusions_for: dict[tuple[str, ...], tuple[_ExclusionTests, ...]]  # by the facts stated

    @classmethod
    def of(cls, product: Product, code: str) -> _Plan:
        try:
            plan: _Plan = product.memo["plans"][code]
        except KeyError:
            plans: dict[str, _Plan] = product.memo.setdefault("plans", {})
            section, guarantee = product.section_of(code), product.guarantee(code)
            rules = (*product.eligibility, *section.eligibility, *guarantee.eligibility)
            own_limits = (*section.limits, *guarantee.limits)
            general = [e for e in product.exclusions if section.code not in e.not_for]
            exclusions = tuple(
                e
                for e in (*general, *section.exclusions, *guarantee.exclusions)
                if e.per == "claim"
            )
            by_fact: dict[str, list[int]] = defaultdict(list)
            for i, exclusion in enumerate(exclusions):
                for fact in {t.fact for _, t in iter_fact_tests(exclusion.when)}:
                    by_fact[fact].append(i)
            candidates = tuple(
                lim
                for lim in (*guarantee.limits, *section.limits)
                if lim.scope in _TOTAL_SCOPES and lim.unit is Unit.EUR
            )
            plan = plans[code] = cls(
                section=section,
                guarantee=guarantee,
                own_limits=own_limits,
                eligibility=tuple(
                    (
                        rule,
                        _CHECKS[rule.kind],
                        _requirement(rule),
                        id(rule) if rule.kind in _CLAIM_WIDE else None,
                    )
                    for rule in rules
                    if rule.kind != "within_time_of_event"  # applied per expense
                    # The destination bought limits only sections zoned by the event.
                    and (rule.kind != "event_in_destination" or section.zone_basis == "event")
                ),
                window=next((r for r in rules if isinstance(r, WithinTimeOfEvent)), None),
                rate_limits=tuple(lim for lim in guarantee.limits if lim.scope.is_unit_rate),
                unit_count_limits=tuple(
                    lim
                    for lim in own_limits
                    if lim.unit is not Unit.EUR and lim.scope in _TOTAL_SCOPES
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
                always_excluding=tuple(
                    i for i, e in enumerate(exclusions) if evaluate(e.when, {}) is True
                ),
                exclusions_by_fact={fact: tuple(at) for fact, at in by_fact.items()},
                exclusions_for={},
                uncovered_by={},
            )
        return plan


class _Context:
    def __init__(
        self, claim: Claim, product: Product, rates: RateTable, source: str, steps: bool = True
    ) -> None:
        self.source = source
        self.steps = steps
        self.claim = claim
        self.product = product
        self.rates = rates
        self.level = claim.level
        self.problems: list[tuple[str, str]] = []
        # The answers of the eligibility checks that depend on the claim alone.
        self._claim_wide: dict[int, _Refusal] = {}
        self._plans: dict[str, _Plan] = product.memo.setdefault("plans", {})
        self._chains: dict[object, list[Limit]] = product.memo.setdefault("chains", {})
        # Chains by guarantee and their answers (_chains), and by guarantee and
        # the values of the facts their conditions read (see _chain).
        self._chains_by_facts: dict[tuple[object, ...], list[Limit]] = product.memo.setdefault(
            "chains_by_facts", {}
        )
        # Chains with their caps, by the chain (kept in _chains) and the
        # level and zone that price it.
        self._capped: dict[tuple[int, str, str], _CappedChain] = product.memo.setdefault(
            "capped_chains", {}
        )

    # ----------------------------------------------------------------- checks

    def check(self) -> None:
        """Everything a claim must state for this product, reported at once."""
        product, claim = self.product, self.claim
        if claim.level not in product.level_ids:
            self.problem(
                "level",
                f"no level {claim.level!r} in {product.ref} "
                f"(levels: {', '.join(product.level_ids)})",
            )
        for where, zone in (("policy.zone", claim.policy.zone), ("event.zone", claim.event.zone)):
            if zone not in product.zone_ids:
                self.problem(where, f"unknown zone {zone!r} (zones: {', '.join(product.zone_ids)})")
        if claim.edition and claim.edition != product.edition:
            self.problem(
                "edition", f"the claim names edition {claim.edition}, the product is {product.ref}"
            )
        needs_role = product.memo.get("needs_role")
        if needs_role is None:
            needs_role = product.memo["needs_role"] = any(
                isinstance(r, MaxAge) and r.roles for r in product.eligibility
            )
        for i, person in enumerate(claim.insured):
            if needs_role and person.role is None:
                self.problem(f"insured[{i}].role", f"required by {product.ref}: student or teacher")
            for k, payment in enumerate(person.prior_payments):
                if not product.has_guarantee(payment.guarantee):
                    self.problem(
                        f"insured[{i}].prior_payments[{k}].guarantee",
                        f"unknown guarantee {payment.guarantee!r} in {product.ref}",
                    )
            for j, line in enumerate(person.lines):
                if not product.has_guarantee(line.guarantee):
                    self.problem(
                        f"{_line_at(i, j)}.guarantee",
                        f"unknown guarantee {line.guarantee!r} in {product.ref}",
                    )
                    continue
                self._check_line(i, j, line)
        self._raise_problems()

    def _check_line(self, i: int, j: int, line: Line) -> None:
        plan = self._plans.get(line.guarantee) or _Plan.of(self.product, line.guarantee)
        guarantee, rate_limits = plan.guarantee, plan.rate_limits
        formula = guarantee.formula
        if isinstance(formula, ObjectValues) and not line.objects:
            self.problem(
                f"{_line_at(i, j)}.objects",
                f"{guarantee.code} is settled on baggage objects: list them",
            )
        if isinstance(formula, DocumentedCost) and not line.expenses:
            self.problem(
                f"{_line_at(i, j)}.expenses",
                f"{guarantee.code} is settled on documented expenses: list them",
            )
        if isinstance(formula, DocumentedCost) and rate_limits:
            for k, expense in enumerate(line.expenses):
                if expense.units is None:
                    self.problem(
                        f"{_line_at(i, j)}.expenses[{k}].units",
                        f"required by {rate_limits[0].id} ({rate_limits[0].scope.value})",
                    )
        for k, expense in enumerate(line.expenses):
            if expense.currency != "EUR":
                self._check_rate(f"{_line_at(i, j)}.expenses[{k}]", expense.currency, expense.date)
        for k, obj in enumerate(line.objects):
            if obj.currency != "EUR":
                self._check_rate(f"{_line_at(i, j)}.objects[{k}]", obj.currency, obj.date)

    def _check_rate(self, at: str, currency: str, day: dt.date) -> None:
        days = self.product.currency.fallback_days
        if self.rates.lookup(currency, day, days) is None:
            self.problem(
                f"{at}.currency",
                f"no ECB rate for {currency} on {day} or the {days} days before; "
                "give it in the claim's rates or with --rates",
            )

    def problem(self, where: str, message: str) -> None:
        self.problems.append((where, message))

    def _raise_problems(self) -> None:
        if self.problems:
            problems, self.problems = self.problems, []
            raise ClaimError(self.source, problems)

    # ----------------------------------------------------------------- one person

    def settle_person(self, index: int, person: Insured) -> InsuredResult:
        age = self.age(person)
        base: dict[str, object] = {**self.claim.event.facts, **person.facts, "age": age}
        if person.role is not None:
            base["role"] = person.role
        works = [self._new_work(index, j, line, base) for j, line in enumerate(person.lines)]
        for work in works:
            self._cover(work)
            self._eligibility(work, person, age)
            self._exclusions(work)
            self._quantify(work, person)
        self._raise_problems()
        dropped = self._limits_and_deductibles(works, person)
        if dropped:
            # An alternative was dropped: settle the rest again without it, so
            # that it consumes no limit and takes no deductible.
            for work in works:
                self._reset_after_quantification(work)
            self._limits_and_deductibles(works, person)
        for work in works:
            self._round(work)
        return InsuredResult(person.ref, age, [self._result(w) for w in works])

    def _new_work(self, i: int, j: int, line: Line, base: dict[str, object]) -> _Work:
        plan = self._plans.get(line.guarantee) or _Plan.of(self.product, line.guarantee)
        facts = {**base, **line.facts}
        return _Work(
            (i, j),
            line.id or str(j + 1),
            line,
            plan,
            plan.section,
            plan.guarantee,
            facts,
            self._zone(plan.section),
            self.steps,
        )

    def age(self, person: Insured) -> int:
        if person.age_at_subscription is not None:
            return person.age_at_subscription
        assert person.birth_date is not None
        issued, born = self.claim.policy.issue_date, person.birth_date
        return issued.year - born.year - ((issued.month, issued.day) < (born.month, born.day))

    # ----------------------------------------------------------------- 1. cover

    def _cover(self, work: _Work) -> None:
        section, guarantee = work.section, work.guarantee
        levels = self.product.covered_levels(section, guarantee)
        if self.level not in levels:
            name = next(lv.name for lv in self.product.levels if lv.id == self.level)
            article = (guarantee.source if guarantee.levels else section.source).article
            work.refuse(
                Step.COVER,
                Code.NOT_COVERED_AT_LEVEL,
                article,
                f"{section.title} is not covered by {name}",
            )
            return
        limit = self._uncovered_by(work.plan, work.zone)
        if limit is not None:
            zone = next(z.name for z in self.product.zones if z.id == work.zone)
            work.refuse(
                Step.COVER,
                Code.NOT_COVERED_IN_ZONE,
                limit.source.article,
                f"not covered in {zone}",
            )

    def _uncovered_by(self, plan: _Plan, zone: str) -> Limit | None:
        """The guarantee's first limit that says "not covered" at the level and zone."""
        key = (self.level, zone)
        try:
            return plan.uncovered_by[key]
        except KeyError:
            found = plan.uncovered_by[key] = next(
                (
                    limit
                    for limit in plan.own_limits
                    if self.product.limit_amount(limit.id, self.level, zone) is Token.NOT_COVERED
                ),
                None,
            )
            return found

    # ----------------------------------------------------------------- 2. eligibility

    def _eligibility(self, work: _Work, person: Insured, age: int) -> None:
        if work.refused:
            return
        facts = work.facts
        answers = self._claim_wide
        for rule, check, test, key in work.plan.eligibility:
            if test is None:
                if key is not None:  # the claim's answer: once a claim
                    if key in answers:
                        refusal = answers[key]
                    else:
                        refusal = answers[key] = check(self, rule, work, person, age)
                else:
                    refusal = check(self, rule, work, person, age)
                if refusal is None:
                    continue
            else:  # a requirement on the facts, compiled (see _Plan.of)
                holds = test(facts)
                if holds is True:
                    continue
                assert isinstance(rule, Requires)
                if holds is None:
                    self._incomplete(rule, work)
                    continue
                refusal = (Code.CONDITION_NOT_MET, rule.text)
            code, text = refusal
            work.refuse(Step.ELIGIBILITY, code, rule.source.article, text)
            return

    # Each eligibility check takes (rule, line, person, age) and returns a
    # refusal (code, text), or None when the rule is met.

    def _max_age(self, rule: MaxAge, work: _Work, person: Insured, age: int) -> _Refusal:
        if rule.roles and person.role not in rule.roles:
            return None
        if age > rule.age:
            return Code.AGE_CAP, f"aged {age} at subscription; the cap is {rule.age}"
        return None

    def _max_trip_days(self, rule: MaxTripDays, work: _Work, person: Insured, age: int) -> _Refusal:
        trip = self.claim.trip
        days = (trip.return_date - trip.departure_date).days + 1
        if days > rule.days:
            return Code.TRIP_TOO_LONG, f"the trip lasts {days} days; at most {rule.days}"
        return None

    def _in_policy(self, rule: PolicyWindow, work: _Work, person: Insured, age: int) -> _Refusal:
        trip = self.claim.trip
        start, end = self._policy_window(rule)
        if trip.departure_date < start:
            return (
                Code.OUTSIDE_POLICY_PERIOD,
                f"departure {trip.departure_date} is before the policy starts ({start})",
            )
        if end is not None and trip.return_date > end:
            return (
                Code.OUTSIDE_POLICY_PERIOD,
                f"return {trip.return_date} is after the policy ends ({end})",
            )
        return None

    def _in_destination(
        self, rule: EventInDestination, work: _Work, person: Insured, age: int
    ) -> _Refusal:
        # Only sections zoned by the event carry this rule (see _Plan.of).
        claim = self.claim
        if self.product.zone_index(claim.event.zone) > self.product.zone_index(claim.policy.zone):
            return Code.OUTSIDE_DESTINATION, (
                f"the event happened in {claim.event.zone}, outside the destination bought "
                f"({claim.policy.zone})"
            )
        return None

    def _during_trip(
        self, rule: EventDuringTrip, work: _Work, person: Insured, age: int
    ) -> _Refusal:
        trip, event = self.claim.trip, self.claim.event.date
        # Day counts, not date arithmetic: a timedelta costs more than the test.
        if event < trip.departure_date or (event - trip.return_date).days > rule.days_after_return:
            last = trip.return_date + dt.timedelta(days=rule.days_after_return)
            return (
                Code.OUTSIDE_TRIP,
                f"the event ({event}) is not during the trip ({trip.departure_date} to {last})",
            )
        return None

    def _cover_ends(self, rule: CoverEnds, work: _Work, person: Insured, age: int) -> _Refusal:
        departure, event = self.claim.trip.departure_date, self.claim.event.date
        if event > departure:
            return Code.COVER_ENDED, f"cover ends at departure ({departure}); the event is {event}"
        return None

    def _once(self, rule: OncePerPeriod, work: _Work, person: Insured, age: int) -> _Refusal:
        codes = {g.code for g in work.section.guarantees}
        paid = [p for p in person.prior_payments if p.guarantee in codes and p.amount > 0]
        if paid:
            return (
                Code.ONCE_PER_PERIOD,
                f"already paid once in this policy period (on {paid[0].date})",
            )
        return None

    def _authorised(
        self, rule: PriorAuthorisation, work: _Work, person: Insured, age: int
    ) -> _Refusal:
        if work.facts.get("authorised") is True:
            return None
        if self._documented_total(work) > rule.above:
            above = "" if rule.above == 0 else f" above {format_eur(rule.above)}"
            return (
                Code.NO_AUTHORISATION,
                f"no prior authorisation (practice number) for expenses{above}",
            )
        return None

    def _incomplete(self, rule: Requires, work: _Work) -> None:
        """The claim does not state a fact the requirement needs: a problem, not a refusal."""
        missing = ", ".join(sorted(set(unknown_facts(rule.when, work.facts))))
        self.problem(
            f"insured[{work.position[0]}].lines[{work.position[1]}].facts",
            f"{work.guarantee.code} needs {missing} ({rule.source.article}: {rule.text})",
        )
        work.refused = True

    def _no_check(self, rule: EligibilityRule, work: _Work, person: Insured, age: int) -> _Refusal:
        # Applied elsewhere: within_time_of_event per expense, requires in place
        # (_eligibility, with its condition compiled).
        return None

    def _policy_window(self, rule: PolicyWindow) -> tuple[dt.date, dt.date | None]:
        policy = self.claim.policy
        start = policy.start_date or policy.issue_date
        if policy.end_date is not None:
            return start, policy.end_date
        if rule.duration_months is None:
            return start, None
        return start, _last_day(start, rule.duration_months)

    def _waiting(self, rule: WaitingPeriod, work: _Work, person: Insured, age: int) -> _Refusal:
        event = self.claim.event.date
        if rule.from_ == "policy_issue":
            issued = self.claim.policy.issue_date
            # Cover starts at 24:00 of the n-th day after issue: day n+1 onwards.
            if (event - issued).days <= rule.days:
                first = issued + dt.timedelta(days=rule.days + 1)
                return Code.WAITING_PERIOD, (
                    f"the event ({event}) is before cover starts "
                    f"({first}: 24:00 of day {rule.days} after issue)"
                )
            return None
        enrolled = self.claim.trip.booking_date
        if enrolled is None:
            self.problem("trip.booking_date", "required: cover starts at enrolment")
            return None
        if (event - enrolled).days < rule.days:
            return Code.WAITING_PERIOD, f"the event ({event}) is before enrolment ({enrolled})"
        return None

    def _deadline(
        self, rule: ReportingDeadline, work: _Work, person: Insured, age: int
    ) -> _Refusal:
        claim = self.claim
        anchor = claim.event.date
        if rule.from_ == "return":
            anchor = claim.trip.return_date
        elif rule.from_ == "renunciation":
            anchor = work.line.renunciation_date or anchor
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
        if (claim.reported_on - anchor).days > allowed:
            work.facts["reported_late"] = True
            span = f"{rule.days} days" if rule.days is not None else f"{rule.hours} hours"
            what = rule.from_.replace("_", " ")
            return Code.REPORTED_LATE, (
                f"reported on {claim.reported_on}, more than {span} after the {what} ({anchor})"
            )
        work.facts.setdefault("reported_late", False)
        return None

    def _documented_total(self, work: _Work) -> Decimal:
        return sum((self._eur(e.amount, e.currency, e.date) for e in work.line.expenses), ZERO)

    # ----------------------------------------------------------------- 3. exclusions

    def _exclusions(self, work: _Work) -> None:
        if work.refused:
            return
        facts = work.facts
        for exclusion, holds, excepted in self._exclusions_to_check(work):
            if holds(facts) is not True:
                continue
            article = exclusion.source.article
            if excepted is not None and excepted(facts):
                if exclusion.exception_limit is not None:
                    work.exception_limit = (exclusion.exception_limit, article)
                work.note(
                    Step.EXCLUSION,
                    Code.EXCEPTION_LIMIT if exclusion.exception_limit else Code.EXCEPTION_APPLIES,
                    article,
                    partial(_labelled, "exception applies:", exclusion.except_when),
                )
                continue
            work.refuse(Step.EXCLUSION, Code.EXCLUDED, article, f"excluded: {exclusion.text}")
            return

    def _exclusions_to_check(self, work: _Work) -> tuple[_ExclusionTests, ...]:
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

    # ----------------------------------------------------------------- 4. quantification

    def _quantify(self, work: _Work, person: Insured) -> None:
        if work.refused:
            return
        formula = work.guarantee.formula
        if isinstance(formula, DocumentedCost):
            self._documented(work, formula)
        elif isinstance(formula, ObjectValues):
            self._objects(work)
        elif isinstance(formula, UnitAllowance):
            self._allowance(work, formula)
        elif isinstance(formula, ProRataTripCost):
            self._pro_rata(work, formula)
        elif isinstance(formula, PercentOfSumInsured):
            self._percent(work, formula)
        else:
            self._fixed(work, formula, person)
        carrier = work.facts.get("carrier_compensation")
        if carrier is not None and Decimal(str(carrier)) > 0 and work.loss > 0:
            paid = Decimal(str(carrier))
            work.loss = max(ZERO, work.loss - paid)
            work.note(
                Step.QUANTIFICATION,
                Code.CARRIER_PAID,
                work.guarantee.formula.source.article,
                f"less {format_eur(paid)} already paid by the carrier",
                work.loss,
            )
        work.value = work.loss
        if (
            not work.refused
            and work.loss == 0
            and not any(s.code is Code.BELOW_THRESHOLD for s in work.trace)
        ):
            work.note(
                Step.QUANTIFICATION,
                Code.DOCUMENTED,
                work.guarantee.formula.source.article,
                "nothing to pay",
                ZERO,
            )

    def _eur(self, amount: Decimal, currency: str, day: dt.date) -> Decimal:
        if currency == "EUR":
            return amount
        fixing = self.rates.lookup(currency, day, self.product.currency.fallback_days)
        assert fixing is not None  # checked up front
        return amount / fixing.units_per_eur

    def _convert(
        self, work: _Work, amount: Decimal, currency: str, day: dt.date, what: str
    ) -> Decimal:
        eur = self._eur(amount, currency, day)
        if currency != "EUR":
            fixing = self.rates.lookup(currency, day, self.product.currency.fallback_days)
            assert fixing is not None
            when = "" if fixing.date == day else f" (last fixing before {day})"
            work.note(
                Step.QUANTIFICATION,
                Code.CURRENCY,
                self.product.currency.source.article,
                partial(_currency_text, what, amount, currency, fixing, when, eur),
            )
        return eur

    def _documented(self, work: _Work, formula: DocumentedCost) -> None:
        article = formula.source.article
        expenses = work.line.expenses
        if len(expenses) > 1:
            expenses = tuple(sorted(expenses, key=lambda e: e.date))
        window, rate_limits = work.plan.window, work.plan.rate_limits
        units_left: Decimal | None = None
        if rate_limits:
            units = self.product.limit_max_units(rate_limits[0].id, self.level, work.zone)
            units_left = units if isinstance(units, Decimal) else None
        total = ZERO
        claimed = ZERO
        for expense in expenses:
            eur = expense.amount
            if expense.currency != "EUR":
                label = expense.label or f"expense of {expense.date}"
                eur = self._convert(work, eur, expense.currency, expense.date, label)
            claimed += eur
            if window is not None and not _within(window, self.claim.event.date, expense.date):
                work.note(
                    Step.ELIGIBILITY,
                    Code.OUT_OF_TIME,
                    window.source.article,
                    f"expense of {expense.date} is later than {_window_text(window)} "
                    "after the event",
                )
                continue
            if rate_limits:
                eur = self._unit_rate(work, expense, eur, rate_limits, units_left)
                if units_left is not None and expense.units is not None:
                    units_left = max(ZERO, units_left - expense.units)
            work.by_category[expense.category] = work.by_category.get(expense.category, ZERO) + eur
            total += eur
        if work.plan.unit_count_limits:
            total = self._unit_count_caps(work, expenses, total)
        _assessed(work, claimed, total, article, "documented cost")
        if formula.proportional_to_insured_value:
            self._underinsurance(work, formula)

    def _unit_rate(
        self,
        work: _Work,
        expense: Expense,
        eur: Decimal,
        rate_limits: Sequence[Limit],
        units_left: Decimal | None,
    ) -> Decimal:
        if not rate_limits or expense.units is None:
            return eur
        limit = rate_limits[0]
        rate = self.product.limit_amount(limit.id, self.level, work.zone)
        units = expense.units if units_left is None else min(expense.units, units_left)
        if units < expense.units:
            work.note(
                Step.QUANTIFICATION,
                Code.PER_UNIT_CAP,
                limit.source.article,
                f"{expense.units} units claimed, {units} left of the maximum",
            )
        if not isinstance(rate, Decimal):
            return eur * units / expense.units if expense.units else eur
        cap = rate * units
        if eur > cap:
            work.note(
                Step.QUANTIFICATION,
                Code.PER_UNIT_CAP,
                limit.source.article,
                f"{format_eur(round_cents(eur))} for {expense.units} units: at most "
                f"{format_eur(rate)} each for {units} = {format_eur(cap)}",
            )
            return cap
        return eur * units / expense.units if expense.units else eur

    def _unit_count_caps(self, work: _Work, expenses: Sequence[Expense], total: Decimal) -> Decimal:
        """Limits counted in hours or days (guardia giurata 10 h; 100 days of hospital)."""
        units = ZERO
        for expense in expenses:
            if expense.units is not None:
                units += expense.units
        if not units:  # none counted: no count can exceed its cap
            return total
        for limit in work.plan.unit_count_limits:
            cap = self.product.limit_amount(limit.id, self.level, work.zone)
            if isinstance(cap, Decimal) and units > cap and total > 0:
                reduced = total * cap / units
                work.note(
                    Step.QUANTIFICATION,
                    Code.UNITS_CAP,
                    limit.source.article,
                    f"{units} {limit.unit.value} claimed, at most {cap}: "
                    f"{format_eur(round_cents(reduced))}",
                    reduced,
                )
                factor = cap / units
                work.by_category = {k: v * factor for k, v in work.by_category.items()}
                total = reduced
        return total

    def _underinsurance(self, work: _Work, formula: DocumentedCost) -> None:
        trip = self.claim.trip
        if trip.insured_value is None or trip.cost is None or trip.insured_value >= trip.cost:
            return
        factor = trip.insured_value / trip.cost
        work.loss *= factor
        work.by_category = {k: v * factor for k, v in work.by_category.items()}
        work.note(
            Step.QUANTIFICATION,
            Code.UNDERINSURANCE,
            formula.source.article,
            f"insured value {format_eur(trip.insured_value)} below the trip cost "
            f"{format_eur(trip.cost)} (c.c. 1907)",
            work.loss,
        )

    def _objects(self, work: _Work) -> None:
        article = work.guarantee.formula.source.article
        per_object = next(
            (lim for lim in work.guarantee.limits if lim.scope is Scope.PER_OBJECT), None
        )
        cap: Decimal | None = None
        if per_object is not None:
            amount = self.product.limit_amount(per_object.id, self.level, work.zone)
            cap = amount if isinstance(amount, Decimal) else None
            if per_object.percent_of_parent is not None and per_object.parent is not None:
                parent = self.product.limit_amount(per_object.parent, self.level, work.zone)
                if isinstance(parent, Decimal):
                    share = parent * per_object.percent_of_parent / 100
                    cap = share if cap is None else min(cap, share)
        exclusions = [
            e for e in (*work.section.exclusions, *work.guarantee.exclusions) if e.per == "object"
        ]
        total = claimed = ZERO
        for k, obj in enumerate(work.line.objects):
            name = obj.label or f"object {k + 1}"
            eur = self._convert(work, obj.value, obj.currency, obj.date, name)
            claimed += eur
            facts = {
                **work.facts,
                "object_category": obj.category,
                "object_checked_in": obj.checked_in,
                "object_left_in_vehicle": obj.left_in_vehicle,
                "object_secured_in_vehicle": obj.secured_in_vehicle,
            }
            excluded = next((e for e in exclusions if _excludes(e, facts)), None)
            if excluded is not None:
                work.note(
                    Step.EXCLUSION,
                    Code.OBJECT_EXCLUDED,
                    excluded.source.article,
                    f"{name}: {excluded.text}",
                )
                continue
            if cap is not None and eur > cap:
                assert per_object is not None
                work.note(
                    Step.QUANTIFICATION,
                    Code.PER_OBJECT_CAP,
                    per_object.source.article,
                    f"{name}: {format_eur(round_cents(eur))} counts {format_eur(cap)} "
                    "(per-object limit)",
                )
                eur = cap
            total += eur
        _assessed(work, claimed, total, article, "assessed value")

    def _allowance(self, work: _Work, formula: UnitAllowance) -> None:
        limit = self.product.limit(formula.rate_limit)
        hours = self._needed_number(work, formula.units_fact, formula.source.article)
        if hours is None:
            return
        if formula.min_exclusive is not None and hours <= formula.min_exclusive:
            work.refuse(
                Step.QUANTIFICATION,
                Code.BELOW_THRESHOLD,
                formula.source.article,
                f"{hours} hours is not more than {formula.min_exclusive}",
            )
            return
        rate = self.product.limit_amount(limit.id, self.level, work.zone)
        assert isinstance(rate, Decimal)
        size = Decimal(limit.block_hours or 1)
        blocks = (hours / size).to_integral_value(rounding=ROUND_DOWN)
        work.loss = rate * blocks
        work.note(
            Step.QUANTIFICATION,
            Code.ALLOWANCE,
            formula.source.article,
            f"{hours} hours = {blocks} complete blocks of {size} hours × {format_eur(rate)}",
            work.loss,
        )

    def _pro_rata(self, work: _Work, formula: ProRataTripCost) -> None:
        trip = self.claim.trip
        if trip.cost is None:
            self.problem(
                "trip.cost", f"required by {work.guarantee.code} ({formula.source.article})"
            )
            work.refused = True
            return
        unused = self._needed_number(work, "unused_days", formula.source.article)
        if unused is None:
            return
        fees = (trip.fees or ZERO) if formula.net_of else ZERO
        base = trip.cost - fees
        span = (trip.return_date - trip.departure_date).days
        divisor = span + 1 if formula.divide_by == "days" else max(span, 1)
        unused = min(unused, Decimal(divisor))
        work.loss = base / divisor * unused
        work.claimed = None
        work.note(
            Step.QUANTIFICATION,
            Code.PRO_RATA,
            formula.source.article,
            f"{format_eur(base)} / {divisor} {formula.divide_by} × {unused} unused days",
            work.loss,
        )

    def _percent(self, work: _Work, formula: PercentOfSumInsured) -> None:
        amount = self.product.limit_amount(formula.sum_insured, self.level, work.zone)
        percent = self._needed_number(work, formula.percent_fact, formula.source.article)
        if percent is None or not isinstance(amount, Decimal):
            return
        percent = min(percent, Decimal(100))
        work.loss = amount * percent / 100
        work.note(
            Step.QUANTIFICATION,
            Code.PERCENT_OF_SUM,
            formula.source.article,
            f"{percent}% of {format_eur(amount)}",
            work.loss,
        )

    def _fixed(self, work: _Work, formula: FixedSum, person: Insured) -> None:
        amount = self.product.limit_amount(formula.sum_insured, self.level, work.zone)
        assert isinstance(amount, Decimal)
        work.loss = amount
        work.note(
            Step.QUANTIFICATION,
            Code.FIXED_SUM,
            formula.source.article,
            f"sum insured {format_eur(amount)}",
            amount,
        )
        already = sum(
            (
                p.amount
                for p in person.prior_payments
                if p.same_accident and p.guarantee in formula.less_paid_under
            ),
            ZERO,
        )
        if already <= 0:
            return
        if formula.only_if_sum_exceeds is not None:
            other = self.product.limit_amount(formula.only_if_sum_exceeds, self.level, work.zone)
            if isinstance(other, Decimal) and amount <= other:
                work.refuse(
                    Step.QUANTIFICATION,
                    Code.ALREADY_PAID,
                    formula.source.article,
                    f"{format_eur(already)} already paid for invalidity; the death sum "
                    f"does not exceed the invalidity sum, so no top-up is due",
                )
                return
        work.loss = max(ZERO, amount - already)
        work.note(
            Step.QUANTIFICATION,
            Code.ALREADY_PAID,
            formula.source.article,
            f"less {format_eur(already)} already paid for the same accident",
            work.loss,
        )

    def _needed_number(self, work: _Work, fact: str, article: str) -> Decimal | None:
        value = work.facts.get(fact)
        if value is None:
            self.problem(
                f"insured[{work.position[0]}].lines[{work.position[1]}].facts.{fact}",
                f"required by {work.guarantee.code} ({article})",
            )
            work.refused = True
            return None
        return Decimal(str(value))

    # ----------------------------------------------------------------- 5–6. deductibles, limits

    def _reset_after_quantification(self, work: _Work) -> None:
        keep = [s for s in work.trace if s.step not in (Step.DEDUCTIBLE, Step.LIMIT)]
        work.trace = keep
        work.deductible = ZERO
        work.limit = None
        work.chain = None
        if not work.refused:
            work.value = work.loss

    def _limits_and_deductibles(self, works: list[_Work], person: Insured) -> bool:
        """Deductibles per section, limits innermost first, then alternatives.

        Returns True when an alternative was dropped (the caller settles again).
        """
        prior = self._prior_by_limit(person)
        for section_code, group in _by_section(works):
            self._section_deductibles(section_code, group, prior)
        for work in works:
            self._guarantee_deductibles(work)
        consumed: dict[str, Decimal] = {}
        for work in works:
            if not work.refused:
                self._limits(work, consumed, prior)
        return self._alternatives(works)

    def _section_deductibles(
        self, section_code: str, works: list[_Work], prior: dict[str, Decimal]
    ) -> None:
        section = works[0].section
        live = [w for w in works if not w.refused and w.value > 0]
        for deductible in section.deductibles:
            article = deductible.source.article
            if isinstance(deductible, InvalidityThreshold):
                continue
            payable = []
            for work in live:
                waived = deductible.waived_when is not None and evaluate(
                    deductible.waived_when, work.facts
                )
                if waived:
                    code = (
                        Code.FRANCHIGIA_WAIVED
                        if isinstance(deductible, Franchigia)
                        else Code.SCOPERTO_WAIVED
                    )
                    work.note(
                        Step.DEDUCTIBLE,
                        code,
                        article,
                        partial(_labelled, f"no {deductible.kind}:", deductible.waived_when),
                    )
                else:
                    payable.append(work)
            if not payable:
                continue
            if isinstance(deductible, Franchigia):
                amount, code = deductible.amount, Code.FRANCHIGIA
                text = f"franchigia {format_eur(amount)} per {deductible.per}"
            else:
                total = sum((w.value for w in payable), ZERO)
                amount = total * deductible.percent / 100
                if deductible.minimum is not None:
                    amount = max(amount, deductible.minimum)
                code = Code.SCOPERTO
                text = f"scoperto {deductible.percent}% of {format_eur(round_cents(total))}"
                if deductible.minimum is not None:
                    text += f", minimum {format_eur(deductible.minimum)}"
            # Once for the section. Where it lands changes what is paid (a line
            # over its sub-limit absorbs it), so it is taken where it costs the
            # insured least: see _cheapest_allocation.
            for work, take in self._cheapest_allocation(works, payable, amount, prior):
                work.deductible += take
                work.value -= take
                share = (
                    ""
                    if take == amount
                    else f"; {format_eur(round_cents(take))} taken on this line"
                )
                work.note(
                    Step.DEDUCTIBLE,
                    code,
                    article,
                    f"{text}, once for section {section_code}{share}",
                    work.value,
                )

    def _cheapest_allocation(
        self,
        section_works: list[_Work],
        payable: list[_Work],
        amount: Decimal,
        prior: dict[str, Decimal],
    ) -> list[tuple[_Work, Decimal]]:
        """How much of a section deductible each line takes, costing the insured least.

        The section is settled once without it (dry). What a limit cut from
        a line absorbs the deductible for free — the limit still binds — so it
        is taken there first; any rest costs the insured one for one wherever
        it lands, and is taken in line order.

        A line's dry result depends only on the lines before it, so the dry
        run goes in line order and stops once the deductible is placed.
        """
        if len(payable) == 1:  # it all lands on the one line, whatever limits do
            take = min(amount, payable[0].value)
            return [(payable[0], take)] if take > 0 else []
        consumed: dict[str, Decimal] = {}
        takes = [ZERO] * len(payable)
        left = amount
        k = 0  # the next payable line (payable lines are in section order)
        for work in section_works:  # free: what limits cut anyway
            if k == len(payable) or left <= 0:
                break
            if work.refused:
                continue
            after_limits = self._limits(work, consumed, prior, dry=True)
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

    def _guarantee_deductibles(self, work: _Work) -> None:
        if work.refused:
            return
        for deductible in work.guarantee.deductibles:
            article = deductible.source.article
            if isinstance(deductible, InvalidityThreshold):
                formula = work.guarantee.formula
                if not isinstance(formula, PercentOfSumInsured):
                    continue
                percent = Decimal(str(work.facts.get(formula.percent_fact, 0)))
                sum_insured = self.product.limit_amount(formula.sum_insured, self.level, work.zone)
                assert isinstance(sum_insured, Decimal)
                if percent <= deductible.percent:
                    take = work.value
                    text = f"invalidity {percent}% is not above {deductible.percent}%"
                elif deductible.mode == "absolute":
                    take = sum_insured * deductible.percent / 100
                    text = (
                        f"absolute threshold: only the points above {deductible.percent}% are paid"
                    )
                else:
                    take = ZERO
                    text = f"{percent}% is above the {deductible.percent}% threshold: paid in full"
                take = min(take, work.value)
                work.deductible += take
                work.value -= take
                work.note(Step.DEDUCTIBLE, Code.INVALIDITY_THRESHOLD, article, text, work.value)
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
                work.note(
                    Step.DEDUCTIBLE,
                    code,
                    article,
                    f"{deductible.kind} {format_eur(round_cents(take))}",
                    work.value,
                )

    def _chain(self, work: _Work) -> list[Limit]:
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
        memo = self._chains_by_facts
        try:
            chain, keyed = memo.get(key), True
        except TypeError:  # a set fact's list is no key: tested each time
            chain, keyed = None, False
        if chain is None:
            applies = tuple(test is None or test(facts) is True for test in plan.chain_tests)
            chain = self._chains.get((code, applies))
            if chain is None:  # built once per guarantee and answer
                chain = self._chains[code, applies] = self._build_chain(
                    [lim for lim, ok in zip(plan.chain_candidates, applies, strict=True) if ok]
                )
            if keyed:
                if len(memo) >= 4096:  # a number fact could take many values: kept small
                    memo.clear()
                memo[key] = chain
        return chain

    def _capped_chain(self, work: _Work) -> _CappedChain:
        """The line's chain, each limit that caps at the claim's level and the line's
        zone with its id and cap (an unlimited one neither caps nor is consumed)."""
        chain = self._chain(work)
        key = (id(chain), self.level, work.zone)
        capped = self._capped.get(key)
        if capped is None:
            amounts = [self.product.limit_amount(lim.id, self.level, work.zone) for lim in chain]
            capped = tuple(
                (limit, limit.id, cap)
                for limit, amount in zip(chain, amounts, strict=True)
                if (cap := self._cap_value(amount)) is not None
            )
            # A cap of "the trip cost" is the claim's own: not kept.
            if Token.TRIP_COST not in amounts:
                self._capped[key] = capped
        return capped

    def _build_chain(self, candidates: list[Limit]) -> list[Limit]:
        chosen: dict[str, Limit] = {}
        for limit in candidates:
            current: Limit | None = limit
            while current is not None and current.id not in chosen:
                chosen[current.id] = current
                current = self.product.limit(current.parent) if current.parent else None
        depth = {lid: self._depth(lim) for lid, lim in chosen.items()}
        return sorted(chosen.values(), key=lambda lim: -depth[lim.id])

    def _depth(self, limit: Limit) -> int:
        depth = 0
        while limit.parent:
            depth += 1
            limit = self.product.limit(limit.parent)
        return depth

    def _prior_by_limit(self, person: Insured) -> dict[str, Decimal]:
        """Prior payments in the policy period, by the per-period limits they consumed."""
        prior: dict[str, Decimal] = {}
        for payment in person.prior_payments:
            plan = _Plan.of(self.product, payment.guarantee)
            ghost = _Work(
                (0, 0),
                "",
                Line(guarantee=payment.guarantee),
                plan,
                plan.section,
                plan.guarantee,
                {"age": self.age(person)},
                self.claim.event.zone,
                False,
            )
            for limit in self._chain(ghost):
                if limit.scope is Scope.PER_INSURED_PER_PERIOD:
                    prior[limit.id] = prior.get(limit.id, ZERO) + payment.amount
        return prior

    def _limits(
        self,
        work: _Work,
        consumed: dict[str, Decimal],
        prior: dict[str, Decimal],
        dry: bool = False,
    ) -> Decimal:
        """Apply the line's chain of limits; return what the line pays after them.

        ``dry``: only compute it (to place a section deductible): the line is
        left as it was and nothing is recorded, but ``consumed`` is charged.
        """
        chain = work.chain
        if chain is None:
            chain = work.chain = self._capped_chain(work)
        value = work.value
        for limit, limit_id, cap in chain:
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
                    if dry:
                        continue
                    work.limit = LimitApplied(limit.id, cap, limit.source.article)
                    work.note(
                        Step.LIMIT,
                        Code.LIMIT,
                        limit.source.article,
                        f"{limit.title or limit.id}: {', '.join(limit.applies_to)} capped at "
                        f"{format_eur(cap)}",
                        value,
                    )
                continue
            if dry:
                value = min(value, left)
            elif value > left:
                code = Code.PERIOD_LIMIT_USED if used_before > 0 or used_here > 0 else Code.LIMIT
                text = f"limit {format_eur(cap)} ({_scope_text(limit)})"
                if used_before > 0:
                    text += f"; {format_eur(used_before)} already paid in the policy period"
                if used_here > 0:
                    text += (
                        f"; {format_eur(round_cents(used_here))} used by other lines of this claim"
                    )
                value = left
                work.limit = LimitApplied(limit.id, cap, limit.source.article)
                work.note(Step.LIMIT, code, limit.source.article, text, value)
            elif work.all_steps:  # not a reason: skipped without the call
                work.note(
                    Step.LIMIT,
                    Code.WITHIN_LIMIT,
                    limit.source.article,
                    partial(_within_text, limit, cap, left),
                    value,
                )
        if work.exception_limit is not None and value > work.exception_limit[0]:
            cap, article = work.exception_limit
            value = cap
            if not dry:
                work.limit = LimitApplied("exception", cap, article)
                work.note(
                    Step.LIMIT,
                    Code.EXCEPTION_LIMIT,
                    article,
                    f"covered up to {format_eur(cap)}",
                    value,
                )
        # Round the line here, once, so that the shared limits it consumes hold
        # exactly what is paid: lines sharing a limit then add up to it.
        rounded = round_cents(value)
        if rounded != value and not dry and work.all_steps:
            work.note(
                Step.ROUNDING,
                Code.ROUNDED,
                "",
                partial(_amount_text, "rounded half up to", rounded),
                rounded,
            )
        for _, limit_id, _ in chain:
            used = consumed.get(limit_id)
            consumed[limit_id] = rounded if used is None else used + rounded
        if not dry:
            work.value = rounded
        return rounded

    def _cap_value(self, amount: Amount) -> Decimal | None:
        if isinstance(amount, Decimal):
            return amount
        if amount is Token.TRIP_COST:
            return self.claim.trip.cost
        if amount is Token.NOT_COVERED:
            return ZERO
        return None  # unlimited, included, not applicable

    def _alternatives(self, works: list[_Work]) -> bool:
        dropped = False
        if len(works) < 2:  # alternatives are two guarantees claimed together
            return dropped
        for alternative in self.product.alternatives:
            group = [
                w for w in works if w.guarantee.code in alternative.guarantees and not w.refused
            ]
            if len({w.guarantee.code for w in group}) < 2:
                continue
            best = max(group, key=lambda w: (w.value, -works.index(w)))
            for work in group:
                if work is best or work.dropped_as_alternative:
                    continue
                work.dropped_as_alternative = True
                dropped = True
                best_title = best.guarantee.title
                work.refuse(
                    Step.ALTERNATIVE,
                    Code.ALTERNATIVE,
                    alternative.source.article,
                    f"not cumulable with {best.guarantee.code} ({best_title}), which pays more: "
                    f"{format_eur(round_cents(best.value))}",
                )
        return dropped

    # ----------------------------------------------------------------- 7. rounding

    def _round(self, work: _Work) -> None:
        # Lines that reached the limits step were rounded there.
        work.paid = round_cents(ZERO if work.refused else work.value)

    def _result(self, work: _Work) -> LineResult:
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
        # each against the parameter names (measured: keyword calls were ~5%
        # of a claim's instructions).
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

    # ----------------------------------------------------------------- event caps

    def apply_event_caps(self, insured: list[InsuredResult]) -> None:
        """Per-event caps across insured persons: exact proportional shares."""
        capped = self.product.memo.get("event_capped")
        if capped is None:  # the guarantees with a per-event limit
            capped = self.product.memo["event_capped"] = frozenset(
                g.code
                for section in self.product.sections
                for g in section.guarantees
                if any(lim.scope is Scope.PER_EVENT for lim in (*section.limits, *g.limits))
            )
        by_limit: dict[str, list[tuple[LineResult, Limit]]] = {}
        for person in insured:
            for result in person.lines:
                if result.guarantee not in capped or result.paid <= 0:
                    continue
                for limit in _Plan.of(self.product, result.guarantee).own_limits:
                    if limit.scope is Scope.PER_EVENT:
                        by_limit.setdefault(limit.id, []).append((result, limit))
        for limit_id, members in by_limit.items():
            limit = members[0][1]
            zone = self._zone(self.product.section_of(members[0][0].guarantee))
            cap = self._cap_value(self.product.limit_amount(limit_id, self.level, zone))
            total = sum((r.paid for r, _ in members), ZERO)
            if cap is None or total <= cap:
                continue
            shares = proportional_shares([r.paid for r, _ in members], cap)
            for (result, _), share in zip(members, shares, strict=True):
                before = result.paid
                result.paid = share
                result.status = _REFUSED if share == 0 else _REDUCED
                result.limit = LimitApplied(limit_id, cap, limit.source.article)
                result.trace.append(
                    TraceStep(
                        Step.EVENT_CAP,
                        Code.EVENT_CAP,
                        limit.source.article,
                        f"event cap {format_eur(cap)} for {len(members)} lines totalling "
                        f"{format_eur(total)}: {format_eur(before)} reduced in proportion",
                        share,
                    )
                )

    def _zone(self, section: Section) -> str:
        """The zone that selects a section's limits: the event's, or the destination bought."""
        return self.claim.event.zone if section.zone_basis == "event" else self.claim.policy.zone


def _assessed(work: _Work, claimed: Decimal, loss: Decimal, article: str, label: str) -> None:
    """A line's claimed amount and assessed loss; the step only in a full trace."""
    work.claimed = claimed
    work.loss = loss
    if work.all_steps:  # not a reason: skipped without the call
        work.note(
            Step.QUANTIFICATION,
            Code.DOCUMENTED,
            article,
            partial(_amount_text, label, loss),
            loss,
        )


def _line_at(i: int, j: int) -> str:
    """Where a line is in the claim; written only for a problem: most lines have none."""
    return f"insured[{i}].lines[{j}]"


# Checks that read only the claim's policy, trip and event (dates, zones).
_CLAIM_WIDE = frozenset(
    {"max_trip_days", "policy_window", "event_during_trip", "cover_ends", "event_in_destination"}
)

_CHECKS: dict[str, Callable[..., _Refusal]] = {
    "max_age": _Context._max_age,
    "max_trip_days": _Context._max_trip_days,
    "policy_window": _Context._in_policy,
    "event_in_destination": _Context._in_destination,
    "event_during_trip": _Context._during_trip,
    "waiting_period": _Context._waiting,
    "cover_ends": _Context._cover_ends,
    "reporting_deadline": _Context._deadline,
    "once_per_period": _Context._once,
    "prior_authorisation": _Context._authorised,
    "within_time_of_event": _Context._no_check,
    "requires": _Context._no_check,
}


def proportional_shares(amounts: Sequence[Decimal], cap: Decimal) -> list[Decimal]:
    """Reduce amounts in proportion so they add up to ``cap`` exactly, to the cent.

    Each share is rounded down to the cent; the cents left over go one each to
    the largest remainders, ties to the earlier amount (domain.md "cumulo").
    """
    total = sum(amounts, ZERO)
    if total <= cap:
        return list(amounts)
    exact = [a * cap / total for a in amounts]
    floors = [e.quantize(CENT, rounding=ROUND_DOWN) for e in exact]
    left = int(((cap - sum(floors, ZERO)) / CENT).to_integral_value())
    order = sorted(range(len(amounts)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += CENT
    return floors


# --------------------------------------------------------------------------- helpers


def _by_section(works: Iterable[_Work]) -> list[tuple[str, list[_Work]]]:
    groups: dict[str, list[_Work]] = {}
    for work in works:
        groups.setdefault(work.section.code, []).append(work)
    return list(groups.items())


def _requirement(rule: EligibilityRule) -> Test | None:
    return compiled(rule.when) if isinstance(rule, Requires) else None


def _compiled_or_none(condition: Condition | None) -> Test | None:
    return None if condition is None else compiled(condition)


def _excludes(exclusion: Exclusion, facts: dict[str, object]) -> bool:
    if evaluate(exclusion.when, facts) is not True:
        return False
    return not (exclusion.except_when is not None and evaluate(exclusion.except_when, facts))


def _within(rule: WithinTimeOfEvent, event: dt.date, day: dt.date) -> bool:
    if rule.days is not None:  # a day count: no timedelta to build
        return (day - event).days <= rule.days
    assert rule.years is not None
    return day <= _add_months(event, 12 * rule.years)


def _window_text(rule: WithinTimeOfEvent) -> str:
    return f"{rule.days} days" if rule.days is not None else f"{rule.years} years"


@lru_cache(maxsize=4096)  # the policies of a batch start on few days
def _last_day(start: dt.date, months: int) -> dt.date:
    """The last day of a policy of ``months`` months from ``start``."""
    return _add_months(start, months) - dt.timedelta(days=1)


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


# Texts of steps that only the full trace shows: written when read (TraceStep.text).


def _amount_text(label: str, amount: Decimal) -> str:
    return f"{label} {format_eur(round_cents(amount))}"


def _labelled(label: str, condition: object) -> str:
    return f"{label} {condition}"


def _within_text(limit: Limit, cap: Decimal, left: Decimal) -> str:
    return (
        f"within {limit.title or limit.id} {format_eur(cap)} ({format_eur(round_cents(left))} left)"
    )


def _currency_text(
    what: str, amount: Decimal, currency: str, fixing: Fixing, when: str, eur: Decimal
) -> str:
    return (
        f"{what}: {amount} {currency} at {fixing.units_per_eur} per EUR of "
        f"{fixing.date}{when} = {format_eur(round_cents(eur))}"
    )


_SCOPE_TEXT = {
    Scope.PER_SINISTRO: "per claim",
    Scope.PER_TRIP: "per trip",
    Scope.PER_INSURED_PER_PERIOD: "per insured, per policy period",
}


def _scope_text(limit: Limit) -> str:
    return _SCOPE_TEXT.get(limit.scope) or limit.scope.value


__all__ = ["proportional_shares", "settle"]
