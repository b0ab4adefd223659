"""The values of claim fields: one converter per kind of field, with its message.

``convert(value)`` returns the field's value or raises :class:`Invalid` with
the message. The full reader (:mod:`claimcalc.claim.read`) builds a field's
converter from its declaration here; the generated quick reader
(:mod:`claimcalc.claim.quick`) checks the common cases in place and calls
:func:`date` and :func:`amount` for the rest.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from claimcalc.claim.model import DATE_TEXT, FIRST_DATE, LAST_DATE, Bounds, FieldSpec
from claimcalc.claim.personal import found
from claimcalc.i18n import _
from claimcalc.money import NotADecimalError, to_decimal

Convert = Callable[[object], Any]


class Invalid(ValueError):
    """A field's value is wrong; the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def got(value: object) -> str:
    """A wrong value as a message quotes it: a list or an object is named, never
    shown (what it holds may be personal data, or megabytes); text is cut short."""
    if isinstance(value, dict):
        return _("an object")
    if isinstance(value, list | tuple):
        return _("a list")
    return _cut(str(value) if isinstance(value, Decimal) else json.dumps(value, default=str))


def _cut(shown: str) -> str:
    """A quoted value, cut short when long (a message is one readable line)."""
    if len(shown) <= 80:
        return shown
    return _("{start}… ({length:,} characters)").format(start=shown[:60], length=len(shown))


def text(value: object) -> str:
    if not isinstance(value, str):
        raise Invalid(_("expected a string, got {got}").format(got=got(value)))
    return value


def true_or_false(value: object) -> bool:
    if not isinstance(value, bool):
        raise Invalid(_("expected true or false, got {got}").format(got=got(value)))
    return value


_DATE_TEXT = re.compile(DATE_TEXT).fullmatch
# Dates read so far, by their text: the claims of a batch share few dates.
DATES: dict[str, dt.date] = {}


def date(value: object) -> dt.date:
    day = DATES.get(value) if type(value) is str else None
    if day is not None:
        return day
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        if not FIRST_DATE <= value <= LAST_DATE:
            raise Invalid(_between(value))
        return value
    if isinstance(value, str) and _DATE_TEXT(value):
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            pass
        else:
            if not FIRST_DATE <= day <= LAST_DATE:
                raise Invalid(_between(repr(value)))
            if len(DATES) >= 4096:  # keep the memo small
                DATES.clear()
            DATES[value] = day
            return day
    raise Invalid(_("not a valid date (YYYY-MM-DD): {got!r}").format(got=_Quoted(value)))


def _between(got: object) -> str:
    return _("must be between {first} and {last}, got {got}").format(
        first=FIRST_DATE, last=LAST_DATE, got=got
    )


def amount(value: object) -> Decimal:
    """A non-negative amount: a decimal number or decimal text, never a float.

    Text with a minus is refused, ``"-0"`` too: the JSON Schema's pattern for
    text has no minus (a JSON number -0.0 is 0 to it, and to this)."""
    try:
        number = to_decimal(value)
    except NotADecimalError as exc:
        if type(value) is str:  # quoted short, and not if it looks like personal data
            raise Invalid(
                _("expected a decimal number, got {got!r}").format(got=_Quoted(value))
            ) from None
        raise Invalid(str(exc)) from None
    if number < 0 or (type(value) is str and value[0] == "-"):
        raise Invalid(_("must not be negative, got {got}").format(got=number))
    return number


def facts(value: object) -> dict[str, Any]:
    # Each value is checked against its fact's type by check_claim. A copy: the
    # claim must not change when the caller's document does.
    if not isinstance(value, dict):
        raise Invalid(_("expected an object, got {got}").format(got=got(value)))
    return dict(value)


def converter(spec: FieldSpec) -> Convert:
    """The converter of a field that is not a nested object: its kind, its bounds."""
    if spec.choices:
        return _one_of(spec.choices, spec.refusal, spec.what)
    if spec.kind is str:
        if spec.pattern is None and spec.length is None:
            return text
        return _text_matching(spec)
    if spec.kind is bool:
        return true_or_false
    if spec.kind is int:
        return _whole_number(spec)
    if spec.kind is Decimal:
        if spec.bounds is None:
            return amount
        return _amount_within(spec.bounds)
    if spec.kind is dt.date:
        return date
    if spec.kind is dict:
        return facts
    raise TypeError(f"{spec.name}: no converter for {spec.kind}")


def _one_of(choices: tuple[object, ...], refusal: str | None, what: str | None) -> Convert:
    texts = [repr(choice) for choice in choices]
    allowed = ", ".join(str(choice) for choice in choices)

    def convert(value: object) -> object:
        value = whole(value)  # 1.0 is the claim format 1, as JSON Schema counts it
        # type() as well: True == 1, but true is not the claim format 1
        if not any(type(value) is type(choice) and value == choice for choice in choices):
            if refusal is not None:
                # msgids, translated here (the converter is cached): in the current language
                raise Invalid(
                    _(refusal).format(
                        value=_Quoted(value), allowed=allowed, what=_(what) if what else ""
                    )
                )
            # Written here, not with the (cached) converter: in the current language.
            listed = texts[0]
            if len(texts) > 1:
                listed = _("{first} or {last}").format(first=", ".join(texts[:-1]), last=texts[-1])
            raise Invalid(_("Input should be {listed}").format(listed=listed))
        return value

    return convert


def _text_matching(spec: FieldSpec) -> Convert:
    low = spec.length.min if spec.length else None
    high = spec.length.max if spec.length else None
    pattern = spec.pattern
    # fullmatch: "$" alone would let a final newline through
    match = re.compile(pattern.regex).fullmatch if pattern else None

    def convert(value: object) -> str:
        value = text(value)
        if low is not None and len(value) < low:
            if low == 1:
                raise Invalid(_("String should have at least 1 character"))
            raise Invalid(_("String should have at least {low} characters").format(low=low))
        if high is not None and len(value) > high:
            raise Invalid(_("String should have at most {high} characters").format(high=high))
        if pattern is not None and match is not None and match(value) is None:
            raise Invalid(
                _("expected {what}, got {got!r}").format(what=_(pattern.says), got=_Quoted(value))
            )
        return value

    return convert


def _whole_number(spec: FieldSpec) -> Convert:
    bounds = spec.bounds

    def convert(value: object) -> int:
        value = whole(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise Invalid(_("expected a whole number, got {got}").format(got=got(value)))
        if bounds and bounds.ge is not None and value < bounds.ge:
            raise Invalid(
                _("Input should be greater than or equal to {least}").format(least=bounds.ge)
            )
        if bounds and bounds.le is not None and value > bounds.le:
            raise Invalid(_("Input should be less than or equal to {most}").format(most=bounds.le))
        return value

    return convert


def whole(value: object) -> object:
    """A JSON number with a zero fraction (``40.0``, ``4e1``: read as an exact
    Decimal) as the whole number it is, as JSON Schema counts it an integer;
    anything else as it is."""
    if type(value) is Decimal and value.is_finite() and value == value.to_integral_value():
        return int(value)
    return value


def decimal_within(bounds: Bounds) -> Convert:
    """The converter of a decimal number within ``bounds`` (a field's, a fact's)."""
    return _amount_within(bounds)


def _amount_within(bounds: Bounds) -> Convert:
    floor, ceiling, places = bounds.gt, bounds.le, bounds.places

    def convert(value: object) -> Decimal:
        number = amount(value)
        if floor is not None and number <= floor:
            raise Invalid(_("must be greater than {floor}").format(floor=floor))
        if ceiling is not None and number > ceiling:
            raise Invalid(_("must be at most {most}").format(most=ceiling))
        if places is not None and not within_places(number, places):
            raise Invalid(_("must have at most {places} decimal places").format(places=places))
        return number

    return convert


def within_places(number: Decimal, places: int) -> bool:
    """Whether a number (at most 10**12) has at most ``places`` decimal places,
    trailing zeros aside."""
    exponent = number.as_tuple().exponent
    assert isinstance(exponent, int)  # a finite number
    return exponent >= -places or number == number.quantize(Decimal(1).scaleb(-places))


class _Quoted:
    """A refused value in a refusal's ``{value!r}``: quoted as :func:`got` quotes it."""

    __slots__ = ("value",)

    def __init__(self, value: object) -> None:
        self.value = value

    def __repr__(self) -> str:
        if isinstance(self.value, str):
            # Personal data is quoted whole: the reader then replaces the message
            # with one that names its kind (read._unquoted); cut, it would not.
            return repr(self.value) if found(self.value) else _cut(repr(self.value))
        return got(self.value)
