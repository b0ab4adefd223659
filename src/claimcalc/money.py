"""Money and percentages as :class:`decimal.Decimal`, never float."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from functools import lru_cache

CENT = Decimal("0.01")
# The default context's precision and traps, rounding half up. Its quantize
# takes no keywords: round_cents runs a dozen times a line.
_HALF_UP = Context(rounding=ROUND_HALF_UP)


class NotADecimalError(ValueError):
    """The value is not a finite decimal number written as such."""


def to_decimal(value: object) -> Decimal:
    """Parse an int, a Decimal or a decimal string; reject floats and booleans.

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
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise NotADecimalError(f"expected a decimal number, got {value!r}") from None
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


@lru_cache(maxsize=4096)  # limits and deductibles print the same few amounts again and again
def format_eur(amount: Decimal) -> str:
    """Italian-style euro amount as printed in the contracts: ``€ 1.500,00``."""
    text = f"{round_cents(amount):,.2f}"
    return "€ " + text.replace(",", "_").replace(".", ",").replace("_", ".")
