"""The claim format (claim format 1), declared once: the facts of one event for one policy.

A claim file is JSON. It carries no names, fiscal codes, addresses or IBANs:
insured persons are pseudonymous references, and unknown fields are errors so
that personal data cannot slip through into outputs (GDPR art. 5 minimisation,
seeds 000/002/004). The readers also refuse a fiscal code, an IBAN, an e-mail
address or a phone number written into any text field (``FieldSpec.screened``,
:mod:`claimcalc.claim.personal`).

Facts (``facts`` objects on the event, an insured person or a line) use the
vocabulary of :mod:`claimcalc.facts`; a line's facts override its insured
person's, which override the event's.

The classes below are the one declaration of the format: each field's type,
bounds, pattern (``Annotated`` with the markers below), description and
default. The rest is derived from them: the readers
(:mod:`claimcalc.claim.read`, with :mod:`claimcalc.claim.quick` generated
from this module by :mod:`claimcalc.claim.generate`) and the JSON Schema
(:mod:`claimcalc.claim.schema`); tests fail when a derived form drifts.

Every ``Decimal`` field is an amount: a decimal number or decimal text, never
a float, never negative. The engine reads these classes as they are. They are
not frozen (a frozen dataclass costs five times as much to build) but nothing
changes them once read: use ``dataclasses.replace``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from typing import Annotated, Any, Literal, NamedTuple

from claimcalc.facts import EXPENSE_CATEGORIES, OBJECT_CATEGORIES
from claimcalc.i18n import N_
from claimcalc.money import DECIMAL_TEXT, END, decimal_pattern

CLAIM_FORMAT = 1

FactValue = bool | int | Decimal | str | list[str]
# Each value is checked against its fact's type once the claim is read
# (claimcalc.claim.read.check_claim).
Facts = dict[str, FactValue]


# --------------------------------------------------------------------------- markers
#
# Named tuples, not dataclasses: a frozen dataclass costs five times as much to
# define, and these are defined on every start.


class Doc(NamedTuple):
    """What the field means (the JSON Schema's ``description``)."""

    text: str


class Pattern(NamedTuple):
    """Text matching ``regex`` as a whole; ``says`` names the form in error messages."""

    regex: str
    says: str


class Length(NamedTuple):
    """Bounds of a text's length, in characters, or of a list's, in items;
    ``short`` is the message for a list with fewer than ``min``."""

    min: int | None = None
    max: int | None = None
    short: str | None = None


class Choices(NamedTuple):
    """Text that is one of ``values``; ``what`` names them in the message."""

    values: tuple[str, ...]
    what: str


class Bounds(NamedTuple):
    """Bounds of a number: ``ge`` and ``le`` inclusive, ``gt`` exclusive; at most
    ``places`` decimal places (an amount: trailing zeros aside)."""

    ge: int | None = None
    le: int | None = None
    gt: int | None = None
    places: int | None = None


#: Every date of a claim lies between these (a year 9999 is a typing error,
#: and date arithmetic past it fails).
FIRST_DATE = dt.date(1900, 1, 1)
LAST_DATE = dt.date(2199, 12, 31)
#: A date's text, ASCII digits (Python's ``\d`` takes any script's).
DATE_TEXT = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}" + END


def _date_pattern(first: dt.date, last: dt.date) -> str:
    """DATE_TEXT narrowed to the years first to last (whole centuries): the JSON
    Schema's pattern, with ``format: date`` for the month's days."""
    assert (first.month, first.day, first.year % 100) == (1, 1, 0)
    assert (last.month, last.day, last.year % 100) == (12, 31, 99)
    centuries = "|".join(str(c) for c in range(first.year // 100, last.year // 100 + 1))
    return DATE_TEXT.replace("^[0-9]{4}", f"^({centuries})[0-9]{{2}}")


DATE_PATTERN = _date_pattern(FIRST_DATE, LAST_DATE)
#: The most items a claim's lists hold: insured persons, lines per person,
#: expenses and objects per line, prior payments per person, rates.
MAX_ITEMS = 1000
#: The most lines in one claim, all insured persons together: 1,000 persons of
#: 1,000 lines each would take minutes and gigabytes to settle (issue #15).
MAX_LINES = 10_000
#: The most characters of JSON one claim may hold (a file, or a line of an
#: NDJSON file), checked before it is parsed.
MAX_CLAIM_TEXT = 16 * 1024 * 1024
#: Bounds of the facts' numbers: whole numbers (days, hours, ages, weeks) and
#: decimal ones (hours, percent, EUR).
MAX_FACT_INT = 10**6
MAX_FACT_DECIMAL = 10**12
FACT_PLACES = 6
#: Decimal text as claims write it (claimcalc.money): the grammar checked
#: before any bound; the schema states each field's narrowing of it.
NUMBER_TEXT = DECIMAL_TEXT


def decimal_text(bounds: Bounds | None) -> str:
    """The decimal text a number field within ``bounds`` takes: :data:`NUMBER_TEXT`
    narrowed to them. The quick reader matches it, the JSON Schema states it."""
    if bounds is None:
        return decimal_pattern()
    assert bounds.ge in (None, 0) and bounds.gt in (None, 0), "numbers from 0 only"
    return decimal_pattern(positive=bounds.gt == 0, most=bounds.le, places=bounds.places)


#: The facts' decimal numbers (claimcalc.facts, FactType.DECIMAL).
FACT_DECIMAL = Bounds(ge=0, le=MAX_FACT_DECIMAL, places=FACT_PLACES)


class Refusal(NamedTuple):
    """The message for a value outside a ``Literal`` (a msgid, translated where the
    value is refused); ``{value!r}`` is replaced, and ``{allowed}`` by the values."""

    message: str


Amount = Annotated[Decimal, Bounds(le=10**12, places=2)]
"""An amount: at most 1,000,000,000,000 (in its currency) and 2 decimal places."""
Units = Annotated[Decimal, Bounds(le=10**6, places=2)]
Items = Length(max=MAX_ITEMS)

REF_FORM = Pattern(r"^[A-Za-z0-9._:/-]+" + END, N_("letters, digits and . _ : / - only"))
Ref = Annotated[str, Length(min=1, max=64), REF_FORM]
"""A reference (an id): pseudonymous, never personal data."""
Label = Annotated[str, Length(max=80)]
Currency = Annotated[
    str,
    Pattern(r"^[A-Z]{3}" + END, N_("an ISO 4217 currency code such as EUR or USD")),
    Doc(N_("ISO 4217 code, e.g. EUR.")),
]
Country = Annotated[
    str, Pattern(r"^[A-Z]{2}" + END, N_("an ISO 3166 country code such as IT or FR"))
]
EditionText = Annotated[str, Pattern(r"^[0-9]{4}-[0-9]{2}" + END, N_("YYYY-MM, e.g. 2026-01"))]


# --------------------------------------------------------------------------- the format

# {allowed}: the claim formats this claimcalc reads (the Literal's values).
_OTHER_FORMAT = N_("unsupported claim format {value!r}; this claimcalc reads format {allowed}")


@dataclass(slots=True, kw_only=True)
class Expense:
    """One documented expense: an invoice, a receipt, a penalty."""

    amount: Amount
    currency: Currency = "EUR"
    date: dt.date
    category: Annotated[
        str,
        Choices(tuple(sorted(EXPENSE_CATEGORIES)), N_("expense category")),
        Doc(N_("Expense category, for sub-limits and parts not paid (repair materials).")),
    ] = "other"
    units: Annotated[
        Units | None, Doc(N_("Days, nights or hours the expense covers (per-unit limits)."))
    ] = None
    label: Annotated[Label | None, Doc(N_("What it is, e.g. 'hotel night'."))] = None


@dataclass(slots=True, kw_only=True)
class BaggageObject:
    """One baggage object; a photo kit is one object (Imaway E3, Wi School C3)."""

    label: Label | None = None
    value: Annotated[Amount, Doc(N_("Commercial value (valore commerciale)."))]
    currency: Currency = "EUR"
    date: Annotated[dt.date, Doc(N_("Date of the loss, for the exchange rate."))]
    category: Annotated[str, Choices(tuple(sorted(OBJECT_CATEGORIES)), N_("object category"))] = (
        "other"
    )
    checked_in: bool = False
    left_in_vehicle: bool = False
    secured_in_vehicle: bool = False


@dataclass(slots=True, kw_only=True)
class PriorPayment:
    """What the insurer already paid in the same policy period."""

    guarantee: str
    amount: Amount
    date: dt.date
    same_accident: Annotated[
        bool, Doc(N_("Paid for the same accident (death after invalidity)."))
    ] = False
    same_trip: Annotated[
        bool, Doc(N_("Paid for the same trip: it reduces the limits per trip (Wi School B2)."))
    ] = False
    claim_id: Annotated[
        Ref | None, Doc(N_("The claim that paid it (the claims ledger sets it): reasons cite it."))
    ] = None


@dataclass(slots=True, kw_only=True)
class Line:
    """One thing claimed under one guarantee."""

    id: Ref | None = None
    guarantee: str
    expenses: Annotated[tuple[Expense, ...], Items] = ()
    objects: Annotated[tuple[BaggageObject, ...], Items] = ()
    facts: Facts = field(default_factory=dict)
    renunciation_date: Annotated[
        dt.date | None, Doc(N_("Rinuncia al volo / perdita dei servizi: the renunciation date."))
    ] = None
    loss_date: Annotated[
        dt.date | None,
        Doc(
            N_(
                "Death or permanent invalidity: the day it occurred; it counts only within the "
                "time the contract allows after the event (Imaway L8)."
            )
        ),
    ] = None
    penalty_at_event: Annotated[
        Amount | None,
        Doc(
            N_(
                "Cancellation: the penalty, in EUR, the tour operator's conditions set on the "
                "day of the event that caused the cancellation, beside the penalty charged (the "
                "expenses). The guarantee pays on the lower of the two: a higher penalty charged "
                "because the cancellation came late stays with the insured (Wi School F7, Imaway "
                "M7). Absent: settled on the penalty charged."
            )
        ),
    ] = None


@dataclass(slots=True, kw_only=True)
class Insured:
    ref: Annotated[Ref, Doc(N_("Pseudonymous reference; never a name or fiscal code."))]
    birth_date: dt.date | None = None
    age_at_subscription: Annotated[int, Bounds(ge=0, le=130)] | None = None
    role: Annotated[Literal["student", "teacher"] | None, Doc(N_("Wi School."))] = None
    facts: Facts = field(default_factory=dict)
    prior_payments: Annotated[tuple[PriorPayment, ...], Items] = ()
    lines: Annotated[
        tuple[Line, ...], Length(min=1, max=MAX_ITEMS, short=N_("at least one line is required"))
    ]


@dataclass(slots=True, kw_only=True)
class Policy:
    ref: Annotated[
        Ref | None,
        Doc(N_("Pseudonymous policy number, stable across claims: the claims ledger's key.")),
    ] = None
    issue_date: Annotated[dt.date, Doc(N_("Emissione / sottoscrizione: ages are taken here."))]
    start_date: Annotated[dt.date | None, Doc(N_("Decorrenza; default: issue date."))] = None
    end_date: Annotated[
        dt.date | None, Doc(N_("Scadenza; default: start + the product's duration."))
    ] = None
    zone: Annotated[str, Doc(N_("Destination zone bought."))]


@dataclass(slots=True, kw_only=True)
class Trip:
    booking_date: Annotated[dt.date | None, Doc(N_("Prenotazione / iscrizione."))] = None
    departure_date: dt.date
    return_date: dt.date
    cost: Annotated[Amount | None, Doc(N_("Trip cost per insured, EUR."))] = None
    flight_cost: Annotated[Amount | None, Doc(N_("Its flight-only part, EUR."))] = None
    fees: Annotated[Amount | None, Doc(N_("Registration and insurance fees, EUR."))] = None
    insured_value: Annotated[
        Amount | None, Doc(N_("Trip value declared as insured (underinsurance, c.c. 1907)."))
    ] = None


@dataclass(slots=True, kw_only=True)
class Event:
    id: Annotated[Ref | None, Doc(N_("Groups the sinistri of one evento."))] = None
    date: dt.date
    country: Annotated[Country, Doc(N_("ISO 3166 code of the country."))]
    zone: Annotated[str, Doc(N_("Destination zone where the event happened."))]
    facts: Facts = field(default_factory=dict)
    reporting_possible_from: Annotated[
        dt.date | None, Doc(N_("When reporting became possible (accident: 3 days from it)."))
    ] = None


@dataclass(slots=True, kw_only=True)
class ExchangeRate:
    """An ECB reference rate: units of currency per 1 EUR."""

    currency: Currency
    date: dt.date
    units_per_eur: Annotated[Decimal, Bounds(gt=0, le=10**6, places=6)]


@dataclass(slots=True, kw_only=True)
class Claim:
    claim_format: Annotated[Literal[1], Refusal(_OTHER_FORMAT)]
    claim_id: Ref
    product: Annotated[str, Doc(N_("Product id, id@edition, or file path."))]
    edition: EditionText | None = None
    level: str
    policy: Policy
    trip: Trip
    event: Event
    reported_on: Annotated[dt.date, Doc(N_("When the claim was reported to the insurer."))]
    rates: Annotated[tuple[ExchangeRate, ...], Items] = ()
    insured: Annotated[
        tuple[Insured, ...],
        Length(min=1, max=MAX_ITEMS, short=N_("at least one insured person is required")),
    ]

    @property
    def product_ref(self) -> str:
        return product_ref(self.product, self.edition)


def product_ref(product: str, edition: str | None) -> str:
    """The product a claim names: ``product@edition`` if it states an edition
    apart (a path or an ``id@edition`` is kept as it is)."""
    if edition and "@" not in product and not product.endswith((".yaml", ".yml")):
        return f"{product}@{edition}"
    return product


# --------------------------------------------------------------------------- the declaration, read

MODELS: tuple[type, ...] = (
    Claim,
    Policy,
    Trip,
    Event,
    ExchangeRate,
    Insured,
    PriorPayment,
    Line,
    Expense,
    BaggageObject,
)


class FieldSpec(NamedTuple):
    """One field of the format as the readers and the schema see it."""

    name: str
    # str, bool, int, Decimal, dt.date, dict (facts), Literal (``choices``),
    # or one of MODELS (an object, or a list of them when ``many``)
    kind: type
    many: bool = False
    optional: bool = False  # null is allowed
    required: bool = True
    default: object = None  # the value of a missing field that is not required,
    factory: Callable[[], object] | None = None  # or a new one from this each time
    choices: tuple[object, ...] = ()
    doc: str | None = None
    pattern: Pattern | None = None
    length: Length | None = None
    bounds: Bounds | None = None
    refusal: str | None = None  # a msgid: {value!r}, {allowed} and {what} are replaced
    what: str | None = None  # a msgid: what the choices are (Choices.what)

    @property
    def nested(self) -> bool:
        return self.kind in MODELS

    @property
    def screened(self) -> bool:
        """Text the readers search for personal data (:mod:`claimcalc.claim.personal`):
        every text field, references and labels alike, but one of a closed set of
        values (``choices``). A new text field is screened as it is declared."""
        return self.kind is str and not self.choices


@cache
def fields_of(model: type) -> tuple[FieldSpec, ...]:
    """The fields of one of MODELS, in declaration order.

    Read from the annotations on demand: the quick reader is generated ahead
    of time, so a valid claim never needs this.
    """
    hints = typing.get_type_hints(model, include_extras=True)
    return tuple(_field_spec(f, hints[f.name]) for f in dataclasses.fields(model))


def _field_spec(declared: dataclasses.Field[Any], hint: object) -> FieldSpec:
    markers: list[object] = []
    optional = False
    many = False
    while True:  # Annotated and Optional nest either way round
        if typing.get_origin(hint) is Annotated:
            hint, *extra = typing.get_args(hint)
            markers = [*extra, *markers]  # an inner type's markers yield to the field's
        elif isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
            members = [m for m in typing.get_args(hint) if m is not type(None)]
            assert len(members) == 1, f"{declared.name}: a union other than X | None"
            optional = True
            hint = members[0]
        elif typing.get_origin(hint) is tuple:
            item, ellipsis = typing.get_args(hint)
            assert ellipsis is Ellipsis and item in MODELS, f"{declared.name}: tuple of {item}"
            many = True
            hint = item
        else:
            break
    choices: tuple[object, ...] = ()
    if typing.get_origin(hint) is Literal:
        choices = typing.get_args(hint)
        kinds = {type(choice) for choice in choices}
        assert len(kinds) == 1, f"{declared.name}: choices of one type"
        kind: type = kinds.pop()
    elif typing.get_origin(hint) is dict:
        kind = dict
    else:
        assert isinstance(hint, type), f"{declared.name}: {hint!r}"
        kind = hint
    factory: Callable[[], object] | None = None
    if declared.default_factory is not dataclasses.MISSING:
        factory = declared.default_factory
    required = declared.default is dataclasses.MISSING and factory is None

    def marker(cls: type) -> Any:
        found = [m for m in markers if isinstance(m, cls)]
        return found[-1] if found else None

    doc = marker(Doc)
    refusal = marker(Refusal)
    listed = marker(Choices)
    if listed is not None:
        assert kind is str and not choices, f"{declared.name}: Choices of text only"
        choices = listed.values
        refusal = Refusal(N_("unknown {what} {value!r} (one of: {allowed})"))
    return FieldSpec(
        name=declared.name,
        kind=kind,
        many=many,
        optional=optional,
        required=required,
        default=None if declared.default is dataclasses.MISSING else declared.default,
        factory=factory,
        choices=choices,
        doc=doc and doc.text,
        pattern=marker(Pattern),
        length=marker(Length),
        bounds=marker(Bounds),
        refusal=refusal and refusal.message,
        what=listed and listed.what,
    )
