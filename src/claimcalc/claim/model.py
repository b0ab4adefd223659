"""The claim model (claim format 1): the facts of one event for one policy.

A claim file is JSON. It carries no names, fiscal codes, addresses or IBANs:
insured persons are pseudonymous references, and unknown fields are errors so
that personal data cannot slip through into outputs (GDPR art. 5 minimisation,
seeds 000/002/004).

Facts (``facts`` objects on the event, an insured person or a line) use the
vocabulary of :mod:`claimcalc.facts`; a line's facts override its insured
person's, which override the event's.

Claims are plain dataclasses read by a hand-written reader: a batch reads
thousands of claims a second and a one-claim run must not pay for building
pydantic models. They are not frozen (a frozen dataclass costs five times as
much to build) but nothing changes them once read: use ``dataclasses.replace``.
The format's JSON Schema comes from the pydantic mirror in
:mod:`claimcalc.claim.schema`; a test holds the reader and the mirror to the
same answers.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, DecimalException
from pathlib import Path
from typing import Any, Literal

from claimcalc import jsonio
from claimcalc.errors import ClaimError, FileAccessError, key_path
from claimcalc.facts import EXPENSE_CATEGORIES, FACTS, OBJECT_CATEGORIES, FactLevel, FactType
from claimcalc.money import NotADecimalError, to_decimal

CLAIM_FORMAT = 1

FactValue = bool | int | Decimal | str | list[str]
Facts = dict[str, FactValue]


@dataclass(slots=True, kw_only=True)
class Expense:
    """One documented expense: an invoice, a receipt, a penalty."""

    amount: Decimal
    currency: str = "EUR"
    date: dt.date
    category: str = "other"  # for sub-limits
    units: Decimal | None = None  # days, nights or hours it covers (per-unit limits)
    label: str | None = None


@dataclass(slots=True, kw_only=True)
class BaggageObject:
    """One baggage object; a photo kit is one object (Imaway E3, Wi School C3)."""

    label: str | None = None
    value: Decimal  # valore commerciale
    currency: str = "EUR"
    date: dt.date  # of the loss, for the exchange rate
    category: str = "other"
    checked_in: bool = False
    left_in_vehicle: bool = False
    secured_in_vehicle: bool = False


@dataclass(slots=True, kw_only=True)
class PriorPayment:
    """What the insurer already paid in the same policy period."""

    guarantee: str
    amount: Decimal
    date: dt.date
    same_accident: bool = False  # death after invalidity


@dataclass(slots=True, kw_only=True)
class Line:
    """One thing claimed under one guarantee."""

    id: str | None = None
    guarantee: str
    expenses: tuple[Expense, ...] = ()
    objects: tuple[BaggageObject, ...] = ()
    facts: Facts = field(default_factory=dict)
    renunciation_date: dt.date | None = None


@dataclass(slots=True, kw_only=True)
class Insured:
    ref: str  # pseudonymous; never a name or fiscal code
    birth_date: dt.date | None = None
    age_at_subscription: int | None = None
    role: Literal["student", "teacher"] | None = None
    facts: Facts = field(default_factory=dict)
    prior_payments: tuple[PriorPayment, ...] = ()
    lines: tuple[Line, ...]


@dataclass(slots=True, kw_only=True)
class Policy:
    issue_date: dt.date  # ages are taken here
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    zone: str  # destination zone bought


@dataclass(slots=True, kw_only=True)
class Trip:
    booking_date: dt.date | None = None
    departure_date: dt.date
    return_date: dt.date
    cost: Decimal | None = None  # per insured, EUR
    flight_cost: Decimal | None = None
    fees: Decimal | None = None
    insured_value: Decimal | None = None  # underinsurance, c.c. 1907


@dataclass(slots=True, kw_only=True)
class Event:
    id: str | None = None  # groups the sinistri of one evento
    date: dt.date
    country: str
    zone: str
    facts: Facts = field(default_factory=dict)
    reporting_possible_from: dt.date | None = None


@dataclass(slots=True, kw_only=True)
class ExchangeRate:
    """An ECB reference rate: units of currency per 1 EUR."""

    currency: str
    date: dt.date
    units_per_eur: Decimal


@dataclass(slots=True, kw_only=True)
class Claim:
    claim_format: Literal[1]
    claim_id: str
    product: str  # id, id@edition, or file path
    edition: str | None = None
    level: str
    policy: Policy
    trip: Trip
    event: Event
    reported_on: dt.date
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


def parse_claim(text: str, file: str = "<claim>", fast: bool = False) -> Claim:
    """Parse and validate one claim document (JSON text).

    ``fast``: read the JSON with orjson first. Its values differ from the json
    module's only by floats, which no field of a claim accepts: a claim it
    yields is exact; otherwise the text is read again, as without ``fast``.
    """
    if fast:
        try:
            return claim_from_data(jsonio.loads_fast(text), file)
        except (ClaimError, ValueError, RecursionError):
            pass  # the exact reading below reports it
    try:
        return claim_from_data(jsonio.loads(text), file)
    except json.JSONDecodeError as exc:
        raise ClaimError(
            f"{file}:{exc.lineno}:{exc.colno}", [("", f"invalid JSON: {exc.msg}")]
        ) from None
    except RecursionError:  # parsing it, or quoting it in a message
        raise ClaimError(file, [("", "invalid JSON: nested too deeply")]) from None


def claim_from_data(data: object, file: str = "<claim>") -> Claim:
    """Validate a decoded claim (JSON types; dates may also be ``datetime.date``)."""
    if not isinstance(data, dict):
        raise ClaimError(file, [("", "a claim must be a JSON object")])
    try:
        claim = _CLAIM.quick(data)
    except _GIVES_UP:
        problems: Problems = []
        claim = _CLAIM(data, (), problems)
        if problems:
            raise ClaimError(
                file, [(key_path(loc), message) for loc, message in problems]
            ) from None
    assert isinstance(claim, Claim)
    found = check_claim(claim)
    if found:
        raise ClaimError(file, found)
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


# --------------------------------------------------------------------------- the reader
#
# Each field has a converter: ``convert(value)`` returns the field's value or
# raises _Invalid with the message; nested objects and lists report their own
# problems with their full location. Problems come in field order, then the
# unknown fields, as the pydantic mirror reports them.

Loc = tuple[str | int, ...]
Problems = list[tuple[Loc, str]]


class _Invalid(ValueError):
    """A field's value is wrong; the message says why (a ValueError, so that the
    pydantic mirror can use the same converters)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


_REQUIRED: Any = object()
_BAD: Any = object()  # a nested value that had problems (already reported)
_MISSING: Any = object()  # a field the object does not have


def _got(value: object) -> str:
    return json.dumps(value, default=str)


def _string(value: object) -> str:
    if not isinstance(value, str):
        raise _Invalid(f"expected a string, got {_got(value)}")
    return value


def _pattern(pattern: str, text: str, max_length: int | None = None) -> Callable[[object], str]:
    match = re.compile(pattern).fullmatch  # "$" alone would let a final newline through

    def convert(value: object) -> str:
        value = _string(value)
        if max_length is not None and len(value) > max_length:
            raise _Invalid(f"String should have at most {max_length} characters")
        if match(value) is None:
            raise _Invalid(f"expected {text}, got {value!r}")
        return value

    _PATTERNS[convert] = (match, max_length)
    return convert


# Each pattern converter's match and maximum length, for the quick reading.
_PATTERNS: dict[Callable[[object], str], tuple[Callable[[str], object], int | None]] = {}


def _ref(value: object) -> str:
    value = _string(value)
    if not value:
        raise _Invalid("String should have at least 1 character")
    return _REF(value)


_REF = _pattern(r"^[A-Za-z0-9._:/-]+$", "letters, digits and . _ : / - only", 64)
_CURRENCY = _pattern(r"^[A-Z]{3}$", "an ISO 4217 currency code such as EUR or USD")
_COUNTRY = _pattern(r"^[A-Z]{2}$", "an ISO 3166 country code such as IT or FR")
_EDITION = _pattern(r"^\d{4}-\d{2}$", "YYYY-MM, e.g. 2026-01")
_DATE_TEXT = re.compile(r"^\d{4}-\d{2}-\d{2}$").match


def _label(value: object) -> str:
    value = _string(value)
    if len(value) > 80:
        raise _Invalid("String should have at most 80 characters")
    return value


def _date(value: object) -> dt.date:
    day = _DATES.get(value) if type(value) is str else None
    if day is not None:
        return day
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and _DATE_TEXT(value):
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            pass
        else:
            if len(_DATES) >= 4096:  # claims of a batch share few dates: keep the memo small
                _DATES.clear()
            _DATES[value] = day
            return day
    raise _Invalid(f"not a valid date (YYYY-MM-DD): {value!r}")


_DATES: dict[str, dt.date] = {}


def parse_amount(value: object) -> Decimal:
    """A non-negative amount: a decimal number or decimal text, never a float."""
    try:
        amount = to_decimal(value)
    except NotADecimalError as exc:
        raise _Invalid(str(exc)) from None
    if amount < 0:
        raise _Invalid(f"must not be negative, got {amount}")
    return amount


def parse_rate(value: object) -> Decimal:
    """An exchange rate: an amount greater than 0."""
    amount = parse_amount(value)
    if amount == 0:
        raise _Invalid("must be greater than 0")
    return amount


def _bool(value: object) -> bool:
    if not isinstance(value, bool):
        raise _Invalid(f"expected true or false, got {_got(value)}")
    return value


def _age(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Invalid(f"expected a whole number, got {_got(value)}")
    if value < 0:
        raise _Invalid("Input should be greater than or equal to 0")
    if value > 130:
        raise _Invalid("Input should be less than or equal to 130")
    return value


def _role(value: object) -> str:
    if value not in ("student", "teacher") or not isinstance(value, str):
        raise _Invalid("Input should be 'student' or 'teacher'")
    return value


def _claim_format(value: object) -> int:
    if value != CLAIM_FORMAT or isinstance(value, bool) or not isinstance(value, int):
        raise _Invalid(f"unsupported claim format {value!r}; this claimcalc reads format 1")
    return CLAIM_FORMAT


def _facts(value: object) -> Facts:
    # Each value is checked against its fact's type by check_claim. A copy: the
    # claim must not change when the caller's document does.
    if not isinstance(value, dict):
        raise _Invalid(f"expected an object, got {_got(value)}")
    return dict(value)


class _Model:
    """Reads one JSON object into a claim dataclass, field by field."""

    def __init__(
        self,
        cls: type,
        fields: dict[str, tuple[Callable[..., Any], Any]],
        optional: frozenset[str] = frozenset(),
    ) -> None:
        self.cls = cls
        self.fields = fields
        self.optional = optional  # fields that may be null
        self.nested = {
            name for name, (convert, _) in fields.items() if isinstance(convert, _Nested)
        }
        # The common case, a valid object: raises _Invalid at the first problem.
        # Then the caller reads the document again with ``__call__``, which
        # reports every problem, in field order.
        self.quick: Callable[[object], Any] = _compile_quick(self)

    def __call__(self, data: object, loc: Loc, problems: Problems) -> Any:
        if not isinstance(data, dict):
            problems.append((loc, f"expected an object, got {_got(data)}"))
            return _BAD
        values: dict[str, Any] = {}
        bad = False
        for name, (convert, default) in self.fields.items():
            if name not in data:
                if default is _REQUIRED:
                    problems.append(((*loc, name), "missing required field"))
                    bad = True
                elif callable(default):
                    values[name] = default()
                else:
                    values[name] = default
                continue
            value = data[name]
            if value is None and name in self.optional:
                values[name] = None
                continue
            if name in self.nested:
                value = convert(value, (*loc, name), problems)
                bad = bad or value is _BAD
                values[name] = value
                continue
            try:
                values[name] = convert(value)
            except _Invalid as invalid:
                problems.append(((*loc, name), invalid.message))
                bad = True
        if not self.fields.keys() >= data.keys():
            for name in data:
                if name not in self.fields:
                    problems.append(((*loc, name), "unknown field"))
                    bad = True
        return _BAD if bad else self.cls(**values)


class _Nested:
    """A nested object, or a list of them."""

    def __init__(self, model: _Model, many: bool = False) -> None:
        self.model = model
        self.many = many

    def __call__(self, value: object, loc: Loc, problems: Problems) -> Any:
        if not self.many:
            return self.model(value, loc, problems)
        if not isinstance(value, list | tuple):
            problems.append((loc, f"expected a list, got {_got(value)}"))
            return _BAD
        items = tuple(self.model(item, (*loc, i), problems) for i, item in enumerate(value))
        return _BAD if any(item is _BAD for item in items) else items


# How the quick reading gives up: a problem, or a required field missing
# (KeyError, raised where the field is read).
_GIVES_UP = (_Invalid, KeyError)


def _compile_quick(model: _Model) -> Callable[[object], Any]:
    """The quick reading of a model, written as one function.

    As dataclasses write ``__init__``: no loop over the fields, and the
    commonest checks (text, true/false, a date seen before, a list) written
    in place rather than called. Any problem raises ``_Invalid("")``: the
    full reading then says what it is (tests/test_claim_reader.py holds the
    two readings to the same answers). A missing required field raises
    ``KeyError`` where it is read (see _GIVES_UP).
    """
    space: dict[str, Any] = {
        "_Invalid": _Invalid,
        "_MISSING": _MISSING,
        "_DATES": _DATES,
        "_date": _date,
        "_Decimal": Decimal,
        "_DecimalError": DecimalException,
        "cls": model.cls,
        "known": frozenset(model.fields),
    }
    code = [
        "def quick(data):",
        # A missing required field raises KeyError where it is read.
        "    if type(data) is not dict or not known.issuperset(data):",
        "        raise _Invalid('')",
        "    get = data.get",
    ]
    for i, (name, (convert, default)) in enumerate(model.fields.items()):
        branches = []  # (condition, statements); the last one has no condition
        if default is _REQUIRED:
            code.append(f"    v = data[{name!r}]")
        else:
            space[f"d{i}"] = default
            code.append(f"    v = get({name!r}, _MISSING)")
            branches.append(
                ("v is _MISSING", [f"f{i} = d{i}()" if callable(default) else f"f{i} = d{i}"])
            )
        if name in model.optional:
            branches.append(("v is None", [f"f{i} = None"]))
        branches.append(("", _quick_statements(convert, f"f{i}", i, space)))
        if len(branches) == 1:
            code += [f"    {line}" for line in branches[0][1]]
            continue
        for k, (condition, statements) in enumerate(branches):
            code.append(
                f"    {'if' if k == 0 else 'elif'} {condition}:" if condition else "    else:"
            )
            code += [f"        {line}" for line in statements]
    # Every field is set here, so the object is made without its __init__
    # (a call with a keyword per field costs more than the fields' checks).
    assert set(model.fields) == {f.name for f in dataclasses.fields(model.cls)}
    space["_new"] = object.__new__
    code.append("    o = _new(cls)")
    code += [f"    o.{name} = f{i}" for i, name in enumerate(model.fields)]
    code.append("    return o")
    exec("\n".join(code), space)  # our own source, written from the field table
    quick: Callable[[object], Any] = space["quick"]
    return quick


def _quick_statements(convert: object, target: str, i: int, space: dict[str, Any]) -> list[str]:
    """Statements that set ``target`` from the field's value ``v``, or raise."""
    if convert is _string or convert is _bool:
        kind = "str" if convert is _string else "bool"
        return [f"if type(v) is not {kind}:", "    raise _Invalid('')", f"{target} = v"]
    if convert is _facts:  # a copy: the claim must not change with the caller's document
        return ["if type(v) is not dict:", "    raise _Invalid('')", f"{target} = dict(v)"]
    if convert is _age:
        return [
            "if type(v) is not int or not 0 <= v <= 130:",
            "    raise _Invalid('')",
            f"{target} = v",
        ]
    if convert is _claim_format:
        return [
            f"if type(v) is not int or v != {CLAIM_FORMAT}:",
            "    raise _Invalid('')",
            f"{target} = v",
        ]
    if convert is _date:
        return [
            f"{target} = _DATES.get(v) if type(v) is str else None",
            f"if {target} is None:",
            f"    {target} = _date(v)",
        ]
    if convert is parse_amount:  # decimal text, the common case, parsed in place
        space[f"c{i}"] = convert
        return [
            "if type(v) is str:",
            "    try:",
            f"        {target} = _Decimal(v)",  # as to_decimal: Decimal strips spaces too
            "    except _DecimalError:",
            "        raise _Invalid('') from None",
            f"    if not {target}.is_finite() or {target} < 0:",
            "        raise _Invalid('')",
            "else:",
            f"    {target} = c{i}(v)",
        ]
    if convert is _ref:  # what _ref adds to _REF (not empty), its pattern requires
        convert = _REF
    if convert in _PATTERNS:
        match, max_length = _PATTERNS[convert]
        space[f"m{i}"] = match
        too_long = "" if max_length is None else f" or len(v) > {max_length}"
        return [
            f"if type(v) is not str or m{i}(v) is None{too_long}:",
            "    raise _Invalid('')",
            f"{target} = v",
        ]
    if isinstance(convert, _Nested):
        space[f"q{i}"] = convert.model.quick
        if not convert.many:
            return [f"{target} = q{i}(v)"]
        return [
            "if type(v) is not list:",
            "    raise _Invalid('')",
            f"{target} = tuple(map(q{i}, v))",
        ]
    space[f"c{i}"] = convert
    return [f"{target} = c{i}(v)"]


def _empty_facts() -> Facts:
    return {}


_EXPENSE = _Model(
    Expense,
    {
        "amount": (parse_amount, _REQUIRED),
        "currency": (_CURRENCY, "EUR"),
        "date": (_date, _REQUIRED),
        "category": (_string, "other"),
        "units": (parse_amount, None),
        "label": (_label, None),
    },
    frozenset({"units", "label"}),
)
_OBJECT = _Model(
    BaggageObject,
    {
        "label": (_label, None),
        "value": (parse_amount, _REQUIRED),
        "currency": (_CURRENCY, "EUR"),
        "date": (_date, _REQUIRED),
        "category": (_string, "other"),
        "checked_in": (_bool, False),
        "left_in_vehicle": (_bool, False),
        "secured_in_vehicle": (_bool, False),
    },
    frozenset({"label"}),
)
_PRIOR_PAYMENT = _Model(
    PriorPayment,
    {
        "guarantee": (_string, _REQUIRED),
        "amount": (parse_amount, _REQUIRED),
        "date": (_date, _REQUIRED),
        "same_accident": (_bool, False),
    },
)
_LINE = _Model(
    Line,
    {
        "id": (_ref, None),
        "guarantee": (_string, _REQUIRED),
        "expenses": (_Nested(_EXPENSE, many=True), ()),
        "objects": (_Nested(_OBJECT, many=True), ()),
        "facts": (_facts, _empty_facts),
        "renunciation_date": (_date, None),
    },
    frozenset({"id", "renunciation_date"}),
)
_INSURED = _Model(
    Insured,
    {
        "ref": (_ref, _REQUIRED),
        "birth_date": (_date, None),
        "age_at_subscription": (_age, None),
        "role": (_role, None),
        "facts": (_facts, _empty_facts),
        "prior_payments": (_Nested(_PRIOR_PAYMENT, many=True), ()),
        "lines": (_Nested(_LINE, many=True), _REQUIRED),
    },
    frozenset({"birth_date", "age_at_subscription", "role"}),
)
_POLICY = _Model(
    Policy,
    {
        "issue_date": (_date, _REQUIRED),
        "start_date": (_date, None),
        "end_date": (_date, None),
        "zone": (_string, _REQUIRED),
    },
    frozenset({"start_date", "end_date"}),
)
_TRIP = _Model(
    Trip,
    {
        "booking_date": (_date, None),
        "departure_date": (_date, _REQUIRED),
        "return_date": (_date, _REQUIRED),
        "cost": (parse_amount, None),
        "flight_cost": (parse_amount, None),
        "fees": (parse_amount, None),
        "insured_value": (parse_amount, None),
    },
    frozenset({"booking_date", "cost", "flight_cost", "fees", "insured_value"}),
)
_EVENT = _Model(
    Event,
    {
        "id": (_ref, None),
        "date": (_date, _REQUIRED),
        "country": (_COUNTRY, _REQUIRED),
        "zone": (_string, _REQUIRED),
        "facts": (_facts, _empty_facts),
        "reporting_possible_from": (_date, None),
    },
    frozenset({"id", "reporting_possible_from"}),
)
_RATE = _Model(
    ExchangeRate,
    {
        "currency": (_CURRENCY, _REQUIRED),
        "date": (_date, _REQUIRED),
        "units_per_eur": (parse_rate, _REQUIRED),
    },
)
_CLAIM = _Model(
    Claim,
    {
        "claim_format": (_claim_format, _REQUIRED),
        "claim_id": (_ref, _REQUIRED),
        "product": (_string, _REQUIRED),
        "edition": (_EDITION, None),
        "level": (_string, _REQUIRED),
        "policy": (_Nested(_POLICY), _REQUIRED),
        "trip": (_Nested(_TRIP), _REQUIRED),
        "event": (_Nested(_EVENT), _REQUIRED),
        "reported_on": (_date, _REQUIRED),
        "rates": (_Nested(_RATE, many=True), ()),
        "insured": (_Nested(_INSURED, many=True), _REQUIRED),
    },
    frozenset({"edition"}),
)


# --------------------------------------------------------------------------- checks


def check_claim(claim: Claim) -> list[tuple[str, str]]:
    """Checks between fields, independent of the product: the problems found.

    A list, not a generator: a valid claim then costs no generator at all.
    """
    found: list[tuple[str, str]] = []
    trip = claim.trip
    if trip.return_date < trip.departure_date:
        found.append(
            (
                "trip.return_date",
                f"return {trip.return_date} is before departure {trip.departure_date}",
            )
        )
    if trip.booking_date and trip.booking_date > trip.departure_date:
        found.append(("trip.booking_date", f"booking {trip.booking_date} is after departure"))
    if trip.flight_cost is not None and trip.cost is not None and trip.flight_cost > trip.cost:
        found.append(
            ("trip.flight_cost", f"flight cost {trip.flight_cost} exceeds trip cost {trip.cost}")
        )
    policy = claim.policy
    if policy.start_date and policy.start_date < policy.issue_date:
        found.append(
            ("policy.start_date", f"start {policy.start_date} is before issue {policy.issue_date}")
        )
    if policy.end_date and policy.end_date < (policy.start_date or policy.issue_date):
        found.append(("policy.end_date", f"end {policy.end_date} is before the policy starts"))
    if claim.reported_on < claim.event.date:
        found.append(
            ("reported_on", f"report {claim.reported_on} is before the event {claim.event.date}")
        )
    if not claim.insured:
        found.append(("insured", "at least one insured person is required"))
    if claim.event.facts:
        _check_facts(claim.event.facts, "event.facts", found)
    refs: set[str] = set()
    for i, person in enumerate(claim.insured):
        if person.ref in refs:
            found.append((f"insured[{i}].ref", f"duplicate insured reference {person.ref!r}"))
        refs.add(person.ref)
        if person.birth_date is None and person.age_at_subscription is None:
            found.append((f"insured[{i}]", "give birth_date or age_at_subscription"))
        if person.birth_date and person.birth_date > policy.issue_date:
            found.append((f"insured[{i}].birth_date", "birth date is after the policy was issued"))
        if not person.lines:
            found.append((f"insured[{i}].lines", "at least one line is required"))
        if person.facts:
            _check_facts(person.facts, f"insured[{i}].facts", found)
        line_ids: set[str] = set()
        for j, line in enumerate(person.lines):
            if line.id is not None:
                if line.id in line_ids:
                    found.append((f"insured[{i}].lines[{j}].id", f"duplicate line id {line.id!r}"))
                line_ids.add(line.id)
            if line.facts:
                _check_facts(line.facts, f"insured[{i}].lines[{j}].facts", found)
            for k, expense in enumerate(line.expenses):
                if expense.category not in EXPENSE_CATEGORIES:
                    found.append(
                        (
                            f"insured[{i}].lines[{j}].expenses[{k}].category",
                            _unknown("expense category", expense.category, EXPENSE_CATEGORIES),
                        )
                    )
            for k, obj in enumerate(line.objects):
                if obj.category not in OBJECT_CATEGORIES:
                    found.append(
                        (
                            f"insured[{i}].lines[{j}].objects[{k}].category",
                            _unknown("object category", obj.category, OBJECT_CATEGORIES),
                        )
                    )
    return found


def _unknown(what: str, value: str, allowed: frozenset[str]) -> str:
    return f"unknown {what} {value!r} (one of: {', '.join(sorted(allowed))})"


_DERIVED = frozenset({"age", "role", "reported_late"})
# The boolean facts a claim may state (true or false is all there is to
# check), and the enumerated ones with their values.
_STATED = {
    name: spec
    for name, spec in FACTS.items()
    if spec.level is FactLevel.CLAIM and name not in _DERIVED
}
_BOOLEAN_FACTS = frozenset(name for name, spec in _STATED.items() if spec.type is FactType.BOOL)
_ENUM_FACTS = {name: spec.values for name, spec in _STATED.items() if spec.type is FactType.ENUM}


def _check_facts(facts: Mapping[str, object], where: str, found: list[tuple[str, str]]) -> None:
    for name, value in facts.items():
        # The common cases, and valid: a boolean fact, a value of an enumerated one.
        if type(value) is bool and name in _BOOLEAN_FACTS:
            continue
        if type(value) is str and value in _ENUM_FACTS.get(name, ()):
            continue
        spec = FACTS.get(name)
        if spec is None or spec.level is not FactLevel.CLAIM:
            found.append((f"{where}.{name}", "unknown fact"))
            continue
        if name in _DERIVED:
            found.append((f"{where}.{name}", "computed by claimcalc; do not state it"))
            continue
        for at, text in _fact_problems(spec.type, spec.values, name, value):
            found.append((f"{where}.{name}{at}", text))


def _fact_problems(
    kind: FactType, values: frozenset[str], name: str, value: object
) -> Iterator[tuple[str, str]]:
    """What is wrong with a fact's value: (where inside it, message)."""
    if kind is FactType.BOOL:
        if not isinstance(value, bool):
            yield "", f"expected true or false, got {value!r}"
    elif kind is FactType.INT:
        if isinstance(value, bool) or not isinstance(value, int):
            yield "", f"expected a whole number, got {value!r}"
        elif value < 0:
            yield "", f"must not be negative, got {value}"
    elif kind is FactType.DECIMAL:
        if isinstance(value, bool) or not isinstance(value, int | Decimal | str):
            yield "", f"expected a decimal number, got {value!r}"
            return
        try:
            number = to_decimal(value)
        except NotADecimalError as exc:
            yield "", str(exc)
            return
        if number < 0:
            yield "", f"must not be negative, got {number}"
    elif kind is FactType.ENUM:
        if not isinstance(value, str) or value not in values:
            yield "", _unknown("value", str(value), values)
    elif not isinstance(value, list):  # a set of values
        yield "", "expected a list"
    else:
        for i, item in enumerate(value):
            if item not in values:
                yield f"[{i}]", f"unknown {name} value {item!r}"
