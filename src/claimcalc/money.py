"""Money and percentages as :class:`decimal.Decimal`, never float."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Context, Decimal
from functools import lru_cache

CENT = Decimal("0.01")
# The default context's precision and traps, rounding half up. Its quantize
# takes no keywords: round_cents runs a dozen times a line.
_HALF_UP = Context(rounding=ROUND_HALF_UP)


class NotADecimalError(ValueError):
    """The value is not a finite decimal number written as such."""


#: Where a pattern ends. A regex written ``^…`` + END matches a whole text
#: both as Python's ``re`` reads it (the readers use ``fullmatch``; JSON Schema
#: validators in Python use ``re.search``, where ``$`` also matches before a
#: final newline, which the lookahead refuses) and as ECMA 262 does (JSON
#: Schema's ``pattern``, in editors).
END = r"$(?!\n)"

#: Decimal text, as claim and product files write a number: ASCII digits, an
#: optional minus, an optional fraction. Python's ``Decimal()`` also takes
#: ``"1_80"``, ``"+180"``, ``".5"``, ``" 180 "``, ``"1e3"``, non-ASCII digits
#: and ``"NaN"``: :func:`to_decimal` checks this first. The JSON Schemas
#: (``claimcalc schema claim|product``) state it, or a narrowing of it
#: (:func:`decimal_pattern`).
DECIMAL_TEXT = r"^-?[0-9]+(\.[0-9]+)?" + END
_decimal_text = re.compile(DECIMAL_TEXT).fullmatch


def decimal_pattern(
    *, positive: bool = False, most: int | None = None, places: int | None = None
) -> str:
    """The decimal text of a number from 0 (above 0 when ``positive``) to
    ``most`` (a power of ten) with at most ``places`` decimal places, trailing
    zeros aside: :data:`DECIMAL_TEXT` without its minus, narrowed, so that a
    JSON Schema can state the bounds of an amount written as text."""
    fraction = r"(\.[0-9]+)?" if places is None else rf"(\.[0-9]{{1,{places}}}0*)?"
    if most is None:
        number = f"[0-9]+{fraction}"
    else:
        digits = len(str(most)) - 1
        assert most == 10**digits and digits > 0, f"{most}: a bound other than a power of ten"
        number = rf"0*([0-9]{{1,{digits}}}{fraction}|{most}(\.0+)?)"
    nonzero = r"(?=[0-9.]*[1-9])" if positive else ""
    return f"^{nonzero}{number}{END}"


def to_decimal(value: object) -> Decimal:
    """Parse an int, a Decimal or decimal text (:data:`DECIMAL_TEXT`); reject
    floats and booleans.

    Floats are refused because they cannot carry an exact amount: the YAML
    loader turns ``12.50`` into ``Decimal("12.50")`` before we get here.
    """
    if isinstance(value, bool):
        raise NotADecimalError(f"expected a decimal number, got {str(value).lower()}")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        if _decimal_text(value) is None:
            raise NotADecimalError(f"expected a decimal number, got {value!r}")
        result = Decimal(value)
    else:
        raise NotADecimalError(f"expected a decimal number, got {type(value).__name__}")
    if not result.is_finite():
        raise NotADecimalError(f"expected a finite decimal number, got {value!r}")
    return result


def round_cents(amount: Decimal) -> Decimal:
    """Round half up to the cent (domain.md, step 7)."""
    return _HALF_UP.quantize(amount, CENT)


def cents_text(amount: Decimal) -> str:
    """The amount rounded half up to the cent, as JSON writes it: ``"1500.00"``."""
    return str(_HALF_UP.quantize(amount, CENT))  # round_cents, without the second call


def whole_cents(amount: Decimal) -> int | None:
    """The amount in cents if it is a whole number of them (``1500.5`` is
    150050), else None. Exact for any finite amount: ``scaleb`` would round one
    of more than 28 digits, ``199.99999999999999999999999999999`` to 20000."""
    numerator, denominator = amount.as_integer_ratio()
    cents, rest = divmod(numerator * 100, denominator)
    return None if rest else cents


def floor_cents(amount: Decimal) -> int:
    """The greatest whole number of cents not above the amount: for a whole
    number of cents ``n``, ``n > floor_cents(x)`` exactly when ``n / 100 > x``
    (exact, as :func:`whole_cents`)."""
    numerator, denominator = amount.as_integer_ratio()
    return numerator * 100 // denominator


def from_cents(cents: int) -> Decimal:
    """A whole number of cents as euro, with two places: ``from_cents(0)`` is
    ``Decimal("0.00")``, as an amount rounded to the cent."""
    return Decimal(cents).scaleb(-2)


_TWO_DIGITS = tuple(f"{n:02d}" for n in range(100))


def text_of_cents(cents: int) -> str:
    """A whole number of cents (from 0) as :func:`cents_text` writes it: ``"1500.00"``."""
    euro, rest = divmod(cents, 100)
    return f"{euro}.{_TWO_DIGITS[rest]}"  # a format spec costs twice the whole


def format_cents(cents: int) -> str:
    """:func:`format_eur` of a whole number of cents (from 0): ``€ 1.500,00``."""
    euro, rest = divmod(cents, 100)
    return f"€ {euro:,}".replace(",", ".") + "," + _TWO_DIGITS[rest]


@lru_cache(maxsize=4096)  # limits and deductibles print the same few amounts again and again
def format_eur(amount: Decimal) -> str:
    """Italian-style euro amount as printed in the contracts: ``€ 1.500,00``."""
    text = f"{round_cents(amount):,.2f}"
    return "€ " + text.replace(",", "_").replace(".", ",").replace("_", ".")
