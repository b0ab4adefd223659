"""The rule model: a product edition's articles as immutable, typed objects.

One YAML file per product edition (``products/``) validates into a
:class:`Product`. Every rule carries its ``source`` (the article, and the
summary-table line where that fixes the value) and, where the contract is
ambiguous, the ``reading`` claimcalc takes.

Amounts that vary by level and destination zone are *matrices*: a single
value, a mapping by level, a mapping by zone, or a mapping by level of
mappings by zone. Matrix keys are resolved against the product's declared
levels and zones by :func:`~claimcalc.product.model.resolve_matrix`.

Each model subclasses its namesake in :mod:`claimcalc.product.model` (the plain
class the engine reads, with the lookups and texts both share), listed first
so that its methods win over BaseModel's (``__str__`` of a condition). The
fields are declared again here with their constraints and descriptions.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PrivateAttr,
    Tag,
    WithJsonSchema,
    model_validator,
)

from claimcalc.money import to_decimal
from claimcalc.product import model as rulebook

# The plain side of the model, re-exported: the rule model is read from here.
from claimcalc.product.model import (
    GuaranteeKind,
    Scope,
    Token,
    Unit,
)

FORMAT_VERSION = 1

Slug = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]*$")]
Code = Annotated[str, Field(pattern=r"^[A-Z][A-Za-z0-9_.]*$")]


def _non_negative(value: object) -> Decimal:
    amount = to_decimal(value)
    if amount < 0:
        raise ValueError(f"must not be negative, got {amount}")
    return amount


def _edition(value: object) -> str:
    text = str(value)
    if len(text) != 7 or text[4] != "-" or not (text[:4] + text[5:]).isdigit():
        raise ValueError(f"expected YYYY-MM, e.g. 2026-01, got {text!r}")
    return text


def _percent(value: object) -> Decimal:
    amount = _non_negative(value)
    if amount > 100:
        raise ValueError(f"a percentage must be at most 100, got {amount}")
    return amount


_DECIMAL_SCHEMA: dict[str, Any] = {
    "anyOf": [{"type": "number"}, {"type": "string", "pattern": r"^-?\d+(\.\d+)?$"}]
}
Money = Annotated[Decimal, BeforeValidator(_non_negative), WithJsonSchema(_DECIMAL_SCHEMA)]
Percent = Annotated[Decimal, BeforeValidator(_percent), WithJsonSchema(_DECIMAL_SCHEMA)]
Number = Annotated[Decimal, BeforeValidator(to_decimal), WithJsonSchema(_DECIMAL_SCHEMA)]


_CELL_SCHEMA: dict[str, Any] = {
    "anyOf": [*_DECIMAL_SCHEMA["anyOf"], {"enum": [t.value for t in Token]}]
}
_MATRIX_SCHEMA: dict[str, Any] = {
    "description": (
        "An amount, or a mapping by level, or by zone, or by level of mappings by zone. "
        "Values: a non-negative decimal, or one of " + ", ".join(t.value for t in Token) + "."
    ),
    "anyOf": [
        _CELL_SCHEMA,
        {
            "type": "object",
            "additionalProperties": {
                "anyOf": [_CELL_SCHEMA, {"type": "object", "additionalProperties": _CELL_SCHEMA}]
            },
        },
    ],
}
#: Checked by :func:`~claimcalc.product.model.resolve_matrix` once levels and zones are known.
Matrix = Annotated[Any, WithJsonSchema(_MATRIX_SCHEMA)]


class Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


def _source_shorthand(value: object) -> object:
    return {"article": value} if isinstance(value, str) else value


class Source(rulebook.Source, Frozen):
    """Where a rule comes from: the article, and the summary-table line if any."""

    article: str = Field(min_length=1, description="Article as printed, e.g. 'D2' or '1.22 c'.")
    table: str | None = Field(
        default=None, description="The TABELLA RIEPILOGATIVA line that fixes the value, quoted."
    )
    document: Literal["condizioni", "dip", "dip_aggiuntivo", "tabella", "glossario"] = "condizioni"


SourceField = Annotated[Source, BeforeValidator(_source_shorthand)]


class Annotations(rulebook.Annotations, Frozen):
    """Provenance shared by every rule."""

    source: SourceField
    reading: str | None = Field(
        default=None, description="The reading taken where the text is ambiguous (domain.md)."
    )
    discrepancy: str | None = Field(
        default=None, description="Where DIP, DIP aggiuntivo and Condizioni disagree, and why."
    )
    note: str | None = None


# --------------------------------------------------------------------------- conditions


class FactTest(rulebook.FactTest, Frozen):
    """A test of one claim fact. Exactly one operator is given."""

    fact: str
    is_: bool | str | int | None = Field(default=None, alias="is")
    in_: tuple[str, ...] | None = Field(default=None, alias="in")
    has: str | None = None
    has_any: tuple[str, ...] | None = None
    gt: Number | None = None
    ge: Number | None = None
    lt: Number | None = None
    le: Number | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _one_operator(self) -> FactTest:
        given = [
            name
            for name in self.operators()
            if getattr(self, rulebook.operator_attribute(name)) is not None
        ]
        if len(given) != 1:
            raise ValueError("a fact test takes exactly one of: " + ", ".join(self.operators()))
        return self


class AllOf(rulebook.AllOf, Frozen):
    all: tuple[Condition, ...]


class AnyOf(rulebook.AnyOf, Frozen):
    any: tuple[Condition, ...]


class Not(rulebook.Not, Frozen):
    not_: Condition = Field(alias="not")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


# Union tags must not be keys of the document, or error locations would
# descend into the wrong key.
_CONDITION_TAGS = {"all": "all-of", "any": "any-of", "not": "not-of", "fact": "fact-test"}


def _condition_kind(value: object) -> str | None:
    if isinstance(value, Mapping):
        for key, tag in _CONDITION_TAGS.items():
            if key in value:
                return tag
        return None
    if isinstance(value, BaseModel):
        return {AllOf: "all-of", AnyOf: "any-of", Not: "not-of", FactTest: "fact-test"}.get(
            type(value)
        )
    return None


Condition = Annotated[
    Annotated[AllOf, Tag("all-of")]
    | Annotated[AnyOf, Tag("any-of")]
    | Annotated[Not, Tag("not-of")]
    | Annotated[FactTest, Tag("fact-test")],
    Discriminator(
        _condition_kind,
        custom_error_type="condition",
        custom_error_message="a condition needs one of the keys: fact, all, any, not",
    ),
]
AllOf.model_rebuild()
AnyOf.model_rebuild()
Not.model_rebuild()


# --------------------------------------------------------------------------- limits


class Limit(rulebook.Limit, Annotations):
    """A massimale, sottomassimale or per-unit cap."""

    id: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_.]*$", description="Unique in the product.")
    title: str | None = None
    scope: Scope
    amount: Matrix
    unit: Unit = Unit.EUR
    parent: str | None = Field(default=None, description="Id of the limit this one nests in.")
    applies_when: Condition | None = Field(
        default=None, description="The limit applies only when this holds (e.g. an age band)."
    )
    max_units: Matrix | None = Field(
        default=None, description="Per-day/night/hour/block limits: at most this many units."
    )
    block_hours: int | None = Field(default=None, gt=0, description="per_block: hours a block.")
    percent_of_parent: Percent | None = Field(
        default=None, description="Also at most this percentage of the parent's amount."
    )
    applies_to: tuple[str, ...] = Field(
        default=(), description="Expense categories the limit caps; default: all of them."
    )

    @model_validator(mode="after")
    def _unit_fields(self) -> Limit:
        if (self.block_hours is None) == (self.scope is Scope.PER_BLOCK):
            raise ValueError("block_hours is required for per_block limits and only for them")
        if self.max_units is not None and not self.scope.is_unit_rate:
            raise ValueError("max_units applies only to per_day, per_night, per_hour, per_block")
        if self.percent_of_parent is not None and self.parent is None:
            raise ValueError("percent_of_parent needs a parent")
        return self


# --------------------------------------------------------------------------- formulas


class DocumentedCost(rulebook.DocumentedCost, Annotations):
    """The documented cost of the expense lines (converted to EUR)."""

    kind: Literal["documented_cost"]
    proportional_to_insured_value: bool = Field(
        default=False,
        description="c.c. 1907: reduce in proportion when the insured value is below the cost.",
    )


class ObjectValues(rulebook.ObjectValues, Annotations):
    """Baggage: each object's commercial value, capped by the per-object limit."""

    kind: Literal["object_values"]
    basis: Literal["commercial_value"] = "commercial_value"


class UnitAllowance(rulebook.UnitAllowance, Annotations):
    """A fixed sum per complete unit (day, night, hour, block) from a per-unit limit."""

    kind: Literal["unit_allowance"]
    rate_limit: str = Field(description="Id of the per-unit limit that fixes the rate.")
    units_fact: Literal["delay_hours", "hospital_days", "days"] = "delay_hours"
    min_exclusive: Number | None = Field(
        default=None, description="Pays only when the units fact is strictly above this."
    )


class ProRataTripCost(rulebook.ProRataTripCost, Annotations):
    """Trip cost (net of fees) divided by its days or nights, times unused days."""

    kind: Literal["pro_rata_trip_cost"]
    divide_by: Literal["days", "nights"]
    multiply_by: Literal["unused_days"] = "unused_days"
    net_of: tuple[Literal["registration_fees", "insurance"], ...] = ()


class PercentOfSumInsured(rulebook.PercentOfSumInsured, Annotations):
    """Sum insured times a percentage fact (permanent invalidity)."""

    kind: Literal["percent_of_sum_insured"]
    sum_insured: str = Field(description="Id of the limit that is the sum insured.")
    percent_fact: Literal["invalidity_percent"] = "invalidity_percent"


class FixedSum(rulebook.FixedSum, Annotations):
    """The whole sum insured (death benefit)."""

    kind: Literal["fixed_sum"]
    sum_insured: str
    less_paid_under: tuple[str, ...] = Field(
        default=(),
        description="Guarantees whose payments for the same accident are deducted (L8, D2).",
    )
    only_if_sum_exceeds: str | None = Field(
        default=None,
        description="Deduct-and-top-up only if this sum insured is exceeded (Wi School D2).",
    )


Formula = Annotated[
    DocumentedCost
    | ObjectValues
    | UnitAllowance
    | ProRataTripCost
    | PercentOfSumInsured
    | FixedSum,
    Field(discriminator="kind"),
]


# --------------------------------------------------------------------------- deductibles


class Franchigia(rulebook.Franchigia, Annotations):
    """A fixed amount deducted from the loss."""

    kind: Literal["franchigia"]
    amount: Money
    per: Literal["claim", "person"] = "claim"
    waived_when: Condition | None = None


class Scoperto(rulebook.Scoperto, Annotations):
    """A percentage of the loss left to the insured, with a minimum amount."""

    kind: Literal["scoperto"]
    percent: Percent
    minimum: Money | None = None
    per: Literal["claim", "person"] = "claim"
    waived_when: Condition | None = None


class InvalidityThreshold(rulebook.InvalidityThreshold, Annotations):
    """Absolute: pay only points above the threshold. Relative: nothing up to it, then all."""

    kind: Literal["invalidity_threshold"]
    percent: Percent
    mode: Literal["absolute", "relative"]


Deductible = Annotated[Franchigia | Scoperto | InvalidityThreshold, Field(discriminator="kind")]


# --------------------------------------------------------------------------- eligibility


class MaxAge(rulebook.MaxAge, Annotations):
    kind: Literal["max_age"]
    age: int = Field(gt=0)
    at: Literal["subscription"] = "subscription"
    roles: tuple[Literal["student", "teacher"], ...] | None = None


class MaxTripDays(rulebook.MaxTripDays, Annotations):
    kind: Literal["max_trip_days"]
    days: int = Field(gt=0)


class PolicyWindow(rulebook.PolicyWindow, Annotations):
    """Trips start on or after the policy start and end by its expiry."""

    kind: Literal["policy_window"]
    duration_months: int | None = Field(default=None, gt=0)


class WaitingPeriod(rulebook.WaitingPeriod, Annotations):
    """Cover starts at 24:00 of the n-th day after ``from_``."""

    kind: Literal["waiting_period"]
    days: int = Field(ge=0)
    from_: Literal["policy_issue", "enrolment"] = Field(alias="from")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class CoverEnds(rulebook.CoverEnds, Annotations):
    kind: Literal["cover_ends"]
    at: Literal["departure", "first_service", "trip_end"]


class ReportingDeadline(rulebook.ReportingDeadline, Annotations):
    kind: Literal["reporting_deadline"]
    days: int | None = Field(default=None, gt=0)
    hours: int | None = Field(default=None, gt=0)
    from_: Literal["event", "return", "renunciation", "when_possible", "planned_departure"] = Field(
        alias="from"
    )

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _days_or_hours(self) -> ReportingDeadline:
        if (self.days is None) == (self.hours is None):
            raise ValueError("a reporting deadline takes exactly one of: days, hours")
        return self


class OncePerPeriod(rulebook.OncePerPeriod, Annotations):
    kind: Literal["once_per_period"]


class PriorAuthorisation(rulebook.PriorAuthorisation, Annotations):
    """Expenses above ``above`` (0: any) need a practice number."""

    kind: Literal["prior_authorisation"]
    above: Money = Decimal(0)


class WithinTimeOfEvent(rulebook.WithinTimeOfEvent, Annotations):
    """The expense, death or invalidity counts only within this time after the event."""

    kind: Literal["within_time_of_event"]
    days: int | None = Field(default=None, gt=0)
    years: int | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _days_or_years(self) -> WithinTimeOfEvent:
        if (self.days is None) == (self.years is None):
            raise ValueError("takes exactly one of: days, years")
        return self


class EventInDestination(rulebook.EventInDestination, Annotations):
    """The event happened inside the destination zone bought (zones nest)."""

    kind: Literal["event_in_destination"]


class EventDuringTrip(rulebook.EventDuringTrip, Annotations):
    """The event happens between departure and return (plus some days after it)."""

    kind: Literal["event_during_trip"]
    days_after_return: int = Field(default=0, ge=0)


class Requires(rulebook.Requires, Annotations):
    """A condition the claim's facts must meet for the guarantee to operate."""

    kind: Literal["requires"]
    when: Condition
    text: str


EligibilityRule = Annotated[
    MaxAge
    | MaxTripDays
    | PolicyWindow
    | WaitingPeriod
    | CoverEnds
    | ReportingDeadline
    | OncePerPeriod
    | PriorAuthorisation
    | WithinTimeOfEvent
    | EventDuringTrip
    | EventInDestination
    | Requires,
    Field(discriminator="kind"),
]


# --------------------------------------------------------------------------- exclusions


class Exclusion(rulebook.Exclusion, Annotations):
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.]*$")
    text: str
    when: Condition
    per: Literal["claim", "object"] = "claim"
    not_for: tuple[str, ...] = Field(
        default=(), description="Section codes for which this exclusion does not operate."
    )
    except_when: Condition | None = Field(
        default=None, description="The exception the text makes (e.g. recreational practice)."
    )
    exception_limit: Money | None = Field(
        default=None, description="When the exception applies, cover up to this amount."
    )


# --------------------------------------------------------------------------- structure


class Guarantee(rulebook.Guarantee, Annotations):
    code: str = Field(
        pattern=r"^[A-Z]\.[a-z][a-z0-9_]*$", description="Stable code, e.g. D.dental."
    )
    title: str = Field(description="Name as printed in the contract.")
    kind: GuaranteeKind
    levels: tuple[str, ...] | None = Field(
        default=None, description="Levels where included; default: the section's levels."
    )
    formula: Formula
    limits: tuple[Limit, ...] = ()
    deductibles: tuple[Deductible, ...] = ()
    eligibility: tuple[EligibilityRule, ...] = ()
    exclusions: tuple[Exclusion, ...] = ()


class Section(rulebook.Section, Annotations):
    code: str = Field(pattern=r"^[A-Z]$")
    title: str
    zone_basis: Literal["event", "destination"] = Field(
        default="event",
        description=(
            "Which zone selects the limits: where the event happened (Imaway 1.2) or the trip's "
            "destination (cancellation, interruption)."
        ),
    )
    levels: tuple[str, ...] | None = Field(
        default=None, description="Levels where the section is included; default: all."
    )
    limits: tuple[Limit, ...] = Field(
        default=(), description="Massimali shared by every guarantee of the section."
    )
    deductibles: tuple[Deductible, ...] = Field(
        default=(), description="Taken once per claim across the section's guarantees."
    )
    eligibility: tuple[EligibilityRule, ...] = ()
    exclusions: tuple[Exclusion, ...] = ()
    guarantees: tuple[Guarantee, ...]


class Alternative(rulebook.Alternative, Annotations):
    """Guarantees that never both pay for the same flight or trip."""

    id: str
    guarantees: tuple[str, ...]
    rule: Literal["more_favourable"] = "more_favourable"
    scope: Literal["same_flight", "same_trip"]


class Level(rulebook.Level, Frozen):
    id: Slug
    name: str


class Zone(rulebook.Zone, Frozen):
    id: Slug
    name: str
    source: SourceField
    note: str | None = None


class Discrepancy(rulebook.Discrepancy, Frozen):
    """A disagreement between the product's documents, and what was encoded."""

    text: str
    source: SourceField
    encoded: str


class CurrencyConversion(rulebook.CurrencyConversion, Annotations):
    """How foreign expenses become euro (Imaway 1.15, Wi School 1.15)."""

    basis: Literal["ecb_reference_rate"] = "ecb_reference_rate"
    rate_date: Literal["expense_date"] = "expense_date"
    fallback_days: int = Field(
        default=7, ge=0, description="Use the last fixing at most this many days earlier."
    )


class Product(rulebook.Product, Frozen):
    """One product edition, as loaded from its YAML file."""

    format: Literal[1] = Field(description="Version of the product file format.")
    id: Slug
    insurer: str
    name: str
    edition: Annotated[str, BeforeValidator(_edition)] = Field(
        description="YYYY-MM of the edition."
    )
    edition_label: str = Field(description="Edition as printed, e.g. 'Ed. 01/2026'.")
    seed: str = Field(description="The contract document this file encodes.")
    levels: tuple[Level, ...]
    zones: tuple[Zone, ...] = Field(
        description="Destination zones, narrowest first (each contains the previous)."
    )
    currency: CurrencyConversion
    eligibility: tuple[EligibilityRule, ...] = ()
    exclusions: tuple[Exclusion, ...] = Field(default=(), description="The general exclusions.")
    alternatives: tuple[Alternative, ...] = ()
    sections: tuple[Section, ...]
    discrepancies: tuple[Discrepancy, ...] = ()

    _sha256: str = PrivateAttr(default="")
    _path: str = PrivateAttr(default="")
    #: Memo for the engine (derived from the rules, so safe to keep for the product's life).
    _memo: dict[object, Any] = PrivateAttr(default_factory=dict)
