"""The claim model (claim format 1): the facts of one event for one policy.

A claim file is JSON. It carries no names, fiscal codes, addresses or IBANs:
insured persons are pseudonymous references, and unknown fields are errors so
that personal data cannot slip through into outputs (GDPR art. 5 minimisation,
seeds 000/002/004).

Facts (``facts`` objects on the event, an insured person or a line) use the
vocabulary of :mod:`claimcalc.facts`; a line's facts override its insured
person's, which override the event's.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, WithJsonSchema

from claimcalc.errors import ClaimError, FileAccessError, key_path
from claimcalc.facts import EXPENSE_CATEGORIES, FACTS, OBJECT_CATEGORIES, FactLevel, FactType
from claimcalc.money import NotADecimalError, to_decimal

CLAIM_FORMAT = 1

FactValue = bool | int | Decimal | str | list[str]


def _facts_schema() -> dict[str, Any]:
    kinds: dict[FactType, dict[str, Any]] = {
        FactType.BOOL: {"type": "boolean"},
        FactType.INT: {"type": "integer", "minimum": 0},
        FactType.DECIMAL: {"anyOf": [{"type": "number", "minimum": 0}, {"type": "string"}]},
    }
    properties: dict[str, Any] = {}
    for spec in FACTS.values():
        if spec.level is not FactLevel.CLAIM or spec.name in ("age", "role", "reported_late"):
            continue
        if spec.type is FactType.ENUM:
            schema: dict[str, Any] = {"enum": sorted(spec.values)}
        elif spec.type is FactType.SET:
            schema = {"type": "array", "items": {"enum": sorted(spec.values)}, "uniqueItems": True}
        else:
            schema = dict(kinds[spec.type])
        properties[spec.name] = {**schema, "description": spec.description}
    return {"type": "object", "properties": properties, "additionalProperties": False}


Facts = Annotated[dict[str, FactValue], WithJsonSchema(_facts_schema())]


def _amount(value: object) -> Decimal:
    try:
        amount = to_decimal(value)
    except NotADecimalError as exc:
        raise ValueError(str(exc)) from None
    if amount < 0:
        raise ValueError(f"must not be negative, got {amount}")
    return amount


def _positive(value: object) -> Decimal:
    amount = _amount(value)
    if amount == 0:
        raise ValueError("must be greater than 0")
    return amount


_DECIMAL_SCHEMA: dict[str, Any] = {
    "anyOf": [{"type": "number", "minimum": 0}, {"type": "string", "pattern": r"^\d+(\.\d+)?$"}]
}
Amount = Annotated[Decimal, BeforeValidator(_amount), Field(json_schema_extra=_DECIMAL_SCHEMA)]
Rate = Annotated[Decimal, BeforeValidator(_positive), Field(json_schema_extra=_DECIMAL_SCHEMA)]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code, e.g. EUR.")]
Ref = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:/-]+$")]
Label = Annotated[str, Field(max_length=80)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Expense(Strict):
    """One documented expense: an invoice, a receipt, a penalty."""

    amount: Amount
    currency: Currency = "EUR"
    date: dt.date
    category: str = Field(default="other", description="Expense category, for sub-limits.")
    units: Amount | None = Field(
        default=None, description="Days, nights or hours the expense covers (per-unit limits)."
    )
    label: Label | None = Field(default=None, description="What it is, e.g. 'hotel night'.")


class BaggageObject(Strict):
    """One baggage object; a photo kit is one object (Imaway E3, Wi School C3)."""

    label: Label | None = None
    value: Amount = Field(description="Commercial value (valore commerciale).")
    currency: Currency = "EUR"
    date: dt.date = Field(description="Date of the loss, for the exchange rate.")
    category: str = "other"
    checked_in: bool = False
    left_in_vehicle: bool = False
    secured_in_vehicle: bool = False


class PriorPayment(Strict):
    """What the insurer already paid in the same policy period."""

    guarantee: str
    amount: Amount
    date: dt.date
    same_accident: bool = Field(
        default=False, description="Paid for the same accident (death after invalidity)."
    )


class Line(Strict):
    """One thing claimed under one guarantee."""

    id: Ref | None = None
    guarantee: str
    expenses: tuple[Expense, ...] = ()
    objects: tuple[BaggageObject, ...] = ()
    facts: Facts = Field(default_factory=dict)
    renunciation_date: dt.date | None = Field(
        default=None, description="Rinuncia al volo / perdita dei servizi: the renunciation date."
    )


class Insured(Strict):
    ref: Ref = Field(description="Pseudonymous reference; never a name or fiscal code.")
    birth_date: dt.date | None = None
    age_at_subscription: int | None = Field(default=None, ge=0, le=130)
    role: Literal["student", "teacher"] | None = Field(default=None, description="Wi School.")
    facts: Facts = Field(default_factory=dict)
    prior_payments: tuple[PriorPayment, ...] = ()
    lines: tuple[Line, ...]


class Policy(Strict):
    issue_date: dt.date = Field(description="Emissione / sottoscrizione: ages are taken here.")
    start_date: dt.date | None = Field(default=None, description="Decorrenza; default: issue date.")
    end_date: dt.date | None = Field(
        default=None, description="Scadenza; default: start + the product's duration."
    )
    zone: str = Field(description="Destination zone bought.")


class Trip(Strict):
    booking_date: dt.date | None = Field(default=None, description="Prenotazione / iscrizione.")
    departure_date: dt.date
    return_date: dt.date
    cost: Amount | None = Field(default=None, description="Trip cost per insured, EUR.")
    flight_cost: Amount | None = Field(default=None, description="Its flight-only part, EUR.")
    fees: Amount | None = Field(default=None, description="Registration and insurance fees, EUR.")
    insured_value: Amount | None = Field(
        default=None, description="Trip value declared as insured (underinsurance, c.c. 1907)."
    )


class Event(Strict):
    id: Ref | None = Field(default=None, description="Groups the sinistri of one evento.")
    date: dt.date
    country: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166 code of the country.")
    zone: str = Field(description="Destination zone where the event happened.")
    facts: Facts = Field(default_factory=dict)
    reporting_possible_from: dt.date | None = Field(
        default=None, description="When reporting became possible (accident: 3 days from it)."
    )


class ExchangeRate(Strict):
    """An ECB reference rate: units of currency per 1 EUR."""

    currency: Currency
    date: dt.date
    units_per_eur: Rate


class Claim(Strict):
    claim_format: Literal[1]
    claim_id: Ref
    product: str = Field(description="Product id, id@edition, or file path.")
    edition: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}$")
    level: str
    policy: Policy
    trip: Trip
    event: Event
    reported_on: dt.date = Field(description="When the claim was reported to the insurer.")
    rates: tuple[ExchangeRate, ...] = ()
    insured: tuple[Insured, ...]

    @property
    def product_ref(self) -> str:
        if (
            self.edition
            and "@" not in self.product
            and not self.product.endswith((".yaml", ".yml"))
        ):
            return f"{self.product}@{self.edition}"
        return self.product


# --------------------------------------------------------------------------- reading


def _message(error: Mapping[str, Any]) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "missing required field"
    if kind in ("date_from_datetime_parsing", "date_parsing", "date_from_datetime_inexact"):
        return f"not a valid date (YYYY-MM-DD): {error['input']!r}"
    if kind == "literal_error" and error["loc"] == ("claim_format",):
        return f"unsupported claim format {error['input']!r}; this claimcalc reads format 1"
    if kind == "string_pattern_mismatch":
        field = error["loc"][-1]
        expected = _PATTERN_TEXT.get(str(field), f"the form {error['ctx']['pattern']}")
        return f"expected {expected}, got {error['input']!r}"
    if kind in _TYPE_TEXT:
        return f"expected {_TYPE_TEXT[kind]}, got {json.dumps(error['input'], default=str)}"
    return str(error["msg"]).removeprefix("Value error, ")


_PATTERN_TEXT = {
    "currency": "an ISO 4217 currency code such as EUR or USD",
    "country": "an ISO 3166 country code such as IT or FR",
    "edition": "YYYY-MM, e.g. 2026-01",
    "ref": "letters, digits and . _ : / - only",
    "id": "letters, digits and . _ : / - only",
    "claim_id": "letters, digits and . _ : / - only",
}
_TYPE_TEXT = {
    "string_type": "a string",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "dict_type": "an object",
    "model_type": "an object",
    "list_type": "a list",
    "tuple_type": "a list",
}


def parse_claim(text: str, file: str = "<claim>") -> Claim:
    """Parse and validate one claim document (JSON text)."""
    try:
        data = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise ClaimError(
            f"{file}:{exc.lineno}:{exc.colno}", [("", f"invalid JSON: {exc.msg}")]
        ) from None
    return claim_from_data(data, file)


def claim_from_data(data: object, file: str = "<claim>") -> Claim:
    if not isinstance(data, dict):
        raise ClaimError(file, [("", "a claim must be a JSON object")])
    try:
        claim = Claim.model_validate(data)
    except ValidationError as exc:
        problems = [(key_path(e["loc"]), _message(e)) for e in exc.errors()]
        raise ClaimError(file, problems) from None
    problems = list(check_claim(claim))
    if problems:
        raise ClaimError(file, problems)
    return claim


def read_claim(path: str | Path) -> Claim:
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise FileAccessError(f"{path}: cannot read claim file: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ClaimError(str(path), [("", "not UTF-8 text")]) from None
    return parse_claim(text, str(path))


# --------------------------------------------------------------------------- checks


def check_claim(claim: Claim) -> Iterator[tuple[str, str]]:
    """Checks between fields, independent of the product."""
    trip = claim.trip
    if trip.return_date < trip.departure_date:
        yield (
            "trip.return_date",
            (f"return {trip.return_date} is before departure {trip.departure_date}"),
        )
    if trip.booking_date and trip.booking_date > trip.departure_date:
        yield "trip.booking_date", f"booking {trip.booking_date} is after departure"
    if trip.flight_cost is not None and trip.cost is not None and trip.flight_cost > trip.cost:
        yield "trip.flight_cost", f"flight cost {trip.flight_cost} exceeds trip cost {trip.cost}"
    policy = claim.policy
    if policy.start_date and policy.start_date < policy.issue_date:
        yield "policy.start_date", f"start {policy.start_date} is before issue {policy.issue_date}"
    if policy.end_date and policy.end_date < (policy.start_date or policy.issue_date):
        yield "policy.end_date", f"end {policy.end_date} is before the policy starts"
    if claim.reported_on < claim.event.date:
        yield "reported_on", f"report {claim.reported_on} is before the event {claim.event.date}"
    if not claim.insured:
        yield "insured", "at least one insured person is required"
    yield from _check_facts(claim.event.facts, "event.facts", FactLevel.CLAIM)
    refs: set[str] = set()
    for i, person in enumerate(claim.insured):
        where = f"insured[{i}]"
        if person.ref in refs:
            yield f"{where}.ref", f"duplicate insured reference {person.ref!r}"
        refs.add(person.ref)
        if person.birth_date is None and person.age_at_subscription is None:
            yield where, "give birth_date or age_at_subscription"
        if person.birth_date and person.birth_date > policy.issue_date:
            yield f"{where}.birth_date", "birth date is after the policy was issued"
        if not person.lines:
            yield f"{where}.lines", "at least one line is required"
        yield from _check_facts(person.facts, f"{where}.facts", FactLevel.CLAIM)
        line_ids: set[str] = set()
        for j, line in enumerate(person.lines):
            at = f"{where}.lines[{j}]"
            if line.id is not None:
                if line.id in line_ids:
                    yield f"{at}.id", f"duplicate line id {line.id!r}"
                line_ids.add(line.id)
            yield from _check_facts(line.facts, f"{at}.facts", FactLevel.CLAIM)
            for k, expense in enumerate(line.expenses):
                if expense.category not in EXPENSE_CATEGORIES:
                    yield (
                        f"{at}.expenses[{k}].category",
                        _unknown("expense category", expense.category, EXPENSE_CATEGORIES),
                    )
            for k, obj in enumerate(line.objects):
                if obj.category not in OBJECT_CATEGORIES:
                    yield (
                        f"{at}.objects[{k}].category",
                        _unknown("object category", obj.category, OBJECT_CATEGORIES),
                    )


def _unknown(what: str, value: str, allowed: frozenset[str]) -> str:
    return f"unknown {what} {value!r} (one of: {', '.join(sorted(allowed))})"


_DERIVED = frozenset({"age", "role", "reported_late"})


def _check_facts(
    facts: Mapping[str, FactValue], where: str, level: FactLevel
) -> Iterator[tuple[str, str]]:
    for name, value in facts.items():
        at = f"{where}.{name}"
        spec = FACTS.get(name)
        if spec is None or spec.level is not level:
            yield at, "unknown fact"
            continue
        if name in _DERIVED:
            yield at, "computed by claimcalc; do not state it"
            continue
        kind = spec.type
        if kind is FactType.BOOL and not isinstance(value, bool):
            yield at, f"expected true or false, got {value!r}"
        elif kind is FactType.INT and (isinstance(value, bool) or not isinstance(value, int)):
            yield at, f"expected a whole number, got {value!r}"
        elif kind is FactType.INT and isinstance(value, int) and value < 0:
            yield at, f"must not be negative, got {value}"
        elif kind is FactType.DECIMAL:
            if isinstance(value, bool) or not isinstance(value, int | Decimal | str):
                yield at, f"expected a decimal number, got {value!r}"
            else:
                try:
                    number = to_decimal(value)
                except NotADecimalError as exc:
                    yield at, str(exc)
                else:
                    if number < 0:
                        yield at, f"must not be negative, got {number}"
        elif kind is FactType.ENUM and (not isinstance(value, str) or value not in spec.values):
            yield at, _unknown("value", str(value), spec.values)
        elif kind is FactType.SET:
            if not isinstance(value, list):
                yield at, "expected a list"
                continue
            for i, item in enumerate(value):
                if item not in spec.values:
                    yield f"{at}[{i}]", f"unknown {name} value {item!r}"
