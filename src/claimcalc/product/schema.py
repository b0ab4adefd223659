"""The rule model as pydantic models: validates product YAML, gives ``claimcalc schema product``.

GENERATED from :mod:`claimcalc.product.model` by :mod:`claimcalc.product.generate`;
do not edit. Change model.py, then run ``python -m claimcalc.product.generate``
(tests/test_product_model.py fails while this file is not current).

Each model subclasses its namesake in model.py, listed first so that its
methods win over BaseModel's (``__str__`` of a condition).
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
    StrictBool,
    StrictInt,
    Tag,
    WithJsonSchema,
    model_validator,
)

from claimcalc.product import model
from claimcalc.product.model import GuaranteeKind, Scope, Unit


class Frozen(BaseModel):
    # Python's re, as JSON Schema validators in Python: patterns end with
    # claimcalc.money.END, a lookahead, which pydantic's Rust engine lacks.
    model_config = ConfigDict(
        extra="forbid", frozen=True, defer_build=True, regex_engine="python-re"
    )


Money = Annotated[
    Decimal, BeforeValidator(model.non_negative), WithJsonSchema(model.MONEY_JSON_SCHEMA)
]


Percent = Annotated[
    Decimal, BeforeValidator(model.parse_percent), WithJsonSchema(model.PERCENT_JSON_SCHEMA)
]


Number = Annotated[
    Decimal, BeforeValidator(model.to_decimal), WithJsonSchema(model.DECIMAL_JSON_SCHEMA)
]


Matrix = Annotated[Any, WithJsonSchema(model.MATRIX_JSON_SCHEMA)]


Slug = Annotated[str, Field(pattern="^[a-z][a-z0-9_-]*$(?!\\n)")]


Cells = Annotated[Any, WithJsonSchema(model.CELLS_JSON_SCHEMA)]


Article = Annotated[
    str, Field(min_length=1, description="Article as printed, e.g. 'D2' or '1.22 c'.")
]


class Source(model.Source, Frozen):
    """Where a rule comes from: the article, and the summary-table line if any."""

    article: Article
    table: str | None = Field(
        default=None, description="The TABELLA RIEPILOGATIVA line that fixes the value, quoted."
    )
    document: Literal["condizioni", "dip", "dip_aggiuntivo", "tabella", "glossario"] = "condizioni"
    quote: str | None = Field(
        default=None,
        description=(
            "The contract's own sentence, as printed in the seed (whitespace aside): "
            "the settlement letter quotes it beside each line the rule reduces or "
            "refuses."
        ),
    )


SourceField = Annotated[
    Source, BeforeValidator(model.source_shorthand, json_schema_input_type=Article | Source)
]


class Annotations(model.Annotations, Frozen):
    """Provenance shared by every rule."""

    source: SourceField
    reading: str | None = Field(
        default=None, description="The reading taken where the text is ambiguous (domain.md)."
    )
    discrepancy: str | None = Field(
        default=None, description="Where DIP, DIP aggiuntivo and Condizioni disagree, and why."
    )
    note: str | None = None


class FactTest(model.FactTest, Frozen):
    """A test of one claim fact. Exactly one operator is given."""

    fact: str
    is_: StrictBool | str | StrictInt | None = Field(default=None, alias="is")
    in_: tuple[str, ...] | None = Field(default=None, alias="in")
    has: str | None = None
    has_any: tuple[str, ...] | None = None
    gt: Number | None = None
    ge: Number | None = None
    lt: Number | None = None
    le: Number | None = None

    model_config = ConfigDict(
        populate_by_name=True,
        json_schema_extra=model.exactly_one_schema(
            ("is", "in", "has", "has_any", "gt", "ge", "lt", "le")
        ),
    )

    @model_validator(mode="after")
    def _check(self) -> FactTest:
        self.check()
        return self


class AllOf(model.AllOf, Frozen):
    all: tuple[Condition, ...]


class AnyOf(model.AnyOf, Frozen):
    any: tuple[Condition, ...]


class Not(model.Not, Frozen):
    not_: Condition = Field(alias="not")

    model_config = ConfigDict(populate_by_name=True)


# Union tags must not be keys of the document, or error locations would
# descend into the wrong key.
_CONDITION_TAGS = {"all": "AllOf", "any": "AnyOf", "not": "Not", "fact": "FactTest"}


def _condition_tag(value: object) -> str | None:
    if isinstance(value, Mapping):
        return next((tag for key, tag in _CONDITION_TAGS.items() if key in value), None)
    tag = type(value).__name__
    return tag if isinstance(value, BaseModel) and tag in _CONDITION_TAGS.values() else None


Condition = Annotated[
    Annotated[AllOf, Tag("AllOf")]
    | Annotated[AnyOf, Tag("AnyOf")]
    | Annotated[Not, Tag("Not")]
    | Annotated[FactTest, Tag("FactTest")],
    Discriminator(
        _condition_tag,
        custom_error_type="condition",
        custom_error_message="a condition needs one of the keys: fact, all, any, not",
    ),
]


class Limit(model.Limit, Annotations):
    """A massimale, sottomassimale or per-unit cap."""

    id: str = Field(pattern="^[A-Za-z][A-Za-z0-9_.]*$(?!\\n)", description="Unique in the product.")
    title: str | None = None
    scope: Annotated[Scope, BeforeValidator(model.scope_spelling)]
    amount: Matrix
    unit: Unit = Unit.EUR
    parent: str | None = Field(default=None, description="Id of the limit this one nests in.")
    applies_when: Condition | None = Field(
        default=None, description="The limit applies only when this holds (e.g. an age band)."
    )
    max_units: Matrix | None = Field(
        default=None, description="Per-day/night/hour/block limits: at most this many units."
    )
    block_hours: StrictInt | None = Field(
        default=None, gt=0, description="per_block: hours a block."
    )
    percent_of_parent: Percent | None = Field(
        default=None, description="Also at most this percentage of the parent's amount."
    )
    applies_to: Annotated[tuple[str, ...], WithJsonSchema(model.CATEGORIES_JSON_SCHEMA)] = Field(
        default=(), description="Expense categories the limit caps; default: all of them."
    )
    inferred: Cells | None = Field(
        default=None,
        description=(
            "The cells of amount claimcalc inferred rather than read in the contract "
            "(zones, or level: zones); the limit's reading says how."
        ),
    )

    @model_validator(mode="after")
    def _check(self) -> Limit:
        self.check()
        return self


class PenaltyAtEvent(model.PenaltyAtEvent, Annotations):
    """A cancellation pays at most the penalty due on the event date (Wi School F7, Imaway M7)."""


class DocumentedCost(model.DocumentedCost, Annotations):
    """The documented cost of the expense lines (converted to EUR)."""

    kind: Literal["documented_cost"]
    proportional_to_insured_value: StrictBool = Field(
        default=False,
        description=("c.c. 1907: reduce in proportion when the insured value is below the cost."),
    )
    penalty_at_event: PenaltyAtEvent | None = Field(
        default=None,
        description=(
            "The documented cost is at most the line's penalty_at_event (the penalty "
            "due on the event date), when the claim states it (Wi School F7, Imaway "
            "M7)."
        ),
    )


class ObjectValues(model.ObjectValues, Annotations):
    """Baggage: each object's commercial value, capped by the per-object limit."""

    kind: Literal["object_values"]
    basis: Literal["commercial_value"] = "commercial_value"


class UnitAllowance(model.UnitAllowance, Annotations):
    """A fixed sum per complete unit (day, night, hour, block) from a per-unit limit."""

    kind: Literal["unit_allowance"]
    rate_limit: str = Field(description="Id of the per-unit limit that fixes the rate.")
    units_fact: Literal["delay_hours", "hospital_days", "days"] = "delay_hours"
    min_exclusive: Number | None = Field(
        default=None, description="Pays only when the units fact is strictly above this."
    )


class ProRataTripCost(model.ProRataTripCost, Annotations):
    """Trip cost (net of fees, and flights where named) by its days or nights, times unused days."""

    kind: Literal["pro_rata_trip_cost"]
    divide_by: Literal["days", "nights"]
    multiply_by: Literal["unused_days"] = "unused_days"
    net_of: tuple[Literal["registration_fees", "insurance", "flights"], ...] = ()


class PercentOfSumInsured(model.PercentOfSumInsured, Annotations):
    """Sum insured times a percentage fact (permanent invalidity)."""

    kind: Literal["percent_of_sum_insured"]
    sum_insured: str = Field(description="Id of the limit that is the sum insured.")
    percent_fact: Literal["invalidity_percent"] = "invalidity_percent"


class FixedSum(model.FixedSum, Annotations):
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


class Franchigia(model.Franchigia, Annotations):
    """A fixed amount deducted from the loss."""

    kind: Literal["franchigia"]
    amount: Money
    waived_when: Condition | None = None


class Scoperto(model.Scoperto, Annotations):
    """A percentage of the loss left to the insured, with a minimum amount."""

    kind: Literal["scoperto"]
    percent: Percent
    minimum: Money | None = None
    waived_when: Condition | None = None


class InvalidityThreshold(model.InvalidityThreshold, Annotations):
    """Absolute: pay only points above the threshold. Relative: nothing up to it, then all."""

    kind: Literal["invalidity_threshold"]
    percent: Percent
    mode: Literal["absolute", "relative"]


Deductible = Annotated[Franchigia | Scoperto | InvalidityThreshold, Field(discriminator="kind")]


class MaxAge(model.MaxAge, Annotations):
    kind: Literal["max_age"]
    age: StrictInt = Field(gt=0)
    at: Literal["subscription"] = "subscription"
    roles: tuple[Literal["student", "teacher"], ...] | None = None


class MaxTripDays(model.MaxTripDays, Annotations):
    kind: Literal["max_trip_days"]
    days: StrictInt = Field(gt=0)


class PolicyWindow(model.PolicyWindow, Annotations):
    """Trips start on or after the policy start and end by its expiry."""

    kind: Literal["policy_window"]
    duration_months: StrictInt | None = Field(default=None, gt=0)


class WaitingPeriod(model.WaitingPeriod, Annotations):
    """Cover starts at 24:00 of the n-th day after ``from_``."""

    kind: Literal["waiting_period"]
    days: StrictInt = Field(ge=0)
    from_: Literal["policy_issue", "enrolment"] = Field(alias="from")

    model_config = ConfigDict(populate_by_name=True)


class CoverEnds(model.CoverEnds, Annotations):
    kind: Literal["cover_ends"]
    at: Literal["departure", "first_service", "trip_end"]


class ReportingDeadline(model.ReportingDeadline, Annotations):
    kind: Literal["reporting_deadline"]
    days: StrictInt | None = Field(default=None, gt=0)
    hours: StrictInt | None = Field(default=None, gt=0)
    from_: Literal["event", "return", "renunciation", "when_possible", "planned_departure"] = Field(
        alias="from"
    )

    model_config = ConfigDict(
        populate_by_name=True, json_schema_extra=model.exactly_one_schema(("days", "hours"))
    )

    @model_validator(mode="after")
    def _check(self) -> ReportingDeadline:
        self.check()
        return self


class OncePerPeriod(model.OncePerPeriod, Annotations):
    kind: Literal["once_per_period"]


class Presumption(model.Presumption, Frozen):
    """What the contract presumes of a fact the claim does not state (Imaway D2)."""

    presumed: StrictBool = Field(description="The value the contract takes for the unstated fact.")
    source: SourceField
    text: str = Field(min_length=1, description="The contract's words, quoted in the refusal.")


class PriorAuthorisation(model.PriorAuthorisation, Annotations):
    """Expenses above ``above`` (0: any) need a practice number (fact ``authorised``)."""

    kind: Literal["prior_authorisation"]
    above: Money = Decimal("0")
    when_unstated: Presumption | None = Field(
        default=None,
        description=(
            "What the contract presumes when the claim does not state `authorised`; "
            "without it, an unstated `authorised` makes the claim incomplete (exit "
            "3)."
        ),
    )


class WithinTimeOfEvent(model.WithinTimeOfEvent, Annotations):
    """The expense, death or invalidity counts only within this time after the event."""

    kind: Literal["within_time_of_event"]
    days: StrictInt | None = Field(default=None, gt=0)
    years: StrictInt | None = Field(default=None, gt=0)

    model_config = ConfigDict(json_schema_extra=model.exactly_one_schema(("days", "years")))

    @model_validator(mode="after")
    def _check(self) -> WithinTimeOfEvent:
        self.check()
        return self


class ExpensesDuringTrip(model.ExpensesDuringTrip, Annotations):
    """A documented expense counts only when made by the trip's last day (Imaway E2 a)."""

    kind: Literal["expenses_during_trip"]


class EventInDestination(model.EventInDestination, Annotations):
    """The event happened inside the destination zone bought (zones nest)."""

    kind: Literal["event_in_destination"]


class EventDuringTrip(model.EventDuringTrip, Annotations):
    """The event happens between departure and return (plus some days after it)."""

    kind: Literal["event_during_trip"]
    days_after_return: StrictInt = Field(default=0, ge=0)


class Requires(model.Requires, Annotations):
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
    | ExpensesDuringTrip
    | EventDuringTrip
    | EventInDestination
    | Requires,
    Field(discriminator="kind"),
]


class Exclusion(model.Exclusion, Annotations):
    id: str = Field(
        pattern="^[A-Za-z0-9][A-Za-z0-9_.]*$(?!\\n)",
        description="Names the exclusion (diff matches editions by it).",
    )
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


class Guarantee(model.Guarantee, Annotations):
    code: str = Field(
        pattern="^[A-Z]\\.[a-z][a-z0-9_]*$(?!\\n)", description="Stable code, e.g. D.dental."
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


class CarrierCompensation(model.CarrierCompensation, Annotations):
    """The carrier's payment comes off the section's loss once per sinistro (Imaway E4)."""


class Section(model.Section, Annotations):
    code: str = Field(pattern="^[A-Z]$(?!\\n)")
    title: str
    zone_basis: Literal["event", "destination"] = Field(
        default="event",
        description=(
            "Which zone selects the limits: where the event happened (Imaway 1.2) or "
            "the trip's destination (cancellation, interruption; Wi School B1). A "
            "section zoned by the destination checks the event in the destination "
            "only when its event happens during the trip (event_during_trip)."
        ),
    )
    levels: tuple[str, ...] | None = Field(
        default=None, description="Levels where the section is included; default: all."
    )
    limits: tuple[Limit, ...] = Field(
        default=(), description="Massimali shared by every guarantee of the section."
    )
    deductibles: tuple[Deductible, ...] = Field(
        default=(),
        description=("Taken once per sinistro (insured person) across the section's guarantees."),
    )
    carrier_compensation: CarrierCompensation | None = Field(
        default=None,
        description=(
            "What the carrier paid comes off the section's loss, once per sinistro (Imaway E4)."
        ),
    )
    eligibility: tuple[EligibilityRule, ...] = ()
    exclusions: tuple[Exclusion, ...] = ()
    guarantees: tuple[Guarantee, ...]


class Alternative(model.Alternative, Annotations):
    """Guarantees that never both pay for the same flight or trip."""

    id: str = Field(description="Names the alternative (diff matches by it).")
    guarantees: tuple[str, ...]
    rule: Literal["more_favourable"] = "more_favourable"
    scope: Literal["same_flight", "same_trip"] = Field(
        description=(
            "What the guarantees share. A claim file is one event, so within it every"
            " line is of the same flight and trip (docs/domain.md); the scope says "
            "how far the alternative reaches across claims."
        )
    )


class Level(model.Level, Frozen):
    id: Slug
    name: str


class Zone(model.Zone, Frozen):
    id: Slug
    name: str
    source: SourceField
    note: str | None = None


class Discrepancy(model.Discrepancy, Frozen):
    """A disagreement between the product's documents, and what was encoded."""

    text: str
    source: SourceField
    encoded: str


class CurrencyConversion(model.CurrencyConversion, Annotations):
    """How foreign expenses become euro (Imaway 1.15, Wi School 1.15)."""

    basis: Literal["ecb_reference_rate"] = "ecb_reference_rate"
    rate_date: Literal["expense_date"] = "expense_date"
    fallback_days: StrictInt = Field(
        default=7, ge=0, description="Use the last fixing at most this many days earlier."
    )


class Product(model.Product, Frozen):
    """One product edition, as loaded from its YAML file."""

    format: Annotated[Literal[1], BeforeValidator(model.not_boolean)] = Field(
        description="Version of the product file format."
    )
    id: Slug
    insurer: str
    name: str
    edition: Annotated[str, BeforeValidator(model.parse_edition)] = Field(
        pattern="^[0-9]{4}-[0-9]{2}$(?!\\n)", description="YYYY-MM of the edition."
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
    _settling_plan: Any = PrivateAttr(default=None)
