"""What :func:`claimcalc.settling.engine.settle` returns: an itemised settlement.

Every line says what was claimed, the loss assessed, the deductible, the
limit applied and what is paid, with a trace of steps, each with a reason
code and the article that causes it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from claimcalc.money import round_cents

_ZERO_CENTS = Decimal("0.00")


class Step(StrEnum):
    """The settlement steps of domain.md, in order."""

    COVER = "cover"
    ELIGIBILITY = "eligibility"
    EXCLUSION = "exclusion"
    QUANTIFICATION = "quantification"
    DEDUCTIBLE = "deductible"
    LIMIT = "limit"
    ALTERNATIVE = "alternative"
    ROUNDING = "rounding"
    EVENT_CAP = "event_cap"


class Effect(StrEnum):
    """What a reason code does to a line: the class a code belongs to."""

    REFUSES = "refuses"  # the line pays nothing
    CAPS = "caps"  # a limit or cap cuts what is paid: the line is "reduced"
    DEDUCTS = "deducts"  # a deductible or an earlier payment is taken off
    INFORMS = "informs"  # a step that changes nothing the insured would contest


class Code(StrEnum):
    """Reason codes: stable, for scripts. Each is declared once, with the step
    that records it, its effect and what it means (docs/reason-codes.md is
    generated from these declarations)."""

    step: Step
    effect: Effect
    meaning: str

    def __new__(cls, value: str, step: Step, effect: Effect, meaning: str) -> Code:
        member = str.__new__(cls, value)
        member._value_ = value
        member.step = step
        member.effect = effect
        member.meaning = meaning
        return member

    NOT_COVERED_AT_LEVEL = (
        "not_covered_at_level",
        Step.COVER,
        Effect.REFUSES,
        "The section or guarantee is not included at the policy's level.",
    )
    NOT_COVERED_IN_ZONE = (
        "not_covered_in_zone",
        Step.COVER,
        Effect.REFUSES,
        "The guarantee is not covered in the zone that selects its limits.",
    )
    OUTSIDE_DESTINATION = (
        "outside_destination",
        Step.ELIGIBILITY,
        Effect.REFUSES,
        "The event happened outside the destination zone bought.",
    )
    AGE_CAP = (
        "age_cap",
        Step.ELIGIBILITY,
        Effect.REFUSES,
        "The insured's age at subscription is above the cap.",
    )
    TRIP_TOO_LONG = (
        "trip_too_long",
        Step.ELIGIBILITY,
        Effect.REFUSES,
        "The trip lasts longer than the product allows.",
    )
    OUTSIDE_POLICY_PERIOD = (
        "outside_policy_period",
        Step.ELIGIBILITY,
        Effect.REFUSES,
        "The trip starts before the policy or ends after it.",
    )
    OUTSIDE_TRIP = (
        "outside_trip",
        Step.ELIGIBILITY,
        Effect.REFUSES,
        "The event did not happen during the trip.",
    )
    WAITING_PERIOD = (
        "waiting_period",
        Step.ELIGIBILITY,
        Effect.REFUSES,
        "The event happened before the guarantee's cover started.",
    )
    COVER_ENDED = (
        "cover_ended",
        Step.ELIGIBILITY,
        Effect.REFUSES,
        "The event happened after the guarantee's cover ended.",
    )
    REPORTED_LATE = (
        "reported_late",
        Step.ELIGIBILITY,
        Effect.REFUSES,
        "The claim was reported after the contract's deadline.",
    )
    ONCE_PER_PERIOD = (
        "once_per_period",
        Step.ELIGIBILITY,
        Effect.REFUSES,
        "The guarantee pays once per policy period and has already paid.",
    )
    NO_AUTHORISATION = (
        "no_authorisation",
        Step.ELIGIBILITY,
        Effect.REFUSES,
        "Expenses that needed the Struttura Organizzativa's prior authorisation lack it.",
    )
    PRESUMED_NOT_AUTHORISED = (
        "presumed_not_authorised",
        Step.ELIGIBILITY,
        Effect.REFUSES,
        "The claim does not state `authorised`; the contract presumes no contact with the "
        "Struttura Organizzativa without a practice number (Imaway D2).",
    )
    OUT_OF_TIME = (
        "out_of_time",
        Step.ELIGIBILITY,
        Effect.CAPS,
        "An expense, a death or an invalidity came later than the contract allows (after the"
        " event, or an expense after the trip's end).",
    )
    CONDITION_NOT_MET = (
        "condition_not_met",
        Step.ELIGIBILITY,
        Effect.REFUSES,
        "A condition the guarantee requires of the facts does not hold.",
    )
    EXCLUDED = (
        "excluded",
        Step.EXCLUSION,
        Effect.REFUSES,
        "An exclusion applies.",
    )
    EXCEPTION_APPLIES = (
        "exception_applies",
        Step.EXCLUSION,
        Effect.INFORMS,
        "An exclusion would apply, but its exception holds.",
    )
    OBJECT_EXCLUDED = (
        "object_excluded",
        Step.EXCLUSION,
        Effect.CAPS,
        "One baggage object is excluded; the others count.",
    )
    CURRENCY = (
        "currency",
        Step.QUANTIFICATION,
        Effect.INFORMS,
        "A foreign amount converted to euro at the ECB reference rate.",
    )
    DOCUMENTED = (
        "documented",
        Step.QUANTIFICATION,
        Effect.INFORMS,
        "The loss assessed from the documents.",
    )
    NOTHING_TO_PAY = (
        "nothing_to_pay",
        Step.QUANTIFICATION,
        Effect.REFUSES,
        "The loss assessed is nil (no unused day, a cost of 0): the line pays nothing.",
    )
    PER_OBJECT_CAP = (
        "per_object_cap",
        Step.QUANTIFICATION,
        Effect.CAPS,
        "A baggage object counts at most its per-object limit.",
    )
    PER_UNIT_CAP = (
        "per_unit_cap",
        Step.QUANTIFICATION,
        Effect.CAPS,
        "An expense counts at most the rate per day, night, hour or block.",
    )
    UNITS_CAP = (
        "units_cap",
        Step.QUANTIFICATION,
        Effect.CAPS,
        "More hours or days claimed than the limit counts.",
    )
    CARRIER_PAID = (
        "carrier_paid",
        Step.QUANTIFICATION,
        Effect.CAPS,
        "What the carrier already paid is taken off the person's loss, once, in line order.",
    )
    PENALTY_AT_EVENT = (
        "penalty_at_event",
        Step.QUANTIFICATION,
        Effect.CAPS,
        "A late cancellation pays the penalty due on the day of the event; the higher penalty "
        "charged for the delay stays with the insured (Wi School F7, Imaway M7).",
    )
    UNDERINSURANCE = (
        "underinsurance",
        Step.QUANTIFICATION,
        Effect.CAPS,
        "The insured value is below the trip cost: paid in proportion (c.c. 1907).",
    )
    BELOW_THRESHOLD = (
        "below_threshold",
        Step.QUANTIFICATION,
        Effect.REFUSES,
        "The hours or units are not above the threshold the guarantee needs.",
    )
    ALLOWANCE = (
        "allowance",
        Step.QUANTIFICATION,
        Effect.INFORMS,
        "A fixed sum per complete unit (day, block of hours).",
    )
    PRO_RATA = (
        "pro_rata",
        Step.QUANTIFICATION,
        Effect.INFORMS,
        "The unused part of the trip cost.",
    )
    PERCENT_OF_SUM = (
        "percent_of_sum",
        Step.QUANTIFICATION,
        Effect.INFORMS,
        "A percentage of the sum insured.",
    )
    FIXED_SUM = (
        "fixed_sum",
        Step.QUANTIFICATION,
        Effect.INFORMS,
        "The whole sum insured.",
    )
    ALREADY_PAID = (
        "already_paid",
        Step.QUANTIFICATION,
        Effect.DEDUCTS,
        "What was already paid for the same accident is taken off (or no top-up is due).",
    )
    FRANCHIGIA = (
        "franchigia",
        Step.DEDUCTIBLE,
        Effect.DEDUCTS,
        "A fixed amount deducted from the loss.",
    )
    FRANCHIGIA_WAIVED = (
        "franchigia_waived",
        Step.DEDUCTIBLE,
        Effect.INFORMS,
        "The franchigia does not apply.",
    )
    SCOPERTO = (
        "scoperto",
        Step.DEDUCTIBLE,
        Effect.DEDUCTS,
        "A percentage of the loss left to the insured, with its minimum.",
    )
    SCOPERTO_WAIVED = (
        "scoperto_waived",
        Step.DEDUCTIBLE,
        Effect.INFORMS,
        "The scoperto does not apply.",
    )
    INVALIDITY_THRESHOLD = (
        "invalidity_threshold",
        Step.DEDUCTIBLE,
        Effect.DEDUCTS,
        "The invalidity threshold (franchigia on the percentage) is applied.",
    )
    LIMIT = (
        "limit",
        Step.LIMIT,
        Effect.CAPS,
        "A limit (massimale or sottomassimale) caps the line.",
    )
    WITHIN_LIMIT = (
        "within_limit",
        Step.LIMIT,
        Effect.INFORMS,
        "The line is within a limit.",
    )
    PERIOD_LIMIT_USED = (
        "period_limit_used",
        Step.LIMIT,
        Effect.CAPS,
        "A limit partly used by earlier payments or other lines caps the line.",
    )
    EXCEPTION_LIMIT = (
        "exception_limit",
        Step.LIMIT,
        Effect.CAPS,
        "Covered by an exclusion's exception, up to the exception's amount.",
    )
    ALTERNATIVE = (
        "alternative",
        Step.ALTERNATIVE,
        Effect.REFUSES,
        "Not cumulable with another guarantee of the claim, which pays more.",
    )
    ROUNDED = (
        "rounded",
        Step.ROUNDING,
        Effect.INFORMS,
        "Rounded half up to the cent.",
    )
    EVENT_CAP = (
        "event_cap",
        Step.EVENT_CAP,
        Effect.CAPS,
        "A cap per event shared by the insured persons, in proportion.",
    )


#: Codes that refuse or reduce a line: a line's reasons.
REASON_CODES = frozenset(c for c in Code if c.effect is not Effect.INFORMS)

#: Codes that make a paid line "reduced": caps and limits, not deductibles.
CAPPING = frozenset(c for c in Code if c.effect is Effect.CAPS)


class TraceStep:
    """One step of a line's settlement: what it did, why, and the amount after it.

    ``text`` may be given as a function that writes it: most steps' texts are
    only read when the full trace is printed (``--explain``, ``--steps``), and
    a batch settles thousands of lines a second without printing them.
    """

    __slots__ = ("_text", "amount", "article", "code", "step")

    def __init__(
        self,
        step: Step,
        code: Code,
        article: str,
        text: str | Callable[[], str],
        amount: Decimal | None = None,  # the line's amount after this step, EUR
    ) -> None:
        self.step = step
        self.code = code
        self.article = article
        self._text = text
        self.amount = amount

    @property
    def text(self) -> str:
        if not isinstance(self._text, str):
            self._text = self._text()
        return self._text

    def _key(self) -> tuple[object, ...]:
        return (self.step, self.code, self.article, self.text, self.amount)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TraceStep) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"TraceStep{self._key()!r}"


@dataclass(frozen=True, slots=True)
class LimitApplied:
    id: str
    amount: Decimal
    article: str


class Status(StrEnum):
    PAID = "paid"  # in full, after deductibles only
    REDUCED = "reduced"  # a limit, cap or alternative reduced it
    REFUSED = "refused"  # pays 0


@dataclass(slots=True)
class LineResult:
    line_id: str
    guarantee: str
    title: str
    kind: str
    article: str
    # Its expenses or objects in euro, refused or not; None: it claims no amount
    # (an allowance, a pro rata, a sum insured).
    claimed: Decimal | None
    assessed_loss: Decimal
    deductible: Decimal
    limit: LimitApplied | None
    paid: Decimal
    status: Status
    trace: list[TraceStep]

    @property
    def reasons(self) -> list[TraceStep]:
        """The steps that refused or reduced the line."""
        return [s for s in self.trace if s.code in REASON_CODES]

    def reason_text(self) -> str:
        reasons = self.reasons
        if not reasons:
            return ""
        return "; ".join(f"{r.text} ({r.article})" for r in reasons)


@dataclass(slots=True)
class InsuredResult:
    ref: str
    age: int
    lines: list[LineResult] = field(default_factory=list)

    @property
    def indemnity(self) -> Decimal:
        return self.totals()[0]

    @property
    def advances(self) -> Decimal:
        return self.totals()[1]

    def totals(self) -> tuple[Decimal, Decimal]:
        """Indemnities and advances paid, in one pass over the lines."""
        indemnity = advances = _ZERO_CENTS
        for line in self.lines:
            if line.kind == "advance":
                advances += line.paid
            else:
                indemnity += line.paid
        return indemnity, advances


@dataclass(slots=True)
class Settlement:
    claim_id: str
    product_id: str
    edition: str
    level: str
    product_sha256: str
    event_id: str | None
    event_date: str
    zone: str
    insured: list[InsuredResult]

    @property
    def indemnity(self) -> Decimal:
        return self.totals()[0]

    @property
    def advances(self) -> Decimal:
        return self.totals()[1]

    def totals(self) -> tuple[Decimal, Decimal]:
        """Indemnities and advances paid to all insured persons."""
        indemnity = advances = _ZERO_CENTS
        for person in self.insured:
            paid, advanced = person.totals()
            indemnity += paid
            advances += advanced
        return indemnity, advances

    @property
    def claimed(self) -> Decimal:
        amounts = [ln.claimed for p in self.insured for ln in p.lines if ln.claimed is not None]
        return round_cents(sum(amounts, Decimal(0)))

    def lines(self) -> list[LineResult]:
        return [ln for p in self.insured for ln in p.lines]
