"""What :func:`claimcalc.settle.engine.settle` returns: an itemised settlement.

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


class Code(StrEnum):
    """Reason codes: stable, for scripts."""

    NOT_COVERED_AT_LEVEL = "not_covered_at_level"
    NOT_COVERED_IN_ZONE = "not_covered_in_zone"
    OUTSIDE_DESTINATION = "outside_destination"
    AGE_CAP = "age_cap"
    TRIP_TOO_LONG = "trip_too_long"
    OUTSIDE_POLICY_PERIOD = "outside_policy_period"
    OUTSIDE_TRIP = "outside_trip"
    WAITING_PERIOD = "waiting_period"
    COVER_ENDED = "cover_ended"
    REPORTED_LATE = "reported_late"
    ONCE_PER_PERIOD = "once_per_period"
    NO_AUTHORISATION = "no_authorisation"
    OUT_OF_TIME = "out_of_time"
    CONDITION_NOT_MET = "condition_not_met"
    EXCLUDED = "excluded"
    EXCEPTION_APPLIES = "exception_applies"
    EXCEPTION_LIMIT = "exception_limit"
    OBJECT_EXCLUDED = "object_excluded"
    CURRENCY = "currency"
    DOCUMENTED = "documented"
    PER_OBJECT_CAP = "per_object_cap"
    PER_UNIT_CAP = "per_unit_cap"
    UNITS_CAP = "units_cap"
    CARRIER_PAID = "carrier_paid"
    UNDERINSURANCE = "underinsurance"
    BELOW_THRESHOLD = "below_threshold"
    ALLOWANCE = "allowance"
    PRO_RATA = "pro_rata"
    PERCENT_OF_SUM = "percent_of_sum"
    FIXED_SUM = "fixed_sum"
    ALREADY_PAID = "already_paid"
    FRANCHIGIA = "franchigia"
    FRANCHIGIA_WAIVED = "franchigia_waived"
    SCOPERTO = "scoperto"
    SCOPERTO_WAIVED = "scoperto_waived"
    INVALIDITY_THRESHOLD = "invalidity_threshold"
    LIMIT = "limit"
    WITHIN_LIMIT = "within_limit"
    PERIOD_LIMIT_USED = "period_limit_used"
    ALTERNATIVE = "alternative"
    ROUNDED = "rounded"
    EVENT_CAP = "event_cap"


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


#: Codes that refuse or reduce a line: a line's reasons.
REASON_CODES = frozenset(
    {
        Code.NOT_COVERED_AT_LEVEL,
        Code.NOT_COVERED_IN_ZONE,
        Code.OUTSIDE_DESTINATION,
        Code.AGE_CAP,
        Code.TRIP_TOO_LONG,
        Code.OUTSIDE_POLICY_PERIOD,
        Code.OUTSIDE_TRIP,
        Code.WAITING_PERIOD,
        Code.COVER_ENDED,
        Code.REPORTED_LATE,
        Code.ONCE_PER_PERIOD,
        Code.NO_AUTHORISATION,
        Code.OUT_OF_TIME,
        Code.CONDITION_NOT_MET,
        Code.EXCLUDED,
        Code.EXCEPTION_LIMIT,
        Code.OBJECT_EXCLUDED,
        Code.PER_OBJECT_CAP,
        Code.PER_UNIT_CAP,
        Code.UNITS_CAP,
        Code.CARRIER_PAID,
        Code.UNDERINSURANCE,
        Code.BELOW_THRESHOLD,
        Code.ALREADY_PAID,
        Code.FRANCHIGIA,
        Code.SCOPERTO,
        Code.INVALIDITY_THRESHOLD,
        Code.LIMIT,
        Code.PERIOD_LIMIT_USED,
        Code.ALTERNATIVE,
        Code.EVENT_CAP,
    }
)


#: Codes that make a paid line "reduced": caps and limits, not deductibles.
CAPPING = frozenset(
    {
        Code.LIMIT,
        Code.PERIOD_LIMIT_USED,
        Code.EVENT_CAP,
        Code.PER_OBJECT_CAP,
        Code.PER_UNIT_CAP,
        Code.UNITS_CAP,
        Code.EXCEPTION_LIMIT,
        Code.UNDERINSURANCE,
        Code.OBJECT_EXCLUDED,
        Code.OUT_OF_TIME,
        Code.CARRIER_PAID,
    }
)


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
