"""Reading claims: JSON text or decoded data to a :class:`~claimcalc.claim.model.Claim`.

Two readings, both driven by the declaration in :mod:`claimcalc.claim.model`:
the quick one (:mod:`claimcalc.claim.quick`, generated from it) reads a valid
claim and gives up at the first problem; the full one, here, then reads the
document again and reports every problem, in field order, then the unknown
fields. A batch reads thousands of claims a second and a one-claim run must
not pay for building pydantic models: neither reading uses pydantic.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator, Mapping
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from claimcalc import jsonio
from claimcalc.claim.model import (
    FACT_DECIMAL,
    MAX_CLAIM_TEXT,
    MAX_FACT_INT,
    MAX_LINES,
    REF_FORM,
    Claim,
    FieldSpec,
    fields_of,
)
from claimcalc.claim.personal import message as personal_data
from claimcalc.claim.quick import claim as quick_claim
from claimcalc.claim.values import Convert, Invalid, converter, decimal_within, got, whole
from claimcalc.errors import ClaimError, FileAccessError, key_path, printable
from claimcalc.facts import (
    DERIVED_FACTS,
    FACTS,
    REPLACED_VALUES,
    FactLevel,
    FactType,
)
from claimcalc.i18n import _

_SURROGATE = "invalid JSON: a \\u escape makes a lone surrogate, not a character"
_DIGITS = "invalid JSON: a number with more than 4300 digits"


def parse_claim(text: str, file: str = "<claim>", fast: bool = False, data: object = None) -> Claim:
    """Parse and validate one claim document (JSON text).

    ``fast``: read the JSON with orjson first. Its values differ from the json
    module's only by floats, which no field of a claim accepts: a claim it
    yields is exact; otherwise the text is read again, as without ``fast``.
    ``data``: orjson's reading of ``text``, when the caller has it (None: not read).
    A UTF-8 byte order mark before the document is ignored (as in a rates file).
    """
    if text[:1] == "\ufeff":
        text = text[1:]
    if len(text) > MAX_CLAIM_TEXT:  # refused before it is parsed
        raise ClaimError(
            file,
            [
                (
                    "",
                    _("{length:,} characters; a claim holds at most {most:,}").format(
                        length=len(text), most=MAX_CLAIM_TEXT
                    ),
                )
            ],
        )
    if fast:
        try:
            if data is None:
                data = jsonio.loads_values(text, True)
            claim = claim_from_data(data, file)
        except (ClaimError, ValueError, RecursionError):
            pass  # the exact reading below reports it
        else:
            if not jsonio.may_repeat_keys(text, data):
                return claim
            # orjson kept a repeated key's last value: the exact reading tells
    try:
        data = jsonio.loads(text)
        if "\\u" in text and jsonio.lone_surrogate(data):  # the json module lets them through
            raise ClaimError(
                file,
                [("", _("invalid JSON: a \\u escape makes a lone surrogate, not a character"))],
            )
        return claim_from_data(data, file)
    except json.JSONDecodeError as exc:
        raise ClaimError(
            f"{file}:{exc.lineno}:{exc.colno}",
            # "control character at": the json module's words, in English
            [("", _("invalid JSON: {reason}").format(reason=exc.msg.removesuffix(" at")))],
        ) from None
    except jsonio.DuplicateKeyError as exc:
        raise ClaimError(file, [(exc.key, _("duplicate key"))]) from None
    except jsonio.NotJSONNumberError as exc:
        where = _where_number(text, exc.token, file)
        raise ClaimError(where, [("", _("invalid JSON: {reason}").format(reason=exc))]) from None
    except RecursionError:  # parsing it, or quoting it in a message
        raise ClaimError(file, [("", _("invalid JSON: nested too deeply"))]) from None
    except ValueError as exc:  # the json module's limit on an integer's digits
        if "digits" not in str(exc):
            raise
        raise ClaimError(
            file, [("", _("invalid JSON: a number with more than 4300 digits"))]
        ) from None


def _where_number(text: str, token: str, file: str) -> str:
    """``file:line:col`` of the first ``token`` (a number: NaN, 1e1000000000000000000)
    outside a string (``file`` if none)."""
    for match in re.finditer(r'"(?:[^"\\]|\\.)*"|(' + re.escape(token) + ")", text):
        if match.group(1):
            start = match.start(1)
            line = text.count("\n", 0, start) + 1
            return f"{file}:{line}:{start - text.rfind(chr(10), 0, start)}"
    return file


def claim_from_data(data: object, file: str = "<claim>") -> Claim:
    """Validate a decoded claim (JSON types; dates may also be ``datetime.date``)."""
    if not isinstance(data, dict):
        raise ClaimError(file, [("", _("a claim must be a JSON object"))])
    try:
        claim = quick_claim(data)
    except GIVES_UP:
        problems: Problems = []
        claim = read_fully(Claim, data, (), problems)
        if problems:
            raise ClaimError(
                file, [(key_path(loc), _unquoted(data, loc, message)) for loc, message in problems]
            ) from None
    found = check_claim(claim)
    if found:
        raise ClaimError(file, found)
    return claim


def read_claim(path: str | Path) -> Claim:
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise FileAccessError(
            _("{path}: cannot read claim file: {reason}").format(path=path, reason=exc.strerror)
        ) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ClaimError(str(path), [("", _("not UTF-8 text"))]) from None
    return parse_claim(text, str(path))


def _unquoted(data: object, loc: Loc, message: str) -> str:
    """A problem's message; what the value is instead when the message quotes it
    and it is personal data.

    Messages quote a wrong value ("not a valid date (YYYY-MM-DD): '…'"); a text
    field's value is checked for personal data first (_screening), any other
    value here.
    """
    value = data
    for key in loc:
        try:
            value = value[key]  # type: ignore[index]
        except (KeyError, IndexError, TypeError):
            return message
    if type(value) is not str or not (value in message or got(value) in message):
        return message  # it does not quote the value ("unknown field"), or says it is personal
    return personal_data(value, reference=False) or message


# --------------------------------------------------------------------------- the full reading

Loc = tuple[str | int, ...]
Problems = list[tuple[Loc, str]]

# How the quick reading gives up: a problem, or a required field missing
# (KeyError, raised where the field is read).
GIVES_UP = (Invalid, KeyError)

_BAD: Any = object()  # a value that had problems (already reported)


def read_fully(model: type, data: object, loc: Loc, problems: Problems) -> Any:
    """One object of the format, every problem with it added to ``problems``.

    Returns the object, or _BAD when it has problems.
    """
    if not isinstance(data, dict):
        problems.append((loc, _("expected an object, got {got}").format(got=got(data))))
        return _BAD
    values: dict[str, Any] = {}
    bad = False
    fields = _fields(model)
    for spec, convert in fields:
        name = spec.name
        if name not in data:
            if spec.required:
                problems.append(((*loc, name), "missing required field"))
                bad = True
            else:
                values[name] = spec.factory() if spec.factory else spec.default
            continue
        value = data[name]
        if value is None and spec.optional:
            values[name] = None
        elif convert is None:
            values[name] = _read_nested(spec, value, (*loc, name), problems)
            bad = bad or values[name] is _BAD
        else:
            try:
                values[name] = convert(value)
            except Invalid as invalid:
                problems.append(((*loc, name), invalid.message))
                bad = True
    known = {spec.name for spec, _ in fields}
    for name in data:
        if name not in known:
            # A key is quoted in the field's path: not when it is personal data.
            leak = personal_data(name, reference=False) if isinstance(name, str) else None
            problems.append(
                ((*loc, name), _("unknown field"))
                if leak is None
                else (loc, _("a key {leak}").format(leak=leak))
            )
            bad = True
    return _BAD if bad else model(**values)


def _read_nested(spec: FieldSpec, value: object, loc: Loc, problems: Problems) -> Any:
    if not spec.many:
        return read_fully(spec.kind, value, loc, problems)
    if not isinstance(value, list | tuple):
        problems.append((loc, _("expected a list, got {got}").format(got=got(value))))
        return _BAD
    most = spec.length.max if spec.length else None
    if most is not None and len(value) > most:
        problems.append(
            (loc, _("at most {most} items, got {count}").format(most=most, count=len(value)))
        )
        return _BAD
    least = spec.length.min if spec.length else None
    if least is not None and len(value) < least:
        assert spec.length is not None
        problems.append(
            (
                loc,
                _(spec.length.short)
                if spec.length.short
                else _("at least {least} items, got {count}").format(least=least, count=len(value)),
            )
        )
        return _BAD
    items = tuple(read_fully(spec.kind, item, (*loc, i), problems) for i, item in enumerate(value))
    return _BAD if any(item is _BAD for item in items) else items


@cache
def _fields(model: type) -> tuple[tuple[FieldSpec, Convert | None], ...]:
    """Each field with its converter (None: a nested object, read by read_fully)."""
    return tuple(
        (spec, None if spec.nested else _screening(spec, converter(spec)))
        for spec in fields_of(model)
    )


def _screening(spec: FieldSpec, convert: Convert) -> Convert:
    """A text field's converter, that first refuses personal data (claimcalc.claim.personal).

    First: its other messages quote the value. A reference (an id) is to be
    a pseudonymous one; other text, to leave the data out.
    """
    if not spec.screened:
        return convert
    reference = spec.pattern == REF_FORM

    def screened(value: object) -> Any:
        if type(value) is str:
            leak = personal_data(value, reference)
            if leak is not None:
                raise Invalid(leak)
        return convert(value)

    return screened


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
                _("return {return_date} is before departure {departure}").format(
                    return_date=trip.return_date, departure=trip.departure_date
                ),
            )
        )
    if trip.booking_date and trip.booking_date > trip.departure_date:
        found.append(
            (
                "trip.booking_date",
                _("booking {booking} is after departure").format(booking=trip.booking_date),
            )
        )
    if trip.flight_cost is not None and trip.cost is not None and trip.flight_cost > trip.cost:
        found.append(
            (
                "trip.flight_cost",
                _("flight cost {flight} exceeds trip cost {cost}").format(
                    flight=trip.flight_cost, cost=trip.cost
                ),
            )
        )
    # fees are part of the trip's cost, as its flights are: a pro rata of the cost
    # net of them would be negative
    elif (
        trip.fees is not None
        and trip.cost is not None
        and trip.fees + (trip.flight_cost or 0) > trip.cost
    ):
        found.append(
            (
                "trip.fees",
                _("fees {fees} and flight cost {flight} exceed trip cost {cost}").format(
                    fees=trip.fees, flight=trip.flight_cost or 0, cost=trip.cost
                )
                if trip.flight_cost
                else _("fees {fees} exceed trip cost {cost}").format(
                    fees=trip.fees, cost=trip.cost
                ),
            )
        )
    policy = claim.policy
    if policy.start_date and policy.start_date < policy.issue_date:
        found.append(
            (
                "policy.start_date",
                _("start {start} is before issue {issue}").format(
                    start=policy.start_date, issue=policy.issue_date
                ),
            )
        )
    if policy.end_date and policy.end_date < (policy.start_date or policy.issue_date):
        found.append(
            (
                "policy.end_date",
                _("end {end} is before the policy starts").format(end=policy.end_date),
            )
        )
    if claim.reported_on < claim.event.date:
        found.append(
            (
                "reported_on",
                _("report {reported} is before the event {event}").format(
                    reported=claim.reported_on, event=claim.event.date
                ),
            )
        )
    if claim.event.facts:
        _check_facts(claim.event.facts, "event.facts", found)
    if len(claim.rates) > 1:
        fixings: set[tuple[str, object]] = set()
        for i, rate in enumerate(claim.rates):
            if (rate.currency, rate.date) in fixings:  # which one would be used?
                found.append(
                    (
                        f"rates[{i}]",
                        _("a second rate for {currency} on {date}").format(
                            currency=rate.currency, date=rate.date
                        ),
                    )
                )
            fixings.add((rate.currency, rate.date))
    if len(claim.insured) > 1 and (lines := sum(len(p.lines) for p in claim.insured)) > MAX_LINES:
        found.append(
            (
                "insured",
                _("{lines:,} lines in all; a claim holds at most {most:,}").format(
                    lines=lines, most=MAX_LINES
                ),
            )
        )
    refs: set[str] = set()
    for i, person in enumerate(claim.insured):
        if person.ref in refs:
            found.append(
                (
                    f"insured[{i}].ref",
                    _("duplicate insured reference {ref!r}").format(ref=person.ref),
                )
            )
        refs.add(person.ref)
        if person.birth_date is None and person.age_at_subscription is None:
            found.append((f"insured[{i}]", _("give birth_date or age_at_subscription")))
        if person.birth_date and person.birth_date > policy.issue_date:
            found.append(
                (f"insured[{i}].birth_date", _("birth date is after the policy was issued"))
            )
        elif person.birth_date and (age := _age(person.birth_date, policy.issue_date)) > MAX_AGE:
            found.append(
                (
                    f"insured[{i}].birth_date",
                    _(
                        "makes the insured {age} at the policy's issue ({issue});"
                        " at most {most}, as for age_at_subscription"
                    ).format(age=age, issue=policy.issue_date, most=MAX_AGE),
                )
            )
        elif (
            person.birth_date
            and person.age_at_subscription is not None
            and (age := _age(person.birth_date, policy.issue_date)) != person.age_at_subscription
        ):
            # both stated: one would silently win, and an age cap could go either way
            found.append(
                (
                    f"insured[{i}].age_at_subscription",
                    _(
                        "is {stated}, but birth_date makes the insured {age}"
                        " at the policy's issue ({issue})"
                    ).format(stated=person.age_at_subscription, age=age, issue=policy.issue_date),
                )
            )
        if person.facts:
            _check_facts(person.facts, f"insured[{i}].facts", found)
        line_ids: set[str] = set()
        for j, line in enumerate(person.lines):
            if line.id is not None:
                if line.id in line_ids:
                    found.append(
                        (
                            f"insured[{i}].lines[{j}].id",
                            _("duplicate line id {id!r}").format(id=line.id),
                        )
                    )
                line_ids.add(line.id)
            if line.facts:
                _check_facts(line.facts, f"insured[{i}].lines[{j}].facts", found)
    return found


#: The oldest an insured person may be at the policy's issue (age_at_subscription's bound).
MAX_AGE = 130


def _age(birth: dt.date, on: dt.date) -> int:
    """Age in whole years on ``on``."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _unknown(what: str, value: str, allowed: frozenset[str]) -> str:
    return _("unknown {what} {value!r} (one of: {allowed})").format(
        what=_("value") if what == "value" else what,
        value=value,
        allowed=", ".join(sorted(allowed)),
    )


# The boolean facts a claim may state (true or false is all there is to
# check), and the enumerated ones with their values.
_STATED = {
    name: spec
    for name, spec in FACTS.items()
    if spec.level is FactLevel.CLAIM and name not in DERIVED_FACTS
}
_BOOLEAN_FACTS = frozenset(name for name, spec in _STATED.items() if spec.type is FactType.BOOL)
_ENUM_FACTS = {name: spec.values for name, spec in _STATED.items() if spec.type is FactType.ENUM}
_fact_decimal = decimal_within(FACT_DECIMAL)


def common_facts(facts: object) -> bool:
    """Whether ``facts`` is an object of facts of the common kinds, each valid: the
    cases :func:`_check_facts` answers first (the plain path takes only these)."""
    if type(facts) is not dict:
        return False
    for name, value in facts.items():
        if type(value) is bool:
            if name not in _BOOLEAN_FACTS:
                return False
        elif type(value) is not str or value not in _ENUM_FACTS.get(name, ()):
            return False
    return True


def _check_facts(facts: Mapping[str, object], where: str, found: list[tuple[str, str]]) -> None:
    for name, value in facts.items():
        # The common cases, and valid: a boolean fact, a value of an enumerated one
        # (common_facts: the same two).
        if type(value) is bool and name in _BOOLEAN_FACTS:
            continue
        if type(value) is str and value in _ENUM_FACTS.get(name, ()):
            continue
        leak = personal_data(name, reference=False)  # the name is quoted in the field's path
        if leak is not None:
            found.append((where, _("a key {leak}").format(leak=leak)))
            continue
        spec = FACTS.get(name)
        if spec is None or spec.level is not FactLevel.CLAIM:
            found.append((f"{where}.{printable(name)}", _("unknown fact")))
            continue
        if name in DERIVED_FACTS:
            found.append((f"{where}.{name}", _("computed by claimcalc; do not state it")))
            continue
        if spec.type is FactType.INT and type(value) is Decimal:
            value = whole(value)  # 3.0 days is 3 days (a JSON Schema integer)
            if type(value) is int:
                facts[name] = value  # type: ignore[index]  # the claim's own copy
        problems = list(_fact_problems(spec.type, spec.values, name, value))
        leak = _personal_value(value) if problems else None  # the problems quote it
        if leak is not None:
            found.append((f"{where}.{name}", leak))
            continue
        for at, text in problems:
            found.append((f"{where}.{name}{at}", text))


def fact_problems(facts: Mapping[str, object], where: str) -> list[tuple[str, str]]:
    """The problems of one ``facts`` object of a document (``claimcalc claim check``
    reads them even when other fields have problems)."""
    found: list[tuple[str, str]] = []
    _check_facts(dict(facts), where, found)
    return found


def _personal_value(value: object) -> str | None:
    """Whether a fact's value (text, or a list of texts) is personal data: the problem."""
    for text in value if isinstance(value, list) else [value]:
        if isinstance(text, str):
            leak = personal_data(text, reference=False)
            if leak is not None:
                return leak
    return None


def _fact_problems(
    kind: FactType, values: frozenset[str], name: str, value: object
) -> Iterator[tuple[str, str]]:
    """What is wrong with a fact's value: (where inside it, message)."""
    if kind is FactType.BOOL:
        if not isinstance(value, bool):
            yield "", _("expected true or false, got {got}").format(got=got(value))
    elif kind is FactType.INT:
        if isinstance(value, bool) or not isinstance(value, int):
            yield "", _("expected a whole number, got {got}").format(got=got(value))
        elif value < 0:
            yield "", _("must not be negative, got {got}").format(got=value)
        elif value > MAX_FACT_INT:
            yield "", _("must be at most {most}").format(most=MAX_FACT_INT)
    elif kind is FactType.DECIMAL:
        if isinstance(value, bool) or not isinstance(value, int | Decimal | str):
            yield "", _("expected a decimal number, got {got}").format(got=got(value))
            return
        try:
            _fact_decimal(value)
        except Invalid as invalid:
            yield "", invalid.message
    elif kind is FactType.ENUM:
        if isinstance(value, str) and (name, value) in REPLACED_VALUES:
            yield (
                "",
                _("{value!r} was replaced: write {new}").format(
                    value=value, new=REPLACED_VALUES[name, value]
                ),
            )
        elif not isinstance(value, str):
            yield (
                "",
                _("expected one of the {name} values, got {got}").format(name=name, got=got(value)),
            )
        elif value not in values:
            yield "", _unknown("value", value, values)
    elif not isinstance(value, list):  # a set of values
        yield "", _("expected a list")
    else:
        seen: set[str] = set()
        for i, item in enumerate(value):
            # A value of the set is text: a list or an object is not one (nor hashable).
            if not isinstance(item, str):
                yield (
                    f"[{i}]",
                    _("expected one of the {name} values, got {got}").format(
                        name=name, got=got(item)
                    ),
                )
            elif item not in values:
                yield f"[{i}]", _("unknown {name} value {value!r}").format(name=name, value=item)
            elif item in seen:
                yield f"[{i}]", _("{value!r} is listed twice").format(value=item)
            else:
                seen.add(item)
