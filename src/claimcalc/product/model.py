"""The rule model: a product edition's articles as typed objects, declared once.

One YAML file per product edition (``products/``) validates into a
:class:`Product`. Every rule carries its ``source`` (the article, and the
summary-table line where that fixes the value) and, where the contract is
ambiguous, the ``reading`` claimcalc takes.

This module is the one hand-written declaration of the rule language: every
class, field, type, default, constraint, alias and description, and the
checks across fields (``check`` methods). Fields carry their validation in
``Annotated[type, Meta(...)]``; :mod:`claimcalc.product.schema` (pydantic:
validates YAML, gives ``claimcalc schema product``) is generated from here by
:mod:`claimcalc.product.generate`, and a test fails when it is not current.

The engine only reads fields, so it takes either form. :func:`freeze` copies a
validated product into instances of these plain classes: that copy is what
the product cache stores for settling, so a run that finds its product in the
cache imports neither pydantic nor the rule model (most of a one-claim run's
start-up otherwise). Field annotations stay strings at run time
(``from __future__ import annotations``): settling builds no ``Meta`` but
the six of the type aliases (``Money``…).

Amounts that vary by level and destination zone are *matrices*: a single
value, a mapping by level, a mapping by zone, or a mapping by level of
mappings by zone, resolved against the declared levels and zones by
:func:`resolve_matrix`.
"""

from __future__ import annotations

import re
import sys
import typing
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from enum import StrEnum
from functools import cached_property
from typing import Annotated, Any, Literal

from claimcalc.facts import EXPENSE_CATEGORIES
from claimcalc.i18n import N_, _
from claimcalc.money import DECIMAL_TEXT, END, decimal_pattern, to_decimal


class Token(StrEnum):
    """Non-numeric matrix values, as the contracts print them."""

    UNLIMITED = "unlimited"  # "Illimitato"
    INCLUDED = "included"  # "Inclusa"/"Incluso": a service with no stated amount
    NOT_COVERED = "not_covered"  # "Esclusa" at this level or zone
    NOT_APPLICABLE = "not_applicable"  # the limit does not bite here (e.g. "esclusa Italia")
    TRIP_COST = "trip_cost"  # "fino alla concorrenza del costo del viaggio"


Amount = Decimal | Token


# --------------------------------------------------------------------------- field metadata


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


#: The default of a field that has none: the product file must give it.
REQUIRED: Any = _Required()


class Meta:
    """How one field (or type) of the rule model is validated and documented.

    ``default``/``default_factory``: the value when the file omits the key.
    ``alias``: the key in the file when the attribute cannot be named so
    (``is``, ``in``, ``not``, ``from``). ``gt``, ``ge``, ``pattern``,
    ``min_length``: constraints. ``parse``: a function applied to the raw
    value first; it returns the value or raises ValueError with the message a
    product author sees. ``json_schema``: the JSON Schema of a type pydantic
    cannot describe. ``accepts``: the type ``parse`` takes, as the JSON Schema
    states it, written as in schema.py (``source: D2`` or a mapping). ``error``:
    for a union told apart by its keys, the
    message when a value has none of them. A class's ``EXACTLY_ONE``, a tuple
    of keys: exactly one of them is given, not null (its ``check`` says so;
    the JSON Schema states it). ``descriptive``: documentation:
    it changes no amount, status or reason code (``diff``, ``show`` and the
    texts of a settlement may print it).
    """

    __slots__ = (
        "accepts",
        "alias",
        "default",
        "default_factory",
        "description",
        "descriptive",
        "error",
        "ge",
        "gt",
        "json_schema",
        "min_length",
        "parse",
        "pattern",
    )

    def __init__(
        self,
        *,
        default: object = REQUIRED,
        default_factory: Callable[[], object] | None = None,
        alias: str | None = None,
        gt: int | None = None,
        ge: int | None = None,
        pattern: str | None = None,
        min_length: int | None = None,
        parse: Callable[[Any], Any] | None = None,
        json_schema: dict[str, Any] | None = None,
        accepts: str | None = None,
        error: str | None = None,
        description: str | None = None,
        descriptive: bool = False,
    ) -> None:
        self.default = default
        self.default_factory = default_factory
        self.alias = alias
        self.gt = gt
        self.ge = ge
        self.pattern = pattern
        self.min_length = min_length
        self.parse = parse
        self.json_schema = json_schema
        self.accepts = accepts
        self.error = error
        self.description = description
        self.descriptive = descriptive


def non_negative(value: object) -> Decimal:
    """A number from 0: text with a minus (``"-0"`` too) is refused, as the JSON
    Schema's pattern for text has none."""
    amount = to_decimal(value)
    if amount < 0 or (isinstance(value, str) and value.startswith("-")):
        raise ValueError(_("must not be negative, got {got}").format(got=amount))
    return amount


def not_boolean(value: object) -> object:
    """A whole number's value, but not true or false (pydantic takes true for 1)."""
    if isinstance(value, bool):
        raise ValueError(_("expected a whole number, got {got}").format(got=str(value).lower()))
    return value


def parse_percent(value: object) -> Decimal:
    amount = non_negative(value)
    if amount > 100:
        raise ValueError(_("a percentage must be at most 100, got {got}").format(got=amount))
    return amount


EDITION_TEXT = r"^[0-9]{4}-[0-9]{2}" + END


def parse_edition(value: object) -> str:
    text = str(value)
    if not isinstance(value, str) or re.fullmatch(EDITION_TEXT, text) is None:
        raise ValueError(_("expected YYYY-MM, e.g. 2026-01, got {got!r}").format(got=text))
    return text


def source_shorthand(value: object) -> object:
    """``source: D2`` is short for ``source: {article: D2}``."""
    return {"article": value} if isinstance(value, str) else value


# The JSON Schemas of numbers. YAML floats are read as exact decimals and
# quoted numbers as text: decimal text has the grammar of claimcalc.money
# (DECIMAL_TEXT), which to_decimal checks before Decimal() reads it.
DECIMAL_JSON_SCHEMA: dict[str, Any] = {
    "anyOf": [{"type": "number"}, {"type": "string", "pattern": DECIMAL_TEXT}]
}
MONEY_JSON_SCHEMA: dict[str, Any] = {
    "anyOf": [{"type": "number", "minimum": 0}, {"type": "string", "pattern": decimal_pattern()}]
}
PERCENT_JSON_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {"type": "number", "minimum": 0, "maximum": 100},
        {"type": "string", "pattern": decimal_pattern(most=100)},
    ]
}
_CELL_JSON_SCHEMA: dict[str, Any] = {
    "anyOf": [*MONEY_JSON_SCHEMA["anyOf"], {"enum": [t.value for t in Token]}]
}
MATRIX_JSON_SCHEMA: dict[str, Any] = {
    "description": (
        "An amount, or a mapping by level, or by zone, or by level of mappings by zone. "
        "Values: a non-negative decimal, or one of " + ", ".join(t.value for t in Token) + "."
    ),
    "anyOf": [
        _CELL_JSON_SCHEMA,
        {
            "type": "object",
            "additionalProperties": {
                "anyOf": [
                    _CELL_JSON_SCHEMA,
                    {"type": "object", "additionalProperties": _CELL_JSON_SCHEMA},
                ]
            },
        },
    ],
}

#: The loader checks them once the file is read (claimcalc.product.load).
CATEGORIES_JSON_SCHEMA: dict[str, Any] = {
    "type": "array",
    "items": {"type": "string", "enum": sorted(EXPENSE_CATEGORIES)},
}
_ZONES_JSON_SCHEMA: dict[str, Any] = {"type": "array", "items": {"type": "string"}}
CELLS_JSON_SCHEMA: dict[str, Any] = {
    "description": "A list of zones (at every level), or a mapping of level to a list of zones.",
    "anyOf": [
        _ZONES_JSON_SCHEMA,
        {"type": "object", "additionalProperties": _ZONES_JSON_SCHEMA},
    ],
}

Money = Annotated[Decimal, Meta(parse=non_negative, json_schema=MONEY_JSON_SCHEMA)]
Percent = Annotated[Decimal, Meta(parse=parse_percent, json_schema=PERCENT_JSON_SCHEMA)]
Number = Annotated[Decimal, Meta(parse=to_decimal, json_schema=DECIMAL_JSON_SCHEMA)]
#: Checked by :func:`resolve_matrix` once levels and zones are known.
Matrix = Annotated[Any, Meta(json_schema=MATRIX_JSON_SCHEMA)]
Slug = Annotated[str, Meta(pattern=r"^[a-z][a-z0-9_-]*" + END)]
#: Cells of a matrix: zones (at every level), or a mapping of level to zones.
#: Checked by :func:`resolve_cells` once levels and zones are known.
Cells = Annotated[Any, Meta(json_schema=CELLS_JSON_SCHEMA)]


# --------------------------------------------------------------------------- provenance


Article = Annotated[
    str, Meta(min_length=1, description="Article as printed, e.g. 'D2' or '1.22 c'.")
]


class Source:
    """Where a rule comes from: the article, and the summary-table line if any."""

    article: Article
    table: Annotated[
        str | None,
        Meta(
            default=None,
            descriptive=True,
            description="The TABELLA RIEPILOGATIVA line that fixes the value, quoted.",
        ),
    ]
    document: Annotated[
        Literal["condizioni", "dip", "dip_aggiuntivo", "tabella", "glossario"],
        Meta(default="condizioni", descriptive=True),
    ]
    quote: Annotated[
        str | None,
        Meta(
            default=None,
            descriptive=True,
            description=(
                "The contract's own sentence, as printed in the seed (whitespace aside): "
                "the settlement letter quotes it beside each line the rule reduces or refuses."
            ),
        ),
    ]

    def __str__(self) -> str:
        return self.article


SourceField = Annotated[Source, Meta(parse=source_shorthand, accepts="Article | Source")]


class Annotations:
    """Provenance shared by every rule."""

    source: SourceField
    reading: Annotated[
        str | None,
        Meta(
            default=None,
            descriptive=True,
            description="The reading taken where the text is ambiguous (domain.md).",
        ),
    ]
    discrepancy: Annotated[
        str | None,
        Meta(
            default=None,
            descriptive=True,
            description="Where DIP, DIP aggiuntivo and Condizioni disagree, and why.",
        ),
    ]
    note: Annotated[str | None, Meta(default=None, descriptive=True)]


# --------------------------------------------------------------------------- conditions


class FactTest:
    """A test of one claim fact. Exactly one operator is given."""

    fact: str
    is_: Annotated[bool | str | int | None, Meta(default=None, alias="is")]
    in_: Annotated[tuple[str, ...] | None, Meta(default=None, alias="in")]
    has: Annotated[str | None, Meta(default=None)]
    has_any: Annotated[tuple[str, ...] | None, Meta(default=None)]
    gt: Annotated[Number | None, Meta(default=None)]
    ge: Annotated[Number | None, Meta(default=None)]
    lt: Annotated[Number | None, Meta(default=None)]
    le: Annotated[Number | None, Meta(default=None)]

    EXACTLY_ONE = ("is", "in", "has", "has_any", "gt", "ge", "lt", "le")

    def check(self) -> None:
        if len(given(self)) != 1:
            raise ValueError(
                _("a fact test takes exactly one of: {operators}").format(
                    operators=", ".join(self.operators())
                )
            )

    @staticmethod
    def operators() -> tuple[str, ...]:
        return FactTest.EXACTLY_ONE

    @property
    def operator(self) -> str:
        return next(n for n in self.operators() if getattr(self, operator_attribute(n)) is not None)

    @property
    def operand(self) -> object:
        return getattr(self, operator_attribute(self.operator))

    def __str__(self) -> str:
        operand = self.operand
        if isinstance(operand, tuple):
            operand = "[" + ", ".join(operand) + "]"
        elif isinstance(operand, bool):
            operand = str(operand).lower()
        return f"{self.fact} {self.operator} {operand}"


def operator_attribute(operator: str) -> str:
    return {"is": "is_", "in": "in_"}.get(operator, operator)


def given(rule: object) -> list[str]:
    """Which of a class's ``EXACTLY_ONE`` keys a rule gives (not null)."""
    keys: tuple[str, ...] = getattr(rule, "EXACTLY_ONE", ())
    return [key for key in keys if getattr(rule, operator_attribute(key)) is not None]


def exactly_one_schema(keys: tuple[str, ...]) -> dict[str, Any]:
    """The JSON Schema of ``EXACTLY_ONE``: one of the keys given, and not null."""
    return {
        "oneOf": [{"required": [k], "properties": {k: {"not": {"type": "null"}}}} for k in keys]
    }


class AllOf:
    all: tuple[Condition, ...]

    def __str__(self) -> str:
        return "(" + " and ".join(str(c) for c in self.all) + ")"


class AnyOf:
    any: tuple[Condition, ...]

    def __str__(self) -> str:
        return "(" + " or ".join(str(c) for c in self.any) + ")"


class Not:
    not_: Annotated[Condition, Meta(alias="not")]

    def __str__(self) -> str:
        return f"not {self.not_}"


# Told apart by the one key each has (the first field); the message lists them leaf first.
Condition = Annotated[
    AllOf | AnyOf | Not | FactTest,
    Meta(error="a condition needs one of the keys: fact, all, any, not"),
]


def iter_fact_tests(condition: Condition) -> Iterator[tuple[tuple[str | int, ...], FactTest]]:
    """Every fact test inside a condition, with its key path relative to it."""
    if isinstance(condition, FactTest):
        yield (), condition
    elif isinstance(condition, AllOf):
        for i, child in enumerate(condition.all):
            for path, test in iter_fact_tests(child):
                yield ("all", i, *path), test
    elif isinstance(condition, AnyOf):
        for i, child in enumerate(condition.any):
            for path, test in iter_fact_tests(child):
                yield ("any", i, *path), test
    else:
        for path, test in iter_fact_tests(condition.not_):
            yield ("not", *path), test


# --------------------------------------------------------------------------- limits


class Scope(StrEnum):
    """Over what a limit counts. A sinistro is one insured person's claim (domain.md)."""

    PER_SINISTRO = "per_sinistro"
    PER_TRIP = "per_trip"
    PER_INSURED_PER_PERIOD = "per_insured_per_period"
    PER_EVENT = "per_event"
    PER_OBJECT = "per_object"
    PER_DAY = "per_day"
    PER_NIGHT = "per_night"
    PER_HOUR = "per_hour"
    PER_BLOCK = "per_block"

    @property
    def is_unit_rate(self) -> bool:
        """A rate per unit of time, applied while quantifying the loss."""
        return self in _UNIT_SCOPES

    @property
    def text(self) -> str:
        """The scope as an adjuster reads it, in the current language."""
        return _(SCOPE_TEXTS[self])


#: Each scope's one human text.
#: English msgids (N_): a text that is shown passes through ``claimcalc.i18n._``.
SCOPE_TEXTS = {
    Scope.PER_SINISTRO: N_("per sinistro (per insured)"),
    Scope.PER_TRIP: N_("per trip"),
    Scope.PER_INSURED_PER_PERIOD: N_("per insured, per policy period"),
    Scope.PER_EVENT: N_("per event"),
    Scope.PER_OBJECT: N_("per object"),
    Scope.PER_DAY: N_("per day"),
    Scope.PER_NIGHT: N_("per night"),
    Scope.PER_HOUR: N_("per hour"),
    Scope.PER_BLOCK: N_("per block of hours"),
}

_UNIT_SCOPES = frozenset({Scope.PER_DAY, Scope.PER_NIGHT, Scope.PER_HOUR, Scope.PER_BLOCK})


def scope_spelling(value: object) -> object:
    """Refuse ``per_claim``, the old spelling of ``per_sinistro`` (issue #13), by name."""
    if value == "per_claim":
        raise ValueError(
            "'per_claim' was renamed: write 'per_sinistro' "
            "(per sinistro: one insured person's claim)"
        )
    return value


class Unit(StrEnum):
    EUR = "eur"
    HOURS = "hours"
    DAYS = "days"


class Limit(Annotations):
    """A massimale, sottomassimale or per-unit cap."""

    id: Annotated[
        str, Meta(pattern=r"^[A-Za-z][A-Za-z0-9_.]*" + END, description="Unique in the product.")
    ]
    title: Annotated[str | None, Meta(default=None, descriptive=True)]
    scope: Annotated[Scope, Meta(parse=scope_spelling)]
    amount: Matrix
    unit: Annotated[Unit, Meta(default=Unit.EUR)]
    parent: Annotated[
        str | None, Meta(default=None, description="Id of the limit this one nests in.")
    ]
    applies_when: Annotated[
        Condition | None,
        Meta(
            default=None,
            description="The limit applies only when this holds (e.g. an age band).",
        ),
    ]
    max_units: Annotated[
        Matrix | None,
        Meta(
            default=None,
            description="Per-day/night/hour/block limits: at most this many units.",
        ),
    ]
    block_hours: Annotated[
        int | None, Meta(default=None, gt=0, description="per_block: hours a block.")
    ]
    percent_of_parent: Annotated[
        Percent | None,
        Meta(default=None, description="Also at most this percentage of the parent's amount."),
    ]
    applies_to: Annotated[
        tuple[str, ...],
        Meta(
            default=(),
            json_schema=CATEGORIES_JSON_SCHEMA,
            description="Expense categories the limit caps; default: all of them.",
        ),
    ]
    inferred: Annotated[
        Cells | None,
        Meta(
            default=None,
            descriptive=True,
            description=(
                "The cells of amount claimcalc inferred rather than read in the contract "
                "(zones, or level: zones); the limit's reading says how."
            ),
        ),
    ]

    def check(self) -> None:
        if (self.block_hours is None) == (self.scope is Scope.PER_BLOCK):
            raise ValueError(_("block_hours is required for per_block limits and only for them"))
        if self.max_units is not None and not self.scope.is_unit_rate:
            raise ValueError(_("max_units applies only to per_day, per_night, per_hour, per_block"))
        if self.percent_of_parent is not None and self.parent is None:
            raise ValueError(_("percent_of_parent needs a parent"))

    def rates(self, category: str) -> bool:
        """Whether this rate (per day, night, hour, block) applies to an expense of
        ``category``: every one, or those ``applies_to`` names (Wi School A1.7:
        the nights, not the return ticket)."""
        return not self.applies_to or category in self.applies_to


# --------------------------------------------------------------------------- formulas


class PenaltyAtEvent(Annotations):
    """A cancellation pays at most the penalty due on the event date (Wi School F7, Imaway M7)."""


class DocumentedCost(Annotations):
    """The documented cost of the expense lines (converted to EUR)."""

    kind: Literal["documented_cost"]
    proportional_to_insured_value: Annotated[
        bool,
        Meta(
            default=False,
            description="c.c. 1907: reduce in proportion when the insured value is below the cost.",
        ),
    ]
    penalty_at_event: Annotated[
        PenaltyAtEvent | None,
        Meta(
            default=None,
            description=(
                "The documented cost is at most the line's penalty_at_event (the penalty due on "
                "the event date), when the claim states it (Wi School F7, Imaway M7)."
            ),
        ),
    ]


class ObjectValues(Annotations):
    """Baggage: each object's commercial value, capped by the per-object limit."""

    kind: Literal["object_values"]
    basis: Annotated[Literal["commercial_value"], Meta(default="commercial_value")]


class UnitAllowance(Annotations):
    """A fixed sum per complete unit (day, night, hour, block) from a per-unit limit."""

    kind: Literal["unit_allowance"]
    rate_limit: Annotated[str, Meta(description="Id of the per-unit limit that fixes the rate.")]
    units_fact: Annotated[
        Literal["delay_hours", "hospital_days", "days"], Meta(default="delay_hours")
    ]
    min_exclusive: Annotated[
        Number | None,
        Meta(default=None, description="Pays only when the units fact is strictly above this."),
    ]


class ProRataTripCost(Annotations):
    """Trip cost (net of fees, and flights where named) by its days or nights, times unused days."""

    kind: Literal["pro_rata_trip_cost"]
    divide_by: Literal["days", "nights"]
    multiply_by: Annotated[Literal["unused_days"], Meta(default="unused_days")]
    net_of: Annotated[
        tuple[Literal["registration_fees", "insurance", "flights"], ...], Meta(default=())
    ]


class PercentOfSumInsured(Annotations):
    """Sum insured times a percentage fact (permanent invalidity)."""

    kind: Literal["percent_of_sum_insured"]
    sum_insured: Annotated[str, Meta(description="Id of the limit that is the sum insured.")]
    percent_fact: Annotated[Literal["invalidity_percent"], Meta(default="invalidity_percent")]


class FixedSum(Annotations):
    """The whole sum insured (death benefit)."""

    kind: Literal["fixed_sum"]
    sum_insured: str
    less_paid_under: Annotated[
        tuple[str, ...],
        Meta(
            default=(),
            description="Guarantees whose payments for the same accident are deducted (L8, D2).",
        ),
    ]
    only_if_sum_exceeds: Annotated[
        str | None,
        Meta(
            default=None,
            description="Deduct-and-top-up only if this sum insured is exceeded (Wi School D2).",
        ),
    ]


Formula = (
    DocumentedCost | ObjectValues | UnitAllowance | ProRataTripCost | PercentOfSumInsured | FixedSum
)


# --------------------------------------------------------------------------- deductibles


class Franchigia(Annotations):
    """A fixed amount deducted from the loss."""

    kind: Literal["franchigia"]
    amount: Money
    waived_when: Annotated[Condition | None, Meta(default=None)]


class Scoperto(Annotations):
    """A percentage of the loss left to the insured, with a minimum amount."""

    kind: Literal["scoperto"]
    percent: Percent
    minimum: Annotated[Money | None, Meta(default=None)]
    waived_when: Annotated[Condition | None, Meta(default=None)]


#: Keys the rule language no longer takes, with what to write instead: a file
#: that still has one is told why, not just "unknown key".
RETIRED_KEYS = {  # the messages are msgids (translated where the key is refused)
    "per": N_(
        "'per' was removed: a franchigia or scoperto is taken once per sinistro "
        "(one insured person's claim) for its section or guarantee; delete the key"
    ),
}


class InvalidityThreshold(Annotations):
    """Absolute: pay only points above the threshold. Relative: nothing up to it, then all."""

    kind: Literal["invalidity_threshold"]
    percent: Percent
    mode: Literal["absolute", "relative"]


Deductible = Franchigia | Scoperto | InvalidityThreshold


# --------------------------------------------------------------------------- eligibility


class MaxAge(Annotations):
    kind: Literal["max_age"]
    age: Annotated[int, Meta(gt=0)]
    at: Annotated[Literal["subscription"], Meta(default="subscription")]
    roles: Annotated[tuple[Literal["student", "teacher"], ...] | None, Meta(default=None)]


class MaxTripDays(Annotations):
    kind: Literal["max_trip_days"]
    days: Annotated[int, Meta(gt=0)]


class PolicyWindow(Annotations):
    """Trips start on or after the policy start and end by its expiry."""

    kind: Literal["policy_window"]
    duration_months: Annotated[int | None, Meta(default=None, gt=0)]


class WaitingPeriod(Annotations):
    """Cover starts at 24:00 of the n-th day after ``from_``."""

    kind: Literal["waiting_period"]
    days: Annotated[int, Meta(ge=0)]
    from_: Annotated[Literal["policy_issue", "enrolment"], Meta(alias="from")]


class CoverEnds(Annotations):
    kind: Literal["cover_ends"]
    at: Literal["departure", "first_service", "trip_end"]


class ReportingDeadline(Annotations):
    kind: Literal["reporting_deadline"]
    days: Annotated[int | None, Meta(default=None, gt=0)]
    hours: Annotated[int | None, Meta(default=None, gt=0)]
    from_: Annotated[
        Literal["event", "return", "renunciation", "when_possible", "planned_departure"],
        Meta(alias="from"),
    ]

    EXACTLY_ONE = ("days", "hours")

    def check(self) -> None:
        if len(given(self)) != 1:
            raise ValueError(_("a reporting deadline takes exactly one of: days, hours"))


class OncePerPeriod(Annotations):
    kind: Literal["once_per_period"]


class Presumption:
    """What the contract presumes of a fact the claim does not state (Imaway D2)."""

    presumed: Annotated[
        bool, Meta(description="The value the contract takes for the unstated fact.")
    ]
    source: SourceField
    text: Annotated[
        str, Meta(min_length=1, description="The contract's words, quoted in the refusal.")
    ]

    def __str__(self) -> str:
        return f'presumed {str(self.presumed).lower()} ({self.source.article}: "{self.text}")'


class PriorAuthorisation(Annotations):
    """Expenses above ``above`` (0: any) need a practice number (fact ``authorised``)."""

    kind: Literal["prior_authorisation"]
    above: Annotated[Money, Meta(default=Decimal(0))]
    when_unstated: Annotated[
        Presumption | None,
        Meta(
            default=None,
            description=(
                "What the contract presumes when the claim does not state `authorised`; "
                "without it, an unstated `authorised` makes the claim incomplete (exit 3)."
            ),
        ),
    ]


class WithinTimeOfEvent(Annotations):
    """The expense, death or invalidity counts only within this time after the event."""

    kind: Literal["within_time_of_event"]
    days: Annotated[int | None, Meta(default=None, gt=0)]
    years: Annotated[int | None, Meta(default=None, gt=0)]

    EXACTLY_ONE = ("days", "years")

    def check(self) -> None:
        if len(given(self)) != 1:
            raise ValueError(_("takes exactly one of: days, years"))


class ExpensesDuringTrip(Annotations):
    """A documented expense counts only when made by the trip's last day (Imaway E2 a)."""

    kind: Literal["expenses_during_trip"]


class EventInDestination(Annotations):
    """The event happened inside the destination zone bought (zones nest)."""

    kind: Literal["event_in_destination"]


class EventDuringTrip(Annotations):
    """The event happens between departure and return (plus some days after it)."""

    kind: Literal["event_during_trip"]
    days_after_return: Annotated[int, Meta(default=0, ge=0)]


class Requires(Annotations):
    """A condition the claim's facts must meet for the guarantee to operate."""

    kind: Literal["requires"]
    when: Condition
    text: str


EligibilityRule = (
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
    | Requires
)


# --------------------------------------------------------------------------- exclusions


class Exclusion(Annotations):
    id: Annotated[
        str,
        Meta(
            pattern=r"^[A-Za-z0-9][A-Za-z0-9_.]*" + END,
            descriptive=True,
            description="Names the exclusion (diff matches editions by it).",
        ),
    ]
    text: str
    when: Condition
    per: Annotated[Literal["claim", "object"], Meta(default="claim")]
    not_for: Annotated[
        tuple[str, ...],
        Meta(default=(), description="Section codes for which this exclusion does not operate."),
    ]
    except_when: Annotated[
        Condition | None,
        Meta(
            default=None,
            description="The exception the text makes (e.g. recreational practice).",
        ),
    ]
    exception_limit: Annotated[
        Money | None,
        Meta(default=None, description="When the exception applies, cover up to this amount."),
    ]


# --------------------------------------------------------------------------- structure


class GuaranteeKind(StrEnum):
    CASH = "cash"  # garanzia: the insurer reimburses or indemnifies
    ASSISTANCE = "assistance"  # prestazione in kind, organised by the Struttura
    ADVANCE = "advance"  # anticipo: the insured must repay it


class Guarantee(Annotations):
    code: Annotated[
        str,
        Meta(pattern=r"^[A-Z]\.[a-z][a-z0-9_]*" + END, description="Stable code, e.g. D.dental."),
    ]
    title: Annotated[str, Meta(descriptive=True, description="Name as printed in the contract.")]
    kind: GuaranteeKind
    levels: Annotated[
        tuple[str, ...] | None,
        Meta(default=None, description="Levels where included; default: the section's levels."),
    ]
    formula: Formula
    limits: Annotated[tuple[Limit, ...], Meta(default=())]
    deductibles: Annotated[tuple[Deductible, ...], Meta(default=())]
    eligibility: Annotated[tuple[EligibilityRule, ...], Meta(default=())]
    exclusions: Annotated[tuple[Exclusion, ...], Meta(default=())]


class CarrierCompensation(Annotations):
    """The carrier's payment comes off the section's loss once per sinistro (Imaway E4)."""


class Section(Annotations):
    code: Annotated[str, Meta(pattern=r"^[A-Z]" + END)]
    title: Annotated[str, Meta(descriptive=True)]
    zone_basis: Annotated[
        Literal["event", "destination"],
        Meta(
            default="event",
            description=(
                "Which zone selects the limits: where the event happened (Imaway 1.2) or the "
                "trip's destination (cancellation, interruption; Wi School B1). A section zoned "
                "by the destination checks the event in the destination only when its event "
                "happens during the trip (event_during_trip)."
            ),
        ),
    ]
    levels: Annotated[
        tuple[str, ...] | None,
        Meta(default=None, description="Levels where the section is included; default: all."),
    ]
    limits: Annotated[
        tuple[Limit, ...],
        Meta(default=(), description="Massimali shared by every guarantee of the section."),
    ]
    deductibles: Annotated[
        tuple[Deductible, ...],
        Meta(
            default=(),
            description="Taken once per sinistro (insured person) across the section's guarantees.",
        ),
    ]
    carrier_compensation: Annotated[
        CarrierCompensation | None,
        Meta(
            default=None,
            description=(
                "What the carrier paid comes off the section's loss, once per sinistro (Imaway E4)."
            ),
        ),
    ]
    eligibility: Annotated[tuple[EligibilityRule, ...], Meta(default=())]
    exclusions: Annotated[tuple[Exclusion, ...], Meta(default=())]
    guarantees: tuple[Guarantee, ...]


class Alternative(Annotations):
    """Guarantees that never both pay for the same flight or trip."""

    id: Annotated[
        str, Meta(descriptive=True, description="Names the alternative (diff matches by it).")
    ]
    guarantees: tuple[str, ...]
    rule: Annotated[Literal["more_favourable"], Meta(default="more_favourable")]
    scope: Annotated[
        Literal["same_flight", "same_trip"],
        Meta(
            descriptive=True,
            description=(
                "What the guarantees share. A claim file is one event, so within it every "
                "line is of the same flight and trip (docs/domain.md); the scope says how far "
                "the alternative reaches across claims."
            ),
        ),
    ]


class Level:
    id: Slug
    name: str


class Zone:
    id: Slug
    name: str
    source: Annotated[SourceField, Meta(descriptive=True)]
    note: Annotated[str | None, Meta(default=None, descriptive=True)]


class Discrepancy:
    """A disagreement between the product's documents, and what was encoded."""

    text: Annotated[str, Meta(descriptive=True)]
    source: Annotated[SourceField, Meta(descriptive=True)]
    encoded: Annotated[str, Meta(descriptive=True)]


class CurrencyConversion(Annotations):
    """How foreign expenses become euro (Imaway 1.15, Wi School 1.15)."""

    basis: Annotated[Literal["ecb_reference_rate"], Meta(default="ecb_reference_rate")]
    rate_date: Annotated[Literal["expense_date"], Meta(default="expense_date")]
    fallback_days: Annotated[
        int,
        Meta(default=7, ge=0, description="Use the last fixing at most this many days earlier."),
    ]


class Product:
    """One product edition, as loaded from its YAML file."""

    format: Annotated[
        Literal[1], Meta(parse=not_boolean, description="Version of the product file format.")
    ]
    id: Slug
    insurer: Annotated[str, Meta(descriptive=True)]
    name: Annotated[str, Meta(descriptive=True)]
    edition: Annotated[
        str, Meta(parse=parse_edition, pattern=EDITION_TEXT, description="YYYY-MM of the edition.")
    ]
    edition_label: Annotated[
        str, Meta(descriptive=True, description="Edition as printed, e.g. 'Ed. 01/2026'.")
    ]
    seed: Annotated[
        str, Meta(descriptive=True, description="The contract document this file encodes.")
    ]
    levels: tuple[Level, ...]
    zones: Annotated[
        tuple[Zone, ...],
        Meta(description="Destination zones, narrowest first (each contains the previous)."),
    ]
    currency: CurrencyConversion
    eligibility: Annotated[tuple[EligibilityRule, ...], Meta(default=())]
    exclusions: Annotated[
        tuple[Exclusion, ...], Meta(default=(), description="The general exclusions.")
    ]
    alternatives: Annotated[tuple[Alternative, ...], Meta(default=())]
    sections: tuple[Section, ...]
    discrepancies: Annotated[tuple[Discrepancy, ...], Meta(default=(), descriptive=True)]

    _sha256: Annotated[str, Meta(default="")]
    _path: Annotated[str, Meta(default="")]
    #: What the engine works out once from this product (a
    #: ``claimcalc.settling.plan.ProductPlan``, made on the first settlement).
    _settling_plan: Annotated[Any, Meta(default=None)]

    @property
    def sha256(self) -> str:
        """Hash of the file's bytes, so a settlement can name what it used."""
        return self._sha256

    @property
    def path(self) -> str:
        return self._path

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.edition}"

    @cached_property
    def level_ids(self) -> tuple[str, ...]:
        return tuple(level.id for level in self.levels)

    @cached_property
    def zone_ids(self) -> tuple[str, ...]:
        return tuple(zone.id for zone in self.zones)

    def guarantees(self) -> Iterator[tuple[Section, Guarantee]]:
        for section in self.sections:
            for guarantee in section.guarantees:
                yield section, guarantee

    @cached_property
    def _guarantee_index(self) -> dict[str, tuple[Section, Guarantee]]:
        return {g.code: (s, g) for s, g in self.guarantees()}

    @cached_property
    def _limit_index(self) -> dict[str, Limit]:
        index: dict[str, Limit] = {}
        for section in self.sections:
            index.update((limit.id, limit) for limit in section.limits)
            for guarantee in section.guarantees:
                index.update((limit.id, limit) for limit in guarantee.limits)
        return index

    def has_guarantee(self, code: str) -> bool:
        return code in self._guarantee_index

    def guarantee(self, code: str) -> Guarantee:
        return self._guarantee_index[code][1]

    def section_of(self, code: str) -> Section:
        return self._guarantee_index[code][0]

    def limit(self, limit_id: str) -> Limit:
        return self._limit_index[limit_id]

    def covered_levels(
        self, section: Section, guarantee: Guarantee | None = None
    ) -> tuple[str, ...]:
        if guarantee is not None and guarantee.levels is not None:
            return guarantee.levels
        return section.levels if section.levels is not None else self.level_ids

    @cached_property
    def _limit_values(self) -> dict[str, dict[tuple[str, str], Amount]]:
        values = {}
        for limit_id, limit in self._limit_index.items():
            resolved, problems = resolve_matrix(limit.amount, self.level_ids, self.zone_ids)
            if not problems:
                values[limit_id] = resolved
        return values

    @cached_property
    def _limit_units(self) -> dict[str, dict[tuple[str, str], Amount]]:
        values = {}
        for limit_id, limit in self._limit_index.items():
            if limit.max_units is not None:
                resolved, _ = resolve_matrix(limit.max_units, self.level_ids, self.zone_ids)
                values[limit_id] = resolved
        return values

    def limit_amount(self, limit_id: str, level: str, zone: str) -> Amount:
        """A limit's amount at a level and zone (resolved once per product)."""
        return self._limit_values[limit_id][(level, zone)]

    def limit_max_units(self, limit_id: str, level: str, zone: str) -> Amount | None:
        units = self._limit_units.get(limit_id)
        return None if units is None else units[(level, zone)]

    def zone_index(self, zone: str) -> int:
        return self.zone_ids.index(zone)

    def amount(self, matrix: Any, level: str, zone: str) -> Amount:
        """The value of a matrix for one level and zone (the file must be valid)."""
        resolved, problems = resolve_matrix(matrix, self.level_ids, self.zone_ids)
        if problems:
            raise ValueError(problems[0][1])
        return resolved[(level, zone)]

    def inferred(self, limit: Limit) -> frozenset[tuple[str, str]]:
        """The (level, zone) cells of a limit's amount the project inferred, not
        printed in the contract (``Limit.inferred``; the file must be valid)."""
        if limit.inferred is None:
            return frozenset()
        cells, problems = resolve_cells(limit.inferred, self.level_ids, self.zone_ids)
        if problems:
            raise ValueError(problems[0][1])
        return cells


# --------------------------------------------------------------------------- the model walked


def meta_of(hint: object) -> Meta | None:
    """The :class:`Meta` of an evaluated annotation, if it has one.

    ``Annotated[SourceField, Meta(...)]`` flattens to the alias's metadata
    followed by the field's: the field's own is the last.
    """
    metas = [m for m in getattr(hint, "__metadata__", ()) if isinstance(m, Meta)]
    return metas[-1] if metas else None


def rule_classes(root: type = Product) -> list[type]:
    """The classes of the rule model reachable from ``root`` and their bases, in
    declaration order (what :mod:`claimcalc.product.generate` writes a model for)."""
    found: set[type] = set()
    pending = [root]
    while pending:
        cls = pending.pop()
        if cls in found:
            continue
        found.add(cls)
        pending.extend(b for b in cls.__mro__[1:] if b.__module__ == __name__)
        for hint in typing.get_type_hints(cls, include_extras=True).values():
            pending.extend(_classes_in(hint))
    return [c for c in vars(sys.modules[__name__]).values() if isinstance(c, type) and c in found]


def _classes_in(hint: object) -> Iterator[type]:
    if isinstance(hint, type) and hint.__module__ == __name__ and not issubclass(hint, StrEnum):
        yield hint
    for arg in typing.get_args(hint):
        yield from _classes_in(arg)


def rule_fields(root: type = Product) -> Iterator[tuple[type, str, bool]]:
    """Every field of the rule model, as (class, field name, descriptive?).

    A field marked ``Meta(descriptive=True)`` is documentation: it changes no
    amount, status or reason code (tests/test_rule_keys.py holds the others to
    being read by a settlement step). Inherited fields (the provenance of :class:`Annotations`)
    are yielded for each class that has them; classes only inherited from
    (``Annotations``) and private attributes (``_sha256``…) are left out.
    Evaluates annotations, so it is for tests and tools, not for settling.
    """
    bases = {b for c in rule_classes(root) for b in c.__mro__[1:]}
    for cls in rule_classes(root):
        if cls in bases:
            continue
        for name, hint in typing.get_type_hints(cls, include_extras=True).items():
            if not name.startswith("_"):
                meta = meta_of(hint)
                yield cls, name, meta is not None and meta.descriptive


# --------------------------------------------------------------------------- matrices


MatrixProblem = tuple[tuple[str | int, ...], str]


def parse_cell(value: object) -> Amount:
    """One matrix value: a non-negative decimal or a :class:`Token`."""
    if isinstance(value, str) and not value.strip().lstrip("-").replace(".", "", 1).isdigit():
        try:
            return Token(value)
        except ValueError:
            tokens = ", ".join(t.value for t in Token)
            raise ValueError(
                _("expected an amount or one of {tokens}, got {got!r}").format(
                    tokens=tokens, got=value
                )
            ) from None
    return non_negative(value)


def resolve_matrix(
    raw: object, levels: tuple[str, ...], zones: tuple[str, ...]
) -> tuple[dict[tuple[str, str], Amount], list[MatrixProblem]]:
    """Expand a matrix to one value per (level, zone); report problems by key path."""
    problems: list[MatrixProblem] = []
    result: dict[tuple[str, str], Amount] = {}

    def cell(value: object, path: tuple[str | int, ...]) -> Amount | None:
        if isinstance(value, Mapping | list):
            problems.append((path, _("expected an amount here, not a mapping or list")))
            return None
        try:
            return parse_cell(value)
        except ValueError as exc:
            problems.append((path, str(exc)))
            return None

    def by_zone(value: Mapping[Any, Any], path: tuple[str | int, ...]) -> dict[str, Amount] | None:
        unknown = [k for k in value if k not in zones]
        for key in unknown:
            problems.append(
                (
                    (*path, key),
                    _("unknown zone {zone!r} (zones: {zones})").format(
                        zone=key, zones=", ".join(zones)
                    ),
                )
            )
        missing = [z for z in zones if z not in value]
        if missing:
            problems.append(
                (
                    path,
                    _("no value for zone {zones}").format(
                        zones=", ".join(repr(z) for z in missing)
                    ),
                )
            )
        if unknown or missing:
            return None
        cells = {z: cell(value[z], (*path, z)) for z in zones}
        if any(v is None for v in cells.values()):
            return None
        return {z: v for z, v in cells.items() if v is not None}

    if not isinstance(raw, Mapping):
        value = cell(raw, ())
        if value is not None:
            result = {(lv, z): value for lv in levels for z in zones}
        return result, problems

    keys = list(raw)
    if keys and all(k in zones for k in keys) and not any(k in levels for k in keys):
        zone_values = by_zone(raw, ())
        if zone_values is not None:
            result = {(lv, z): zone_values[z] for lv in levels for z in zones}
        return result, problems

    unknown = [k for k in keys if k not in levels]
    for key in unknown:
        problems.append(
            (
                (key,),
                _("unknown level or zone {key!r} (levels: {levels}; zones: {zones})").format(
                    key=key, levels=", ".join(levels), zones=", ".join(zones)
                ),
            )
        )
    missing = [lv for lv in levels if lv not in raw]
    if missing and not unknown:
        problems.append(
            (
                (),
                _("no value for level {levels}").format(
                    levels=", ".join(repr(lv) for lv in missing)
                ),
            )
        )
    if unknown or missing:
        return {}, problems
    for level in levels:
        value = raw[level]
        if isinstance(value, Mapping):
            zone_values = by_zone(value, (level,))
            if zone_values is not None:
                result.update(((level, z), v) for z, v in zone_values.items())
        else:
            single = cell(value, (level,))
            if single is not None:
                result.update(((level, z), single) for z in zones)
    return (result if not problems else {}), problems


def resolve_cells(
    raw: object, levels: tuple[str, ...], zones: tuple[str, ...]
) -> tuple[frozenset[tuple[str, str]], list[MatrixProblem]]:
    """The (level, zone) cells a :data:`Cells` value names; problems by key path.

    A list of zones names them at every level; a mapping names, for each level
    it has, a list of zones."""
    problems: list[MatrixProblem] = []
    cells: set[tuple[str, str]] = set()

    def zone_list(value: object, path: tuple[str | int, ...]) -> list[str]:
        if not isinstance(value, list | tuple) or not value:
            problems.append((path, "expected a non-empty list of zones"))
            return []
        known = []
        for i, zone in enumerate(value):
            if zone in zones:
                known.append(str(zone))
            else:
                problems.append(((*path, i), f"unknown zone {zone!r} (zones: {', '.join(zones)})"))
        return known

    if isinstance(raw, Mapping):
        if not raw:
            problems.append(((), "expected a list of zones or a mapping of level to zones"))
        for level, value in raw.items():
            if level not in levels:
                problems.append(
                    ((str(level),), f"unknown level {level!r} (levels: {', '.join(levels)})")
                )
                continue
            cells.update((level, zone) for zone in zone_list(value, (level,)))
    else:
        for zone in zone_list(raw, ()):
            cells.update((level, zone) for level in levels)
    return frozenset(cells) if not problems else frozenset(), problems


# --------------------------------------------------------------------------- freezing


def freeze(product: Product) -> Product:
    """A copy of a validated product made of the plain classes above.

    Its lookups (levels, zones, guarantees, resolved limit amounts) are
    computed here, once, so that a cached copy needs no work before settling.
    """
    copies: dict[int, object] = {}
    plain = _plain_copy(product, copies)
    assert isinstance(plain, Product)
    plain._sha256, plain._path, plain._settling_plan = product.sha256, product.path, None
    for lookup in ("level_ids", "zone_ids", "_guarantee_index", "_limit_values", "_limit_units"):
        getattr(plain, lookup)
    return plain


def _plain_copy(value: object, copies: dict[int, object]) -> object:
    if type(value) is tuple:
        return tuple(_plain_copy(item, copies) for item in value)
    fields = getattr(type(value), "model_fields", None)
    if fields is None:
        return value  # str, Decimal, enums, matrices (plain dicts)
    done = copies.get(id(value))
    if done is not None:
        return done
    # The model's plain base is the class of the same name in this module.
    plain_class = next(c for c in type(value).__mro__ if c.__module__ == __name__)
    copy: Any = object.__new__(plain_class)
    copy.__dict__.update((name, _plain_copy(getattr(value, name), copies)) for name in fields)
    copies[id(value)] = copy
    return copy
