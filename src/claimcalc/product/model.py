"""The rule objects the engine settles with: plain classes, no pydantic.

:mod:`claimcalc.product.schema` validates a product file into pydantic models that
subclass these classes, adding constraints, aliases and JSON Schema; the
engine only reads fields, so it takes either. :func:`freeze` copies a
validated product into instances of these plain classes: that copy is what
the product cache stores for settling, so a run that finds its product in the
cache imports neither pydantic nor the rule model (most of a one-claim run's
start-up otherwise).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal
from enum import StrEnum
from functools import cached_property
from typing import Any, Literal

from claimcalc.money import to_decimal


class Token(StrEnum):
    """Non-numeric matrix values, as the contracts print them."""

    UNLIMITED = "unlimited"  # "Illimitato"
    INCLUDED = "included"  # "Inclusa"/"Incluso": a service with no stated amount
    NOT_COVERED = "not_covered"  # "Esclusa" at this level or zone
    NOT_APPLICABLE = "not_applicable"  # the limit does not bite here (e.g. "esclusa Italia")
    TRIP_COST = "trip_cost"  # "fino alla concorrenza del costo del viaggio"


Amount = Decimal | Token


class Source:
    """Where a rule comes from: the article, and the summary-table line if any."""

    article: str
    table: str | None
    document: Literal["condizioni", "dip", "dip_aggiuntivo", "tabella", "glossario"]

    def __str__(self) -> str:
        return self.article


class Annotations:
    """Provenance shared by every rule."""

    source: Source
    reading: str | None
    discrepancy: str | None
    note: str | None


class FactTest:
    """A test of one claim fact. Exactly one operator is given."""

    fact: str
    is_: bool | str | int | None
    in_: tuple[str, ...] | None
    has: str | None
    has_any: tuple[str, ...] | None
    gt: Decimal | None
    ge: Decimal | None
    lt: Decimal | None
    le: Decimal | None

    @staticmethod
    def operators() -> tuple[str, ...]:
        return ("is", "in", "has", "has_any", "gt", "ge", "lt", "le")

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


class AllOf:
    all: tuple[Condition, ...]

    def __str__(self) -> str:
        return "(" + " and ".join(str(c) for c in self.all) + ")"


class AnyOf:
    any: tuple[Condition, ...]

    def __str__(self) -> str:
        return "(" + " or ".join(str(c) for c in self.any) + ")"


class Not:
    not_: Condition

    def __str__(self) -> str:
        return f"not {self.not_}"


Condition = AllOf | AnyOf | Not | FactTest


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


class Scope(StrEnum):
    PER_CLAIM = "per_claim"
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


_UNIT_SCOPES = frozenset({Scope.PER_DAY, Scope.PER_NIGHT, Scope.PER_HOUR, Scope.PER_BLOCK})


class Unit(StrEnum):
    EUR = "eur"
    HOURS = "hours"
    DAYS = "days"


class Limit(Annotations):
    """A massimale, sottomassimale or per-unit cap."""

    id: str
    title: str | None
    scope: Scope
    amount: Any
    unit: Unit
    parent: str | None
    applies_when: Condition | None
    max_units: Any | None
    block_hours: int | None
    percent_of_parent: Decimal | None
    applies_to: tuple[str, ...]


class DocumentedCost(Annotations):
    """The documented cost of the expense lines (converted to EUR)."""

    kind: Literal["documented_cost"]
    proportional_to_insured_value: bool


class ObjectValues(Annotations):
    """Baggage: each object's commercial value, capped by the per-object limit."""

    kind: Literal["object_values"]
    basis: Literal["commercial_value"]


class UnitAllowance(Annotations):
    """A fixed sum per complete unit (day, night, hour, block) from a per-unit limit."""

    kind: Literal["unit_allowance"]
    rate_limit: str
    units_fact: Literal["delay_hours", "hospital_days", "days"]
    min_exclusive: Decimal | None


class ProRataTripCost(Annotations):
    """Trip cost (net of fees) divided by its days or nights, times unused days."""

    kind: Literal["pro_rata_trip_cost"]
    divide_by: Literal["days", "nights"]
    multiply_by: Literal["unused_days"]
    net_of: tuple[Literal["registration_fees", "insurance"], ...]


class PercentOfSumInsured(Annotations):
    """Sum insured times a percentage fact (permanent invalidity)."""

    kind: Literal["percent_of_sum_insured"]
    sum_insured: str
    percent_fact: Literal["invalidity_percent"]


class FixedSum(Annotations):
    """The whole sum insured (death benefit)."""

    kind: Literal["fixed_sum"]
    sum_insured: str
    less_paid_under: tuple[str, ...]
    only_if_sum_exceeds: str | None


Formula = (
    DocumentedCost | ObjectValues | UnitAllowance | ProRataTripCost | PercentOfSumInsured | FixedSum
)


class Franchigia(Annotations):
    """A fixed amount deducted from the loss."""

    kind: Literal["franchigia"]
    amount: Decimal
    per: Literal["claim", "person"]
    waived_when: Condition | None


class Scoperto(Annotations):
    """A percentage of the loss left to the insured, with a minimum amount."""

    kind: Literal["scoperto"]
    percent: Decimal
    minimum: Decimal | None
    per: Literal["claim", "person"]
    waived_when: Condition | None


class InvalidityThreshold(Annotations):
    """Absolute: pay only points above the threshold. Relative: nothing up to it, then all."""

    kind: Literal["invalidity_threshold"]
    percent: Decimal
    mode: Literal["absolute", "relative"]


Deductible = Franchigia | Scoperto | InvalidityThreshold


class MaxAge(Annotations):
    kind: Literal["max_age"]
    age: int
    at: Literal["subscription"]
    roles: tuple[Literal["student", "teacher"], ...] | None


class MaxTripDays(Annotations):
    kind: Literal["max_trip_days"]
    days: int


class PolicyWindow(Annotations):
    """Trips start on or after the policy start and end by its expiry."""

    kind: Literal["policy_window"]
    duration_months: int | None


class WaitingPeriod(Annotations):
    """Cover starts at 24:00 of the n-th day after ``from_``."""

    kind: Literal["waiting_period"]
    days: int
    from_: Literal["policy_issue", "enrolment"]


class CoverEnds(Annotations):
    kind: Literal["cover_ends"]
    at: Literal["departure", "first_service", "trip_end"]


class ReportingDeadline(Annotations):
    kind: Literal["reporting_deadline"]
    days: int | None
    hours: int | None
    from_: Literal["event", "return", "renunciation", "when_possible", "planned_departure"]


class OncePerPeriod(Annotations):
    kind: Literal["once_per_period"]


class PriorAuthorisation(Annotations):
    """Expenses above ``above`` (0: any) need a practice number."""

    kind: Literal["prior_authorisation"]
    above: Decimal


class WithinTimeOfEvent(Annotations):
    """The expense, death or invalidity counts only within this time after the event."""

    kind: Literal["within_time_of_event"]
    days: int | None
    years: int | None


class EventInDestination(Annotations):
    """The event happened inside the destination zone bought (zones nest)."""

    kind: Literal["event_in_destination"]


class EventDuringTrip(Annotations):
    """The event happens between departure and return (plus some days after it)."""

    kind: Literal["event_during_trip"]
    days_after_return: int


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
    | EventDuringTrip
    | EventInDestination
    | Requires
)


class Exclusion(Annotations):
    id: str
    text: str
    when: Condition
    per: Literal["claim", "object"]
    not_for: tuple[str, ...]
    except_when: Condition | None
    exception_limit: Decimal | None


class GuaranteeKind(StrEnum):
    CASH = "cash"  # garanzia: the insurer reimburses or indemnifies
    ASSISTANCE = "assistance"  # prestazione in kind, organised by the Struttura
    ADVANCE = "advance"  # anticipo: the insured must repay it


class Guarantee(Annotations):
    code: str
    title: str
    kind: GuaranteeKind
    levels: tuple[str, ...] | None
    formula: Formula
    limits: tuple[Limit, ...]
    deductibles: tuple[Deductible, ...]
    eligibility: tuple[EligibilityRule, ...]
    exclusions: tuple[Exclusion, ...]


class Section(Annotations):
    code: str
    title: str
    zone_basis: Literal["event", "destination"]
    levels: tuple[str, ...] | None
    limits: tuple[Limit, ...]
    deductibles: tuple[Deductible, ...]
    eligibility: tuple[EligibilityRule, ...]
    exclusions: tuple[Exclusion, ...]
    guarantees: tuple[Guarantee, ...]


class Alternative(Annotations):
    """Guarantees that never both pay for the same flight or trip."""

    id: str
    guarantees: tuple[str, ...]
    rule: Literal["more_favourable"]
    scope: Literal["same_flight", "same_trip"]


class Level:
    id: str
    name: str


class Zone:
    id: str
    name: str
    source: Source
    note: str | None


class Discrepancy:
    """A disagreement between the product's documents, and what was encoded."""

    text: str
    source: Source
    encoded: str


class CurrencyConversion(Annotations):
    """How foreign expenses become euro (Imaway 1.15, Wi School 1.15)."""

    basis: Literal["ecb_reference_rate"]
    rate_date: Literal["expense_date"]
    fallback_days: int


class Product:
    """One product edition, as loaded from its YAML file."""

    format: Literal[1]
    id: str
    insurer: str
    name: str
    edition: str
    edition_label: str
    seed: str
    levels: tuple[Level, ...]
    zones: tuple[Zone, ...]
    currency: CurrencyConversion
    eligibility: tuple[EligibilityRule, ...]
    exclusions: tuple[Exclusion, ...]
    alternatives: tuple[Alternative, ...]
    sections: tuple[Section, ...]
    discrepancies: tuple[Discrepancy, ...]

    _sha256: str
    _path: str
    _memo: dict[object, Any]

    @property
    def memo(self) -> dict[object, Any]:
        return self._memo

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


# --------------------------------------------------------------------------- matrices


MatrixProblem = tuple[tuple[str | int, ...], str]


def parse_cell(value: object) -> Amount:
    """One matrix value: a non-negative decimal or a :class:`Token`."""
    if isinstance(value, str) and not value.strip().lstrip("-").replace(".", "", 1).isdigit():
        try:
            return Token(value)
        except ValueError:
            tokens = ", ".join(t.value for t in Token)
            raise ValueError(f"expected an amount or one of {tokens}, got {value!r}") from None
    amount = to_decimal(value)
    if amount < 0:
        raise ValueError(f"must not be negative, got {amount}")
    return amount


def resolve_matrix(
    raw: object, levels: tuple[str, ...], zones: tuple[str, ...]
) -> tuple[dict[tuple[str, str], Amount], list[MatrixProblem]]:
    """Expand a matrix to one value per (level, zone); report problems by key path."""
    problems: list[MatrixProblem] = []
    result: dict[tuple[str, str], Amount] = {}

    def cell(value: object, path: tuple[str | int, ...]) -> Amount | None:
        if isinstance(value, Mapping | list):
            problems.append((path, "expected an amount here, not a mapping or list"))
            return None
        try:
            return parse_cell(value)
        except ValueError as exc:
            problems.append((path, str(exc)))
            return None

    def by_zone(value: Mapping[Any, Any], path: tuple[str | int, ...]) -> dict[str, Amount] | None:
        unknown = [k for k in value if k not in zones]
        for key in unknown:
            problems.append(((*path, key), f"unknown zone {key!r} (zones: {', '.join(zones)})"))
        missing = [z for z in zones if z not in value]
        if missing:
            problems.append((path, "no value for zone " + ", ".join(repr(z) for z in missing)))
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
                f"unknown level or zone {key!r} (levels: {', '.join(levels)}; "
                f"zones: {', '.join(zones)})",
            )
        )
    missing = [lv for lv in levels if lv not in raw]
    if missing and not unknown:
        problems.append(((), "no value for level " + ", ".join(repr(lv) for lv in missing)))
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


# --------------------------------------------------------------------------- freezing


def freeze(product: Product) -> Product:
    """A copy of a validated product made of the plain classes above.

    Its lookups (levels, zones, guarantees, resolved limit amounts) are
    computed here, once, so that a cached copy needs no work before settling.
    """
    copies: dict[int, object] = {}
    plain = _plain_copy(product, copies)
    assert isinstance(plain, Product)
    plain._sha256, plain._path, plain._memo = product.sha256, product.path, {}
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
