"""The claim format as a pydantic model: the source of ``claimcalc schema claim``.

Claims are read by the hand-written reader in :mod:`claimcalc.claim.model`, which
does the same validation without building pydantic models (a claim in a batch
must cost microseconds, and a one-claim run must not pay for pydantic's
machinery). ``tests/test_claim_reader.py`` holds the two to the same answers:
same values for valid claims, same fields and messages for invalid ones.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

from claimcalc.claim.model import parse_amount, parse_rate
from claimcalc.facts import FACTS, FactLevel, FactType

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


_DECIMAL_SCHEMA: dict[str, Any] = {
    "anyOf": [{"type": "number", "minimum": 0}, {"type": "string", "pattern": r"^\d+(\.\d+)?$"}]
}
Amount = Annotated[Decimal, BeforeValidator(parse_amount), Field(json_schema_extra=_DECIMAL_SCHEMA)]
Rate = Annotated[Decimal, BeforeValidator(parse_rate), Field(json_schema_extra=_DECIMAL_SCHEMA)]
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
    age_at_subscription: int | None = Field(default=None, ge=0, le=130, strict=True)
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
